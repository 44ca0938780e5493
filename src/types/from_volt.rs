//! [`FromVolt`]: one cell (a [`ValueRef`]) to a Rust type.

use crate::error::ConversionError;
use crate::wire::decimal::Decimal;
use crate::wire::geo::{Geography, GeographyPoint};
use crate::wire::timestamp::{Date, Timestamp};
use crate::wire::types::VoltType;
use crate::wire::value::{Value, ValueRef};

/// Conversion from a cell to a Rust type (like `postgres_types::FromSql`).
///
/// Integers widen freely and narrow only when the value fits; NULL converts
/// only into `Option<T>` (or [`Value`]/[`ValueRef`]).
///
/// ```
/// use voltdb::{FromVolt, ValueRef, VoltType};
/// assert_eq!(i64::from_volt(ValueRef::TinyInt(5)).unwrap(), 5);
/// assert!(i8::from_volt(ValueRef::BigInt(500)).is_err());
/// assert_eq!(Option::<i64>::from_volt(ValueRef::Null(VoltType::BigInt)).unwrap(), None);
/// assert!(i64::accepts(VoltType::Integer));
/// assert!(!i64::accepts(VoltType::String));
/// ```
pub trait FromVolt<'a>: Sized {
    /// Converts a cell. Errors carry column 0; row getters fill in the real index.
    fn from_volt(v: ValueRef<'a>) -> Result<Self, ConversionError>;

    /// Whether cells of column type `ty` can convert to `Self` (a value
    /// may still fail: NULL, or a number that does not fit); when not,
    /// [`from_volt`](Self::from_volt) fails on every value of that type
    /// but NULL. Tuples check it for each column in
    /// [`FromRow::accepts`](crate::FromRow::accepts). The default takes
    /// every type.
    fn accepts(ty: VoltType) -> bool {
        let _ = ty;
        true
    }
}

/// The error for a value of a type `target` does not take (or NULL).
#[cold]
fn wrong<T>(v: &ValueRef<'_>, target: &'static str) -> Result<T, ConversionError> {
    if v.is_null() {
        return Err(ConversionError::UnexpectedNull { column: 0 });
    }
    Err(ConversionError::WrongType {
        column: 0,
        ty: v.volt_type(),
        target,
    })
}

#[inline]
fn int_of(v: &ValueRef<'_>) -> Option<i64> {
    match *v {
        ValueRef::TinyInt(x) => Some(x as i64),
        ValueRef::SmallInt(x) => Some(x as i64),
        ValueRef::Integer(x) => Some(x as i64),
        ValueRef::BigInt(x) => Some(x),
        _ => None,
    }
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
            fn from_volt(v: ValueRef<'a>) -> Result<$t, ConversionError> {
                match int_of(&v) {
                    Some(i) => <$t>::try_from(i).map_err(|_| ConversionError::Overflow {
                        column: 0,
                        target: stringify!($t),
                    }),
                    None => wrong(&v, stringify!($t)),
                }
            }

            fn accepts(ty: VoltType) -> bool {
                is_int(ty)
            }
        }
    )*};
}

from_volt_int!(i8, i16, i32, i64, u8, u16, u32, u64, usize, isize, i128);

impl<'a> FromVolt<'a> for f64 {
    #[inline]
    fn from_volt(v: ValueRef<'a>) -> Result<f64, ConversionError> {
        match v {
            ValueRef::Float(f) => Ok(f),
            ValueRef::Decimal(d) => Ok(d.to_f64()),
            ref o => match int_of(o) {
                // Only integers a double holds exactly.
                Some(i) if (i as f64) as i128 == i as i128 => Ok(i as f64),
                Some(_) => Err(ConversionError::Overflow {
                    column: 0,
                    target: "f64",
                }),
                None => wrong(o, "f64"),
            },
        }
    }

    fn accepts(ty: VoltType) -> bool {
        matches!(ty, VoltType::Float | VoltType::Decimal) || is_int(ty)
    }
}

