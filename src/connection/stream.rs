//! [`Stream`]: a logged-in connection's byte stream, plain TCP or (feature
//! `tls`) TLS over TCP. Plain TCP goes straight to the socket.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

use crate::error::Result;

use super::connect::ConnectOptions;
use super::read_error::ReadTimeout;
#[cfg(feature = "tls")]
use super::tls::TlsStream;

/// A connection's bytes: plain TCP, or TLS when the options ask for it.
pub(crate) enum Stream {
    Plain(TcpStream),
    #[cfg(feature = "tls")]
    Tls(TlsStream),
}

impl Stream {
    /// Wraps a connected socket as the options say: as it is, or after a
    /// TLS handshake made by `deadline`.
    #[cfg_attr(not(feature = "tls"), allow(unused_variables))]
    pub(crate) fn open(
        sock: TcpStream,
        host: &str,
        port: u16,
        opts: &ConnectOptions,
        deadline: Instant,
    ) -> Result<Stream> {
        #[cfg(feature = "tls")]
        if let Some(tls) = &opts.tls {
            let t = opts.connect_timeout;
            return Ok(Stream::Tls(super::tls::handshake(
                sock, tls, host, port, deadline, t,
            )?));
        }
        Ok(Stream::Plain(sock))
    }

    /// The socket underneath.
    pub(crate) fn socket(&self) -> &TcpStream {
        match self {
            Stream::Plain(s) => s,
            #[cfg(feature = "tls")]
            Stream::Tls(t) => t.socket(),
        }
    }

    /// Another handle on the same connection (for another thread).
    pub(crate) fn try_clone(&self) -> io::Result<Stream> {
        match self {
            Stream::Plain(s) => s.try_clone().map(Stream::Plain),
            #[cfg(feature = "tls")]
            Stream::Tls(t) => t.try_clone().map(Stream::Tls),
        }
    }

    pub(crate) fn set_write_timeout(&self, t: Option<Duration>) -> io::Result<()> {
        self.socket().set_write_timeout(t)
    }

    pub(crate) fn set_read_timeout(&self, t: Option<Duration>) -> io::Result<()> {
        self.socket().set_read_timeout(t)
    }

    /// Closes both directions; a thread blocked reading wakes up.
    pub(crate) fn shutdown(&self) {
        match self {
            Stream::Plain(s) => {
                let _ = s.shutdown(Shutdown::Both);
            }
            #[cfg(feature = "tls")]
            Stream::Tls(t) => t.shutdown(Shutdown::Both),
        }
    }

    /// True while bytes the stream accepted wait to be written (TLS records
    /// the socket did not take at once): [`flush`](Write::flush) writes them.
    #[cfg(feature = "test-server")]
    pub(crate) fn has_pending(&self) -> bool {
        match self {
            Stream::Plain(_) => false,
            #[cfg(feature = "tls")]
            Stream::Tls(t) => t.has_pending(),
        }
    }

    /// The error for a failed read during the login (TLS alerts explained).
    #[cfg_attr(not(feature = "tls"), allow(unused_variables))]
    pub(crate) fn login_error(&self, e: io::Error, host: &str, port: u16) -> crate::Error {
        #[cfg(feature = "tls")]
        if let Stream::Tls(_) = self {
            return super::tls::login_error(e, host, port);
        }
        crate::Error::Io(e)
    }
}

impl Read for Stream {
    #[inline]
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            #[cfg(feature = "tls")]
            Stream::Tls(t) => t.read(buf),
        }
    }
}

impl Write for Stream {
    #[inline]
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            #[cfg(feature = "tls")]
            Stream::Tls(t) => t.write(buf),
        }
    }

    #[inline]
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Stream::Plain(s) => s.write_all(buf),
            #[cfg(feature = "tls")]
            Stream::Tls(t) => t.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Plain(_) => Ok(()),
            #[cfg(feature = "tls")]
            Stream::Tls(t) => t.flush(),
        }
    }
}

impl ReadTimeout for Stream {
    #[inline]
    fn set_timeout(&mut self, t: Option<Duration>) -> io::Result<()> {
        self.socket().set_read_timeout(t)
    }
}
