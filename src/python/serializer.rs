//! [`FastSerializer`]: one connection, one caller at a time — the official
//! Python client's `FastSerializer`, in Rust, on the crate's connection core.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::client::CallOptions;
use crate::connection::{lock, Session};
use crate::error::{Error, Result};
use crate::response::VoltResponse;
use crate::wire::decimal::Decimal;
use crate::wire::geo::{Geography, GeographyPoint};
use crate::wire::invocation::{encode_invocation, InvocationOptions};
use crate::wire::login::LoginResponse;
use crate::wire::timestamp::Timestamp;
use crate::wire::types::VoltType;
use crate::wire::value::Value;
use crate::wire::DEFAULT_FRAME_CAP;

use super::buffer::Buffers;
use super::builder::FastSerializerBuilder;

/// The parameters of `@AdHoc`: the SQL text, then its `?` parameters.
fn adhoc_params(sql: &str, params: &[Value]) -> Vec<Value> {
    let mut all = Vec::with_capacity(params.len() + 1);
    all.push(Value::from(sql));
    all.extend_from_slice(params);
    all
}

/// The state behind every clone of one [`FastSerializer`].
struct Inner {
    session: Session,
    buf: Buffers,
    procedure_timeout: Option<Duration>,
    /// Timeout of reads outside calls (`buffer_for_read`).
    default_timeout: Option<Duration>,
    frame_cap: usize,
}

/// One connection to a VoltDB server, used by one caller at a time (like
/// Python's `FastSerializer`). It logs in when it is created.
///
/// Cloning gives another handle to the same connection, so several
/// [`VoltProcedure`](crate::VoltProcedure)s can share it, interleaved, as in
/// Python. For many threads, use [`Client`](crate::client::Client).
///
/// ```no_run
/// use voltdb::{FastSerializer, VoltProcedure, VoltType, Value};
/// let client = FastSerializer::new("localhost", 21212)?;
/// let proc = VoltProcedure::new(&client, "Select", vec![VoltType::String]);
/// let response = proc.call(&[Value::from("English")], true, None)?;
/// client.close();
/// println!("{}", response.unwrap());
/// # Ok::<(), voltdb::Error>(())
/// ```
#[derive(Clone)]
pub struct FastSerializer {
    inner: Arc<Mutex<Inner>>,
}

impl std::fmt::Debug for FastSerializer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let i = self.lock();
        let (host, port) = i.session.server();
        f.debug_struct("FastSerializer")
            .field("host", &host)
            .field("port", &port)
            .field("connected", &i.session.is_open())
            .field("login", &i.session.login())
            .finish()
    }
}

impl FastSerializer {
    /// Connects to `host:port` with no credentials (security off) and logs in.
    /// `host` may carry its own port (`"volt1:21211"`), which then wins.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the server cannot be reached (the message names
    /// `host:port`) or `host` is not a valid address; [`Error::Login`] when
    /// the server refuses the login.
    pub fn new(host: &str, port: u16) -> Result<FastSerializer> {
        FastSerializer::builder(host, port).connect()
    }

    /// Options for a connection to `host:port` (`host` may carry its own port).
    pub fn builder(host: &str, port: u16) -> FastSerializerBuilder {
        FastSerializerBuilder::new(host, port)
    }

    /// A serializer with no socket (Python `FastSerializer(None)`): only the
    /// write/read buffers, for building or reading bytes.
    ///
    /// ```
    /// let f = voltdb::FastSerializer::offline();
    /// f.write_int32(7).unwrap();
    /// assert_eq!(f.get_raw_bytes(), [0, 0, 0, 7]);
    /// ```
    pub fn offline() -> FastSerializer {
        FastSerializer::from_session(Session::offline(), None, None, DEFAULT_FRAME_CAP)
    }

