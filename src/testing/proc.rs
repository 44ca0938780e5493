//! Procedures of the test server: what a handler receives ([`CallContext`])
//! and returns ([`ProcResult`]), and how a procedure is declared
//! ([`Procedure`], [`Partitioning`]).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::error::{ConversionError, EncodeError};
use crate::table::VoltTable;
use crate::wire::invocation::InvocationOptions;
use crate::wire::response::Status;
use crate::wire::types::VoltType;
use crate::wire::value::Value;

/// What a procedure handler returns.
pub type ProcResult = Result<ProcReply, ProcError>;

/// The shared form of a handler.
pub(crate) type Handler = Arc<dyn Fn(&CallContext, &[Value]) -> ProcResult + Send + Sync>;

/// The shared form of a built-in handler that answers `SUCCESS` with tables
/// it encodes itself: it appends their encodings (as [`VoltTable::as_bytes`]
/// gives them) to the buffer and returns how many it wrote.
pub(crate) type EncodingHandler =
    Arc<dyn Fn(&CallContext, &[Value], &mut Vec<u8>) -> Result<i16, ProcError> + Send + Sync>;

/// What runs a procedure.
#[derive(Clone)]
pub(crate) enum Body {
    /// A handler returning a [`ProcReply`] (every registered procedure).
    Reply(Handler),
    /// A built-in handler writing its tables' bytes: not building
    /// [`VoltTable`]s makes a built-in call ~2.5x cheaper in instructions.
    Encoded(EncodingHandler),
}

/// Everything a handler may want to know about the call it answers.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CallContext {
    /// The id of the connection the call came on (as given in its login response).
    pub connection_id: i64,
    /// The procedure name as sent.
    pub procedure: String,
    /// The client handle (echoed in the reply).
    pub handle: i64,
    /// Batch timeout, priority, request timeout and partition destination as sent.
    pub options: InvocationOptions,
    /// The user name the connection logged in with (may be empty).
    pub username: String,
    /// The invocation version byte (0, 1 or 2).
    pub version: u8,
    /// True when the invocation carried the `ALL_PARTITION` flag.
    pub all_partition: bool,
    /// The partition the call runs on: its `PARTITION_DESTINATION`, or for a
    /// single-partition procedure the partition its partition parameter
    /// hashes to; `None` for multi-partition procedures.
    pub partition: Option<i32>,
    /// The host id of the node the call arrived on.
    pub host_id: i32,
}

impl CallContext {
    /// The server's error for parameter `index` not converting to the
    /// declared type: `GRACEFUL_FAILURE` `"VOLTDB ERROR: PROCEDURE <name>
    /// TYPE ERROR FOR PARAMETER <index>: <detail>"`, as a real server says it.
    pub fn type_error(&self, index: usize, detail: impl fmt::Display) -> ProcError {
        ProcError::graceful(format!(
            "VOLTDB ERROR: PROCEDURE {} TYPE ERROR FOR PARAMETER {}: {}",
            self.procedure, index, detail
        ))
    }

