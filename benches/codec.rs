//! Codec benchmarks (no sockets): decode a 10,000-row response and read every
//! cell through the typed row API (rows as tuples with `VoltTable::rows_as`,
//! and cell by cell with `Row::get`), against a `memcpy` of the same bytes and
//! the official Python client, and against a
//! reference reader written by hand for this one layout (the "ceiling":
//! no index, no checks; and the "floor": the same without any UTF-8 check,
//! a bound for every reader that lends checked `&str`); encode an invocation with 3 parameters (ns/call,
//! allocations per call).
//!
//! Every decoder folds what it reads into the same two-word [`Fold`] in the
//! timed loops; the per-column [`Sum`] checks, untimed, that they all read
//! the same cells.
//!
//! `cargo bench --bench codec`; see `benches/common/mod.rs` for the
//! environment variables. `VOLTDB_BENCH_PROFILE=decode|decode-rows|decode-hand|
//! decode-floor|encode` runs one case in a loop for a profiler;
//! `decode-min` prints the best of `VOLTDB_BENCH_ITERATIONS` decodes of each.

#[path = "common/alloc.rs"]
mod alloc;
mod common;

use std::cell::Cell;
use std::hint::black_box;
use std::time::Duration;

use serde_json::json;
use voltdb::testing::{encode_invocation, InvocationOptions};
use voltdb::wire::response::{encode_response, parse_response};
use voltdb::wire::DEFAULT_FRAME_CAP;
use voltdb::{Decimal, Status, Timestamp, Value, VoltColumn, VoltResponse, VoltTable, VoltType};

use common::{
    case_seconds, interleaved, python, python_peer, Case, Clock, Line, Report, Rng, NO_PYTHON,
    ROUNDS,
};

#[global_allocator]
static GLOBAL: alloc::Counting = alloc::Counting;

const ROWS: usize = 10_000;

/// The columns of the decoded table, in order.
fn columns() -> Vec<VoltColumn> {
    vec![
        VoltColumn::new("ID", VoltType::BigInt),
        VoltColumn::new("QTY", VoltType::Integer),
        VoltColumn::new("PRICE", VoltType::Float),
        VoltColumn::new("NAME", VoltType::String),
        VoltColumn::new("TS", VoltType::Timestamp),
        VoltColumn::new("AMOUNT", VoltType::Decimal),
        VoltColumn::new("BLOB", VoltType::Varbinary),
    ]
}

/// A framed response holding one 10,000-row table of mixed columns: VARCHAR
/// of 10–100 bytes, VARBINARY of 8–64 bytes, and NULLs in every column but ID.
fn response_frame() -> Vec<u8> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut b = VoltTable::builder(columns());
    for i in 0..ROWS {
        let null = |every: usize| i % every == every - 1;
        let name: String = (0..rng.range(10, 100))
            .map(|_| (b'a' + rng.range(0, 25) as u8) as char)
            .collect();
        let blob: Vec<u8> = (0..rng.range(8, 64)).map(|_| rng.next() as u8).collect();
        let row = [
            Value::from(i as i64 * 7919),
            if null(7) {
                Value::Null
            } else {
                Value::from(rng.range(0, 1_000_000) as i32)
            },
            if null(13) {
                Value::Null
            } else {
                Value::from(rng.range(0, 1 << 40) as f64 / 1024.0)
            },
            if null(11) {
                Value::Null
            } else {
                Value::from(name)
            },
            if null(17) {
                Value::Null
            } else {
                Value::from(Timestamp::from_micros(
                    1_700_000_000_000_000 + rng.range(0, 1 << 40) as i64,
                ))
            },
            if null(19) {
                Value::Null
            } else {
                Value::from(Decimal::from_unscaled(rng.range(0, 1 << 60) as i128).unwrap())
            },
            if null(23) {
                Value::Null
            } else {
                Value::from(blob)
            },
        ];
        b.add_row(&row).expect("valid row");
    }
    let mut resp = VoltResponse::new(42, Status::Success);
    resp.tables.push(b.build());
    let mut frame = Vec::new();
    encode_response(&resp, &mut frame);
    frame
}

/// What the decoders do with every cell they read: the same for all of
/// them, so that they are compared on reading alone.
trait Acc: Default + PartialEq + std::fmt::Debug {
    fn row(&mut self);
    fn opt<T>(&mut self, col: usize, v: Option<T>, f: impl FnOnce(T) -> u64);
}

