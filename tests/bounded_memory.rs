//! No decoder allocates from an unchecked wire length.
//!
//! A counting global allocator (per thread, so the parallel test harness does
//! not disturb it) records the peak of live heap bytes while one decoder
//! call runs. Frames that declare huge counts or lengths — row count
//! 2^31−1, column count 32,767, string/varbinary lengths near `i32::MAX`,
//! array counts 32,767 and a TINYINT array count of `i32::MAX`, geography
//! loop and vertex counts, table, hash and extension counts, a hash ring's N
//! — must fail with a typed error while allocating at most `8 × input + 4
//! KiB`. Each case comes twice: with almost no bytes behind the count, and
//! "padded" with just enough junk that the count passes the
//! bytes-remaining check, so that a decoder that pre-sizes a vector of large
//! items (a `Value` is 96 bytes) from the count would show up here.
//!
//! The allocator needs `unsafe impl GlobalAlloc`; the library itself forbids
//! unsafe code, this test crate allows it for that one wrapper.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use voltdb::client::routing::HashRing;
use voltdb::client::topology::ProcedureInfo;
use voltdb::testing::{Invocation, InvocationError};
use voltdb::wire::login::{LoginRequest, LoginResponse};
use voltdb::wire::response::parse_response;
use voltdb::wire::value::{read_param, read_value};
use voltdb::wire::{frame_status, FrameStatus, Reader, DEFAULT_FRAME_CAP};
use voltdb::{Geography, ProtocolError, VoltTable, VoltType};

struct Counting;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
    static TOTAL: Cell<usize> = const { Cell::new(0) };
}

fn count(delta: isize) {
    let _ = LIVE.try_with(|live| {
        let v = live.get() + delta;
        live.set(v);
        let _ = PEAK.try_with(|p| {
            if v > p.get() {
                p.set(v)
            }
        });
        if delta > 0 {
            let _ = TOTAL.try_with(|t| t.set(t.get() + delta as usize));
        }
    });
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            count(layout.size() as isize);
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            count(layout.size() as isize);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        count(-(layout.size() as isize));
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            // Old and new block may both be live while the bytes are copied.
            count(new_size as isize);
            count(-(layout.size() as isize));
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Runs `f` and returns its result with the peak of live bytes it added and
/// the total bytes it allocated.
fn measure<R>(f: impl FnOnce() -> R) -> (R, usize, usize) {
    let base = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(base));
    let total0 = TOTAL.with(Cell::get);
    let r = f();
    let peak = PEAK.with(Cell::get) - base;
    (r, peak.max(0) as usize, TOTAL.with(Cell::get) - total0)
}

fn limit(input: usize) -> usize {
    8 * input + 4096
}

/// Decodes `input` with `f`, which must fail; checks the allocation bound
/// and returns the error.
fn fails<E: std::fmt::Debug, T>(
    name: &str,
    input: &[u8],
    f: impl FnOnce(&[u8]) -> Result<T, E>,
) -> E {
    let (r, peak, total) = measure(|| f(input).map(|_| ()));
    eprintln!(
        "{name:<44} input {:>8} B  peak {:>8} B  total {:>8} B",
        input.len(),
        peak,
        total
    );
    assert!(
        peak <= limit(input.len()),
        "{name}: peak {peak} B for {} B of input (limit {})",
        input.len(),
        limit(input.len())
    );
    match r {
        Ok(()) => panic!("{name}: decoded, expected an error"),
        Err(e) => e,
    }
}

fn bad_length(e: &ProtocolError) -> bool {
    matches!(
        e,
        ProtocolError::BadLength { .. } | ProtocolError::Truncated { .. }
    )
}

fn be32(v: i32) -> [u8; 4] {
    v.to_be_bytes()
}

