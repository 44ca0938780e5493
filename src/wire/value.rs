//! Values: the [`Value`] enum (owned, for parameters), [`ValueRef`] (borrowed,
//! for table cells), and the encoding and decoding of every Volt type
//! (docs/protocol.md#values).

use crate::error::ProtocolError;
use crate::wire::decimal::Decimal;
use crate::wire::geo::{Geography, GeographyPoint};
use crate::wire::table::VoltTable;
use crate::wire::timestamp::{Date, Timestamp};
use crate::wire::types::VoltType;

mod convert;
mod raw;
mod read;
mod write;

pub use raw::{read_raw, RawCell};
pub use read::{read_param, read_value, skip_value};
pub use write::{check_param, write_param, write_value};

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
    /// A TINYINT array given as raw bytes (sent with an `i32` count, docs/protocol.md#arrays).
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