    /// A serializer on a logged-in `session`.
    pub(super) fn from_session(
        session: Session,
        procedure_timeout: Option<Duration>,
        default_timeout: Option<Duration>,
        frame_cap: usize,
    ) -> FastSerializer {
        FastSerializer {
            inner: Arc::new(Mutex::new(Inner {
                session,
                buf: Buffers::default(),
                procedure_timeout,
                default_timeout,
                frame_cap,
            })),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        lock(&self.inner)
    }

    /// The login response (host id, connection id, cluster instance id, build string).
    pub fn login_response(&self) -> Option<LoginResponse> {
        self.lock().session.login().cloned()
    }

    /// Python `hostId`.
    pub fn host_id(&self) -> Option<i32> {
        self.lock().session.login().map(|l| l.host_id)
    }

    /// Python `connectionId`.
    pub fn connection_id(&self) -> Option<i64> {
        self.lock().session.login().map(|l| l.connection_id)
    }

    /// Python `clusterInstanceId`: `(start timestamp ms, leader IPv4)`.
    pub fn cluster_instance_id(&self) -> Option<(i64, i32)> {
        self.lock().session.login().map(|l| l.cluster_instance_id())
    }

    /// Python `buildString`.
    pub fn build_string(&self) -> Option<String> {
        self.lock().session.login().map(|l| l.build_string.clone())
    }

    /// The default timeout of procedure calls (2 minutes unless the builder
    /// set another; `None` when it waits forever).
    pub fn procedure_timeout(&self) -> Option<Duration> {
        self.lock().procedure_timeout
    }

    /// True while the socket is open.
    pub fn is_connected(&self) -> bool {
        self.lock().session.is_open()
    }

    /// Closes the connection. Later calls fail with [`Error::Closed`].
    pub fn close(&self) {
        self.lock().session.close()
    }

    /// Sends one invocation (with a fresh client handle) and waits for its
    /// response, whatever its status. `types` declares parameter types
    /// (`None`: each value is sent as its own type); `timeout` (else the
    /// procedure timeout) bounds the wait. Replies to other handles (late
    /// replies of timed-out calls) and unsolicited notifications are discarded.
    ///
    /// # Errors
    ///
    /// Bad parameters → [`Error::Encode`] before anything is sent;
    /// no reply in time → [`Error::Timeout`] (the connection stays usable);
    /// connection failure → [`Error::ConnectionLost`] (outcome unknown; the
    /// connection is closed).
    pub(crate) fn invoke_raw(
        &self,
        procedure: &str,
        params: &[Value],
        types: Option<&[VoltType]>,
        options: &InvocationOptions,
        timeout: Option<Duration>,
    ) -> Result<VoltResponse> {
        let mut i = self.lock();
        let Inner {
            session,
            buf,
            procedure_timeout,
            frame_cap,
            ..
        } = &mut *i;
        let timeout = timeout.or(*procedure_timeout);
        if !session.is_open() {
            return Err(Error::Closed);
        }
        let handle = session.next_handle();
        buf.w.clear();
        encode_invocation(
            &mut buf.w, procedure, handle, options, params, types, *frame_cap,
        )?;
        let sent_at = Instant::now();
        let sent = session.send(&buf.w);
        buf.w.clear();
        sent?;
        session.wait_reply(handle, sent_at, timeout)
    }

    /// Calls a procedure with values that carry their own types (no declaration).
    ///
    /// # Errors
    ///
    /// As [`call_with`](Self::call_with): a status other than `SUCCESS` is
    /// [`Error::Server`].
    ///
    /// ```no_run
    /// # let fser = voltdb::FastSerializer::new("localhost", 21212)?;
    /// let r = fser.call("Insert", &["Hello".into(), "World".into(), "English".into()])?;
    /// # Ok::<(), voltdb::Error>(())
    /// ```
    pub fn call(&self, procedure: &str, params: &[Value]) -> Result<VoltResponse> {
        self.invoke_raw(procedure, params, None, &InvocationOptions::default(), None)
            .and_then(VoltResponse::ok)
    }

    /// Calls a procedure with [`CallOptions`] (the same options as
    /// [`Client::call_with`](crate::Client::call_with)): declared parameter
    /// types, a timeout for this call (else the procedure timeout), and
    /// server-side options (query timeout, priority), which make the
    /// invocation version 2.
    ///
    /// # Errors
    ///
    /// A status other than `SUCCESS` → [`Error::Server`]; bad parameters →
    /// [`Error::Encode`] before anything is sent; no reply in time →
    /// [`Error::Timeout`] (the connection stays usable); connection failure
    /// → [`Error::ConnectionLost`] (outcome unknown; the connection is closed).
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use voltdb::{client::CallOptions, FastSerializer, VoltType};
    /// let fser = FastSerializer::new("localhost", 21212)?;
    /// let opts = CallOptions::new()
    ///     .types(vec![VoltType::String])
    ///     .timeout(Duration::from_secs(5))
    ///     .query_timeout(Duration::from_millis(500));
    /// let r = fser.call_with("Select", &["English".into()], &opts)?;
    /// # Ok::<(), voltdb::Error>(())
    /// ```
    pub fn call_with(
        &self,
        procedure: &str,
        params: &[Value],
        options: &CallOptions,
    ) -> Result<VoltResponse> {
        self.invoke_raw(
            procedure,
            params,
            options.types.as_deref(),
            &options.invocation,
            options.timeout,
        )
        .and_then(VoltResponse::ok)
    }

    /// Runs SQL through `@AdHoc`, with optional `?` parameters.
    ///
    /// # Errors
    ///
    /// As [`call_with`](Self::call_with): SQL the server rejects is [`Error::Server`].
    ///
    /// ```no_run
    /// # let fser = voltdb::FastSerializer::new("localhost", 21212)?;
    /// let r = fser.adhoc("SELECT COUNT(*) FROM HELLOWORLD WHERE DIALECT = ?", &["English".into()])?;
    /// let n: i64 = r.tables[0].scalar()?;
    /// # Ok::<(), voltdb::Error>(())
    /// ```
    pub fn adhoc(&self, sql: &str, params: &[Value]) -> Result<VoltResponse> {
        self.call("@AdHoc", &adhoc_params(sql, params))
    }

    /// Runs SQL through `@AdHoc` with [`CallOptions`] (timeout, query
    /// timeout, priority; declared `types`, if any, are those of the `?`
    /// parameters).
    ///
    /// # Errors
    ///
    /// As [`call_with`](Self::call_with): SQL the server rejects is [`Error::Server`].
    pub fn adhoc_with(
        &self,
        sql: &str,
        params: &[Value],
        options: &CallOptions,
    ) -> Result<VoltResponse> {
        let mut options = options.clone();
        if let Some(t) = &mut options.types {
            t.insert(0, VoltType::String);
        }
        self.call_with("@AdHoc", &adhoc_params(sql, params), &options)
    }

    // ----- Python-style buffer primitives -----

    /// Appends a TINYINT (Python `writeByte`); range-checked, NULL sentinel rejected.
    pub fn write_byte(&self, v: i64) -> Result<()> {
        self.write(VoltType::TinyInt, &Value::BigInt(v))
    }
    /// Appends a SMALLINT (Python `writeInt16`).
    pub fn write_int16(&self, v: i64) -> Result<()> {
        self.write(VoltType::SmallInt, &Value::BigInt(v))
    }
    /// Appends an INTEGER (Python `writeInt32`).
    pub fn write_int32(&self, v: i64) -> Result<()> {
        self.write(VoltType::Integer, &Value::BigInt(v))
    }
    /// Appends a BIGINT (Python `writeInt64`).
    pub fn write_int64(&self, v: i64) -> Result<()> {
        self.write(VoltType::BigInt, &Value::BigInt(v))
    }
    /// Appends a FLOAT (Python `writeFloat64`).
    pub fn write_float64(&self, v: f64) -> Result<()> {
        self.write(VoltType::Float, &Value::Float(v))
    }
    /// Appends a STRING (`None` = NULL) (Python `writeString`).
    pub fn write_string(&self, v: Option<&str>) -> Result<()> {
        self.write(VoltType::String, &v.into())
    }
    /// Appends a VARBINARY (Python `writeVarbinary`).
    pub fn write_varbinary(&self, v: Option<&[u8]>) -> Result<()> {
        self.write(VoltType::Varbinary, &v.into())
    }
    /// Appends a TIMESTAMP (Python `writeTimestamp`).
    pub fn write_timestamp(&self, v: Option<Timestamp>) -> Result<()> {
        self.write(VoltType::Timestamp, &v.into())
    }
    /// Appends a DECIMAL (Python `writeDecimal`).
    pub fn write_decimal(&self, v: Option<Decimal>) -> Result<()> {
        self.write(VoltType::Decimal, &v.into())
    }
    /// Appends a BOOLEAN (Python `writeBoolean`).
    pub fn write_boolean(&self, v: Option<bool>) -> Result<()> {
        self.write(VoltType::Boolean, &v.into())
    }
    /// Appends a GEOGRAPHY_POINT (Python `writeGeographyPoint`).
    pub fn write_geography_point(&self, v: Option<GeographyPoint>) -> Result<()> {
        self.write(VoltType::GeographyPoint, &v.into())
    }
    /// Appends a GEOGRAPHY (Python `writeGeography`).
    pub fn write_geography(&self, v: Option<&Geography>) -> Result<()> {
        self.write(VoltType::Geography, &v.cloned().into())
    }
    /// Appends a value as type `ty`, without type byte (Python `write`).
    pub fn write(&self, ty: VoltType, v: &Value) -> Result<()> {
        self.lock().buf.write(ty, v)
    }
    /// Appends the type byte, then the value (Python `writeWireType`); arrays
    /// get the `9d` marker.
    pub fn write_wire_type(&self, ty: VoltType, v: &Value) -> Result<()> {
        self.lock().buf.write_wire_type(ty, v)
    }
    /// Appends raw bytes (Python `writeRawBytes`).
    pub fn write_raw_bytes(&self, b: &[u8]) {
        self.lock().buf.write_raw(b)
    }
    /// Inserts the `i32` length of the write buffer at its front (Python `prependLength`).
    pub fn prepend_length(&self) {
        self.lock().buf.prepend_length()
    }
    /// Bytes in the write buffer (Python `size`).
    pub fn size(&self) -> usize {
        self.lock().buf.w.len()
    }
    /// A copy of the write buffer (Python `getRawBytes`).
    pub fn get_raw_bytes(&self) -> Vec<u8> {
        self.lock().buf.w.clone()
    }
    /// Clears the write buffer.
    pub fn reset(&self) {
        self.lock().buf.w.clear()
    }
    /// Sends the write buffer and clears it (Python `flush`).
    pub fn flush(&self) -> Result<()> {
        let mut i = self.lock();
        let Inner { session, buf, .. } = &mut *i;
        let sent = session.send(&buf.w);
        buf.w.clear();
        sent
    }
    /// Reads one whole framed message into the read buffer (Python `bufferForRead`).
    pub fn buffer_for_read(&self) -> Result<()> {
        let mut i = self.lock();
        let deadline = i.default_timeout.map(|t| Instant::now() + t);
        let body = i.session.read_frame(deadline)?;
        i.buf.set_read(body);
        Ok(())
    }
    /// Replaces the read buffer with `bytes` (for decoding bytes from elsewhere).
    pub fn set_read_buffer(&self, bytes: Vec<u8>) {
        self.lock().buf.set_read(bytes)
    }

    /// Reads a value of type `ty` from the read buffer (Python `read`); NULL is `Value::TypedNull`.
    pub fn read(&self, ty: VoltType) -> Result<Value> {
        self.lock().buf.read(ty)
    }
    /// Reads a type byte, then a value of that type (Python `readWireType`).
    pub fn read_wire_type(&self) -> Result<Value> {
        self.lock().buf.read_wire_type()
    }
    /// Reads a TINYINT (Python `readByte`; `None` for NULL).
    pub fn read_byte(&self) -> Result<Option<i8>> {
        self.lock().buf.read_as(VoltType::TinyInt)
    }
    /// Reads a SMALLINT (Python `readInt16`).
    pub fn read_int16(&self) -> Result<Option<i16>> {
        self.lock().buf.read_as(VoltType::SmallInt)
    }
    /// Reads an INTEGER (Python `readInt32`).
    pub fn read_int32(&self) -> Result<Option<i32>> {
        self.lock().buf.read_as(VoltType::Integer)
    }
    /// Reads a BIGINT (Python `readInt64`).
    pub fn read_int64(&self) -> Result<Option<i64>> {
        self.lock().buf.read_as(VoltType::BigInt)
    }
    /// Reads a FLOAT (Python `readFloat64`; NULL only for the exact sentinel).
    pub fn read_float64(&self) -> Result<Option<f64>> {
        self.lock().buf.read_as(VoltType::Float)
    }
    /// Reads a STRING (Python `readString`).
    pub fn read_string(&self) -> Result<Option<String>> {
        self.lock().buf.read_as(VoltType::String)
    }
    /// Reads a VARBINARY (Python `readVarbinary`).
    pub fn read_varbinary(&self) -> Result<Option<Vec<u8>>> {
        self.lock().buf.read_as(VoltType::Varbinary)
    }
    /// Reads a TIMESTAMP (Python `readTimestamp`, but exact for every year).
    pub fn read_timestamp(&self) -> Result<Option<Timestamp>> {
        self.lock().buf.read_as(VoltType::Timestamp)
    }
    /// Reads a DECIMAL (Python `readDecimal`).
    pub fn read_decimal(&self) -> Result<Option<Decimal>> {
        self.lock().buf.read_as(VoltType::Decimal)
    }
    /// Reads a GEOGRAPHY_POINT (Python `readGeographyPoint`).
    pub fn read_geography_point(&self) -> Result<Option<GeographyPoint>> {
        self.lock().buf.read_as(VoltType::GeographyPoint)
    }
    /// Reads a GEOGRAPHY (Python `readGeography`).
    pub fn read_geography(&self) -> Result<Option<Geography>> {
        self.lock().buf.read_as(VoltType::Geography)
    }
}
