//! voltdb-client against voltdb-client-rust 0.2, no sockets: decode a
//! 10,000-row response and read every cell (ours through the typed row API,
//! `VoltTable::rows_as`; theirs through its `get_*_by_idx` getters), and
//! encode an invocation with 3 parameters. Both are timed in the same run,
//! interleaved, in thread CPU time; an untimed check first confirms that
//! both read the same cells.
//!
//! `cargo bench` in `benches/peers/`. `VOLTDB_BENCH_PROFILE=decode-crate`
//! runs their decode alone in a loop for a profiler.

#[path = "../../common/alloc.rs"]
mod alloc;
#[path = "../../common/mod.rs"]
mod common;

use std::hint::black_box;

use bytebuffer::ByteBuffer;
use voltdb::testing::{encode_invocation, InvocationOptions};
use voltdb::wire::response::{encode_response, parse_response};
use voltdb::wire::DEFAULT_FRAME_CAP;
use voltdb::{Decimal, Status, Timestamp, Value, VoltColumn, VoltResponse, VoltTable, VoltType};

use common::{case_seconds, interleaved, Case, Clock, Line, Report, Rng, ROUNDS};

#[global_allocator]
static GLOBAL: alloc::Counting = alloc::Counting;

const ROWS: usize = 10_000;

/// The columns of the decoded table, in order (as in `benches/codec.rs`).
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

/// The response of `benches/codec.rs` (same seed, same cells): one
/// 10,000-row table, VARCHAR of 10–100 bytes, VARBINARY of 8–64 bytes, and
/// NULLs in every column but ID.
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

/// What a decoder saw, per column: NULL counts and a digest of the values
/// (DECIMAL: NULLs only), to check that both read the same cells.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Sum {
    rows: u64,
    nulls: [u64; 7],
    digest: [u64; 7],
}

impl Sum {
    #[inline(always)]
    fn opt<T>(&mut self, col: usize, v: Option<T>, f: impl FnOnce(T) -> u64) {
        match v {
            None => self.nulls[col] += 1,
            Some(x) => self.digest[col] = self.digest[col].wrapping_add(f(x)),
        }
    }

    /// Names of the columns whose cells differ.
    fn differences(&self, other: &Sum) -> Vec<String> {
        let cols = columns();
        (0..7)
            .filter(|&c| self.nulls[c] != other.nulls[c] || self.digest[c] != other.digest[c])
            .map(|c| format!("{} ({})", cols[c].name, cols[c].ty.name()))
            .collect()
    }
}

