//! Conformance with the golden vectors of `tests/data/vectors.json`
//! (produced by the official Python client 16.1.0, cross-checked with the
//! VoltDB 11.4 Java classes). Every vector of every applicable kind is
//! checked in both directions; `hash` and `hash_ring` are covered by the
//! hashinator tests.

mod common;

use common::*;
use serde_json::Value as Json;
use voltdb::testing::Invocation;
use voltdb::testing::{encode_invocation, InvocationOptions};
use voltdb::wire::login::{HashScheme, LoginRequest, LoginResponse};
use voltdb::wire::response::{encode_response, parse_response};
use voltdb::wire::value::{read_param, read_value, write_param, write_value};
use voltdb::wire::{frame_status, FrameStatus, Reader, DEFAULT_FRAME_CAP};
use voltdb::{
    Decimal, EncodeError, Error, LoginError, Status, Value, ValueRef, VoltColumn, VoltTable,
    VoltType,
};

const KNOWN_KINDS: [&str; 10] = [
    "value",
    "array_param",
    "table",
    "response",
    "invocation",
    "login_request",
    "login_response",
    "hash",
    "hash_ring",
    "python_behaviour",
];

#[test]
fn every_kind_is_known() {
    let all = vectors();
    assert!(all.len() >= 200, "only {} vectors", all.len());
    for v in &all {
        let kind = v["kind"].as_str().unwrap();
        assert!(
            KNOWN_KINDS.contains(&kind),
            "{}: unknown kind {kind}",
            name(v)
        );
    }
}

fn encode_value(ty: VoltType, v: &Value) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::new();
    write_value(&mut out, ty, v).map(|_| out)
}

fn encode_param(ty: Option<VoltType>, v: &Value) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::new();
    write_param(&mut out, ty, v).map(|_| out)
}

/// Offsets of vertex doubles in a bare GEOGRAPHY value (`i32` length + body).
fn value_vertex_offsets(ty: VoltType, hex: &[u8]) -> Vec<usize> {
    if ty == VoltType::Geography && hex.len() > 4 {
        geo_vertex_offsets(&hex[4..])
            .into_iter()
            .map(|o| o + 4)
            .collect()
    } else {
        Vec::new()
    }
}

