//! Procedure invocations (PROTOCOL.md §3): versions 0, 1 and 2, both ways.

use crate::client::routing::HashKey;
use crate::error::{EncodeError, ProtocolError};
use crate::wire::reader::Reader;
use crate::wire::types::{VoltType, ARRAY_MARKER};
use crate::wire::value::{read_param, read_value, skip_value, write_param, Value, ValueRef};
use crate::wire::writer::{begin_frame, end_frame, WireWrite};

/// Extension type codes of version-2 invocations (§3.3).
pub mod ext {
    /// Per-call SQL batch timeout, `i32` ms.
    pub const BATCH_TIMEOUT: u8 = 1;
    /// Part of an all-partition call (flag).
    pub const ALL_PARTITION: u8 = 2;
    /// Run on exactly this partition, `i32`.
    pub const PARTITION_DESTINATION: u8 = 3;
    /// Internal batch call (flag).
    pub const BATCH_CALL: u8 = 4;
    /// Request priority, `i8` 1 (highest) ..= 8.
    pub const REQUEST_PRIORITY: u8 = 5;
    /// Time the client still allows, `i32` µs.
    pub const REQUEST_TIMEOUT: u8 = 6;
}

/// Per-call options that select a version-2 invocation. With all fields at
/// their defaults the invocation is version 0, exactly what Python sends.
///
/// ```
/// use voltdb::wire::invocation::InvocationOptions;
/// assert!(!InvocationOptions::default().needs_v2());
/// assert!(InvocationOptions { priority: Some(2), ..Default::default() }.needs_v2());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InvocationOptions {
    /// Server-side SQL batch timeout in milliseconds (`BATCH_TIMEOUT`).
    pub batch_timeout_ms: Option<i32>,
    /// Request priority, 1 (highest) ..= 8 (`REQUEST_PRIORITY`).
    pub priority: Option<u8>,
    /// Time the server may still queue the call, in microseconds (`REQUEST_TIMEOUT`).
    pub request_timeout_us: Option<i32>,
    /// Run on exactly this partition (`ALL_PARTITION` + `PARTITION_DESTINATION`).
    pub partition_destination: Option<i32>,
}

impl InvocationOptions {
    /// True when a version-2 invocation is needed.
    pub fn needs_v2(&self) -> bool {
        self.batch_timeout_ms.is_some()
            || self.priority.is_some()
            || self.request_timeout_us.is_some()
            || self.partition_destination.is_some()
    }

    fn check(&self) -> Result<(), EncodeError> {
        if let Some(p) = self.priority {
            if !(1..=8).contains(&p) {
                return Err(EncodeError::OutOfRange {
                    ty: VoltType::TinyInt,
                    value: p as i128,
                    min: 1,
                    max: 8,
                });
            }
        }
        if let Some(p) = self.partition_destination {
            if !(0..16383).contains(&p) {
                return Err(EncodeError::OutOfRange {
                    ty: VoltType::Integer,
                    value: p as i128,
                    min: 0,
                    max: 16382,
                });
            }
        }
        Ok(())
    }
}

/// Appends a framed invocation of `procedure` with client handle `handle`.
///
/// `types`, when given, declares each parameter's type (arrays use their
/// element type) and must have one entry per parameter; values are checked
/// and converted exactly. Without it each value is sent as its own type. On
/// error nothing is appended.
///
/// ```
/// use voltdb::Value;
/// use voltdb::wire::invocation::{encode_invocation, InvocationOptions};
/// let mut out = Vec::new();
/// encode_invocation(&mut out, "@Ping", 1, &InvocationOptions::default(), &[], None, voltdb::wire::DEFAULT_FRAME_CAP).unwrap();
/// assert_eq!(out, [0, 0, 0, 0x14, 0, 0, 0, 0, 5, b'@', b'P', b'i', b'n', b'g', 0, 0, 0, 0, 0, 0, 0, 1, 0, 0]);
/// ```
pub fn encode_invocation(
    out: &mut Vec<u8>,
    procedure: &str,
    handle: i64,
    opts: &InvocationOptions,
    params: &[Value],
    types: Option<&[VoltType]>,
    frame_cap: usize,
) -> Result<(), EncodeError> {
    let start = out.len();
    let r = encode_inner(out, procedure, handle, opts, params, types, frame_cap);
    if r.is_err() {
        out.truncate(start);
    }
    r
}