/// What a decoder saw, per column, to check (untimed) that the decoders read
/// the same cells: NULL counts and a digest of the values (DECIMAL: NULLs only).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Sum {
    rows: u64,
    nulls: [u64; 7],
    digest: [u64; 7],
}

impl Acc for Sum {
    fn row(&mut self) {
        self.rows += 1;
    }
    #[inline(always)]
    fn opt<T>(&mut self, col: usize, v: Option<T>, f: impl FnOnce(T) -> u64) {
        match v {
            None => self.nulls[col] += 1,
            Some(x) => self.digest[col] = self.digest[col].wrapping_add(f(x)),
        }
    }
}

/// What the timed decodes fold every cell into: two words instead of
/// [`Sum`]'s fifteen, so that the loop spends its time reading cells (every
/// value still counts: a NULL by column, a value rotated by column).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Fold {
    nulls: u64,
    digest: u64,
}

impl Acc for Fold {
    #[inline(always)]
    fn row(&mut self) {}
    #[inline(always)]
    fn opt<T>(&mut self, col: usize, v: Option<T>, f: impl FnOnce(T) -> u64) {
        match v {
            None => self.nulls += 1 << (col * 8),
            Some(x) => self.digest = self.digest.wrapping_add(f(x).rotate_left(col as u32 * 9)),
        }
    }
}

/// Ours: parse the response body (an owned buffer, as the frame reader
/// hands it over) and read every cell with `Row::get::<Option<T>>`. The
/// response is returned so that it is dropped outside the timed part.
fn decode_ours<S: Acc>(body: Vec<u8>) -> (S, VoltResponse) {
    let resp = parse_response(body).expect("our decode");
    let t = &resp.tables[0];
    let mut s = S::default();
    for row in t.rows() {
        s.row();
        s.opt(0, row.get::<Option<i64>>(0).unwrap(), |v| v as u64);
        s.opt(1, row.get::<Option<i32>>(1).unwrap(), |v| v as u64);
        s.opt(2, row.get::<Option<f64>>(2).unwrap(), f64::to_bits);
        s.opt(3, row.get::<Option<&str>>(3).unwrap(), |v| v.len() as u64);
        s.opt(4, row.get::<Option<Timestamp>>(4).unwrap(), |v| {
            v.micros().div_euclid(1000) as u64
        });
        s.opt(5, row.get::<Option<Decimal>>(5).unwrap(), |v| {
            black_box(v);
            0
        });
        s.opt(6, row.get::<Option<&[u8]>>(6).unwrap(), |v| v.len() as u64);
    }
    (s, resp)
}

/// Ours, through the typed row API: every row read as a tuple
/// ([`VoltTable::rows_as`]), which walks each row's cells in one pass.
#[inline(never)]
fn decode_ours_rows<S: Acc>(body: Vec<u8>) -> (S, VoltResponse) {
    type Item<'a> = (
        Option<i64>,
        Option<i32>,
        Option<f64>,
        Option<&'a str>,
        Option<Timestamp>,
        Option<Decimal>,
        Option<&'a [u8]>,
    );
    let resp = parse_response(body).expect("our decode");
    let t = &resp.tables[0];
    let mut s = S::default();
    for row in t.rows_as::<Item>() {
        let (id, qty, price, name, ts, amount, blob) = row.unwrap();
        s.row();
        s.opt(0, id, |v| v as u64);
        s.opt(1, qty, |v| v as u64);
        s.opt(2, price, f64::to_bits);
        s.opt(3, name, |v| v.len() as u64);
        s.opt(4, ts, |v| v.micros().div_euclid(1000) as u64);
        s.opt(5, amount, |v| {
            black_box(v);
            0
        });
        s.opt(6, blob, |v| v.len() as u64);
    }
    (s, resp)
}

/// A reference, not a decoder: this one layout read by hand, with the
/// offsets of the fixed-size cells written in, no index, no type checks and
/// no handling of malformed bytes (slicing panics on them), the VARCHARs
/// copied into one string validated once, as ours does (short ones with the
/// same fixed-size copy). It bounds what any
/// decoder of this layout can do in safe Rust with the same UTF-8 guarantee
/// (the "ceiling" line); the body is taken by value, as ours takes it.
fn decode_by_hand<S: Acc>(body: Vec<u8>) -> (S, Vec<u8>) {
    read_by_hand::<S, true>(body)
}

