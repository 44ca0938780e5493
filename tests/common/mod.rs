//! Shared helpers for the conformance tests: loading the golden vectors
//! (`tests/data/`) and the real-server captures (`../shared/captures`),
//! hex, and turning the JSON value conventions of `tests/data/README.md`
//! into [`Value`]s and back into assertions; and the credentials of the
//! real-server tests.
//!
//! Every helper panics with a message naming the vector or exchange, so a
//! failure says exactly which entry broke.

#![allow(dead_code)]

use std::path::PathBuf;

use serde_json::Value as Json;
use voltdb::{
    Date, Decimal, Geography, GeographyPoint, TableBuilder, Timestamp, Value, ValueRef, VoltColumn,
    VoltTable, VoltType,
};

/// Tolerance for GEOGRAPHY coordinates (degrees), as advised by the READMEs.
pub const GEO_TOLERANCE: f64 = 1e-12;

/// The path of a file of the repository's test data, `tests/data/` (the
/// golden vectors; see `tests/data/README.md`).
pub fn data_path(rel: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data")).join(rel)
}

/// The path of a file under the shared directory (the real-server captures,
/// which are not in the repository): `$VOLTDB_SHARED` when set, else
/// `shared/` next to the crate. The tests that read it are
/// `#[ignore = "needs ../shared/captures"]` and run with `-- --ignored`.
pub fn shared_path(rel: &str) -> PathBuf {
    std::env::var_os("VOLTDB_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared")))
        .join(rel)
}

/// Reads a JSON file; panics with a clear message when it is missing or
/// malformed (a test that was asked to run never skips silently).
fn read_json(path: PathBuf, hint: &str) -> Json {
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "test data {} is missing or unreadable ({e}); {hint}",
            path.display()
        )
    });
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not valid JSON: {e}", path.display()))
}

/// Loads a JSON file of the shared directory (see [`shared_path`]).
pub fn load_json(rel: &str) -> Json {
    read_json(
        shared_path(rel),
        "these tests need the shared/ directory next to the crate (or VOLTDB_SHARED)",
    )
}

/// Loads a JSON file of `tests/data/`.
pub fn load_data(rel: &str) -> Json {
    read_json(data_path(rel), "it is part of the repository")
}

/// The `vectors` array of `tests/data/vectors.json`.
pub fn vectors() -> Vec<Json> {
    let doc = load_data("vectors.json");
    assert_eq!(
        doc["format"], "voltdb-wire-vectors/1",
        "unexpected vectors format"
    );
    let all = doc["vectors"]
        .as_array()
        .expect("vectors.json: `vectors` is not a list")
        .clone();
    assert!(
        all.len() >= 200,
        "vectors.json holds only {} vectors",
        all.len()
    );
    all
}

/// The vectors of one kind.
pub fn vectors_of_kind(all: &[Json], kind: &str) -> Vec<Json> {
    all.iter().filter(|v| v["kind"] == kind).cloned().collect()
}

/// The exchanges of a capture file (`captures/<file>`).
pub fn captures(file: &str) -> Vec<Json> {
    load_json(&format!("captures/{file}"))
        .as_array()
        .unwrap_or_else(|| panic!("captures/{file} is not a list"))
        .clone()
}

/// The `name` of a vector or exchange.
pub fn name(j: &Json) -> &str {
    j["name"].as_str().expect("entry without a name")
}

/// Decodes lower-case hex.
pub fn unhex(s: &str) -> Vec<u8> {
    assert!(s.len() % 2 == 0, "odd-length hex string");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("bad hex digit"))
        .collect()
}

/// Encodes lower-case hex.
pub fn to_hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A hex field of an entry (panics when absent or null).
pub fn hex_field(j: &Json, field: &str) -> Vec<u8> {
    unhex(
        j[field]
            .as_str()
            .unwrap_or_else(|| panic!("{}: no hex field {field}", name(j))),
    )
}

/// A type name of the vectors (`"INTEGER"`, `"VOLTTABLE"`...).
pub fn volt_type(name: &str) -> VoltType {
    VoltType::from_name(name).unwrap_or_else(|| panic!("unknown type name {name}"))
}

