//! [`FastSerializer`]: one connection, one caller at a time — the official
//! Python client's `FastSerializer`, in Rust.

use std::fs::File;
use std::io::Write;
use std::net::{Shutdown, TcpStream};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::error::{EncodeError, Error, ProtocolError, Result};
use crate::response::VoltResponse;
use crate::table::ColumnCache;
use crate::table::FromVolt;
use crate::transport::{connect_and_login, BodyPool, ConnectOptions, FrameReader, ReadError};
use crate::wire::decimal::Decimal;
use crate::wire::geo::{Geography, GeographyPoint};
use crate::wire::invocation::{encode_invocation, InvocationOptions};
use crate::wire::login::{HashScheme, LoginResponse};
use crate::wire::reader::Reader;
use crate::wire::response::{parse_response_cached, MAX_CLIENT_HANDLE};
use crate::wire::timestamp::Timestamp;
use crate::wire::types::VoltType;
use crate::wire::value::{read_raw, read_value, write_param, write_value, Value};
use crate::wire::writer::WireWrite;

/// Options of [`FastSerializer`]: the Python constructor's parameters that
/// apply to this client.
///
/// ```no_run
/// use std::time::Duration;
/// use voltdb::FastSerializer;
/// let fser = FastSerializer::builder("localhost", 21212)
///     .username("admin")
///     .password("adminpw")
///     .procedure_timeout(Duration::from_secs(30))
///     .connect()?;
/// # Ok::<(), voltdb::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct FastSerializerBuilder {
    host: String,
    port: u16,
    connect: ConnectOptions,
    dump_file: Option<PathBuf>,
    dump_password_digest: bool,
    procedure_timeout: Option<Duration>,
    default_timeout: Option<Duration>,
}

impl FastSerializerBuilder {
    /// User name (Python `username`).
    pub fn username(mut self, u: impl Into<String>) -> Self {
        self.connect.username = u.into();
        self
    }
    /// Password (Python `password`); only its digest is sent.
    pub fn password(mut self, p: impl Into<String>) -> Self {
        self.connect.password = p.into();
        self
    }
    /// Password hash scheme (SHA-256 by default; SHA-1 for old servers).
    pub fn hash_scheme(mut self, s: HashScheme) -> Self {
        self.connect.hash_scheme = s;
        self
    }
    /// Time allowed to connect and log in (Python `connect_timeout`, default 8 s).
    pub fn connect_timeout(mut self, t: Duration) -> Self {
        self.connect.connect_timeout = t;
        self
    }
    /// Default timeout of procedure calls (Python `procedure_timeout`; none = wait forever).
    pub fn procedure_timeout(mut self, t: Duration) -> Self {
        self.procedure_timeout = Some(t);
        self
    }
    /// Timeout of every other socket read after login (Python `default_timeout`).
    pub fn default_timeout(mut self, t: Duration) -> Self {
        self.default_timeout = Some(t);
        self
    }
    /// Records every byte sent and received to this file (Python `dump_file_path`).
    /// The password digest in the login message is redacted (zeroed) unless
    /// [`dump_password_digest`](Self::dump_password_digest) is set.
    pub fn dump_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.dump_file = Some(path.into());
        self
    }
    /// Keep the real password digest in the dump file.
    pub fn dump_password_digest(mut self, keep: bool) -> Self {
        self.dump_password_digest = keep;
        self
    }
    /// Largest response frame accepted (default 50 MiB, the server's own limit).
    pub fn frame_cap(mut self, cap: usize) -> Self {
        self.connect.frame_cap = cap;
        self
    }
    /// Connects and logs in.
    pub fn connect(self) -> Result<FastSerializer> {
        FastSerializer::connect_with(self)
    }
}

