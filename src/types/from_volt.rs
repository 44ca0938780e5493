//! [`FromVolt`]: one cell (its [`RawCell`]) to a Rust type.

use crate::error::ConversionError;
use crate::wire::decimal::Decimal;
use crate::wire::geo::{Geography, GeographyPoint};
use crate::wire::timestamp::{Date, Timestamp};
use crate::wire::types::VoltType;
use crate::wire::value::{RawCell, Value, ValueRef};

/// Conversion from a cell to a Rust type (like `postgres_types::FromSql`):
/// each type decodes the cell's wire bytes itself.
///
/// Integers widen freely and narrow only when the value fits; NULL converts
/// only into `Option<T>` (or [`Value`]/[`ValueRef`]).
///
/// An implementation for your own type usually converts what a type of
/// this crate gives:
///
/// ```
/// use voltdb::{ConversionError, FromVolt, RawCell, Value, VoltColumn, VoltTable, VoltType};
/// struct Cents(i64);
/// impl<'a> FromVolt<'a> for Cents {
///     fn accepts(ty: VoltType) -> bool {
///         i64::accepts(ty)
///     }
///     fn from_volt(cell: RawCell<'a>) -> Result<Self, ConversionError> {
///         i64::from_volt(cell).map(Cents)
///     }
/// }
/// let mut b = VoltTable::builder(vec![VoltColumn::new("PRICE", VoltType::Integer)]);
/// b.add_row(&[Value::from(250)]).unwrap();
/// b.add_row(&[Value::Null]).unwrap();
/// let t = b.build();
/// assert_eq!(t.row(0).unwrap().get::<Cents>(0).unwrap().0, 250);
/// assert!(t.row(1).unwrap().get::<Cents>(0).is_err()); // NULL
/// assert!(t.row(1).unwrap().get::<Option<Cents>>(0).unwrap().is_none());
/// assert!(i64::accepts(VoltType::Integer));
/// assert!(!i64::accepts(VoltType::String));
/// ```
pub trait FromVolt<'a>: Sized {
    /// Whether cells of column type `ty` can convert to `Self` (a value
    /// may still fail: NULL, or a number that does not fit); when not,
    /// [`from_volt`](Self::from_volt) fails on every cell of that type.
    /// Tuples check it for each column in
    /// [`FromRow::accepts`](crate::FromRow::accepts).
    fn accepts(ty: VoltType) -> bool;

    /// Converts a non-NULL cell; a cell of a type [`accepts`](Self::accepts)
    /// refuses is [`ConversionError::WrongType`]. Errors carry column 0;
    /// row getters fill in the real index.
    fn from_volt(cell: RawCell<'a>) -> Result<Self, ConversionError>;

    /// Converts a NULL of column type `ty`: by default
    /// [`ConversionError::UnexpectedNull`] (`Option<T>` gives `None`).
    #[inline]
    fn from_null(ty: VoltType) -> Result<Self, ConversionError> {
        let _ = ty;
        Err(ConversionError::UnexpectedNull { column: 0 })
    }
}

/// A cell (`None`: a NULL of type `ty`) converted to `T`.
#[inline]
pub(crate) fn from_cell<'a, T: FromVolt<'a>>(
    ty: VoltType,
    cell: Option<RawCell<'a>>,
) -> Result<T, ConversionError> {
    match cell {
        Some(cell) => T::from_volt(cell),
        None => T::from_null(ty),
    }
}

/// The error for a cell of a type `target` does not take.
#[cold]
fn wrong<T>(cell: &RawCell<'_>, target: &'static str) -> Result<T, ConversionError> {
    Err(ConversionError::WrongType {
        column: 0,
        ty: cell.ty(),
        target,
    })
}

#[inline]
fn is_int(ty: VoltType) -> bool {
    matches!(
        ty,
        VoltType::TinyInt | VoltType::SmallInt | VoltType::Integer | VoltType::BigInt
    )
}

