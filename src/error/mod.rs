//! The crate's one error type.
//!
//! Every fallible function in this crate returns [`Result<T>`](Result), whose
//! error is [`Error`]. Its variants are meant to be matched on: a timeout is
//! not a server status, a lost connection is not an I/O error you can retry
//! blindly, and bad input from the caller is reported before any byte is sent.
//!
//! ```
//! use voltdb::{Error, EncodeError, VoltType, Value};
//! let err = voltdb::wire::value::check_param(VoltType::TinyInt, &Value::Integer(1000)).unwrap_err();
//! assert!(matches!(err, Error::Encode(EncodeError::OutOfRange { .. })));
//! ```
//!
//! # Which calls return a failure status as an error
//!
//! A response whose status is not `SUCCESS` (an unknown procedure, a wrong
//! parameter count, a constraint violation, a user abort, ...) is
//! [`Error::Server`], carrying the status, its string, the app status and
//! the whole response, from every Rust-native call, as the Java client's
//! synchronous `callProcedure` throws on it:
//!
//! * [`FastSerializer::call`](crate::FastSerializer::call),
//!   [`call_with`](crate::FastSerializer::call_with),
//!   [`adhoc`](crate::FastSerializer::adhoc),
//!   [`adhoc_with`](crate::FastSerializer::adhoc_with), and
//!   [`VoltProcedure::invoke`](crate::VoltProcedure::invoke);
//! * [`Client::call`](crate::Client::call), [`call_with`](crate::Client::call_with),
//!   [`adhoc`](crate::Client::adhoc), [`ping`](crate::Client::ping),
//!   [`PendingCall::wait`](crate::client::PendingCall::wait) and each
//!   [`PartitionCallResult::result`](crate::client::PartitionCallResult::result)
//!   of [`Client::call_all_partitions`](crate::Client::call_all_partitions).
//!
//! [`VoltProcedure::call`](crate::VoltProcedure::call) keeps the Python
//! client's contract: the response comes back as `Ok` whatever its status,
//! and the caller reads [`VoltResponse::status`]. Use
//! [`VoltResponse::ok`] to turn such a response into the same
//! [`Error::Server`].
//!
//! ```
//! # let server = voltdb::testing::TestServer::start()?;
//! use voltdb::{Error, FastSerializer, Status, VoltProcedure};
//! let client = FastSerializer::new("127.0.0.1", server.port())?;
//! match client.call("NoSuchProc", &[]) {
//!     Err(Error::Server { status, message, response, .. }) => {
//!         assert_eq!(status, Status::UnexpectedFailure);
//!         assert_eq!(message, "Procedure NoSuchProc was not found");
//!         assert!(response.tables.is_empty());
//!     }
//!     other => panic!("{other:?}"),
//! }
//! // The Python-shaped call: the failure is in the response.
//! let proc = VoltProcedure::new(&client, "NoSuchProc", vec![]);
//! let response = proc.call(&[], true, None)?.unwrap();
//! assert_eq!(response.status, Status::UnexpectedFailure);
//! assert!(matches!(response.ok(), Err(Error::Server { .. })));
//! # Ok::<(), voltdb::Error>(())
//! ```

mod conversion;
mod encode;
mod login;
mod protocol;

use std::time::Duration;

use crate::wire::response::{Status, VoltResponse};

pub use self::conversion::ConversionError;
pub use self::encode::EncodeError;
pub use self::login::{ForeignAnswer, LoginError};
pub use self::protocol::ProtocolError;

