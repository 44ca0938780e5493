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
//!   [`adhoc`](crate::FastSerializer::adhoc) and
//!   [`invoke`](crate::FastSerializer::invoke);
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

use std::time::Duration;

use crate::wire::response::{Status, VoltResponse};
use crate::wire::types::VoltType;

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

/// What a peer that is not a VoltDB client port answered the login with
/// (see [`Error::NotVoltDb`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ForeignAnswer {
    /// Bytes starting with `HTTP`: a web server (such as VoltDB's own HTTP
    /// port, 8080 by default, rather than its client port, 21212).
    #[error("is not a VoltDB client port: it answered like an HTTP server")]
    Http,
    /// A TLS record header: the server expects TLS.
    #[error("expects TLS: it answered the plain-text login with a TLS record")]
    Tls,
    /// Anything else that cannot be a login response.
    #[error("is not a VoltDB client port: {0}")]
    Garbage(ProtocolError),
}

impl ForeignAnswer {
    /// What the first bytes of a login answer say about the peer.
    pub(crate) fn classify(first: &[u8], problem: ProtocolError) -> ForeignAnswer {
        match first {
            [b'H', b'T', b'T', b'P', ..] => ForeignAnswer::Http,
            // A TLS record: handshake (0x16) or alert (0x15), version 3.x.
            [0x15 | 0x16, 0x03, v, ..] if *v <= 0x04 => ForeignAnswer::Tls,
            _ => ForeignAnswer::Garbage(problem),
        }
    }
}

/// Login rejections, with the numeric code the server sent (PROTOCOL.md §2.2).
///
/// `Display` gives the official Python client's message for each code.
///
/// ```
/// use voltdb::LoginError;
/// assert_eq!(LoginError::from_code(-1).to_string(), "Authentication failed.");
/// assert_eq!(LoginError::from_code(1), LoginError::TooManyConnections);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LoginError {
    /// `-1`: bad user name, password, or digest length.
    #[error("Authentication failed.")]
    AuthenticationFailed,
    /// `1`: the server is at its connection limit (sent as one unframed byte).
    #[error("Server has too many connections.")]
    TooManyConnections,
    /// `2`: the server timed out the login.
    #[error("Connection timed out during authentication.")]
    ProtocolTimeout,
    /// `3`: the server did not understand the login message (e.g. the hash scheme).
    #[error("Wire protocol format violation error.")]
    FormatViolation,
    /// `4`: the node is still rejoining the cluster.
    #[error("Failed to authenticate to rejoining node.")]
    Rejoining,
    /// `5`: the service name was neither `database` nor `kerberos`.
    #[error("Export not enabled for server.")]
    ExportDisabled,
    /// `6`: the server requires TLS.
    #[error("Server requires use of TLS/SSL.")]
    TlsRequired,
    /// `7`: the server requires a client certificate.
    #[error("Client certificate required for mutual authentication.")]
    CertificateRequired,
    /// `8`: the client certificate was revoked.
    #[error("Client certificate revoked.")]
    CertificateRevoked,
    /// Any other non-zero code (its text is Python's: "Authentication failed.").
    #[error("Authentication failed.")]
    Other(i8),
    /// No login response arrived within the connect timeout.
    #[error("Authentication timed out after {0:?}.")]
    TimedOut(Duration),
}

impl LoginError {
    /// Maps a non-zero login result code to its variant.
    pub fn from_code(code: i8) -> LoginError {
        match code {
            -1 => LoginError::AuthenticationFailed,
            1 => LoginError::TooManyConnections,
            2 => LoginError::ProtocolTimeout,
            3 => LoginError::FormatViolation,
            4 => LoginError::Rejoining,
            5 => LoginError::ExportDisabled,
            6 => LoginError::TlsRequired,
            7 => LoginError::CertificateRequired,
            8 => LoginError::CertificateRevoked,
            c => LoginError::Other(c),
        }
    }

    /// The wire result code of this rejection (`None` for a local timeout).
    pub fn code(&self) -> Option<i8> {
        Some(match self {
            LoginError::AuthenticationFailed => -1,
            LoginError::TooManyConnections => 1,
            LoginError::ProtocolTimeout => 2,
            LoginError::FormatViolation => 3,
            LoginError::Rejoining => 4,
            LoginError::ExportDisabled => 5,
            LoginError::TlsRequired => 6,
            LoginError::CertificateRequired => 7,
            LoginError::CertificateRevoked => 8,
            LoginError::Other(c) => *c,
            LoginError::TimedOut(_) => return None,
        })
    }
}