#[test]
fn value_vectors() {
    let vs = vectors_of_kind(&vectors(), "value");
    assert_eq!(vs.len(), 88, "value vector count changed; review the test");
    for v in &vs {
        let n = name(v);
        let ty = volt_type(v["volt_type"].as_str().unwrap());
        let hex = hex_field(v, "hex");
        let param_hex = hex_field(v, "param_hex");
        let sentinel = n.ends_with("_sentinel_value");
        let value = json_value(ty, &v["value"], n);

        // Encode: bare value and parameter.
        let offs = value_vertex_offsets(ty, &hex);
        let param_offs: Vec<usize> = offs.iter().map(|o| o + 1).collect();
        if sentinel {
            // The sentinel given as a value is rejected; NULL gives its bytes.
            assert_eq!(
                encode_value(ty, &value),
                Err(EncodeError::NullSentinel(ty)),
                "{n}: sentinel accepted as a value"
            );
            assert_eq!(
                encode_param(Some(ty), &value),
                Err(EncodeError::NullSentinel(ty)),
                "{n}"
            );
            assert_eq!(encode_value(ty, &Value::Null).unwrap(), hex, "{n}: NULL");
            assert_eq!(
                encode_param(Some(ty), &Value::Null).unwrap(),
                param_hex,
                "{n}: NULL parameter"
            );
        } else {
            let got = encode_value(ty, &value).unwrap_or_else(|e| panic!("{n}: {e}"));
            assert_bytes_match(&got, &hex, &offs, n);
            let got = encode_param(Some(ty), &value).unwrap_or_else(|e| panic!("{n}: {e}"));
            assert_bytes_match(&got, &param_hex, &param_offs, n);
            if value.is_null() {
                // Untyped NULL with no declared type is `01`; a typed NULL keeps its type.
                let typed = if ty == VoltType::Null {
                    Value::Null
                } else {
                    Value::TypedNull(ty)
                };
                assert_eq!(encode_param(None, &typed).unwrap(), param_hex, "{n}");
                assert_eq!(encode_value(ty, &typed).unwrap(), hex, "{n}");
            } else {
                // The value's own type is the vector's type.
                let got = encode_param(None, &value).unwrap();
                assert_bytes_match(&got, &param_hex, &param_offs, n);
            }
        }

        // Decode: bare value.
        if ty == VoltType::Table {
            let err = read_value(&mut Reader::new(&hex), ty).unwrap_err();
            assert!(
                matches!(err, voltdb::ProtocolError::UnexpectedType { .. }),
                "{n}: {err}"
            );
        } else {
            let mut r = Reader::new(&hex);
            let got = read_value(&mut r, ty).unwrap_or_else(|e| panic!("{n}: {e}"));
            assert_eq!(r.remaining(), 0, "{n}: bytes left after the value");
            let expected = if sentinel { &Json::Null } else { &v["value"] };
            assert_value_ref_matches(&got, expected, ty, n);
            if let Some(pd) = v.get("python_decoded") {
                assert_value_ref_matches(&got, pd, ty, &format!("{n} (python_decoded)"));
            }
        }

        // Decode: parameter.
        let mut r = Reader::new(&param_hex);
        let got = read_param(&mut r).unwrap_or_else(|e| panic!("{n}: read_param: {e}"));
        assert_eq!(r.remaining(), 0, "{n}: bytes left after the parameter");
        let expected = if sentinel { &Json::Null } else { &v["value"] };
        assert_value_matches(&got, expected, ty, &format!("{n} (param)"));
    }
}

#[test]
fn value_decode_only_cases() {
    // Python can't decode year 9999's last microsecond (float rounding); we decode it exactly.
    let vs = vectors();
    let v = vs
        .iter()
        .find(|v| name(v) == "timestamp_9999_last_micro")
        .unwrap();
    assert!(v["python_decode_error"].as_str().unwrap().contains("10000"));
    let hex = hex_field(v, "hex");
    let got = read_value(&mut Reader::new(&hex), VoltType::Timestamp).unwrap();
    assert_eq!(got, ValueRef::Timestamp(voltdb::Timestamp::SQL_MAX));
    assert_eq!(
        got.python_repr(),
        "datetime.datetime(9999, 12, 31, 23, 59, 59, 999999)"
    );
}

/// Parameter bytes of an array, with its vertex offsets (none: no GEOGRAPHY arrays in the vectors).
#[test]
fn array_param_vectors() {
    let vs = vectors_of_kind(&vectors(), "array_param");
    assert_eq!(
        vs.len(),
        16,
        "array_param vector count changed; review the test"
    );
    let mut python_bugs = Vec::new();
    for v in &vs {
        let n = name(v);
        let ty = volt_type(v["volt_type"].as_str().unwrap());
        let value = json_array(ty, &v["value"], n);
        let got = encode_param(Some(ty), &value).unwrap_or_else(|e| panic!("{n}: {e}"));
        // Without a declared type the array's own element type is used.
        assert_eq!(encode_param(None, &value).unwrap(), got, "{n}: undeclared");

        if n == "array_varbinary_unsupported" {
            // Python raises; docs/protocol.md#arrays defines VARBINARY arrays: i16 count, each i32 len + bytes.
            assert!(v["hex"].is_null());
            assert!(v["python_error"].as_str().unwrap().contains("Unsupported"));
            assert_eq!(to_hex(&got), "9d19000200000001610000000162", "{n}");
        } else {
            let hex = hex_field(v, "hex");
            assert_eq!(to_hex(&got), to_hex(&hex), "{n}");
            if let Some(py) = v.get("python_hex").and_then(Json::as_str) {
                // Known Python bug: empty arrays without the count.
                assert_ne!(to_hex(&got), py, "{n}");
                assert!(n.starts_with("array_empty_"), "{n}: unexpected python_hex");
                python_bugs.push(n.to_owned());
            }
        }

        let mut r = Reader::new(&got);
        let back = read_param(&mut r).unwrap_or_else(|e| panic!("{n}: read_param: {e}"));
        assert_eq!(r.remaining(), 0, "{n}");
        assert_value_matches(&back, &v["value"], ty, &format!("{n} (decoded)"));
        if let Some(pd) = v.get("python_decoded") {
            assert_value_matches(&back, pd, ty, &format!("{n} (python_decoded)"));
        }
    }
    assert_eq!(
        python_bugs,
        [
            "array_empty_integer",
            "array_empty_string",
            "array_empty_tinyint"
        ]
    );
}

