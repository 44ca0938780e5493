//! One cell as it is on the wire ([`RawCell`]): read off the bytes with its
//! NULL found ([`read_raw`]), then decoded by the per-type readers here,
//! which [`ValueRef`] and every `FromVolt` conversion share (one decode path).

use crate::error::ProtocolError;
use crate::wire::decimal::Decimal;
use crate::wire::geo::GeographyPoint;
use crate::wire::reader::Reader;
use crate::wire::timestamp::{Date, Timestamp};
use crate::wire::types::{null, VoltType};
use crate::wire::value::ValueRef;

/// A non-NULL cell as it is on the wire: its column's type and its bytes,
/// what `FromVolt::from_volt` converts (like the `raw` bytes of
/// `postgres_types::FromSql::from_sql`).
///
/// A fixed-size cell's bytes are exactly its type's size, big-endian; a
/// STRING, VARBINARY or GEOGRAPHY cell's are those after its length. A
/// STRING cell is valid UTF-8 ([`as_str`](Self::as_str)).
///
/// ```
/// use voltdb::wire::Reader;
/// use voltdb::wire::value::read_raw;
/// use voltdb::VoltType;
/// let cell = read_raw(&mut Reader::new(&[0, 0, 0, 7]), VoltType::Integer).unwrap().unwrap();
/// assert_eq!((cell.ty(), cell.int()), (VoltType::Integer, Some(7)));
/// // NULL is its type's sentinel (or a length of -1): no cell.
/// assert!(read_raw(&mut Reader::new(&[0x80, 0, 0, 0]), VoltType::Integer).unwrap().is_none());
/// ```
#[derive(Debug, Clone, Copy)]
pub struct RawCell<'a> {
    ty: VoltType,
    bytes: &'a [u8],
    /// STRING cells: the same bytes, checked as UTF-8 ("" for the others).
    text: &'a str,
}

