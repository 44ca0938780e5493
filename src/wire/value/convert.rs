//! Conversions into [`Value`] from more Rust types (unsigned integers widen
//! to the next signed type; `u64`/`usize` are range-checked), and the
//! accessors that read a `Value` back (`as_i64`, `as_str`, ...), for code
//! that receives `&[Value]`, such as a test-server procedure.

use crate::error::EncodeError;
use crate::wire::decimal::Decimal;
use crate::wire::geo::{Geography, GeographyPoint};
use crate::wire::table::VoltTable;
use crate::wire::timestamp::{Date, Timestamp};
use crate::wire::types::VoltType;

use super::Value;

/// `From` for unsigned integers, each into the next wider signed type
/// (VoltDB has no unsigned types), and for `f32`.
macro_rules! from_widening {
    ($($t:ty => $v:ident),* $(,)?) => {$(
        impl From<$t> for Value {
            fn from(x: $t) -> Value { Value::$v(x.into()) }
        }
    )*};
}

from_widening!(u8 => SmallInt, u16 => Integer, u32 => BigInt, f32 => Float);

impl From<&String> for Value {
    fn from(s: &String) -> Value {
        Value::String(s.clone())
    }
}

impl<const N: usize> From<&[u8; N]> for Value {
    /// A VARBINARY, so that `b"bytes"` can be passed directly.
    fn from(b: &[u8; N]) -> Value {
        Value::Varbinary(b.to_vec())
    }
}

/// `TryFrom` for unsigned integers wider than `i64` can always hold:
/// a BIGINT when the value fits, else [`EncodeError::OutOfRange`].
macro_rules! try_from_unsigned {
    ($($t:ty),*) => {$(
        impl TryFrom<$t> for Value {
            type Error = EncodeError;
            fn try_from(x: $t) -> Result<Value, EncodeError> {
                i64::try_from(x).map(Value::BigInt).map_err(|_| EncodeError::OutOfRange {
                    ty: VoltType::BigInt,
                    value: x as i128,
                    // i64::MIN is BIGINT's NULL.
                    min: i64::MIN as i128 + 1,
                    max: i64::MAX as i128,
                })
            }
        }
    )*};
}

try_from_unsigned!(u64, usize);