#[test]
fn table_vectors() {
    let vs = vectors_of_kind(&vectors(), "table");
    assert_eq!(vs.len(), 5, "table vector count changed; review the test");
    for v in &vs {
        let n = name(v);
        let hex = hex_field(v, "hex");
        let t = VoltTable::from_bytes(hex.clone()).unwrap_or_else(|e| panic!("{n}: {e}"));
        assert_table_matches(&t, &v["value"]["columns"], &v["value"]["rows"], n);
        if let Some(rows) = v.get("python_decoded_rows") {
            assert_table_matches(
                &t,
                &v["python_decoded_columns"],
                rows,
                &format!("{n} (python)"),
            );
        }
        if let Some(s) = v.get("python_str").and_then(Json::as_str) {
            assert_eq!(t.to_string(), s, "{n}: Display");
        }

        // Re-encoding with TableBuilder from the JSON values gives the same bytes.
        let status = hex[8] as i8;
        let quirk = n == "table_python_writeToSerializer_quirk";
        assert_eq!(status, if quirk { 0 } else { -128 }, "{n}: status byte");
        let built = json_table(&v["value"], status, n);
        assert_bytes_match(built.as_bytes(), &hex, &table_vertex_offsets(&t), n);
        assert_eq!(built.status(), status, "{n}");
        assert_eq!(built, t, "{n}: PartialEq");

        // And from the decoded values (no trigonometry: exact bytes).
        let mut b = VoltTable::builder(t.columns().to_vec()).status(status);
        for row in t.rows() {
            b.add_row(&row.values().unwrap()).unwrap();
        }
        assert_eq!(to_hex(b.build().as_bytes()), to_hex(&hex), "{n}: rebuilt");

        if quirk {
            // Python writes a header length 4 short; our decoder rejects it.
            let py = hex_field(v, "python_hex");
            let err = VoltTable::from_bytes(py).unwrap_err();
            assert!(
                matches!(err, voltdb::ProtocolError::Malformed(_)),
                "{n}: {err:?}"
            );
        }
    }
}