    fn param<'a>(&self, params: &'a [Value], index: usize) -> Result<&'a Value, ProcError> {
        params.get(index).ok_or_else(|| {
            ProcError::graceful(format!(
                "VOLTDB ERROR: PROCEDURE {} EXPECTS AT LEAST {} PARAMS, BUT RECEIVED {}",
                self.procedure,
                index + 1,
                params.len()
            ))
        })
    }

    /// Parameter `index` as a string: a STRING, a VARBINARY or TINYINT array
    /// holding UTF-8, or NULL (`None`). Anything else is a
    /// [`type_error`](Self::type_error).
    pub fn string_param(
        &self,
        params: &[Value],
        index: usize,
    ) -> Result<Option<String>, ProcError> {
        Ok(self.str_param(params, index)?.map(str::to_owned))
    }

    /// [`string_param`](Self::string_param), borrowed from the parameters.
    pub(crate) fn str_param<'a>(
        &self,
        params: &'a [Value],
        index: usize,
    ) -> Result<Option<&'a str>, ProcError> {
        match self.param(params, index)? {
            v if v.is_null() => Ok(None),
            Value::String(s) => Ok(Some(s)),
            Value::Varbinary(b) | Value::TinyIntArray(b) => std::str::from_utf8(b)
                .map(Some)
                .map_err(|_| self.type_error(index, "the bytes are not valid UTF-8")),
            other => Err(self.type_error(
                index,
                format!("cannot convert {:?} to a string", other.volt_type()),
            )),
        }
    }

    /// Parameter `index` as an integer: any integer type, a STRING holding a
    /// decimal integer, or NULL (`None`).
    pub fn int_param(&self, params: &[Value], index: usize) -> Result<Option<i64>, ProcError> {
        match self.param(params, index)? {
            v if v.is_null() => Ok(None),
            Value::TinyInt(i) => Ok(Some(i64::from(*i))),
            Value::SmallInt(i) => Ok(Some(i64::from(*i))),
            Value::Integer(i) => Ok(Some(i64::from(*i))),
            Value::BigInt(i) => Ok(Some(*i)),
            Value::String(s) => s.trim().parse().map(Some).map_err(|_| {
                self.type_error(
                    index,
                    format!(
                        "org.voltdb.VoltTypeException: Unable to convert string {s} to long value for target parameter."
                    ),
                )
            }),
            other => Err(self.type_error(
                index,
                format!("cannot convert {:?} to an integer", other.volt_type()),
            )),
        }
    }

    /// Parameter `index` as bytes: a VARBINARY, a TINYINT array, or NULL (`None`).
    pub fn bytes_param(
        &self,
        params: &[Value],
        index: usize,
    ) -> Result<Option<Vec<u8>>, ProcError> {
        match self.param(params, index)? {
            v if v.is_null() => Ok(None),
            Value::Varbinary(b) | Value::TinyIntArray(b) => Ok(Some(b.clone())),
            other => Err(self.type_error(
                index,
                format!("cannot convert {:?} to VARBINARY", other.volt_type()),
            )),
        }
    }
}

/// A successful (or any non-error) reply of a procedure: status, strings and
/// tables of the response, and optionally a delay before it is sent.
///
/// ```
/// use std::time::Duration;
/// use voltdb::testing::ProcReply;
/// use voltdb::Status;
/// let r = ProcReply::modified_tuples(1).with_app_status(7).delayed(Duration::from_millis(5));
/// assert_eq!(r.status, Status::Success);
/// assert_eq!(r.tables.len(), 1);
/// assert_eq!(r.app_status, Some(7));
/// ```
#[derive(Debug, Clone)]
pub struct ProcReply {
    /// The response status (default `SUCCESS`).
    pub status: Status,
    /// The status string (default none, like a real server's successes).
    pub status_string: Option<String>,
    /// The application status (default unset).
    pub app_status: Option<i8>,
    /// The application status string.
    pub app_status_string: Option<String>,
    /// The result tables.
    pub tables: Vec<VoltTable>,
    /// Send the reply this long after the call arrived, without holding up
    /// other calls of the connection (replies then go out of order).
    pub delay: Option<Duration>,
}

impl Default for ProcReply {
    fn default() -> ProcReply {
        ProcReply::new()
    }
}

impl ProcReply {
    /// `SUCCESS`, no tables.
    pub fn new() -> ProcReply {
        ProcReply {
            status: Status::Success,
            status_string: None,
            app_status: None,
            app_status_string: None,
            tables: Vec::new(),
            delay: None,
        }
    }

    /// `SUCCESS` with one table.
    pub fn table(table: VoltTable) -> ProcReply {
        ProcReply::new().with_table(table)
    }

    /// `SUCCESS` with these tables.
    pub fn tables(tables: Vec<VoltTable>) -> ProcReply {
        ProcReply {
            tables,
            ..ProcReply::new()
        }
    }

    /// `SUCCESS` with the one-row `modified_tuples BIGINT` table of DML
    /// (see [`modified_tuples_table`](super::modified_tuples_table)).
    pub fn modified_tuples(n: i64) -> ProcReply {
        ProcReply::table(super::modified_tuples_table(n))
    }

    /// Appends a table.
    pub fn with_table(mut self, table: VoltTable) -> ProcReply {
        self.tables.push(table);
        self
    }

    /// Sets the status (e.g. `OPERATIONAL_FAILURE` with tables).
    pub fn with_status(mut self, status: Status) -> ProcReply {
        self.status = status;
        self
    }

    /// Sets the status string.
    pub fn with_status_string(mut self, s: impl Into<String>) -> ProcReply {
        self.status_string = Some(s.into());
        self
    }

    /// Sets the application status code.
    pub fn with_app_status(mut self, code: i8) -> ProcReply {
        self.app_status = Some(code);
        self
    }

