//! Encoding values: as table cells and as parameters (with their type
//! byte, arrays included), each checked against the declared type.

use crate::error::EncodeError;
use crate::wire::decimal::Decimal;
use crate::wire::geo::NULL_COORD;
use crate::wire::types::{null, VoltType, ARRAY_MARKER, MAX_VALUE_LENGTH};
use crate::wire::value::{Value, MAX_ARRAY_LEN};
use crate::wire::writer::WireWrite;

/// Checks that `v` can be sent as a parameter declared as `declared`, without
/// sending anything. This is the check [`write_param`] performs.
///
/// ```
/// use voltdb::{Value, VoltType};
/// use voltdb::wire::value::check_param;
/// assert!(check_param(VoltType::TinyInt, &Value::Integer(100)).is_ok());
/// assert!(check_param(VoltType::TinyInt, &Value::Integer(1000)).is_err());
/// assert!(check_param(VoltType::BigInt, &Value::BigInt(i64::MIN)).is_err()); // the NULL sentinel
/// assert!(check_param(VoltType::String, &Value::BigInt(1)).is_err());
/// ```
pub fn check_param(declared: VoltType, v: &Value) -> crate::error::Result<()> {
    let mut scratch = Vec::new();
    write_param(&mut scratch, Some(declared), v)?;
    Ok(())
}

fn mismatch(expected: VoltType, v: &Value) -> EncodeError {
    EncodeError::TypeMismatch {
        expected,
        got: v.kind(),
    }
}

fn check_int(ty: VoltType, v: i128) -> Result<i64, EncodeError> {
    let (min, max) = ty.integer_range().unwrap_or((i64::MIN + 1, i64::MAX));
    if v == min as i128 - 1 {
        return Err(EncodeError::NullSentinel(ty));
    }
    if v < min as i128 || v > max as i128 {
        return Err(EncodeError::OutOfRange {
            ty,
            value: v,
            min: min as i128,
            max: max as i128,
        });
    }
    Ok(v as i64)
}

fn check_len(what: &'static str, len: usize, max: usize) -> Result<(), EncodeError> {
    if len > max {
        return Err(EncodeError::TooLong { what, len, max });
    }
    Ok(())
}

/// Writes the NULL of type `ty` (its sentinel; no type byte).
fn write_null_value(out: &mut Vec<u8>, ty: VoltType) -> Result<(), EncodeError> {
    match ty {
        VoltType::Null => {}
        VoltType::TinyInt => out.put_i8(null::TINYINT),
        VoltType::SmallInt => out.put_i16(null::SMALLINT),
        VoltType::Integer => out.put_i32(null::INTEGER),
        VoltType::BigInt => out.put_i64(null::BIGINT),
        VoltType::Timestamp => out.put_i64(null::TIMESTAMP),
        VoltType::Date => out.put_i32(null::DATE),
        VoltType::Float => out.put_raw(&null::FLOAT_BITS.to_be_bytes()),
        VoltType::Decimal => out.put_i128(null::DECIMAL),
        VoltType::GeographyPoint => {
            out.put_f64(NULL_COORD);
            out.put_f64(NULL_COORD)
        }
        VoltType::String | VoltType::Varbinary | VoltType::Geography => out.put_i32(-1),
        // What the Python client writes for a None BOOLEAN.
        VoltType::Boolean => out.put_u8(0x7f),
        VoltType::Table => {
            return Err(EncodeError::Unsupported {
                ty,
                context: "as NULL",
            })
        }
    }
    Ok(())
}

