//! Procedure responses (docs/protocol.md#responses): status codes, parsing and encoding.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::error::ProtocolError;
use crate::wire::reader::Reader;
use crate::wire::table::{ColumnCache, VoltTable};
use crate::wire::writer::{begin_frame, end_frame, WireWrite};

/// Handle of the keep-alive `@Ping` used by the Java and Python clients.
pub const PING_HANDLE: i64 = i64::MAX;
/// Handle of unsolicited topology pushes (`@Subscribe TOPOLOGY`).
pub const ASYNC_TOPO_HANDLE: i64 = i64::MAX - 1;
/// Handle of unsolicited procedure-catalog pushes.
pub const ASYNC_PROC_HANDLE: i64 = i64::MAX - 2;
/// Client handles above this value are reserved for the server's notices.
pub const MAX_CLIENT_HANDLE: i64 = i64::MAX - 64;

/// A response status (docs/protocol.md#status-codes). Keeps the numeric value: unknown codes are
/// [`Status::Other`].
///
/// ```
/// use voltdb::Status;
/// assert_eq!(Status::from_code(-3), Status::UnexpectedFailure);
/// assert_eq!(Status::UnexpectedFailure.code(), -3);
/// assert_eq!(Status::from_code(-99).code(), -99);
/// assert!(Status::Success.is_success());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Status {
    /// 1
    Success,
    /// −1
    UserAbort,
    /// −2
    GracefulFailure,
    /// −3
    UnexpectedFailure,
    /// −4 (client-generated)
    ConnectionLost,
    /// −5
    ServerUnavailable,
    /// −6 (client-generated)
    ConnectionTimeout,
    /// −7
    ResponseUnknown,
    /// −8
    TxnRestart,
    /// −9
    OperationalFailure,
    /// −10
    TxnMispartitioned,
    /// −11
    TxnMisrouted,
    /// −12
    DrTableHashNotFound,
    /// −13
    UnsupportedDynamicChange,
    /// −14 (client-generated)
    ClientErrorTxnNotSent,
    /// −15 (client-generated)
    ClientRequestTimeout,
    /// −16 (client-generated)
    ClientResponseTimeout,
    /// −17
    CompoundProcUserAbort,
    /// −18
    CompoundProcTimeout,
    /// Any other code.
    Other(i8),
}

const STATUS_TABLE: [(Status, i8, &str); 19] = [
    (Status::Success, 1, "SUCCESS"),
    (Status::UserAbort, -1, "USER_ABORT"),
    (Status::GracefulFailure, -2, "GRACEFUL_FAILURE"),
    (Status::UnexpectedFailure, -3, "UNEXPECTED_FAILURE"),
    (Status::ConnectionLost, -4, "CONNECTION_LOST"),
    (Status::ServerUnavailable, -5, "SERVER_UNAVAILABLE"),
    (Status::ConnectionTimeout, -6, "CONNECTION_TIMEOUT"),
    (Status::ResponseUnknown, -7, "RESPONSE_UNKNOWN"),
    (Status::TxnRestart, -8, "TXN_RESTART"),
    (Status::OperationalFailure, -9, "OPERATIONAL_FAILURE"),
    (Status::TxnMispartitioned, -10, "TXN_MISPARTITIONED"),
    (Status::TxnMisrouted, -11, "TXN_MISROUTED"),
    (Status::DrTableHashNotFound, -12, "DR_TABLE_HASH_NOT_FOUND"),
    (
        Status::UnsupportedDynamicChange,
        -13,
        "UNSUPPORTED_DYNAMIC_CHANGE",
    ),
    (
        Status::ClientErrorTxnNotSent,
        -14,
        "CLIENT_ERROR_TXN_NOT_SENT",
    ),
    (Status::ClientRequestTimeout, -15, "CLIENT_REQUEST_TIMEOUT"),
    (
        Status::ClientResponseTimeout,
        -16,
        "CLIENT_RESPONSE_TIMEOUT",
    ),
    (
        Status::CompoundProcUserAbort,
        -17,
        "COMPOUND_PROC_USER_ABORT",
    ),
    (Status::CompoundProcTimeout, -18, "COMPOUND_PROC_TIMEOUT"),
];

impl Status {
    /// The status for a wire code.
    pub fn from_code(code: i8) -> Status {
        STATUS_TABLE
            .iter()
            .find(|(_, c, _)| *c == code)
            .map_or(Status::Other(code), |(s, _, _)| *s)
    }

    /// The wire code.
    pub fn code(self) -> i8 {
        match self {
            Status::Other(c) => c,
            s => STATUS_TABLE
                .iter()
                .find(|(t, _, _)| *t == s)
                .map_or(0, |(_, c, _)| *c),
        }
    }

