//! [`CellDeserializer`]: one cell (a [`ValueRef`]) handed to a field's
//! `Deserialize`.
//!
//! A cell gives the value its column type names: integers as their width,
//! FLOAT as `f64`, VARCHAR and VARBINARY borrowed from the response,
//! TIMESTAMP as microseconds since the epoch (or as ISO-8601 text to a type
//! that asks for a string, as `chrono`'s does), DECIMAL as its unscaled
//! `i128` to [`Decimal`] and as text to others, DATE and the geography types
//! as text (which the crate's types parse back exactly),
//! NULL as `None`. A NULL into anything but an `Option` (or a unit) is
//! [`ConversionError::UnexpectedNull`].

use ::serde::de::value::{BorrowedStrDeserializer, I128Deserializer, SeqDeserializer};
use ::serde::de::{Deserializer, Visitor};

use super::types::names;
use crate::error::ConversionError;
use crate::wire::decimal::Decimal;
use crate::wire::geo::Geography;
use crate::wire::value::ValueRef;

/// One cell, at column `column`, for a field's `Deserialize`.
pub(crate) struct CellDeserializer<'a> {
    pub(crate) value: ValueRef<'a>,
    pub(crate) column: usize,
}

impl<'a> CellDeserializer<'a> {
    /// An error for a NULL cell: every target but `Option` and unit refuses it.
    #[inline]
    fn not_null(&self) -> Result<(), ConversionError> {
        if self.value.is_null() {
            return Err(ConversionError::UnexpectedNull {
                column: self.column,
            });
        }
        Ok(())
    }
}

/// Typed requests that take what the cell holds, once it is not NULL.
macro_rules! not_null_then_any {
    ($($method:ident)*) => {$(
        #[inline]
        fn $method<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, ConversionError> {
            self.not_null()?;
            self.deserialize_any(visitor)
        }
    )*};
}

impl<'a> Deserializer<'a> for CellDeserializer<'a> {
    type Error = ConversionError;

    #[inline]
    fn deserialize_any<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, ConversionError> {
        match self.value {
            ValueRef::Null(_) => visitor.visit_none(),
            ValueRef::TinyInt(x) => visitor.visit_i8(x),
            ValueRef::SmallInt(x) => visitor.visit_i16(x),
            ValueRef::Integer(x) => visitor.visit_i32(x),
            ValueRef::BigInt(x) => visitor.visit_i64(x),
            ValueRef::Float(x) => visitor.visit_f64(x),
            ValueRef::String(s) => visitor.visit_borrowed_str(s),
            ValueRef::Varbinary(b) => visitor.visit_borrowed_bytes(b),
            ValueRef::Timestamp(t) => visitor.visit_i64(t.micros()),
            ValueRef::Date(d) => visitor.visit_string(d.to_string()),
            ValueRef::Decimal(d) => visitor.visit_string(d.to_string()),
            ValueRef::Boolean(b) => visitor.visit_bool(b),
            ValueRef::GeographyPoint(p) => visitor.visit_string(p.to_string()),
            ValueRef::Geography(body) => match Geography::decode_body(body) {
                Ok(g) => visitor.visit_string(g.to_string()),
                Err(problem) => Err(ConversionError::Malformed {
                    column: self.column,
                    problem,
                }),
            },
        }
    }

    not_null_then_any! {
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
        deserialize_char deserialize_map deserialize_identifier
    }

    /// Also 0 and 1 from an integer column, as [`FromVolt`](crate::FromVolt) reads them.
    fn deserialize_bool<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, ConversionError> {
        self.not_null()?;
        match self.value {
            ValueRef::TinyInt(x @ 0..=1) => visitor.visit_bool(x == 1),
            ValueRef::SmallInt(x @ 0..=1) => visitor.visit_bool(x == 1),
            ValueRef::Integer(x @ 0..=1) => visitor.visit_bool(x == 1),
            ValueRef::BigInt(x @ 0..=1) => visitor.visit_bool(x == 1),
            _ => self.deserialize_any(visitor),
        }
    }

    /// Also a DECIMAL, approximated, as [`FromVolt`](crate::FromVolt) reads it.
    #[inline]
    fn deserialize_f64<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, ConversionError> {
        self.not_null()?;
        match self.value {
            ValueRef::Decimal(d) => visitor.visit_f64(d.to_f64()),
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_f32<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, ConversionError> {
        self.deserialize_f64(visitor)
    }

    /// A TIMESTAMP as ISO-8601 text (what `chrono`'s types parse).
    #[inline]
    fn deserialize_str<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, ConversionError> {
        self.not_null()?;
        match self.value {
            ValueRef::Timestamp(t) => visitor.visit_string(t.to_string()),
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_string<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, ConversionError> {
        self.deserialize_str(visitor)
    }

    /// A VARCHAR's bytes as well as a VARBINARY.
    #[inline]
    fn deserialize_bytes<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, ConversionError> {
        self.not_null()?;
        match self.value {
            ValueRef::String(s) => visitor.visit_borrowed_bytes(s.as_bytes()),
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, ConversionError> {
        self.deserialize_bytes(visitor)
    }

    /// A VARBINARY as a sequence of bytes (what `Vec<u8>` asks for).
    fn deserialize_seq<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, ConversionError> {
        self.not_null()?;
        match self.value {
            ValueRef::Varbinary(b) => visitor.visit_seq(SeqDeserializer::new(b.iter().copied())),
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_tuple<V: Visitor<'a>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, ConversionError> {
        self.deserialize_seq(visitor)
    }

    #[inline]
    fn deserialize_option<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, ConversionError> {
        if self.value.is_null() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_unit<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, ConversionError> {
        if self.value.is_null() {
            visitor.visit_unit()
        } else {
            self.deserialize_any(visitor)
        }
    }

    fn deserialize_unit_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ConversionError> {
        self.deserialize_unit(visitor)
    }

    /// A [`Decimal`](crate::Decimal) field gets a DECIMAL cell (or an
    /// integer) as its unscaled `i128`, with no text in between.
    fn deserialize_newtype_struct<V: Visitor<'a>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ConversionError> {
        if name == names::DECIMAL {
            self.not_null()?;
            let unscaled = match self.value {
                ValueRef::Decimal(d) => Some(d.unscaled()),
                ValueRef::TinyInt(x) => Some(Decimal::from_i64(x.into()).unscaled()),
                ValueRef::SmallInt(x) => Some(Decimal::from_i64(x.into()).unscaled()),
                ValueRef::Integer(x) => Some(Decimal::from_i64(x.into()).unscaled()),
                ValueRef::BigInt(x) => Some(Decimal::from_i64(x).unscaled()),
                _ => None,
            };
            if let Some(u) = unscaled {
                return visitor.visit_newtype_struct(I128Deserializer::new(u));
            }
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_tuple_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, ConversionError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ConversionError> {
        self.not_null()?;
        self.deserialize_any(visitor)
    }

    /// A unit variant named by a VARCHAR.
    fn deserialize_enum<V: Visitor<'a>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ConversionError> {
        self.not_null()?;
        match self.value {
            ValueRef::String(s) => visitor.visit_enum(BorrowedStrDeserializer::new(s)),
            _ => self.deserialize_any(visitor),
        }
    }

    #[inline]
    fn deserialize_ignored_any<V: Visitor<'a>>(
        self,
        visitor: V,
    ) -> Result<V::Value, ConversionError> {
        visitor.visit_unit()
    }

    /// Cells are machine values: the crate's types read them in their
    /// compact forms (a TIMESTAMP as microseconds).
    fn is_human_readable(&self) -> bool {
        false
    }
}
