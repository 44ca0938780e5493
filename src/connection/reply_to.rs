//! Matching a reply to its call: the one rule both clients use.

use crate::wire::response::{MAX_CLIENT_HANDLE, PING_HANDLE};

/// Whom a reply is for, read from its client handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReplyTo {
    /// The call made with this handle (which may have given up waiting).
    Call(i64),
    /// A keepalive ping.
    Ping,
    /// A message the server sends on its own (topology or catalog pushes).
    Server,
    /// A handle no client issues, e.g. the connection id the server puts in
    /// its reply to an invocation it could not parse.
    Unknown,
}

impl ReplyTo {
    /// Whom a reply carrying `handle` is for.
    pub(crate) fn of(handle: i64) -> ReplyTo {
        match handle {
            PING_HANDLE => ReplyTo::Ping,
            1..=MAX_CLIENT_HANDLE => ReplyTo::Call(handle),
            h if h > MAX_CLIENT_HANDLE => ReplyTo::Server,
            _ => ReplyTo::Unknown,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::response::{ASYNC_PROC_HANDLE, ASYNC_TOPO_HANDLE};

    #[test]
    fn handles_sort_into_calls_pings_server_messages_and_unknown() {
        assert_eq!(ReplyTo::of(1), ReplyTo::Call(1));
        assert_eq!(
            ReplyTo::of(MAX_CLIENT_HANDLE),
            ReplyTo::Call(MAX_CLIENT_HANDLE)
        );
        assert_eq!(ReplyTo::of(PING_HANDLE), ReplyTo::Ping);
        assert_eq!(ReplyTo::of(ASYNC_TOPO_HANDLE), ReplyTo::Server);
        assert_eq!(ReplyTo::of(ASYNC_PROC_HANDLE), ReplyTo::Server);
        assert_eq!(ReplyTo::of(MAX_CLIENT_HANDLE + 1), ReplyTo::Server);
        assert_eq!(ReplyTo::of(0), ReplyTo::Unknown);
        assert_eq!(ReplyTo::of(-5), ReplyTo::Unknown);
    }
}