/// A JSON integer as `i64`.
pub fn json_i64(j: &Json, ctx: &str) -> i64 {
    j.as_i64()
        .unwrap_or_else(|| panic!("{ctx}: expected an integer, got {j}"))
}

/// A FLOAT in the JSON conventions (number or `{"float": "NaN" | "Infinity" | "-Infinity"}`).
pub fn json_f64(j: &Json, ctx: &str) -> f64 {
    if let Some(s) = j.get("float").and_then(Json::as_str) {
        return match s {
            "NaN" => f64::NAN,
            "Infinity" => f64::INFINITY,
            "-Infinity" => f64::NEG_INFINITY,
            other => panic!("{ctx}: unknown float form {other}"),
        };
    }
    j.as_f64()
        .unwrap_or_else(|| panic!("{ctx}: expected a float, got {j}"))
}

/// The unscaled (×10¹²) value of a plain decimal string, computed
/// independently of the crate's parser. `None` for more than 12 fractional
/// digits.
pub fn decimal_unscaled(s: &str) -> Option<i128> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let frac = frac.trim_end_matches('0');
    if frac.len() > 12 {
        return None;
    }
    let digits = format!("{int}{frac:0<12}");
    let v: i128 = digits.parse().ok()?;
    Some(if neg { -v } else { v })
}

/// A DECIMAL in the JSON conventions.
pub fn json_decimal(j: &Json, ctx: &str) -> Decimal {
    let s = j["decimal"]
        .as_str()
        .unwrap_or_else(|| panic!("{ctx}: expected {{\"decimal\": ...}}, got {j}"));
    let d: Decimal = s
        .parse()
        .unwrap_or_else(|e| panic!("{ctx}: decimal {s} does not parse: {e}"));
    assert_eq!(
        Some(d.unscaled()),
        decimal_unscaled(s),
        "{ctx}: Decimal::from_str({s}) gives the wrong unscaled value"
    );
    d
}

/// A TIMESTAMP in the JSON conventions (`timestamp_us` is authoritative).
pub fn json_timestamp(j: &Json, ctx: &str) -> Timestamp {
    Timestamp::from_micros(json_i64(&j["timestamp_us"], ctx))
}

/// Bytes in the JSON conventions (`{"bytes_hex": ...}`).
pub fn json_bytes(j: &Json, ctx: &str) -> Vec<u8> {
    unhex(
        j["bytes_hex"]
            .as_str()
            .unwrap_or_else(|| panic!("{ctx}: expected {{\"bytes_hex\": ...}}, got {j}")),
    )
}

/// A point in the JSON conventions.
pub fn json_point(j: &Json, ctx: &str) -> GeographyPoint {
    GeographyPoint::new(json_f64(&j["lng"], ctx), json_f64(&j["lat"], ctx))
}

/// The WKT of a GEOGRAPHY in the JSON conventions.
pub fn json_wkt<'a>(j: &'a Json, ctx: &str) -> &'a str {
    j["wkt"]
        .as_str()
        .unwrap_or_else(|| panic!("{ctx}: expected {{\"wkt\": ...}}, got {j}"))
}

/// A DATE in the JSON conventions.
pub fn json_date(j: &Json, ctx: &str) -> Date {
    let s = j["date"]
        .as_str()
        .unwrap_or_else(|| panic!("{ctx}: expected {{\"date\": ...}}, got {j}"));
    let p: Vec<&str> = s.split('-').collect();
    assert_eq!(p.len(), 3, "{ctx}: bad date {s}");
    Date::new(
        p[0].parse().unwrap(),
        p[1].parse().unwrap(),
        p[2].parse().unwrap(),
    )
    .unwrap_or_else(|e| panic!("{ctx}: bad date {s}: {e}"))
}