    /// The Java constant name (`"GRACEFUL_FAILURE"`).
    pub fn name(self) -> &'static str {
        STATUS_TABLE
            .iter()
            .find(|(t, _, _)| *t == self)
            .map_or("UNKNOWN", |(_, _, n)| n)
    }

    /// `SUCCESS`.
    pub fn is_success(self) -> bool {
        self == Status::Success
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name(), self.code())
    }
}

/// The response to a procedure call.
///
/// Fields mirror the Python client's `VoltResponse` attributes. The
/// Rust-native calls return a server-side failure as
/// [`Error::Server`](crate::error::Error::Server), which holds the response;
/// `VoltProcedure::call` (the Python contract) returns it as an
/// ordinary response with a non-success [`status`](Self::status), which
/// [`VoltResponse::ok`] turns into that error.
///
/// ```
/// use voltdb::{Status, VoltResponse};
/// let mut r = VoltResponse::new(1, Status::UnexpectedFailure);
/// r.status_string = Some("Procedure NoSuchProc was not found".into());
/// assert_eq!(r.to_string(), "Status: -3\nInformation: Procedure NoSuchProc was not found\n");
/// assert!(r.ok().is_err());
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
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

/// A serialized server exception (docs/protocol.md#serialized-exceptions). VoltDB 11 never sends one; it is
/// parsed for robustness and parity with the Python client.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VoltException {
    /// The exception type byte (Java ordinal).
    pub ty: i8,
    /// The message.
    pub message: String,
    /// The type-specific bytes after the message.
    pub extra: Vec<u8>,
}

