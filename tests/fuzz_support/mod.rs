//! Drivers shared by the fuzz targets (`fuzz/`), the deterministic mutation
//! test (`tests/mutation.rs`) and the fuzz regression tests
//! (`tests/fuzz_regressions.rs`).
//!
//! Each driver feeds bytes (or a string) to one network-facing decoder and,
//! when the decode succeeds, exercises everything a caller could do with the
//! result: `Display`, `Debug`, every typed getter, and round-trip oracles
//! (re-encode, decode again, compare). A driver never returns an error: a
//! decoder failure is a typed `Result::Err`, which is fine; a panic (from the
//! decoder or from a broken oracle) is the bug the callers look for.
//!
//! Included with `#[path]` by both crates, so it uses only the public API.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use voltdb::client::routing::HashRing;
use voltdb::client::topology::ProcedureInfo;
use voltdb::testing::Invocation;
use voltdb::wire::login::{LoginRequest, LoginResponse};
use voltdb::wire::response::{encode_response, parse_response};
use voltdb::wire::value::{read_param, read_raw, read_value, skip_value, write_param, RawCell};
use voltdb::wire::{frame_status, FrameStatus, Reader, DEFAULT_FRAME_CAP};
use voltdb::{
    Date, Decimal, Geography, GeographyPoint, Row, Timestamp, Value, ValueRef, VoltResponse,
    VoltTable, VoltType,
};

/// Formats `v` with `Debug` and drops the text (keeps the work observable).
fn sink<T: std::fmt::Debug>(v: &T) {
    let mut s = String::new();
    let _ = write!(s, "{v:?}");
    black_box(s);
}

fn show<T: std::fmt::Display>(v: &T) -> String {
    let s = v.to_string();
    black_box(&s);
    s
}

// ---------------------------------------------------------------------------
// Framing (docs/protocol.md#framing)
// ---------------------------------------------------------------------------