/// Writes the bare encoding of `v` as type `ty` (no type byte): a table cell
/// or the value part of a parameter. Values are converted to `ty` where that
/// is exact (integers of any width, integers to FLOAT or DECIMAL) and range
/// checked; a DECIMAL sent as FLOAT is rounded to the nearest double. NULL
/// sentinels given as values are rejected. On error nothing is appended.
pub fn write_value(out: &mut Vec<u8>, ty: VoltType, v: &Value) -> Result<(), EncodeError> {
    if v.is_null() {
        return write_null_value(out, ty);
    }
    match ty {
        VoltType::TinyInt | VoltType::SmallInt | VoltType::Integer | VoltType::BigInt => {
            let i = v.as_i128().ok_or_else(|| mismatch(ty, v))?;
            let i = check_int(ty, i)?;
            match ty {
                VoltType::TinyInt => out.put_i8(i as i8),
                VoltType::SmallInt => out.put_i16(i as i16),
                VoltType::Integer => out.put_i32(i as i32),
                _ => out.put_i64(i),
            }
        }
        VoltType::Float => {
            let f = match v {
                Value::Float(f) => *f,
                Value::Decimal(d) => d.to_f64(),
                other => {
                    let i = other.as_i128().ok_or_else(|| mismatch(ty, v))?;
                    let f = i as f64;
                    // Only integers a double holds exactly (all of |i| <= 2^53).
                    if f as i128 != i {
                        return Err(EncodeError::OutOfRange {
                            ty,
                            value: i,
                            min: -(1 << 53),
                            max: 1 << 53,
                        });
                    }
                    f
                }
            };
            if f.to_bits() == null::FLOAT_BITS {
                return Err(EncodeError::NullSentinel(ty));
            }
            out.put_f64(f)
        }
        VoltType::String => match v {
            Value::String(s) => {
                check_len("string", s.len(), MAX_VALUE_LENGTH)?;
                out.put_str(Some(s))
            }
            _ => return Err(mismatch(ty, v)),
        },
        VoltType::Varbinary => match v {
            Value::Varbinary(b) | Value::TinyIntArray(b) => {
                check_len("varbinary", b.len(), MAX_VALUE_LENGTH)?;
                out.put_bytes(Some(b))
            }
            _ => return Err(mismatch(ty, v)),
        },
        VoltType::Timestamp => match v {
            Value::Timestamp(t) => {
                if t.micros() == null::TIMESTAMP {
                    return Err(EncodeError::NullSentinel(ty));
                }
                out.put_i64(t.micros())
            }
            _ => return Err(mismatch(ty, v)),
        },
        VoltType::Date => match v {
            Value::Date(d) => {
                if d.packed() == null::DATE {
                    return Err(EncodeError::NullSentinel(ty));
                }
                out.put_i32(d.packed())
            }
            _ => return Err(mismatch(ty, v)),
        },
        VoltType::Decimal => {
            let d = match v {
                Value::Decimal(d) => *d,
                other => {
                    let i = other.as_i128().ok_or_else(|| mismatch(ty, v))?;
                    Decimal::from_i64(i as i64)
                }
            };
            if d.unscaled() == null::DECIMAL {
                return Err(EncodeError::NullSentinel(ty));
            }
            Decimal::from_unscaled(d.unscaled())?;
            out.put_i128(d.unscaled())
        }
        VoltType::Boolean => match v {
            Value::Boolean(b) => out.put_u8(*b as u8),
            _ => return Err(mismatch(ty, v)),
        },
        VoltType::GeographyPoint => match v {
            Value::GeographyPoint(p) => {
                if p.is_null_sentinel() {
                    return Err(EncodeError::NullSentinel(ty));
                }
                out.put_f64(p.lng);
                out.put_f64(p.lat)
            }
            _ => return Err(mismatch(ty, v)),
        },
        VoltType::Geography => match v {
            Value::Geography(g) => {
                let size = g.serialized_size();
                check_len("geography", size, MAX_VALUE_LENGTH)?;
                out.put_i32(size as i32);
                g.encode_body(out)
            }
            _ => return Err(mismatch(ty, v)),
        },
        VoltType::Table => match v {
            Value::Table(t) => out.put_raw(t.as_bytes()),
            _ => return Err(mismatch(ty, v)),
        },
        // Only NULL can be sent as type NULL; anything else would be dropped.
        VoltType::Null => return Err(mismatch(ty, v)),
    }
    Ok(())
}

/// Writes one parameter (docs/protocol.md#parameter-sets): type byte and value, or `9d`, element type
/// and array body. With `declared = None` the value's own type is used.
/// On error, `out` is left as it was.
#[inline]
pub fn write_param(
    out: &mut Vec<u8>,
    declared: Option<VoltType>,
    v: &Value,
) -> Result<(), EncodeError> {
    match (declared, v) {
        // The common untyped parameters, inline: the bytes the general path
        // writes (the values it would reject take it, and get its errors).
        (None, Value::String(s)) if s.len() <= MAX_VALUE_LENGTH => {
            out.put_i8(VoltType::String.code());
            out.put_str(Some(s));
            return Ok(());
        }
        (None, Value::Integer(x)) if *x != null::INTEGER => {
            out.put_i8(VoltType::Integer.code());
            out.put_i32(*x);
            return Ok(());
        }
        (None, Value::BigInt(x)) if *x != null::BIGINT => {
            out.put_i8(VoltType::BigInt.code());
            out.put_i64(*x);
            return Ok(());
        }
        _ => {}
    }
    write_param_general(out, declared, v)
}

/// [`write_param`] of any parameter, out of line.
#[inline(never)]
fn write_param_general(
    out: &mut Vec<u8>,
    declared: Option<VoltType>,
    v: &Value,
) -> Result<(), EncodeError> {
    let start = out.len();
    let r = write_param_inner(out, declared, v);
    if r.is_err() {
        out.truncate(start);
    }
    r
}