struct Inner {
    stream: Option<TcpStream>,
    reader: FrameReader,
    login: Option<LoginResponse>,
    dump: Option<File>,
    wbuf: Vec<u8>,
    /// The body buffer of the last response (up to 1 MiB), reused once the
    /// caller drops that response.
    body: BodyPool,
    /// The column list of the last table received, shared by tables of the
    /// same shape.
    columns: ColumnCache,
    rbuf: Vec<u8>,
    rpos: usize,
    next_handle: i64,
    procedure_timeout: Option<Duration>,
    default_timeout: Option<Duration>,
    frame_cap: usize,
    host: String,
    port: u16,
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
        f.debug_struct("FastSerializer")
            .field("host", &i.host)
            .field("port", &i.port)
            .field("connected", &i.stream.is_some())
            .field("login", &i.login)
            .finish()
    }
}

fn hex_line(f: &mut Option<File>, bytes: &[u8]) {
    if let Some(file) = f {
        // A failing dump file must not break the connection.
        let _ = file.write_all(bytes).and_then(|_| file.write_all(b"\n"));
    }
}

impl FastSerializer {
    /// Connects to `host:port` with no credentials (security off) and logs in.
    pub fn new(host: &str, port: u16) -> Result<FastSerializer> {
        FastSerializer::builder(host, port).connect()
    }

    /// Options for a connection to `host:port`.
    pub fn builder(host: &str, port: u16) -> FastSerializerBuilder {
        FastSerializerBuilder {
            host: host.to_string(),
            port,
            connect: ConnectOptions::default(),
            dump_file: None,
            dump_password_digest: false,
            procedure_timeout: None,
            default_timeout: None,
        }
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
        FastSerializer::from_inner(Inner {
            stream: None,
            reader: FrameReader::new(crate::wire::DEFAULT_FRAME_CAP),
            login: None,
            dump: None,
            wbuf: Vec::new(),
            body: BodyPool::new(1, 1 << 20),
            columns: ColumnCache::default(),
            rbuf: Vec::new(),
            rpos: 0,
            next_handle: 1,
            procedure_timeout: None,
            default_timeout: None,
            frame_cap: crate::wire::DEFAULT_FRAME_CAP,
            host: String::new(),
            port: 0,
        })
    }

    fn from_inner(inner: Inner) -> FastSerializer {
        FastSerializer {
            inner: Arc::new(Mutex::new(inner)),
        }
    }

