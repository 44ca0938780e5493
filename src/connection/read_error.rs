//! Why reading a frame stopped, and the streams whose reads can time out.

use std::io;
use std::net::TcpStream;
use std::time::Duration;

use crate::error::{Error, ProtocolError};

/// Why a frame could not be read.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The deadline passed; bytes read so far stay buffered.
    TimedOut,
    /// The peer closed the connection; `partial` holds the bytes of the
    /// unfinished frame (empty at a frame boundary).
    Eof { partial: Vec<u8> },
    /// An I/O error.
    Io(io::Error),
    /// A bad length prefix.
    Protocol(ProtocolError),
}

impl ReadError {
    /// Converts to the crate error, given what was in flight.
    pub(crate) fn into_error(self, in_flight: bool) -> Error {
        match self {
            ReadError::TimedOut => Error::Timeout(Duration::ZERO),
            ReadError::Eof { partial } if partial.is_empty() => {
                let what = "server closed the connection";
                if in_flight {
                    Error::lost(what)
                } else {
                    Error::unavailable(what)
                }
            }
            ReadError::Eof { partial } => Error::lost(format!(
                "server closed the connection inside a frame, after {} bytes",
                partial.len()
            )),
            ReadError::Io(e) if in_flight => Error::lost_by("the connection failed", e),
            ReadError::Io(e) => Error::Io(e),
            ReadError::Protocol(p) => Error::Protocol(p),
        }
    }
}

/// Streams whose reads can time out.
pub(crate) trait ReadTimeout {
    fn set_timeout(&mut self, t: Option<Duration>) -> io::Result<()>;
}

impl ReadTimeout for TcpStream {
    fn set_timeout(&mut self, t: Option<Duration>) -> io::Result<()> {
        self.set_read_timeout(t)
    }
}

impl ReadTimeout for &TcpStream {
    fn set_timeout(&mut self, t: Option<Duration>) -> io::Result<()> {
        self.set_read_timeout(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The I/O error that ended a call is its `source`, not repeated in
    /// the message.
    #[test]
    fn a_lost_connection_keeps_its_cause_as_source() {
        let e = ReadError::Io(io::Error::new(io::ErrorKind::ConnectionReset, "peer reset"));
        let err = e.into_error(true);
        assert!(matches!(err, Error::ConnectionLost { .. }), "{err:?}");
        let source = std::error::Error::source(&err).expect("a source");
        assert_eq!(source.to_string(), "peer reset");
        assert!(!err.to_string().contains("peer reset"), "{err}");
        let err = ReadError::Eof { partial: vec![] }.into_error(false);
        assert!(
            matches!(err, Error::ConnectionError { source: None, .. }),
            "{err:?}"
        );
    }
}
