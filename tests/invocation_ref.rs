//! [`InvocationRef::parse`] (the borrowed parse the test server uses)
//! against [`Invocation::parse`] (the owned one): the same result, or the
//! same error, for the golden invocation vectors, invocations carrying every
//! golden parameter encoding, and every truncation and single-byte mutation
//! of them.

mod common;

use common::{hex_field, name, unhex, vectors, vectors_of_kind};
use voltdb::client::routing::HashKey;
use voltdb::wire::invocation::{
    encode_invocation, Invocation, InvocationError, InvocationOptions, InvocationRef, ParamRef,
};
use voltdb::wire::DEFAULT_FRAME_CAP;
use voltdb::{Value, VoltType};

/// Asserts that both parses of `body` agree, in every field and parameter.
fn agree(body: &[u8], ctx: &str) {
    let owned = Invocation::parse(body);
    let borrowed = InvocationRef::parse(body);
    // The same, keeping the first parameters.
    let mut head: [ParamRef; 2] = Default::default();
    let kept = InvocationRef::parse_into(body, &mut head);
    assert_eq!(format!("{kept:?}"), format!("{borrowed:?}"), "{ctx}");
    if let Ok(b) = &borrowed {
        for (i, h) in head.iter().enumerate().take(b.params.len()) {
            let p = b.params.get(i);
            assert_eq!(
                format!("{:?}", Some(h)),
                format!("{p:?}"),
                "{ctx}: head {i}"
            );
        }
    }
    match (&owned, &borrowed) {
        (Ok(o), Ok(b)) => {
            assert_eq!(b.version, o.version, "{ctx}");
            assert_eq!(b.procedure, o.procedure, "{ctx}");
            assert_eq!(b.handle, o.handle, "{ctx}");
            assert_eq!(b.options, o.options, "{ctx}");
            assert_eq!(b.all_partition, o.all_partition, "{ctx}");
            assert_eq!(
                b.unknown_extensions().collect::<Vec<_>>(),
                o.unknown_extensions,
                "{ctx}"
            );
            assert_eq!(b.params.len(), o.params.len(), "{ctx}");
            assert_eq!(b.params.is_empty(), o.params.is_empty(), "{ctx}");
            assert_eq!(b.params.iter().count(), o.params.len(), "{ctx}");
            for (i, (p, v)) in b.params.iter().zip(&o.params).enumerate() {
                let ctx = format!("{ctx}: param {i}");
                // Debug, not ==: a NaN FLOAT is not equal to itself.
                let pv = p.to_value().unwrap_or_else(|e| panic!("{ctx}: {e}"));
                assert_eq!(format!("{pv:?}"), format!("{v:?}"), "{ctx}");
                assert_eq!(p.volt_type(), v.volt_type(), "{ctx}");
                assert_eq!(p.is_null(), v.is_null(), "{ctx}");
                assert_eq!(p.hash_key(), HashKey::from_value(v), "{ctx}");
                let again = b.params.get(i);
                assert_eq!(format!("{again:?}"), format!("{:?}", Some(&p)), "{ctx}");
            }
            assert_eq!(b.params.get(o.params.len()), None, "{ctx}");
            let again = b.to_invocation().unwrap();
            assert_eq!(format!("{again:?}"), format!("{o:?}"), "{ctx}");
        }
        (Err(o), Err(b)) => assert_eq!(b, o, "{ctx}"),
        _ => panic!("{ctx}: owned {owned:?}, borrowed {borrowed:?}"),
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
    let inv = InvocationRef::parse(&v2).unwrap();
    assert_eq!(inv.unknown_extensions().collect::<Vec<_>>(), [4, 99]);
    assert_eq!(inv.options.partition_destination, Some(2));
}

#[test]
fn errors_name_the_call() {
    // A bad parameter type after a good header: the handle is known.
    match InvocationRef::parse(&with_params(&[&[0x42]])) {
        Err(InvocationError::Params {
            procedure, handle, ..
        }) => assert_eq!((procedure.as_str(), handle), ("P", 9)),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        InvocationRef::parse(&[3]),
        Err(InvocationError::Header(_))
    ));
}
