//! A connection used by one caller at a time, who writes a request and then
//! reads until its reply comes (the [`FastSerializer`](crate::FastSerializer)'s
//! connection). No threads: the caller's own reads match the reply.

use std::io::Write;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::response::VoltResponse;
use crate::wire::login::LoginResponse;
use crate::wire::DEFAULT_FRAME_CAP;

use super::connect::{connect_and_login, ConnectOptions};
use super::dump::Dump;
use super::frame_reader::FrameReader;
use super::handles::Handles;
use super::read_error::ReadError;
use super::replies::{Replies, ReplyError};
use super::reply_to::ReplyTo;
use super::stream::Stream;

/// Body buffers kept for reuse: the last one (reused once the caller drops
/// the response that holds it), if at most 1 MiB.
const BODY_SPARES: usize = 1;
const BODY_KEEP: usize = 1 << 20;

/// One logged-in socket (or none: offline or closed), its reading side, its
/// client handles and its dump.
pub(crate) struct Session {
    stream: Option<Stream>,
    replies: Replies,
    handles: Handles,
    dump: Dump,
    login: Option<LoginResponse>,
    host: String,
    port: u16,
}

impl Session {
    /// A session with no socket: every call fails with [`Error::Closed`].
    pub(crate) fn offline() -> Session {
        Session {
            stream: None,
            replies: Replies::new(FrameReader::new(DEFAULT_FRAME_CAP), BODY_SPARES, BODY_KEEP),
            handles: Handles::new(),
            dump: Dump::off(),
            login: None,
            host: String::new(),
            port: 0,
        }
    }

    /// Connects to `host:port` and logs in, recording the traffic in `dump`.
    pub(crate) fn open(
        host: &str,
        port: u16,
        opts: &ConnectOptions,
        mut dump: Dump,
    ) -> Result<Session> {
        let (stream, frames, login) = connect_and_login(host, port, opts, &mut dump)?;
        Ok(Session {
            stream: Some(stream),
            replies: Replies::new(frames, BODY_SPARES, BODY_KEEP),
            handles: Handles::new(),
            dump,
            login: Some(login),
            host: host.to_string(),
            port,
        })
    }

    /// The server's login response (`None` offline).
    pub(crate) fn login(&self) -> Option<&LoginResponse> {
        self.login.as_ref()
    }

    /// The server's host name and port, as given to [`open`](Self::open).
    pub(crate) fn server(&self) -> (&str, u16) {
        (&self.host, self.port)
    }

    /// True while the socket is open.
    pub(crate) fn is_open(&self) -> bool {
        self.stream.is_some()
    }

    /// Closes the socket (later calls fail with [`Error::Closed`]) and
    /// flushes the dump.
    pub(crate) fn close(&mut self) {
        self.broken();
        self.dump.flush();
    }

    /// The client handle for the next call.
    pub(crate) fn next_handle(&self) -> i64 {
        self.handles.next()
    }

    /// Writes `bytes` whole. A failed write closes the session: the server
    /// may have received part of a message.
    pub(crate) fn send(&mut self, bytes: &[u8]) -> Result<()> {
        let Some(stream) = self.stream.as_mut() else {
            return Err(Error::Closed);
        };
        let r = stream.write_all(bytes);
        self.dump.sent(bytes);
        if let Err(e) = r {
            self.broken();
            return Err(Error::lost_by("writing the call failed", e));
        }
        Ok(())
    }

    /// Reads one whole frame's body, unparsed (waiting until `deadline`, or
    /// for ever). Anything but a timeout closes the session.
    pub(crate) fn read_frame(&mut self, deadline: Option<Instant>) -> Result<Vec<u8>> {
        let Some(stream) = self.stream.as_mut() else {
            return Err(Error::Closed);
        };
        match self.replies.frames().read_frame(stream, deadline) {
            Ok(body) => {
                self.dump.received(&body);
                Ok(body)
            }
            Err(e) => Err(self.read_failed(e, false)),
        }
    }

    /// Reads until the reply to `handle`, sent at `sent_at`, comes,
    /// skipping replies to other handles (late replies to calls that timed
    /// out) and the server's own messages; sets the reply's round trip.
    /// After `timeout`: [`Error::Timeout`], and the session stays usable
    /// (bytes of a partly read frame are kept). Any other failure closes it.
    // Inlined: the response is then built in the caller's return slot, not
    // copied out through each layer (about 100 instructions per call).
    #[inline]
    pub(crate) fn wait_reply(
        &mut self,
        handle: i64,
        sent_at: Instant,
        timeout: Option<Duration>,
    ) -> Result<VoltResponse> {
        // A timeout too long for an `Instant` waits for ever.
        let deadline = timeout.and_then(|t| sent_at.checked_add(t));
        loop {
            let Some(stream) = self.stream.as_mut() else {
                return Err(Error::Closed);
            };
            match self.replies.next(stream, deadline, &mut self.dump) {
                Ok((mut resp, _)) if ReplyTo::of(resp.client_handle) == ReplyTo::Call(handle) => {
                    resp.client_round_trip = Some(sent_at.elapsed());
                    return Ok(resp);
                }
                Ok(_) => {}
                Err(ReplyError::Read(ReadError::TimedOut)) => {
                    return Err(Error::Timeout(timeout.unwrap_or_default()))
                }
                Err(ReplyError::Read(e)) => return Err(self.read_failed(e, true)),
                Err(ReplyError::Parse(e)) => {
                    self.broken();
                    return Err(Error::Protocol(e));
                }
            }
        }
    }

    /// The error for a failed read; closes the session unless it timed out.
    fn read_failed(&mut self, e: ReadError, in_flight: bool) -> Error {
        if !matches!(e, ReadError::TimedOut) {
            self.broken();
        }
        e.into_error(in_flight)
    }

    fn broken(&mut self) {
        if let Some(s) = self.stream.take() {
            s.shutdown();
        }
    }
}
