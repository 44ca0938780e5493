//! Opening a connection: TCP connect with a timeout, then the login
//! exchange. Every error names the server as `host:port`.

use std::io::{self, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use crate::error::{Error, ForeignAnswer, LoginError, ProtocolError};
use crate::wire::login::{HashScheme, LoginRequest, LoginResponse, CONNECTION_LIMIT_BYTE};
use crate::wire::DEFAULT_FRAME_CAP;

use super::dump::Dump;
use super::frame_reader::FrameReader;
use super::read_error::ReadError;
use super::stream::Stream;
#[cfg(feature = "tls")]
use super::tls::TlsConfig;

/// How to reach and log in to a server.
#[derive(Clone)]
pub struct ConnectOptions {
    /// User name (empty when security is off).
    pub username: String,
    /// Password (hashed with `hash_scheme` before it is sent).
    pub password: String,
    /// Password hash scheme (SHA-256 by default).
    pub hash_scheme: HashScheme,
    /// Time allowed for the TCP connect and for the login exchange (default 8 s).
    pub connect_timeout: Duration,
    /// Largest frame accepted from the server (default 50 MiB).
    pub frame_cap: usize,
    /// TLS settings (`None`: plain TCP).
    #[cfg(feature = "tls")]
    pub tls: Option<TlsConfig>,
}

impl std::fmt::Debug for ConnectOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut f = f.debug_struct("ConnectOptions");
        f.field("username", &self.username)
            .field("password", &"<redacted>")
            .field("hash_scheme", &self.hash_scheme)
            .field("connect_timeout", &self.connect_timeout)
            .field("frame_cap", &self.frame_cap);
        #[cfg(feature = "tls")]
        f.field("tls", &self.tls);
        f.finish()
    }
}

impl Default for ConnectOptions {
    fn default() -> ConnectOptions {
        ConnectOptions {
            username: String::new(),
            password: String::new(),
            hash_scheme: HashScheme::Sha256,
            connect_timeout: Duration::from_secs(8),
            frame_cap: DEFAULT_FRAME_CAP,
            #[cfg(feature = "tls")]
            tls: None,
        }
    }
}

/// Resolves `host:port` and connects to the first address that answers,
/// within `timeout` per address. Errors keep their [`io::ErrorKind`] and say
/// which server: "cannot connect to 127.0.0.1:1: Connection refused".
pub(crate) fn connect_tcp(host: &str, port: u16, timeout: Duration) -> Result<TcpStream, Error> {
    let at = |what: &str, e: io::Error| {
        let server = server_name(host, port);
        Error::Io(io::Error::new(e.kind(), format!("{what} {server}: {e}")))
    };
    let addrs: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|e| at("cannot resolve", e))?
        .collect();
    let mut last = io::Error::new(io::ErrorKind::NotFound, "no address");
    for a in addrs {
        match TcpStream::connect_timeout(&a, timeout.max(Duration::from_millis(1))) {
            Ok(s) => {
                s.set_nodelay(true).map_err(|e| at("cannot set up", e))?;
                return Ok(s);
            }
            Err(e) => last = e,
        }
    }
    Err(at("cannot connect to", last))
}