#[test]
fn response_vectors() {
    let vs = vectors_of_kind(&vectors(), "response");
    assert_eq!(
        vs.len(),
        6,
        "response vector count changed; review the test"
    );
    for v in &vs {
        let n = name(v);
        let hex = hex_field(v, "hex");
        assert_eq!(
            frame_status(&hex, DEFAULT_FRAME_CAP).unwrap(),
            FrameStatus::Complete {
                body_len: hex.len() - 4
            },
            "{n}"
        );
        let r = parse_response(hex[4..].to_vec()).unwrap_or_else(|e| panic!("{n}: {e}"));
        let pd = &v["python_decoded"];
        assert_eq!(r.version as i64, json_i64(&pd["version"], n), "{n}");
        assert_eq!(r.client_handle, json_i64(&pd["clientHandle"], n), "{n}");
        assert_eq!(r.status.code() as i64, json_i64(&pd["status"], n), "{n}");
        assert_eq!(
            r.status_string.as_deref(),
            pd["statusString"].as_str(),
            "{n}"
        );
        assert_eq!(
            r.app_status.map(i64::from),
            pd["appStatus"].as_i64(),
            "{n}: app status"
        );
        assert_eq!(
            r.app_status_string.as_deref(),
            pd["appStatusString"].as_str(),
            "{n}"
        );
        assert_eq!(
            r.cluster_round_trip_ms as i64,
            json_i64(&pd["roundtripTime"], n),
            "{n}"
        );
        assert!(pd["exception"].is_null() && r.exception.is_none(), "{n}");
        let tables = pd["tables"].as_array().unwrap();
        assert_eq!(r.tables.len(), tables.len(), "{n}: table count");
        for (i, (t, w)) in r.tables.iter().zip(tables).enumerate() {
            assert_table_matches(t, &w["columns"], &w["rows"], &format!("{n} table {i}"));
        }
        // The encoded fields as given in `value`.
        let val = &v["value"];
        assert_eq!(r.client_handle, json_i64(&val["handle"], n));
        assert_eq!(
            r.status,
            Status::from_code(json_i64(&val["status"], n) as i8)
        );
        if let Some(rtt) = val.get("cluster_rtt") {
            assert_eq!(r.cluster_round_trip_ms as i64, json_i64(rtt, n));
        }
        assert_eq!(
            r.to_string(),
            v["python_str"].as_str().unwrap(),
            "{n}: Display"
        );

        let mut out = Vec::new();
        encode_response(&r, &mut out);
        assert_eq!(to_hex(&out), to_hex(&hex), "{n}: re-encoded");
    }
}

fn invocation_options(val: &Json, n: &str) -> InvocationOptions {
    let mut o = InvocationOptions::default();
    if let Some(ms) = val.get("batch_timeout_ms") {
        o.batch_timeout_ms = Some(json_i64(ms, n) as i32);
    }
    for e in val
        .get("extensions")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        let (k, x) = e.as_object().unwrap().iter().next().unwrap();
        match k.as_str() {
            "ALL_PARTITION" => assert_eq!(x, &Json::Bool(true)),
            "PARTITION_DESTINATION" => o.partition_destination = Some(json_i64(x, n) as i32),
            "BATCH_TIMEOUT_MS" => o.batch_timeout_ms = Some(json_i64(x, n) as i32),
            "REQUEST_PRIORITY" => o.priority = Some(json_i64(x, n) as u8),
            "REQUEST_TIMEOUT_US" => o.request_timeout_us = Some(json_i64(x, n) as i32),
            other => panic!("{n}: unknown extension {other}"),
        }
    }
    o
}