/// `frame_status` over a byte stream: the first byte picks a frame cap (the
/// default 50 MiB or a small one), the rest is split into frames as the
/// client's frame reader does. Checks that every prefix of a frame reports
/// exactly the bytes still missing, and feeds each complete body to the
/// response decoder (every frame a client receives after login is one).
pub fn frame(data: &[u8]) {
    let Some((&sel, stream)) = data.split_first() else {
        return;
    };
    let cap = if sel & 1 == 0 {
        DEFAULT_FRAME_CAP
    } else {
        usize::from(sel >> 1) * 8 + 1
    };
    let mut pos = 0;
    let mut frames = 0;
    while pos <= stream.len() && frames < 64 {
        let buf = &stream[pos..];
        match frame_status(buf, cap) {
            Ok(FrameStatus::NeedMore(n)) => {
                assert!(n > 0, "NeedMore(0)");
                if buf.len() < 4 {
                    assert_eq!(n, 4 - buf.len());
                } else {
                    let len = i32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]);
                    assert!(len >= 1 && len as u64 <= cap as u64);
                    assert_eq!(buf.len() + n, 4 + len as usize);
                }
                break;
            }
            Ok(FrameStatus::Complete { body_len }) => {
                assert!(body_len >= 1 && body_len <= cap, "body_len {body_len}");
                assert!(4 + body_len <= buf.len());
                // Every shorter prefix that holds the header must ask for the rest.
                for k in [4, 4 + body_len / 2, 4 + body_len - 1] {
                    match frame_status(&buf[..k], cap) {
                        Ok(FrameStatus::NeedMore(n)) => assert_eq!(k + n, 4 + body_len),
                        other => panic!("prefix {k} of a complete frame gave {other:?}"),
                    }
                }
                if FRAME_BODIES.load(Ordering::Relaxed) {
                    response(&buf[4..4 + body_len]);
                }
                pos += 4 + body_len;
                frames += 1;
            }
            Err(e) => {
                show(&e);
                assert!(buf.len() >= 4);
                break;
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Login (docs/protocol.md#login)
// ---------------------------------------------------------------------------

/// `LoginResponse::parse` (a login response body, no length prefix).
pub fn login_response(body: &[u8]) -> bool {
    match LoginResponse::parse(body) {
        Ok(l) => {
            sink(&l);
            black_box(l.leader_address());
            black_box(l.cluster_instance_id());
            let mut out = Vec::new();
            l.encode(&mut out);
            let back = LoginResponse::parse(&out[4..]).expect("re-encoded login response");
            assert_eq!(back, l);
            true
        }
        Err(e) => {
            show(&e);
            false
        }
    }
}

/// `LoginRequest::parse` (the test server's login decoder; a body).
pub fn login_request(body: &[u8]) -> bool {
    match LoginRequest::parse(body) {
        Ok(l) => {
            sink(&l);
            sink(&l.scheme());
            let mut out = Vec::new();
            l.encode(&mut out);
            let back = LoginRequest::parse(&out[4..]).expect("re-encoded login request");
            assert_eq!(back, l);
            true
        }
        Err(e) => {
            show(&e);
            false
        }
    }
}

// ---------------------------------------------------------------------------
// Responses (docs/protocol.md#responses) and tables (docs/protocol.md#tables)
// ---------------------------------------------------------------------------

/// `parse_response` (a response body, no length prefix), then `Display`,
/// every cell of every table through every typed getter, and a re-encode
/// round trip.
pub fn response(body: &[u8]) -> bool {
    match parse_response(body.to_vec()) {
        Ok(r) => {
            exercise_response(&r);
            true
        }
        Err(e) => {
            show(&e);
            false
        }
    }
}

pub fn exercise_response(r: &VoltResponse) {
    show(r);
    sink(&r.status.name());
    show(&r.status);
    if let Some(e) = &r.exception {
        show(e);
        sink(&e.sql_state());
    }
    for t in &r.tables {
        exercise_table(t);
    }
    black_box(r.clone().ok().is_ok());
    let mut out = Vec::new();
    encode_response(r, &mut out);
    let back = parse_response(out[4..].to_vec()).expect("re-encoded response");
    assert_eq!(&back, r);
}

/// `VoltTable::from_bytes` (a table with its `i32` total length), then all
/// typed reads and a re-parse of `as_bytes`.
pub fn table(bytes: &[u8]) -> bool {
    match VoltTable::from_bytes(bytes.to_vec()) {
        Ok(t) => {
            exercise_table(&t);
            true
        }
        Err(e) => {
            show(&e);
            false
        }
    }
}

/// Whether `frame` also decodes each complete frame as a response (the fuzz
/// target does; the mutation test, which feeds the same bytes to
/// `response` anyway, does not).
pub static FRAME_BODIES: AtomicBool = AtomicBool::new(true);

/// How many rows of a table get every typed getter (the first ones and the
/// last one); all rows are still printed and read as `Value`s.
pub static TYPED_ROWS: AtomicUsize = AtomicUsize::new(8);

macro_rules! get_all {
    ($row:expr, $c:expr, $plain:expr; $($t:ty),* $(,)?) => {$(
        same_as_from_volt::<$t>(&$row, $c, $plain);
    )*};
}

/// A cell as a plain walk of the table's bytes reads it: its type and
/// bytes (`None`: NULL), or what is wrong with it.
type PlainCell<'a> = Result<(VoltType, Option<RawCell<'a>>), voltdb::ProtocolError>;

/// `Row::get::<T>` and `Row::get::<Option<T>>` give what `T::from_volt`
/// (or `T::from_null`) gives for the cell read plainly (the getters find
/// it through the table's index and kept text).
fn same_as_from_volt<'a, T: voltdb::FromVolt<'a> + std::fmt::Debug>(
    row: &Row<'a>,
    c: usize,
    plain: &PlainCell<'a>,
) {
    let general = |opt: bool| match plain {
        Ok((_, None)) if opt => Ok(None),
        Ok((ty, None)) => T::from_null(*ty).map(Some).map_err(|e| format!("{e:?}")),
        Ok((_, Some(cell))) => T::from_volt(*cell).map(Some).map_err(|e| format!("{e:?}")),
        Err(e) => Err(format!(
            "{:?}",
            voltdb::ConversionError::Malformed {
                column: c,
                problem: e.clone()
            }
        )),
    };
    // Errors from `from_volt` carry column 0: compare them without it.
    let unplaced = |r: Result<Option<T>, String>| match r {
        Ok(v) => format!("{v:?}"),
        Err(e) => e.replace(&format!("column: {c}"), "column: 0"),
    };
    let fast = row.get::<T>(c).map(Some).map_err(|e| format!("{e:?}"));
    assert_eq!(unplaced(fast), unplaced(general(false)), "column {c}");
    let fast = row.get::<Option<T>>(c).map_err(|e| format!("{e:?}"));
    assert_eq!(unplaced(fast), unplaced(general(true)), "column {c}");
}

/// Every getter of every cell, `Display` of the table and its rows, and the
/// table's own bytes parsed again.
pub fn exercise_table(t: &VoltTable) {
    show(t);
    black_box(t.status());
    for c in t.columns() {
        show(c);
        black_box(t.column_index(&c.name));
    }
    let n = t.column_count();
    assert_eq!(t.rows().len(), t.row_count());
    let typed = TYPED_ROWS.load(Ordering::Relaxed);
    let plain = plain_cells(t);
    for (row, plain) in t.rows().zip(&plain) {
        let i = row.index();
        exercise_row(&row, n, i < typed || i + 1 == t.row_count(), plain);
    }
    // Past the end: typed errors.
    assert!(t.row(t.row_count()).is_err());
    match t.scalar::<Value>() {
        Ok(v) => sink(&v),
        Err(e) => {
            show(&e);
        }
    }
    let again = VoltTable::from_bytes(t.as_bytes().to_vec()).expect("a table's own bytes");
    assert_eq!(&again, t);
    cells_match_a_plain_walk(t);
    tuples_match_the_getters(t);
}

/// A row read as a tuple of `T` (one per column, in one pass along the row)
/// is the cells `Row::get::<T>` gives, or the first of their errors.
fn tuple_as_cells<'a, T, R>(row: &Row<'a>, tuple: impl Fn(R) -> Vec<T>)
where
    T: voltdb::FromVolt<'a> + std::fmt::Debug,
    R: voltdb::FromRow<'a>,
{
    let cells: Result<Vec<T>, _> = (0..row.len()).map(|c| row.get::<T>(c)).collect();
    let got = row.to::<R>().map(tuple);
    assert_eq!(
        format!("{got:?}"),
        format!("{cells:?}"),
        "row {}",
        row.index()
    );
}

macro_rules! tuples_of {
    ($row:expr; $($t:ty),*) => {$(
        match $row.len() {
            1 => tuple_as_cells::<$t, ($t,)>(&$row, |(a,)| vec![a]),
            2 => tuple_as_cells::<$t, ($t, $t)>(&$row, |(a, b)| vec![a, b]),
            3 => tuple_as_cells::<$t, ($t, $t, $t)>(&$row, |(a, b, c)| vec![a, b, c]),
            _ => {}
        }
    )*};
}

/// `VoltTable::rows_as` (with its fast path for tuples of the columns' own
/// types) gives what `Row::to` gives for every row.
fn rows_as_is_to<'a, R: voltdb::FromRow<'a> + std::fmt::Debug>(t: &'a VoltTable) {
    let got: Vec<_> = t
        .rows_as::<R>()
        .take(TYPED_ROWS.load(Ordering::Relaxed))
        .collect();
    let want: Vec<_> = t
        .rows()
        .take(TYPED_ROWS.load(Ordering::Relaxed))
        .map(|r| r.to::<R>())
        .collect();
    assert_eq!(format!("{got:?}"), format!("{want:?}"));
}

macro_rules! rows_as_of {
    ($t:expr; $($ty:ty),*) => {$(
        match $t.column_count() {
            1 => rows_as_is_to::<($ty,)>($t),
            2 => rows_as_is_to::<($ty, $ty)>($t),
            3 => rows_as_is_to::<($ty, $ty, $ty)>($t),
            _ => {}
        }
    )*};
}

/// Rows of up to 3 columns read as tuples (`Row::to`, `VoltTable::rows_as`)
/// of several types, against the cell getters.
fn tuples_match_the_getters(t: &VoltTable) {
    for row in t.rows().take(TYPED_ROWS.load(Ordering::Relaxed)) {
        tuples_of!(row; Value, Option<i64>, i32, Option<&str>, Option<&[u8]>, Option<f64>,
            Option<voltdb::Decimal>, Option<voltdb::Timestamp>);
        if row.len() != 2 {
            assert!(row.to::<(Value, Value)>().is_err());
        }
    }
    if t.column_count() == 1 {
        let rows: Vec<_> = t.rows_as::<(Value,)>().collect();
        assert_eq!(rows.len(), t.row_count());
    }
    rows_as_of!(t; Option<i64>, i32, Option<&str>, String, Option<&[u8]>, Option<f64>,
        voltdb::Decimal, Option<voltdb::Timestamp>);
}

/// Every cell as the table hands it out (`Row::get_ref`, which may borrow a
/// VARCHAR from the table's validated text) is what `read_value` makes of
/// its bytes, found by walking the table's own encoding cell by cell.
fn cells_match_a_plain_walk(t: &VoltTable) {
    let bytes = t.as_bytes();
    let mut r = Reader::new(bytes);
    r.skip(4, "total").unwrap();
    let header = r.read_i32("header").unwrap() as usize;
    r.skip(header, "header").unwrap();
    assert_eq!(r.read_i32("rows").unwrap() as usize, t.row_count());
    for row in t.rows() {
        r.read_i32("row length").unwrap();
        for (c, col) in t.columns().iter().enumerate() {
            let at = r.position();
            let want = read_value(&mut r, col.ty);
            if want.is_err() {
                r = Reader::new(bytes);
                r.skip(at, "cell").unwrap();
                skip_value(&mut r, col.ty).expect("a parsed table's cells fit");
            }
            match (row.get_ref(c), want) {
                // (Debug: a NaN is not equal to itself.)
                (Ok(got), Ok(want)) => assert_eq!(
                    format!("{got:?}"),
                    format!("{want:?}"),
                    "row {} column {c}",
                    row.index()
                ),
                (Err(voltdb::ConversionError::Malformed { problem, .. }), Err(want)) => {
                    assert_eq!(problem, want, "row {} column {c}", row.index())
                }
                (got, want) => panic!("row {} column {c}: {got:?} vs {want:?}", row.index()),
            }
        }
    }
}

/// Every cell of every row, read by a plain walk of the table's bytes.
fn plain_cells(t: &VoltTable) -> Vec<Vec<PlainCell<'_>>> {
    let bytes = t.as_bytes();
    let mut r = Reader::new(bytes);
    r.skip(4, "total").unwrap();
    let header = r.read_i32("header").unwrap() as usize;
    r.skip(header, "header").unwrap();
    r.read_i32("rows").unwrap();
    let mut rows = Vec::with_capacity(t.row_count());
    for _ in 0..t.row_count() {
        r.read_i32("row length").unwrap();
        let cells = t
            .columns()
            .iter()
            .map(|col| {
                let at = r.position();
                let cell = read_raw(&mut r, col.ty);
                if cell.is_err() {
                    r = Reader::new(bytes);
                    r.skip(at, "cell").unwrap();
                    skip_value(&mut r, col.ty).expect("a parsed table's cells fit");
                }
                cell.map(|cell| (col.ty, cell))
            })
            .collect();
        rows.push(cells);
    }
    rows
}