/// Ours: the body (owned, as the frame reader hands it over) parsed, every
/// row read as a tuple.
fn decode_ours(body: Vec<u8>) -> Sum {
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
    let mut s = Sum::default();
    for row in resp.tables[0].rows_as::<Item>() {
        let (id, qty, price, name, ts, amount, blob) = row.unwrap();
        s.rows += 1;
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
    s
}

/// `voltdb-client-rust` 0.2: its public table decoder `new_volt_table` over
/// a `ByteBuffer` copy of the body (what its listener thread does), and every
/// cell through its typed `get_*_by_idx` getters. Its response-header parser
/// (`VoltResponseInfo::new`) lives in a private module, so the few header
/// fields are skipped here by hand and a default (SUCCESS) info is passed.
fn decode_theirs(body: &[u8]) -> Sum {
    let mut b = ByteBuffer::from_bytes(body);
    b.read_u8().unwrap(); // version
    b.read_i64().unwrap(); // client handle
    let present = b.read_u8().unwrap();
    b.read_i8().unwrap(); // status
    if present & 0x20 != 0 {
        b.read_string().unwrap();
    }
    b.read_i8().unwrap(); // app status
    if present & 0x80 != 0 {
        b.read_string().unwrap();
    }
    b.read_i32().unwrap(); // cluster round trip
    b.read_i16().unwrap(); // table count
    let mut t =
        voltdb_client_rust::new_volt_table(&mut b, Default::default()).expect("their decode");
    let mut s = Sum::default();
    while t.advance_row() {
        s.rows += 1;
        s.opt(0, t.get_i64_by_idx(0).unwrap(), |v| v as u64);
        s.opt(1, t.get_i32_by_idx(1).unwrap(), |v| v as u64);
        s.opt(2, t.get_f64_by_idx(2).unwrap(), f64::to_bits);
        s.opt(3, t.get_string_by_idx(3).unwrap(), |v| v.len() as u64);
        s.opt(4, t.get_time_by_idx(4).unwrap(), |v| {
            v.timestamp_millis() as u64
        });
        s.opt(5, t.get_decimal_by_idx(5).unwrap(), |v| {
            black_box(v);
            0
        });
        s.opt(6, t.get_bytes_op_by_idx(6).unwrap(), |v| v.len() as u64);
    }
    s
}

fn decode(report: &mut Report) {
    let frame = response_frame();
    let body = &frame[4..];
    let ours: Sum = decode_ours(body.to_vec());
    assert_eq!(ours.rows, ROWS as u64);
    // voltdb-client-rust 0.2 returns a FLOAT NULL as the sentinel number
    // (-1.7976931348623157e308) rather than None: reported, not hidden.
    let diff = ours.differences(&decode_theirs(body));

    // Both are given the body as their frame readers have it: ours an owned
    // buffer (copied here, inside the timing, as is theirs into a ByteBuffer).
    let mut run_ours = || {
        black_box(decode_ours(black_box(body).to_vec()));
    };
    let mut run_theirs = || {
        black_box(decode_theirs(black_box(body)));
    };
    let t = interleaved(
        Clock::ThreadCpu,
        case_seconds() * 4.0,
        ROUNDS,
        &mut [Case::Plain(&mut run_ours), Case::Plain(&mut run_theirs)],
    );
    let allocs = alloc::allocations_per_call(3, &mut run_ours);
    let their_allocs = alloc::allocations_per_call(1, &mut run_theirs);

    let case = format!(
        "decode {ROWS} rows x 7 cols ({:.2} MB)",
        frame.len() as f64 / 1e6
    );
    report.push(Line::new(&case, "ours", ROWS as f64 / t[0], "rows/s"));
    report.push(Line::new(&case, "ours", allocs, "allocs/decode"));
    report.push(Line::new(
        &case,
        "voltdb-client-rust",
        ROWS as f64 / t[1],
        "rows/s",
    ));
    report.push(Line::new(
        &case,
        "voltdb-client-rust",
        their_allocs,
        "allocs/decode",
    ));
    let line = Line::new(&case, "ours/voltdb-client-rust", t[1] / t[0], "speedup")
        .vs("voltdb-client-rust", Some(t[1] / t[0]))
        .goal(3.0);
    report.push(if diff.is_empty() {
        line
    } else {
        line.note(&format!("it reads other values in {}", diff.join(", ")))
    });
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

/// voltdb-client-rust: its `ProcedureInvocation::bytes` is private; this is
/// the same code over its public `Value::marshal` (a fresh name `String` and
/// `ByteBuffer` per call, as it does).
fn encode_theirs(handle: i64, params: &[&dyn voltdb_client_rust::Value]) -> Vec<u8> {
    let query = "Insert".to_string();
    let mut len = 15 + query.len() as i32;
    for p in params {
        len += p.get_write_length();
    }
    let mut b = ByteBuffer::new();
    b.write_i32(len);
    b.write_u8(0);
    b.write_string(&query);
    b.write_i64(handle);
    b.write_i16(params.len() as i16);
    for p in params {
        p.marshal(&mut b);
    }
    b.into_vec()
}

fn encode(report: &mut Report) {
    let params = [
        Value::from("key-000042"),
        Value::from(42i64),
        Value::from(vec![0xabu8; 32]),
    ];
    let p1 = String::from("key-000042");
    let p2 = 42i64;
    let p3 = vec![0xabu8; 32];
    let their_params: Vec<&dyn voltdb_client_rust::Value> = vec![&p1, &p2, &p3];

    let mut buf = Vec::with_capacity(1024);
    encode_ours(&mut buf, 7, &params);
    let same = buf == encode_theirs(7, &their_params);
    let size = buf.len();

    let mut handle = 0i64;
    let mut ours = || {
        handle += 1;
        encode_ours(&mut buf, handle, black_box(&params));
        black_box(&buf);
    };
    let mut their_handle = 0i64;
    let mut theirs = || {
        their_handle += 1;
        black_box(encode_theirs(their_handle, black_box(&their_params)));
    };
    let t = interleaved(
        Clock::ThreadCpu,
        case_seconds() * 2.0,
        6,
        &mut [Case::Plain(&mut ours), Case::Plain(&mut theirs)],
    );
    let allocs = alloc::allocations_per_call(10_000, &mut ours);
    let their_allocs = alloc::allocations_per_call(10_000, &mut theirs);

    let case = format!("encode invocation, 3 params ({size} bytes)");
    report.push(Line::new(&case, "ours", t[0] * 1e9, "ns/call"));
    report.push(Line::new(&case, "ours", allocs, "allocs/call").note("goal: 0 (reused buffer)"));
    report.push(Line::new(
        &case,
        "voltdb-client-rust",
        t[1] * 1e9,
        "ns/call",
    ));
    report.push(Line::new(
        &case,
        "voltdb-client-rust",
        their_allocs,
        "allocs/call",
    ));
    let l = Line::new(&case, "ours/voltdb-client-rust", t[1] / t[0], "speedup")
        .vs("voltdb-client-rust", Some(t[1] / t[0]));
    report.push(if same { l } else { l.note("bytes differ!") });
}

fn main() {
    if !common::start() {
        return;
    }
    if let Ok(case) = std::env::var("VOLTDB_BENCH_PROFILE") {
        assert_eq!(case, "decode-crate", "VOLTDB_BENCH_PROFILE: decode-crate");
        let frame = response_frame();
        let iterations: u64 = std::env::var("VOLTDB_BENCH_ITERATIONS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(100);
        for _ in 0..iterations {
            black_box(decode_theirs(&frame[4..]));
        }
        return;
    }
    common::banner("peers");
    let mut report = Report::new("peers", "ours against voltdb-client-rust, no sockets");
    decode(&mut report);
    encode(&mut report);
    report.finish();
}
