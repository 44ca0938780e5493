//! Deterministic mutation testing of every network-facing decoder.
//!
//! Seeds are the golden vectors (`tests/data/vectors.json`) and, in the
//! ignored test run with `-- --ignored`, the real-server captures
//! (`../shared/captures/*.json`). Each seed is mutated
//! with bit flips, byte sets (`00`, `ff`, `7f`, `80`), truncations,
//! length/count edits (`±1`, `0`, `-1`, `i32::MAX`, `i32::MIN`, huge; `i16`
//! counts too) and splices with another seed of the same kind, using a
//! fixed-seed xorshift PRNG where the mutations are sampled. Every mutant is
//! fed to its own decoder and to one other decoder (in rotation), inside
//! `catch_unwind`: no input may panic. Decoders return typed errors by
//! construction (`ProtocolError`, `voltdb::Error`, `EncodeError`,
//! `InvocationError`); on success the drivers in `fuzz_support` exercise
//! `Display`, every typed getter of every cell and round-trip oracles.
//!
//! The default run makes well over 100,000 cases (the count is asserted) and
//! takes a few seconds in debug mode. `VOLTDB_MUTATION_SCALE=N` multiplies
//! the sampled mutations by `N` for a longer soak.

mod common;
#[path = "fuzz_support/mod.rs"]
mod support;

use std::panic::{catch_unwind, AssertUnwindSafe};

use common::{to_hex as hex, unhex};
use serde_json::Value as Json;
use voltdb::wire::response::parse_response;
use voltdb::ValueRef;

const CAPTURES: [&str; 2] = [
    "captures/real-server-11.4.json",
    "captures/real-cluster-11.4.json",
];

/// Inputs up to this size are cut at every length.
const ALL_CUTS: usize = 64;
/// Inputs up to this size get every bit flip and byte set (larger ones a
/// random sample of `RANDOM`).
const ALL_BITS: usize = 40;
/// Length edits at every 4-byte-aligned offset below this.
const ALIGNED: usize = 128;
/// Sampled bit flips, byte sets and `i16` edits per seed.
const RANDOM: usize = 48;
/// Splice partners are at most this long.
const SAMPLED_MAX: usize = 4096;
/// Larger seeds get only a few cuts and header edits.
const BIG: usize = 2048;
/// Splices of two seeds of the same kind.
const SPLICES: usize = 6000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decoder {
    Frame,
    LoginResponse,
    LoginRequest,
    Response,
    Table,
    GeographyBody,
    Wkt,
    ValueBytes,
    DecimalStr,
    Invocation,
    ParamSet,
    HashRing,
    Remarks,
}

const ALL: [Decoder; 13] = [
    Decoder::Frame,
    Decoder::LoginResponse,
    Decoder::LoginRequest,
    Decoder::Response,
    Decoder::Table,
    Decoder::GeographyBody,
    Decoder::Wkt,
    Decoder::ValueBytes,
    Decoder::DecimalStr,
    Decoder::Invocation,
    Decoder::ParamSet,
    Decoder::HashRing,
    Decoder::Remarks,
];

fn run(d: Decoder, b: &[u8]) -> bool {
    let text = || String::from_utf8_lossy(b);
    match d {
        Decoder::Frame => {
            support::frame(b);
            true
        }
        Decoder::LoginResponse => support::login_response(b),
        Decoder::LoginRequest => support::login_request(b),
        Decoder::Response => support::response(b),
        Decoder::Table => support::table(b),
        Decoder::GeographyBody => support::geography_body(b),
        Decoder::Wkt => support::wkt(&text()),
        Decoder::ValueBytes => support::value_bytes(b),
        Decoder::DecimalStr => support::decimal_str(&text()),
        Decoder::Invocation => support::invocation(b),
        Decoder::ParamSet => support::param_set(b),
        Decoder::HashRing => support::hash_ring(b),
        Decoder::Remarks => support::remarks(&text()),
    }
}

/// xorshift64* with a fixed seed: the same cases on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Splits a stream into frame bodies.
fn bodies(b: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos + 4 <= b.len() {
        let n = i32::from_be_bytes([b[pos], b[pos + 1], b[pos + 2], b[pos + 3]]);
        if n < 1 || pos + 4 + n as usize > b.len() {
            break;
        }
        out.push(&b[pos + 4..pos + 4 + n as usize]);
        pos += 4 + n as usize;
    }
    out
}