fn be16(v: i16) -> [u8; 2] {
    v.to_be_bytes()
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// A table: total length, header length, status, columns, row count, rows.
fn table(cols: &[(VoltType, &str)], row_count: i32, rows: &[u8]) -> Vec<u8> {
    let mut header = vec![0x80];
    header.extend_from_slice(&be16(cols.len() as i16));
    for (t, _) in cols {
        header.push(t.code() as u8);
    }
    for (_, n) in cols {
        header.extend_from_slice(&be32(n.len() as i32));
        header.extend_from_slice(n.as_bytes());
    }
    let mut body = be32(header.len() as i32).to_vec();
    body.extend_from_slice(&header);
    body.extend_from_slice(&be32(row_count));
    body.extend_from_slice(rows);
    let mut out = be32(body.len() as i32).to_vec();
    out.extend_from_slice(&body);
    out
}

fn table_from(b: &[u8]) -> Result<VoltTable, ProtocolError> {
    VoltTable::from_bytes(b.to_vec())
}

/// A response header (handle 1, SUCCESS, no strings) up to the table count.
fn response_head(present: u8) -> Vec<u8> {
    let mut b = vec![0];
    b.extend_from_slice(&1i64.to_be_bytes());
    b.push(present);
    b.push(1); // status
    b
}

fn response_from(b: &[u8]) -> Result<voltdb::VoltResponse, ProtocolError> {
    parse_response(b.to_vec())
}

fn params_from(b: &[u8]) -> Result<Vec<voltdb::Value>, ProtocolError> {
    let mut r = Reader::new(b);
    let mut out = Vec::new();
    while r.remaining() > 0 {
        out.push(read_param(&mut r)?);
    }
    Ok(out)
}

fn invocation_head() -> Vec<u8> {
    cat(&[&[0], &be32(4), b"Vote", &1i64.to_be_bytes()])
}

fn invocation_from(b: &[u8]) -> Result<Invocation, InvocationError> {
    Invocation::parse(b)
}

fn params_error(e: InvocationError) -> ProtocolError {
    match e {
        InvocationError::Params { error, .. } => error,
        InvocationError::Header(e) => panic!("expected a parameter error, got header {e:?}"),
    }
}

#[test]
fn tables_with_huge_counts() {
    let int = [(VoltType::Integer, "A")];
    let e = fails(
        "table: row count 2^31-1",
        &table(&int, i32::MAX, &[]),
        table_from,
    );
    assert!(bad_length(&e), "{e:?}");
    // Padded: as many 4-byte rows as the count check allows, each malformed.
    let rows = vec![0xffu8; 64 * 1024];
    let e = fails(
        "table: row count = bytes/4, rows malformed",
        &table(&int, (rows.len() / 4) as i32, &rows),
        table_from,
    );
    assert!(bad_length(&e), "{e:?}");

    // Column count 32767 with a 3-byte header.
    let mut t = table(&[], 0, &[]);
    t[9..11].copy_from_slice(&be16(i16::MAX));
    let e = fails("table: column count 32767", &t, table_from);
    assert!(bad_length(&e), "{e:?}");
    // Padded: 32767 valid INTEGER types, then names that run out.
    let mut header = vec![0x80];
    header.extend_from_slice(&be16(i16::MAX));
    header.extend_from_slice(&vec![5u8; i16::MAX as usize]);
    header.extend_from_slice(&vec![0u8; 4 * i16::MAX as usize - 4]);
    let body = cat(&[&be32(header.len() as i32 + 4), &header]);
    let t = cat(&[&be32(body.len() as i32), &body]);
    let e = fails("table: 32767 columns, names truncated", &t, table_from);
    assert!(bad_length(&e), "{e:?}");

    // String / varbinary lengths near i32::MAX inside a row.
    for (ty, name) in [
        (VoltType::String, "STRING"),
        (VoltType::Varbinary, "VARBINARY"),
    ] {
        for len in [i32::MAX, i32::MAX - 8, 0x7fff_0000] {
            let row = cat(&[&be32(8), &be32(len), &[0; 4]]);
            let e = fails(
                &format!("table: {name} length {len:#x}"),
                &table(&[(ty, "S")], 1, &row),
                table_from,
            );
            assert!(bad_length(&e), "{e:?}");
        }
    }
    // Row length, header length and total length i32::MAX.
    let row = cat(&[&be32(i32::MAX), &[0; 4]]);
    let e = fails(
        "table: row length i32::MAX",
        &table(&int, 1, &row),
        table_from,
    );
    assert!(bad_length(&e), "{e:?}");
    let mut t = table(&int, 0, &[]);
    t[4..8].copy_from_slice(&be32(i32::MAX));
    let e = fails("table: header length i32::MAX", &t, table_from);
    assert!(bad_length(&e), "{e:?}");
    let mut t = table(&int, 0, &[]);
    t[0..4].copy_from_slice(&be32(i32::MAX));
    let e = fails("table: total length i32::MAX", &t, table_from);
    assert!(bad_length(&e), "{e:?}");
}

#[test]
fn responses_with_huge_counts() {
    // Table count 32767, with nothing behind it, then padded with junk tables.
    let head = cat(&[&response_head(0), &[0x80], &be32(0)]);
    let r = cat(&[&head, &be16(i16::MAX)]);
    let e = fails("response: table count 32767", &r, response_from);
    assert!(bad_length(&e), "{e:?}");
    let r = cat(&[&head, &be16(i16::MAX), &vec![0xff; 4 * i16::MAX as usize]]);
    let e = fails(
        "response: table count 32767, junk tables",
        &r,
        response_from,
    );
    assert!(bad_length(&e), "{e:?}");

    // Hash count 32767 (fields-present bit 0x10).
    let r = cat(&[
        &response_head(0x10),
        &[0x80],
        &be32(0),
        &be16(i16::MAX),
        &be16(0),
    ]);
    let e = fails("response: hash count 32767", &r, response_from);
    assert!(bad_length(&e), "{e:?}");

    // Status string, app status string and exception lengths near i32::MAX.
    for len in [i32::MAX, 0x7fff_fff0] {
        let r = cat(&[&response_head(0x20), &be32(len), b"abc"]);
        let e = fails(
            &format!("response: status string length {len:#x}"),
            &r,
            response_from,
        );
        assert!(bad_length(&e), "{e:?}");
        let r = cat(&[&response_head(0x80), &[0x80], &be32(len), b"abc"]);
        let e = fails(
            &format!("response: app status string length {len:#x}"),
            &r,
            response_from,
        );
        assert!(bad_length(&e), "{e:?}");
        let r = cat(&[&response_head(0x40), &[0x80], &be32(0), &be32(len), &[4]]);
        let e = fails(
            &format!("response: exception length {len:#x}"),
            &r,
            response_from,
        );
        assert!(bad_length(&e), "{e:?}");
    }

    // A table inside a response declaring 2^31-1 rows.
    let t = table(&[(VoltType::BigInt, "X")], i32::MAX, &[]);
    let r = cat(&[&head, &be16(1), &t]);
    let e = fails("response: table with row count 2^31-1", &r, response_from);
    assert!(bad_length(&e), "{e:?}");
}

#[test]
fn parameters_with_huge_counts() {
    // Arrays: an i16 count of 32767 (nothing behind it, then junk elements
    // that each fail), and the i32 count of a TINYINT array.
    for ty in [
        VoltType::Integer,
        VoltType::String,
        VoltType::Geography,
        VoltType::Decimal,
    ] {
        let p = cat(&[&[0x9d, ty.code() as u8], &be16(i16::MAX), &[0; 3]]);
        let e = fails(&format!("param: {ty:?} array count 32767"), &p, params_from);
        assert!(bad_length(&e), "{e:?}");
    }
    for ty in [VoltType::String, VoltType::Varbinary, VoltType::Geography] {
        // Each element's length is 0x80808080 (negative, not NULL).
        let p = cat(&[
            &[0x9d, ty.code() as u8],
            &be16(i16::MAX),
            &vec![0x80; 4 * i16::MAX as usize],
        ]);
        let e = fails(
            &format!("param: {ty:?} array count 32767, junk elements"),
            &p,
            params_from,
        );
        assert!(bad_length(&e), "{e:?}");
    }
    let p = cat(&[&[0x9d, 3], &be32(i32::MAX), &[1, 2, 3]]);
    let e = fails("param: TINYINT array count i32::MAX", &p, params_from);
    assert!(bad_length(&e), "{e:?}");

    // Scalars with lengths near i32::MAX.
    for ty in [VoltType::String, VoltType::Varbinary, VoltType::Geography] {
        for len in [i32::MAX, 0x7fff_fff0] {
            let p = cat(&[&[ty.code() as u8], &be32(len), b"xyz"]);
            let e = fails(&format!("param: {ty:?} length {len:#x}"), &p, params_from);
            assert!(bad_length(&e), "{e:?}");
        }
    }
    // A table parameter declaring i32::MAX bytes.
    let p = cat(&[&[VoltType::Table.code() as u8], &be32(i32::MAX), &[0; 8]]);
    let e = fails("param: table length i32::MAX", &p, params_from);
    assert!(bad_length(&e), "{e:?}");
    // A bare STRING cell (read_value) with length i32::MAX - 1.
    let v = cat(&[&be32(i32::MAX - 1), b"ab"]);
    let e = fails("read_value: STRING length i32::MAX-1", &v, |b| {
        read_value(&mut Reader::new(b), VoltType::String).map(|_| ())
    });
    assert!(bad_length(&e), "{e:?}");
}

#[test]
fn invocations_with_huge_counts() {
    // Parameter count 32767: nothing behind it, then 32767 bytes of unknown
    // type codes (the count passes the 1-byte-per-parameter check).
    let inv = cat(&[&invocation_head(), &be16(i16::MAX)]);
    let e = params_error(fails(
        "invocation: param count 32767",
        &inv,
        invocation_from,
    ));
    assert!(bad_length(&e), "{e:?}");
    let inv = cat(&[
        &invocation_head(),
        &be16(i16::MAX),
        &vec![0xff; i16::MAX as usize],
    ]);
    let e = params_error(fails(
        "invocation: param count 32767, junk params",
        &inv,
        invocation_from,
    ));
    assert_eq!(e, ProtocolError::UnknownType(-1));
    // Parameters that are arrays declaring 32767 elements.
    let arr = cat(&[&[0x9d, 9], &be16(i16::MAX)]);
    let inv = cat(&[&invocation_head(), &be16(100), &arr.repeat(100)]);
    let e = params_error(fails(
        "invocation: 100 string arrays of 32767",
        &inv,
        invocation_from,
    ));
    assert!(bad_length(&e), "{e:?}");

    // Version 2: extension counts 30 (allowed, but no bytes) and 127.
    let v2 = cat(&[&[2], &be32(4), b"Vote", &1i64.to_be_bytes()]);
    for n in [30u8, 127, 0x80] {
        let inv = cat(&[&v2, &[n]]);
        let e = fails(
            &format!("invocation: extension count {}", n as i8),
            &inv,
            invocation_from,
        );
        assert!(
            matches!(e, InvocationError::Header(ref p) if bad_length(p)),
            "{e:?}"
        );
    }
    // Extension payload length code 16 (2^15 bytes) with 4 bytes behind it.
    let inv = cat(&[&v2, &[1, 9, 16], &[0; 4]]);
    let e = fails("invocation: extension length 2^15", &inv, invocation_from);
    assert!(
        matches!(e, InvocationError::Header(ref p) if bad_length(p)),
        "{e:?}"
    );
    // Procedure name length i32::MAX.
    let inv = cat(&[&[0], &be32(i32::MAX), b"Vote"]);
    let e = fails("invocation: name length i32::MAX", &inv, invocation_from);
    assert!(
        matches!(e, InvocationError::Header(ref p) if bad_length(p)),
        "{e:?}"
    );
}

#[test]
fn geography_with_huge_counts() {
    let head = [0u8, 1, 0];
    let g = cat(&[&head, &be32(i32::MAX), &[0; 16]]);
    let e = fails("geography: loop count i32::MAX", &g, Geography::decode_body);
    assert!(bad_length(&e), "{e:?}");
    // Padded: as many 43-byte loops as the check allows, each declaring
    // more vertices than remain.
    let n = 1000;
    let mut g = cat(&[&head, &be32(n)]);
    for _ in 0..n {
        g.extend_from_slice(&[0]);
        g.extend_from_slice(&be32(0x7fff_0000));
        g.extend_from_slice(&[0; 38]);
    }
    let e = fails(
        "geography: 1000 loops, huge vertex counts",
        &g,
        Geography::decode_body,
    );
    assert!(bad_length(&e), "{e:?}");
    for nv in [i32::MAX, 0x7fff_0000, 1 << 24] {
        let g = cat(&[&head, &be32(1), &[0], &be32(nv), &[0; 64]]);
        let e = fails(
            &format!("geography: vertex count {nv:#x}"),
            &g,
            Geography::decode_body,
        );
        assert!(bad_length(&e), "{e:?}");
    }
}

#[test]
fn login_ring_remarks_and_frames() {
    // Login response build string, login request service and username.
    let mut l = vec![0, 0];
    l.extend_from_slice(&be32(2));
    l.extend_from_slice(&17i64.to_be_bytes());
    l.extend_from_slice(&0i64.to_be_bytes());
    l.extend_from_slice(&be32(0x0a00_0001));
    let resp = cat(&[&l, &be32(i32::MAX), b"11.4"]);
    let e = fails(
        "login response: build string i32::MAX",
        &resp,
        LoginResponse::parse,
    );
    assert!(
        matches!(e, voltdb::Error::Protocol(ref p) if bad_length(p)),
        "{e:?}"
    );
    let req = cat(&[&[1, 1], &be32(i32::MAX), b"database"]);
    let e = fails(
        "login request: service length i32::MAX",
        &req,
        LoginRequest::parse,
    );
    assert!(bad_length(&e), "{e:?}");
    let req = cat(&[&[1, 1], &be32(8), b"database", &be32(0x7fff_fff0), &[0; 32]]);
    let e = fails(
        "login request: username length huge",
        &req,
        LoginRequest::parse,
    );
    assert!(bad_length(&e), "{e:?}");

    // Hash ring N = i32::MAX, and N = bytes/8 with tokens out of order.
    let ring = cat(&[&be32(i32::MAX), &be32(i32::MIN), &be32(0)]);
    let e = fails("hash ring: N = i32::MAX", &ring, HashRing::from_raw_config);
    assert!(bad_length(&e), "{e:?}");
    let n = 16 * 1024;
    let ring = cat(&[&be32(n), &be32(i32::MIN), &vec![0u8; 8 * n as usize - 4]]);
    let e = fails(
        "hash ring: N = 16384, tokens not ascending",
        &ring,
        HashRing::from_raw_config,
    );
    assert!(matches!(e, ProtocolError::Malformed(_)), "{e:?}");

    // Deeply nested REMARKS JSON: its nesting stack grows one byte per level.
    let json = format!("{{\"x\":{}", "[".repeat(100_000));
    let e = fails("remarks: 100,000 nested arrays", json.as_bytes(), |b| {
        ProcedureInfo::from_remarks(std::str::from_utf8(b).unwrap())
    });
    assert!(matches!(e, ProtocolError::Malformed(_)), "{e:?}");

    // Frame lengths: no allocation at all, whatever the prefix says.
    for len in [DEFAULT_FRAME_CAP as i32, i32::MAX, -1, 0] {
        let hdr = be32(len);
        let (r, peak, _) = measure(|| frame_status(&hdr, DEFAULT_FRAME_CAP));
        assert_eq!(peak, 0, "frame_status allocated for length {len}");
        match r {
            Ok(FrameStatus::NeedMore(n)) => assert_eq!(n, len as usize),
            Ok(other) => panic!("{other:?}"),
            Err(e) => assert!(matches!(e, ProtocolError::BadFrameLength { .. }), "{e:?}"),
        }
    }
}

#[test]
fn the_allocator_counts() {
    let (_, peak, total) = measure(|| vec![0u8; 100_000]);
    assert!(peak >= 100_000 && total >= 100_000, "{peak} {total}");
}

/// A fake server on loopback: reads the login request, then writes `reply`
/// in pieces of `piece` bytes and closes.
fn serve_once(reply: Vec<u8>, piece: usize) -> (u16, std::thread::JoinHandle<()>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let handle = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().expect("accept");
        let mut len = [0u8; 4];
        s.read_exact(&mut len).expect("login length");
        let mut req = vec![0u8; i32::from_be_bytes(len) as usize];
        s.read_exact(&mut req).expect("login request");
        for chunk in reply.chunks(piece) {
            if s.write_all(chunk).and_then(|_| s.flush()).is_err() {
                return;
            }
        }
    });
    (port, handle)
}

