//! [`Invocation::parse`] (what the test server reads every call with) on
//! the golden invocation vectors, invocations carrying every golden
//! parameter encoding, and every truncation and single-byte mutation of
//! them: it never panics, and what it accepts encodes back to an invocation
//! it reads the same way.

mod common;

use common::{hex_field, name, unhex, vectors, vectors_of_kind};
use voltdb::testing::{encode_invocation, InvocationOptions};
use voltdb::testing::{Invocation, InvocationError};
use voltdb::wire::DEFAULT_FRAME_CAP;
use voltdb::{Value, VoltType};

/// Parses `body`; an invocation it accepts is encoded again (when its
/// values encode) and must read back with the same name, handle, options
/// and parameters.
fn agree(body: &[u8], ctx: &str) {
    match Invocation::parse(body) {
        Ok(inv) => {
            let mut out = Vec::new();
            let encoded = encode_invocation(
                &mut out,
                &inv.procedure,
                inv.handle,
                &inv.options,
                &inv.params,
                None,
                DEFAULT_FRAME_CAP,
            );
            if encoded.is_ok() {
                let back = Invocation::parse(&out[4..]).unwrap_or_else(|e| panic!("{ctx}: {e:?}"));
                assert_eq!(back.procedure, inv.procedure, "{ctx}");
                assert_eq!(back.handle, inv.handle, "{ctx}");
                assert_eq!(back.options, inv.options, "{ctx}");
                // Debug, not ==: a NaN FLOAT is not equal to itself.
                assert_eq!(
                    format!("{:?}", back.params),
                    format!("{:?}", inv.params),
                    "{ctx}"
                );
            }
        }
        Err(InvocationError::Params { .. } | InvocationError::Header(_)) => {}
    }
}

/// `body`, every truncation of it, and every single-byte mutation (to a
/// few byte values that matter: 0, 1, -1, -128, and each bit flipped).
fn agree_mutated(body: &[u8], ctx: &str) {
    agree(body, ctx);
    for n in 0..body.len() {
        agree(&body[..n], &format!("{ctx}: first {n} bytes"));
    }
    let mut b = body.to_vec();
    for i in 0..b.len() {
        let orig = b[i];
        let mut subs = vec![0u8, 1, 0xff, 0x80, 0x7f];
        subs.extend((0..8).map(|bit| orig ^ (1 << bit)));
        for x in subs {
            b[i] = x;
            agree(&b, &format!("{ctx}: byte {i} = {x:#04x}"));
        }
        b[i] = orig;
    }
}

/// An invocation body (v0, `P`, handle 9) with these encoded parameters.
fn with_params(params: &[&[u8]]) -> Vec<u8> {
    let mut b = vec![0, 0, 0, 0, 1, b'P'];
    b.extend_from_slice(&9i64.to_be_bytes());
    b.extend_from_slice(&(params.len() as i16).to_be_bytes());
    for p in params {
        b.extend_from_slice(p);
    }
    b
}

#[test]
fn golden_invocations_agree() {
    let all = vectors();
    let vs = vectors_of_kind(&all, "invocation");
    assert!(!vs.is_empty());
    for v in &vs {
        agree_mutated(&hex_field(v, "hex")[4..], name(v));
    }
}

#[test]
fn golden_parameter_encodings_agree() {
    let all = vectors();
    let mut n = 0;
    for v in vectors_of_kind(&all, "value") {
        if let Some(p) = v.get("param_hex").and_then(|p| p.as_str()) {
            let p = unhex(p);
            agree_mutated(&with_params(&[&p]), name(&v));
            // Next to other parameters: each is read from its own place.
            agree(&with_params(&[&[1], &p, &[3, 7]]), name(&v));
            n += 1;
        }
    }
    for v in vectors_of_kind(&all, "array_param") {
        // Some entries document encodings that cannot be made (no hex).
        let Some(p) = v["hex"].as_str().map(unhex) else {
            continue;
        };
        agree_mutated(&with_params(&[&p]), name(&v));
        agree(&with_params(&[&p, &p, &[1]]), name(&v));
        n += 1;
    }
    assert!(n > 50, "only {n} parameter encodings");
}

#[test]
fn versions_extensions_and_tables_agree() {
    let table = voltdb::testing::table(
        &[("A", VoltType::BigInt), ("B", VoltType::String)],
        &[vec![Value::from(1i64), Value::from("x")]],
    )
    .unwrap();
    let params = [
        Value::from("key"),
        Value::Null,
        Value::Table(table.clone()),
        Value::Array(VoltType::Table, vec![Value::Table(table)]),
        Value::Array(VoltType::BigInt, vec![Value::from(1i64), Value::from(2i64)]),
        Value::TinyIntArray(vec![1, 2, 0x80]),
    ];
    let opts = InvocationOptions {
        batch_timeout_ms: Some(5),
        priority: Some(3),
        request_timeout_us: Some(70),
        partition_destination: Some(2),
    };
    for (i, opts) in [InvocationOptions::default(), opts].iter().enumerate() {
        let mut out = Vec::new();
        encode_invocation(&mut out, "Proc", 42, opts, &params, None, DEFAULT_FRAME_CAP).unwrap();
        agree_mutated(&out[4..], &format!("options {i}"));
    }
    // Version 1 (batch timeout), and version 2 with unknown extensions
    // (BATCH_CALL, 99) among known ones.
    agree_mutated(
        &unhex(concat!(
            "01",         // version 1
            "0100000007", // batch timeout 7 ms
            "0000000150", // "P"
            "0000000000000001",
            "0001",
            "050000000a" // INTEGER 10
        )),
        "v1",
    );
    let v2 = concat!(
        "02",
        "0000000150", // "P"
        "0000000000000001",
        "03",           // extensions
        "040100",       // BATCH_CALL, 1 byte
        "030300000002", // PARTITION_DESTINATION 2
        "63020abc",     // unknown type 99, 2 bytes
        "0000",         // no parameters
    );
    let v2 = unhex(v2);
    agree_mutated(&v2, "v2");
    let inv = Invocation::parse(&v2).unwrap();
    assert_eq!(inv.unknown_extensions, [4, 99]);
    assert_eq!(inv.options.partition_destination, Some(2));
}

#[test]
fn errors_name_the_call() {
    // A bad parameter type after a good header: the handle is known.
    match Invocation::parse(&with_params(&[&[0x42]])) {
        Err(InvocationError::Params {
            procedure, handle, ..
        }) => assert_eq!((procedure.as_str(), handle), ("P", 9)),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        Invocation::parse(&[3]),
        Err(InvocationError::Header(_))
    ));
}
