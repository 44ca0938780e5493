//! What the loader learns about its table: columns, types and the
//! partitioning column, from `@SystemCatalog COLUMNS`; and the row checks
//! and partition keys that follow from them.

use crate::client::routing::{murmur3_token, HashRing};
use crate::client::Client;
use crate::error::{Error, Result};
use crate::table::{TableBuilder, VoltColumn, VoltTable};
use crate::wire::types::VoltType;
use crate::wire::value::Value;

/// A table's columns (in order) and partitioning column (`None`: replicated).
#[derive(Debug, Clone)]
pub(crate) struct TableSchema {
    /// The name as the catalog spells it.
    pub(crate) name: String,
    pub(crate) columns: Vec<VoltColumn>,
    pub(crate) partition: Option<usize>,
}

impl TableSchema {
    /// Asks the server for `table`'s columns.
    pub(crate) fn fetch(client: &Client, table: &str) -> Result<TableSchema> {
        let fail = |reason: String| Error::BulkLoad {
            table: table.to_string(),
            reason,
        };
        let resp = client
            .call("@SystemCatalog", &[Value::from("COLUMNS")])
            .map_err(|e| fail(format!("@SystemCatalog COLUMNS failed: {e}")))?;
        if !resp.is_success() {
            let text = resp.status_string.unwrap_or_default();
            return Err(fail(format!("@SystemCatalog COLUMNS failed: {text}")));
        }
        let t = resp
            .tables
            .first()
            .ok_or_else(|| fail("@SystemCatalog COLUMNS returned no table".into()))?;
        TableSchema::from_catalog(t, table)
    }

    /// Reads `table`'s rows of a `@SystemCatalog COLUMNS` table (names
    /// compared without case): `TYPE_NAME`, `ORDINAL_POSITION`, and
    /// `REMARKS` = `PARTITION_COLUMN` on the partitioning column.
    pub(crate) fn from_catalog(t: &VoltTable, table: &str) -> Result<TableSchema> {
        let fail = |reason: String| Error::BulkLoad {
            table: table.to_string(),
            reason,
        };
        let mut found: Vec<(i32, VoltColumn, bool)> = Vec::new();
        let mut name = String::new();
        for row in t.rows() {
            let row_table: String = row.get("TABLE_NAME")?;
            if !row_table.eq_ignore_ascii_case(table) {
                continue;
            }
            let column: String = row.get("COLUMN_NAME")?;
            let type_name: String = row.get("TYPE_NAME")?;
            let ordinal: i32 = row.get("ORDINAL_POSITION")?;
            let remarks: Option<String> = row.get("REMARKS")?;
            let ty = VoltType::from_name(&type_name)
                .ok_or_else(|| fail(format!("column {column} has unknown type {type_name}")))?;
            let partitioning = remarks.as_deref() == Some("PARTITION_COLUMN");
            found.push((ordinal, VoltColumn::new(column, ty), partitioning));
            name = row_table;
        }
        if found.is_empty() {
            return Err(fail("no such table in @SystemCatalog COLUMNS".into()));
        }
        found.sort_by_key(|(ordinal, _, _)| *ordinal);
        let partition = found.iter().position(|(_, _, p)| *p);
        if let Some(i) = partition {
            let ty = found[i].1.ty;
            if !(ty.is_integer() || matches!(ty, VoltType::String | VoltType::Varbinary)) {
                return Err(fail(format!("partitioning column of type {ty:?}")));
            }
        }
        Ok(TableSchema {
            name,
            columns: found.into_iter().map(|(_, c, _)| c).collect(),
            partition,
        })
    }