fn encode_inner(
    out: &mut Vec<u8>,
    procedure: &str,
    handle: i64,
    opts: &InvocationOptions,
    params: &[Value],
    types: Option<&[VoltType]>,
    frame_cap: usize,
) -> Result<(), EncodeError> {
    if let Some(t) = types {
        if t.len() != params.len() {
            return Err(EncodeError::ParamCount {
                procedure: procedure.into(),
                expected: t.len(),
                got: params.len(),
            });
        }
    }
    if params.len() > i16::MAX as usize {
        return Err(EncodeError::TooLong {
            what: "parameter list",
            len: params.len(),
            max: i16::MAX as usize,
        });
    }
    if procedure.is_empty() {
        return Err(EncodeError::parse("procedure name", procedure));
    }
    opts.check()?;
    let at = begin_frame(out);
    if opts.needs_v2() {
        out.put_u8(2);
        out.put_str(Some(procedure));
        out.put_i64(handle);
        let mut count = 0i8;
        let count_at = out.len();
        out.put_i8(0);
        if let Some(ms) = opts.batch_timeout_ms {
            out.put_u8(ext::BATCH_TIMEOUT);
            out.put_u8(3);
            out.put_i32(ms);
            count += 1;
        }
        if let Some(p) = opts.partition_destination {
            out.put_u8(ext::ALL_PARTITION);
            out.put_u8(0);
            out.put_u8(ext::PARTITION_DESTINATION);
            out.put_u8(3);
            out.put_i32(p);
            count += 2;
        }
        if let Some(p) = opts.priority {
            out.put_u8(ext::REQUEST_PRIORITY);
            out.put_u8(1);
            out.put_u8(p);
            count += 1;
        }
        if let Some(us) = opts.request_timeout_us {
            out.put_u8(ext::REQUEST_TIMEOUT);
            out.put_u8(3);
            out.put_i32(us);
            count += 1;
        }
        out[count_at] = count as u8;
    } else {
        out.put_u8(0);
        out.put_str(Some(procedure));
        out.put_i64(handle);
    }
    out.put_i16(params.len() as i16);
    for (i, v) in params.iter().enumerate() {
        write_param(out, types.map(|t| t[i]), v)?;
    }
    let len = out.len() - at - 4;
    if len > frame_cap {
        return Err(EncodeError::FrameTooLarge {
            len,
            cap: frame_cap,
        });
    }
    end_frame(out, at);
    Ok(())
}

/// A parsed invocation (what the server reads), for the test server.
/// [`InvocationRef`] is the same without allocating.
#[derive(Debug, Clone, PartialEq)]
pub struct Invocation {
    /// Invocation version (0, 1 or 2).
    pub version: u8,
    /// Procedure name.
    pub procedure: String,
    /// Client handle.
    pub handle: i64,
    /// The known extensions, and batch timeout of version 1.
    pub options: InvocationOptions,
    /// True if the `ALL_PARTITION` flag was present.
    pub all_partition: bool,
    /// Types of unknown extensions that were skipped.
    pub unknown_extensions: Vec<u8>,
    /// The parameters.
    pub params: Vec<Value>,
}

/// Why an invocation could not be parsed: the header itself (the server
/// answers with its connection id), or the parameters (it answers the handle).
#[derive(Debug, Clone, PartialEq)]
pub enum InvocationError {
    /// The header (version, name, handle, extensions) is malformed.
    Header(ProtocolError),
    /// The header was read (so the handle is known) but the parameters are malformed.
    Params {
        /// Procedure name.
        procedure: String,
        /// Client handle.
        handle: i64,
        /// The problem.
        error: ProtocolError,
    },
}

/// The header of an invocation: everything before the parameter count.
struct Header<'a> {
    version: u8,
    procedure: &'a str,
    handle: i64,
    options: InvocationOptions,
    all_partition: bool,
    /// The extensions of a version-2 invocation (checked), as sent.
    extensions: &'a [u8],
}