/// A scalar in the JSON conventions as a [`Value`] of type `ty`. JSON `null`
/// is the untyped [`Value::Null`] (which takes the declared type when sent).
pub fn json_value(ty: VoltType, j: &Json, ctx: &str) -> Value {
    if j.is_null() {
        return Value::Null;
    }
    match ty {
        VoltType::Null => panic!("{ctx}: a non-null value of type NULL"),
        VoltType::TinyInt => match i8::try_from(json_i64(j, ctx)) {
            Ok(v) => Value::TinyInt(v),
            Err(_) => Value::BigInt(json_i64(j, ctx)),
        },
        VoltType::SmallInt => match i16::try_from(json_i64(j, ctx)) {
            Ok(v) => Value::SmallInt(v),
            Err(_) => Value::BigInt(json_i64(j, ctx)),
        },
        VoltType::Integer => match i32::try_from(json_i64(j, ctx)) {
            Ok(v) => Value::Integer(v),
            Err(_) => Value::BigInt(json_i64(j, ctx)),
        },
        VoltType::BigInt => Value::BigInt(json_i64(j, ctx)),
        VoltType::Float => Value::Float(json_f64(j, ctx)),
        VoltType::String => Value::String(
            j.as_str()
                .unwrap_or_else(|| panic!("{ctx}: expected a string, got {j}"))
                .to_owned(),
        ),
        VoltType::Varbinary => Value::Varbinary(json_bytes(j, ctx)),
        VoltType::Timestamp => Value::Timestamp(json_timestamp(j, ctx)),
        VoltType::Date => Value::Date(json_date(j, ctx)),
        VoltType::Decimal => Value::Decimal(json_decimal(j, ctx)),
        VoltType::Boolean => Value::Boolean(
            j.as_bool()
                .unwrap_or_else(|| panic!("{ctx}: expected a boolean, got {j}")),
        ),
        VoltType::GeographyPoint => Value::GeographyPoint(json_point(j, ctx)),
        VoltType::Geography => Value::Geography(
            Geography::from_wkt(json_wkt(j, ctx))
                .unwrap_or_else(|e| panic!("{ctx}: WKT does not parse: {e}")),
        ),
        VoltType::Table => Value::Table(json_table(j, -128, ctx)),
    }
}

/// An array parameter from a JSON list (or, for TINYINT, `{"bytes_hex"}`).
pub fn json_array(elem: VoltType, j: &Json, ctx: &str) -> Value {
    if elem == VoltType::TinyInt && j.get("bytes_hex").is_some() {
        return Value::TinyIntArray(json_bytes(j, ctx));
    }
    let items = j
        .as_array()
        .unwrap_or_else(|| panic!("{ctx}: expected a list, got {j}"));
    Value::Array(
        elem,
        items
            .iter()
            .enumerate()
            .map(|(i, x)| json_value(elem, x, &format!("{ctx}[{i}]")))
            .collect(),
    )
}

/// A parameter of declared type `ty`: a list (or TINYINT bytes) is an array, else a scalar.
pub fn json_param(ty: VoltType, j: &Json, ctx: &str) -> Value {
    if j.is_array() || (ty == VoltType::TinyInt && j.get("bytes_hex").is_some()) {
        json_array(ty, j, ctx)
    } else {
        json_value(ty, j, ctx)
    }
}

/// Column `(name, type)` pairs from any of the three JSON forms:
/// `{"name","type":"INTEGER","type_code":5}`, `{"name","type":5}` or `["NAME", 5]`.
pub fn json_columns(j: &Json, ctx: &str) -> Vec<(String, VoltType)> {
    j.as_array()
        .unwrap_or_else(|| panic!("{ctx}: columns are not a list"))
        .iter()
        .map(|c| {
            let (name, code) = if let Some(pair) = c.as_array() {
                (
                    pair[0].as_str().unwrap().to_owned(),
                    json_i64(&pair[1], ctx),
                )
            } else {
                let code = match c.get("type_code") {
                    Some(code) => json_i64(code, ctx),
                    None => json_i64(&c["type"], ctx),
                };
                (c["name"].as_str().unwrap().to_owned(), code)
            };
            let ty = VoltType::from_code(code as i8)
                .unwrap_or_else(|e| panic!("{ctx}: column type {code}: {e}"));
            (name, ty)
        })
        .collect()
}

