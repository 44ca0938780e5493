//! Edge cases of the codec: every type at its limits, rejected inputs (and
//! that a rejection leaves the output untouched), arrays, NULLs, tables as
//! parameters, decimals and their `rust_decimal` conversions, geography.

mod common;

use common::{assert_geography_matches, to_hex, unhex};
use voltdb::testing::Invocation;
use voltdb::testing::{encode_invocation, InvocationOptions};
use voltdb::wire::response::{encode_response, parse_response};
use voltdb::wire::types::MAX_VALUE_LENGTH;
use voltdb::wire::value::{read_param, read_value, write_param, write_value, MAX_ARRAY_LEN};
use voltdb::wire::{Reader, DEFAULT_FRAME_CAP};
use voltdb::{
    ConversionError, Date, Decimal, EncodeError, Geography, GeographyPoint, Status, Timestamp,
    Value, ValueRef, VoltColumn, VoltResponse, VoltTable, VoltType,
};

/// A non-empty buffer, to see that failures leave it as it was.
const PREFIX: [u8; 3] = [0xaa, 0xbb, 0xcc];

fn param(declared: Option<VoltType>, v: &Value) -> Result<Vec<u8>, EncodeError> {
    let mut out = PREFIX.to_vec();
    let r = write_param(&mut out, declared, v);
    match r {
        Ok(()) => {
            assert_eq!(out[..3], PREFIX, "prefix overwritten");
            Ok(out[3..].to_vec())
        }
        Err(e) => {
            assert_eq!(out, PREFIX, "failed write_param left bytes: {e}");
            Err(e)
        }
    }
}

fn value(ty: VoltType, v: &Value) -> Result<Vec<u8>, EncodeError> {
    let mut out = PREFIX.to_vec();
    match write_value(&mut out, ty, v) {
        Ok(()) => Ok(out[3..].to_vec()),
        Err(e) => {
            assert_eq!(out, PREFIX, "failed write_value left bytes: {e}");
            Err(e)
        }
    }
}

/// Encodes as a declared parameter, reads it back, and returns the decoded value.
fn round_trip(ty: VoltType, v: &Value) -> Value {
    let bytes = param(Some(ty), v).unwrap_or_else(|e| panic!("{ty:?} {v:?}: {e}"));
    let mut r = Reader::new(&bytes);
    let back = read_param(&mut r).unwrap_or_else(|e| panic!("{ty:?} {v:?}: {e}"));
    assert_eq!(r.remaining(), 0);
    // The bare value decodes to the same thing.
    let bare = value(ty, v).unwrap();
    assert_eq!(bare, bytes[1..]);
    let cell = read_value(&mut Reader::new(&bare), ty).unwrap();
    assert_same(&cell.to_value().unwrap(), &back);
    back
}

fn assert_same(a: &Value, b: &Value) {
    match (a, b) {
        (Value::Float(x), Value::Float(y)) => assert_eq!(x.to_bits(), y.to_bits(), "{x} vs {y}"),
        _ => assert_eq!(a, b),
    }
}

#[test]
fn integers_at_their_edges() {
    let cases: [(VoltType, i64, i64); 4] = [
        (VoltType::TinyInt, i8::MIN as i64, i8::MAX as i64),
        (VoltType::SmallInt, i16::MIN as i64, i16::MAX as i64),
        (VoltType::Integer, i32::MIN as i64, i32::MAX as i64),
        (VoltType::BigInt, i64::MIN, i64::MAX),
    ];
    for (ty, null, max) in cases {
        for v in [null + 1, -1, 0, 1, max] {
            // Any integer width converts exactly when the value fits.
            let back = round_trip(ty, &Value::BigInt(v));
            let got = match back {
                Value::TinyInt(x) => x as i64,
                Value::SmallInt(x) => x as i64,
                Value::Integer(x) => x as i64,
                Value::BigInt(x) => x,
                other => panic!("{other:?}"),
            };
            assert_eq!(got, v, "{ty:?}");
        }
        // The minimum is NULL: rejected as a value, from any width.
        assert_eq!(
            param(Some(ty), &Value::BigInt(null)),
            Err(EncodeError::NullSentinel(ty))
        );
        if ty != VoltType::BigInt {
            for bad in [null - 1, max + 1, i64::MAX, i64::MIN] {
                assert!(
                    matches!(
                        param(Some(ty), &Value::BigInt(bad)),
                        Err(EncodeError::OutOfRange { .. })
                    ),
                    "{ty:?} {bad}"
                );
            }
        }
        // NULL, typed and untyped with a declared type, is the sentinel.
        let sentinel = param(Some(ty), &Value::Null).unwrap();
        assert_eq!(param(None, &Value::TypedNull(ty)).unwrap(), sentinel);
        assert_eq!(
            read_param(&mut Reader::new(&sentinel)).unwrap(),
            Value::TypedNull(ty)
        );
    }
    // Booleans are integers 0/1 for integer types.
    assert_eq!(
        param(Some(VoltType::TinyInt), &Value::Boolean(true)).unwrap(),
        [3, 1]
    );
}

