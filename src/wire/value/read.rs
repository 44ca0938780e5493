//! Decoding values: table cells as [`ValueRef`]s, parameters as
//! [`Value`]s, and skipping a value's bytes.

use crate::error::ProtocolError;
use crate::wire::decimal::Decimal;
use crate::wire::geo::GeographyPoint;
use crate::wire::reader::Reader;
use crate::wire::table::VoltTable;
use crate::wire::timestamp::{Date, Timestamp};
use crate::wire::types::{null, VoltType, ARRAY_MARKER};
use crate::wire::value::{Value, ValueRef};

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

/// Reads one parameter (§3.5): the inverse of [`write_param`](super::write_param). Used by the
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
