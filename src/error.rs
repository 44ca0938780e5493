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

use std::time::Duration;

use crate::wire::types::VoltType;

/// Shorthand for `std::result::Result<T, voltdb::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An operating-system level I/O error (connect refused, reset, ...).
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),

    /// The call did not complete within its client-side timeout. The server
    /// may still run it; a late reply is discarded, never handed to another call.
    #[error("timed out after {0:?} (the server may still complete the call)")]
    Timeout(Duration),

    /// The connection was lost while the call was in flight: its outcome is
    /// unknown (it may or may not have run). The call is never resent automatically.
    #[error("connection lost while the call was in flight; outcome unknown: {0}")]
    ConnectionLost(String),

    /// No connection is available right now (the server is down, or the
    /// client is reconnecting). Nothing was sent.
    #[error("no connection available: {0}")]
    ConnectionError(String),

    /// The client or connection was closed by the caller.
    #[error("the connection has been closed")]
    Closed,

    /// The server rejected the login.
    #[error("login failed: {0}")]
    Login(#[from] LoginError),

    /// Bytes from the network did not follow the protocol.
    #[error("protocol error: {0}")]
    Protocol(#[from] ProtocolError),

    /// A value given by the caller cannot be encoded (nothing was sent).
    #[error("cannot encode: {0}")]
    Encode(#[from] EncodeError),

    /// A cell or value cannot be converted to the requested Rust type.
    #[error("conversion error: {0}")]
    Conversion(#[from] ConversionError),

    /// The server answered with a non-success status (from [`VoltResponse::ok`](crate::VoltResponse::ok)).
    #[error("server returned {status}: {message}")]
    Server {
        /// The status.
        status: crate::wire::response::Status,
        /// The status string.
        message: String,
    },

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
    #[error("type {ty:?} not allowed in {context}")]
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
    #[error("{value} is out of range for {ty:?} (allowed {min}..={max})")]
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
    #[error("{0:?} value equals the type's NULL sentinel; pass NULL explicitly instead")]
    NullSentinel(VoltType),
    /// A DECIMAL with more than 12 fractional digits.
    #[error("decimal has scale {0}; the maximum is 12")]
    DecimalScale(u32),
    /// A DECIMAL with more than 26 integer digits.
    #[error("decimal has {0} digits left of the decimal point; the maximum is 26")]
    DecimalPrecision(u32),
    /// A value of the wrong kind for the declared type.
    #[error("a {got} value cannot be sent as {expected:?}")]
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
    #[error("{what} is {len} long; the maximum is {max}")]
    TooLong {
        /// What was too long.
        what: &'static str,
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A type that cannot be sent in this position (e.g. an array of VARBINARY).
    #[error("{ty:?} is not supported {context}")]
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
    /// A message larger than the frame cap.
    #[error("message of {len} bytes exceeds the frame cap of {cap}")]
    FrameTooLarge {
        /// The message length.
        len: usize,
        /// The cap.
        cap: usize,
    },
}

impl EncodeError {
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
    #[error("column {column} is NULL; read it as an Option")]
    UnexpectedNull {
        /// Column index.
        column: usize,
    },
    /// The cell's type does not convert to the requested type.
    #[error("column {column} has type {ty:?}, which cannot be read as {target}")]
    WrongType {
        /// Column index.
        column: usize,
        /// The column type.
        ty: VoltType,
        /// The requested Rust type.
        target: &'static str,
    },
    /// The value does not fit the requested type.
    #[error("column {column}: value does not fit {target}")]
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
    #[error("column {column}: {problem}")]
    Malformed {
        /// Column index.
        column: usize,
        /// What is wrong.
        problem: ProtocolError,
    },
}

impl ConversionError {
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
