//! Parameters from a `#[derive(Serialize)]` struct: [`to_params`].
//!
//! Each field becomes one [`Value`], in field order, as `Value::from` would
//! make it: `i8`..`i64` as TINYINT..BIGINT (an unsigned integer as the
//! smallest signed type that holds every value of it: `u8` as SMALLINT, `u64`
//! as BIGINT when it fits), floats as FLOAT, `bool` as BOOLEAN, text as
//! STRING, `None` and `()` as NULL, a sequence as an array (of bytes, as
//! VARBINARY), a unit enum variant as its name, and the crate's
//! [`Timestamp`](crate::Timestamp), [`Decimal`], [`Date`](crate::Date) and geography types as themselves.
//! The procedure's declared types then check and convert the values as they
//! do any parameters.

use std::cell::Cell;
use std::str::FromStr;

use ::serde::ser::{
    Impossible, SerializeSeq, SerializeStruct, SerializeTuple, SerializeTupleStruct,
};
use ::serde::{Serialize, Serializer};

use super::types::names;
use crate::error::EncodeError;
use crate::wire::decimal::Decimal;
use crate::wire::geo::{Geography, GeographyPoint};
use crate::wire::types::VoltType;
use crate::wire::value::Value;

/// The parameters in `value`: one per field of a struct (in field order),
/// per element of a tuple or sequence (feature `serde`). Pass them to
/// [`VoltProcedure::call`](crate::VoltProcedure::call) or any call, which
/// checks them against the declared types.
///
/// ```
/// use serde::Serialize;
/// use voltdb::{Timestamp, Value};
///
/// #[derive(Serialize)]
/// struct NewOrder<'a> {
///     id: i64,
///     customer: &'a str,
///     note: Option<String>,
///     placed: Timestamp,
/// }
/// let order = NewOrder { id: 7, customer: "ada", note: None, placed: Timestamp::from_micros(0) };
/// let params = voltdb::to_params(&order)?;
/// assert_eq!(
///     params,
///     [Value::from(7i64), Value::from("ada"), Value::Null, Value::Timestamp(Timestamp::from_micros(0))]
/// );
/// # Ok::<(), voltdb::Error>(())
/// ```
///
/// A value that is neither a struct, a tuple nor a sequence, or a field no
/// parameter can hold (a map, a nested struct), is
/// [`EncodeError::Params`] naming it.
pub fn to_params<T: Serialize + ?Sized>(value: &T) -> Result<Vec<Value>, EncodeError> {
    value.serialize(Params::default())
}

/// The error for what no parameter can hold.
#[cold]
fn refuse(what: &str) -> EncodeError {
    EncodeError::Params(format!("{what} cannot be a parameter"))
}

/// The outer value: its fields or elements, one parameter each.
#[derive(Default)]
struct Params {
    values: Vec<Value>,
    /// The field being serialized (for errors).
    field: &'static str,
}

impl Params {
    fn push<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), EncodeError> {
        let value = v
            .serialize(ValueSerializer { saw_byte: None })
            .map_err(|e| match e {
                EncodeError::Params(m) if !self.field.is_empty() => {
                    EncodeError::Params(format!("field {:?}: {m}", self.field))
                }
                e => e,
            })?;
        self.values.push(value);
        Ok(())
    }
}

/// What the outer value may not be.
macro_rules! params_refuse {
    ($($method:ident($($arg:ty),*) $what:expr;)*) => {$(
        fn $method(self, $(_: $arg),*) -> Result<Vec<Value>, EncodeError> {
            Err(refuse($what))
        }
    )*};
}

impl Serializer for Params {
    type Ok = Vec<Value>;
    type Error = EncodeError;
    type SerializeSeq = Params;
    type SerializeTuple = Params;
    type SerializeTupleStruct = Params;
    type SerializeTupleVariant = Impossible<Vec<Value>, EncodeError>;
    type SerializeMap = Impossible<Vec<Value>, EncodeError>;
    type SerializeStruct = Params;
    type SerializeStructVariant = Impossible<Vec<Value>, EncodeError>;

    params_refuse! {
        serialize_bool(bool) "a bool (not in a struct or tuple)";
        serialize_i8(i8) "an integer (not in a struct or tuple)";
        serialize_i16(i16) "an integer (not in a struct or tuple)";
        serialize_i32(i32) "an integer (not in a struct or tuple)";
        serialize_i64(i64) "an integer (not in a struct or tuple)";
        serialize_u8(u8) "an integer (not in a struct or tuple)";
        serialize_u16(u16) "an integer (not in a struct or tuple)";
        serialize_u32(u32) "an integer (not in a struct or tuple)";
        serialize_u64(u64) "an integer (not in a struct or tuple)";
        serialize_f32(f32) "a float (not in a struct or tuple)";
        serialize_f64(f64) "a float (not in a struct or tuple)";
        serialize_char(char) "a char (not in a struct or tuple)";
        serialize_str(&str) "a string (not in a struct or tuple)";
        serialize_bytes(&[u8]) "bytes (not in a struct or tuple)";
        serialize_none() "None (not in a struct or tuple)";
        serialize_unit_variant(&'static str, u32, &'static str) "an enum";
    }

    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<Vec<Value>, EncodeError> {
        v.serialize(self)
    }

