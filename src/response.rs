//! [`VoltResponse`] and [`VoltException`], with `Display` like the Python client's `str()`.

use std::fmt;
use std::time::Duration;

use crate::error::ProtocolError;
use crate::table::VoltTable;
use crate::wire::reader::Reader;
use crate::wire::response::Status;
use crate::wire::writer::WireWrite;

/// The response to a procedure call.
///
/// Fields mirror the Python client's `VoltResponse` attributes. A server-side
/// failure is an ordinary response with a non-success [`status`](Self::status);
/// use [`VoltResponse::ok`] to turn it into an [`Error::Server`](crate::Error::Server).
///
/// ```
/// use voltdb::{Status, VoltResponse};
/// let mut r = VoltResponse::new(1, Status::UnexpectedFailure);
/// r.status_string = Some("Procedure NoSuchProc was not found".into());
/// assert_eq!(r.to_string(), "Status: -3\nInformation: Procedure NoSuchProc was not found\n");
/// assert!(r.ok().is_err());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct VoltResponse {
    /// Protocol version byte (0).
    pub version: u8,
    /// The client handle the response answers.
    pub client_handle: i64,
    /// The status.
    pub status: Status,
    /// The status string, when the server sent one.
    pub status_string: Option<String>,
    /// The application status set by the procedure (`None` = unset, −128 on the wire).
    pub app_status: Option<i8>,
    /// The application status string.
    pub app_status_string: Option<String>,
    /// Milliseconds the cluster spent on the call (Python's `roundtripTime`).
    pub cluster_round_trip_ms: i32,
    /// Round-trip time measured by this client, from sending to receiving.
    pub client_round_trip: Option<Duration>,
    /// A serialized exception (never sent by VoltDB 11 servers).
    pub exception: Option<VoltException>,
    /// The result tables.
    pub tables: Vec<VoltTable>,
}

impl VoltResponse {
    /// An empty response with this handle and status.
    pub fn new(client_handle: i64, status: Status) -> VoltResponse {
        VoltResponse {
            version: 0,
            client_handle,
            status,
            status_string: None,
            app_status: None,
            app_status_string: None,
            cluster_round_trip_ms: 0,
            client_round_trip: None,
            exception: None,
            tables: Vec::new(),
        }
    }

    /// True for `SUCCESS`.
    pub fn is_success(&self) -> bool {
        self.status.is_success()
    }

    /// `Ok(self)` on success, else [`Error::Server`](crate::Error::Server) with the status and its string.
    pub fn ok(self) -> crate::Result<VoltResponse> {
        if self.is_success() {
            Ok(self)
        } else {
            Err(crate::Error::Server {
                status: self.status,
                message: self.status_string.unwrap_or_default(),
            })
        }
    }

    /// Table `i`, if present.
    pub fn table(&self, i: usize) -> Option<&VoltTable> {
        self.tables.get(i)
    }
}

impl fmt::Display for VoltResponse {
    /// The Python client's `str(response)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Status: {}\nInformation: {}\n",
            self.status.code(),
            self.status_string.as_deref().unwrap_or("None")
        )?;
        for (i, t) in self.tables.iter().enumerate() {
            if i > 0 {
                f.write_str("\n\n")?;
            }
            write!(f, "{t}")?;
        }
        if let Some(e) = &self.exception {
            write!(f, "\nException: {e}")?;
        }
        Ok(())
    }
}

/// A serialized server exception (§5.4). VoltDB 11 never sends one; it is
/// parsed for robustness and parity with the Python client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoltException {
    /// The exception type byte (Java ordinal).
    pub ty: i8,
    /// The message.
    pub message: String,
    /// The type-specific bytes after the message.
    pub extra: Vec<u8>,
}

impl VoltException {
    /// `VOLTEXCEPTION_NONE`.
    pub const NONE: i8 = 0;
    /// `VOLTEXCEPTION_EEEXCEPTION`.
    pub const EE_EXCEPTION: i8 = 1;
    /// `VOLTEXCEPTION_SQLEXCEPTION`.
    pub const SQL_EXCEPTION: i8 = 2;
    /// `VOLTEXCEPTION_CONSTRAINTFAILURE`.
    pub const CONSTRAINT_FAILURE: i8 = 3;
    /// `VOLTEXCEPTION_GENERIC` (Python's numbering).
    pub const GENERIC: i8 = 4;

    /// The Python client's `typestr` (types it does not know stay `"None"`).
    pub fn type_str(&self) -> &'static str {
        match self.ty {
            1 => "EE Exception",
            2 => "SQL Exception",
            3 => "Constraint Failure",
            4 => "Generic",
            _ => "None",
        }
    }

    /// The error code of an EE exception.
    pub fn error_code(&self) -> Option<i32> {
        match (self.ty, self.extra.get(..4)) {
            (1, Some(b)) => Some(i32::from_be_bytes([b[0], b[1], b[2], b[3]])),
            _ => None,
        }
    }

    /// The SQLSTATE of SQL and constraint exceptions.
    pub fn sql_state(&self) -> Option<&str> {
        match self.ty {
            2 | 3 => self
                .extra
                .get(..5)
                .and_then(|b| std::str::from_utf8(b).ok()),
            _ => None,
        }
    }

    /// Reads the exception block (`i32` size; 0 = none).
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Option<VoltException>, ProtocolError> {
        let n = r.read_i32("exception length")?;
        if n == 0 {
            return Ok(None);
        }
        if n < 0 || n as usize > r.remaining() {
            return Err(ProtocolError::BadLength {
                what: "exception length",
                value: n as i64,
            });
        }
        let body = r.take(n as usize, "exception")?;
        let mut e = Reader::new(body);
        let ty = e.read_i8("exception type")?;
        let message = match e.read_bytes("exception message")? {
            Some(b) => String::from_utf8_lossy(b).into_owned(),
            None => String::new(),
        };
        Ok(Some(VoltException {
            ty,
            message,
            extra: e.rest().to_vec(),
        }))
    }

    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        out.put_i32((1 + 4 + self.message.len() + self.extra.len()) as i32);
        out.put_i8(self.ty);
        out.put_str(Some(&self.message));
        out.put_raw(&self.extra);
    }
}

impl fmt::Display for VoltException {
    /// The Python client's `str(exception)`: the type line, plus the error
    /// code of EE exceptions or the SQLSTATE of SQL exceptions (the message
    /// is not shown, as in Python; it is in [`message`](Self::message)).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "VoltException: type: {}", self.type_str())?;
        match self.ty {
            1 => writeln!(f, "  Error code: {}", self.error_code().unwrap_or(0)),
            2 => write!(f, "  SQL code: {}", self.sql_state().unwrap_or("")),
            _ => Ok(()),
        }
    }
}