#[test]
fn invocation_vectors() {
    let vs = vectors_of_kind(&vectors(), "invocation");
    assert_eq!(
        vs.len(),
        17,
        "invocation vector count changed; review the test"
    );
    let mut encoded = 0;
    for v in &vs {
        let n = name(v);
        let hex = hex_field(v, "hex");
        let val = &v["value"];
        let procedure = val["procedure"].as_str().unwrap();
        let handle = json_i64(&val["client_handle"], n);
        let types: Vec<VoltType> = val["param_types"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| volt_type(t.as_str().unwrap()))
            .collect();
        let params: Vec<Value> = val["params"]
            .as_array()
            .unwrap()
            .iter()
            .zip(&types)
            .enumerate()
            .map(|(i, (p, t))| json_param(*t, p, &format!("{n} param {i}")))
            .collect();
        let opts = invocation_options(val, n);

        // Encode (version 0 and 2; version 1 has no encoder).
        if hex[4] != 1 {
            let mut out = Vec::new();
            encode_invocation(
                &mut out,
                procedure,
                handle,
                &opts,
                &params,
                Some(&types),
                DEFAULT_FRAME_CAP,
            )
            .unwrap_or_else(|e| panic!("{n}: {e}"));
            assert_eq!(to_hex(&out), to_hex(&hex), "{n}");
            encoded += 1;
            // Plain bytes declared TINYINT are sent as a TINYINT array too.
            if n == "invocation_tinyint_array_as_bytes" {
                let Value::TinyIntArray(b) = &params[0] else {
                    panic!("{n}")
                };
                let mut out2 = Vec::new();
                encode_invocation(
                    &mut out2,
                    procedure,
                    handle,
                    &opts,
                    &[Value::Varbinary(b.clone())],
                    Some(&types),
                    DEFAULT_FRAME_CAP,
                )
                .unwrap();
                assert_eq!(out2, hex, "{n}: from Value::Varbinary");
            }
        } else {
            assert!(val.get("batch_timeout_ms").is_some(), "{n}");
        }

        // Parse.
        assert_eq!(
            frame_status(&hex, DEFAULT_FRAME_CAP).unwrap(),
            FrameStatus::Complete {
                body_len: hex.len() - 4
            }
        );
        let inv = Invocation::parse(&hex[4..]).unwrap_or_else(|e| panic!("{n}: {e:?}"));
        assert_eq!(inv.version, hex[4], "{n}");
        assert_eq!(inv.procedure, procedure, "{n}");
        assert_eq!(inv.handle, handle, "{n}");
        assert_eq!(inv.options, opts, "{n}: options");
        assert_eq!(
            inv.all_partition,
            opts.partition_destination.is_some(),
            "{n}"
        );
        assert!(inv.unknown_extensions.is_empty(), "{n}");
        assert_eq!(inv.params.len(), types.len(), "{n}: parameter count");
        for (i, (p, t)) in inv.params.iter().zip(&types).enumerate() {
            assert_value_matches(p, &val["params"][i], *t, &format!("{n} param {i}"));
        }
    }
    assert_eq!(encoded, 16);
}

#[test]
fn login_request_vectors() {
    let vs = vectors_of_kind(&vectors(), "login_request");
    assert_eq!(
        vs.len(),
        4,
        "login_request vector count changed; review the test"
    );
    for v in &vs {
        let n = name(v);
        let hex = hex_field(v, "hex");
        let val = &v["value"];
        let user = val["username"].as_str().unwrap();
        let password = val["password"].as_str().unwrap();
        let version = json_i64(&val["protocol_version"], n) as u8;
        let scheme = if val["hash_scheme"].as_str().unwrap().starts_with("SHA-256") {
            HashScheme::Sha256
        } else {
            HashScheme::Sha1
        };
        assert_eq!(
            to_hex(&scheme.digest(password)),
            val["password_hash_hex"].as_str().unwrap(),
            "{n}: digest"
        );
        let mut req = LoginRequest::new(user, password, scheme);
        assert_eq!(req.service, val["service"].as_str().unwrap());
        if version == 0 {
            req.version = 0;
        } else {
            assert_eq!(req.scheme_byte as i64, json_i64(&val["scheme_byte"], n));
        }
        let mut out = Vec::new();
        req.encode(&mut out);
        assert_eq!(to_hex(&out), to_hex(&hex), "{n}");
        let back = LoginRequest::parse(&hex[4..]).unwrap_or_else(|e| panic!("{n}: {e}"));
        assert_eq!(back, req, "{n}: parsed");
        assert_eq!(back.scheme(), Some(scheme), "{n}");
    }
}