/// Reads the exception block (`i32` size; 0 = none).
pub(crate) fn read_exception(r: &mut Reader<'_>) -> Result<Option<VoltException>, ProtocolError> {
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

/// Appends the exception block.
pub(crate) fn write_exception(e: &VoltException, out: &mut Vec<u8>) {
    out.put_i32((1 + 4 + e.message.len() + e.extra.len()) as i32);
    out.put_i8(e.ty);
    out.put_str(Some(&e.message));
    out.put_raw(&e.extra);
}

/// Parses a response body (after the length prefix). The tables keep
/// sharing `body`; nothing is copied per row or per cell.
pub fn parse_response(body: Vec<u8>) -> Result<VoltResponse, ProtocolError> {
    parse_response_shared(Arc::new(body))
}

/// [`parse_response`] of a body already in an `Arc` (the tables keep a
/// clone of it), so that a reader can reuse the buffer once the response
/// is dropped (`Arc::get_mut`).
///
/// ```
/// use std::sync::Arc;
/// use voltdb::wire::response::{encode_response, parse_response_shared};
/// use voltdb::{Status, VoltResponse};
/// let mut framed = Vec::new();
/// encode_response(&VoltResponse::new(7, Status::Success), &mut framed);
/// let mut buf = Arc::new(framed[4..].to_vec());
/// let r = parse_response_shared(Arc::clone(&buf))?;
/// assert_eq!(r.client_handle, 7);
/// drop(r);
/// assert!(Arc::get_mut(&mut buf).is_some(), "reusable once the response is gone");
/// # Ok::<(), voltdb::ProtocolError>(())
/// ```
pub fn parse_response_shared(buf: Arc<Vec<u8>>) -> Result<VoltResponse, ProtocolError> {
    parse_response_cached(buf, None)
}

/// [`parse_response_shared`] with a connection's column cache (see
/// [`VoltTable::parse_cached`]).
pub(crate) fn parse_response_cached(
    buf: Arc<Vec<u8>>,
    mut cache: Option<&mut ColumnCache>,
) -> Result<VoltResponse, ProtocolError> {
    let mut r = Reader::new(buf.as_slice());
    let version = r.read_u8("response version")?;
    let client_handle = r.read_i64("client handle")?;
    let present = r.read_u8("fields present")?;
    let status = Status::from_code(r.read_i8("status")?);
    let status_string = if present & 0x20 != 0 {
        r.read_str("status string")?.map(str::to_owned)
    } else {
        None
    };
    let app_status = match r.read_i8("app status")? {
        i8::MIN => None,
        s => Some(s),
    };
    let app_status_string = if present & 0x80 != 0 {
        r.read_str("app status string")?.map(str::to_owned)
    } else {
        None
    };
    let cluster_round_trip_ms = r.read_i32("cluster round trip")?;
    let exception = if present & 0x40 != 0 {
        read_exception(&mut r)?
    } else {
        None
    };
    if present & 0x10 != 0 {
        let n = r.read_i16("hash count")?;
        let n = r.check_count(n as i64, 4, "hash count")?;
        r.skip(4 * n, "hashes")?;
    }
    let ntables = r.read_i16("table count")?;
    let ntables = r.check_count(ntables as i64, 4, "table count")?;
    // Reserve no more memory than the bytes that remain (a `VoltTable` is
    // much larger than its 4-byte minimum encoding), but room for one table
    // anyway: the usual reply has one, and then no growth is needed.
    let room = (r.remaining() / std::mem::size_of::<VoltTable>()).max(1);
    let mut tables = Vec::with_capacity(ntables.min(room));
    let mut pos = r.position();
    for _ in 0..ntables {
        let (t, next) = VoltTable::parse_cached(&buf, pos, cache.as_deref_mut())?;
        tables.push(t);
        pos = next;
    }
    if pos != buf.len() {
        return Err(ProtocolError::TrailingBytes {
            what: "response",
            extra: buf.len() - pos,
        });
    }
    Ok(VoltResponse {
        version,
        client_handle,
        status,
        status_string,
        app_status,
        app_status_string,
        cluster_round_trip_ms,
        client_round_trip: None,
        exception,
        tables,
    })
}

/// Appends a framed response (what the server sends).
///
/// ```
/// use voltdb::{Status, VoltResponse};
/// use voltdb::wire::response::{encode_response, parse_response};
/// let mut r = VoltResponse::new(7, Status::GracefulFailure);
/// r.status_string = Some("oops".into());
/// let mut bytes = Vec::new();
/// encode_response(&r, &mut bytes);
/// let back = parse_response(bytes[4..].to_vec()).unwrap();
/// assert_eq!(back.client_handle, 7);
/// assert_eq!(back.status_string.as_deref(), Some("oops"));
/// ```
pub fn encode_response(resp: &VoltResponse, out: &mut Vec<u8>) {
    let at = begin_frame(out);
    out.put_u8(resp.version);
    out.put_i64(resp.client_handle);
    let mut present = 0u8;
    if resp.app_status_string.is_some() {
        present |= 0x80;
    }
    if resp.status_string.is_some() {
        present |= 0x20;
    }
    if resp.exception.is_some() {
        present |= 0x40;
    }
    out.put_u8(present);
    out.put_i8(resp.status.code());
    if let Some(s) = &resp.status_string {
        out.put_str(Some(s));
    }
    out.put_i8(resp.app_status.unwrap_or(i8::MIN));
    if let Some(s) = &resp.app_status_string {
        out.put_str(Some(s));
    }
    out.put_i32(resp.cluster_round_trip_ms);
    if let Some(e) = &resp.exception {
        write_exception(e, out);
    }
    out.put_i16(resp.tables.len() as i16);
    for t in &resp.tables {
        out.put_raw(t.as_bytes());
    }
    end_frame(out, at);
}

/// Appends a framed SUCCESS response with `count` tables whose encodings
/// are `tables`, and nothing else: the bytes [`encode_response`] makes of
/// such a response, without building one (the test server's common reply).
///
/// ```
/// use voltdb::wire::response::{encode_response, encode_success};
/// use voltdb::{Status, VoltResponse};
/// let mut r = VoltResponse::new(7, Status::Success);
/// r.cluster_round_trip_ms = 3;
/// let (mut a, mut b) = (Vec::new(), Vec::new());
/// encode_response(&r, &mut a);
/// encode_success(7, 3, 0, &[], &mut b);
/// assert_eq!(a, b);
/// ```
pub fn encode_success(
    client_handle: i64,
    cluster_round_trip_ms: i32,
    count: i16,
    tables: &[u8],
    out: &mut Vec<u8>,
) {
    let at = begin_frame(out);
    out.put_u8(0);
    out.put_i64(client_handle);
    out.put_u8(0);
    out.put_i8(Status::Success.code());
    out.put_i8(i8::MIN);
    out.put_i32(cluster_round_trip_ms);
    out.put_i16(count);
    out.put_raw(tables);
    end_frame(out, at);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::table::VoltColumn;
    use crate::wire::types::VoltType;
    use crate::wire::value::Value;

    /// `encode_success` makes the bytes `encode_response` makes of the same
    /// SUCCESS response, tables included.
    #[test]
    fn encode_success_is_encode_response() {
        let mut tables = Vec::new();
        let mut resp = VoltResponse::new(-5, Status::Success);
        resp.cluster_round_trip_ms = 1234;
        for rows in [0, 1, 3] {
            let mut b = VoltTable::builder(vec![
                VoltColumn::new("K", VoltType::String),
                VoltColumn::new("V", VoltType::Varbinary),
            ]);
            for i in 0..rows {
                b.add_row(&[Value::from(format!("k{i}")), Value::from(vec![i as u8; i])])
                    .unwrap();
            }
            let t = b.build();
            tables.extend_from_slice(t.as_bytes());
            resp.tables.push(t);
        }
        let (mut want, mut got) = (vec![9u8], vec![9u8]);
        encode_response(&resp, &mut want);
        encode_success(-5, 1234, 3, &tables, &mut got);
        assert_eq!(got, want);
        let back = parse_response(got[5..].to_vec()).unwrap();
        assert_eq!(back.tables.len(), 3);
        assert_eq!(back.cluster_round_trip_ms, 1234);
    }
}