impl<'a> Header<'a> {
    /// Reads the header; `r` is left at the parameter count.
    #[inline(always)]
    fn parse(r: &mut Reader<'a>) -> Result<Header<'a>, ProtocolError> {
        let version = r.read_u8("invocation version")?;
        let mut options = InvocationOptions::default();
        let mut all_partition = false;
        if version > 2 {
            return Err(ProtocolError::Malformed("invocation version"));
        }
        if version == 1 {
            let flag = r.read_i8("batch timeout flag")?;
            if flag == 1 {
                options.batch_timeout_ms = Some(r.read_i32("batch timeout")?);
            }
        }
        let procedure = r
            .read_str("procedure name")?
            .ok_or(ProtocolError::Malformed("NULL procedure name"))?;
        let handle = r.read_i64("client handle")?;
        let ext_start = r.position();
        if version == 2 {
            let n = r.read_i8("extension count")?;
            if !(0..=30).contains(&n) {
                return Err(ProtocolError::BadLength {
                    what: "extension count",
                    value: n as i64,
                });
            }
            for _ in 0..n {
                let (ty, payload) = read_extension(r)?;
                let int = |p: &[u8]| match p {
                    [a, b, c, d] => Some(i32::from_be_bytes([*a, *b, *c, *d])),
                    _ => None,
                };
                match ty {
                    ext::BATCH_TIMEOUT => options.batch_timeout_ms = int(payload),
                    ext::ALL_PARTITION => all_partition = true,
                    ext::PARTITION_DESTINATION => options.partition_destination = int(payload),
                    ext::REQUEST_PRIORITY => options.priority = payload.first().copied(),
                    ext::REQUEST_TIMEOUT => options.request_timeout_us = int(payload),
                    _ => {}
                }
            }
        }
        let extensions = &r.buffer()[ext_start..r.position()];
        Ok(Header {
            version,
            procedure,
            handle,
            options,
            all_partition,
            extensions,
        })
    }
}

/// Reads one extension (§3.3): its type and payload.
fn read_extension<'a>(r: &mut Reader<'a>) -> Result<(u8, &'a [u8]), ProtocolError> {
    let ty = r.read_u8("extension type")?;
    let code = r.read_u8("extension length")?;
    let size = match code {
        0 => 0,
        1..=16 => 1usize << (code - 1),
        _ => {
            return Err(ProtocolError::BadLength {
                what: "extension length code",
                value: code as i64,
            })
        }
    };
    Ok((ty, r.take(size, "extension payload")?))
}

/// The types of the extensions in `extensions` (as checked by
/// [`Header::parse`]) that are not known.
fn unknown_extensions(extensions: &[u8]) -> impl Iterator<Item = u8> + '_ {
    let mut r = Reader::new(extensions);
    let n = if extensions.is_empty() {
        0
    } else {
        r.read_i8("extension count").unwrap_or(0)
    };
    (0..n)
        .map_while(move |_| read_extension(&mut r).ok().map(|(ty, _)| ty))
        .filter(|ty| {
            !matches!(
                *ty,
                ext::BATCH_TIMEOUT
                    | ext::ALL_PARTITION
                    | ext::PARTITION_DESTINATION
                    | ext::REQUEST_PRIORITY
                    | ext::REQUEST_TIMEOUT
            )
        })
}

impl Invocation {
    /// Parses an invocation body (after the length prefix).
    pub fn parse(body: &[u8]) -> Result<Invocation, InvocationError> {
        let mut r = Reader::new(body);
        let h = Header::parse(&mut r).map_err(InvocationError::Header)?;
        let procedure = h.procedure.to_string();
        let handle = h.handle;
        let p = |error| InvocationError::Params {
            procedure: procedure.clone(),
            handle,
            error,
        };
        let n = r.read_i16("parameter count").map_err(p)?;
        let n = r.check_count(n as i64, 1, "parameter count").map_err(p)?;
        // Reserve no more memory than the bytes that remain (a `Value` is
        // much larger than its 1-byte minimum encoding).
        let mut params = Vec::with_capacity(n.min(r.remaining() / std::mem::size_of::<Value>()));
        for _ in 0..n {
            params.push(read_param(&mut r).map_err(p)?);
        }
        r.finish("invocation").map_err(p)?;
        Ok(Invocation {
            version: h.version,
            procedure,
            handle,
            options: h.options,
            all_partition: h.all_partition,
            unknown_extensions: unknown_extensions(h.extensions).collect(),
            params,
        })
    }
}