/// [`decode_by_hand`] without any UTF-8 check: the VARCHARs are read as
/// bytes, neither copied nor validated. No reader that lends checked `&str`
/// cells (which the typed row API does) can be faster: this is the floor
/// line, the bound that a goal against memcpy must leave room for.
fn decode_by_hand_unchecked<S: Acc>(body: Vec<u8>) -> (S, Vec<u8>) {
    read_by_hand::<S, false>(body)
}

/// This layout read by hand; `UTF8`: the VARCHARs kept and validated as
/// ours keeps them (else read as bytes).
#[inline(always)]
fn read_by_hand<S: Acc, const UTF8: bool>(body: Vec<u8>) -> (S, Vec<u8>) {
    fn be<const N: usize>(b: &[u8], at: usize) -> [u8; N] {
        b[at..at + N].try_into().expect("in range")
    }
    let d = &body[..];
    // version 1, handle 8, fields present 1 (none here), status 1, app status
    // 1, cluster round trip 4, table count 2: the table starts at 18.
    let header = i32::from_be_bytes(be(d, 18 + 4)) as usize;
    let mut p = 18 + 8 + header;
    let nrows = i32::from_be_bytes(be(d, p)) as usize;
    p += 4;
    let mut s = S::default();
    let mut text = Vec::with_capacity(if UTF8 { d.len() - p + 128 } else { 0 });
    for _ in 0..nrows {
        let len = i32::from_be_bytes(be(d, p)) as usize;
        let row = &d[p + 4..p + 4 + len];
        p += 4 + len;
        s.row();
        let id = i64::from_be_bytes(be(row, 0));
        s.opt(0, (id != i64::MIN).then_some(id), |v| v as u64);
        let qty = i32::from_be_bytes(be(row, 8));
        s.opt(1, (qty != i32::MIN).then_some(qty), |v| v as u64);
        let price = f64::from_be_bytes(be(row, 12));
        s.opt(2, (price > -1.7e308).then_some(price), f64::to_bits);
        let n = i32::from_be_bytes(be(row, 20));
        let mut q = 24;
        if n >= 0 {
            let name = &row[q..q + n as usize];
            if UTF8 {
                keep_varchar(&mut text, d, p - len + q, name.len());
            }
            s.opt(3, Some(name), |v| v.len() as u64);
            q += n as usize;
        } else {
            s.opt(3, None::<&[u8]>, |v| v.len() as u64);
        }
        let ts = i64::from_be_bytes(be(row, q));
        s.opt(4, (ts != i64::MIN).then_some(ts), |v| {
            v.div_euclid(1000) as u64
        });
        let amount = i128::from_be_bytes(be(row, q + 8));
        s.opt(5, (amount != i128::MIN).then_some(amount), |v| {
            black_box(v);
            0
        });
        let n = i32::from_be_bytes(be(row, q + 24));
        let blob = (n >= 0).then(|| &row[q + 28..q + 28 + n as usize]);
        s.opt(6, blob, |v| v.len() as u64);
    }
    assert!(!UTF8 || std::str::from_utf8(&text).is_ok());
    (s, body)
}

/// Appends the `n` bytes at `at` in `body` to `text` as ours keeps a
/// short VARCHAR: the fixed 128-byte chunk that starts with them, cut to
/// their length (a longer one, or one too near the end, copied as is).
#[inline(always)]
fn keep_varchar(text: &mut Vec<u8>, body: &[u8], at: usize, n: usize) {
    match body.get(at..at + 128) {
        Some(chunk) if n <= 128 => {
            let kept = text.len() + n;
            text.extend_from_slice(chunk);
            text.truncate(kept);
        }
        _ => text.extend_from_slice(&body[at..at + n]),
    }
}

/// Where the non-NULL NAME (VARCHAR) cells are in the body, and their
/// lengths: this layout walked by hand, as [`decode_by_hand`] walks it.
fn varchar_cells(d: &[u8]) -> Vec<(usize, usize)> {
    let at = |p: usize| i32::from_be_bytes(d[p..p + 4].try_into().expect("in range"));
    let mut p = 18 + 8 + at(18 + 4) as usize;
    let nrows = at(p) as usize;
    p += 4;
    let mut cells = Vec::new();
    for _ in 0..nrows {
        let (start, len) = (p + 4, at(p) as usize);
        let n = at(start + 20);
        if n >= 0 {
            cells.push((start + 24, n as usize));
        }
        p = start + len;
    }
    cells
}

