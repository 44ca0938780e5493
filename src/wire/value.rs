//! Values: the [`Value`] enum (owned, for parameters), [`ValueRef`] (borrowed,
//! for table cells), and the encoding and decoding of every Volt type
//! (PROTOCOL.md §4).

use crate::error::{EncodeError, ProtocolError};
use crate::wire::decimal::Decimal;
use crate::wire::geo::{Geography, GeographyPoint, NULL_COORD};
use crate::wire::reader::Reader;
use crate::wire::table::VoltTable;
use crate::wire::timestamp::{Date, Timestamp};
use crate::wire::types::{null, VoltType, ARRAY_MARKER, MAX_VALUE_LENGTH};
use crate::wire::writer::WireWrite;

/// The largest element count of an array parameter other than TINYINT.
pub const MAX_ARRAY_LEN: usize = i16::MAX as usize;

/// A value that carries its Volt type: a procedure parameter, or an owned cell.
///
/// Build values with `From`: `Value::from(5i64)` is a BIGINT, `Value::from("x")`
/// a STRING, `Value::from(None::<i32>)` an untyped NULL.
///
/// ```
/// use voltdb::{Value, VoltType};
/// assert_eq!(Value::from(5i64).volt_type(), VoltType::BigInt);
/// assert_eq!(Value::from(vec![1i32, 2, 3]).volt_type(), VoltType::Integer);
/// assert!(Value::from(None::<i32>).is_null());
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Value {
    /// Untyped NULL (wire type `01`). As a parameter with a declared type it
    /// becomes that type's NULL.
    Null,
    /// A NULL of a given type (the type's sentinel on the wire).
    TypedNull(VoltType),
    /// TINYINT.
    TinyInt(i8),
    /// SMALLINT.
    SmallInt(i16),
    /// INTEGER.
    Integer(i32),
    /// BIGINT.
    BigInt(i64),
    /// FLOAT.
    Float(f64),
    /// STRING / VARCHAR.
    String(String),
    /// VARBINARY.
    Varbinary(Vec<u8>),
    /// TIMESTAMP.
    Timestamp(Timestamp),
    /// DATE (newer servers only).
    Date(Date),
    /// DECIMAL.
    Decimal(Decimal),
    /// BOOLEAN (parameter only).
    Boolean(bool),
    /// GEOGRAPHY_POINT.
    GeographyPoint(GeographyPoint),
    /// GEOGRAPHY.
    Geography(Geography),
    /// A VoltTable (parameter only).
    Table(VoltTable),
    /// An array parameter of the given element type; elements are values of
    /// that type (or NULLs).
    Array(VoltType, Vec<Value>),
    /// A TINYINT array given as raw bytes (sent with an `i32` count, §4.3).
    TinyIntArray(Vec<u8>),
}

impl Value {
    /// The Volt type of this value (the element type for arrays).
    pub fn volt_type(&self) -> VoltType {
        match self {
            Value::Null => VoltType::Null,
            Value::TypedNull(t) => *t,
            Value::TinyInt(_) => VoltType::TinyInt,
            Value::SmallInt(_) => VoltType::SmallInt,
            Value::Integer(_) => VoltType::Integer,
            Value::BigInt(_) => VoltType::BigInt,
            Value::Float(_) => VoltType::Float,
            Value::String(_) => VoltType::String,
            Value::Varbinary(_) => VoltType::Varbinary,
            Value::Timestamp(_) => VoltType::Timestamp,
            Value::Date(_) => VoltType::Date,
            Value::Decimal(_) => VoltType::Decimal,
            Value::Boolean(_) => VoltType::Boolean,
            Value::GeographyPoint(_) => VoltType::GeographyPoint,
            Value::Geography(_) => VoltType::Geography,
            Value::Table(_) => VoltType::Table,
            Value::Array(t, _) => *t,
            Value::TinyIntArray(_) => VoltType::TinyInt,
        }
    }