/// An invocation read in place: what [`Invocation::parse`] reads, checked
/// the same way (same errors), but borrowing the procedure name and the
/// parameters from the body instead of copying them. The test server reads
/// every call this way.
///
/// ```
/// use voltdb::Value;
/// use voltdb::wire::invocation::{encode_invocation, Invocation, InvocationOptions, InvocationRef, ParamRef};
/// use voltdb::wire::value::ValueRef;
/// let mut out = Vec::new();
/// let params = [Value::from("key-1"), Value::Null];
/// encode_invocation(&mut out, "Get", 7, &InvocationOptions::default(), &params, None, 1 << 20).unwrap();
/// let inv = InvocationRef::parse(&out[4..]).unwrap();
/// assert_eq!((inv.procedure, inv.handle, inv.params.len()), ("Get", 7, 2));
/// assert_eq!(inv.params.get(0), Some(ParamRef::Value(ValueRef::String("key-1"))));
/// assert_eq!(inv.params.get(1), Some(ParamRef::Null));
/// assert_eq!(inv.to_invocation().unwrap(), Invocation::parse(&out[4..]).unwrap());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InvocationRef<'a> {
    /// Invocation version (0, 1 or 2).
    pub version: u8,
    /// Procedure name.
    pub procedure: &'a str,
    /// Client handle.
    pub handle: i64,
    /// The known extensions, and batch timeout of version 1.
    pub options: InvocationOptions,
    /// True if the `ALL_PARTITION` flag was present.
    pub all_partition: bool,
    /// The parameters (checked, decoded as they are visited).
    pub params: Params<'a>,
    extensions: &'a [u8],
}

impl<'a> InvocationRef<'a> {
    /// Parses an invocation body (after the length prefix), with the checks
    /// and errors of [`Invocation::parse`]. Allocates nothing unless a
    /// parameter is an array (other than TINYINT), a table or a geography,
    /// which are checked by decoding them.
    pub fn parse(body: &'a [u8]) -> Result<InvocationRef<'a>, InvocationError> {
        InvocationRef::parse_into(body, &mut [])
    }

    /// [`parse`](Self::parse), also storing the first parameters (as many
    /// as there are, at most `head.len()`) in `head`, as
    /// [`Params::iter`] would give them: for a caller that needs them
    /// all, without decoding them a second time.
    ///
    /// ```
    /// use voltdb::Value;
    /// use voltdb::wire::invocation::{encode_invocation, InvocationOptions, InvocationRef, ParamRef};
    /// use voltdb::wire::value::ValueRef;
    /// let mut out = Vec::new();
    /// let params = [Value::from(1i32), Value::from(2i32), Value::from(3i32)];
    /// encode_invocation(&mut out, "P", 1, &InvocationOptions::default(), &params, None, 1 << 20).unwrap();
    /// let mut head: [ParamRef; 2] = Default::default();
    /// let inv = InvocationRef::parse_into(&out[4..], &mut head).unwrap();
    /// assert_eq!(inv.params.len(), 3);
    /// assert_eq!(head, [ParamRef::Value(ValueRef::Integer(1)), ParamRef::Value(ValueRef::Integer(2))]);
    /// ```
    pub fn parse_into(
        body: &'a [u8],
        head: &mut [ParamRef<'a>],
    ) -> Result<InvocationRef<'a>, InvocationError> {
        let mut r = Reader::new(body);
        let h = Header::parse(&mut r).map_err(InvocationError::Header)?;
        let p = |error| InvocationError::Params {
            procedure: h.procedure.to_string(),
            handle: h.handle,
            error,
        };
        let n = r.read_i16("parameter count").map_err(p)?;
        let count = r.check_count(n as i64, 1, "parameter count").map_err(p)?;
        let start = r.position();
        for i in 0..count {
            let param = check_param(&mut r).map_err(p)?;
            if let Some(slot) = head.get_mut(i) {
                *slot = param;
            }
        }
        r.finish("invocation").map_err(p)?;
        Ok(InvocationRef {
            version: h.version,
            procedure: h.procedure,
            handle: h.handle,
            options: h.options,
            all_partition: h.all_partition,
            params: Params {
                count,
                bytes: &body[start..],
            },
            extensions: h.extensions,
        })
    }

    /// Types of unknown extensions that were skipped.
    pub fn unknown_extensions(&self) -> impl Iterator<Item = u8> + 'a {
        unknown_extensions(self.extensions)
    }

