//! Procedure invocations (docs/protocol.md#invocations): versions 0, 1 and 2, both ways.
//! Encoding is the clients'; parsing is the test server's. Neither is part
//! of the client API (callers set per-call options with
//! `voltdb::client::CallOptions`): with the `test-server` feature, both are
//! re-exported at `voltdb::testing` for tests that work on raw invocations.

use crate::error::EncodeError;
use crate::wire::types::VoltType;
use crate::wire::value::{write_param, Value};
use crate::wire::writer::{begin_frame, end_frame, WireWrite};

#[cfg(feature = "test-server")]
pub(crate) mod parse;

/// Extension type codes of version-2 invocations (docs/protocol.md#invocation-extensions).
pub(crate) mod ext {
    /// Per-call SQL batch timeout, `i32` ms.
    pub const BATCH_TIMEOUT: u8 = 1;
    /// Part of an all-partition call (flag).
    pub const ALL_PARTITION: u8 = 2;
    /// Run on exactly this partition, `i32`.
    pub const PARTITION_DESTINATION: u8 = 3;
    /// Internal batch call (flag).
    #[allow(dead_code)] // never sent by the clients; listed to complete the codes
    pub const BATCH_CALL: u8 = 4;
    /// Request priority, `i8` 1 (highest) ..= 8.
    pub const REQUEST_PRIORITY: u8 = 5;
    /// Time the client still allows, `i32` µs.
    pub const REQUEST_TIMEOUT: u8 = 6;
}

/// The server-side options of a call as they travel: any set field selects
/// a version-2 invocation; with all fields at their defaults the invocation
/// is version 0, exactly what Python sends. Clients set them through
/// `CallOptions`; the test server reports them as parsed.
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
        let declared = types.map(|t| t[i]);
        write_param(out, declared, v).map_err(|e| e.in_param(procedure, i, declared))?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::DEFAULT_FRAME_CAP;

    #[test]
    fn default_options_are_version_0() {
        assert!(!InvocationOptions::default().needs_v2());
        let v2 = InvocationOptions {
            priority: Some(2),
            ..Default::default()
        };
        assert!(v2.needs_v2());
    }

    #[test]
    fn a_ping_is_24_bytes() {
        let mut out = Vec::new();
        let opts = InvocationOptions::default();
        encode_invocation(&mut out, "@Ping", 1, &opts, &[], None, DEFAULT_FRAME_CAP).unwrap();
        assert_eq!(
            out,
            [
                0, 0, 0, 0x14, 0, 0, 0, 0, 5, b'@', b'P', b'i', b'n', b'g', 0, 0, 0, 0, 0, 0, 0, 1,
                0, 0
            ]
        );
    }
}
