//! Rows into `#[derive(Deserialize)]` types: [`Row::deserialize`] and
//! [`VoltTable::deserialize`].
//!
//! A struct takes the columns by name: each column goes to the field whose
//! name (after `#[serde(rename)]`) equals it, exactly or else ignoring ASCII
//! case, since VoltDB upper-cases names. A column no field takes is offered
//! under its own name (ignored, or refused with `deny_unknown_fields`). When
//! the columns are the fields in order, the row is handed over as a
//! sequence, with no name to match per row. Tuples and tuple structs take
//! the columns by position. Everything here reads cells through the public
//! row API ([`Row::get_ref`]).

use std::marker::PhantomData;

use ::serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use ::serde::forward_to_deserialize_any;
use ::serde::Deserialize;

use super::cell::CellDeserializer;
use crate::error::ConversionError;
use crate::table::{Row, Rows, VoltTable};

impl<'a> Row<'a> {
    /// The row as a `#[derive(Deserialize)]` type (feature `serde`): a
    /// struct by column name (ignoring ASCII case), a tuple or tuple struct
    /// by position. `Option<T>` fields take NULLs; `&str` and `&[u8]`
    /// fields borrow from the response.
    ///
    /// ```
    /// use serde::Deserialize;
    /// use voltdb::{Value, VoltColumn, VoltTable, VoltType};
    ///
    /// #[derive(Deserialize)]
    /// struct Item<'a> {
    ///     id: i64,
    ///     name: &'a str,
    ///     price: Option<f64>,
    /// }
    /// let mut b = VoltTable::builder(vec![
    ///     VoltColumn::new("ID", VoltType::BigInt),
    ///     VoltColumn::new("NAME", VoltType::String),
    ///     VoltColumn::new("PRICE", VoltType::Float),
    /// ]);
    /// b.add_row(&[Value::from(1i64), Value::from("one"), Value::Null])?;
    /// let t = b.build();
    /// let item: Item = t.row(0)?.deserialize()?;
    /// assert_eq!((item.id, item.name, item.price), (1, "one", None));
    /// # Ok::<(), voltdb::Error>(())
    /// ```
    pub fn deserialize<T: Deserialize<'a>>(&self) -> Result<T, ConversionError> {
        T::deserialize(RowDeserializer {
            row: *self,
            fields: &mut Fields::default(),
        })
    }
}

impl VoltTable {
    /// Iterates over the rows as a `#[derive(Deserialize)]` type (feature
    /// `serde`); see [`Row::deserialize`]. Columns are matched to fields
    /// once, for the first row.
    ///
    /// ```
    /// use serde::Deserialize;
    /// use voltdb::{Value, VoltColumn, VoltTable, VoltType};
    ///
    /// #[derive(Deserialize, Debug, PartialEq)]
    /// struct Item {
    ///     #[serde(rename = "ITEM_ID")]
    ///     id: i32,
    ///     name: String,
    /// }
    /// let mut b = VoltTable::builder(vec![
    ///     VoltColumn::new("ITEM_ID", VoltType::Integer),
    ///     VoltColumn::new("NAME", VoltType::String),
    /// ]);
    /// b.add_row(&[Value::from(7), Value::from("seven")])?;
    /// let t = b.build();
    /// let items: Vec<Item> = t.deserialize().collect::<Result<_, _>>()?;
    /// assert_eq!(items, [Item { id: 7, name: "seven".into() }]);
    /// // By position: a tuple.
    /// let pairs: Vec<(i32, &str)> = t.deserialize().collect::<Result<_, _>>()?;
    /// assert_eq!(pairs, [(7, "seven")]);
    /// # Ok::<(), voltdb::Error>(())
    /// ```
    pub fn deserialize<'a, T: Deserialize<'a>>(&'a self) -> DeserializeRows<'a, T> {
        DeserializeRows {
            rows: self.rows(),
            fields: Fields::default(),
            _to: PhantomData,
        }
    }
}

/// Iterator over a table's rows as `T` (see [`VoltTable::deserialize`]).
pub struct DeserializeRows<'a, T> {
    rows: Rows<'a>,
    /// Which field each column goes to, worked out for the first row.
    fields: Fields<'a>,
    _to: PhantomData<fn() -> T>,
}

impl<'a, T: Deserialize<'a>> Iterator for DeserializeRows<'a, T> {
    type Item = Result<T, ConversionError>;

    #[inline]
    fn next(&mut self) -> Option<Result<T, ConversionError>> {
        let row = self.rows.next()?;
        Some(T::deserialize(RowDeserializer {
            row,
            fields: &mut self.fields,
        }))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.rows.size_hint()
    }
}

impl<'a, T: Deserialize<'a>> ExactSizeIterator for DeserializeRows<'a, T> {}

/// Which field each column of a table goes to, for one struct's fields.
#[derive(Default)]
struct Fields<'a> {
    /// The struct's field list these keys were made for (its address).
    of: Option<&'static [&'static str]>,
    /// One key per column: the field's name, or the column's own.
    keys: Vec<&'a str>,
    /// Whether the columns are the fields, in order.
    in_order: bool,
}