/// Seeds per decoder, from the vectors and (`with_captures`) the captures.
fn seeds(with_captures: bool) -> Vec<(Decoder, Vec<u8>)> {
    let mut out: Vec<(Decoder, Vec<u8>)> = Vec::new();
    let add_response = |out: &mut Vec<(Decoder, Vec<u8>)>, framed: &[u8]| {
        let mut f = vec![0u8];
        f.extend_from_slice(framed);
        out.push((Decoder::Frame, f));
        for body in bodies(framed) {
            out.push((Decoder::Response, body.to_vec()));
            if let Ok(r) = parse_response(body.to_vec()) {
                for t in &r.tables {
                    out.push((Decoder::Table, t.as_bytes().to_vec()));
                    for row in t.rows() {
                        for c in 0..row.len() {
                            if let Ok(ValueRef::Geography(g)) = row.get_ref(c) {
                                out.push((Decoder::GeographyBody, g.to_vec()));
                            }
                        }
                    }
                }
            }
        }
    };
    let doc = common::load_data("vectors.json");
    for v in doc["vectors"].as_array().expect("vectors") {
        let Some(h) = v["hex"].as_str() else { continue };
        let b = unhex(h);
        match v["kind"].as_str().unwrap_or("") {
            "response" => add_response(&mut out, &b),
            "table" => out.push((Decoder::Table, b)),
            "login_response" => {
                for body in bodies(&b) {
                    out.push((Decoder::LoginResponse, body.to_vec()));
                }
            }
            "login_request" => {
                for body in bodies(&b) {
                    out.push((Decoder::LoginRequest, body.to_vec()));
                }
            }
            "invocation" => {
                let mut f = vec![0u8];
                f.extend_from_slice(&b);
                out.push((Decoder::Frame, f));
                for body in bodies(&b) {
                    out.push((Decoder::Invocation, body.to_vec()));
                }
            }
            "array_param" => {
                let mut p = vec![0, 1];
                p.extend_from_slice(&b);
                out.push((Decoder::ParamSet, p));
            }
            "value" => {
                out.push((Decoder::ValueBytes, b.clone()));
                if let Some(ph) = v["param_hex"].as_str() {
                    let mut p = vec![0, 1];
                    p.extend_from_slice(&unhex(ph));
                    out.push((Decoder::ParamSet, p));
                }
                if v["volt_type"] == "GEOGRAPHY" && b.len() > 4 {
                    out.push((Decoder::GeographyBody, b[4..].to_vec()));
                }
                if let Some(w) = v["value"]["wkt"].as_str() {
                    out.push((Decoder::Wkt, w.as_bytes().to_vec()));
                }
                if let Some(d) = v["value"]["decimal"].as_str() {
                    out.push((Decoder::DecimalStr, d.as_bytes().to_vec()));
                }
            }
            "hash_ring" => out.push((Decoder::HashRing, b)),
            _ => {}
        }
    }
    for path in CAPTURES.iter().filter(|_| with_captures) {
        for ex in common::load_json(path).as_array().expect("exchanges") {
            let req = unhex(ex["request_hex"].as_str().unwrap_or(""));
            let resp = unhex(ex["response_hex"].as_str().unwrap_or(""));
            for body in bodies(&req) {
                let login = body[..body.len().min(20)]
                    .windows(8)
                    .any(|w| w == b"database" || w == b"kerberos");
                out.push((
                    if login {
                        Decoder::LoginRequest
                    } else {
                        Decoder::Invocation
                    },
                    body.to_vec(),
                ));
            }
            if ex["decoded"]["kind"] == "login_response" {
                for body in bodies(&resp) {
                    out.push((Decoder::LoginResponse, body.to_vec()));
                }
            } else if !resp.is_empty() {
                add_response(&mut out, &resp);
            }
            let mut stack = vec![&ex["decoded"]];
            while let Some(x) = stack.pop() {
                match x {
                    Json::Object(m) => stack.extend(m.values()),
                    Json::Array(a) => stack.extend(a.iter()),
                    Json::String(s) if s.starts_with('{') && s.contains("singlePartition") => {
                        out.push((Decoder::Remarks, s.as_bytes().to_vec()))
                    }
                    _ => {}
                }
            }
        }
    }
    for s in [
        "POLYGON((0 0, 1 0, 0 1, 0 0))",
        "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 2 4, 4 4, 4 2, 2 2))",
        "POINT(-122.4194 37.7749)",
    ] {
        out.push((Decoder::Wkt, s.as_bytes().to_vec()));
    }
    for s in ["0", "-12.5", "1E5", "1.5e-3", "0.000000000001", "+.5"] {
        out.push((Decoder::DecimalStr, s.as_bytes().to_vec()));
    }
    out.push((
        Decoder::Remarks,
        br#"{"readOnly":true,"singlePartition":true,"partitionParameter":0,"partitionParameterType":6,"x":[{"y":"\u00e9"}]}"#.to_vec(),
    ));
    // Same kind and bytes once only.
    out.sort();
    out.dedup();
    out
}

