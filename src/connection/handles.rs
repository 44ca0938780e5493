//! Client handles: the number a caller puts in its invocation and the server
//! copies into the reply, so that the reply can be matched to its call.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::wire::response::MAX_CLIENT_HANDLE;

/// Hands out client handles `1, 2, …, MAX_CLIENT_HANDLE`, then `1` again.
/// Handles above `MAX_CLIENT_HANDLE` belong to the server's own messages
/// (pings, topology pushes), and 0 is never used. Shared by every
/// connection of a client, and usable from many threads.
#[derive(Debug, Default)]
pub(crate) struct Handles {
    issued: AtomicU64,
}

impl Handles {
    /// An allocator whose first handle is 1.
    pub(crate) fn new() -> Handles {
        Handles::default()
    }

    /// The next handle.
    pub(crate) fn next(&self) -> i64 {
        let n = self.issued.fetch_add(1, Ordering::Relaxed);
        (n % MAX_CLIENT_HANDLE as u64) as i64 + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_at_one_and_wraps_after_the_last_client_handle() {
        let h = Handles::new();
        assert_eq!((h.next(), h.next()), (1, 2));
        let h = Handles {
            issued: AtomicU64::new(MAX_CLIENT_HANDLE as u64 - 2),
        };
        assert_eq!(
            [h.next(), h.next(), h.next()],
            [MAX_CLIENT_HANDLE - 1, MAX_CLIENT_HANDLE, 1]
        );
    }
}