impl<'a> FromVolt<'a> for bool {
    #[inline]
    fn from_volt(v: ValueRef<'a>) -> Result<bool, ConversionError> {
        match v {
            ValueRef::Boolean(b) => Ok(b),
            ref o => match int_of(o) {
                Some(0) => Ok(false),
                Some(1) => Ok(true),
                Some(_) => Err(ConversionError::Overflow {
                    column: 0,
                    target: "bool",
                }),
                None => wrong(o, "bool"),
            },
        }
    }

    fn accepts(ty: VoltType) -> bool {
        ty == VoltType::Boolean || is_int(ty)
    }
}

impl<'a> FromVolt<'a> for &'a str {
    #[inline]
    fn from_volt(v: ValueRef<'a>) -> Result<&'a str, ConversionError> {
        match v {
            ValueRef::String(s) => Ok(s),
            ref o => wrong(o, "&str"),
        }
    }

    fn accepts(ty: VoltType) -> bool {
        ty == VoltType::String
    }
}

impl<'a> FromVolt<'a> for String {
    #[inline]
    fn from_volt(v: ValueRef<'a>) -> Result<String, ConversionError> {
        match v {
            ValueRef::String(s) => Ok(s.to_owned()),
            ref o => wrong(o, "String"),
        }
    }

    fn accepts(ty: VoltType) -> bool {
        ty == VoltType::String
    }
}

impl<'a> FromVolt<'a> for &'a [u8] {
    #[inline]
    fn from_volt(v: ValueRef<'a>) -> Result<&'a [u8], ConversionError> {
        match v {
            ValueRef::Varbinary(b) => Ok(b),
            ValueRef::String(s) => Ok(s.as_bytes()),
            ref o => wrong(o, "&[u8]"),
        }
    }

    fn accepts(ty: VoltType) -> bool {
        matches!(ty, VoltType::Varbinary | VoltType::String)
    }
}

impl<'a> FromVolt<'a> for Vec<u8> {
    #[inline]
    fn from_volt(v: ValueRef<'a>) -> Result<Vec<u8>, ConversionError> {
        <&[u8]>::from_volt(v).map(<[u8]>::to_vec)
    }

    fn accepts(ty: VoltType) -> bool {
        <&[u8]>::accepts(ty)
    }
}

impl<'a> FromVolt<'a> for Decimal {
    #[inline]
    fn from_volt(v: ValueRef<'a>) -> Result<Decimal, ConversionError> {
        match v {
            ValueRef::Decimal(d) => Ok(d),
            ref o => match int_of(o) {
                Some(i) => Ok(Decimal::from_i64(i)),
                None => wrong(o, "Decimal"),
            },
        }
    }

    fn accepts(ty: VoltType) -> bool {
        ty == VoltType::Decimal || is_int(ty)
    }
}

impl<'a> FromVolt<'a> for rust_decimal::Decimal {
    #[inline]
    fn from_volt(v: ValueRef<'a>) -> Result<rust_decimal::Decimal, ConversionError> {
        let d = Decimal::from_volt(v)?;
        rust_decimal::Decimal::try_from(d).map_err(|_| ConversionError::Overflow {
            column: 0,
            target: "rust_decimal::Decimal",
        })
    }

    fn accepts(ty: VoltType) -> bool {
        Decimal::accepts(ty)
    }
}

impl<'a> FromVolt<'a> for Timestamp {
    #[inline]
    fn from_volt(v: ValueRef<'a>) -> Result<Timestamp, ConversionError> {
        match v {
            ValueRef::Timestamp(t) => Ok(t),
            ref o => wrong(o, "Timestamp"),
        }
    }

    fn accepts(ty: VoltType) -> bool {
        ty == VoltType::Timestamp
    }
}

impl<'a> FromVolt<'a> for std::time::SystemTime {
    #[inline]
    fn from_volt(v: ValueRef<'a>) -> Result<std::time::SystemTime, ConversionError> {
        Timestamp::from_volt(v).map(Timestamp::to_system_time)
    }

    fn accepts(ty: VoltType) -> bool {
        Timestamp::accepts(ty)
    }
}

impl<'a> FromVolt<'a> for Date {
    #[inline]
    fn from_volt(v: ValueRef<'a>) -> Result<Date, ConversionError> {
        match v {
            ValueRef::Date(d) => Ok(d),
            ref o => wrong(o, "Date"),
        }
    }