/// Bytes that do not follow the wire protocol. Decoders return these; they
/// never panic and never allocate from an unchecked length.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtocolError {
    /// A field needs more bytes than the message holds.
    #[error("truncated message: {what} needs {need} bytes, {have} left")]
    Truncated {
        /// The field being read.
        what: &'static str,
        /// Bytes needed.
        need: usize,
        /// Bytes left.
        have: usize,
    },
    /// A frame length prefix outside `1..=cap`.
    #[error("bad frame length {len} (allowed 1..={cap})")]
    BadFrameLength {
        /// The declared length.
        len: i64,
        /// The frame cap in force.
        cap: usize,
    },
    /// A length or count field that is negative (other than the NULL marker) or
    /// larger than what remains.
    #[error("bad {what} {value}")]
    BadLength {
        /// The field.
        what: &'static str,
        /// The declared value.
        value: i64,
    },
    /// A type code this client does not know.
    #[error("unknown type code {0}")]
    UnknownType(i8),
    /// A type that cannot appear where it was found (e.g. an array of VARBINARY).
    #[error("type {ty} not allowed in {context}")]
    UnexpectedType {
        /// The type found.
        ty: VoltType,
        /// Where.
        context: &'static str,
    },
    /// A string that is not UTF-8.
    #[error("invalid UTF-8 in {0}")]
    InvalidUtf8(&'static str),
    /// Bytes left over after a structure that should have consumed them all.
    #[error("{extra} unexpected trailing bytes after {what}")]
    TrailingBytes {
        /// The structure.
        what: &'static str,
        /// How many bytes were left.
        extra: usize,
    },
    /// The peer closed the connection inside a frame (after `got` bytes of it).
    #[error("connection closed inside a frame after {got} bytes")]
    UnexpectedEof {
        /// Bytes of the frame (prefix included) received before EOF.
        got: usize,
    },
    /// A reply for a call this connection never made (or already gave up on),
    /// that is not an unsolicited notification either.
    #[error("reply with unknown client handle {0}")]
    UnknownHandle(i64),
    /// Any other malformed field.
    #[error("malformed {0}")]
    Malformed(&'static str),
}

/// A value from the caller that cannot be encoded. Reported before any byte
/// is sent; the connection stays usable.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// An integer outside the usable range of its Volt type (whose minimum is NULL).
    #[error("{value} is out of range for {ty} (allowed {min}..={max})")]
    OutOfRange {
        /// The declared type.
        ty: VoltType,
        /// The value given.
        value: i128,
        /// Smallest allowed.
        min: i128,
        /// Largest allowed.
        max: i128,
    },
    /// A value equal to its type's NULL sentinel, given as a value (use NULL instead).
    #[error("{0} value equals the type's NULL sentinel; pass NULL explicitly instead")]
    NullSentinel(VoltType),
    /// A DECIMAL with more than 12 fractional digits.
    #[error("decimal has scale {0}; the maximum is 12")]
    DecimalScale(u32),
    /// A DECIMAL with more than 26 integer digits.
    #[error("decimal has {0} digits left of the decimal point; the maximum is 26")]
    DecimalPrecision(u32),
    /// A value of the wrong kind for the declared type.
    #[error("a {got} value cannot be sent as {expected}")]
    TypeMismatch {
        /// The declared type.
        expected: VoltType,
        /// What was given.
        got: &'static str,
    },
    /// The number of parameters does not match the declared types.
    #[error("procedure {procedure} declares {expected} parameters, {got} given")]
    ParamCount {
        /// The procedure.
        procedure: String,
        /// Declared count.
        expected: usize,
        /// Given count.
        got: usize,
    },
    /// A string, binary or array longer than the protocol allows.
    #[error("{what} is {len} {unit} long; the maximum is {max} {unit}", unit = length_unit(what))]
    TooLong {
        /// What was too long.
        what: &'static str,
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A type that cannot be sent in this position (e.g. an array of VARBINARY).
    #[error("{ty} is not supported {context}")]
    Unsupported {
        /// The type.
        ty: VoltType,
        /// Where.
        context: &'static str,
    },
    /// Text that does not parse (a decimal string, WKT, ...).
    #[error("cannot parse {what}: {input:?}")]
    Parse {
        /// What was being parsed.
        what: &'static str,
        /// The offending input (truncated to 80 characters).
        input: String,
    },
    /// A date and time outside what a VoltDB TIMESTAMP holds
    /// ([`Timestamp::SQL_MIN`](crate::Timestamp::SQL_MIN)..=[`Timestamp::SQL_MAX`](crate::Timestamp::SQL_MAX)).
    #[error("timestamp {value} is outside VoltDB's TIMESTAMP range 1583-01-01T00:00:00.000000Z..=9999-12-31T23:59:59.999999Z")]
    TimestampRange {
        /// The date and time given, as text.
        value: String,
    },
    /// A value serialized as parameters that no parameter can hold, in
    /// what `to_params` was given (feature `serde`).
    #[error("cannot make parameters: {0}")]
    Params(String),
    /// A parameter of a call that cannot be encoded: says which (`index`
    /// counts from 0, as the server's messages do), of which procedure, and
    /// its declared type (`None`: the value was sent as its own type).
    /// [`problem`](EncodeError::problem) gives the error inside.
    #[error("parameter {index} of procedure {procedure} ({}): {problem}", declared_text(*declared))]
    Param {
        /// The procedure called.
        procedure: String,
        /// The parameter's index, from 0.
        index: usize,
        /// Its declared type (`None` when the call declared none).
        declared: Option<VoltType>,
        /// What is wrong with it.
        problem: Box<EncodeError>,
    },
    /// A message larger than the frame cap.
    #[error("message of {len} bytes exceeds the frame cap of {cap} bytes")]
    FrameTooLarge {
        /// The message length.
        len: usize,
        /// The cap.
        cap: usize,
    },
}

/// The unit of a [`EncodeError::TooLong`] length.
fn length_unit(what: &str) -> &'static str {
    if what == "parameter list" {
        "parameters"
    } else if what.ends_with("array") && !what.starts_with("TINYINT") {
        "elements"
    } else {
        "bytes"
    }
}