    /// The owned form: equal to what [`Invocation::parse`] returns for the
    /// same body.
    pub fn to_invocation(&self) -> Result<Invocation, InvocationError> {
        let params = self
            .params
            .to_values()
            .map_err(|error| InvocationError::Params {
                procedure: self.procedure.to_string(),
                handle: self.handle,
                error,
            })?;
        Ok(Invocation {
            version: self.version,
            procedure: self.procedure.to_string(),
            handle: self.handle,
            options: self.options,
            all_partition: self.all_partition,
            unknown_extensions: self.unknown_extensions().collect(),
            params,
        })
    }
}

/// The parameters of an [`InvocationRef`]: checked when the invocation was
/// parsed, decoded (without allocating) each time they are visited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params<'a> {
    count: usize,
    /// The encoded parameters, one after the other.
    bytes: &'a [u8],
}

impl<'a> Params<'a> {
    /// The number of parameters.
    pub fn len(&self) -> usize {
        self.count
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The parameters in order.
    pub fn iter(&self) -> ParamIter<'a> {
        ParamIter {
            r: Reader::new(self.bytes),
            left: self.count,
        }
    }

    /// Parameter `index`, if there is one.
    pub fn get(&self, index: usize) -> Option<ParamRef<'a>> {
        self.iter().nth(index)
    }

    /// The parameters as values, as [`Invocation::parse`] gives them.
    pub fn to_values(&self) -> Result<Vec<Value>, ProtocolError> {
        let mut out = Vec::with_capacity(
            self.count
                .min(self.bytes.len() / std::mem::size_of::<Value>()),
        );
        let mut r = Reader::new(self.bytes);
        for _ in 0..self.count {
            out.push(read_param(&mut r)?);
        }
        Ok(out)
    }
}

impl<'a> IntoIterator for Params<'a> {
    type Item = ParamRef<'a>;
    type IntoIter = ParamIter<'a>;
    fn into_iter(self) -> ParamIter<'a> {
        self.iter()
    }
}

/// The iterator of [`Params::iter`].
#[derive(Debug, Clone)]
pub struct ParamIter<'a> {
    r: Reader<'a>,
    left: usize,
}

impl<'a> Iterator for ParamIter<'a> {
    type Item = ParamRef<'a>;

    fn next(&mut self) -> Option<ParamRef<'a>> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        // The parameters were checked by `InvocationRef::parse`, so this
        // does not fail; if it did, the iteration would just end.
        match next_param(&mut self.r) {
            Ok(p) => Some(p),
            Err(_) => {
                self.left = 0;
                None
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.left))
    }
}

/// One parameter of an [`InvocationRef`], borrowed from the invocation.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum ParamRef<'a> {
    /// An untyped NULL (type `NULL`): [`Value::Null`].
    #[default]
    Null,
    /// A scalar; a typed NULL (a type's sentinel) is [`ValueRef::Null`].
    Value(ValueRef<'a>),
    /// A TINYINT array, as its bytes: [`Value::TinyIntArray`].
    TinyIntArray(&'a [u8]),
    /// Any other array (of element type `ty`), or a VOLTTABLE (`ty` is
    /// [`VoltType::Table`]): its encoding, type byte(s) included, for
    /// [`to_value`](Self::to_value).
    Encoded {
        /// The element type of an array, or `Table`.
        ty: VoltType,
        /// The parameter's encoding (§3.5).
        bytes: &'a [u8],
    },
}

impl<'a> ParamRef<'a> {
    /// The type, as [`Value::volt_type`] gives it for the same parameter.
    pub fn volt_type(&self) -> VoltType {
        match self {
            ParamRef::Null => VoltType::Null,
            ParamRef::Value(v) => v.volt_type(),
            ParamRef::TinyIntArray(_) => VoltType::TinyInt,
            ParamRef::Encoded { ty, .. } => *ty,
        }
    }

    /// True for NULL, typed or not (as [`Value::is_null`]).
    pub fn is_null(&self) -> bool {
        matches!(self, ParamRef::Null | ParamRef::Value(ValueRef::Null(_)))
    }

    /// The owned value, as [`Invocation::parse`] gives it.
    pub fn to_value(&self) -> Result<Value, ProtocolError> {
        match self {
            ParamRef::Null => Ok(Value::Null),
            ParamRef::Value(v) => v.to_value(),
            ParamRef::TinyIntArray(b) => Ok(Value::TinyIntArray(b.to_vec())),
            ParamRef::Encoded { bytes, .. } => read_param(&mut Reader::new(bytes)),
        }
    }

    /// The partition key of this parameter, as [`HashKey::from_value`] gives
    /// it for the owned value.
    pub fn hash_key(&self) -> Option<HashKey<'a>> {
        Some(match *self {
            ParamRef::Null | ParamRef::Value(ValueRef::Null(_)) => HashKey::Null,
            ParamRef::Value(ValueRef::TinyInt(i)) => HashKey::Int(i64::from(i)),
            ParamRef::Value(ValueRef::SmallInt(i)) => HashKey::Int(i64::from(i)),
            ParamRef::Value(ValueRef::Integer(i)) => HashKey::Int(i64::from(i)),
            ParamRef::Value(ValueRef::BigInt(i)) => HashKey::Int(i),
            ParamRef::Value(ValueRef::String(s)) => HashKey::Str(s),
            ParamRef::Value(ValueRef::Varbinary(b)) | ParamRef::TinyIntArray(b) => {
                HashKey::Bytes(b)
            }
            _ => return None,
        })
    }
}

