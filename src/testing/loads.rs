//! `@LoadSinglepartitionTable` and `@LoadMultipartitionTable` over the
//! test server's in-memory tables (`tables.rs`).
//!
//! As the real server's sysprocs do: the rows go in through the table's
//! insert (or upsert) statement in one transaction, so one failing row
//! (a duplicate key in insert mode, a NULL key, a row of another
//! partition) fails the whole call with a constraint violation and stores
//! nothing; success answers the number of rows written as one BIGINT.

use crate::client::routing::{HashKey, HashRing};
use crate::response::VoltResponse;
use crate::table::VoltTable;
use crate::wire::response::Status;
use crate::wire::types::VoltType;
use crate::wire::value::{write_param, Value};

use super::dispatch::failure;
use super::node::Node;
use super::sysprocs::{build, graceful, respond};
use super::tables::Table;

/// `@LoadSinglepartitionTable(VARBINARY partition key bytes, STRING table,
/// TINYINT upsert, VOLTTABLE rows)`: runs on the partition the key bytes
/// hash to; every row must belong to it.
pub(crate) fn single(node: &Node, h: i64, p: &[Value]) -> VoltResponse {
    const NAME: &str = "@LoadSinglepartitionTable";
    if p.len() != 4 {
        return param_count(h, NAME, 4, p.len());
    }
    let key = match &p[0] {
        Value::Varbinary(b) | Value::TinyIntArray(b) => b.as_slice(),
        _ => {
            return graceful(
                h,
                format!("{NAME}: parameter 0 must be VARBINARY partition key bytes"),
            )
        }
    };
    let partition = node
        .cluster
        .ring
        .partition_for(VoltType::Varbinary, HashKey::Bytes(key));
    node.record_partition(partition);
    load(node, h, &p[1..], Some(partition))
}

/// `@LoadMultipartitionTable(STRING table, TINYINT upsert, VOLTTABLE rows)`.
pub(crate) fn multi(node: &Node, h: i64, p: &[Value]) -> VoltResponse {
    if p.len() != 3 {
        return param_count(h, "@LoadMultipartitionTable", 3, p.len());
    }
    load(node, h, p, None)
}

fn param_count(h: i64, name: &str, expected: usize, got: usize) -> VoltResponse {
    graceful(
        h,
        format!("VOLTDB ERROR: PROCEDURE {name} EXPECTS {expected} PARAMS, BUT RECEIVED {got}"),
    )
}

/// Loads `(table name, upsert, rows)`; `partition` is the partition a
/// single-partition load runs on.
fn load(node: &Node, h: i64, p: &[Value], partition: Option<i32>) -> VoltResponse {
    let (Value::String(name), Some(upsert), Value::Table(rows)) = (&p[0], int_flag(&p[1]), &p[2])
    else {
        return graceful(
            h,
            "bulk load parameters are (STRING table, TINYINT upsert, VOLTTABLE rows)",
        );
    };
    let ring = &node.cluster.ring;
    let outcome = node.cluster.tables.with(name, |t| {
        if partition.is_some() && t.partition.is_none() {
            return Err(abort(format!(
                "LoadSinglepartitionTable incompatible with replicated table {name}."
            )));
        }
        let rows = decode(t, rows)?;
        store(t, ring, partition, upsert, rows)
    });
    match outcome {
        None => failure(h, Status::UserAbort, "Table not present in catalog."),
        Some(Err((status, text))) => failure(h, status, text),
        Some(Ok(n)) => respond(
            h,
            build(&[("", VoltType::BigInt)], vec![vec![Value::BigInt(n)]]).map(|t| vec![t]),
        ),
    }
}

/// Stores `rows` in `t`, all or none: a refused row undoes the rows
/// stored before it. Returns the number of rows written.
fn store(
    t: &mut Table,
    ring: &HashRing,
    partition: Option<i32>,
    upsert: bool,
    rows: Vec<Vec<Value>>,
) -> Result<i64, Refusal> {
    let n = rows.len() as i64;
    let mut undo = Vec::with_capacity(rows.len());
    for row in rows {
        let stored = admit(t, ring, partition, &row).and_then(|key| {
            t.put(key, row, upsert).map_err(|(row, old)| {
                let old = t.row_at(old).cloned().unwrap_or_default();
                violation(t, "UNIQUE", &old, &row, "Attempted violation of constraint")
            })
        });
        match stored {
            Ok(u) => undo.push(u),
            Err(e) => {
                for u in undo.into_iter().rev() {
                    t.undo(u);
                }
                return Err(e);
            }
        }
    }
    Ok(n)
}