#[test]
fn floats_at_their_edges() {
    for f in [
        0.0,
        -0.0,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::MAX,
        f64::MIN,
        f64::MIN_POSITIVE,
        5e-324,
        f64::from_bits(0xffee_42d1_3077_3b77), // next to the sentinel: a value
        f64::from_bits(0xffee_42d1_3077_3b75),
    ] {
        let back = round_trip(VoltType::Float, &Value::Float(f));
        assert_same(&back, &Value::Float(f));
    }
    let sentinel = f64::from_bits(0xffee_42d1_3077_3b76);
    assert_eq!(sentinel, -1.7e308);
    assert_eq!(
        param(Some(VoltType::Float), &Value::Float(sentinel)),
        Err(EncodeError::NullSentinel(VoltType::Float))
    );
    // Integers become FLOAT only when exact.
    assert_eq!(
        param(Some(VoltType::Float), &Value::BigInt(1 << 53)).unwrap(),
        unhex("084340000000000000")
    );
    assert_eq!(
        param(Some(VoltType::Float), &Value::BigInt(-(1 << 62))).unwrap(),
        unhex("08c3d0000000000000")
    );
    for inexact in [(1i64 << 53) + 1, i64::MAX, -(1i64 << 53) - 1] {
        assert!(
            matches!(
                param(Some(VoltType::Float), &Value::BigInt(inexact)),
                Err(EncodeError::OutOfRange {
                    ty: VoltType::Float,
                    ..
                })
            ),
            "{inexact}"
        );
    }
    // FLOAT rejects strings.
    assert!(matches!(
        param(Some(VoltType::Float), &Value::from("1.5")),
        Err(EncodeError::TypeMismatch { .. })
    ));
}

#[test]
fn strings_and_binaries_up_to_one_mebibyte() {
    for len in [0, 1, MAX_VALUE_LENGTH] {
        let s = "x".repeat(len);
        let back = round_trip(VoltType::String, &Value::String(s.clone()));
        assert_eq!(back, Value::String(s));
        let b = vec![0xa5u8; len];
        let back = round_trip(VoltType::Varbinary, &Value::Varbinary(b.clone()));
        assert_eq!(back, Value::Varbinary(b));
    }
    let too_long = MAX_VALUE_LENGTH + 1;
    assert!(matches!(
        param(Some(VoltType::String), &Value::String("y".repeat(too_long))),
        Err(EncodeError::TooLong { len, max: MAX_VALUE_LENGTH, .. }) if len == too_long
    ));
    assert!(matches!(
        param(
            Some(VoltType::Varbinary),
            &Value::Varbinary(vec![0; too_long])
        ),
        Err(EncodeError::TooLong { .. })
    ));
    assert!(matches!(
        param(None, &Value::TinyIntArray(vec![0; too_long])),
        Err(EncodeError::TooLong { .. })
    ));
    // Multi-byte UTF-8 counts bytes, embedded NULs are fine.
    assert_eq!(
        param(None, &Value::from("é\0")).unwrap(),
        unhex("0900000003c3a900")
    );
    // NULL vs empty.
    assert_eq!(
        param(Some(VoltType::String), &Value::Null).unwrap(),
        unhex("09ffffffff")
    );
    assert_eq!(param(None, &Value::from("")).unwrap(), unhex("0900000000"));
    // Invalid UTF-8 in a parameter is a protocol error, not a panic.
    assert!(read_param(&mut Reader::new(&unhex("0900000001ff"))).is_err());
}

#[test]
fn timestamps_before_1970_and_at_the_extremes() {
    for (us, shown) in [
        (-1, "1969-12-31T23:59:59.999999Z"),
        (-500_000, "1969-12-31T23:59:59.500000Z"),
        (-2_208_988_800_000_000, "1900-01-01T00:00:00Z"),
        (Timestamp::SQL_MIN.micros(), "1583-01-01T00:00:00Z"),
        (Timestamp::SQL_MAX.micros(), "9999-12-31T23:59:59.999999Z"),
        (i64::MAX, "+294247-01-10T04:00:54.775807Z"),
        (i64::MIN + 1, "-290308-12-21T19:59:05.224193Z"),
    ] {
        let t = Timestamp::from_micros(us);
        assert_eq!(t.to_string(), shown);
        assert_eq!(
            round_trip(VoltType::Timestamp, &Value::Timestamp(t)),
            Value::Timestamp(t)
        );
        let c = t.to_utc();
        if (-290_000..=290_000).contains(&c.year) {
            let back =
                Timestamp::from_utc(c.year, c.month, c.day, c.hour, c.minute, c.second, c.micro)
                    .unwrap();
            assert_eq!(back, t);
        }
    }
    assert_eq!(
        param(
            Some(VoltType::Timestamp),
            &Value::Timestamp(Timestamp::from_micros(i64::MIN))
        ),
        Err(EncodeError::NullSentinel(VoltType::Timestamp))
    );
    // SystemTime before the epoch rounds toward the past.
    let before = std::time::UNIX_EPOCH - std::time::Duration::from_nanos(1);
    assert_eq!(Timestamp::from(before).micros(), -1);
    assert_eq!(
        Timestamp::from_micros(-1).python_repr(),
        "datetime.datetime(1969, 12, 31, 23, 59, 59, 999999)"
    );
    // DATE (newer servers).
    let d = Date::new(2024, 2, 29).unwrap();
    assert_eq!(round_trip(VoltType::Date, &Value::Date(d)), Value::Date(d));
    assert!(Date::new(2023, 2, 29).is_err());
}