/// Checks one parameter the way [`read_param`] reads it (same errors),
/// decoding in place what can be. Returns the parameter.
#[inline(always)]
fn check_param<'a>(r: &mut Reader<'a>) -> Result<ParamRef<'a>, ProtocolError> {
    let mut probe = r.clone();
    let code = probe.read_i8("parameter type")?;
    let scalar = if code == ARRAY_MARKER {
        None
    } else {
        Some(VoltType::from_code(code)?).filter(|ty| *ty != VoltType::Table)
    };
    let param = match scalar {
        Some(VoltType::Null) => ParamRef::Null,
        Some(ty) => {
            let v = read_value(&mut probe, ty)?;
            if let ValueRef::Geography(_) = v {
                v.to_value()?;
            }
            ParamRef::Value(v)
        }
        // Arrays and tables (rare in calls) are checked by decoding them.
        None => {
            probe = r.clone();
            read_param(&mut probe)?;
            // Read again in place (this cannot fail after that check).
            next_param(&mut r.clone())?
        }
    };
    *r = probe;
    Ok(param)
}

/// Reads one parameter checked by [`check_param`].
fn next_param<'a>(r: &mut Reader<'a>) -> Result<ParamRef<'a>, ProtocolError> {
    let start = r.position();
    let code = r.read_i8("parameter type")?;
    if code == ARRAY_MARKER {
        let ty = VoltType::from_code(r.read_i8("array element type")?)?;
        if ty == VoltType::TinyInt {
            return match r.read_bytes("TINYINT array")? {
                Some(b) => Ok(ParamRef::TinyIntArray(b)),
                None => Err(ProtocolError::BadLength {
                    what: "TINYINT array count",
                    value: -1,
                }),
            };
        }
        let n = r.read_i16("array count")?;
        let n = r.check_count(n as i64, 1, "array count")?;
        for _ in 0..n {
            skip_element(r, ty)?;
        }
        return Ok(ParamRef::Encoded {
            ty,
            bytes: &r.buffer()[start..r.position()],
        });
    }
    let ty = VoltType::from_code(code)?;
    match ty {
        VoltType::Null => Ok(ParamRef::Null),
        VoltType::Table => {
            skip_element(r, ty)?;
            Ok(ParamRef::Encoded {
                ty,
                bytes: &r.buffer()[start..r.position()],
            })
        }
        _ => Ok(ParamRef::Value(read_value(r, ty)?)),
    }
}

/// Skips an array element (or a table parameter's body) of type `ty`.
fn skip_element(r: &mut Reader<'_>, ty: VoltType) -> Result<(), ProtocolError> {
    if ty == VoltType::Table {
        let total = r.read_size("table length")?;
        r.skip(total, "table")
    } else {
        skip_value(r, ty).map(|_| ())
    }
}