fn exercise_row<'a>(row: &Row<'a>, ncols: usize, typed: bool, plain: &[PlainCell<'a>]) {
    match row.values() {
        Ok(v) => black_box(v.len()),
        Err(e) => show(&e).len(),
    };
    if !typed {
        return;
    }
    sink(row);
    for (c, plain) in plain.iter().enumerate().take(ncols) {
        get_all!(row, c, plain;
            i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, usize,
            f64, bool, &str, String, &[u8], Vec<u8>,
            Decimal, rust_decimal::Decimal, Timestamp, std::time::SystemTime, Date,
            GeographyPoint, Geography, ValueRef<'_>,
        );
        // The error texts of a failing getter of each kind.
        for e in [
            row.get::<i8>(c).err(),
            row.get::<u8>(c).err(),
            row.get::<&str>(c).err(),
            row.get::<Geography>(c).err(),
            row.get::<rust_decimal::Decimal>(c).err(),
        ]
        .into_iter()
        .flatten()
        {
            show(&e);
        }
        match row.get::<Option<Value>>(c) {
            Ok(v) => sink(&v),
            Err(e) => {
                show(&e);
            }
        }
        if let Ok(v) = row.get_ref(c) {
            exercise_value_ref(&v);
        }
    }
    assert!(row.get::<i64>(ncols).is_err());
    assert!(row.get_ref(ncols).is_err());
    black_box(row.get::<Value>("no such column \u{1}").is_err());
}

