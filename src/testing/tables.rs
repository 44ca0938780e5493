//! In-memory tables with a primary key: what `@SystemCatalog COLUMNS` /
//! `PRIMARYKEYS` list and what `@LoadSinglepartitionTable` /
//! `@LoadMultipartitionTable` write to (see `loads.rs`).

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::sync::Mutex;

use crate::table::VoltTable;
use crate::wire::types::VoltType;
use crate::wire::value::{write_param, Value};

use super::state::lock;
use super::sysprocs::build;

/// A table definition for the test server: columns in order, the primary
/// key (one or more columns) and, for a partitioned table, the
/// partitioning column (`None`: a replicated table).
///
/// ```
/// use voltdb::testing::{TableDef, TestServer};
/// use voltdb::VoltType;
/// let def = TableDef::new("CUSTOMER")
///     .column("ID", VoltType::BigInt)
///     .column("NAME", VoltType::String)
///     .primary_key(&["ID"])
///     .partition_on("ID");
/// let server = TestServer::builder().table(def).start()?;
/// assert_eq!(server.table_rows("customer"), Some(vec![]));
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TableDef {
    pub(crate) name: String,
    pub(crate) columns: Vec<(String, VoltType)>,
    pub(crate) primary_key: Vec<String>,
    pub(crate) partition_column: Option<String>,
}

impl TableDef {
    /// A table named `name` (stored upper-case, as the catalog does), no columns yet.
    pub fn new(name: &str) -> TableDef {
        TableDef {
            name: name.to_ascii_uppercase(),
            columns: Vec::new(),
            primary_key: Vec::new(),
            partition_column: None,
        }
    }

    /// Appends a column (name stored upper-case).
    pub fn column(mut self, name: &str, ty: VoltType) -> TableDef {
        self.columns.push((name.to_ascii_uppercase(), ty));
        self
    }

    /// The primary key's columns, in key order.
    pub fn primary_key(mut self, columns: &[&str]) -> TableDef {
        self.primary_key = columns.iter().map(|c| c.to_ascii_uppercase()).collect();
        self
    }

    /// Partitions the table on `column` (without this it is replicated).
    pub fn partition_on(mut self, column: &str) -> TableDef {
        self.partition_column = Some(column.to_ascii_uppercase());
        self
    }

    fn index_of(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|(n, _)| n == name)
    }
}

/// A table's definition resolved to column indexes, and its rows.
pub(crate) struct Table {
    pub(crate) def: TableDef,
    pub(crate) key: Vec<usize>,
    pub(crate) partition: Option<usize>,
    rows: Vec<Vec<Value>>,
    /// Encoded primary key → index in `rows`.
    index: HashMap<Vec<u8>, usize>,
}

impl Table {
    /// The encoded primary key of `row` (`None`: a key column is NULL).
    pub(crate) fn key_of(&self, row: &[Value]) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        for &i in &self.key {
            let v = row.get(i)?;
            if v.is_null() {
                return None;
            }
            write_param(&mut out, Some(self.def.columns[i].1), v).ok()?;
        }
        Some(out)
    }

    /// The row at index `i` (in insertion order).
    pub(crate) fn row_at(&self, i: usize) -> Option<&Vec<Value>> {
        self.rows.get(i)
    }

    /// Stores `row` under `key`: with `replace`, replacing a row with the
    /// same key, else refusing it (giving back the row and the index of the
    /// row with that key). Returns how to undo it.
    pub(crate) fn put(
        &mut self,
        key: Vec<u8>,
        row: Vec<Value>,
        replace: bool,
    ) -> Result<Undo, (Vec<Value>, usize)> {
        match self.index.entry(key) {
            Entry::Occupied(e) if !replace => Err((row, *e.get())),
            Entry::Occupied(e) => {
                let i = *e.get();
                Ok(Undo::Replaced(i, std::mem::replace(&mut self.rows[i], row)))
            }
            Entry::Vacant(e) => {
                e.insert(self.rows.len());
                self.rows.push(row);
                Ok(Undo::Added)
            }
        }
    }

    /// Undoes a [`put`](Self::put); puts are undone last first.
    pub(crate) fn undo(&mut self, u: Undo) {
        match u {
            Undo::Replaced(i, old) => self.rows[i] = old,
            Undo::Added => {
                if let Some(row) = self.rows.pop() {
                    if let Some(key) = self.key_of(&row) {
                        self.index.remove(&key);
                    }
                }
            }
        }
    }
}

