//! Parsing an invocation body, as a server reads it: only the test server
//! needs it.

use crate::error::ProtocolError;
use crate::wire::reader::Reader;
use crate::wire::value::{read_param, Value};

use super::{ext, InvocationOptions};

/// A parsed invocation, as the test server reads it.
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

/// Reads one extension (docs/protocol.md#invocation-extensions): its type and payload.
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