/// The key of `row` if it may be stored: of the load's partition, no NULL
/// key (a duplicate key is found when it is stored).
fn admit(
    t: &Table,
    ring: &HashRing,
    partition: Option<i32>,
    row: &[Value],
) -> Result<Vec<u8>, Refusal> {
    if let (Some(want), Some(pc)) = (partition, t.partition) {
        let ty = t.def.columns[pc].1;
        if ring.partition_for_value(ty, &row[pc]) != Some(want) {
            return Err(violation(
                t,
                "PARTITIONING",
                row,
                row,
                "Mispartitioned tuple in single-partition insert statement.",
            ));
        }
    }
    let Some(key) = t.key_of(row) else {
        return Err(not_null(t, row));
    };
    Ok(key)
}

fn int_flag(v: &Value) -> Option<bool> {
    match v {
        Value::TinyInt(i) => Some(*i != 0),
        Value::SmallInt(i) => Some(*i != 0),
        Value::Integer(i) => Some(*i != 0),
        Value::BigInt(i) => Some(*i != 0),
        _ => None,
    }
}

type Refusal = (Status, String);

fn abort(text: String) -> Refusal {
    (Status::UserAbort, text)
}

/// The input rows as values of the table's column types.
fn decode(t: &Table, input: &VoltTable) -> Result<Vec<Vec<Value>>, Refusal> {
    let cols = &t.def.columns;
    if input.column_count() != cols.len() {
        return Err(abort(
            "Input table has the wrong number of columns for bulk insert.".into(),
        ));
    }
    // Cells of the table's own column types need no conversion check.
    let same_types = input
        .columns()
        .iter()
        .zip(cols)
        .all(|(c, (_, ty))| c.ty == *ty);
    let mut out = Vec::with_capacity(input.row_count());
    for row in input.rows() {
        let values = row
            .values()
            .map_err(|e| abort(format!("bad input row: {e}")))?;
        if same_types {
            out.push(values);
            continue;
        }
        for ((name, ty), v) in cols.iter().zip(&values) {
            if let Err(e) = write_param(&mut Vec::new(), Some(*ty), v) {
                return Err((
                    Status::GracefulFailure,
                    format!(
                        "VOLTDB ERROR: TYPE MISMATCH for column {name} of {}: {e}",
                        t.def.name
                    ),
                ));
            }
        }
        out.push(values);
    }
    Ok(out)
}

fn show_row(row: &[Value]) -> String {
    row.iter()
        .map(|v| match v {
            v if v.is_null() => "NULL".to_string(),
            Value::String(s) => s.clone(),
            Value::TinyInt(i) => i.to_string(),
            Value::SmallInt(i) => i.to_string(),
            Value::Integer(i) => i.to_string(),
            Value::BigInt(i) => i.to_string(),
            Value::Float(f) => f.to_string(),
            Value::Decimal(d) => d.to_string(),
            Value::Timestamp(t) => t.to_string(),
            Value::Varbinary(b) => b.iter().map(|x| format!("{x:02X}")).collect(),
            v => format!("{v:?}"),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A constraint violation in the layout the server's messages have.
fn violation(t: &Table, kind: &str, a: &[Value], b: &[Value], what: &str) -> Refusal {
    let header: Vec<&str> = t.def.columns.iter().map(|(n, _)| n.as_str()).collect();
    let mut text = format!(
        "VOLTDB ERROR: CONSTRAINT VIOLATION {what}\n\
         Constraint Type {kind}, Table CatalogId {}\n\
         Relevant Tuples:\n{}\n{}",
        t.def.name,
        header.join(" "),
        show_row(a)
    );
    if kind == "UNIQUE" {
        text.push('\n');
        text.push_str(&show_row(b));
    }
    (Status::GracefulFailure, text)
}

fn not_null(t: &Table, row: &[Value]) -> Refusal {
    let column = t
        .key
        .iter()
        .find(|&&i| row[i].is_null())
        .map_or("?", |&i| t.def.columns[i].0.as_str());
    (
        Status::GracefulFailure,
        format!(
            "VOLTDB ERROR: CONSTRAINT VIOLATION Attempted violation of constraint\n\
             Constraint Type NOT_NULL, Table CatalogId {}\n\
             Column {column} cannot be NULL",
            t.def.name
        ),
    )
}