/// `FromVolt` for integer types: any integer column, when the value fits.
macro_rules! from_volt_int {
    ($($t:ty),*) => {$(
        impl<'a> FromVolt<'a> for $t {
            #[inline]
            fn accepts(ty: VoltType) -> bool {
                is_int(ty)
            }

            #[inline]
            fn from_volt(cell: RawCell<'a>) -> Result<$t, ConversionError> {
                match cell.int() {
                    Some(i) => <$t>::try_from(i).map_err(|_| ConversionError::Overflow {
                        column: 0,
                        target: stringify!($t),
                    }),
                    None => wrong(&cell, stringify!($t)),
                }
            }
        }
    )*};
}

from_volt_int!(i8, i16, i32, i64, u8, u16, u32, u64, usize, isize, i128);

impl<'a> FromVolt<'a> for f64 {
    #[inline]
    fn accepts(ty: VoltType) -> bool {
        matches!(ty, VoltType::Float | VoltType::Decimal) || is_int(ty)
    }

    #[inline]
    fn from_volt(cell: RawCell<'a>) -> Result<f64, ConversionError> {
        if let Some(f) = cell.float() {
            return Ok(f);
        }
        if let Some(d) = cell.decimal() {
            return Ok(d.to_f64());
        }
        match cell.int() {
            // Only integers a double holds exactly.
            Some(i) if (i as f64) as i128 == i as i128 => Ok(i as f64),
            Some(_) => Err(ConversionError::Overflow {
                column: 0,
                target: "f64",
            }),
            None => wrong(&cell, "f64"),
        }
    }
}

impl<'a> FromVolt<'a> for bool {
    #[inline]
    fn accepts(ty: VoltType) -> bool {
        ty == VoltType::Boolean || is_int(ty)
    }

    #[inline]
    fn from_volt(cell: RawCell<'a>) -> Result<bool, ConversionError> {
        if let Some(b) = cell.boolean() {
            return Ok(b);
        }
        match cell.int() {
            Some(0) => Ok(false),
            Some(1) => Ok(true),
            Some(_) => Err(ConversionError::Overflow {
                column: 0,
                target: "bool",
            }),
            None => wrong(&cell, "bool"),
        }
    }
}

impl<'a> FromVolt<'a> for &'a str {
    #[inline]
    fn accepts(ty: VoltType) -> bool {
        ty == VoltType::String
    }

    #[inline]
    fn from_volt(cell: RawCell<'a>) -> Result<&'a str, ConversionError> {
        match cell.as_str() {
            Some(s) => Ok(s),
            None => wrong(&cell, "&str"),
        }
    }
}

impl<'a> FromVolt<'a> for String {
    #[inline]
    fn accepts(ty: VoltType) -> bool {
        ty == VoltType::String
    }

    #[inline]
    fn from_volt(cell: RawCell<'a>) -> Result<String, ConversionError> {
        match cell.as_str() {
            Some(s) => Ok(s.to_owned()),
            None => wrong(&cell, "String"),
        }
    }
}

impl<'a> FromVolt<'a> for &'a [u8] {
    #[inline]
    fn accepts(ty: VoltType) -> bool {
        matches!(ty, VoltType::Varbinary | VoltType::String)
    }

    #[inline]
    fn from_volt(cell: RawCell<'a>) -> Result<&'a [u8], ConversionError> {
        if Self::accepts(cell.ty()) {
            Ok(cell.bytes())
        } else {
            wrong(&cell, "&[u8]")
        }
    }
}

impl<'a> FromVolt<'a> for Vec<u8> {
    #[inline]
    fn accepts(ty: VoltType) -> bool {
        <&[u8]>::accepts(ty)
    }

    #[inline]
    fn from_volt(cell: RawCell<'a>) -> Result<Vec<u8>, ConversionError> {
        <&[u8]>::from_volt(cell).map(<[u8]>::to_vec)
    }
}

impl<'a> FromVolt<'a> for Decimal {
    #[inline]
    fn accepts(ty: VoltType) -> bool {
        ty == VoltType::Decimal || is_int(ty)
    }

    #[inline]
    fn from_volt(cell: RawCell<'a>) -> Result<Decimal, ConversionError> {
        if let Some(d) = cell.decimal() {
            return Ok(d);
        }
        match cell.int() {
            Some(i) => Ok(Decimal::from_i64(i)),
            None => wrong(&cell, "Decimal"),
        }
    }
}