fn exercise_value_ref(v: &ValueRef<'_>) {
    black_box(v.python_repr());
    black_box(v.volt_type());
    match v {
        ValueRef::Timestamp(t) => {
            show(t);
            sink(&t.to_utc());
            black_box(t.python_repr());
            black_box(t.to_system_time());
        }
        ValueRef::Date(d) => {
            show(d);
        }
        ValueRef::Decimal(d) => {
            show(d);
            black_box(d.to_f64());
            black_box(d.split());
        }
        ValueRef::GeographyPoint(p) => {
            show(p);
        }
        ValueRef::Geography(b) => {
            geography_body(b);
        }
        _ => {}
    }
}

// ---------------------------------------------------------------------------
// Values (docs/protocol.md#values): GEOGRAPHY, DECIMAL, every bare value
// ---------------------------------------------------------------------------

fn same_loops(a: &Geography, b: &Geography) -> bool {
    a.loops().len() == b.loops().len()
        && a.loops().iter().zip(b.loops()).all(|(x, y)| {
            x.len() == y.len()
                && x.iter().zip(y).all(|(p, q)| {
                    p.x.to_bits() == q.x.to_bits()
                        && p.y.to_bits() == q.y.to_bits()
                        && p.z.to_bits() == q.z.to_bits()
                })
        })
}