#[test]
fn login_response_vectors() {
    let vs = vectors_of_kind(&vectors(), "login_response");
    assert_eq!(
        vs.len(),
        8,
        "login_response vector count changed; review the test"
    );
    for v in &vs {
        let n = name(v);
        let hex = hex_field(v, "hex");
        let code = json_i64(&v["value"]["result_code"], n) as i8;
        if n == "login_response_connection_limit_raw" {
            // One unframed byte: the frame reader needs more; the I/O layer maps
            // EOF after a lone 01 to TooManyConnections.
            assert_eq!(hex, [1]);
            assert_eq!(
                frame_status(&hex, DEFAULT_FRAME_CAP).unwrap(),
                FrameStatus::NeedMore(3)
            );
            assert_eq!(hex[0], voltdb::wire::login::CONNECTION_LIMIT_BYTE);
            assert_eq!(LoginError::from_code(code), LoginError::TooManyConnections);
            continue;
        }
        assert_eq!(
            frame_status(&hex, DEFAULT_FRAME_CAP).unwrap(),
            FrameStatus::Complete {
                body_len: hex.len() - 4
            },
            "{n}"
        );
        let parsed = LoginResponse::parse(&hex[4..]);
        if code == 0 {
            let r = parsed.unwrap_or_else(|e| panic!("{n}: {e}"));
            let val = &v["value"];
            let pd = &v["python_decoded"];
            assert_eq!(r.host_id as i64, json_i64(&val["host_id"], n));
            assert_eq!(r.host_id as i64, json_i64(&pd["hostId"], n));
            assert_eq!(r.connection_id, json_i64(&val["connection_id"], n));
            assert_eq!(r.connection_id, json_i64(&pd["connectionId"], n));
            assert_eq!(
                r.cluster_start_ms,
                json_i64(&val["cluster_start_timestamp_ms"], n)
            );
            let (ms, leader) = r.cluster_instance_id();
            assert_eq!(ms, json_i64(&pd["clusterInstanceId"][0], n));
            assert_eq!(leader as i64, json_i64(&pd["clusterInstanceId"][1], n));
            assert_eq!(
                r.leader_address().to_string(),
                val["leader_ipv4"].as_str().unwrap()
            );
            assert_eq!(r.build_string, val["build_string"].as_str().unwrap());
            assert_eq!(Some(r.build_string.as_str()), pd["buildString"].as_str());
            let mut out = Vec::new();
            r.encode(&mut out);
            assert_eq!(to_hex(&out), to_hex(&hex), "{n}: re-encoded");
        } else {
            let err = match parsed {
                Err(Error::Login { error: e, .. }) => e,
                other => panic!("{n}: expected a login error, got {other:?}"),
            };
            assert_eq!(err.code(), Some(code), "{n}");
            assert_eq!(err, LoginError::from_code(code), "{n}");
            let py = v["python_error"].as_str().unwrap();
            let msg = py.strip_prefix("RuntimeError: ").unwrap();
            assert_eq!(err.to_string(), msg, "{n}: message");
            let mut out = Vec::new();
            voltdb::wire::login::encode_login_failure(code, &mut out);
            assert_eq!(out, hex, "{n}: re-encoded");
        }
    }
}

fn sample_table() -> VoltTable {
    let mut b = VoltTable::builder(vec![
        VoltColumn::new("ID", VoltType::Integer),
        VoltColumn::new("NAME", VoltType::String),
    ]);
    b.add_row(&[Value::from(1), Value::from("alice")]).unwrap();
    b.add_row(&[Value::from(2), Value::Null]).unwrap();
    b.build()
}

