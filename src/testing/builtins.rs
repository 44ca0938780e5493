//! The built-in user procedures: HelloWorld (`Insert`, `Select`), key-value
//! (`Put`, `Get`, `Remove`), and the utilities `Echo` and `Sleep`.
//!
//! The HelloWorld and key-value procedures encode their result tables
//! straight into the reply ([`Procedure::encoded`], [`TableShape`]): the
//! same bytes as building the tables, without building them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use crate::table::{TableBuilder, VoltColumn};
use crate::wire::types::VoltType;
use crate::wire::value::Value;
use crate::wire::writer::WireWrite;

use super::proc::{CallContext, ProcError, ProcReply, ProcResult, Procedure};
use super::shape::{put_row, TableShape};
use super::state::lock;

/// The longest `Sleep` (10 minutes).
const MAX_SLEEP_MS: i64 = 600_000;

type HelloStore = Arc<Mutex<HashMap<String, (Option<String>, Option<String>)>>>;
type KvStore = Arc<Mutex<HashMap<String, Option<Vec<u8>>>>>;

/// The built-in procedures, each set backed by maps shared by all
/// connections of one server.
pub(crate) fn procedures(helloworld: bool, kv: bool) -> Vec<Procedure> {
    let mut v = vec![
        Procedure::new("Echo", echo).read_only(true),
        Procedure::new("Sleep", sleep).params(1).read_only(true),
    ];
    if helloworld {
        let store = HelloStore::default();
        let s = Arc::clone(&store);
        v.push(
            Procedure::encoded("Insert", move |ctx, p, out| hello_insert(&s, ctx, p, out))
                .params(3)
                .partitioned(2, VoltType::String),
        );
        v.push(
            Procedure::encoded("Select", move |ctx, p, out| {
                hello_select(&store, ctx, p, out)
            })
            .params(1)
            .partitioned(0, VoltType::String)
            .read_only(true),
        );
    }
    if kv {
        let store = KvStore::default();
        let (s1, s2) = (Arc::clone(&store), Arc::clone(&store));
        v.push(
            Procedure::encoded("Put", move |ctx, p, out| kv_put(&s1, ctx, p, out))
                .params(2)
                .partitioned(0, VoltType::String),
        );
        v.push(
            Procedure::encoded("Get", move |ctx, p, out| kv_get(&s2, ctx, p, out))
                .params(1)
                .partitioned(0, VoltType::String)
                .read_only(true),
        );
        v.push(
            Procedure::encoded("Remove", move |ctx, p, out| kv_remove(&store, ctx, p, out))
                .params(1)
                .partitioned(0, VoltType::String),
        );
    }
    v
}

/// The one-row `modified_tuples` table of DML
/// ([`modified_tuples_table`](super::modified_tuples_table)); one table.
fn modified_tuples(out: &mut Vec<u8>, n: i64) -> Result<i16, ProcError> {
    static SHAPE: OnceLock<TableShape> = OnceLock::new();
    let shape = SHAPE.get_or_init(|| TableShape::new(&[("modified_tuples", VoltType::BigInt)], 0));
    // A count is never the BIGINT NULL sentinel; clamp just in case.
    shape.write(out, |out| {
        put_row(out, |out| out.put_i64(n.max(i64::MIN + 1)));
        1
    });
    Ok(1)
}

/// The two cells of a row of two STRING or VARBINARY columns (`None` = NULL).
type PairRow<'a> = (Option<&'a [u8]>, Option<&'a [u8]>);

/// Writes a table of two STRING or VARBINARY columns with at most one row
/// (`row`); one table.
fn pair_table(
    shape: &'static OnceLock<TableShape>,
    columns: [(&str, VoltType); 2],
    out: &mut Vec<u8>,
    row: Option<PairRow<'_>>,
) -> Result<i16, ProcError> {
    let shape = shape.get_or_init(|| TableShape::new(&columns, -128));
    shape.write(out, |out| match row {
        Some((a, b)) => {
            put_row(out, |out| {
                out.put_bytes(a);
                out.put_bytes(b);
            });
            1
        }
        None => 0,
    });
    Ok(1)
}

fn not_null(ctx: &CallContext, table: &str, column: &str) -> ProcError {
    ProcError::graceful(format!(
        "VOLTDB ERROR: CONSTRAINT VIOLATION Attempted violation of constraint\n\
         Constraint Type NOT_NULL, Table CatalogId {table}\n\
         Column {column} of procedure {} cannot be NULL",
        ctx.procedure
    ))
}

fn show(s: &Option<String>) -> &str {
    s.as_deref().unwrap_or("NULL")
}

/// `Insert(STRING hello, STRING world, STRING dialect)`; `dialect` is the primary key.
fn hello_insert(
    store: &HelloStore,
    ctx: &CallContext,
    p: &[Value],
    out: &mut Vec<u8>,
) -> Result<i16, ProcError> {
    let hello = ctx.string_param(p, 0)?;
    let world = ctx.string_param(p, 1)?;
    let Some(dialect) = ctx.string_param(p, 2)? else {
        return Err(not_null(ctx, "HELLOWORLD", "DIALECT"));
    };
    let mut m = lock(store);
    if let Some((h, w)) = m.get(&dialect) {
        return Err(ProcError::graceful(format!(
            "VOLTDB ERROR: CONSTRAINT VIOLATION Attempted violation of constraint\n\
             Constraint Type UNIQUE, Table CatalogId HELLOWORLD\n\
             Relevant Tuples:\n\
             HELLO WORLD DIALECT\n\
             {} {} {dialect}\n\
             {} {} {dialect}",
            show(h),
            show(w),
            show(&hello),
            show(&world),
        )));
    }
    m.insert(dialect, (hello, world));
    modified_tuples(out, 1)
}