impl<'a> FromVolt<'a> for rust_decimal::Decimal {
    #[inline]
    fn accepts(ty: VoltType) -> bool {
        Decimal::accepts(ty)
    }

    #[inline]
    fn from_volt(cell: RawCell<'a>) -> Result<rust_decimal::Decimal, ConversionError> {
        let d = Decimal::from_volt(cell)?;
        rust_decimal::Decimal::try_from(d).map_err(|_| ConversionError::Overflow {
            column: 0,
            target: "rust_decimal::Decimal",
        })
    }
}

/// `FromVolt` for the types one column type converts to, read by a
/// [`RawCell`] reader of that type.
macro_rules! from_volt_one {
    ($($t:ty: $ty:ident by $read:ident),* $(,)?) => {$(
        impl<'a> FromVolt<'a> for $t {
            #[inline]
            fn accepts(ty: VoltType) -> bool {
                ty == VoltType::$ty
            }

            #[inline]
            fn from_volt(cell: RawCell<'a>) -> Result<$t, ConversionError> {
                match cell.$read() {
                    Some(v) => Ok(v),
                    None => wrong(&cell, stringify!($t)),
                }
            }
        }
    )*};
}

from_volt_one!(
    Timestamp: Timestamp by timestamp,
    Date: Date by date,
    GeographyPoint: GeographyPoint by point,
);

impl<'a> FromVolt<'a> for std::time::SystemTime {
    #[inline]
    fn accepts(ty: VoltType) -> bool {
        Timestamp::accepts(ty)
    }

    #[inline]
    fn from_volt(cell: RawCell<'a>) -> Result<std::time::SystemTime, ConversionError> {
        Timestamp::from_volt(cell).map(Timestamp::to_system_time)
    }
}

impl<'a> FromVolt<'a> for Geography {
    #[inline]
    fn accepts(ty: VoltType) -> bool {
        ty == VoltType::Geography
    }

    #[inline]
    fn from_volt(cell: RawCell<'a>) -> Result<Geography, ConversionError> {
        if !Self::accepts(cell.ty()) {
            return wrong(&cell, "Geography");
        }
        Geography::decode_body(cell.bytes())
            .map_err(|problem| ConversionError::Malformed { column: 0, problem })
    }
}

impl<'a> FromVolt<'a> for ValueRef<'a> {
    /// Every type.
    #[inline]
    fn accepts(_: VoltType) -> bool {
        true
    }

    #[inline]
    fn from_volt(cell: RawCell<'a>) -> Result<ValueRef<'a>, ConversionError> {
        Ok(ValueRef::from_raw(cell))
    }

    #[inline]
    fn from_null(ty: VoltType) -> Result<ValueRef<'a>, ConversionError> {
        Ok(ValueRef::Null(ty))
    }
}

impl<'a> FromVolt<'a> for Value {
    /// Every type.
    #[inline]
    fn accepts(_: VoltType) -> bool {
        true
    }

    #[inline]
    fn from_volt(cell: RawCell<'a>) -> Result<Value, ConversionError> {
        ValueRef::from_raw(cell)
            .to_value()
            .map_err(|problem| ConversionError::Malformed { column: 0, problem })
    }

    #[inline]
    fn from_null(ty: VoltType) -> Result<Value, ConversionError> {
        Ok(Value::TypedNull(ty))
    }
}