fn declared_text(declared: Option<VoltType>) -> String {
    match declared {
        Some(ty) => format!("declared {ty}"),
        None => "no declared type".to_string(),
    }
}

impl EncodeError {
    /// The error itself, without the parameter it was found in: for
    /// matching on what is wrong whether or not it came from a call.
    ///
    /// ```
    /// use voltdb::testing::{encode_invocation, InvocationOptions};
    /// use voltdb::{EncodeError, Value, VoltType};
    /// let params = [Value::from(1), Value::from("a"), Value::BigInt(5_000_000_000)];
    /// let types = [VoltType::Integer, VoltType::String, VoltType::Integer];
    /// let err = encode_invocation(&mut Vec::new(), "X", 1, &InvocationOptions::default(),
    ///                             &params, Some(&types), 1 << 20).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "parameter 2 of procedure X (declared INTEGER): 5000000000 is out of range \
    ///      for INTEGER (allowed -2147483647..=2147483647)"
    /// );
    /// assert!(matches!(err.problem(), EncodeError::OutOfRange { value: 5_000_000_000, .. }));
    /// ```
    pub fn problem(&self) -> &EncodeError {
        match self {
            EncodeError::Param { problem, .. } => problem.problem(),
            other => other,
        }
    }

    /// Places this error in parameter `index` of a call of `procedure`.
    #[cold]
    pub(crate) fn in_param(
        self,
        procedure: &str,
        index: usize,
        declared: Option<VoltType>,
    ) -> EncodeError {
        EncodeError::Param {
            procedure: procedure.to_string(),
            index,
            declared,
            problem: Box::new(self),
        }
    }

    pub(crate) fn parse(what: &'static str, input: &str) -> EncodeError {
        EncodeError::Parse {
            what,
            input: input.chars().take(80).collect(),
        }
    }
}