/// `host:port` as users write it (`[::1]:21212` for an IPv6 address).
pub(crate) fn server_name(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// Connects (with TLS when the options say so) and logs in. Returns the
/// stream (blocking, no read timeout set), the
/// frame reader (which may already hold bytes) and the login response. The
/// login request and response go to `dump` (the password digest redacted
/// unless the dump keeps it). Every error names the server as `host:port`.
pub(crate) fn connect_and_login(
    host: &str,
    port: u16,
    opts: &ConnectOptions,
    dump: &mut Dump,
) -> Result<(Stream, FrameReader, LoginResponse), Error> {
    let deadline = Instant::now() + opts.connect_timeout;
    let server = server_name(host, port);
    let sock = connect_tcp(host, port, opts.connect_timeout)?;
    let mut stream = Stream::open(sock, host, port, opts, deadline)?;
    let io_error =
        |e: io::Error| Error::Io(io::Error::new(e.kind(), format!("login to {server}: {e}")));
    let req = LoginRequest::new(&opts.username, &opts.password, opts.hash_scheme);
    let mut bytes = Vec::new();
    req.encode(&mut bytes);
    stream
        .set_write_timeout(Some(opts.connect_timeout.max(Duration::from_millis(1))))
        .map_err(io_error)?;
    stream.write_all(&bytes).map_err(io_error)?;
    dump.login_sent(&bytes, req.digest.len());
    // An HTTP server's `HTTP` or a TLS record header, read as a length,
    // exceeds any frame cap up to 350 MB: such peers are known at once.
    let mut reader = FrameReader::new(opts.frame_cap);
    let body = reader
        .read_frame(&mut stream, Some(deadline))
        .map_err(|e| match e {
            // A TLS session's failure, in words; anything else as for TCP.
            ReadError::Io(e) => match stream.login_error(e, host, port) {
                Error::Io(e) => login_read_failed(&server, ReadError::Io(e), opts.connect_timeout),
                tls => tls,
            },
            e => login_read_failed(&server, e, opts.connect_timeout),
        })?;
    dump.received(&body);
    let login = LoginResponse::parse(&body).map_err(|e| match e {
        Error::Login { error, .. } => Error::Login {
            server: server.clone(),
            error,
        },
        Error::Protocol(p) => Error::NotVoltDb {
            server: server.clone(),
            answer: ForeignAnswer::Garbage(p),
        },
        e => e,
    })?;
    stream.set_write_timeout(None).map_err(io_error)?;
    Ok((stream, reader, login))
}

/// The error for a login response that could not be read from `server`.
fn login_read_failed(server: &str, e: ReadError, timeout: Duration) -> Error {
    let login = |error| Error::Login {
        server: server.to_string(),
        error,
    };
    let foreign = |answer| Error::NotVoltDb {
        server: server.to_string(),
        answer,
    };
    match e {
        ReadError::TimedOut => login(LoginError::TimedOut(timeout)),
        // A server at its connection limit sends one unframed 0x01 byte and closes.
        ReadError::Eof { partial } if partial == [CONNECTION_LIMIT_BYTE] => {
            login(LoginError::TooManyConnections)
        }
        ReadError::Eof { partial } => {
            let got = partial.len();
            match ForeignAnswer::classify(&partial, ProtocolError::UnexpectedEof { got }) {
                ForeignAnswer::Garbage(_) => Error::lost(format!(
                    "{server} closed the connection during login after {got} bytes"
                )),
                answer => foreign(answer),
            }
        }
        ReadError::Io(e) => Error::Io(io::Error::new(e.kind(), format!("login to {server}: {e}"))),
        ReadError::Protocol(p) => {
            let prefix = match p {
                ProtocolError::BadFrameLength { len, .. } => (len as i32).to_be_bytes(),
                _ => [0; 4],
            };
            foreign(ForeignAnswer::classify(&prefix, p))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_errors_name_host_and_port() {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let err = connect_tcp("127.0.0.1", port, Duration::from_secs(5)).unwrap_err();
        let Error::Io(e) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(e.kind(), io::ErrorKind::ConnectionRefused);
        let text = err.to_string();
        assert!(
            text.contains(&format!("cannot connect to 127.0.0.1:{port}: ")),
            "{text}"
        );
        let err = connect_tcp("no-such-host.invalid", 7, Duration::from_secs(5)).unwrap_err();
        assert!(err.to_string().contains("no-such-host.invalid:7"), "{err}");
        let err = connect_tcp("::1", port, Duration::from_secs(5)).unwrap_err();
        assert!(
            err.to_string().contains(&format!("[::1]:{port}: ")),
            "{err}"
        );
    }
}