    /// No parameters.
    fn serialize_unit(self) -> Result<Vec<Value>, EncodeError> {
        Ok(Vec::new())
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<Vec<Value>, EncodeError> {
        Ok(Vec::new())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<Vec<Value>, EncodeError> {
        v.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Vec<Value>, EncodeError> {
        Err(refuse("an enum"))
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Params, EncodeError> {
        Ok(self)
    }

    fn serialize_tuple(self, _: usize) -> Result<Params, EncodeError> {
        Ok(self)
    }

    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Params, EncodeError> {
        Ok(self)
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, EncodeError> {
        Err(refuse("an enum"))
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, EncodeError> {
        Err(refuse("a map (its order is not a parameter order)"))
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Params, EncodeError> {
        Ok(self)
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, EncodeError> {
        Err(refuse("an enum"))
    }
}

impl SerializeStruct for Params {
    type Ok = Vec<Value>;
    type Error = EncodeError;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), EncodeError> {
        self.field = key;
        self.push(v)
    }

    fn end(self) -> Result<Vec<Value>, EncodeError> {
        Ok(self.values)
    }
}

/// Tuples, tuple structs and sequences: one parameter per element.
macro_rules! params_elements {
    ($($tr:ident::$method:ident),*) => {$(
        impl $tr for Params {
            type Ok = Vec<Value>;
            type Error = EncodeError;

            fn $method<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), EncodeError> {
                self.push(v)
            }

            fn end(self) -> Result<Vec<Value>, EncodeError> {
                Ok(self.values)
            }
        }
    )*};
}

params_elements!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field
);

/// One parameter.
struct ValueSerializer<'s> {
    /// Set when the value was a `u8` (so a sequence of them is VARBINARY).
    saw_byte: Option<&'s Cell<bool>>,
}

/// The crate's own types, known by their newtype names, from the value
/// inside (their text); any other newtype
/// is the value inside.
fn named(name: &str, inner: Value) -> Result<Value, EncodeError> {
    let (what, text) = match (name, inner) {
        (
            names::TIMESTAMP | names::DECIMAL | names::DATE | names::POINT | names::GEOGRAPHY,
            Value::String(s),
        ) => (name, s),
        (names::TIMESTAMP | names::DECIMAL | names::DATE | names::POINT | names::GEOGRAPHY, _) => {
            return Err(refuse(name));
        }
        (_, inner) => return Ok(inner),
    };
    match what {
        names::TIMESTAMP => super::types::parse_timestamp(&text)
            .map(Value::Timestamp)
            .ok_or_else(|| EncodeError::parse("timestamp", &text)),
        names::DECIMAL => Decimal::from_str(&text).map(Value::Decimal),
        names::POINT => GeographyPoint::from_str(&text).map(Value::GeographyPoint),
        names::GEOGRAPHY => Geography::from_wkt(&text).map(Value::Geography),
        _ => super::types::parse_date(&text)
            .map(Value::Date)
            .ok_or_else(|| EncodeError::parse("date", &text)),
    }
}

/// What a single parameter may not be.
macro_rules! value_refuse {
    ($($method:ident($($arg:ty),*) -> $ok:ty, $what:expr;)*) => {$(
        fn $method(self, $(_: $arg),*) -> Result<$ok, EncodeError> {
            Err(refuse($what))
        }
    )*};
}

impl Serializer for ValueSerializer<'_> {
    type Ok = Value;
    type Error = EncodeError;
    type SerializeSeq = Array;
    type SerializeTuple = Array;
    type SerializeTupleStruct = Impossible<Value, EncodeError>;
    type SerializeTupleVariant = Impossible<Value, EncodeError>;
    type SerializeMap = Impossible<Value, EncodeError>;
    type SerializeStruct = Impossible<Value, EncodeError>;
    type SerializeStructVariant = Impossible<Value, EncodeError>;

    fn serialize_bool(self, v: bool) -> Result<Value, EncodeError> {
        Ok(Value::Boolean(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Value, EncodeError> {
        Ok(Value::TinyInt(v))
    }
    fn serialize_i16(self, v: i16) -> Result<Value, EncodeError> {
        Ok(Value::SmallInt(v))
    }
    fn serialize_i32(self, v: i32) -> Result<Value, EncodeError> {
        Ok(Value::Integer(v))
    }
    fn serialize_i64(self, v: i64) -> Result<Value, EncodeError> {
        Ok(Value::BigInt(v))
    }
    fn serialize_u8(self, v: u8) -> Result<Value, EncodeError> {
        if let Some(saw) = self.saw_byte {
            saw.set(true);
        }
        Ok(Value::SmallInt(v.into()))
    }
    fn serialize_u16(self, v: u16) -> Result<Value, EncodeError> {
        Ok(Value::Integer(v.into()))
    }
    fn serialize_u32(self, v: u32) -> Result<Value, EncodeError> {
        Ok(Value::BigInt(v.into()))
    }
    fn serialize_u64(self, v: u64) -> Result<Value, EncodeError> {
        i64::try_from(v)
            .map(Value::BigInt)
            .map_err(|_| EncodeError::OutOfRange {
                ty: VoltType::BigInt,
                value: v.into(),
                min: i64::MIN.into(),
                max: i64::MAX.into(),
            })
    }
    fn serialize_f32(self, v: f32) -> Result<Value, EncodeError> {
        Ok(Value::Float(v.into()))
    }
    fn serialize_f64(self, v: f64) -> Result<Value, EncodeError> {
        Ok(Value::Float(v))
    }
    fn serialize_char(self, v: char) -> Result<Value, EncodeError> {
        Ok(Value::String(v.into()))
    }
    fn serialize_str(self, v: &str) -> Result<Value, EncodeError> {
        Ok(Value::String(v.into()))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Value, EncodeError> {
        Ok(Value::Varbinary(v.into()))
    }
    fn serialize_none(self) -> Result<Value, EncodeError> {
        Ok(Value::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<Value, EncodeError> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<Value, EncodeError> {
        Ok(Value::Null)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Value, EncodeError> {
        Ok(Value::Null)
    }
    /// An enum of unit variants as the variant's name.
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<Value, EncodeError> {
        Ok(Value::String(variant.into()))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        v: &T,
    ) -> Result<Value, EncodeError> {
        named(name, v.serialize(ValueSerializer { saw_byte: None })?)
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Array, EncodeError> {
        Ok(Array {
            items: Vec::with_capacity(len.unwrap_or(0).min(1024)),
            all_bytes: true,
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<Array, EncodeError> {
        self.serialize_seq(Some(len))
    }

    value_refuse! {
        serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct, "a tuple struct";
        serialize_tuple_variant(&'static str, u32, &'static str, usize)
            -> Self::SerializeTupleVariant, "an enum";
        serialize_map(Option<usize>) -> Self::SerializeMap, "a map";
        serialize_struct(&'static str, usize) -> Self::SerializeStruct, "a nested struct";
        serialize_struct_variant(&'static str, u32, &'static str, usize)
            -> Self::SerializeStructVariant, "an enum";
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Value, EncodeError> {
        Err(refuse("an enum"))
    }
}

/// An array parameter, of the type of its first non-NULL element; of
/// `u8`s, VARBINARY.
struct Array {
    items: Vec<Value>,
    all_bytes: bool,
}

impl Array {
    fn push<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), EncodeError> {
        let saw = Cell::new(false);
        let item = v.serialize(ValueSerializer {
            saw_byte: Some(&saw),
        })?;
        self.all_bytes &= saw.get();
        self.items.push(item);
        Ok(())
    }

    fn end(self) -> Result<Value, EncodeError> {
        if self.all_bytes && !self.items.is_empty() {
            let bytes = self.items.iter().map(|v| match v {
                Value::SmallInt(b) => u8::try_from(*b).map_err(|_| refuse("a byte out of range")),
                _ => Err(refuse("a byte of another type")),
            });
            return bytes.collect::<Result<_, _>>().map(Value::Varbinary);
        }
        let ty = self
            .items
            .iter()
            .find(|v| !v.is_null())
            .map(Value::volt_type)
            .ok_or_else(|| {
                refuse("an empty sequence (or one of NULLs only: its type is unknown)")
            })?;
        Ok(Value::Array(ty, self.items))
    }
}

/// Sequences and tuples inside a parameter: its elements.
macro_rules! array_elements {
    ($($tr:ident),*) => {$(
        impl $tr for Array {
            type Ok = Value;
            type Error = EncodeError;
            fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), EncodeError> {
                self.push(v)
            }
            fn end(self) -> Result<Value, EncodeError> {
                Array::end(self)
            }
        }
    )*};
}

array_elements!(SerializeSeq, SerializeTuple);

/// The serialization error for parameters.
impl ::serde::ser::Error for EncodeError {
    fn custom<T: std::fmt::Display>(msg: T) -> EncodeError {
        EncodeError::Params(msg.to_string())
    }
}
