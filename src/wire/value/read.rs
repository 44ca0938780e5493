//! Decoding values: table cells as [`ValueRef`]s, parameters as
//! [`Value`]s, and skipping a value's bytes.

use crate::error::ProtocolError;
use crate::wire::reader::Reader;
use crate::wire::table::VoltTable;
use crate::wire::types::{VoltType, ARRAY_MARKER};
use crate::wire::value::{read_raw, Value, ValueRef};

/// Reads one bare value of type `ty` (a table cell, or a parameter after its
/// type byte). Sentinels decode as [`ValueRef::Null`].
#[inline]
pub fn read_value<'a>(r: &mut Reader<'a>, ty: VoltType) -> Result<ValueRef<'a>, ProtocolError> {
    Ok(read_raw(r, ty)?.map_or(ValueRef::Null(ty), ValueRef::from_raw))
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

/// Reads one parameter (docs/protocol.md#parameter-sets): the inverse of [`write_param`](super::write_param). Used by the
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