    /// True for NULL, typed or not.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null | Value::TypedNull(_))
    }

    /// True for array parameters.
    pub fn is_array(&self) -> bool {
        matches!(self, Value::Array(..) | Value::TinyIntArray(_))
    }

    fn kind(&self) -> &'static str {
        match self {
            Value::Null | Value::TypedNull(_) => "NULL",
            Value::TinyInt(_) | Value::SmallInt(_) | Value::Integer(_) | Value::BigInt(_) => {
                "integer"
            }
            Value::Float(_) => "float",
            Value::String(_) => "string",
            Value::Varbinary(_) => "binary",
            Value::Timestamp(_) => "timestamp",
            Value::Date(_) => "date",
            Value::Decimal(_) => "decimal",
            Value::Boolean(_) => "boolean",
            Value::GeographyPoint(_) => "point",
            Value::Geography(_) => "geography",
            Value::Table(_) => "table",
            Value::Array(..) | Value::TinyIntArray(_) => "array",
        }
    }

    fn as_i128(&self) -> Option<i128> {
        match self {
            Value::TinyInt(v) => Some(*v as i128),
            Value::SmallInt(v) => Some(*v as i128),
            Value::Integer(v) => Some(*v as i128),
            Value::BigInt(v) => Some(*v as i128),
            Value::Boolean(b) => Some(*b as i128),
            _ => None,
        }
    }
}

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

/// Writes one parameter (§3.5): type byte and value, or `9d`, element type
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