#[test]
fn python_behaviour_vectors() {
    let vs = vectors_of_kind(&vectors(), "python_behaviour");
    assert_eq!(
        vs.len(),
        16,
        "python_behaviour vector count changed; review the test"
    );
    let out_of_range = |ty: VoltType, v: Value| {
        assert!(
            matches!(encode_value(ty, &v), Err(EncodeError::OutOfRange { .. })),
            "{ty:?} {v:?}"
        )
    };
    let mismatch = |ty: VoltType, v: Value| {
        assert!(
            matches!(encode_value(ty, &v), Err(EncodeError::TypeMismatch { .. })),
            "{ty:?} {v:?}"
        )
    };
    for v in &vs {
        let n = name(v);
        // Python either raised or wrapped silently; we reject every one of
        // these inputs (or, for the two unsupported writers, support them).
        assert!(
            v["python_error"].is_string() || v.get("python_result_hex").is_some(),
            "{n}"
        );
        match n {
            "writeByte(256)" => out_of_range(VoltType::TinyInt, Value::Integer(256)),
            "writeByte(200) wraps to -56" => out_of_range(VoltType::TinyInt, Value::Integer(200)),
            "writeByte(-129) wraps to 127" => out_of_range(VoltType::TinyInt, Value::Integer(-129)),
            "writeInt16(40000) wraps" => out_of_range(VoltType::SmallInt, Value::Integer(40000)),
            "writeInt32(2**40) wraps" => out_of_range(VoltType::Integer, Value::BigInt(1 << 40)),
            "writeInt64(1.5)" => mismatch(VoltType::BigInt, Value::Float(1.5)),
            "writeFloat64('x')" => mismatch(VoltType::Float, Value::from("x")),
            "writeString(5)" => mismatch(VoltType::String, Value::Integer(5)),
            "writeVarbinary('abc')" => mismatch(VoltType::Varbinary, Value::from("abc")),
            "writeDecimal(1.5)" => mismatch(VoltType::Decimal, Value::Float(1.5)),
            "writeDecimal(scale 13)" => {
                assert_eq!(
                    "0.0000000000001".parse::<Decimal>(),
                    Err(EncodeError::DecimalScale(13))
                );
                let r: rust_decimal::Decimal = "1.0000000000001".parse().unwrap();
                assert_eq!(Decimal::try_from(r), Err(EncodeError::DecimalScale(13)));
            }
            "writeDecimal(27 integer digits)" => {
                assert_eq!(
                    "100000000000000000000000000".parse::<Decimal>(),
                    Err(EncodeError::DecimalPrecision(27))
                );
                assert_eq!(
                    "-123456789012345678901234567.5".parse::<Decimal>(),
                    Err(EncodeError::DecimalPrecision(27))
                );
            }
            "writeTimestamp(5)" => mismatch(VoltType::Timestamp, Value::Integer(5)),
            "writeGeographyPoint([1.0, 2.0])" => mismatch(
                VoltType::GeographyPoint,
                Value::Array(VoltType::Float, vec![Value::Float(1.0), Value::Float(2.0)]),
            ),
            "write(VOLTTABLE)" => {
                // Python has no VOLTTABLE writer; we send tables as parameters (docs/protocol.md#scalar-encodings).
                let t = sample_table();
                let bytes = encode_param(Some(VoltType::Table), &Value::Table(t.clone())).unwrap();
                assert_eq!(bytes[0], 0x15);
                assert_eq!(&bytes[1..], t.as_bytes());
                mismatch(VoltType::Table, Value::Integer(1));
            }
            "writeArray(VARBINARY)" => {
                // Python can't; docs/protocol.md#arrays defines it.
                let a = Value::Array(
                    VoltType::Varbinary,
                    vec![Value::from(vec![0xdeu8]), Value::Null],
                );
                assert_eq!(
                    to_hex(&encode_param(None, &a).unwrap()),
                    "9d19000200000001deffffffff"
                );
            }
            other => panic!("unhandled python_behaviour vector {other}"),
        }
    }
}

/// `Display` of every table and response in the vectors equals Python's `str()`.
#[test]
fn display_matches_every_python_str() {
    let mut checked = 0;
    for v in &vectors() {
        let Some(s) = v.get("python_str").and_then(Json::as_str) else {
            continue;
        };
        let hex = hex_field(v, "hex");
        let shown = match v["kind"].as_str().unwrap() {
            "table" => VoltTable::from_bytes(hex).unwrap().to_string(),
            "response" => parse_response(hex[4..].to_vec()).unwrap().to_string(),
            k => panic!("{}: python_str on kind {k}", name(v)),
        };
        assert_eq!(shown, s, "{}", name(v));
        checked += 1;
    }
    assert_eq!(checked, 10);
}