/// Builds a table from `{"columns": [...], "rows": [[...]]}` with `TableBuilder`.
pub fn json_table(j: &Json, status: i8, ctx: &str) -> VoltTable {
    let cols = json_columns(&j["columns"], ctx);
    let mut b = TableBuilder::new(
        cols.iter()
            .map(|(n, t)| VoltColumn::new(n.clone(), *t))
            .collect(),
    )
    .status(status);
    for (r, row) in j["rows"].as_array().unwrap().iter().enumerate() {
        let vals: Vec<Value> = row
            .as_array()
            .unwrap()
            .iter()
            .zip(&cols)
            .map(|(x, (_, t))| json_value(*t, x, &format!("{ctx} row {r}")))
            .collect();
        b.add_row(&vals)
            .unwrap_or_else(|e| panic!("{ctx}: row {r} does not encode: {e}"));
    }
    b.build()
}

/// Rings of a WKT polygon as (lng, lat) pairs, parsed independently of the crate.
pub fn wkt_rings(wkt: &str) -> Vec<Vec<(f64, f64)>> {
    let body = wkt
        .trim()
        .strip_prefix("POLYGON")
        .unwrap_or_else(|| panic!("not a polygon: {wkt}"))
        .trim();
    let body = body
        .strip_prefix('(')
        .and_then(|b| b.strip_suffix(')'))
        .unwrap_or_else(|| panic!("bad polygon: {wkt}"));
    body.split(')')
        .map(|r| r.trim_start_matches([',', ' ']).trim_start_matches('('))
        .filter(|r| !r.trim().is_empty())
        .map(|ring| {
            ring.split(',')
                .map(|p| {
                    let mut it = p.split_whitespace().map(|x| x.parse::<f64>().unwrap());
                    (it.next().unwrap(), it.next().unwrap())
                })
                .collect()
        })
        .collect()
}

/// Checks a decoded polygon against WKT: every coordinate within
/// [`GEO_TOLERANCE`], and `Display` equal to the WKT text.
pub fn assert_geography_matches(g: &Geography, wkt: &str, ctx: &str) {
    let want = wkt_rings(wkt);
    let got = g.rings();
    assert_eq!(got.len(), want.len(), "{ctx}: ring count of {wkt}");
    for (ri, (gr, wr)) in got.iter().zip(&want).enumerate() {
        assert_eq!(gr.len(), wr.len(), "{ctx}: ring {ri} length of {wkt}");
        for (pi, (gp, (lng, lat))) in gr.iter().zip(wr).enumerate() {
            assert!(
                (gp.lng - lng).abs() <= GEO_TOLERANCE && (gp.lat - lat).abs() <= GEO_TOLERANCE,
                "{ctx}: ring {ri} point {pi}: decoded ({}, {}) vs WKT ({lng}, {lat})",
                gp.lng,
                gp.lat
            );
        }
    }
    assert_eq!(g.to_string(), wkt, "{ctx}: WKT text");
}