/// A table cell or value that cannot become the requested Rust type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConversionError {
    /// The cell is SQL NULL and the target type cannot hold NULL (use `Option<T>`).
    #[error("{}", self.describe(None))]
    UnexpectedNull {
        /// Column index.
        column: usize,
    },
    /// The cell's type does not convert to the requested type.
    #[error("{}", self.describe(None))]
    WrongType {
        /// Column index.
        column: usize,
        /// The column type.
        ty: VoltType,
        /// The requested Rust type.
        target: &'static str,
    },
    /// The value does not fit the requested type.
    #[error("{}", self.describe(None))]
    Overflow {
        /// Column index.
        column: usize,
        /// The requested Rust type.
        target: &'static str,
    },
    /// A value that the requested type cannot represent (e.g. a TIMESTAMP
    /// beyond the range of a date-time library's type).
    #[error("{value} does not fit {target}")]
    OutOfRange {
        /// The value, as text.
        value: String,
        /// The requested Rust type.
        target: &'static str,
    },
    /// No column has this name.
    #[error("no column named {0:?}")]
    NoSuchColumn(String),
    /// Column index out of range.
    #[error("column index {index} out of range ({count} columns)")]
    ColumnIndex {
        /// Index asked for.
        index: usize,
        /// Number of columns.
        count: usize,
    },
    /// Row index out of range.
    #[error("row index {index} out of range ({count} rows)")]
    RowIndex {
        /// Index asked for.
        index: usize,
        /// Number of rows.
        count: usize,
    },
    /// A row was read as a tuple of another size (see
    /// [`FromRow`](crate::FromRow)).
    #[error("a row of {found} columns read as {expected} values")]
    ColumnCount {
        /// The tuple's size.
        expected: usize,
        /// The row's columns.
        found: usize,
    },
    /// The cell's bytes are malformed (e.g. invalid UTF-8 in a VARCHAR).
    #[error("{}", self.describe(None))]
    Malformed {
        /// Column index.
        column: usize,
        /// What is wrong.
        problem: ProtocolError,
    },
    /// A field of the type read with `Row::deserialize` (feature `serde`)
    /// that no column matches by name.
    #[error("no column matches field {field:?}")]
    MissingColumn {
        /// The field.
        field: String,
    },
    /// A column that matches no field of a type that denies unknown fields
    /// (`#[serde(deny_unknown_fields)]`).
    #[error("column {column:?} matches no field")]
    UnknownColumn {
        /// The column's name.
        column: String,
    },
    /// A cell that does not fit its field (feature `serde`): the wrong
    /// type, a value out of range, a NULL into a field that is not an `Option`.
    #[error("column {column:?} into field {field}: {source}")]
    Field {
        /// The column's name.
        column: String,
        /// The field's name (`.0`, `.1`, ... for a tuple's elements).
        field: String,
        /// What failed.
        source: Box<ConversionError>,
    },
    /// What a `Deserialize` type reported in its own words (feature `serde`).
    #[error("{0}")]
    Custom(String),
    /// A cell read by [`Row::get`](crate::Row::get): the error, with the
    /// name of its column ("column N (index 0) has type INTEGER, which
    /// cannot be read as String"). [`problem`](ConversionError::problem)
    /// gives the error inside.
    #[error("{}", problem.describe(Some(name)))]
    InColumn {
        /// The column's name.
        name: String,
        /// What is wrong (its column index included).
        problem: Box<ConversionError>,
    },
}

/// `"column 3"`, or `"column NAME (index 3)"` when the name is known.
fn column_text(column: usize, name: Option<&str>) -> String {
    match name {
        Some(name) => format!("column {name} (index {column})"),
        None => format!("column {column}"),
    }
}

impl ConversionError {
    /// The error itself, without the column name it was found under: for
    /// matching on what is wrong however the cell was read.
    ///
    /// ```
    /// use voltdb::{ConversionError, Value, VoltColumn, VoltTable, VoltType};
    /// let mut b = VoltTable::builder(vec![VoltColumn::new("N", VoltType::Integer)]);
    /// b.add_row(&[Value::Integer(7)]).unwrap();
    /// let t = b.build();
    /// let err = t.row(0).unwrap().get::<String>("N").unwrap_err();
    /// assert_eq!(err.to_string(), "column N (index 0) has type INTEGER, which cannot be read as String");
    /// assert!(matches!(err.problem(), ConversionError::WrongType { column: 0, .. }));
    /// ```
    pub fn problem(&self) -> &ConversionError {
        match self {
            ConversionError::InColumn { problem, .. } => problem.problem(),
            other => other,
        }
    }

    /// Names the column of this error (read from column `name`).
    #[cold]
    pub(crate) fn in_column(self, name: &str) -> ConversionError {
        match self {
            e @ (ConversionError::UnexpectedNull { .. }
            | ConversionError::WrongType { .. }
            | ConversionError::Overflow { .. }
            | ConversionError::Malformed { .. }) => ConversionError::InColumn {
                name: name.to_string(),
                problem: Box::new(e),
            },
            other => other,
        }
    }

    /// The text of an error about one column, naming it when `name` is given.
    fn describe(&self, name: Option<&str>) -> String {
        match self {
            ConversionError::UnexpectedNull { column } => {
                format!(
                    "{} is NULL; read it as an Option",
                    column_text(*column, name)
                )
            }
            ConversionError::WrongType { column, ty, target } => format!(
                "{} has type {ty}, which cannot be read as {target}",
                column_text(*column, name)
            ),
            ConversionError::Overflow { column, target } => {
                format!(
                    "{}: value does not fit {target}",
                    column_text(*column, name)
                )
            }
            ConversionError::Malformed { column, problem } => {
                format!("{}: {problem}", column_text(*column, name))
            }
            other => other.to_string(),
        }
    }

    /// Sets the column index of a conversion error made without one.
    pub(crate) fn at(self, column: usize) -> ConversionError {
        match self {
            ConversionError::UnexpectedNull { .. } => ConversionError::UnexpectedNull { column },
            ConversionError::WrongType { ty, target, .. } => {
                ConversionError::WrongType { column, ty, target }
            }
            ConversionError::Overflow { target, .. } => {
                ConversionError::Overflow { column, target }
            }
            ConversionError::Malformed { problem, .. } => {
                ConversionError::Malformed { column, problem }
            }
            other => other,
        }
    }
}