/// Times `decode` of an owned copy of `body`: the copy is made, and the
/// result dropped, outside the timed part.
fn time_decode<R>(clock: Clock, body: &[u8], decode: impl FnOnce(Vec<u8>) -> R) -> Duration {
    let owned = black_box(body).to_vec();
    let t0 = clock.now();
    let r = black_box(decode(owned));
    let t = clock.now() - t0;
    drop(r);
    t
}

fn codec(report: &mut Report) {
    let frame = response_frame();
    let body = &frame[4..];
    let mb = frame.len() as f64 / 1e6;
    let secs = case_seconds();

    let expected: Sum = decode_ours(body.to_vec()).0;
    assert_eq!(expected.rows, ROWS as u64);
    assert_eq!(
        decode_ours_rows::<Sum>(body.to_vec()).0,
        expected,
        "rows and cells read the same"
    );
    let by_hand: Sum = decode_by_hand(body.to_vec()).0;
    assert_eq!(
        by_hand, expected,
        "the hand-written reference reads the same cells"
    );
    // The timed decodes fold what they read; the folds must agree too.
    let fold: Fold = decode_ours_rows(body.to_vec()).0;
    assert_eq!(decode_ours::<Fold>(body.to_vec()).0, fold);
    assert_eq!(decode_by_hand::<Fold>(body.to_vec()).0, fold);
    assert_eq!(decode_by_hand_unchecked::<Fold>(body.to_vec()).0, fold);

    // Single-threaded computation: measured in thread CPU time.
    let clock = Cell::new(Clock::ThreadCpu);
    let mut dst = vec![0u8; frame.len()];
    let mut memcpy = || common::memcpy_into(&mut dst, &frame);
    // The body copy is the frame reader's (one allocation per response), not
    // the decoder's: it is made outside the timed part ...
    let mut ours = || time_decode(clock.get(), body, decode_ours_rows::<Fold>);
    let mut ours_cells = || time_decode(clock.get(), body, decode_ours::<Fold>);
    // What keeping the VARCHAR cells costs on its own: the table copies
    // their bytes into one string (a short one as a fixed-size chunk cut to
    // length) and validates it with one std::str::from_utf8 call (cells are
    // then borrowed from it), so that is what is timed here.
    let strings = varchar_cells(body);
    let sample = parse_response(body.to_vec()).expect("decode");
    let names: Vec<&str> = sample.tables[0]
        .rows()
        .filter_map(|r| r.get::<Option<&str>>(3).unwrap())
        .collect();
    assert!(
        names.len() == strings.len()
            && names
                .iter()
                .zip(&strings)
                .all(|(s, &(at, n))| s.as_bytes() == &body[at..at + n]),
        "the VARCHAR cells found by hand are the table's"
    );
    let text_len: usize = strings.iter().map(|&(_, n)| n).sum();
    let mut utf8_only = || {
        let body = black_box(body);
        let mut text = Vec::with_capacity(text_len + 128);
        for &(at, n) in black_box(&strings) {
            keep_varchar(&mut text, body, at, n);
        }
        black_box(String::from_utf8(text).is_ok());
    };
    // ... and inside it here, for comparison.
    let mut ours_with_copy = || {
        black_box(decode_ours_rows::<Fold>(black_box(body).to_vec()));
    };
    let mut by_hand = || time_decode(clock.get(), body, decode_by_hand::<Fold>);
    let mut floor = || time_decode(clock.get(), body, decode_by_hand_unchecked::<Fold>);
    let t = interleaved(
        clock.get(),
        secs * 5.0,
        ROUNDS,
        &mut [
            Case::Plain(&mut memcpy),
            Case::Timed(&mut ours),
            Case::Timed(&mut ours_cells),
            Case::Plain(&mut ours_with_copy),
            Case::Plain(&mut utf8_only),
            Case::Timed(&mut by_hand),
            Case::Timed(&mut floor),
        ],
    );
    let (t_memcpy, t_ours, t_cells, t_ours_copy, t_utf8, t_hand, t_floor) =
        (t[0], t[1], t[2], t[3], t[4], t[5], t[6]);
    let allocs = alloc::allocations_per_call(3, || {
        let owned = body.to_vec();
        black_box(decode_ours_rows::<Fold>(owned));
    }) - 1.0;

    let case = format!("decode {ROWS} rows x 7 cols ({:.2} MB)", mb);
    report.push(Line::new(&case, "memcpy", mb / t_memcpy, "MB/s").note("same bytes, same run"));
    report.push(
        Line::new(&case, "ours", mb / t_ours, "MB/s")
            .vs("memcpy", Some(t_memcpy / t_ours))
            .note("rows as tuples: VoltTable::rows_as"),
    );
    report.push(Line::new(&case, "ours", ROWS as f64 / t_ours, "rows/s"));
    report.push(
        Line::new(&case, "ours, cell by cell", mb / t_cells, "MB/s")
            .vs("memcpy", Some(t_memcpy / t_cells))
            .note("Row::get per cell"),
    );
    report.push(
        Line::new(&case, "ours incl. body copy", mb / t_ours_copy, "MB/s")
            .vs("memcpy", Some(t_memcpy / t_ours_copy)),
    );
    report.push(
        Line::new(
            &case,
            "of which keeping VARCHARs",
            t_utf8 / t_ours * 100.0,
            "% of ours",
        )
        .note(&format!(
            "{} VARCHARs copied, one std::str::from_utf8",
            strings.len()
        )),
    );
    report.push(Line::new(&case, "ours", allocs, "allocs/decode"));
    report.push(
        Line::new(&case, "ceiling: this layout by hand", mb / t_hand, "MB/s")
            .vs("memcpy", Some(t_memcpy / t_hand))
            .note("reference, not a decoder: no index, no checks"),
    );
    report.push(
        Line::new(
            &case,
            "floor: by hand, no UTF-8 check",
            mb / t_floor,
            "MB/s",
        )
        .vs("memcpy", Some(t_memcpy / t_floor))
        .note("bound for any reader lending checked &str"),
    );
    // Ours against the ceiling: both are computation, so this ratio moves
    // less with the machine's state than the ratios to memcpy do.
    report.push(
        Line::new(&case, "ours/ceiling", t_hand / t_ours, "of its speed")
            .vs("ceiling", Some(t_hand / t_ours))
            .goal(0.4)
            .note("the steadier measure on a shared machine"),
    );

    // The Python client times its own decode loop of the same bytes.
    match python() {
        None => {
            report.push(Line::missing(
                &case,
                "python voltdbclient",
                "rows/s",
                NO_PYTHON,
            ));
            report.push(
                Line::missing(&case, "ours/python", "speedup", NO_PYTHON)
                    .vs("python", None)
                    .goal(50.0),
            );
        }
        Some(py) => {
            let req =
                json!({"cmd": "bench_decode", "hex": common::hex(&frame), "min_seconds": secs});
            match python_peer(&py, &req) {
                Ok(j) => {
                    let per = j["per_iteration_s"].as_f64().unwrap_or(f64::NAN);
                    let rows = j["rows"].as_u64().unwrap_or(0);
                    // Ours again, right after, against the same clock conditions.
                    // Python times its own loop with a wall clock: so is ours
                    // here, right after it, under the same conditions.
                    clock.set(Clock::Wall);
                    let t2 = interleaved(Clock::Wall, secs, 3, &mut [Case::Timed(&mut ours)])[0];
                    let mut l =
                        Line::new(&case, "python voltdbclient", ROWS as f64 / per, "rows/s");
                    if rows != ROWS as u64 {
                        l = l.note("python read a different row count");
                    }
                    report.push(l);
                    report.push(
                        Line::new(&case, "ours/python", per / t2, "speedup")
                            .vs("python", Some(per / t2))
                            .goal(50.0),
                    );
                }
                Err(e) => {
                    eprintln!("{e}");
                    report.push(Line::missing(
                        &case,
                        "python voltdbclient",
                        "rows/s",
                        "failed (see stderr)",
                    ));
                }
            }
        }
    }
}