fn float_eq(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

/// Checks one decoded cell (or bare value) of type `ty` against its JSON form.
pub fn assert_value_ref_matches(v: &ValueRef<'_>, j: &Json, ty: VoltType, ctx: &str) {
    if j.is_null() {
        assert_eq!(*v, ValueRef::Null(ty), "{ctx}: expected NULL of {ty:?}");
        return;
    }
    assert_eq!(v.volt_type(), ty, "{ctx}: decoded type");
    match (v, ty) {
        (ValueRef::TinyInt(x), _) => assert_eq!(*x as i64, json_i64(j, ctx), "{ctx}"),
        (ValueRef::SmallInt(x), _) => assert_eq!(*x as i64, json_i64(j, ctx), "{ctx}"),
        (ValueRef::Integer(x), _) => assert_eq!(*x as i64, json_i64(j, ctx), "{ctx}"),
        (ValueRef::BigInt(x), _) => assert_eq!(*x, json_i64(j, ctx), "{ctx}"),
        (ValueRef::Float(x), _) => {
            let want = json_f64(j, ctx);
            assert!(float_eq(*x, want), "{ctx}: FLOAT {x:e} vs {want:e}");
        }
        (ValueRef::String(s), _) => assert_eq!(Some(*s), j.as_str(), "{ctx}"),
        (ValueRef::Varbinary(b), _) => {
            assert_eq!(to_hex(b), j["bytes_hex"].as_str().unwrap(), "{ctx}")
        }
        (ValueRef::Timestamp(t), _) => {
            assert_eq!(t.micros(), json_i64(&j["timestamp_us"], ctx), "{ctx}");
            if let Some(iso) = j["iso"].as_str() {
                assert_eq!(t.to_string(), iso, "{ctx}: ISO form");
            }
        }
        (ValueRef::Date(d), _) => {
            assert_eq!(Some(d.to_string().as_str()), j["date"].as_str(), "{ctx}")
        }
        (ValueRef::Decimal(d), _) => {
            let s = j["decimal"].as_str().unwrap();
            assert_eq!(
                Some(d.unscaled()),
                decimal_unscaled(s),
                "{ctx}: DECIMAL {s}"
            );
            let frac = s.split_once('.').map_or(0, |(_, f)| f.len());
            if frac == 12 {
                assert_eq!(d.to_string(), s, "{ctx}: DECIMAL text");
            }
        }
        (ValueRef::Boolean(b), _) => assert_eq!(Some(*b), j.as_bool(), "{ctx}"),
        (ValueRef::GeographyPoint(p), _) => {
            let want = json_point(j, ctx);
            assert!(
                float_eq(p.lng, want.lng) && float_eq(p.lat, want.lat),
                "{ctx}: point {p:?} vs {want:?}"
            );
        }
        (ValueRef::Geography(body), _) => {
            let g = Geography::decode_body(body)
                .unwrap_or_else(|e| panic!("{ctx}: geography does not decode: {e}"));
            assert_geography_matches(&g, json_wkt(j, ctx), ctx);
        }
        (ValueRef::Null(_), _) => panic!("{ctx}: decoded NULL, expected {j}"),
    }
}

/// Checks an owned value (e.g. from `read_param`) of declared type `ty`
/// against its JSON form. Typed NULLs must carry `ty`.
pub fn assert_value_matches(v: &Value, j: &Json, ty: VoltType, ctx: &str) {
    match v {
        Value::Null => {
            assert!(j.is_null(), "{ctx}: untyped NULL, expected {j}");
            assert_eq!(ty, VoltType::Null, "{ctx}: untyped NULL for {ty:?}");
        }
        Value::TypedNull(t) => {
            assert!(j.is_null(), "{ctx}: NULL, expected {j}");
            assert_eq!(*t, ty, "{ctx}: NULL type");
        }
        Value::Geography(g) => {
            assert_eq!(ty, VoltType::Geography, "{ctx}");
            assert_geography_matches(g, json_wkt(j, ctx), ctx);
        }
        Value::Table(t) => {
            assert_eq!(ty, VoltType::Table, "{ctx}");
            assert_table_matches(t, &j["columns"], &j["rows"], ctx);
        }
        Value::Array(et, items) => {
            assert_eq!(*et, ty, "{ctx}: array element type");
            let want = j
                .as_array()
                .unwrap_or_else(|| panic!("{ctx}: array vs {j}"));
            assert_eq!(items.len(), want.len(), "{ctx}: array length");
            for (i, (x, w)) in items.iter().zip(want).enumerate() {
                assert_value_matches(x, w, ty, &format!("{ctx}[{i}]"));
            }
        }
        Value::TinyIntArray(bytes) => {
            assert_eq!(ty, VoltType::TinyInt, "{ctx}");
            if let Some(h) = j.get("bytes_hex") {
                assert_eq!(Some(to_hex(bytes).as_str()), h.as_str(), "{ctx}");
            } else {
                let want = j.as_array().unwrap();
                assert_eq!(bytes.len(), want.len(), "{ctx}: array length");
                for (i, (b, w)) in bytes.iter().zip(want).enumerate() {
                    let got = *b as i8;
                    if w.is_null() {
                        assert_eq!(got, i8::MIN, "{ctx}[{i}]: NULL element");
                    } else {
                        assert_eq!(got as i64, json_i64(w, ctx), "{ctx}[{i}]");
                    }
                }
            }
        }
        other => assert_value_ref_matches(&ValueRef::from(other), j, ty, ctx),
    }
}

/// Checks a table's columns, row count and every cell.
pub fn assert_table_matches(t: &VoltTable, columns: &Json, rows: &Json, ctx: &str) {
    let cols = json_columns(columns, ctx);
    let got: Vec<(String, VoltType)> = t.columns().iter().map(|c| (c.name.clone(), c.ty)).collect();
    assert_eq!(got, cols, "{ctx}: columns");
    let rows = rows.as_array().expect("rows are not a list");
    assert_eq!(t.row_count(), rows.len(), "{ctx}: row count");
    for (ri, (row, want)) in t.rows().zip(rows).enumerate() {
        let want = want.as_array().unwrap();
        assert_eq!(want.len(), cols.len(), "{ctx}: row {ri} width");
        for (ci, w) in want.iter().enumerate() {
            let v: ValueRef<'_> = row
                .get(ci)
                .unwrap_or_else(|e| panic!("{ctx}: row {ri} col {ci}: {e}"));
            assert_value_ref_matches(
                &v,
                w,
                cols[ci].1,
                &format!("{ctx}: row {ri} col {ci} ({})", cols[ci].0),
            );
        }
    }
}

/// Offsets (within a geography body) of every vertex coordinate double.
pub fn geo_vertex_offsets(body: &[u8]) -> Vec<usize> {
    let i32_at = |p: usize| i32::from_be_bytes(body[p..p + 4].try_into().unwrap()) as usize;
    let mut out = Vec::new();
    let loops = i32_at(3);
    let mut p = 7;
    for _ in 0..loops {
        let n = i32_at(p + 1);
        p += 5;
        for _ in 0..n {
            out.extend([p, p + 8, p + 16]);
            p += 24;
        }
        p += 1 + 4 + 33;
    }
    out
}

/// Offsets of every vertex double of every GEOGRAPHY cell of `t`, relative
/// to the start of `t.as_bytes()`.
pub fn table_vertex_offsets(t: &VoltTable) -> Vec<usize> {
    let base = t.as_bytes().as_ptr() as usize;
    let mut out = Vec::new();
    for row in t.rows() {
        for c in 0..row.len() {
            if let Ok(ValueRef::Geography(body)) = row.get::<ValueRef<'_>>(c) {
                let at = body.as_ptr() as usize - base;
                out.extend(geo_vertex_offsets(body).into_iter().map(|o| o + at));
            }
        }
    }
    out
}