#[test]
fn decimals_with_38_digits() {
    for s in [
        "99999999999999999999999999.999999999999",
        "-99999999999999999999999999.999999999999",
        "0.000000000001",
        "-0.000000000001",
        "0",
        "12345678901234567890.5",
    ] {
        let d: Decimal = s.parse().unwrap();
        let back = round_trip(VoltType::Decimal, &Value::Decimal(d));
        assert_eq!(back, Value::Decimal(d), "{s}");
    }
    assert_eq!(Decimal::MAX.unscaled(), 10i128.pow(38) - 1);
    assert_eq!(Decimal::MIN.unscaled(), -(10i128.pow(38) - 1));
    // Too many fractional or integer digits: errors, never rounding.
    assert_eq!(
        "1.0000000000001".parse::<Decimal>(),
        Err(EncodeError::DecimalScale(13))
    );
    assert_eq!(
        "-1000000000000000000000000000".parse::<Decimal>(),
        Err(EncodeError::DecimalPrecision(28))
    );
    assert!(Decimal::from_unscaled(10i128.pow(38)).is_err());
    assert!(Decimal::from_unscaled(-(10i128.pow(38))).is_err());
    assert!(Decimal::from_unscaled(10i128.pow(38) - 1).is_ok());
    // Trailing zeros past scale 12 are fine, exponents too.
    assert_eq!(
        "1.50000000000000000".parse::<Decimal>().unwrap().unscaled(),
        1_500_000_000_000
    );
    assert_eq!(
        "1.5E-12".parse::<Decimal>(),
        Err(EncodeError::DecimalScale(13))
    );
    assert_eq!(
        "2.5e3".parse::<Decimal>().unwrap().to_string(),
        "2500.000000000000"
    );
    // The sentinel is not a decimal value.
    assert!(Decimal::from_unscaled(i128::MIN).is_err());
    // Integers become DECIMAL exactly.
    assert_eq!(
        param(Some(VoltType::Decimal), &Value::BigInt(i64::MAX)).unwrap()[1..],
        (i64::MAX as i128 * 1_000_000_000_000).to_be_bytes()
    );
    // Python's str() of decoded decimals: scientific below 10^-6.
    for (s, repr) in [
        ("0", "Decimal('0E-12')"),
        ("0.000000000001", "Decimal('1E-12')"),
        ("-0.0000001", "Decimal('-1.00000E-7')"),
        ("0.000001", "Decimal('0.000001000000')"),
        ("-12.5", "Decimal('-12.500000000000')"),
    ] {
        let d: Decimal = s.parse().unwrap();
        assert_eq!(ValueRef::Decimal(d).python_repr(), repr, "{s}");
    }
}

#[test]
fn rust_decimal_conversions_are_lossless_or_errors() {
    use rust_decimal::Decimal as Rd;
    for s in [
        "0",
        "1",
        "-1.5",
        "0.000000000001",
        "12345678901234567.123456789012",
        "79228162514264.337593543950",
        "123456789012345678901",
        "-99999999999999999999999999",
    ] {
        let ours: Decimal = s.parse().unwrap();
        let r = Rd::try_from(ours).unwrap_or_else(|e| panic!("{s}: {e}"));
        assert_eq!(r, s.parse::<Rd>().unwrap(), "{s}");
        assert_eq!(Decimal::try_from(r).unwrap(), ours, "{s}");
    }
    // More than 96 bits of mantissa: an error.
    for s in [
        "99999999999999999999999999.999999999999",
        "79228162514264337593543950.336",
    ] {
        let ours: Decimal = s.parse().unwrap();
        assert!(matches!(
            Rd::try_from(ours),
            Err(EncodeError::DecimalPrecision(_))
        ));
    }
    // rust_decimal values outside DECIMAL(38, 12): errors, not panics.
    assert_eq!(
        Decimal::try_from(Rd::MAX),
        Err(EncodeError::DecimalPrecision(29))
    );
    assert_eq!(
        Decimal::try_from(Rd::MIN),
        Err(EncodeError::DecimalPrecision(29))
    );
    assert_eq!(
        Decimal::try_from(Rd::new(1, 13)),
        Err(EncodeError::DecimalScale(13))
    );
    assert_eq!(
        Decimal::try_from("-1.0000000000000".parse::<Rd>().unwrap())
            .unwrap()
            .unscaled(),
        -1_000_000_000_000
    );
    // Reading a DECIMAL cell as rust_decimal.
    let t = one_cell_table(VoltType::Decimal, Value::Decimal(Decimal::MAX));
    let row = t.row(0).unwrap();
    assert!(matches!(
        row.get::<Rd>(0),
        Err(ConversionError::Overflow { column: 0, .. })
    ));
    assert_eq!(row.get::<Decimal>(0).unwrap(), Decimal::MAX);
    // 27 significant digits fit once the trailing zeros are dropped.
    let t = one_cell_table(
        VoltType::Decimal,
        Value::Decimal("99999999999999999999999999.5".parse().unwrap()),
    );
    assert_eq!(
        t.row(0).unwrap().get::<Rd>(0).unwrap().to_string(),
        "99999999999999999999999999.5"
    );
}