/// Ours: encode into the connection's write buffer, cleared and reused.
fn encode_ours(buf: &mut Vec<u8>, handle: i64, params: &[Value]) {
    buf.clear();
    encode_invocation(
        buf,
        "Insert",
        handle,
        &InvocationOptions::default(),
        params,
        None,
        DEFAULT_FRAME_CAP,
    )
    .unwrap();
}

fn encode(report: &mut Report) {
    let secs = case_seconds();
    let params = [
        Value::from("key-000042"),
        Value::from(42i64),
        Value::from(vec![0xabu8; 32]),
    ];

    let mut buf = Vec::with_capacity(1024);
    encode_ours(&mut buf, 7, &params);
    let size = buf.len();

    let mut handle = 0i64;
    let mut ours = || {
        handle += 1;
        encode_ours(&mut buf, handle, black_box(&params));
        black_box(&buf);
    };
    let t = interleaved(
        Clock::ThreadCpu,
        secs * 2.0,
        6,
        &mut [Case::Plain(&mut ours)],
    );
    let allocs = alloc::allocations_per_call(10_000, &mut ours);

    let case = format!("encode invocation, 3 params ({size} bytes)");
    report.push(Line::new(&case, "ours", t[0] * 1e9, "ns/call"));
    report.push(Line::new(&case, "ours", allocs, "allocs/call").note("goal: 0 (reused buffer)"));
}