impl<'a> Fields<'a> {
    /// The keys for `fields` in `row`'s table (worked out again only for
    /// another struct).
    fn for_struct(&mut self, row: &Row<'a>, fields: &'static [&'static str]) -> &Fields<'a> {
        if self.of.is_some_and(|f| std::ptr::eq(f, fields)) {
            return self;
        }
        let columns = row.columns();
        self.keys = columns
            .iter()
            .map(|c| {
                let field = fields
                    .iter()
                    .find(|f| **f == c.name)
                    .or_else(|| fields.iter().find(|f| f.eq_ignore_ascii_case(&c.name)));
                field.copied().unwrap_or(c.name.as_str())
            })
            .collect();
        self.in_order = self.keys.len() == fields.len()
            && self
                .keys
                .iter()
                .zip(fields)
                .all(|(k, f)| std::ptr::eq(*k, *f));
        self.of = Some(fields);
        self
    }
}

/// A row handed to a `Deserialize` type.
struct RowDeserializer<'r, 'a> {
    row: Row<'a>,
    fields: &'r mut Fields<'a>,
}

/// Adds the column's and field's names to an error from a cell.
#[cold]
fn in_field(row: &Row<'_>, column: usize, field: &str, e: ConversionError) -> ConversionError {
    match e {
        ConversionError::MissingColumn { .. } | ConversionError::UnknownColumn { .. } => e,
        e => ConversionError::Field {
            column: row
                .columns()
                .get(column)
                .map_or_else(|| column.to_string(), |c| c.name.clone()),
            field: field.to_string(),
            source: Box::new(e),
        },
    }
}

impl<'a> Deserializer<'a> for RowDeserializer<'_, 'a> {
    type Error = ConversionError;

    /// A map from column names to cells.
    fn deserialize_any<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, ConversionError> {
        let row = self.row;
        let keys: Vec<&str> = row.columns().iter().map(|c| c.name.as_str()).collect();
        visitor.visit_map(Cells::new(row, &keys, None)?)
    }

    fn deserialize_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ConversionError> {
        let row = self.row;
        let f = self.fields.for_struct(&row, fields);
        if f.in_order {
            visitor.visit_seq(Cells::new(row, &[], Some(fields))?)
        } else {
            visitor.visit_map(Cells::new(row, &f.keys, None)?)
        }
    }

    fn deserialize_tuple<V: Visitor<'a>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, ConversionError> {
        if len != self.row.len() {
            return Err(ConversionError::ColumnCount {
                expected: len,
                found: self.row.len(),
            });
        }
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, ConversionError> {
        self.deserialize_tuple(len, visitor)
    }

    fn deserialize_seq<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, ConversionError> {
        visitor.visit_seq(Cells::new(self.row, &[], None)?)
    }

    fn deserialize_newtype_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ConversionError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_option<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, ConversionError> {
        visitor.visit_some(self)
    }

    forward_to_deserialize_any! {
        <W: Visitor<'a>>
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct map enum identifier ignored_any
    }
}

/// A row's cells, one after the other: as a sequence (by position) or as a
/// map (under `keys`, one per column).
struct Cells<'r, 'a> {
    row: Row<'a>,
    next: usize,
    keys: &'r [&'a str],
    /// The struct's fields, when read as a sequence in field order.
    fields: Option<&'static [&'static str]>,
}

impl<'r, 'a> Cells<'r, 'a> {
    fn new(
        row: Row<'a>,
        keys: &'r [&'a str],
        fields: Option<&'static [&'static str]>,
    ) -> Result<Self, ConversionError> {
        Ok(Cells {
            row,
            next: 0,
            keys,
            fields,
        })
    }

    /// Column `c`'s cell through `seed`, errors naming the field.
    #[inline]
    fn cell<S: DeserializeSeed<'a>>(&self, c: usize, seed: S) -> Result<S::Value, ConversionError> {
        let value = self
            .row
            .get_ref(c)
            .map_err(|e| in_field(&self.row, c, &self.field(c), e))?;
        seed.deserialize(CellDeserializer { value, column: c })
            .map_err(|e| in_field(&self.row, c, &self.field(c), e))
    }

    /// The name errors give column `c`'s field.
    #[cold]
    fn field(&self, c: usize) -> String {
        match (self.keys.get(c), self.fields.and_then(|f| f.get(c))) {
            (Some(k), _) | (None, Some(k)) => (*k).to_string(),
            (None, None) => format!(".{c}"),
        }
    }
}

impl<'a> SeqAccess<'a> for Cells<'_, 'a> {
    type Error = ConversionError;

    #[inline]
    fn next_element_seed<S: DeserializeSeed<'a>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, ConversionError> {
        if self.next >= self.row.len() {
            return Ok(None);
        }
        self.next += 1;
        self.cell(self.next - 1, seed).map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.row.len() - self.next)
    }
}

impl<'a> MapAccess<'a> for Cells<'_, 'a> {
    type Error = ConversionError;

    #[inline]
    fn next_key_seed<K: DeserializeSeed<'a>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, ConversionError> {
        match self.keys.get(self.next) {
            None => Ok(None),
            Some(&key) => seed.deserialize(Key(key)).map(Some),
        }
    }

    #[inline]
    fn next_value_seed<S: DeserializeSeed<'a>>(
        &mut self,
        seed: S,
    ) -> Result<S::Value, ConversionError> {
        self.next += 1;
        self.cell(self.next - 1, seed)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.keys.len() - self.next)
    }
}

/// A field or column name as a map key.
struct Key<'a>(&'a str);

impl<'a> Deserializer<'a> for Key<'a> {
    type Error = ConversionError;

    #[inline]
    fn deserialize_any<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, ConversionError> {
        visitor.visit_borrowed_str(self.0)
    }

    forward_to_deserialize_any! {
        <W: Visitor<'a>>
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// The deserialization error for a row: what `Deserialize` types report
/// becomes a [`ConversionError`] naming the field or column.
impl ::serde::de::Error for ConversionError {
    fn custom<T: std::fmt::Display>(msg: T) -> ConversionError {
        ConversionError::Custom(msg.to_string())
    }

    fn missing_field(field: &'static str) -> ConversionError {
        ConversionError::MissingColumn {
            field: field.to_string(),
        }
    }

    fn unknown_field(field: &str, _expected: &'static [&'static str]) -> ConversionError {
        ConversionError::UnknownColumn {
            column: field.to_string(),
        }
    }
}