/// Reading a value back. Each accessor returns `None` for NULL and for a
/// value of another kind; integers of any width read as `i64`.
///
/// ```
/// use voltdb::Value;
/// let params = [Value::from(7i8), Value::from("abc"), Value::Null];
/// assert_eq!(params[0].as_i64(), Some(7));
/// assert_eq!(params[1].as_str(), Some("abc"));
/// assert_eq!(params[1].as_i64(), None);
/// assert_eq!(params[2].as_str(), None);
/// ```
impl Value {
    /// Any integer (TINYINT, SMALLINT, INTEGER, BIGINT), widened.
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            Value::TinyInt(v) => Some(v.into()),
            Value::SmallInt(v) => Some(v.into()),
            Value::Integer(v) => Some(v.into()),
            Value::BigInt(v) => Some(v),
            _ => None,
        }
    }

    /// A FLOAT; also a DECIMAL (rounded to the nearest double) and an
    /// integer a double holds exactly.
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Value::Float(v) => Some(v),
            Value::Decimal(d) => Some(d.to_f64()),
            _ => {
                let i = self.as_i64()?;
                ((i as f64) as i128 == i as i128).then_some(i as f64)
            }
        }
    }

    /// A STRING.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// A VARBINARY.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Varbinary(b) => Some(b),
            _ => None,
        }
    }

    /// A BOOLEAN.
    pub fn as_bool(&self) -> Option<bool> {
        match *self {
            Value::Boolean(b) => Some(b),
            _ => None,
        }
    }

    /// A TIMESTAMP.
    pub fn as_timestamp(&self) -> Option<Timestamp> {
        match *self {
            Value::Timestamp(t) => Some(t),
            _ => None,
        }
    }

    /// A DATE.
    pub fn as_date(&self) -> Option<Date> {
        match *self {
            Value::Date(d) => Some(d),
            _ => None,
        }
    }

    /// A DECIMAL; also an integer, exactly.
    pub fn as_decimal(&self) -> Option<Decimal> {
        match *self {
            Value::Decimal(d) => Some(d),
            _ => self.as_i64().map(Decimal::from_i64),
        }
    }

    /// A GEOGRAPHY_POINT.
    pub fn as_point(&self) -> Option<GeographyPoint> {
        match *self {
            Value::GeographyPoint(p) => Some(p),
            _ => None,
        }
    }

    /// A GEOGRAPHY.
    pub fn as_geography(&self) -> Option<&Geography> {
        match self {
            Value::Geography(g) => Some(g),
            _ => None,
        }
    }

    /// A table (a `VoltTable` parameter).
    pub fn as_table(&self) -> Option<&VoltTable> {
        match self {
            Value::Table(t) => Some(t),
            _ => None,
        }
    }

    /// The elements of an array (a TINYINT array reads through
    /// [`as_tinyint_array`](Self::as_tinyint_array)).
    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(_, v) => Some(v),
            _ => None,
        }
    }

    /// The bytes of a TINYINT array (each element as its bit pattern).
    pub fn as_tinyint_array(&self) -> Option<&[u8]> {
        match self {
            Value::TinyIntArray(b) => Some(b),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsigned_integers_widen_to_the_next_signed_type() {
        assert_eq!(Value::from(u8::MAX), Value::SmallInt(255));
        assert_eq!(Value::from(u16::MAX), Value::Integer(65_535));
        assert_eq!(Value::from(u32::MAX), Value::BigInt(4_294_967_295));
        assert_eq!(Value::from(1.5f32), Value::Float(1.5));
        assert_eq!(Value::from(Some(3u8)), Value::SmallInt(3));
    }

    #[test]
    fn wide_unsigned_integers_are_range_checked() {
        assert_eq!(Value::try_from(7u64).unwrap(), Value::BigInt(7));
        assert_eq!(
            Value::try_from(i64::MAX as usize).unwrap(),
            Value::BigInt(i64::MAX)
        );
        let e = Value::try_from(u64::MAX).unwrap_err();
        assert!(
            matches!(e, EncodeError::OutOfRange { ty: VoltType::BigInt, value, .. } if value == u64::MAX as i128),
            "{e:?}"
        );
        assert!(e.to_string().contains("18446744073709551615"), "{e}");
        assert!(Value::try_from(i64::MAX as u64 + 1).is_err());
    }

    #[test]
    fn strings_and_byte_literals() {
        let s = String::from("abc");
        assert_eq!(Value::from(&s), Value::String("abc".into()));
        assert_eq!(Value::from(b"v"), Value::Varbinary(b"v".to_vec()));
        assert_eq!(Value::from(&[1u8, 2, 3]), Value::Varbinary(vec![1, 2, 3]));
    }

    #[test]
    fn accessors_read_their_kind_and_none_otherwise() {
        for v in [
            Value::TinyInt(-3),
            Value::SmallInt(-3),
            Value::Integer(-3),
            Value::BigInt(-3),
        ] {
            assert_eq!(v.as_i64(), Some(-3), "{v:?}");
            assert_eq!(v.as_f64(), Some(-3.0), "{v:?}");
            assert_eq!(v.as_decimal(), Some(Decimal::from_i64(-3)), "{v:?}");
            assert_eq!(v.as_str(), None, "{v:?}");
        }
        assert_eq!(Value::BigInt(i64::MAX).as_f64(), None);
        assert_eq!(Value::Float(2.5).as_f64(), Some(2.5));
        assert_eq!(Value::Float(2.5).as_i64(), None);
        let d: Decimal = "1.25".parse().unwrap();
        assert_eq!(Value::Decimal(d).as_decimal(), Some(d));
        assert_eq!(Value::Decimal(d).as_f64(), Some(1.25));
        assert_eq!(Value::from("x").as_str(), Some("x"));
        assert_eq!(Value::from(b"x").as_bytes(), Some(&b"x"[..]));
        assert_eq!(Value::Boolean(true).as_bool(), Some(true));
        let t = Timestamp::from_millis(1_700_000_000_000).unwrap();
        assert_eq!(Value::Timestamp(t).as_timestamp(), Some(t));
        let day = Date::new(2024, 2, 29).unwrap();
        assert_eq!(Value::Date(day).as_date(), Some(day));
        let p = GeographyPoint::new(1.0, 2.0);
        assert_eq!(Value::GeographyPoint(p).as_point(), Some(p));
        let arr = Value::from(vec![1i32, 2]);
        assert_eq!(arr.as_array().map(<[Value]>::len), Some(2));
        assert_eq!(
            Value::from(vec![1i8, -1]).as_tinyint_array(),
            Some(&[1u8, 255][..])
        );
        for null in [Value::Null, Value::TypedNull(VoltType::BigInt)] {
            assert_eq!(null.as_i64(), None);
            assert_eq!(null.as_f64(), None);
            assert_eq!(null.as_str(), None);
            assert_eq!(null.as_bytes(), None);
            assert_eq!(null.as_bool(), None);
            assert_eq!(null.as_timestamp(), None);
            assert_eq!(null.as_decimal(), None);
            assert_eq!(null.as_table(), None);
            assert_eq!(null.as_geography(), None);
        }
    }
}