/// How to undo one [`Table::put`].
pub(crate) enum Undo {
    /// A row was appended.
    Added,
    /// The row at this index was replaced; the old row.
    Replaced(usize, Vec<Value>),
}

/// The tables of a cluster (shared by its nodes, like its other data).
#[derive(Default)]
pub(crate) struct Tables {
    tables: Mutex<HashMap<String, Table>>,
}

impl Tables {
    /// Adds (or replaces) a table; refuses a definition that names an
    /// unknown column or has no primary key.
    pub(crate) fn create(&self, def: TableDef) -> Result<(), String> {
        if def.columns.is_empty() {
            return Err(format!("table {} has no columns", def.name));
        }
        if def.primary_key.is_empty() {
            return Err(format!("table {} has no primary key", def.name));
        }
        let find = |c: &str| {
            def.index_of(c)
                .ok_or_else(|| format!("table {} has no column {c}", def.name))
        };
        let key = def
            .primary_key
            .iter()
            .map(|c| find(c))
            .collect::<Result<Vec<_>, _>>()?;
        let partition = def.partition_column.as_deref().map(find).transpose()?;
        let table = Table {
            key,
            partition,
            rows: Vec::new(),
            index: HashMap::new(),
            def,
        };
        lock(&self.tables).insert(table.def.name.clone(), table);
        Ok(())
    }

    /// Runs `f` on the table named `name` (any case), if there is one.
    pub(crate) fn with<T>(&self, name: &str, f: impl FnOnce(&mut Table) -> T) -> Option<T> {
        lock(&self.tables)
            .get_mut(&name.to_ascii_uppercase())
            .map(f)
    }

    /// The rows of table `name`, in insertion order.
    pub(crate) fn rows(&self, name: &str) -> Option<Vec<Vec<Value>>> {
        self.with(name, |t| t.rows.clone())
    }

    /// The definitions, sorted by table name (the catalog's order).
    fn defs(&self) -> Vec<TableDef> {
        let mut v: Vec<TableDef> = lock(&self.tables).values().map(|t| t.def.clone()).collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v
    }
}

/// The JDBC type code of a column type (`java.sql.Types`), as the server's
/// `VoltType.getJdbcSqlType` gives it.
fn jdbc_type(ty: VoltType) -> i32 {
    match ty {
        VoltType::TinyInt => -6,
        VoltType::SmallInt => 5,
        VoltType::Integer => 4,
        VoltType::BigInt => -5,
        VoltType::Float => 8,
        VoltType::String => 12,
        VoltType::Timestamp => 93,
        VoltType::Decimal => 3,
        VoltType::Varbinary => -3,
        VoltType::Date => 91,
        VoltType::Boolean => 16,
        _ => 1111,
    }
}

/// The SQL type name (`TYPE_NAME`): VARCHAR for STRING, else the type name.
fn sql_name(ty: VoltType) -> &'static str {
    match ty {
        VoltType::String => "VARCHAR",
        t => t.name(),
    }
}

/// Column size and radix (`COLUMN_SIZE`, `NUM_PREC_RADIX`) as the server
/// computes them; variable-length columns get the default size, 1 MiB.
fn size_and_radix(ty: VoltType) -> (Value, Value) {
    let int = |v: i32| Value::Integer(v);
    match ty.fixed_size() {
        _ if ty == VoltType::Float => (int(53), int(2)),
        _ if ty == VoltType::Decimal => (int(38), int(10)),
        _ if matches!(ty, VoltType::String | VoltType::Varbinary) => (int(1_048_576), Value::Null),
        Some(n) if ty.is_integer() || ty == VoltType::Timestamp => (int(n as i32 * 8 - 1), int(2)),
        _ => (Value::Null, Value::Null),
    }
}