#[test]
fn geography_with_holes_and_points() {
    let wkt = "POLYGON ((0.0 0.0, 10.0 0.0, 10.0 10.0, 0.0 10.0, 0.0 0.0), \
               (2.0 2.0, 2.0 4.0, 4.0 4.0, 4.0 2.0, 2.0 2.0), \
               (6.0 6.0, 6.0 8.0, 8.0 8.0, 8.0 6.0, 6.0 6.0))";
    let g: Geography = wkt.parse().unwrap();
    assert_eq!(g.loops().len(), 3);
    let back = round_trip(VoltType::Geography, &Value::Geography(g.clone()));
    let Value::Geography(back) = back else {
        panic!()
    };
    assert_eq!(back, g);
    assert_geography_matches(&back, wkt, "three rings");
    let bytes = param(None, &Value::Geography(g.clone())).unwrap();
    assert_eq!(bytes.len(), 1 + 4 + g.serialized_size());
    assert_eq!(bytes[5 + 2], 1, "has holes");
    // Server form: version 1, real bounds; decoded the same way.
    let mut body = bytes[5..].to_vec();
    body[0] = 1;
    body[7] = 1;
    assert_eq!(Geography::decode_body(&body).unwrap(), g);
    // Malformed WKT.
    for bad in [
        "POLYGON((0 0, 1 0, 0 1))",
        "POLYGON((0 0, 1 0, 0 1, 0 0), (1 1, 2 2))",
        "POLYGON((0 0, 1 0, 0 1, 0 0)",
        "POLYGON EMPTY",
    ] {
        assert!(bad.parse::<Geography>().is_err(), "{bad}");
    }
    // Truncated bodies: errors.
    for cut in 0..body.len() {
        assert!(Geography::decode_body(&body[..cut]).is_err());
    }
    // Points: the NULL sentinel is rejected as a value.
    assert_eq!(
        param(
            Some(VoltType::GeographyPoint),
            &Value::GeographyPoint(GeographyPoint::new(360.0, 360.0))
        ),
        Err(EncodeError::NullSentinel(VoltType::GeographyPoint))
    );
    let p = GeographyPoint::new(-180.0, 90.0);
    assert_eq!(
        round_trip(VoltType::GeographyPoint, &Value::GeographyPoint(p)),
        Value::GeographyPoint(p)
    );
    assert_eq!(p.to_string(), "POINT (-180.0 90.0)");
    assert_eq!(p.python_repr(), "(-180.0, 90.0)");
}