/// `Select(STRING dialect)` → `HELLO STRING, WORLD STRING` (0 or 1 row).
fn hello_select(
    store: &HelloStore,
    ctx: &CallContext,
    p: &[Value],
    out: &mut Vec<u8>,
) -> Result<i16, ProcError> {
    static SHAPE: OnceLock<TableShape> = OnceLock::new();
    let columns = [("HELLO", VoltType::String), ("WORLD", VoltType::String)];
    let Some(dialect) = ctx.str_param(p, 0)? else {
        return pair_table(&SHAPE, columns, out, None);
    };
    let m = lock(store);
    let row = m.get(dialect).map(|(h, w)| {
        (
            h.as_deref().map(str::as_bytes),
            w.as_deref().map(str::as_bytes),
        )
    });
    pair_table(&SHAPE, columns, out, row)
}

fn key(ctx: &CallContext, p: &[Value]) -> Result<String, ProcError> {
    ctx.string_param(p, 0)?
        .ok_or_else(|| not_null(ctx, "KV", "KEY"))
}

/// `Put(STRING key, VARBINARY or STRING value)`: upsert.
fn kv_put(
    store: &KvStore,
    ctx: &CallContext,
    p: &[Value],
    out: &mut Vec<u8>,
) -> Result<i16, ProcError> {
    let k = key(ctx, p)?;
    let value = match p.get(1) {
        Some(Value::String(s)) => Some(s.as_bytes().to_vec()),
        _ => ctx.bytes_param(p, 1)?,
    };
    lock(store).insert(k, value);
    modified_tuples(out, 1)
}

/// `Get(STRING key)` → `KEY STRING, VALUE VARBINARY` (0 or 1 row).
fn kv_get(
    store: &KvStore,
    ctx: &CallContext,
    p: &[Value],
    out: &mut Vec<u8>,
) -> Result<i16, ProcError> {
    static SHAPE: OnceLock<TableShape> = OnceLock::new();
    let columns = [("KEY", VoltType::String), ("VALUE", VoltType::Varbinary)];
    let Some(k) = ctx.str_param(p, 0)? else {
        return pair_table(&SHAPE, columns, out, None);
    };
    let m = lock(store);
    let row = m.get(k).map(|v| (Some(k.as_bytes()), v.as_deref()));
    pair_table(&SHAPE, columns, out, row)
}

/// `Remove(STRING key)` → `modified_tuples` 0 or 1.
fn kv_remove(
    store: &KvStore,
    ctx: &CallContext,
    p: &[Value],
    out: &mut Vec<u8>,
) -> Result<i16, ProcError> {
    let k = ctx.str_param(p, 0)?;
    let removed = k.is_some_and(|k| lock(store).remove(k).is_some());
    modified_tuples(out, i64::from(removed))
}

/// `Sleep(INTEGER ms)`: replies after `ms` (0 ..= 600,000) without holding
/// up the connection; no tables.
fn sleep(ctx: &CallContext, p: &[Value]) -> ProcResult {
    let ms = ctx.int_param(p, 0)?.unwrap_or(0).clamp(0, MAX_SLEEP_MS);
    Ok(ProcReply::new().delayed(Duration::from_millis(ms as u64)))
}

/// `Echo(...)`: table 0 has one row with one column `P<i>` per scalar
/// parameter `i`, of the parameter's type (an untyped NULL comes back as a
/// NULL STRING). Each array parameter then comes back as one more table,
/// in parameter order, with one column `P<i>` of the element type and one
/// row per element (TINYINT arrays: one TINYINT row per byte); a VOLTTABLE
/// parameter comes back as itself.
fn echo(_ctx: &CallContext, p: &[Value]) -> ProcResult {
    let mut cols = Vec::new();
    let mut row = Vec::new();
    let mut extra = Vec::new();
    for (i, v) in p.iter().enumerate() {
        let name = format!("P{i}");
        match v {
            Value::Array(VoltType::Table, items) => {
                extra.extend(items.iter().filter_map(|t| match t {
                    Value::Table(t) => Some(t.clone()),
                    _ => None,
                }));
            }
            Value::Array(ty, items) => {
                let mut b = TableBuilder::new(vec![VoltColumn::new(name, *ty)]);
                for item in items {
                    b.add_row(std::slice::from_ref(item))?;
                }
                extra.push(b.build());
            }
            Value::TinyIntArray(bytes) => {
                let mut b = TableBuilder::new(vec![VoltColumn::new(name, VoltType::TinyInt)]);
                for &byte in bytes {
                    // 0x80 is TINYINT's NULL sentinel: it goes back as NULL,
                    // which is the same byte.
                    let cell = match byte as i8 {
                        i8::MIN => Value::Null,
                        x => Value::TinyInt(x),
                    };
                    b.add_row(&[cell])?;
                }
                extra.push(b.build());
            }
            Value::Table(t) => extra.push(t.clone()),
            Value::Null => {
                cols.push(VoltColumn::new(name, VoltType::String));
                row.push(Value::Null);
            }
            v => {
                cols.push(VoltColumn::new(name, v.volt_type()));
                row.push(v.clone());
            }
        }
    }
    let mut b = TableBuilder::new(cols);
    b.add_row(&row)?;
    let mut tables = vec![b.build()];
    tables.extend(extra);
    Ok(ProcReply::tables(tables))
}