    /// Sets the application status string.
    pub fn with_app_status_string(mut self, s: impl Into<String>) -> ProcReply {
        self.app_status_string = Some(s.into());
        self
    }

    /// Sends the reply `delay` after the call arrived (see [`ProcReply::delay`]).
    pub fn delayed(mut self, delay: Duration) -> ProcReply {
        self.delay = Some(delay);
        self
    }
}

impl From<VoltTable> for ProcReply {
    fn from(t: VoltTable) -> ProcReply {
        ProcReply::table(t)
    }
}

/// A failed call: the status (usually `GRACEFUL_FAILURE`, `USER_ABORT` or
/// `UNEXPECTED_FAILURE`) and its status string, plus the optional application
/// status a procedure may set even when it fails.
///
/// Encoding and conversion errors convert into `GRACEFUL_FAILURE`, so a
/// handler can use `?` on table building and cell access.
///
/// ```
/// use voltdb::testing::ProcError;
/// use voltdb::Status;
/// let e = ProcError::user_abort("no such account").with_app_status(3);
/// assert_eq!(e.status, Status::UserAbort);
/// assert_eq!(e.to_string(), "USER_ABORT (-1): no such account");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ProcError {
    /// The status (must not be `SUCCESS` to look like a failure, but it is sent as given).
    pub status: Status,
    /// The status string.
    pub message: String,
    /// The application status.
    pub app_status: Option<i8>,
    /// The application status string.
    pub app_status_string: Option<String>,
}

impl ProcError {
    /// A failure with this status and message.
    pub fn new(status: Status, message: impl Into<String>) -> ProcError {
        ProcError {
            status,
            message: message.into(),
            app_status: None,
            app_status_string: None,
        }
    }

    /// `GRACEFUL_FAILURE` (−2): rolled back (constraint violation, bad parameters, ...).
    pub fn graceful(message: impl Into<String>) -> ProcError {
        ProcError::new(Status::GracefulFailure, message)
    }

    /// `USER_ABORT` (−1): the procedure aborted itself.
    pub fn user_abort(message: impl Into<String>) -> ProcError {
        ProcError::new(Status::UserAbort, message)
    }

    /// `UNEXPECTED_FAILURE` (−3).
    pub fn unexpected(message: impl Into<String>) -> ProcError {
        ProcError::new(Status::UnexpectedFailure, message)
    }

    /// Sets the application status code.
    pub fn with_app_status(mut self, code: i8) -> ProcError {
        self.app_status = Some(code);
        self
    }

    /// Sets the application status string.
    pub fn with_app_status_string(mut self, s: impl Into<String>) -> ProcError {
        self.app_status_string = Some(s.into());
        self
    }
}

impl fmt::Display for ProcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.status, self.message)
    }
}

impl std::error::Error for ProcError {}

impl From<EncodeError> for ProcError {
    fn from(e: EncodeError) -> ProcError {
        ProcError::graceful(format!("VOLTDB ERROR: {e}"))
    }
}

impl From<ConversionError> for ProcError {
    fn from(e: ConversionError) -> ProcError {
        ProcError::graceful(format!("VOLTDB ERROR: {e}"))
    }
}

impl From<crate::Error> for ProcError {
    fn from(e: crate::Error) -> ProcError {
        ProcError::graceful(format!("VOLTDB ERROR: {e}"))
    }
}

/// How a procedure is partitioned, as `@SystemCatalog PROCEDURES` reports it
/// (`REMARKS`) and as the server routes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Partitioning {
    /// Multi-partition (`"singlePartition":false`).
    #[default]
    Multi,
    /// Single-partition on parameter `parameter`, whose partition column has type `ty`.
    /// A call with fewer parameters gets the real server's `UNEXPECTED_FAILURE`
    /// "Error sending procedure ... to the correct partition"; a read-only
    /// procedure called with an untyped NULL key gets `GRACEFUL_FAILURE`
    /// "Illegal partition parameter. Value cannot be null".
    Single {
        /// Index of the partitioning parameter.
        parameter: usize,
        /// Type of the partition column.
        ty: VoltType,
    },
    /// Directed (`"partitionParameter":-1`): must be called with a
    /// `PARTITION_DESTINATION`; with `ALL_PARTITION` set too, the leading
    /// key parameter is removed before the handler sees the parameters.
    Directed,
}