#[test]
fn parameter_count_and_types() {
    let mut out = PREFIX.to_vec();
    let err = encode_invocation(
        &mut out,
        "Proc",
        1,
        &InvocationOptions::default(),
        &[Value::from(1)],
        Some(&[VoltType::Integer, VoltType::String]),
        DEFAULT_FRAME_CAP,
    )
    .unwrap_err();
    assert_eq!(
        err,
        EncodeError::ParamCount {
            procedure: "Proc".into(),
            expected: 2,
            got: 1
        }
    );
    assert_eq!(out, PREFIX);
    // A STRING for an INTEGER (and the other way round).
    for (ty, v) in [
        (VoltType::Integer, Value::from("5")),
        (VoltType::String, Value::from(5)),
        (VoltType::Timestamp, Value::from(5i64)),
        (VoltType::Varbinary, Value::from("ab")),
        (VoltType::Decimal, Value::Float(1.5)),
        (
            VoltType::Geography,
            Value::GeographyPoint(GeographyPoint::new(1.0, 2.0)),
        ),
        (VoltType::BigInt, Value::Float(1.0)),
    ] {
        let err = encode_invocation(
            &mut out,
            "Proc",
            1,
            &InvocationOptions::default(),
            &[Value::from(1), v.clone()],
            Some(&[VoltType::Integer, ty]),
            DEFAULT_FRAME_CAP,
        )
        .unwrap_err();
        assert!(
            matches!(err.problem(), EncodeError::TypeMismatch { expected, .. } if *expected == ty),
            "{ty:?} {v:?}: {err:?}"
        );
        assert!(
            matches!(&err, EncodeError::Param { procedure, index: 1, declared: Some(d), .. } if procedure == "Proc" && *d == ty),
            "{ty:?} {v:?}: {err:?}"
        );
        assert_eq!(out, PREFIX, "rejected invocation left bytes");
    }
    // Bad options, empty name, frame cap: rejected, nothing written.
    for (name, opts, cap) in [
        ("", InvocationOptions::default(), DEFAULT_FRAME_CAP),
        (
            "P",
            InvocationOptions {
                priority: Some(9),
                ..Default::default()
            },
            DEFAULT_FRAME_CAP,
        ),
        (
            "P",
            InvocationOptions {
                partition_destination: Some(16383),
                ..Default::default()
            },
            DEFAULT_FRAME_CAP,
        ),
        ("P", InvocationOptions::default(), 10),
    ] {
        assert!(encode_invocation(&mut out, name, 1, &opts, &[], None, cap).is_err());
        assert_eq!(out, PREFIX);
    }
    // 32767 parameters are fine, 32768 are not.
    let many = vec![Value::Null; 32767];
    let mut big = Vec::new();
    encode_invocation(
        &mut big,
        "P",
        1,
        &Default::default(),
        &many,
        None,
        DEFAULT_FRAME_CAP,
    )
    .unwrap();
    assert_eq!(Invocation::parse(&big[4..]).unwrap().params.len(), 32767);
    let too_many = vec![Value::Null; 32768];
    assert!(matches!(
        encode_invocation(
            &mut out,
            "P",
            1,
            &Default::default(),
            &too_many,
            None,
            DEFAULT_FRAME_CAP
        ),
        Err(EncodeError::TooLong { .. })
    ));
    assert_eq!(out, PREFIX);
}

#[test]
fn arrays() {
    // Empty arrays carry a zero count (i32 for TINYINT).
    assert_eq!(
        to_hex(&param(None, &Value::Array(VoltType::Integer, vec![])).unwrap()),
        "9d050000"
    );
    assert_eq!(
        to_hex(&param(None, &Value::TinyIntArray(vec![])).unwrap()),
        "9d0300000000"
    );
    assert_eq!(
        to_hex(
            &param(
                Some(VoltType::TinyInt),
                &Value::Array(VoltType::TinyInt, vec![])
            )
            .unwrap()
        ),
        "9d0300000000"
    );
    // 32767 elements are fine, 32768 are not.
    let max = Value::Array(VoltType::SmallInt, vec![Value::SmallInt(7); MAX_ARRAY_LEN]);
    let bytes = param(None, &max).unwrap();
    assert_eq!(bytes.len(), 4 + 2 * MAX_ARRAY_LEN);
    assert_eq!(read_param(&mut Reader::new(&bytes)).unwrap(), max);
    let over = Value::Array(
        VoltType::SmallInt,
        vec![Value::SmallInt(7); MAX_ARRAY_LEN + 1],
    );
    assert!(matches!(
        param(None, &over),
        Err(EncodeError::TooLong { .. })
    ));
    // TINYINT arrays use an i32 count and may be longer than 32767.
    let bytes = vec![1u8; 40_000];
    let enc = param(None, &Value::TinyIntArray(bytes.clone())).unwrap();
    assert_eq!(enc[..6], [0x9d, 3, 0, 0, 0x9c, 0x40]);
    assert_eq!(
        read_param(&mut Reader::new(&enc)).unwrap(),
        Value::TinyIntArray(bytes.clone())
    );
    // Bytes declared as TINYINT are a TINYINT array (Python's as_array); as
    // VARBINARY, or undeclared, they are a scalar VARBINARY.
    assert_eq!(
        param(Some(VoltType::TinyInt), &Value::Varbinary(bytes.clone())).unwrap(),
        enc
    );
    assert_eq!(
        param(None, &Value::Varbinary(vec![1, 2])).unwrap(),
        unhex("19000000020102")
    );
    assert_eq!(
        param(Some(VoltType::Varbinary), &Value::TinyIntArray(vec![1, 2])).unwrap(),
        unhex("19000000020102")
    );
    let list = Value::Array(VoltType::TinyInt, vec![Value::TinyInt(1); 40_000]);
    assert_eq!(param(None, &list).unwrap(), enc);
    // Elements are range checked; a bad element leaves nothing behind.
    let bad = Value::Array(
        VoltType::TinyInt,
        vec![Value::TinyInt(1), Value::Integer(300)],
    );
    assert!(matches!(
        param(None, &bad),
        Err(EncodeError::OutOfRange { .. })
    ));
    let bad = Value::Array(VoltType::Integer, vec![Value::from(1), Value::from("x")]);
    assert!(matches!(
        param(None, &bad),
        Err(EncodeError::TypeMismatch { .. })
    ));
    // Nested arrays and arrays of NULL/BOOLEAN are rejected.
    let nested = Value::Array(
        VoltType::Integer,
        vec![Value::Array(VoltType::Integer, vec![])],
    );
    assert!(matches!(
        param(None, &nested),
        Err(EncodeError::Unsupported { .. })
    ));
    for ty in [VoltType::Null, VoltType::Boolean] {
        assert!(matches!(
            param(None, &Value::Array(ty, vec![])),
            Err(EncodeError::Unsupported { .. })
        ));
    }
    // Arrays of every other element type round-trip, NULL elements included.
    let g: Geography = "POLYGON((0 0, 1 0, 0 1, 0 0))".parse().unwrap();
    for a in [
        Value::Array(VoltType::BigInt, vec![Value::from(1i64), Value::Null]),
        Value::Array(VoltType::Float, vec![Value::Float(-0.5), Value::Null]),
        Value::Array(VoltType::String, vec![Value::from("a"), Value::Null]),
        Value::Array(
            VoltType::Varbinary,
            vec![Value::from(vec![1u8]), Value::Null],
        ),
        Value::Array(
            VoltType::Timestamp,
            vec![Value::Timestamp(Timestamp::from_micros(-1)), Value::Null],
        ),
        Value::Array(
            VoltType::Decimal,
            vec![Value::Decimal(Decimal::from_i64(-2)), Value::Null],
        ),
        Value::Array(
            VoltType::GeographyPoint,
            vec![
                Value::GeographyPoint(GeographyPoint::new(1.0, 2.0)),
                Value::Null,
            ],
        ),
        Value::Array(VoltType::Geography, vec![Value::Geography(g), Value::Null]),
        Value::Array(VoltType::Table, vec![Value::Table(sample_table())]),
    ] {
        let ty = a.volt_type();
        let bytes = param(None, &a).unwrap();
        let back = read_param(&mut Reader::new(&bytes)).unwrap();
        let Value::Array(bt, items) = back else {
            panic!("{ty:?}")
        };
        let Value::Array(_, want) = &a else { panic!() };
        assert_eq!(bt, ty);
        for (x, w) in items.iter().zip(want) {
            match w {
                Value::Null => assert_eq!(*x, Value::TypedNull(ty)),
                w => assert_eq!(x, w),
            }
        }
    }
    // Truncated or negative counts are errors.
    for bad in [
        "9d05",
        "9d05ffff",
        "9d050002000000",
        "9d03ffffffff",
        "9d0300000002ff",
    ] {
        assert!(read_param(&mut Reader::new(&unhex(bad))).is_err(), "{bad}");
    }
}

