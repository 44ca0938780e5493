//! [`VoltResponse`] and [`VoltException`], with `Display` like the Python client's `str()`.

use std::fmt;

use crate::table::VoltTable;
use crate::wire::response::Status;
pub use crate::wire::response::{VoltException, VoltResponse};

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

    /// `Ok(self)` on success, else [`Error::Server`](crate::Error::Server)
    /// with the status, its string, the app status and the response itself:
    /// what every Rust-native call does with the response (see
    /// [the error module](crate::error#which-calls-return-a-failure-status-as-an-error)).
    pub fn ok(self) -> crate::Result<VoltResponse> {
        if self.is_success() {
            return Ok(self);
        }
        Err(crate::Error::Server {
            status: self.status,
            message: self.status_string.clone().unwrap_or_default(),
            app_status: self.app_status,
            app_status_string: self.app_status_string.clone(),
            response: Box::new(self),
        })
    }

    /// Table `i`, if present.
    pub fn table(&self, i: usize) -> Option<&VoltTable> {
        self.tables.get(i)
    }
}

impl fmt::Display for VoltResponse {
    /// `{}`: the Python client's `str(response)`.
    ///
    /// `{:#}`: for people to read: the status by name (`status: SUCCESS
    /// (1)`), the status string, app status and exception when present,
    /// then each table as `VoltTable`'s `{:#}` prints it (aligned, NULL
    /// distinct from `'NULL'`), after a blank line.
    ///
    /// ```
    /// use voltdb::{Status, Value, VoltColumn, VoltResponse, VoltTable, VoltType};
    /// let mut b = VoltTable::builder(vec![VoltColumn::new("N", VoltType::BigInt)]);
    /// b.add_row(&[Value::from(42i64)]).unwrap();
    /// let mut r = VoltResponse::new(1, Status::Success);
    /// r.tables.push(b.build());
    /// assert_eq!(format!("{r:#}"), "status: SUCCESS (1)\n\n     N\nBIGINT\n------\n    42\n(1 row)\n");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if f.alternate() {
            return text_response(self, f);
        }
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

/// The `{:#}` form of a response (see its `Display`).
fn text_response(r: &VoltResponse, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    writeln!(f, "status: {}", r.status)?;
    if let Some(s) = r.status_string.as_deref().filter(|s| !s.is_empty()) {
        writeln!(f, "status string: {s}")?;
    }
    if r.app_status.is_some() || r.app_status_string.is_some() {
        let code = r.app_status.map_or("none".to_string(), |c| c.to_string());
        write!(f, "app status: {code}")?;
        if let Some(s) = &r.app_status_string {
            write!(f, " {s}")?;
        }
        f.write_str("\n")?;
    }
    if let Some(e) = &r.exception {
        writeln!(f, "exception: {}: {}", e.type_str(), e.message)?;
    }
    for t in &r.tables {
        writeln!(f, "\n{t:#}")?;
    }
    Ok(())
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