/// A borrowed, decoded cell: what a table row hands out without allocating.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueRef<'a> {
    /// NULL of the column's type.
    Null(VoltType),
    /// TINYINT.
    TinyInt(i8),
    /// SMALLINT.
    SmallInt(i16),
    /// INTEGER.
    Integer(i32),
    /// BIGINT.
    BigInt(i64),
    /// FLOAT.
    Float(f64),
    /// STRING (validated UTF-8).
    String(&'a str),
    /// VARBINARY.
    Varbinary(&'a [u8]),
    /// TIMESTAMP.
    Timestamp(Timestamp),
    /// DATE.
    Date(Date),
    /// DECIMAL.
    Decimal(Decimal),
    /// BOOLEAN.
    Boolean(bool),
    /// GEOGRAPHY_POINT.
    GeographyPoint(GeographyPoint),
    /// GEOGRAPHY, as its encoded body (decode with [`Geography::decode_body`]).
    Geography(&'a [u8]),
}

impl<'a> ValueRef<'a> {
    /// The Volt type.
    pub fn volt_type(&self) -> VoltType {
        match self {
            ValueRef::Null(t) => *t,
            ValueRef::TinyInt(_) => VoltType::TinyInt,
            ValueRef::SmallInt(_) => VoltType::SmallInt,
            ValueRef::Integer(_) => VoltType::Integer,
            ValueRef::BigInt(_) => VoltType::BigInt,
            ValueRef::Float(_) => VoltType::Float,
            ValueRef::String(_) => VoltType::String,
            ValueRef::Varbinary(_) => VoltType::Varbinary,
            ValueRef::Timestamp(_) => VoltType::Timestamp,
            ValueRef::Date(_) => VoltType::Date,
            ValueRef::Decimal(_) => VoltType::Decimal,
            ValueRef::Boolean(_) => VoltType::Boolean,
            ValueRef::GeographyPoint(_) => VoltType::GeographyPoint,
            ValueRef::Geography(_) => VoltType::Geography,
        }
    }

    /// True for NULL.
    pub fn is_null(&self) -> bool {
        matches!(self, ValueRef::Null(_))
    }

    /// An owned copy.
    pub fn to_value(&self) -> Result<Value, ProtocolError> {
        Ok(match *self {
            ValueRef::Null(t) => Value::TypedNull(t),
            ValueRef::TinyInt(v) => Value::TinyInt(v),
            ValueRef::SmallInt(v) => Value::SmallInt(v),
            ValueRef::Integer(v) => Value::Integer(v),
            ValueRef::BigInt(v) => Value::BigInt(v),
            ValueRef::Float(v) => Value::Float(v),
            ValueRef::String(s) => Value::String(s.to_owned()),
            ValueRef::Varbinary(b) => Value::Varbinary(b.to_vec()),
            ValueRef::Timestamp(t) => Value::Timestamp(t),
            ValueRef::Date(d) => Value::Date(d),
            ValueRef::Decimal(d) => Value::Decimal(d),
            ValueRef::Boolean(b) => Value::Boolean(b),
            ValueRef::GeographyPoint(p) => Value::GeographyPoint(p),
            ValueRef::Geography(b) => Value::Geography(Geography::decode_body(b)?),
        })
    }
}

impl<'a> From<&'a Value> for ValueRef<'a> {
    /// Borrowed view of an owned value (tables and arrays show as NULL of their type;
    /// they have no cell form).
    fn from(v: &'a Value) -> ValueRef<'a> {
        match v {
            Value::Null => ValueRef::Null(VoltType::Null),
            Value::TypedNull(t) => ValueRef::Null(*t),
            Value::TinyInt(x) => ValueRef::TinyInt(*x),
            Value::SmallInt(x) => ValueRef::SmallInt(*x),
            Value::Integer(x) => ValueRef::Integer(*x),
            Value::BigInt(x) => ValueRef::BigInt(*x),
            Value::Float(x) => ValueRef::Float(*x),
            Value::String(s) => ValueRef::String(s),
            Value::Varbinary(b) | Value::TinyIntArray(b) => ValueRef::Varbinary(b),
            Value::Timestamp(t) => ValueRef::Timestamp(*t),
            Value::Date(d) => ValueRef::Date(*d),
            Value::Decimal(d) => ValueRef::Decimal(*d),
            Value::Boolean(b) => ValueRef::Boolean(*b),
            Value::GeographyPoint(p) => ValueRef::GeographyPoint(*p),
            Value::Geography(_) | Value::Table(_) | Value::Array(..) => {
                ValueRef::Null(v.volt_type())
            }
        }
    }
}

/// Reads one bare value of type `ty` (a table cell, or a parameter after its
/// type byte). Sentinels decode as [`ValueRef::Null`].
#[inline(always)]
pub fn read_value<'a>(r: &mut Reader<'a>, ty: VoltType) -> Result<ValueRef<'a>, ProtocolError> {
    Ok(match ty {
        VoltType::Null => ValueRef::Null(VoltType::Null),
        VoltType::TinyInt => match r.read_i8("TINYINT")? {
            null::TINYINT => ValueRef::Null(ty),
            v => ValueRef::TinyInt(v),
        },
        VoltType::SmallInt => match r.read_i16("SMALLINT")? {
            null::SMALLINT => ValueRef::Null(ty),
            v => ValueRef::SmallInt(v),
        },
        VoltType::Integer => match r.read_i32("INTEGER")? {
            null::INTEGER => ValueRef::Null(ty),
            v => ValueRef::Integer(v),
        },
        VoltType::BigInt => match r.read_i64("BIGINT")? {
            null::BIGINT => ValueRef::Null(ty),
            v => ValueRef::BigInt(v),
        },
        VoltType::Timestamp => match r.read_i64("TIMESTAMP")? {
            null::TIMESTAMP => ValueRef::Null(ty),
            v => ValueRef::Timestamp(Timestamp::from_micros(v)),
        },
        VoltType::Date => match r.read_i32("DATE")? {
            null::DATE => ValueRef::Null(ty),
            v => ValueRef::Date(Date::from_packed(v)),
        },
        VoltType::Float => {
            let f = r.read_f64("FLOAT")?;
            if f.to_bits() == null::FLOAT_BITS {
                ValueRef::Null(ty)
            } else {
                ValueRef::Float(f)
            }
        }
        VoltType::Decimal => match r.read_i128("DECIMAL")? {
            null::DECIMAL => ValueRef::Null(ty),
            v => ValueRef::Decimal(Decimal::from_wire(v)),
        },
        VoltType::Boolean => match r.read_u8("BOOLEAN")? {
            0 => ValueRef::Boolean(false),
            1 => ValueRef::Boolean(true),
            _ => ValueRef::Null(ty),
        },
        VoltType::GeographyPoint => {
            let p = GeographyPoint::new(
                r.read_f64("GEOGRAPHY_POINT")?,
                r.read_f64("GEOGRAPHY_POINT")?,
            );
            if p.is_null_sentinel() {
                ValueRef::Null(ty)
            } else {
                ValueRef::GeographyPoint(p)
            }
        }
        VoltType::String => match r.read_str("STRING")? {
            None => ValueRef::Null(ty),
            Some(s) => ValueRef::String(s),
        },
        VoltType::Varbinary => match r.read_bytes("VARBINARY")? {
            None => ValueRef::Null(ty),
            Some(b) => ValueRef::Varbinary(b),
        },
        VoltType::Geography => match r.read_bytes("GEOGRAPHY")? {
            None => ValueRef::Null(ty),
            Some(b) => ValueRef::Geography(b),
        },
        VoltType::Table => {
            return Err(ProtocolError::UnexpectedType {
                ty,
                context: "a table cell",
            })
        }
    })
}

/// Skips one bare value of type `ty`, checking it fits (no UTF-8 or geography
/// validation: that happens when the cell is read). Returns its size.
pub fn skip_value(r: &mut Reader<'_>, ty: VoltType) -> Result<usize, ProtocolError> {
    let start = r.position();
    match ty.fixed_size() {
        Some(n) if ty != VoltType::Null => r.skip(n, ty.name())?,
        Some(_) => {}
        None => {
            if ty == VoltType::Table {
                return Err(ProtocolError::UnexpectedType {
                    ty,
                    context: "a table cell",
                });
            }
            if let Some(n) = r.read_len(ty.name())? {
                r.skip(n, ty.name())?;
            }
        }
    }
    Ok(r.position() - start)
}