/// A procedure declaration: name, handler, and optionally its parameter
/// count, partitioning and read-only flag.
///
/// ```
/// use voltdb::testing::{Procedure, ProcReply, TestServer};
/// use voltdb::VoltType;
/// let server = TestServer::start().unwrap();
/// server.register_procedure(
///     Procedure::new("CountOrders", |_ctx, _params| Ok(ProcReply::new()))
///         .params(1)
///         .partitioned(0, VoltType::BigInt)
///         .read_only(true),
/// );
/// ```
#[derive(Clone)]
pub struct Procedure {
    pub(crate) name: String,
    pub(crate) body: Body,
    pub(crate) param_count: Option<usize>,
    pub(crate) partitioning: Partitioning,
    pub(crate) read_only: bool,
}

impl Procedure {
    /// A multi-partition, read-write procedure with no declared parameter count.
    pub fn new<F>(name: &str, f: F) -> Procedure
    where
        F: Fn(&CallContext, &[Value]) -> ProcResult + Send + Sync + 'static,
    {
        Procedure::with_body(name, Body::Reply(Arc::new(f)))
    }

    /// A built-in procedure whose handler encodes its tables itself (see
    /// [`EncodingHandler`]).
    pub(crate) fn encoded<F>(name: &str, f: F) -> Procedure
    where
        F: Fn(&CallContext, &[Value], &mut Vec<u8>) -> Result<i16, ProcError>
            + Send
            + Sync
            + 'static,
    {
        Procedure::with_body(name, Body::Encoded(Arc::new(f)))
    }

    fn with_body(name: &str, body: Body) -> Procedure {
        Procedure {
            name: name.to_string(),
            body,
            param_count: None,
            partitioning: Partitioning::Multi,
            read_only: false,
        }
    }

    /// Declares the parameter count: calls with another count get
    /// `GRACEFUL_FAILURE` `"VOLTDB ERROR: PROCEDURE <name> EXPECTS <n> PARAMS,
    /// BUT RECEIVED <m>"` without running the handler.
    pub fn params(mut self, n: usize) -> Procedure {
        self.param_count = Some(n);
        self
    }

    /// Single-partition on parameter `parameter` of type `ty`.
    pub fn partitioned(mut self, parameter: usize, ty: VoltType) -> Procedure {
        self.partitioning = Partitioning::Single { parameter, ty };
        self
    }

    /// Directed (single-partition, partition chosen by the caller).
    pub fn directed(mut self) -> Procedure {
        self.partitioning = Partitioning::Directed;
        self
    }

    /// Sets any partitioning.
    pub fn partitioning(mut self, p: Partitioning) -> Procedure {
        self.partitioning = p;
        self
    }

    /// Marks the procedure read-only (reported in `REMARKS`).
    pub fn read_only(mut self, yes: bool) -> Procedure {
        self.read_only = yes;
        self
    }

    /// The procedure name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The `REMARKS` JSON of `@SystemCatalog PROCEDURES` for this procedure,
    /// keys in alphabetical order as a real server writes them.
    ///
    /// ```
    /// use voltdb::testing::{Procedure, ProcReply};
    /// use voltdb::VoltType;
    /// let p = Procedure::new("Get", |_, _| Ok(ProcReply::new())).partitioned(0, VoltType::String).read_only(true);
    /// assert_eq!(p.remarks(), r#"{"compound":false,"partitionParameter":0,"partitionParameterType":9,"readOnly":true,"singlePartition":true}"#);
    /// ```
    pub fn remarks(&self) -> String {
        match self.partitioning {
            Partitioning::Multi => format!(
                r#"{{"compound":false,"readOnly":{},"singlePartition":false}}"#,
                self.read_only
            ),
            Partitioning::Single { parameter, ty } => format!(
                r#"{{"compound":false,"partitionParameter":{},"partitionParameterType":{},"readOnly":{},"singlePartition":true}}"#,
                parameter,
                ty.code(),
                self.read_only
            ),
            Partitioning::Directed => format!(
                r#"{{"compound":false,"partitionParameter":-1,"partitionParameterType":-1,"readOnly":{},"singlePartition":true}}"#,
                self.read_only
            ),
        }
    }
}

impl fmt::Debug for Procedure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Procedure")
            .field("name", &self.name)
            .field("param_count", &self.param_count)
            .field("partitioning", &self.partitioning)
            .field("read_only", &self.read_only)
            .finish_non_exhaustive()
    }
}