fn exercise_geography(g: &Geography) {
    show(g);
    sink(g);
    black_box(g.python_repr());
    black_box(g.rings());
    let mut body = Vec::new();
    g.encode_body(&mut body);
    assert_eq!(body.len(), g.serialized_size());
    let back = Geography::decode_body(&body).expect("re-encoded geography");
    assert!(same_loops(&back, g), "geography round trip");
}

/// `Geography::decode_body` (a GEOGRAPHY cell body, no length prefix).
pub fn geography_body(body: &[u8]) -> bool {
    match Geography::decode_body(body) {
        Ok(g) => {
            exercise_geography(&g);
            true
        }
        Err(e) => {
            show(&e);
            false
        }
    }
}

/// `Geography::from_wkt` and `GeographyPoint::from_str` on any text.
pub fn wkt(s: &str) -> bool {
    if let Ok(p) = s.parse::<GeographyPoint>() {
        let text = show(&p);
        text.parse::<GeographyPoint>()
            .expect("a point's own WKT parses");
    }
    match Geography::from_wkt(s) {
        Ok(g) => {
            exercise_geography(&g);
            let text = show(&g);
            Geography::from_wkt(&text).expect("a polygon's own WKT parses");
            true
        }
        Err(e) => {
            show(&e);
            false
        }
    }
}