fn login_response(build: &str) -> Vec<u8> {
    let mut body = vec![0, 0];
    body.extend_from_slice(&be32(2));
    body.extend_from_slice(&17i64.to_be_bytes());
    body.extend_from_slice(&1_672_531_200_000i64.to_be_bytes());
    body.extend_from_slice(&be32(0x0a00_0001));
    body.extend_from_slice(&be32(build.len() as i32));
    body.extend_from_slice(build.as_bytes());
    cat(&[&be32(body.len() as i32), &body])
}

#[test]
fn frame_reader_allocates_with_the_bytes_that_arrive() {
    // A login response that announces a frame at the 50 MiB cap, sends 16
    // bytes of it and closes: the client's frame reader must not reserve
    // the 50 MiB up front.
    let reply = cat(&[&be32(DEFAULT_FRAME_CAP as i32), &[0; 16]]);
    let (port, server) = serve_once(reply, 1024);
    let (r, peak, _) = measure(|| {
        voltdb::FastSerializer::builder("127.0.0.1", port)
            .connect_timeout(std::time::Duration::from_secs(10))
            .connect()
    });
    server.join().expect("server thread");
    eprintln!("frame reader: 50 MiB announced, 16 B sent    peak {peak:>8} B");
    assert!(
        matches!(r, Err(voltdb::Error::ConnectionLost { .. })),
        "{:?}",
        r.err()
    );
    assert!(peak < 1 << 20, "peak {peak} B for a 20-byte reply");

    // A genuine large frame (a 300 KB build string, sent in 1000-byte
    // pieces) still arrives whole, within a small multiple of its size.
    let build = "b".repeat(300_000);
    let reply = login_response(&build);
    let size = reply.len();
    let (port, server) = serve_once(reply, 1000);
    let (r, peak, _) = measure(|| {
        voltdb::FastSerializer::builder("127.0.0.1", port)
            .connect_timeout(std::time::Duration::from_secs(10))
            .connect()
            .map(|f| f.build_string().map(|s| s.len()))
    });
    server.join().expect("server thread");
    eprintln!("frame reader: {size} B login response         peak {peak:>8} B");
    assert_eq!(r.expect("login"), Some(build.len()));
    assert!(peak <= limit(size), "peak {peak} B for {size} B");
}