    /// Appends `row` to `batch` if it fits the columns; otherwise names the
    /// first column whose value does not fit (nothing is appended).
    pub(crate) fn append(&self, batch: &mut TableBuilder, row: &[Value]) -> Result<()> {
        if row.len() != self.columns.len() {
            return Err(self.bad_row(
                None,
                format!("{} values for {} columns", row.len(), self.columns.len()),
            ));
        }
        if batch.add_row(row).is_ok() {
            return Ok(());
        }
        // Find the culprit with one-column tables: the exact check a table
        // cell gets, column by column.
        for (c, v) in self.columns.iter().zip(row) {
            if let Err(e) = TableBuilder::new(vec![c.clone()]).add_row(std::slice::from_ref(v)) {
                return Err(self.bad_row(Some(&c.name), e.to_string()));
            }
        }
        Err(self.bad_row(None, "the row does not encode".into()))
    }

    fn bad_row(&self, column: Option<&str>, reason: String) -> Error {
        Error::BadRow {
            table: self.name.clone(),
            column: column.map(str::to_string),
            reason,
        }
    }

    /// For a partitioned table: the partition `row` belongs to and the
    /// partition parameter of `@LoadSinglepartitionTable` (the value's
    /// hash-input bytes). `None` for a replicated table.
    pub(crate) fn partition_of<'r>(
        &self,
        ring: &HashRing,
        row: &'r [Value],
    ) -> Result<Option<(i32, KeyBytes<'r>)>> {
        let Some(i) = self.partition else {
            return Ok(None);
        };
        let column = &self.columns[i];
        let Some(value) = row.get(i) else {
            // A short row: `append` names the problem.
            return Ok(Some((0, KeyBytes::Raw(&[]))));
        };
        let int = |v: i64| KeyBytes::Int(v.to_le_bytes());
        let key = match (value, column.ty) {
            (v, _) if v.is_null() => {
                return Err(self.bad_row(
                    Some(&column.name),
                    "the partitioning column cannot be NULL".into(),
                ))
            }
            (Value::TinyInt(v), _) => int(i64::from(*v)),
            (Value::SmallInt(v), _) => int(i64::from(*v)),
            (Value::Integer(v), _) => int(i64::from(*v)),
            (Value::BigInt(v), _) => int(*v),
            (Value::String(s), VoltType::String) => KeyBytes::Raw(s.as_bytes()),
            (Value::Varbinary(b), VoltType::Varbinary) => KeyBytes::Raw(b),
            (v, ty) => {
                return Err(self.bad_row(
                    Some(&column.name),
                    format!("a {v:?} cannot select a partition of a {ty:?} column"),
                ))
            }
        };
        let partition = ring.partition_for_token(murmur3_token(key.as_slice()));
        Ok(Some((partition, key)))
    }
}

/// A partitioning value's hash-input bytes: an integer's 8 bytes
/// little-endian, a string's UTF-8, a VARBINARY's own bytes.
pub(crate) enum KeyBytes<'a> {
    Int([u8; 8]),
    Raw(&'a [u8]),
}

impl KeyBytes<'_> {
    pub(crate) fn as_slice(&self) -> &[u8] {
        match self {
            KeyBytes::Int(b) => b,
            KeyBytes::Raw(b) => b,
        }
    }
}

/// The hash ring rows are grouped by: the client's (discovery on), else
/// read once from `@Statistics TOPO`.
pub(crate) fn hash_ring(client: &Client, table: &str) -> Result<HashRing> {
    if let Some(ring) = client.topology().and_then(|t| t.ring().cloned()) {
        return Ok(ring);
    }
    let fail = |reason: String| Error::BulkLoad {
        table: table.to_string(),
        reason: format!("cannot read the hash ring from @Statistics TOPO: {reason}"),
    };
    let resp = client
        .call("@Statistics", &[Value::from("TOPO"), Value::Integer(0)])
        .map_err(|e| fail(e.to_string()))?;
    if !resp.is_success() {
        return Err(fail(resp.status_string.unwrap_or_default()));
    }
    let config = resp
        .tables
        .get(1)
        .ok_or_else(|| fail("no hash configuration table".into()))?
        .row(0)?
        .get::<Vec<u8>>("HASHCONFIG")?;
    HashRing::from_raw_config(&config).map_err(|e| fail(e.to_string()))
}