/// `read_value(DECIMAL)` on the first 16 bytes, then every other type's
/// `read_value` and `skip_value` on the same bytes (they must agree on the
/// size consumed).
pub fn value_bytes(b: &[u8]) -> bool {
    let mut ok = false;
    let mut r = Reader::new(b);
    if let Ok(v) = read_value(&mut r, VoltType::Decimal) {
        ok = true;
        exercise_value_ref(&v);
        // The decoder keeps wire values beyond 38 digits (the server never
        // sends them); conversions round-trip for the values in range.
        if let ValueRef::Decimal(d) = v {
            if Decimal::from_unscaled(d.unscaled()).is_err() {
                black_box(rust_decimal::Decimal::try_from(d).is_ok());
            } else if let Ok(rd) = rust_decimal::Decimal::try_from(d) {
                assert_eq!(
                    Decimal::try_from(rd).ok(),
                    Some(d),
                    "rust_decimal round trip"
                );
            }
        }
    }
    for ty in VoltType::ALL {
        let mut r1 = Reader::new(b);
        let mut r2 = Reader::new(b);
        let read = read_value(&mut r1, ty);
        let skipped = skip_value(&mut r2, ty);
        match (&read, &skipped) {
            (Ok(v), Ok(n)) => {
                assert_eq!(r1.position(), *n, "read/skip size for {ty:?}");
                exercise_value_ref(v);
                if let Ok(owned) = v.to_value() {
                    sink(&owned);
                }
            }
            (Ok(_), Err(e)) => panic!("{ty:?}: read ok but skip failed: {e}"),
            (Err(e), _) => {
                show(e);
            }
        }
    }
    ok
}

/// `Decimal::from_str` on any text: a parsed value prints and parses back to
/// itself, and converts to `rust_decimal` and back without change.
pub fn decimal_str(s: &str) -> bool {
    match s.parse::<Decimal>() {
        Ok(d) => {
            let text = show(&d);
            assert_eq!(
                text.parse::<Decimal>().ok(),
                Some(d),
                "decimal text round trip"
            );
            assert_eq!(Decimal::from_unscaled(d.unscaled()).ok(), Some(d));
            black_box(d.to_f64());
            if let Ok(rd) = rust_decimal::Decimal::try_from(d) {
                assert_eq!(Decimal::try_from(rd).ok(), Some(d));
            }
            true
        }
        Err(e) => {
            show(&e);
            false
        }
    }
}

// ---------------------------------------------------------------------------
// Test-server decoders: invocations (docs/protocol.md#invocations) and parameter sets (docs/protocol.md#parameter-sets)
// ---------------------------------------------------------------------------

/// `Invocation::parse` (an invocation body, no length prefix).
pub fn invocation(body: &[u8]) -> bool {
    match Invocation::parse(body) {
        Ok(inv) => {
            sink(&inv);
            for p in &inv.params {
                exercise_param(p);
            }
            true
        }
        Err(e) => {
            sink(&e);
            false
        }
    }
}

/// A parameter set: `i16 count`, then `read_param` until the count or the
/// bytes run out (as the test server reads one).
pub fn param_set(b: &[u8]) -> bool {
    let mut r = Reader::new(b);
    let Ok(n) = r.read_i16("count") else {
        return false;
    };
    let mut ok = true;
    for _ in 0..n.clamp(0, 512) {
        match read_param(&mut r) {
            Ok(v) => exercise_param(&v),
            Err(e) => {
                show(&e);
                ok = false;
                break;
            }
        }
    }
    ok
}