impl<'a> RawCell<'a> {
    /// A STRING cell of validated text (a table's kept text, see `Place::text_in`).
    #[inline]
    pub(crate) fn of_str(text: &'a str) -> RawCell<'a> {
        RawCell {
            ty: VoltType::String,
            bytes: text.as_bytes(),
            text,
        }
    }

    /// The cell of fixed-size type `ty` whose bytes are `bytes` (its
    /// size); `None` when they are the type's NULL sentinel.
    #[inline(always)]
    pub(crate) fn fixed(ty: VoltType, bytes: &'a [u8]) -> Option<RawCell<'a>> {
        let cell = RawCell {
            ty,
            bytes,
            text: "",
        };
        (!cell.is_sentinel()).then_some(cell)
    }

    /// The VARBINARY or GEOGRAPHY cell of bytes `bytes`.
    #[inline(always)]
    pub(crate) fn var(ty: VoltType, bytes: &'a [u8]) -> RawCell<'a> {
        RawCell {
            ty,
            bytes,
            text: "",
        }
    }

    /// The column type.
    #[inline]
    pub fn ty(&self) -> VoltType {
        self.ty
    }

    /// The cell's bytes (see [`RawCell`]).
    #[inline]
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The first `N` bytes (all of them for a fixed-size cell of `N`).
    #[inline]
    fn be<const N: usize>(&self) -> Option<[u8; N]> {
        self.bytes.first_chunk::<N>().copied()
    }

    /// A TINYINT, SMALLINT, INTEGER or BIGINT cell's value.
    #[inline]
    pub fn int(&self) -> Option<i64> {
        match self.ty {
            VoltType::TinyInt => Some(i8::from_be_bytes(self.be()?) as i64),
            VoltType::SmallInt => Some(i16::from_be_bytes(self.be()?) as i64),
            VoltType::Integer => Some(i32::from_be_bytes(self.be()?) as i64),
            VoltType::BigInt => Some(i64::from_be_bytes(self.be()?)),
            _ => None,
        }
    }

    /// A FLOAT cell's value.
    #[inline]
    pub fn float(&self) -> Option<f64> {
        match self.ty {
            VoltType::Float => Some(f64::from_be_bytes(self.be()?)),
            _ => None,
        }
    }

    /// A BOOLEAN cell's value.
    #[inline]
    pub fn boolean(&self) -> Option<bool> {
        match self.ty {
            VoltType::Boolean => Some(self.be::<1>()? == [1]),
            _ => None,
        }
    }

    /// A STRING cell's text.
    #[inline]
    pub fn as_str(&self) -> Option<&'a str> {
        (self.ty == VoltType::String).then_some(self.text)
    }

    /// A DECIMAL cell's value.
    #[inline]
    pub fn decimal(&self) -> Option<Decimal> {
        match self.ty {
            VoltType::Decimal => Some(Decimal::from_wire(i128::from_be_bytes(self.be()?))),
            _ => None,
        }
    }

    /// A TIMESTAMP cell's value.
    #[inline]
    pub fn timestamp(&self) -> Option<Timestamp> {
        match self.ty {
            VoltType::Timestamp => Some(Timestamp::from_micros(i64::from_be_bytes(self.be()?))),
            _ => None,
        }
    }

    /// A DATE cell's value.
    #[inline]
    pub fn date(&self) -> Option<Date> {
        match self.ty {
            VoltType::Date => Some(Date::from_packed(i32::from_be_bytes(self.be()?))),
            _ => None,
        }
    }

    /// A GEOGRAPHY_POINT cell's value.
    #[inline]
    pub fn point(&self) -> Option<GeographyPoint> {
        match self.ty {
            VoltType::GeographyPoint => {
                let b = self.be::<16>()?;
                let lng = f64::from_be_bytes(*b.first_chunk::<8>()?);
                let lat = f64::from_be_bytes(*b.last_chunk::<8>()?);
                Some(GeographyPoint::new(lng, lat))
            }
            _ => None,
        }
    }

    /// Whether the bytes are the NULL sentinel of the cell's type.
    #[inline(always)]
    fn is_sentinel(&self) -> bool {
        match self.ty {
            VoltType::TinyInt => self.bytes == null::TINYINT.to_be_bytes(),
            VoltType::SmallInt => self.bytes == null::SMALLINT.to_be_bytes(),
            VoltType::Integer => self.bytes == null::INTEGER.to_be_bytes(),
            VoltType::BigInt => self.bytes == null::BIGINT.to_be_bytes(),
            VoltType::Float => self.bytes == null::FLOAT_BITS.to_be_bytes(),
            VoltType::Timestamp => self.bytes == null::TIMESTAMP.to_be_bytes(),
            VoltType::Date => self.bytes == null::DATE.to_be_bytes(),
            VoltType::Decimal => self.bytes == null::DECIMAL.to_be_bytes(),
            // Any byte but 0 and 1.
            VoltType::Boolean => self.be::<1>().is_some_and(|[b]| b > 1),
            VoltType::GeographyPoint => self.point().is_some_and(|p| p.is_null_sentinel()),
            _ => false,
        }
    }
}

/// Reads the cell of type `ty` at `r` (a table cell, or a parameter after
/// its type byte): `None` for NULL, which is a fixed-size type's sentinel
/// or a length of -1.
#[inline]
pub fn read_raw<'a>(
    r: &mut Reader<'a>,
    ty: VoltType,
) -> Result<Option<RawCell<'a>>, ProtocolError> {
    let what = ty.name();
    let bytes = match ty {
        VoltType::String => return Ok(r.read_str(what)?.map(RawCell::of_str)),
        VoltType::Varbinary | VoltType::Geography => {
            return Ok(r.read_bytes(what)?.map(|b| RawCell::var(ty, b)))
        }
        VoltType::Null => return Ok(None),
        VoltType::Table => {
            return Err(ProtocolError::UnexpectedType {
                ty,
                context: "a table cell",
            })
        }
        // Two coordinates, each its own read (a short cell says which).
        VoltType::GeographyPoint => {
            let start = r.rest();
            r.skip(8, what)?;
            r.skip(8, what)?;
            start.get(..16).unwrap_or_default()
        }
        _ => r.take(ty.fixed_size().unwrap_or_default(), what)?,
    };
    Ok(RawCell::fixed(ty, bytes))
}

impl<'a> ValueRef<'a> {
    /// The value of a non-NULL cell.
    #[inline]
    pub fn from_raw(cell: RawCell<'a>) -> ValueRef<'a> {
        let value = match cell.ty {
            VoltType::TinyInt => cell.int().map(|i| ValueRef::TinyInt(i as i8)),
            VoltType::SmallInt => cell.int().map(|i| ValueRef::SmallInt(i as i16)),
            VoltType::Integer => cell.int().map(|i| ValueRef::Integer(i as i32)),
            VoltType::BigInt => cell.int().map(ValueRef::BigInt),
            VoltType::Float => cell.float().map(ValueRef::Float),
            VoltType::String => cell.as_str().map(ValueRef::String),
            VoltType::Varbinary => Some(ValueRef::Varbinary(cell.bytes)),
            VoltType::Timestamp => cell.timestamp().map(ValueRef::Timestamp),
            VoltType::Date => cell.date().map(ValueRef::Date),
            VoltType::Decimal => cell.decimal().map(ValueRef::Decimal),
            VoltType::Boolean => cell.boolean().map(ValueRef::Boolean),
            VoltType::GeographyPoint => cell.point().map(ValueRef::GeographyPoint),
            VoltType::Geography => Some(ValueRef::Geography(cell.bytes)),
            VoltType::Null | VoltType::Table => None,
        };
        // (Always `Some`: a cell's bytes fit its type.)
        value.unwrap_or(ValueRef::Null(cell.ty))
    }
}