    fn connect_with(b: FastSerializerBuilder) -> Result<FastSerializer> {
        let mut dump = match &b.dump_file {
            Some(p) => Some(File::create(p)?),
            None => None,
        };
        let keep_digest = b.dump_password_digest;
        let mut sent = |bytes: &[u8], req: &crate::wire::login::LoginRequest| {
            let mut shown = bytes.to_vec();
            if !keep_digest {
                // The digest is the last field of the login message.
                let start = shown.len().saturating_sub(req.digest.len());
                shown[start..].iter_mut().for_each(|b| *b = 0);
            }
            hex_line(&mut dump, &shown);
        };
        let (stream, reader, login, framed) =
            connect_and_login(&b.host, b.port, &b.connect, &mut sent)?;
        hex_line(&mut dump, &framed);
        Ok(FastSerializer::from_inner(Inner {
            stream: Some(stream),
            reader,
            login: Some(login),
            dump,
            wbuf: Vec::with_capacity(1024),
            body: BodyPool::new(1, 1 << 20),
            columns: ColumnCache::default(),
            rbuf: Vec::new(),
            rpos: 0,
            next_handle: 1,
            procedure_timeout: b.procedure_timeout,
            default_timeout: b.default_timeout,
            frame_cap: b.connect.frame_cap,
            host: b.host,
            port: b.port,
        }))
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The login response (host id, connection id, cluster instance id, build string).
    pub fn login_response(&self) -> Option<LoginResponse> {
        self.lock().login.clone()
    }

    /// Python `hostId`.
    pub fn host_id(&self) -> Option<i32> {
        self.lock().login.as_ref().map(|l| l.host_id)
    }

    /// Python `connectionId`.
    pub fn connection_id(&self) -> Option<i64> {
        self.lock().login.as_ref().map(|l| l.connection_id)
    }

    /// Python `clusterInstanceId`: `(start timestamp ms, leader IPv4)`.
    pub fn cluster_instance_id(&self) -> Option<(i64, i32)> {
        self.lock().login.as_ref().map(|l| l.cluster_instance_id())
    }

    /// Python `buildString`.
    pub fn build_string(&self) -> Option<String> {
        self.lock().login.as_ref().map(|l| l.build_string.clone())
    }

    /// The default procedure timeout.
    pub fn procedure_timeout(&self) -> Option<Duration> {
        self.lock().procedure_timeout
    }

    /// True while the socket is open.
    pub fn is_connected(&self) -> bool {
        self.lock().stream.is_some()
    }

    /// Closes the connection. Later calls fail with [`Error::Closed`].
    pub fn close(&self) {
        let mut i = self.lock();
        if let Some(s) = i.stream.take() {
            let _ = s.shutdown(Shutdown::Both);
        }
        if let Some(f) = i.dump.as_mut() {
            let _ = f.flush();
        }
    }

    /// Calls a procedure: sends one invocation (with a fresh client handle)
    /// and waits for its response. `types` declares parameter types (`None`:
    /// each value is sent as its own type). Replies to other handles (late
    /// replies of timed-out calls) and unsolicited notifications are discarded.
    ///
    /// Errors: bad parameters → [`Error::Encode`] before anything is sent;
    /// no reply in time → [`Error::Timeout`] (the connection stays usable);
    /// connection failure → [`Error::ConnectionLost`] (outcome unknown; the
    /// connection is closed).
    pub fn invoke(
        &self,
        procedure: &str,
        params: &[Value],
        types: Option<&[VoltType]>,
        options: &InvocationOptions,
        timeout: Option<Duration>,
    ) -> Result<VoltResponse> {
        let mut i = self.lock();
        let timeout = timeout.or(i.procedure_timeout);
        i.invoke(procedure, params, types, options, timeout)
    }

    /// Calls a procedure with values that carry their own types (no declaration).
    ///
    /// ```no_run
    /// # let fser = voltdb::FastSerializer::new("localhost", 21212)?;
    /// let r = fser.call("Insert", &["Hello".into(), "World".into(), "English".into()])?;
    /// # Ok::<(), voltdb::Error>(())
    /// ```
    pub fn call(&self, procedure: &str, params: &[Value]) -> Result<VoltResponse> {
        self.invoke(procedure, params, None, &InvocationOptions::default(), None)
    }

    /// Runs SQL through `@AdHoc`, with optional `?` parameters.
    ///
    /// ```no_run
    /// # let fser = voltdb::FastSerializer::new("localhost", 21212)?;
    /// let r = fser.adhoc("SELECT COUNT(*) FROM HELLOWORLD WHERE DIALECT = ?", &["English".into()])?;
    /// let n: i64 = r.tables[0].scalar()?;
    /// # Ok::<(), voltdb::Error>(())
    /// ```
    pub fn adhoc(&self, sql: &str, params: &[Value]) -> Result<VoltResponse> {
        let mut all = Vec::with_capacity(params.len() + 1);
        all.push(Value::from(sql));
        all.extend_from_slice(params);
        self.call("@AdHoc", &all)
    }

    // ----- Python-style buffer primitives -----

    fn with_w<T>(
        &self,
        f: impl FnOnce(&mut Vec<u8>) -> std::result::Result<T, EncodeError>,
    ) -> Result<T> {
        Ok(f(&mut self.lock().wbuf)?)
    }

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
        self.with_w(|w| {
            let start = w.len();
            write_value(w, ty, v).inspect_err(|_| w.truncate(start))
        })
    }
    /// Appends the type byte, then the value (Python `writeWireType`); arrays
    /// get the `9d` marker.
    pub fn write_wire_type(&self, ty: VoltType, v: &Value) -> Result<()> {
        self.with_w(|w| write_param(w, Some(ty), v))
    }
    /// Appends raw bytes (Python `writeRawBytes`).
    pub fn write_raw_bytes(&self, b: &[u8]) {
        self.lock().wbuf.put_raw(b)
    }
    /// Inserts the `i32` length of the write buffer at its front (Python `prependLength`).
    pub fn prepend_length(&self) {
        let mut i = self.lock();
        let len = (i.wbuf.len() as i32).to_be_bytes();
        i.wbuf.splice(0..0, len);
    }
    /// Bytes in the write buffer (Python `size`).
    pub fn size(&self) -> usize {
        self.lock().wbuf.len()
    }
    /// A copy of the write buffer (Python `getRawBytes`).
    pub fn get_raw_bytes(&self) -> Vec<u8> {
        self.lock().wbuf.clone()
    }
    /// Clears the write buffer.
    pub fn reset(&self) {
        self.lock().wbuf.clear()
    }
    /// Sends the write buffer and clears it (Python `flush`).
    pub fn flush(&self) -> Result<()> {
        let mut i = self.lock();
        i.flush()
    }
    /// Reads one whole framed message into the read buffer (Python `bufferForRead`).
    pub fn buffer_for_read(&self) -> Result<()> {
        let mut i = self.lock();
        let timeout = i.default_timeout;
        let deadline = timeout.map(|t| Instant::now() + t);
        let body = i.read_frame(deadline, false)?;
        i.rbuf = body;
        i.rpos = 0;
        Ok(())
    }
    /// Replaces the read buffer with `bytes` (for decoding bytes from elsewhere).
    pub fn set_read_buffer(&self, bytes: Vec<u8>) {
        let mut i = self.lock();
        i.rbuf = bytes;
        i.rpos = 0;
    }