/// Compares encoded bytes exactly, except that the doubles starting at
/// `float_offsets` (GEOGRAPHY vertices, computed with sin/cos) may differ in
/// their last bits.
pub fn assert_bytes_match(actual: &[u8], expected: &[u8], float_offsets: &[usize], ctx: &str) {
    if actual == expected {
        return;
    }
    assert_eq!(
        actual.len(),
        expected.len(),
        "{ctx}: length differs\n  ours: {}\n  want: {}",
        to_hex(actual),
        to_hex(expected)
    );
    let mut i = 0;
    while i < actual.len() {
        if actual[i] == expected[i] {
            i += 1;
            continue;
        }
        let o = float_offsets
            .iter()
            .copied()
            .find(|&o| o <= i && i < o + 8)
            .unwrap_or_else(|| {
                panic!(
                    "{ctx}: byte {i} differs outside any vertex double\n  ours: {}\n  want: {}",
                    to_hex(actual),
                    to_hex(expected)
                )
            });
        let a = f64::from_be_bytes(actual[o..o + 8].try_into().unwrap());
        let b = f64::from_be_bytes(expected[o..o + 8].try_into().unwrap());
        assert!(
            (a - b).abs() <= 4.0 * f64::EPSILON,
            "{ctx}: vertex double at {o}: {a:e} vs {b:e}"
        );
        i = o + 8;
    }
}

/// The credentials of the real-server and real-cluster tests:
/// `VOLTDB_USER` and `VOLTDB_PASSWORD` (empty when unset); `None` without a
/// user (a password without one is a mistake, and fails the test).
pub fn credentials() -> Option<(String, String)> {
    let password = std::env::var("VOLTDB_PASSWORD").ok();
    match std::env::var("VOLTDB_USER") {
        Ok(user) => Some((user, password.unwrap_or_default())),
        Err(_) => {
            assert!(
                password.is_none(),
                "VOLTDB_PASSWORD is set without VOLTDB_USER"
            );
            None
        }
    }
}
