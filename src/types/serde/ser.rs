//! `Serialize` for [`Value`], [`ValueRef`], [`Row`], [`VoltTable`] and
//! [`VoltResponse`], so a response can be written as JSON.
//!
//! A table is a list of rows, each an object keyed by column name; a cell
//! is its value (NULL as `null`, the crate's types as their text, see
//! [`types`](super::types)); VARBINARY is hex text in text formats and bytes
//! otherwise. A response is an object of its status fields and `tables`.

use ::serde::ser::{Error as _, SerializeMap, SerializeSeq, SerializeStruct};
use ::serde::{Serialize, Serializer};

use crate::response::VoltResponse;
use crate::table::{Row, VoltTable};
use crate::wire::geo::Geography;
use crate::wire::value::{Value, ValueRef};

/// Bytes as lower-case hex text in text formats, as bytes otherwise.
fn serialize_bytes<S: Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
    if s.is_human_readable() {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let hex: String = b
            .iter()
            .flat_map(|x| [HEX[usize::from(x >> 4)], HEX[usize::from(x & 15)]])
            .map(char::from)
            .collect();
        s.serialize_str(&hex)
    } else {
        s.serialize_bytes(b)
    }
}

impl Serialize for ValueRef<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            ValueRef::Null(_) => s.serialize_none(),
            ValueRef::TinyInt(x) => s.serialize_i8(x),
            ValueRef::SmallInt(x) => s.serialize_i16(x),
            ValueRef::Integer(x) => s.serialize_i32(x),
            ValueRef::BigInt(x) => s.serialize_i64(x),
            ValueRef::Float(x) => s.serialize_f64(x),
            ValueRef::String(x) => s.serialize_str(x),
            ValueRef::Varbinary(b) => serialize_bytes(b, s),
            ValueRef::Timestamp(t) => t.serialize(s),
            ValueRef::Date(d) => d.serialize(s),
            ValueRef::Decimal(d) => d.serialize(s),
            ValueRef::Boolean(b) => s.serialize_bool(b),
            ValueRef::GeographyPoint(p) => p.serialize(s),
            ValueRef::Geography(body) => Geography::decode_body(body)
                .map_err(S::Error::custom)?
                .serialize(s),
        }
    }
}

impl Serialize for Value {
    /// A scalar as its cell would be; an array as a list, a table as a list of rows.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Geography(g) => g.serialize(s),
            Value::Table(t) => t.serialize(s),
            Value::Array(_, items) => s.collect_seq(items),
            Value::TinyIntArray(b) => s.collect_seq(b.iter().map(|&x| x as i8)),
            v => ValueRef::from(v).serialize(s),
        }
    }
}

impl Serialize for Row<'_> {
    /// An object keyed by column name.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let columns = self.columns();
        let mut map = s.serialize_map(Some(columns.len()))?;
        for (i, c) in columns.iter().enumerate() {
            let v = self.get_ref(i).map_err(S::Error::custom)?;
            map.serialize_entry(&c.name, &v)?;
        }
        map.end()
    }
}

impl Serialize for VoltTable {
    /// A list of rows, each an object keyed by column name.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.row_count()))?;
        for row in self.rows() {
            seq.serialize_element(&row)?;
        }
        seq.end()
    }
}

impl Serialize for VoltResponse {
    /// The status (its name and code), the status strings, the cluster
    /// round-trip time, the exception's message if any, and the tables.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut r = s.serialize_struct("VoltResponse", 8)?;
        r.serialize_field("status", self.status.name())?;
        r.serialize_field("status_code", &self.status.code())?;
        r.serialize_field("status_string", &self.status_string)?;
        r.serialize_field("app_status", &self.app_status)?;
        r.serialize_field("app_status_string", &self.app_status_string)?;
        r.serialize_field("cluster_round_trip_ms", &self.cluster_round_trip_ms)?;
        r.serialize_field("exception", &self.exception.as_ref().map(|e| &e.message))?;
        r.serialize_field("tables", &self.tables)?;
        r.end()
    }
}