    fn with_r<T>(
        &self,
        f: impl FnOnce(&mut Reader<'_>) -> std::result::Result<T, ProtocolError>,
    ) -> Result<T> {
        let mut i = self.lock();
        let pos = i.rpos;
        let mut r = Reader::new(&i.rbuf);
        r.skip(pos, "read buffer")?;
        let v = f(&mut r)?;
        let p = r.position();
        i.rpos = p;
        Ok(v)
    }

    /// Reads a value of type `ty` from the read buffer (Python `read`); NULL is `Value::TypedNull`.
    pub fn read(&self, ty: VoltType) -> Result<Value> {
        self.with_r(|r| read_value(r, ty)?.to_value())
    }
    /// Reads a type byte, then a value of that type (Python `readWireType`).
    pub fn read_wire_type(&self) -> Result<Value> {
        self.with_r(crate::wire::value::read_param)
    }
    /// Reads a TINYINT (Python `readByte`; `None` for NULL).
    pub fn read_byte(&self) -> Result<Option<i8>> {
        self.read_as(VoltType::TinyInt)
    }
    /// Reads a SMALLINT (Python `readInt16`).
    pub fn read_int16(&self) -> Result<Option<i16>> {
        self.read_as(VoltType::SmallInt)
    }
    /// Reads an INTEGER (Python `readInt32`).
    pub fn read_int32(&self) -> Result<Option<i32>> {
        self.read_as(VoltType::Integer)
    }
    /// Reads a BIGINT (Python `readInt64`).
    pub fn read_int64(&self) -> Result<Option<i64>> {
        self.read_as(VoltType::BigInt)
    }
    /// Reads a FLOAT (Python `readFloat64`; NULL only for the exact sentinel).
    pub fn read_float64(&self) -> Result<Option<f64>> {
        self.read_as(VoltType::Float)
    }
    /// Reads a STRING (Python `readString`).
    pub fn read_string(&self) -> Result<Option<String>> {
        self.read_as(VoltType::String)
    }
    /// Reads a VARBINARY (Python `readVarbinary`).
    pub fn read_varbinary(&self) -> Result<Option<Vec<u8>>> {
        self.read_as(VoltType::Varbinary)
    }
    /// Reads a TIMESTAMP (Python `readTimestamp`, but exact for every year).
    pub fn read_timestamp(&self) -> Result<Option<Timestamp>> {
        self.read_as(VoltType::Timestamp)
    }
    /// Reads a DECIMAL (Python `readDecimal`).
    pub fn read_decimal(&self) -> Result<Option<Decimal>> {
        self.read_as(VoltType::Decimal)
    }
    /// Reads a GEOGRAPHY_POINT (Python `readGeographyPoint`).
    pub fn read_geography_point(&self) -> Result<Option<GeographyPoint>> {
        self.read_as(VoltType::GeographyPoint)
    }
    /// Reads a GEOGRAPHY (Python `readGeography`).
    pub fn read_geography(&self) -> Result<Option<Geography>> {
        self.read_as(VoltType::Geography)
    }

    fn read_as<T>(&self, ty: VoltType) -> Result<Option<T>>
    where
        T: for<'a> FromVolt<'a>,
    {
        self.with_r(|r| {
            let v = read_raw(r, ty)?;
            crate::types::from_cell::<Option<T>>(ty, v)
                .map_err(|_| ProtocolError::Malformed("value"))
        })
    }
}

impl Inner {
    fn check_open(&self) -> Result<()> {
        if self.stream.is_none() {
            return Err(Error::Closed);
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        self.check_open()?;
        let r = match self.stream.as_mut() {
            Some(s) => s.write_all(&self.wbuf),
            None => return Err(Error::Closed),
        };
        hex_line(&mut self.dump, &self.wbuf);
        self.wbuf.clear();
        if let Err(e) = r {
            self.broken();
            return Err(Error::ConnectionLost(e.to_string()));
        }
        Ok(())
    }

    fn broken(&mut self) {
        if let Some(s) = self.stream.take() {
            let _ = s.shutdown(Shutdown::Both);
        }
    }

    fn read_frame(&mut self, deadline: Option<Instant>, in_flight: bool) -> Result<Vec<u8>> {
        let mut body = Vec::new();
        self.read_frame_into(deadline, in_flight, &mut body)?;
        Ok(body)
    }

    /// Reads one frame's body into `body` (cleared first).
    fn read_frame_into(
        &mut self,
        deadline: Option<Instant>,
        in_flight: bool,
        body: &mut Vec<u8>,
    ) -> Result<()> {
        let Inner { stream, reader, .. } = self;
        let Some(s) = stream.as_mut() else {
            return Err(Error::Closed);
        };
        match reader.read_frame_into(s, deadline, body) {
            Ok(()) => {
                if self.dump.is_some() {
                    let mut framed = (body.len() as i32).to_be_bytes().to_vec();
                    framed.extend_from_slice(body);
                    hex_line(&mut self.dump, &framed);
                }
                Ok(())
            }
            Err(ReadError::TimedOut) => Err(Error::Timeout(Duration::ZERO)),
            Err(e) => {
                self.broken();
                Err(e.into_error(in_flight))
            }
        }
    }

    fn invoke(
        &mut self,
        procedure: &str,
        params: &[Value],
        types: Option<&[VoltType]>,
        options: &InvocationOptions,
        timeout: Option<Duration>,
    ) -> Result<VoltResponse> {
        self.check_open()?;
        let handle = self.next_handle;
        self.next_handle = if handle >= MAX_CLIENT_HANDLE {
            1
        } else {
            handle + 1
        };
        self.wbuf.clear();
        encode_invocation(
            &mut self.wbuf,
            procedure,
            handle,
            options,
            params,
            types,
            self.frame_cap,
        )?;
        let sent_at = Instant::now();
        self.flush()?;
        let deadline = timeout.map(|t| sent_at + t);
        loop {
            let mut buf = self.body.take();
            match self.read_frame_into(deadline, true, Arc::make_mut(&mut buf)) {
                Ok(()) => {}
                Err(Error::Timeout(_)) => return Err(Error::Timeout(timeout.unwrap_or_default())),
                Err(e) => return Err(e),
            }
            self.body.keep(&buf);
            match parse_response_cached(buf, Some(&mut self.columns)) {
                Ok(mut resp) if resp.client_handle == handle => {
                    resp.client_round_trip = Some(sent_at.elapsed());
                    return Ok(resp);
                }
                // A late reply to an earlier (timed-out) call, or an
                // unsolicited notification: never handed to this call.
                Ok(_) => {}
                Err(e) => {
                    // A reply we cannot read leaves us unable to tell which call
                    // it answered: fail closed.
                    self.broken();
                    return Err(Error::Protocol(e));
                }
            }
        }
    }
}