/// The lowest time of `iterations` runs of each decoder (thread CPU time,
/// body copy outside) and of a memcpy of the frame, printed with the ratios.
fn decode_min(frame: &[u8], iterations: u64) {
    let clock = Clock::ThreadCpu;
    let mut dst = vec![0u8; frame.len()];
    let body = &frame[4..];
    let mut best = [f64::INFINITY; 6];
    for _ in 0..iterations {
        let t0 = clock.now();
        common::memcpy_into(&mut dst, frame);
        best[0] = best[0].min((clock.now() - t0).as_secs_f64());
        let times = [
            time_decode(clock, body, |b| parse_response(b).expect("decode")),
            time_decode(clock, body, decode_ours::<Fold>),
            time_decode(clock, body, decode_ours_rows::<Fold>),
            time_decode(clock, body, decode_by_hand::<Fold>),
            time_decode(clock, body, decode_by_hand_unchecked::<Fold>),
        ];
        for (b, t) in best[1..].iter_mut().zip(times) {
            *b = b.min(t.as_secs_f64());
        }
    }
    let [memcpy, parse, cells, rows, hand, floor] = best;
    println!(
        "memcpy {:.1} us; parse alone {:.1} us; decode by cells {:.1} us (ratio {:.3}), \
         by rows {:.1} us (ratio {:.3}); ceiling {:.1} us (ratio {:.3}); \
         floor (no UTF-8 check) {:.1} us (ratio {:.3})",
        memcpy * 1e6,
        parse * 1e6,
        cells * 1e6,
        memcpy / cells,
        rows * 1e6,
        memcpy / rows,
        hand * 1e6,
        memcpy / hand,
        floor * 1e6,
        memcpy / floor
    );
}

fn profile(case: &str) {
    let frame = response_frame();
    let params = [
        Value::from("key-000042"),
        Value::from(42i64),
        Value::from(vec![0xabu8; 32]),
    ];
    let mut buf = Vec::with_capacity(1024);
    let iterations: u64 = std::env::var("VOLTDB_BENCH_ITERATIONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100);
    for i in 0..iterations {
        match case {
            "decode" => {
                black_box(decode_ours::<Fold>(frame[4..].to_vec()));
            }
            // The decode alone (thread CPU time, body copy outside), against a
            // memcpy of the frame: the lowest of `iterations` runs of each.
            "decode-min" => {
                if i == 0 {
                    decode_min(&frame, iterations);
                }
            }
            "decode-rows" => {
                black_box(decode_ours_rows::<Fold>(frame[4..].to_vec()));
            }
            "decode-hand" => {
                black_box(decode_by_hand::<Fold>(frame[4..].to_vec()));
            }
            "decode-floor" => {
                black_box(decode_by_hand_unchecked::<Fold>(frame[4..].to_vec()));
            }
            "encode" => {
                for h in 0..10_000 {
                    encode_ours(&mut buf, (i * 10_000 + h) as i64, black_box(&params));
                }
            }
            other => {
                panic!("VOLTDB_BENCH_PROFILE={other}: decode, decode-min, decode-rows, decode-hand, decode-floor or encode")
            }
        }
    }
}

fn main() {
    if !common::start() {
        return;
    }
    // For profilers: run one case alone, in a loop (`decode`, `decode-rows`,
    // `decode-hand`, `decode-floor`, `encode`; `decode-min`
    // prints the best decode and memcpy times).
    if let Ok(case) = std::env::var("VOLTDB_BENCH_PROFILE") {
        profile(&case);
        return;
    }
    common::banner("codec");
    let mut report = Report::new("codec", "decode and encode, no sockets");
    codec(&mut report);
    encode(&mut report);
    report.finish();
}