impl<'a, T: FromVolt<'a>> FromVolt<'a> for Option<T> {
    #[inline]
    fn accepts(ty: VoltType) -> bool {
        T::accepts(ty)
    }

    #[inline]
    fn from_volt(cell: RawCell<'a>) -> Result<Option<T>, ConversionError> {
        T::from_volt(cell).map(Some)
    }

    #[inline]
    fn from_null(_: VoltType) -> Result<Option<T>, ConversionError> {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::reader::Reader;
    use crate::wire::value::{read_raw, write_value};

    /// A value of every type (and a NULL), encoded as a cell.
    fn samples() -> Vec<(VoltType, Vec<u8>)> {
        let values = [
            (VoltType::BigInt, Value::Null),
            (VoltType::TinyInt, Value::TinyInt(5)),
            (VoltType::SmallInt, Value::SmallInt(-300)),
            (VoltType::Integer, Value::Integer(70_000)),
            (VoltType::BigInt, Value::BigInt(i64::MAX)),
            (VoltType::Float, Value::Float(2.5)),
            (VoltType::String, Value::from("x")),
            (VoltType::Varbinary, Value::from(&b"\x01\x02"[..])),
            (
                VoltType::Timestamp,
                Value::Timestamp(Timestamp::from_micros(7)),
            ),
            (VoltType::Date, Value::Date(Date::from_packed(0))),
            (VoltType::Decimal, Value::Decimal(Decimal::from_i64(3))),
            (VoltType::Boolean, Value::Boolean(true)),
            (
                VoltType::GeographyPoint,
                Value::GeographyPoint(GeographyPoint::new(1.0, 2.0)),
            ),
        ];
        let mut cells: Vec<(VoltType, Vec<u8>)> = values
            .iter()
            .map(|(ty, v)| {
                let mut out = Vec::new();
                write_value(&mut out, *ty, v).unwrap();
                (*ty, out)
            })
            .collect();
        // An empty GEOGRAPHY body (length 0).
        cells.push((VoltType::Geography, vec![0, 0, 0, 0]));
        cells
    }

    /// `accepts(ty)` is false exactly when `from_volt` refuses every
    /// non-NULL value of type `ty` as the wrong type.
    fn accepts_agrees_with_from_volt<T: for<'a> FromVolt<'a>>() {
        for (ty, bytes) in samples() {
            let cell = read_raw(&mut Reader::new(&bytes), ty).unwrap();
            match cell {
                Some(cell) => {
                    let wrong_type =
                        matches!(T::from_volt(cell), Err(ConversionError::WrongType { .. }));
                    assert_eq!(
                        T::accepts(ty),
                        !wrong_type,
                        "{} from {cell:?}",
                        std::any::type_name::<T>()
                    );
                }
                None => assert!(T::from_null(ty).is_err() || T::accepts(ty)),
            }
        }
    }

    /// [`accepts_agrees_with_from_volt`] for types that borrow from the cell.
    fn borrowed_accepts_agrees<'a, T: FromVolt<'a>>(samples: &'a [(VoltType, Vec<u8>)]) {
        for (ty, bytes) in samples {
            if let Some(cell) = read_raw(&mut Reader::new(bytes), *ty).unwrap() {
                let wrong_type =
                    matches!(T::from_volt(cell), Err(ConversionError::WrongType { .. }));
                assert_eq!(
                    T::accepts(*ty),
                    !wrong_type,
                    "{}",
                    std::any::type_name::<T>()
                );
            }
        }
    }

    #[test]
    fn accepts_is_what_from_volt_takes() {
        accepts_agrees_with_from_volt::<i8>();
        accepts_agrees_with_from_volt::<i16>();
        accepts_agrees_with_from_volt::<i32>();
        accepts_agrees_with_from_volt::<i64>();
        accepts_agrees_with_from_volt::<u64>();
        accepts_agrees_with_from_volt::<i128>();
        accepts_agrees_with_from_volt::<f64>();
        accepts_agrees_with_from_volt::<bool>();
        accepts_agrees_with_from_volt::<String>();
        accepts_agrees_with_from_volt::<Vec<u8>>();
        accepts_agrees_with_from_volt::<Decimal>();
        accepts_agrees_with_from_volt::<rust_decimal::Decimal>();
        accepts_agrees_with_from_volt::<Timestamp>();
        accepts_agrees_with_from_volt::<std::time::SystemTime>();
        accepts_agrees_with_from_volt::<Date>();
        accepts_agrees_with_from_volt::<GeographyPoint>();
        accepts_agrees_with_from_volt::<Value>();
        accepts_agrees_with_from_volt::<Option<i64>>();
        let samples = samples();
        borrowed_accepts_agrees::<&str>(&samples);
        borrowed_accepts_agrees::<&[u8]>(&samples);
        borrowed_accepts_agrees::<ValueRef<'_>>(&samples);
        borrowed_accepts_agrees::<Option<&str>>(&samples);
    }
}