/// `@SystemCatalog COLUMNS`: the 23 JDBC columns of a real server, one row
/// per column of every table (tables by name, columns in order); `REMARKS`
/// is `PARTITION_COLUMN` on a partitioning column.
pub(crate) fn columns_table(tables: &Tables) -> Result<VoltTable, String> {
    use VoltType::{Integer as I, SmallInt as S, String as Str};
    let cols = [
        ("TABLE_CAT", Str),
        ("TABLE_SCHEM", Str),
        ("TABLE_NAME", Str),
        ("COLUMN_NAME", Str),
        ("DATA_TYPE", I),
        ("TYPE_NAME", Str),
        ("COLUMN_SIZE", I),
        ("BUFFER_LENGTH", I),
        ("DECIMAL_DIGITS", I),
        ("NUM_PREC_RADIX", I),
        ("NULLABLE", I),
        ("REMARKS", Str),
        ("COLUMN_DEF", Str),
        ("SQL_DATA_TYPE", I),
        ("SQL_DATETIME_SUB", I),
        ("CHAR_OCTET_LENGTH", I),
        ("ORDINAL_POSITION", I),
        ("IS_NULLABLE", Str),
        ("SCOPE_CATALOG", Str),
        ("SCOPE_SCHEMA", Str),
        ("SCOPE_TABLE", Str),
        ("SOURCE_DATA_TYPE", S),
        ("IS_AUTOINCREMENT", Str),
    ];
    let mut rows = Vec::new();
    for def in tables.defs() {
        for (i, (name, ty)) in def.columns.iter().enumerate() {
            // Key and partitioning columns are NOT NULL; others nullable.
            let not_null =
                def.primary_key.contains(name) || def.partition_column.as_ref() == Some(name);
            let (size, radix) = size_and_radix(*ty);
            let octets = match ty {
                VoltType::String | VoltType::Varbinary => size.clone(),
                _ => Value::Null,
            };
            let remarks =
                (def.partition_column.as_ref() == Some(name)).then_some("PARTITION_COLUMN");
            rows.push(vec![
                Value::Null,
                Value::Null,
                Value::from(def.name.as_str()),
                Value::from(name.as_str()),
                Value::Integer(jdbc_type(*ty)),
                Value::from(sql_name(*ty)),
                size,
                Value::Null,
                if *ty == VoltType::Decimal {
                    Value::Integer(12)
                } else {
                    Value::Null
                },
                radix,
                Value::Integer(i32::from(!not_null)),
                Value::from(remarks),
                Value::Null,
                Value::Null,
                Value::Null,
                octets,
                Value::Integer(i as i32 + 1),
                Value::from(if not_null { "NO" } else { "YES" }),
                Value::Null,
                Value::Null,
                Value::Null,
                Value::Null,
                Value::from("NO"),
            ]);
        }
    }
    build(&cols, rows)
}

/// `@SystemCatalog PRIMARYKEYS`: one row per key column of every table.
pub(crate) fn primary_keys_table(tables: &Tables) -> Result<VoltTable, String> {
    use VoltType::String as Str;
    let cols = [
        ("TABLE_CAT", Str),
        ("TABLE_SCHEM", Str),
        ("TABLE_NAME", Str),
        ("COLUMN_NAME", Str),
        ("KEY_SEQ", VoltType::SmallInt),
        ("PK_NAME", Str),
    ];
    let mut rows = Vec::new();
    for def in tables.defs() {
        let pk_name = format!("VOLTDB_AUTOGEN_IDX_PK_{}", def.name);
        for (i, c) in def.primary_key.iter().enumerate() {
            rows.push(vec![
                Value::Null,
                Value::Null,
                Value::from(def.name.as_str()),
                Value::from(c.as_str()),
                Value::SmallInt(i as i16 + 1),
                Value::from(pk_name.as_str()),
            ]);
        }
    }
    build(&cols, rows)
}
