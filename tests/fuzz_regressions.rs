//! Regression tests for what the fuzzers (`fuzz/`, see `fuzz/README.md`)
//! and the bounded-memory test found: each input as hex, run through the
//! same driver as its fuzz target (no panic), with the typed error expected
//! from the decoder.

#[path = "fuzz_support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use voltdb::testing::{Invocation, InvocationError};
use voltdb::wire::response::parse_response;
use voltdb::wire::value::read_param;
use voltdb::wire::Reader;
use voltdb::ProtocolError;

fn unhex(s: &str) -> Vec<u8> {
    assert!(s.len() % 2 == 0, "odd-length hex");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex digit"))
        .collect()
}

/// Runs a fuzz target's entry point on `input` and checks it is quick.
fn replay(target: fn(&[u8]), input: &[u8]) {
    let t = Instant::now();
    target(input);
    assert!(
        t.elapsed() < Duration::from_secs(5),
        "took {:?}",
        t.elapsed()
    );
}

// ---------------------------------------------------------------------------
// Over-allocation: a count checked only against the bytes remaining at the
// element's smallest encoding (1 byte per parameter, 4 per table or STRING
// element) pre-sized a vector of 96-byte `Value`s / 88-byte `VoltTable`s, so
// an input whose first element was junk reserved ~24-96 x its own size
// before failing. Fixed in src/wire/{invocation,value,response}.rs by never
// reserving more than the bytes that remain; `tests/bounded_memory.rs`
// measures it.
// ---------------------------------------------------------------------------

/// Invocation "Vote", handle 1, 1000 parameters declared, 1000 bytes of
/// unknown type code 0xff behind the count.
#[test]
fn invocation_param_count_with_junk_params() {
    let hex = format!(
        "{}{}",
        "0000000004566f74650000000000000001", /* v0, "Vote", handle 1 */
        "03e8".to_owned() + &"ff".repeat(1000)
    );
    let body = unhex(&hex);
    match Invocation::parse(&body) {
        Err(InvocationError::Params {
            procedure,
            handle,
            error,
        }) => {
            assert_eq!((procedure.as_str(), handle), ("Vote", 1));
            assert_eq!(error, ProtocolError::UnknownType(-1));
        }
        other => panic!("{other:?}"),
    }
    let mut sel = vec![0];
    sel.extend_from_slice(&body);
    replay(support::fuzz_invocation, &sel);
}

/// A STRING array parameter declaring 1000 elements whose lengths are all
/// 0x80808080 (negative, not the NULL marker).
#[test]
fn string_array_count_with_junk_elements() {
    let p = unhex(&("9d0903e8".to_owned() + &"80".repeat(4000)));
    assert_eq!(
        read_param(&mut Reader::new(&p)),
        Err(ProtocolError::BadLength {
            what: "STRING",
            value: 0x8080_8080u32 as i32 as i64,
        })
    );
    let mut sel = vec![1, 0, 1];
    sel.extend_from_slice(&p);
    replay(support::fuzz_invocation, &sel);
}

/// A response (handle 1, SUCCESS, no strings) declaring 1000 tables, each
/// "table" an `ffffffff` length.
#[test]
fn response_table_count_with_junk_tables() {
    let body = unhex(&("0000000000000000010001800000000003e8".to_owned() + &"ff".repeat(4000)));
    assert_eq!(
        parse_response(body.clone()).unwrap_err(),
        ProtocolError::BadLength {
            what: "table length",
            value: -1,
        }
    );
    replay(support::fuzz_response, &body);
}

// ---------------------------------------------------------------------------
// Fuzzer "timeouts" that were starvation on a loaded machine, not hangs: the
// inputs decode in milliseconds when run alone (fuzz/README.md). Kept here
// so that they stay fast.
// ---------------------------------------------------------------------------

/// `invocation` target, 2026-11-22: an `AllTypesUpsert` invocation with
/// mutated parameters (first byte: target selector, 0 = `Invocation::parse`).
#[test]
fn invocation_alltypes_mutant_is_fast() {
    let input = unhex(INVOCATION_MUTANT);
    replay(support::fuzz_invocation, &input);
    assert!(matches!(
        Invocation::parse(&input[1..]),
        Err(InvocationError::Params { .. })
    ));
}

const INVOCATION_MUTANT: &str = concat!(
    "00000000000e416c6c547970657355707365727400000000000003f9000c0600000000000dbba403",
    "81048001058000000106800000000000000108ffefffffffffffff16b4c4b3571616161616161616",
    "16161616161616161616161616161616161616161616161616161616161616161616161616161616",
    "16161616161616161616161601000000000000001616161616161616161616161616161616161616",
    "16161616a5793b85f675ddc000000001090000000019000000000bffd49cbf48df200026c0668000",
    "00000000c0568000000000001b0000013e0001010000000200000000000100019d08002a94949494",
    "9494949494949494949494949494949494940100000000000010fffffffffffffffaffffffffffff",
    "fffffffffffdffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
);
