//! Procedure invocations (PROTOCOL.md §3): versions 0, 1 and 2, both ways.

use crate::error::{EncodeError, ProtocolError};
use crate::wire::reader::Reader;
use crate::wire::types::VoltType;
use crate::wire::value::{read_param, write_param, Value};
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
