//! Injected faults: what the test server does wrong, one invocation at a time.

use std::time::Duration;

use crate::wire::response::Status;

/// A fault applied to the reply of one invocation (see
/// [`TestCluster::inject`](super::TestCluster::inject) and
/// [`TestCluster::inject_for`](super::TestCluster::inject_for)).
///
/// Unless said otherwise the procedure still runs (its side effects happen);
/// only the way its reply travels is changed. "Close" below means the server
/// shuts down its sending side after the bytes (the client reads them and then
/// EOF) and drops the connection.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Fault {
    /// Send the reply this long after it is ready. The connection keeps
    /// serving other calls meanwhile, so later calls can be answered first.
    Delay(Duration),
    /// Never send the reply; the call stalls, the connection keeps serving others.
    NoReply,
    /// Send the 4-byte length prefix and about half of the reply body (at
    /// least one byte, never all of it), then close.
    CloseMidFrame,
    /// Send the first 2 bytes of the reply's length prefix, then close.
    CloseInLengthPrefix,
    /// Send these raw bytes instead of the reply and keep the connection open
    /// (the call itself gets no reply).
    Garbage(Vec<u8>),
    /// Send the reply body behind a length prefix of this value instead of
    /// its real length, then close. A client either rejects the length
    /// (`<= 0` or above 50 MiB), or reads a misframed message and then EOF.
    BadLength(i32),
    /// Send the reply with this client handle instead of the caller's.
    WrongHandle(i64),
    /// Send the reply twice.
    DuplicateReply,
    /// Send an unsolicited topology push (handle `ASYNC_TOPO_HANDLE`, the two
    /// `@Statistics TOPO` tables) right before the reply, subscribed or not.
    UnsolicitedBefore,
    /// Send the reply one byte at a time with this pause between bytes.
    /// Replies that become ready meanwhile wait behind it (a frame is never
    /// interleaved); the connection keeps reading calls.
    SlowDrip(Duration),
    /// Send the reply, then stop reading from this connection for this long:
    /// calls already sent and new ones are processed only afterwards.
    StopReading(Duration),
    /// Instead of the reply, send what a real server sends for an invocation
    /// it cannot parse: `UNEXPECTED_FAILURE` with the connection id as the
    /// client handle. The call itself gets no reply; the connection stays open.
    ConnectionIdReply,
    /// Close the connection instead of replying (nothing of the reply is sent).
    /// The procedure runs, so its outcome is unknown to the client.
    Disconnect,
    /// Do not run the procedure; reply with this status and status string
    /// (e.g. `SERVER_UNAVAILABLE` to test retry logic).
    Fail(Status, String),
}