    fn accepts(ty: VoltType) -> bool {
        ty == VoltType::Date
    }
}

impl<'a> FromVolt<'a> for GeographyPoint {
    #[inline]
    fn from_volt(v: ValueRef<'a>) -> Result<GeographyPoint, ConversionError> {
        match v {
            ValueRef::GeographyPoint(p) => Ok(p),
            ref o => wrong(o, "GeographyPoint"),
        }
    }

    fn accepts(ty: VoltType) -> bool {
        ty == VoltType::GeographyPoint
    }
}

impl<'a> FromVolt<'a> for Geography {
    #[inline]
    fn from_volt(v: ValueRef<'a>) -> Result<Geography, ConversionError> {
        match v {
            ValueRef::Geography(b) => Geography::decode_body(b)
                .map_err(|problem| ConversionError::Malformed { column: 0, problem }),
            ref o => wrong(o, "Geography"),
        }
    }

    fn accepts(ty: VoltType) -> bool {
        ty == VoltType::Geography
    }
}

impl<'a> FromVolt<'a> for ValueRef<'a> {
    #[inline]
    fn from_volt(v: ValueRef<'a>) -> Result<ValueRef<'a>, ConversionError> {
        Ok(v)
    }
}

impl<'a> FromVolt<'a> for Value {
    #[inline]
    fn from_volt(v: ValueRef<'a>) -> Result<Value, ConversionError> {
        v.to_value()
            .map_err(|problem| ConversionError::Malformed { column: 0, problem })
    }
}

impl<'a, T: FromVolt<'a>> FromVolt<'a> for Option<T> {
    #[inline]
    fn from_volt(v: ValueRef<'a>) -> Result<Option<T>, ConversionError> {
        if v.is_null() {
            Ok(None)
        } else {
            T::from_volt(v).map(Some)
        }
    }

    fn accepts(ty: VoltType) -> bool {
        T::accepts(ty)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A value of every type (and NULLs).
    fn samples() -> Vec<ValueRef<'static>> {
        vec![
            ValueRef::Null(VoltType::BigInt),
            ValueRef::TinyInt(5),
            ValueRef::SmallInt(-300),
            ValueRef::Integer(70_000),
            ValueRef::BigInt(i64::MAX),
            ValueRef::Float(2.5),
            ValueRef::String("x"),
            ValueRef::Varbinary(b"\x01\x02"),
            ValueRef::Timestamp(Timestamp::from_micros(7)),
            ValueRef::Date(Date::from_packed(0)),
            ValueRef::Decimal(Decimal::from_i64(3)),
            ValueRef::Boolean(true),
            ValueRef::GeographyPoint(GeographyPoint::new(1.0, 2.0)),
            ValueRef::Geography(b""),
        ]
    }

    /// `accepts(ty)` is false exactly when `from_volt` refuses every
    /// non-NULL value of type `ty` as the wrong type.
    fn accepts_agrees_with_from_volt<T: FromVolt<'static>>() {
        for v in samples() {
            let got = T::from_volt(v.clone());
            let wrong_type = matches!(got, Err(ConversionError::WrongType { .. }));
            if !v.is_null() {
                assert_eq!(
                    T::accepts(v.volt_type()),
                    !wrong_type,
                    "{} from {v:?}",
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
        accepts_agrees_with_from_volt::<&str>();
        accepts_agrees_with_from_volt::<String>();
        accepts_agrees_with_from_volt::<&[u8]>();
        accepts_agrees_with_from_volt::<Vec<u8>>();
        accepts_agrees_with_from_volt::<Decimal>();
        accepts_agrees_with_from_volt::<rust_decimal::Decimal>();
        accepts_agrees_with_from_volt::<Timestamp>();
        accepts_agrees_with_from_volt::<std::time::SystemTime>();
        accepts_agrees_with_from_volt::<Date>();
        accepts_agrees_with_from_volt::<GeographyPoint>();
        accepts_agrees_with_from_volt::<Value>();
        accepts_agrees_with_from_volt::<ValueRef<'static>>();
        accepts_agrees_with_from_volt::<Option<i64>>();
        accepts_agrees_with_from_volt::<Option<&str>>();
    }
}