fn exercise_param(v: &Value) {
    sink(v);
    black_box(v.python_repr());
    black_box(v.volt_type());
    match v {
        Value::Table(t) => exercise_table(t),
        Value::Geography(g) => exercise_geography(g),
        Value::Array(_, items) => {
            for i in items.iter().take(64) {
                exercise_param(i);
            }
        }
        _ => {}
    }
    // What was read can be written again (as the test server echoes
    // parameters), and what is written reads back.
    let mut out = Vec::new();
    if write_param(&mut out, None, v).is_ok() {
        let back = read_param(&mut Reader::new(&out));
        assert!(back.is_ok(), "re-encoded parameter: {back:?}");
    }
}

// ---------------------------------------------------------------------------
// Hashinator (docs/protocol.md#partition-routing)
// ---------------------------------------------------------------------------

/// `HashRing::from_raw_config` (a raw HASHCONFIG blob); a parsed ring
/// encodes back to the same bytes.
pub fn hash_ring(b: &[u8]) -> bool {
    match HashRing::from_raw_config(b) {
        Ok(ring) => {
            assert_eq!(ring.to_raw_config(), b, "ring round trip");
            black_box(ring.partitions());
            for t in [i32::MIN, -1, 0, 1, i32::MAX] {
                black_box(ring.partition_for_token(t));
            }
            true
        }
        Err(e) => {
            show(&e);
            false
        }
    }
}

/// `ProcedureInfo::from_remarks` on any text.
pub fn remarks(s: &str) -> bool {
    match ProcedureInfo::from_remarks(s) {
        Ok(info) => {
            sink(&info);
            black_box(info.is_directed());
            black_box(info.partition_type());
            black_box(info.routing_parameter());
            true
        }
        Err(e) => {
            show(&e);
            false
        }
    }
}

// ---------------------------------------------------------------------------
// The fuzz targets' entry points. Targets that cover two decoders use the
// first byte to choose (even: the first decoder, odd: the second).
// ---------------------------------------------------------------------------

fn split(data: &[u8]) -> Option<(bool, &[u8])> {
    data.split_first().map(|(s, rest)| (s & 1 == 1, rest))
}

/// Target `frame`.
pub fn fuzz_frame(data: &[u8]) {
    frame(data)
}

/// Target `login`: even → `LoginResponse::parse`, odd → `LoginRequest::parse`.
pub fn fuzz_login(data: &[u8]) {
    match split(data) {
        Some((false, b)) => {
            login_response(b);
        }
        Some((true, b)) => {
            login_request(b);
        }
        None => {}
    }
}

/// Target `response`.
pub fn fuzz_response(data: &[u8]) {
    response(data);
}

/// Target `table`.
pub fn fuzz_table(data: &[u8]) {
    table(data);
}

/// Target `geography`: even → `decode_body`, odd → WKT text.
pub fn fuzz_geography(data: &[u8]) {
    match split(data) {
        Some((false, b)) => {
            geography_body(b);
        }
        Some((true, b)) => {
            wkt(&String::from_utf8_lossy(b));
        }
        None => {}
    }
}

/// Target `decimal`: even → `read_value` (DECIMAL, then every type), odd →
/// `Decimal::from_str`.
pub fn fuzz_decimal(data: &[u8]) {
    match split(data) {
        Some((false, b)) => {
            value_bytes(b);
        }
        Some((true, b)) => {
            decimal_str(&String::from_utf8_lossy(b));
        }
        None => {}
    }
}

/// Target `invocation`: even → `Invocation::parse`, odd → a parameter set.
pub fn fuzz_invocation(data: &[u8]) {
    match split(data) {
        Some((false, b)) => {
            invocation(b);
        }
        Some((true, b)) => {
            param_set(b);
        }
        None => {}
    }
}

/// Target `hashinator`: even → `HashRing::from_raw_config`, odd →
/// `ProcedureInfo::from_remarks`.
pub fn fuzz_hashinator(data: &[u8]) {
    match split(data) {
        Some((false, b)) => {
            hash_ring(b);
        }
        Some((true, b)) => {
            remarks(&String::from_utf8_lossy(b));
        }
        None => {}
    }
}