/// Shorthand for `std::result::Result<T, voltdb::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An operating-system level I/O error (connect refused, reset, ...).
    #[error("I/O error: {0}")]
    Io(std::io::Error),

    /// The call did not complete within its client-side timeout. The server
    /// may still run it; a late reply is discarded, never handed to another call.
    #[error("timed out after {0:?} (the server may still complete the call)")]
    Timeout(Duration),

    /// The connection was lost while the call was in flight: its outcome is
    /// unknown (it may or may not have run). The call is never resent automatically.
    #[error("connection lost while the call was in flight; outcome unknown: {message}")]
    ConnectionLost {
        /// What happened, and where.
        message: String,
        /// The error that ended the connection, when there was one (an
        /// I/O error); `message` does not repeat it.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },

    /// No connection is available right now (the server is down, or the
    /// client is reconnecting). Nothing was sent.
    #[error("no connection available: {message}")]
    ConnectionError {
        /// Why, and which servers.
        message: String,
        /// The error behind it, when there was one.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },

    /// The client or connection was closed by the caller.
    #[error("the connection has been closed")]
    Closed,

    /// Logging in to `server` (`host:port`) failed: the server refused the
    /// login or did not answer it in time. `server` is empty only for
    /// [`LoginResponse::parse`](crate::wire::login::LoginResponse::parse),
    /// which parses bytes without knowing where they came from.
    #[error("{}", login_text(server, error))]
    Login {
        /// The server, as `host:port`.
        server: String,
        /// Why the login failed.
        error: LoginError,
    },

    /// The peer at `server` answered the login with bytes that no VoltDB
    /// client port sends (an HTTP server, a port that expects TLS, ...);
    /// reported as soon as the first bytes arrive.
    #[error("{server} {answer}")]
    NotVoltDb {
        /// The server, as `host:port`.
        server: String,
        /// What it answered like.
        answer: ForeignAnswer,
    },

    /// TLS could not be set up (a bad certificate or key file, no root
    /// certificates) or the handshake failed (the server's certificate was
    /// refused, the server refused ours, the server does not speak TLS).
    /// The text names the server and the reason.
    #[error("TLS: {0}")]
    Tls(String),

    /// Bytes from the network did not follow the protocol.
    #[error("protocol error: {0}")]
    Protocol(ProtocolError),

    /// A value given by the caller cannot be encoded (nothing was sent).
    #[error("cannot encode: {0}")]
    Encode(EncodeError),

    /// A cell or value cannot be converted to the requested Rust type.
    #[error("conversion error: {0}")]
    Conversion(ConversionError),

    /// The server answered with a status other than `SUCCESS` (a procedure
    /// that does not exist, a wrong parameter count, a constraint violation,
    /// a user abort, ...). Every Rust-native call returns it; see
    /// [Which calls return a failure status as an error](self#which-calls-return-a-failure-status-as-an-error).
    #[error("server returned {status}: {message}{}", app_status_text(*app_status, app_status_string.as_deref()))]
    Server {
        /// The status.
        status: Status,
        /// The status string (empty when the server sent none).
        message: String,
        /// The application status the procedure set (`None` when unset).
        app_status: Option<i8>,
        /// The application status string the procedure set.
        app_status_string: Option<String>,
        /// The whole response, tables included.
        response: Box<VoltResponse>,
    },

    /// The caller asked for something that cannot be done as given: an
    /// invalid configuration or host string, a procedure unsuited to
    /// [`call_all_partitions`](crate::Client::call_all_partitions),
    /// discovery calls on a client without discovery. Nothing was sent.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),

    /// Too many calls are in flight and the caller asked not to wait.
    #[error("backpressure: {0} calls already in flight")]
    Backpressure(usize),

    /// A bulk loader refused a row before buffering it (nothing was sent).
    #[error("bulk load into {table}: row refused{}: {reason}", column.as_ref().map(|c| format!(" at column {c}")).unwrap_or_default())]
    BadRow {
        /// The table.
        table: String,
        /// The column whose value does not fit, if one does not.
        column: Option<String>,
        /// Why.
        reason: String,
    },

    /// A bulk loader cannot load this table (unknown table, unusable
    /// partitioning column, catalog not readable, loader closed).
    #[error("cannot bulk-load table {table}: {reason}")]
    BulkLoad {
        /// The table.
        table: String,
        /// Why.
        reason: String,
    },
}

/// `"; app status 7: custom"` for a response whose procedure set one, else nothing.
fn app_status_text(code: Option<i8>, text: Option<&str>) -> String {
    match (code, text) {
        (None, None) => String::new(),
        (Some(c), Some(t)) => format!("; app status {c}: {t}"),
        (Some(c), None) => format!("; app status {c}"),
        (None, Some(t)) => format!("; app status: {t}"),
    }
}

// The wrapped errors are printed by `Error`'s `Display` (so that `{}`
// alone says everything) and therefore not also given as its `source`:
// a report that walks the chain would print them twice.
macro_rules! from_inner {
    ($($variant:ident($ty:ty)),*) => {$(
        impl From<$ty> for Error {
            fn from(e: $ty) -> Error {
                Error::$variant(e)
            }
        }
    )*};
}
from_inner!(
    Io(std::io::Error),
    Protocol(ProtocolError),
    Encode(EncodeError),
    Conversion(ConversionError)
);

impl Error {
    /// [`Error::ConnectionLost`] with no underlying error.
    pub(crate) fn lost(message: impl Into<String>) -> Error {
        Error::ConnectionLost {
            message: message.into(),
            source: None,
        }
    }

    /// [`Error::ConnectionLost`] caused by `source` (not repeated in `message`).
    pub(crate) fn lost_by(message: impl Into<String>, source: std::io::Error) -> Error {
        Error::ConnectionLost {
            message: message.into(),
            source: Some(Box::new(source)),
        }
    }

    /// [`Error::ConnectionError`] with no underlying error.
    pub(crate) fn unavailable(message: impl Into<String>) -> Error {
        Error::ConnectionError {
            message: message.into(),
            source: None,
        }
    }
}

/// `"login to HOST:PORT failed: ..."` (`"login failed: ..."` without a server).
fn login_text(server: &str, error: &LoginError) -> String {
    if server.is_empty() {
        format!("login failed: {error}")
    } else {
        format!("login to {server} failed: {error}")
    }
}