fn write_param_inner(
    out: &mut Vec<u8>,
    declared: Option<VoltType>,
    v: &Value,
) -> Result<(), EncodeError> {
    let ty = declared.unwrap_or_else(|| v.volt_type());
    match v {
        Value::Array(_, items) => write_array(out, ty, items),
        // Bytes declared as TINYINT are a TINYINT array, as in the Python client.
        Value::TinyIntArray(bytes) | Value::Varbinary(bytes)
            if ty == VoltType::TinyInt
                || (declared.is_none() && matches!(v, Value::TinyIntArray(_))) =>
        {
            check_len("TINYINT array", bytes.len(), MAX_VALUE_LENGTH)?;
            out.put_i8(ARRAY_MARKER);
            out.put_i8(VoltType::TinyInt.code());
            out.put_bytes(Some(bytes));
            Ok(())
        }
        Value::Null if declared.is_none() || ty == VoltType::Null => {
            out.put_i8(VoltType::Null.code());
            Ok(())
        }
        _ => {
            if ty == VoltType::Table && v.is_null() {
                return Err(EncodeError::Unsupported {
                    ty,
                    context: "as NULL",
                });
            }
            out.put_i8(ty.code());
            write_value(out, ty, v)
        }
    }
}

fn write_array(out: &mut Vec<u8>, ty: VoltType, items: &[Value]) -> Result<(), EncodeError> {
    if matches!(ty, VoltType::Null | VoltType::Boolean) {
        return Err(EncodeError::Unsupported {
            ty,
            context: "as an array element type",
        });
    }
    if items.iter().any(Value::is_array) {
        return Err(EncodeError::Unsupported {
            ty,
            context: "in nested arrays",
        });
    }
    out.put_i8(ARRAY_MARKER);
    out.put_i8(ty.code());
    if ty == VoltType::TinyInt {
        check_len("TINYINT array", items.len(), MAX_VALUE_LENGTH)?;
        out.put_i32(items.len() as i32);
    } else {
        check_len("array", items.len(), MAX_ARRAY_LEN)?;
        out.put_i16(items.len() as i16);
    }
    for item in items {
        write_value(out, ty, item)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::reader::Reader;
    use crate::wire::value::read_param;

    /// The inline untyped paths of `write_param` write what its general
    /// path writes, and fail as it fails (leaving `out` as it was).
    #[test]
    fn untyped_params_as_the_general_path_writes_them() {
        let long = "x".repeat(MAX_VALUE_LENGTH + 1);
        let values = [
            Value::from(""),
            Value::from("key-000001"),
            Value::from("日本語"),
            Value::String(long),
            Value::Integer(0),
            Value::Integer(i32::MIN),
            Value::Integer(i32::MIN + 1),
            Value::Integer(i32::MAX),
            Value::BigInt(-1),
            Value::BigInt(i64::MIN),
            Value::BigInt(i64::MIN + 1),
            Value::BigInt(i64::MAX),
            Value::Null,
            Value::TypedNull(VoltType::String),
        ];
        for v in &values {
            let (mut fast, mut general) = (vec![7], vec![7]);
            let r = write_param(&mut fast, None, v);
            assert_eq!(r, write_param_general(&mut general, None, v), "{v:?}");
            assert_eq!(fast, general, "{v:?}");
            if r.is_err() {
                assert_eq!(fast, [7], "{v:?}");
            }
        }
    }

    fn param(declared: Option<VoltType>, v: Value) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::new();
        write_param(&mut out, declared, &v).map(|_| out)
    }

    #[test]
    fn integer_ranges() {
        assert_eq!(
            param(Some(VoltType::TinyInt), Value::BigInt(127)).unwrap(),
            [3, 0x7f]
        );
        assert!(matches!(
            param(Some(VoltType::TinyInt), Value::BigInt(128)),
            Err(EncodeError::OutOfRange { .. })
        ));
        assert_eq!(
            param(Some(VoltType::TinyInt), Value::BigInt(-128)),
            Err(EncodeError::NullSentinel(VoltType::TinyInt))
        );
        assert_eq!(
            param(Some(VoltType::Integer), Value::Null).unwrap(),
            [5, 0x80, 0, 0, 0]
        );
        assert_eq!(param(None, Value::Null).unwrap(), [1]);
    }

    #[test]
    fn failed_param_leaves_buffer() {
        let mut out = vec![9];
        let v = Value::Array(
            VoltType::Integer,
            vec![Value::Integer(1), Value::String("x".into())],
        );
        assert!(write_param(&mut out, None, &v).is_err());
        assert_eq!(out, [9]);
    }

    #[test]
    fn param_round_trip() {
        for v in [
            Value::from(5i64),
            Value::from("héllo"),
            Value::from(vec![1i32, 2, 3]),
            Value::Array(VoltType::Integer, vec![]),
            Value::TinyIntArray(vec![1, 2, 255]),
            Value::from(Decimal::from_i64(-3)),
            Value::Null,
            Value::TypedNull(VoltType::String),
        ] {
            let bytes = param(None, v.clone()).unwrap();
            let back = read_param(&mut Reader::new(&bytes)).unwrap();
            assert_eq!(back, v);
        }
    }
}