#[test]
fn typed_and_untyped_nulls() {
    assert_eq!(param(None, &Value::Null).unwrap(), [1]);
    assert_eq!(param(Some(VoltType::Null), &Value::Null).unwrap(), [1]);
    assert_eq!(read_param(&mut Reader::new(&[1])).unwrap(), Value::Null);
    for ty in VoltType::ALL {
        if matches!(ty, VoltType::Null | VoltType::Table) {
            continue;
        }
        let typed = param(Some(ty), &Value::Null).unwrap();
        assert_eq!(typed[0] as i8, ty.code());
        assert_eq!(param(None, &Value::TypedNull(ty)).unwrap(), typed, "{ty:?}");
        // A typed NULL of another type takes the declared type.
        assert_eq!(
            param(Some(ty), &Value::TypedNull(VoltType::String)).unwrap(),
            typed
        );
        let back = read_param(&mut Reader::new(&typed)).unwrap();
        if ty == VoltType::Boolean {
            // What Python writes for None (0x7f) reads back as NULL too.
            assert_eq!(typed, [0x17, 0x7f]);
        }
        assert_eq!(back, Value::TypedNull(ty), "{ty:?}");
    }
    // Only NULL can be sent as type NULL (a value would be silently dropped).
    assert!(matches!(
        param(Some(VoltType::Null), &Value::from(5)),
        Err(EncodeError::TypeMismatch { .. })
    ));
    assert!(matches!(
        value(VoltType::Null, &Value::from("x")),
        Err(EncodeError::TypeMismatch { .. })
    ));
    // A table parameter cannot be NULL.
    for v in [Value::Null, Value::TypedNull(VoltType::Table)] {
        assert!(matches!(
            param(Some(VoltType::Table), &v),
            Err(EncodeError::Unsupported { .. })
        ));
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

fn one_cell_table(ty: VoltType, v: Value) -> VoltTable {
    let mut b = VoltTable::builder(vec![VoltColumn::new("C", ty)]);
    b.add_row(&[v]).unwrap();
    b.build()
}

#[test]
fn tables_as_parameters_and_builders() {
    let t = sample_table();
    let bytes = param(None, &Value::Table(t.clone())).unwrap();
    assert_eq!(bytes[0], 0x15);
    assert_eq!(bytes[1..], *t.as_bytes());
    let Value::Table(back) = read_param(&mut Reader::new(&bytes)).unwrap() else {
        panic!()
    };
    assert_eq!(back, t);
    assert_eq!(back.to_string(), t.to_string());
    // Inside an invocation, e.g. @LoadMultipartitionTable.
    let mut out = Vec::new();
    encode_invocation(
        &mut out,
        "@LoadMultipartitionTable",
        5,
        &Default::default(),
        &[Value::from("T"), Value::TinyInt(0), Value::Table(t.clone())],
        Some(&[VoltType::String, VoltType::TinyInt, VoltType::Table]),
        DEFAULT_FRAME_CAP,
    )
    .unwrap();
    let inv = Invocation::parse(&out[4..]).unwrap();
    assert_eq!(inv.params[2], Value::Table(t.clone()));
    // A table parameter whose length runs past the message is an error.
    let mut cut = bytes.clone();
    cut.truncate(bytes.len() - 1);
    assert!(read_param(&mut Reader::new(&cut)).is_err());

    // Builder: wrong row width, bad values and bad column types are
    // rejected and leave the builder as it was.
    let mut b = VoltTable::builder(vec![
        VoltColumn::new("A", VoltType::TinyInt),
        VoltColumn::new("B", VoltType::String),
    ]);
    assert!(matches!(
        b.add_row(&[Value::from(1)]),
        Err(EncodeError::ParamCount { .. })
    ));
    assert!(matches!(
        b.add_row(&[Value::from(1), Value::from(2)]),
        Err(EncodeError::TypeMismatch { .. })
    ));
    assert!(matches!(
        b.add_row(&[Value::from(1000), Value::from("x")]),
        Err(EncodeError::OutOfRange { .. })
    ));
    b.add_row(&[Value::from(-127i64), Value::from("ok")])
        .unwrap();
    let t2 = b.build();
    assert_eq!(t2.row_count(), 1);
    assert_eq!(
        t2.to_string(),
        "column count: 2\nrow count: 1\ncols: (A: 3), (B: 9)\nrows -\n[-127, 'ok']"
    );
    for ty in [VoltType::Table, VoltType::Null] {
        let mut b = VoltTable::builder(vec![VoltColumn::new("X", ty)]);
        assert!(matches!(
            b.add_row(&[Value::Table(t.clone())]),
            Err(EncodeError::Unsupported { .. })
        ));
    }
}

#[test]
fn cell_conversions() {
    let t = one_cell_table(VoltType::BigInt, Value::BigInt((1 << 53) + 1));
    let row = t.row(0).unwrap();
    assert_eq!(row.get::<i64>(0).unwrap(), (1 << 53) + 1);
    // Not exactly representable as f64: an error, not rounding.
    assert!(matches!(
        row.get::<f64>(0),
        Err(ConversionError::Overflow { .. })
    ));
    assert!(matches!(
        row.get::<i32>(0),
        Err(ConversionError::Overflow { .. })
    ));
    let t = one_cell_table(VoltType::BigInt, Value::BigInt(1 << 53));
    assert_eq!(t.row(0).unwrap().get::<f64>(0).unwrap(), 9007199254740992.0);
    let t = one_cell_table(VoltType::String, Value::Null);
    let row = t.row(0).unwrap();
    assert_eq!(row.get::<Option<String>>("C").unwrap(), None);
    assert!(matches!(
        row.get::<String>(0),
        Err(ConversionError::UnexpectedNull { column: 0 })
    ));
    assert!(matches!(
        row.get::<i32>("NOPE"),
        Err(ConversionError::NoSuchColumn(_))
    ));
    assert!(matches!(
        row.get::<i32>(3),
        Err(ConversionError::ColumnIndex { .. })
    ));
}

#[test]
fn python_display_of_awkward_values() {
    let mut b = VoltTable::builder(vec![
        VoltColumn::new("S", VoltType::String),
        VoltColumn::new("F", VoltType::Float),
        VoltColumn::new("D", VoltType::Decimal),
        VoltColumn::new("B", VoltType::Varbinary),
        VoltColumn::new("", VoltType::BigInt),
    ]);
    b.add_row(&[
        Value::from("it's \"q\"\n\u{a0}\u{200b}"),
        Value::Float(1e16),
        Value::Decimal(Decimal::ZERO),
        Value::Varbinary(vec![]),
        Value::BigInt(3),
    ])
    .unwrap();
    b.add_row(&[
        Value::from("NULL"),
        Value::Float(f64::NAN),
        Value::Decimal("0.0000001".parse().unwrap()),
        Value::Varbinary(vec![255]),
        Value::Null,
    ])
    .unwrap();
    // Checked against Python 3.11's str() of the same values.
    assert_eq!(
        b.build().to_string(),
        "column count: 5\nrow count: 2\ncols: (S: 9), (F: 8), (D: 22), (B: 25), (modified tuples: 6)\nrows -\n\
         ['it\\'s \"q\"\\n\\xa0\\u200b', 1e+16, Decimal('0E-12'), array('B'), 3]\n\
         ['NULL', nan, Decimal('1.00000E-7'), array('B', [255]), 'NULL']"
    );
}

#[test]
fn responses_with_every_optional_field() {
    let mut r = VoltResponse::new(-2, Status::from_code(-99));
    r.status_string = Some(String::new());
    r.app_status = Some(-127);
    r.app_status_string = Some("é".into());
    r.cluster_round_trip_ms = i32::MAX;
    r.tables = vec![sample_table(), sample_table()];
    let mut bytes = Vec::new();
    encode_response(&r, &mut bytes);
    let back = parse_response(bytes[4..].to_vec()).unwrap();
    assert_eq!(back, r);
    assert_eq!(back.status.code(), -99);
    assert!(back
        .to_string()
        .starts_with("Status: -99\nInformation: \ncolumn count: 2"));
    assert!(back.to_string().contains("'NULL']\n\ncolumn count: 2"));
    // Trailing bytes and bad table counts are errors.
    let mut extra = bytes[4..].to_vec();
    extra.push(0);
    assert!(parse_response(extra).is_err());
    // A (legacy) serialized exception is parsed and shown as Python shows it.
    let body = unhex(concat!(
        "00",
        "0000000000000001",
        "60",
        "fe",
        "00000004",
        "6f6f7073",
        "80",
        "00000000",
        "0000000d",
        "02",
        "00000003",
        "626164",
        "3432303030",
        "0000"
    ));
    // fields 0x60: status string + exception; exception: 13 bytes, type 2
    // (SQL), message "bad", SQLSTATE "42000"; no tables.
    let resp = parse_response(body.clone()).unwrap();
    let e = resp.exception.as_ref().unwrap();
    assert_eq!(
        (e.ty, e.message.as_str(), e.sql_state()),
        (2, "bad", Some("42000"))
    );
    assert_eq!(
        resp.to_string(),
        "Status: -2\nInformation: oops\n\nException: VoltException: type: SQL Exception\n  SQL code: 42000"
    );
    let mut again = Vec::new();
    encode_response(&resp, &mut again);
    assert_eq!(again[4..], body);
}

#[test]
fn invocation_headers_and_frames() {
    use voltdb::testing::InvocationError;
    use voltdb::wire::{frame_status, FrameStatus};
    // v2 header: name "P", handle 1, then the extension count.
    let v2 = |ext: &str, rest: &str| unhex(&format!("020000000150{:016x}{ext}{rest}", 1));
    // An unknown extension is skipped by its length code.
    let inv = Invocation::parse(&v2("016302abcd", "0000")).unwrap();
    assert_eq!(inv.unknown_extensions, [99]);
    // Counts outside 0..=30 and length codes beyond the payload are header errors.
    for (ext, rest) in [
        ("1f", "0000"),
        ("ff", "0000"),
        ("010311", "0000"),
        ("0103", ""),
    ] {
        assert!(
            matches!(
                Invocation::parse(&v2(ext, rest)),
                Err(InvocationError::Header(_))
            ),
            "{ext}{rest}"
        );
    }
    // Trailing bytes after the parameters: a parameter error with the handle.
    match Invocation::parse(&v2("00", "000000")) {
        Err(InvocationError::Params { handle: 1, .. }) => {}
        other => panic!("{other:?}"),
    }
    // Unknown versions and a NULL procedure name are header errors.
    assert!(matches!(
        Invocation::parse(&unhex("03")),
        Err(InvocationError::Header(_))
    ));
    assert!(matches!(
        Invocation::parse(&unhex("00ffffffff00000000000000010000")),
        Err(InvocationError::Header(_))
    ));
    // Frame lengths: 1..=cap.
    let cap = 100;
    assert_eq!(
        frame_status(&unhex("00000064"), cap).unwrap(),
        FrameStatus::NeedMore(100)
    );
    for bad in ["00000065", "00000000", "ffffffff", "80000000"] {
        assert!(frame_status(&unhex(bad), cap).is_err(), "{bad}");
    }
    assert_eq!(frame_status(&[], cap).unwrap(), FrameStatus::NeedMore(4));
    assert!(frame_status(&unhex("03200001"), DEFAULT_FRAME_CAP).is_err());
    assert!(frame_status(&unhex("03200000"), DEFAULT_FRAME_CAP).is_ok());
}

#[test]
fn response_hash_block_is_skipped() {
    // fields 0x10: a hash array (internal) between the round trip and the tables.
    let body = unhex("00000000000000000710018000000005000200000001000000020000");
    let r = parse_response(body).unwrap();
    assert_eq!(
        (r.client_handle, r.status, r.cluster_round_trip_ms),
        (7, Status::Success, 5)
    );
    assert!(r.tables.is_empty());
    // A negative table count is an error.
    assert!(parse_response(unhex("0000000000000000070001800000000000ffff")).is_err());
}
