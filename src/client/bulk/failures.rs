//! Per-row failures and how a call's outcome is read.

use crate::error::Error;
use crate::response::VoltResponse;
use crate::wire::response::Status;
use crate::wire::value::Value;

/// A row the loader could not store, with its position in the input (the
/// order of `insert` calls, from 0) and why.
#[derive(Debug, Clone, PartialEq)]
pub struct RowFailure {
    /// The row's position in the input.
    pub position: u64,
    /// The row, as its table's column types.
    pub row: Vec<Value>,
    /// Why it failed.
    pub kind: FailureKind,
}

/// Why a row failed, and whether it may be stored anyway.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum FailureKind {
    /// The server refused the row on its own (a constraint violation, a
    /// row of another partition, ...): it is not stored.
    Rejected {
        /// The status of the server's answer.
        status: Status,
        /// The server's message.
        message: String,
    },
    /// The row could not be sent (no connection before the timeout, the
    /// client closed): it is not stored.
    NotSent(String),
    /// The connection was lost or the call timed out while its batch was
    /// in flight: the server may or may not have stored it. Never resent,
    /// so it is never stored twice.
    Unknown(String),
}

impl RowFailure {
    /// One line saying why: the server's message, or the client's.
    pub fn reason(&self) -> String {
        match &self.kind {
            FailureKind::Rejected { status, message } => format!("{status:?}: {message}"),
            FailureKind::NotSent(m) => format!("not sent: {m}"),
            FailureKind::Unknown(m) => format!("outcome unknown: {m}"),
        }
    }
}

/// What a call's result means for the rows it carried.
pub(crate) enum Outcome {
    Stored,
    /// The server refused the call (for a batch: retry its rows one by one).
    Refused(Status, String),
    Unknown(String),
    NotSent(String),
}

/// Reads a call's result, whether a non-success status comes as a
/// response or as [`Error::Server`].
pub(crate) fn outcome(r: crate::error::Result<VoltResponse>) -> Outcome {
    match r {
        Ok(resp) if resp.is_success() => Outcome::Stored,
        Ok(resp) => status_outcome(resp.status, resp.status_string.unwrap_or_default()),
        Err(Error::Server {
            status, message, ..
        }) => status_outcome(status, message),
        Err(
            e @ (Error::ConnectionLost { .. }
            | Error::Timeout(_)
            | Error::Io(_)
            | Error::Protocol(_)),
        ) => Outcome::Unknown(e.to_string()),
        Err(e) => Outcome::NotSent(e.to_string()),
    }
}

fn status_outcome(status: Status, message: String) -> Outcome {
    match status {
        Status::ConnectionLost | Status::ConnectionTimeout | Status::ResponseUnknown => {
            Outcome::Unknown(format!("{status:?}: {message}"))
        }
        Status::ClientErrorTxnNotSent => Outcome::NotSent(format!("{status:?}: {message}")),
        _ => Outcome::Refused(status, message),
    }
}
