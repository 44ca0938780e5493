//! Calls in flight without a thread waiting on each: [`Client::call_async`].

use std::sync::Arc;

use super::dispatch::{self, InFlight};
use super::shared::Shared;
use crate::error::{Error, Result};
use crate::response::VoltResponse;

#[cfg(doc)]
use super::{CallOptions, Client};

/// A call that was sent by [`Client::call_async`] (or
/// [`Client::call_async_with`]) and whose reply has not been collected yet:
/// the blocking client's counterpart of the Python `VoltClient.call_async`
/// future and of the Java client's callbacks.
///
/// One thread can keep many calls in flight this way, pipelined on the
/// client's connections, with no thread parked per call. The reply is
/// matched by the connection's reader thread; [`wait`](Self::wait) collects
/// it (it blocks only if the reply has not arrived yet, and never longer
/// than the call's timeout). It is `Send`, so another thread may collect it.
///
/// Dropping a `PendingCall` without waiting abandons the call: its place
/// among the connection's calls in flight is freed at once, and a reply
/// that still arrives is discarded (counted as late in
/// [`ClientStats`](super::ClientStats)).
///
/// ```
/// use voltdb::client::Client;
/// use voltdb::testing::TestServer;
/// use voltdb::Value;
/// let server = TestServer::start()?;
/// let client = Client::connection("127.0.0.1", server.port())?;
/// // Send 100 calls from this one thread, then collect the replies.
/// let pending: Vec<_> = (0..100)
///     .map(|i| client.call_async("Put", &[Value::from(format!("k{i}")), Value::from(vec![i as u8])]))
///     .collect::<Result<_, _>>()?;
/// for p in pending {
///     assert!(p.wait()?.is_success());
/// }
/// let got = client.call_async("Get", &[Value::from("k7")])?.wait()?;
/// assert_eq!(got.tables[0].row(0)?.get::<&[u8]>("VALUE")?, &[7u8][..]);
/// # Ok::<(), voltdb::Error>(())
/// ```
pub struct PendingCall {
    shared: Arc<Shared>,
    procedure: String,
    call: Option<InFlight>,
}

impl PendingCall {
    pub(super) fn new(shared: Arc<Shared>, procedure: &str, call: InFlight) -> PendingCall {
        PendingCall {
            shared,
            procedure: procedure.to_owned(),
            call: Some(call),
        }
    }

    /// The procedure called.
    pub fn procedure(&self) -> &str {
        &self.procedure
    }

    /// True once the reply has arrived (or the call has failed), so that
    /// [`wait`](Self::wait) returns without blocking.
    ///
    /// ```
    /// # let server = voltdb::testing::TestServer::start()?;
    /// # let client = voltdb::client::Client::connection("127.0.0.1", server.port())?;
    /// let p = client.call_async("@Ping", &[])?;
    /// while !p.is_ready() {
    ///     std::thread::yield_now(); // or do other work
    /// }
    /// assert!(p.wait()?.is_success());
    /// # Ok::<(), voltdb::Error>(())
    /// ```
    pub fn is_ready(&self) -> bool {
        self.call.as_ref().is_some_and(InFlight::is_ready)
    }

    /// Waits for the reply (at most until the call's timeout) and returns
    /// it, exactly as [`Client::call`] would have. The call is counted in
    /// the client's statistics with its latency until the reply arrived.
    ///
    /// # Errors
    ///
    /// [`Error::Server`] for a status other than `SUCCESS` (the response is
    /// inside), [`Error::Timeout`], [`Error::ConnectionLost`] or
    /// [`Error::Closed`].
    pub fn wait(mut self) -> Result<VoltResponse> {
        match self.call.take() {
            Some(f) => {
                dispatch::finish_call(&self.shared, &self.procedure, f).and_then(VoltResponse::ok)
            }
            None => Err(Error::Closed),
        }
    }
}

impl Drop for PendingCall {
    fn drop(&mut self) {
        if let Some(f) = self.call.take() {
            dispatch::abandon(&self.shared, &f);
        }
    }
}

impl std::fmt::Debug for PendingCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingCall")
            .field("procedure", &self.procedure)
            .field("ready", &self.is_ready())
            .finish()
    }
}