/// Reads one parameter (§3.5): the inverse of [`write_param`]. Used by the
/// test server; sentinels come back as [`Value::TypedNull`].
pub fn read_param(r: &mut Reader<'_>) -> Result<Value, ProtocolError> {
    let code = r.read_i8("parameter type")?;
    if code == ARRAY_MARKER {
        let ty = VoltType::from_code(r.read_i8("array element type")?)?;
        return read_array(r, ty);
    }
    let ty = VoltType::from_code(code)?;
    match ty {
        VoltType::Null => Ok(Value::Null),
        VoltType::Table => Ok(Value::Table(read_table_param(r)?)),
        _ => read_value(r, ty)?.to_value(),
    }
}

fn read_table_param(r: &mut Reader<'_>) -> Result<VoltTable, ProtocolError> {
    let total = r.read_size("table length")?;
    r.skip(total, "table")?;
    let end = r.position();
    let bytes = &r.buffer()[end - total - 4..end];
    VoltTable::from_bytes(bytes.to_vec())
}

fn read_array(r: &mut Reader<'_>, ty: VoltType) -> Result<Value, ProtocolError> {
    if ty == VoltType::TinyInt {
        return match r.read_bytes("TINYINT array")? {
            Some(b) => Ok(Value::TinyIntArray(b.to_vec())),
            None => Err(ProtocolError::BadLength {
                what: "TINYINT array count",
                value: -1,
            }),
        };
    }
    let n = r.read_i16("array count")?;
    let min = match ty {
        VoltType::Null | VoltType::Boolean => {
            return Err(ProtocolError::UnexpectedType {
                ty,
                context: "an array",
            })
        }
        t => t.fixed_size().unwrap_or(4),
    };
    let n = r.check_count(n as i64, min, "array count")?;
    // Reserve no more memory than the bytes that remain (a `Value` is much
    // larger than its smallest encoding); a genuine array grows as it decodes.
    let mut items = Vec::with_capacity(n.min(r.remaining() / std::mem::size_of::<Value>()));
    for _ in 0..n {
        items.push(if ty == VoltType::Table {
            Value::Table(read_table_param(r)?)
        } else {
            read_value(r, ty)?.to_value()?
        });
    }
    Ok(Value::Array(ty, items))
}

macro_rules! from_scalar {
    ($($t:ty => $v:ident),* $(,)?) => {$(
        impl From<$t> for Value {
            fn from(x: $t) -> Value { Value::$v(x.into()) }
        }
    )*};
}

from_scalar!(
    i8 => TinyInt, i16 => SmallInt, i32 => Integer, i64 => BigInt, f64 => Float,
    String => String, &str => String, Vec<u8> => Varbinary, &[u8] => Varbinary,
    Timestamp => Timestamp, Date => Date, Decimal => Decimal, bool => Boolean,
    GeographyPoint => GeographyPoint, Geography => Geography, VoltTable => Table,
    std::time::SystemTime => Timestamp,
);

impl<T: Into<Value>> From<Option<T>> for Value {
    /// `None` is an untyped NULL, which takes the declared type when sent.
    fn from(o: Option<T>) -> Value {
        o.map_or(Value::Null, Into::into)
    }
}

macro_rules! from_vec {
    ($($t:ty => $vt:ident),* $(,)?) => {$(
        impl From<Vec<$t>> for Value {
            /// An array parameter.
            fn from(v: Vec<$t>) -> Value {
                Value::Array(VoltType::$vt, v.into_iter().map(Value::from).collect())
            }
        }
    )*};
}

from_vec!(
    i16 => SmallInt, i32 => Integer, i64 => BigInt, f64 => Float, String => String,
    &str => String, Timestamp => Timestamp, Decimal => Decimal,
    GeographyPoint => GeographyPoint, Geography => Geography, Vec<u8> => Varbinary,
    Option<i16> => SmallInt, Option<i32> => Integer, Option<i64> => BigInt,
    Option<f64> => Float, Option<String> => String,
);

impl From<Vec<i8>> for Value {
    /// A TINYINT array.
    fn from(v: Vec<i8>) -> Value {
        Value::TinyIntArray(v.into_iter().map(|b| b as u8).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