impl PartialOrd for Decoder {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Decoder {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (*self as u8).cmp(&(*other as u8))
    }
}

const BYTES: [u8; 4] = [0x00, 0xff, 0x7f, 0x80];

fn len_values(orig: i32) -> [i32; 8] {
    [
        orig.wrapping_add(1),
        orig.wrapping_sub(1),
        0,
        -1,
        i32::MAX,
        i32::MIN,
        0x4000_0000,
        52_428_801,
    ]
}

fn i16_values(orig: i16) -> [i16; 6] {
    [
        orig.wrapping_add(1),
        orig.wrapping_sub(1),
        0,
        -1,
        i16::MAX,
        i16::MIN,
    ]
}

fn set_i32(b: &[u8], at: usize, v: i32) -> Vec<u8> {
    let mut m = b.to_vec();
    m[at..at + 4].copy_from_slice(&v.to_be_bytes());
    m
}

fn set_i16(b: &[u8], at: usize, v: i16) -> Vec<u8> {
    let mut m = b.to_vec();
    m[at..at + 2].copy_from_slice(&v.to_be_bytes());
    m
}

fn get_i32(b: &[u8], at: usize) -> i32 {
    i32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// The mutants of one seed:
/// * every truncation (inputs up to `ALL_CUTS` bytes; evenly spaced cuts
///   beyond that);
/// * every length edit (`len_values`) at every 4-byte-aligned offset within
///   the first `ALIGNED` bytes (where the headers and the first lengths are),
///   and at one random unaligned offset per aligned one (string lengths
///   follow odd-sized fields);
/// * every bit flip, byte set (`00 ff 7f 80`) and `i16` edit of inputs up
///   to `ALL_BITS` bytes; for larger ones `RANDOM × scale` sampled single edits: bit
///   flips, byte sets and `i16` count edits (`±1`, `0`, `-1`, `i16::MAX`,
///   `i16::MIN`).
fn mutants(b: &[u8], rng: &mut Rng, scale: usize, emit: &mut dyn FnMut(&[u8])) {
    if b.len() > BIG {
        // The big captures (up to 590 KB; decoded whole by the conformance
        // tests): cuts only, which must fail fast with a typed error.
        for k in 1..8 {
            emit(&b[..b.len() * k / 8]);
        }
        return;
    }
    emit(b);
    if b.len() <= ALL_CUTS {
        for n in 0..b.len() {
            emit(&b[..n]);
        }
    } else {
        for k in 0..ALL_CUTS {
            emit(&b[..b.len() * k / ALL_CUTS]);
        }
    }
    let limit = b.len().saturating_sub(3);
    for at in (0..limit.min(ALIGNED)).step_by(4) {
        for v in len_values(get_i32(b, at)) {
            emit(&set_i32(b, at, v));
        }
        let odd = rng.below(limit);
        let vals = len_values(get_i32(b, odd));
        emit(&set_i32(b, odd, vals[rng.below(vals.len())]));
    }
    if b.len() <= ALL_BITS {
        // Small inputs: every bit flip and every byte set.
        for i in 0..b.len() {
            for bit in 0..8 {
                let mut m = b.to_vec();
                m[i] ^= 1 << bit;
                emit(&m);
            }
            for v in BYTES {
                let mut m = b.to_vec();
                m[i] = v;
                emit(&m);
            }
            if i + 1 < b.len() {
                for v in i16_values(i16::from_be_bytes([b[i], b[i + 1]])) {
                    emit(&set_i16(b, i, v));
                }
            }
        }
        return;
    }
    for _ in 0..RANDOM * scale {
        let mut m = b.to_vec();
        let i = rng.below(m.len());
        match rng.below(3) {
            0 => m[i] ^= 1 << rng.below(8),
            1 => m[i] = BYTES[rng.below(4)],
            _ if m.len() >= 2 => {
                let at = i.min(m.len() - 2);
                let vals = i16_values(i16::from_be_bytes([m[at], m[at + 1]]));
                m = set_i16(&m, at, vals[rng.below(vals.len())]);
            }
            _ => m[i] = !m[i],
        }
        emit(&m);
    }
}

/// Seeded by the golden vectors of `tests/data`.
#[test]
fn mutants_never_panic() {
    mutate_seeds(false);
}

/// Seeded by the golden vectors and the real-server captures.
#[test]
#[ignore = "needs ../shared/captures (or VOLTDB_SHARED)"]
fn mutants_of_captures_never_panic() {
    mutate_seeds(true);
}

fn mutate_seeds(with_captures: bool) {
    let scale: usize = std::env::var("VOLTDB_MUTATION_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1)
        // The vectors alone are fewer seeds: five times the sampled mutations
        // keep the run above its 100,000 cases.
        * if with_captures { 1 } else { 5 };
    let started = std::time::Instant::now();
    support::TYPED_ROWS.store(2, std::sync::atomic::Ordering::Relaxed);
    support::FRAME_BODIES.store(false, std::sync::atomic::Ordering::Relaxed);
    let seeds = seeds(with_captures);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut cases = 0usize;
    let mut per = [0usize; ALL.len()];
    let mut ok = [0usize; ALL.len()];
    let mut spent = [std::time::Duration::ZERO; ALL.len()];
    let mut failures: Vec<String> = Vec::new();
    let quiet = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    {
        let mut feed = |d: Decoder, m: &[u8], cases: &mut usize| {
            // Its own decoder, then one other in rotation.
            let other = ALL[*cases % ALL.len()];
            let decoders: &[Decoder] = if other == d { &[d] } else { &[d, other] };
            for &dec in decoders {
                let t0 = std::time::Instant::now();
                let r = catch_unwind(AssertUnwindSafe(|| run(dec, m)));
                spent[dec as usize] += t0.elapsed();
                per[dec as usize] += 1;
                match r {
                    Ok(true) => ok[dec as usize] += 1,
                    Ok(false) => {}
                    Err(p) => {
                        if failures.len() < 20 {
                            let msg = p
                                .downcast_ref::<String>()
                                .cloned()
                                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                                .unwrap_or_default();
                            failures.push(format!("{dec:?} panicked ({msg}) on {}", hex(m)));
                        }
                    }
                }
            }
            *cases += 1;
        };
        for (d, b) in &seeds {
            mutants(b, &mut rng, scale, &mut |m| feed(*d, m, &mut cases));
        }
        // Splices of two seeds of the same kind.
        for _ in 0..SPLICES * scale {
            let (d, a) = &seeds[rng.below(seeds.len())];
            let same: Vec<&Vec<u8>> = seeds
                .iter()
                .filter(|(k, b)| k == d && b.len() <= SAMPLED_MAX)
                .map(|(_, b)| b)
                .collect();
            if a.len() > SAMPLED_MAX || same.is_empty() {
                continue;
            }
            let b = same[rng.below(same.len())];
            let mut m = a[..rng.below(a.len() + 1)].to_vec();
            m.extend_from_slice(&b[rng.below(b.len() + 1)..]);
            feed(*d, &m, &mut cases);
        }
    }
    std::panic::set_hook(quiet);
    eprintln!(
        "{} seeds, {cases} cases in {:.1?}",
        seeds.len(),
        started.elapsed()
    );
    for d in ALL {
        eprintln!(
            "  {d:?}: {} inputs, {} decoded, {:.1?}",
            per[d as usize], ok[d as usize], spent[d as usize]
        );
    }
    assert!(
        failures.is_empty(),
        "{} panics:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(cases >= 100_000, "only {cases} cases");
    for d in ALL {
        assert!(per[d as usize] > 0, "{d:?} got no input");
    }
}
