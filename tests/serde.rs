//! Feature `serde`: rows into structs (by name) and tuples (by position),
//! borrowed fields, every error with its message, JSON of a response with
//! every type, and parameters from a struct checked by a procedure's
//! declared types.
#![cfg(feature = "serde")]

use serde::{Deserialize, Serialize};
use voltdb::testing::TestServer;
use voltdb::{
    ConversionError, Date, Decimal, EncodeError, Error, FastSerializer, Geography, GeographyPoint,
    Status, Timestamp, Value, VoltColumn, VoltProcedure, VoltResponse, VoltTable, VoltType,
};

fn col(name: &str, ty: VoltType) -> VoltColumn {
    VoltColumn::new(name, ty)
}

/// (ID INTEGER, NAME STRING, PRICE FLOAT, DATA VARBINARY), two rows, the
/// second with NULL price and data.
fn items() -> VoltTable {
    let mut b = VoltTable::builder(vec![
        col("ID", VoltType::Integer),
        col("NAME", VoltType::String),
        col("PRICE", VoltType::Float),
        col("DATA", VoltType::Varbinary),
    ]);
    b.add_row(&[1.into(), "one".into(), 1.5.into(), vec![1u8, 2].into()])
        .unwrap();
    b.add_row(&[2.into(), "two".into(), Value::Null, Value::Null])
        .unwrap();
    b.build()
}

/// A row of `items()` by position.
type ItemTuple<'a> = (i32, &'a str, Option<f64>, Option<&'a [u8]>);

#[derive(Deserialize, Debug, PartialEq)]
struct Item {
    id: i64,
    name: String,
    price: Option<f64>,
    data: Option<Vec<u8>>,
}

#[test]
fn a_struct_by_column_name_ignoring_case() {
    let got: Vec<Item> = items().deserialize().collect::<Result<_, _>>().unwrap();
    assert_eq!(
        got,
        [
            Item {
                id: 1,
                name: "one".into(),
                price: Some(1.5),
                data: Some(vec![1, 2])
            },
            Item {
                id: 2,
                name: "two".into(),
                price: None,
                data: None
            },
        ]
    );
    let one: Item = items().row(0).unwrap().deserialize().unwrap();
    assert_eq!(one, got[0]);
}

#[test]
fn fields_in_another_order_renamed_and_columns_left_over() {
    #[derive(Deserialize, Debug, PartialEq)]
    struct Priced<'a> {
        #[serde(rename = "PRICE")]
        cost: Option<f64>,
        name: &'a str,
    }
    let t = items();
    let got: Vec<Priced> = t.deserialize().collect::<Result<_, _>>().unwrap();
    assert_eq!(
        got,
        [
            Priced {
                cost: Some(1.5),
                name: "one"
            },
            Priced {
                cost: None,
                name: "two"
            }
        ]
    );
    // An exact match wins over one that ignores case.
    #[derive(Deserialize, Debug, PartialEq)]
    struct Both {
        id: i32,
        #[serde(rename = "Id")]
        other: Option<i32>,
    }
    let mut b = VoltTable::builder(vec![
        col("Id", VoltType::Integer),
        col("ID", VoltType::Integer),
    ]);
    b.add_row(&[1.into(), 2.into()]).unwrap();
    let both: Both = b.build().row(0).unwrap().deserialize().unwrap();
    assert_eq!(
        both,
        Both {
            id: 2,
            other: Some(1)
        }
    );
}

#[test]
fn tuples_and_tuple_structs_by_position() {
    let t = items();
    let rows: Vec<ItemTuple> = t.deserialize().collect::<Result<_, _>>().unwrap();
    assert_eq!(
        rows,
        [
            (1, "one", Some(1.5), Some(&[1u8, 2][..])),
            (2, "two", None, None)
        ]
    );
    #[derive(Deserialize, Debug, PartialEq)]
    struct Pair<'a>(i64, &'a str, Option<f64>, Option<Vec<u8>>);
    let p: Pair = t.row(1).unwrap().deserialize().unwrap();
    assert_eq!(p, Pair(2, "two", None, None));
    // The same values as `rows_as` reads.
    let tuples: Vec<ItemTuple> = t.rows_as().collect::<Result<_, _>>().unwrap();
    assert_eq!(tuples, rows);
    let err = t.row(0).unwrap().deserialize::<(i32, &str)>().unwrap_err();
    assert_eq!(
        err,
        ConversionError::ColumnCount {
            expected: 2,
            found: 4
        }
    );
    assert_eq!(err.to_string(), "a row of 4 columns read as 2 values");
}

#[test]
fn borrowed_fields_point_into_the_response() {
    #[derive(Deserialize)]
    struct Borrowed<'a> {
        name: &'a str,
        data: &'a [u8],
    }
    let t = items();
    let b: Borrowed = t.row(0).unwrap().deserialize().unwrap();
    let bytes = t.as_bytes().as_ptr_range();
    assert!(bytes.contains(&b.name.as_ptr()));
    assert!(bytes.contains(&b.data.as_ptr()));
    assert_eq!((b.name, b.data), ("one", &[1u8, 2][..]));
}

/// A table with a column of each type a cell can have, one row of values
/// and one of NULLs.
fn every_type() -> VoltTable {
    let mut b = VoltTable::builder(vec![
        col("TINY", VoltType::TinyInt),
        col("SMALL", VoltType::SmallInt),
        col("INT", VoltType::Integer),
        col("BIG", VoltType::BigInt),
        col("FLT", VoltType::Float),
        col("STR", VoltType::String),
        col("BIN", VoltType::Varbinary),
        col("TS", VoltType::Timestamp),
        col("DEC", VoltType::Decimal),
        col("PT", VoltType::GeographyPoint),
        col("GEO", VoltType::Geography),
    ]);
    b.add_row(&[
        Value::TinyInt(-8),
        Value::SmallInt(300),
        Value::Integer(-70_000),
        Value::BigInt(1 << 40),
        Value::Float(-0.25),
        Value::from("é\"x"),
        Value::Varbinary(vec![0, 0xab, 0xff]),
        Value::Timestamp(Timestamp::from_micros(-1)),
        Value::Decimal("-12.5".parse().unwrap()),
        Value::GeographyPoint(GeographyPoint::new(-71.5, 42.25)),
        Value::Geography(Geography::from_wkt("POLYGON ((0 0, 1 0, 0 1, 0 0))").unwrap()),
    ])
    .unwrap();
    b.add_row(&vec![Value::Null; 11]).unwrap();
    b.build()
}

#[derive(Deserialize, Serialize, Debug, PartialEq)]
#[serde(rename_all = "UPPERCASE")]
struct Every {
    tiny: Option<i8>,
    small: Option<i16>,
    int: Option<i32>,
    big: Option<i64>,
    flt: Option<f64>,
    str: Option<String>,
    bin: Option<Vec<u8>>,
    ts: Option<Timestamp>,
    dec: Option<Decimal>,
    pt: Option<GeographyPoint>,
    geo: Option<Geography>,
}

#[test]
fn the_crate_types_and_rust_decimal_as_fields() {
    let t = every_type();
    let rows: Vec<Every> = t.deserialize().collect::<Result<_, _>>().unwrap();
    let e = &rows[0];
    assert_eq!(e.tiny, Some(-8));
    assert_eq!(e.bin.as_deref(), Some(&[0, 0xab, 0xff][..]));
    assert_eq!(e.ts, Some(Timestamp::from_micros(-1)));
    assert_eq!(e.dec, Some("-12.5".parse().unwrap()));
    assert_eq!(e.pt, Some(GeographyPoint::new(-71.5, 42.25)));
    assert_eq!(
        e.geo,
        Some(Geography::from_wkt("POLYGON ((0 0, 1 0, 0 1, 0 0))").unwrap())
    );
    let nulls = &rows[1];
    assert_eq!(
        nulls,
        &Every {
            tiny: None,
            small: None,
            int: None,
            big: None,
            flt: None,
            str: None,
            bin: None,
            ts: None,
            dec: None,
            pt: None,
            geo: None,
        }
    );
    #[derive(Deserialize)]
    struct Money {
        dec: rust_decimal::Decimal,
        big: rust_decimal::Decimal,
        int: Decimal,
    }
    let m: Money = t.row(0).unwrap().deserialize().unwrap();
    assert_eq!(m.dec, rust_decimal::Decimal::new(-125, 1));
    assert_eq!(m.big, rust_decimal::Decimal::from(1i64 << 40));
    assert_eq!(m.int, Decimal::from(-70_000));
}

#[test]
fn json_of_a_response_with_every_type() {
    let mut r = VoltResponse::new(7, Status::Success);
    r.app_status = Some(3);
    r.app_status_string = Some("fine".into());
    r.cluster_round_trip_ms = 12;
    r.tables.push(every_type());
    let json = serde_json::to_string_pretty(&r).unwrap();
    let expected = r#"{
  "status": "SUCCESS",
  "status_code": 1,
  "status_string": null,
  "app_status": 3,
  "app_status_string": "fine",
  "cluster_round_trip_ms": 12,
  "exception": null,
  "tables": [
    [
      {
        "TINY": -8,
        "SMALL": 300,
        "INT": -70000,
        "BIG": 1099511627776,
        "FLT": -0.25,
        "STR": "é\"x",
        "BIN": "00abff",
        "TS": "1969-12-31T23:59:59.999999Z",
        "DEC": "-12.500000000000",
        "PT": "POINT (-71.5 42.25)",
        "GEO": "POLYGON ((0.0 0.0, 1.0 0.0, 0.0 1.0, 0.0 0.0))"
      },
      {
        "TINY": null,
        "SMALL": null,
        "INT": null,
        "BIG": null,
        "FLT": null,
        "STR": null,
        "BIN": null,
        "TS": null,
        "DEC": null,
        "PT": null,
        "GEO": null
      }
    ]
  ]
}"#;
    assert_eq!(json, expected);
    // A row, and a value, alone.
    let row = serde_json::to_value(r.tables[0].row(0).unwrap()).unwrap();
    assert_eq!(row["TS"], "1969-12-31T23:59:59.999999Z");
    assert_eq!(
        serde_json::to_string(&Value::Array(
            VoltType::BigInt,
            vec![1i64.into(), Value::Null]
        ))
        .unwrap(),
        "[1,null]"
    );
    assert_eq!(
        serde_json::to_string(&Value::Boolean(true)).unwrap(),
        "true"
    );
    assert_eq!(
        serde_json::to_string(&Value::Date(Date::new(2024, 2, 29).unwrap())).unwrap(),
        "\"2024-02-29\""
    );
}

#[test]
fn the_crate_types_round_trip_through_json() {
    let t = every_type();
    let rows: Vec<Every> = t.deserialize().collect::<Result<_, _>>().unwrap();
    for e in &rows {
        let json = serde_json::to_string(e).unwrap();
        let back: Every = serde_json::from_str(&json).unwrap();
        assert_eq!(&back, e, "{json}");
    }
    // A timestamp also reads from microseconds, a decimal from numbers.
    let ts: Timestamp = serde_json::from_str("-1").unwrap();
    assert_eq!(ts, Timestamp::from_micros(-1));
    let d: Decimal = serde_json::from_str("0.1").unwrap();
    assert_eq!(d, "0.1".parse().unwrap());
    let d: Decimal = serde_json::from_str("-3").unwrap();
    assert_eq!(d, Decimal::from(-3));
    let err = serde_json::from_str::<Timestamp>("\"yesterday\"").unwrap_err();
    assert!(
        err.to_string()
            .contains("invalid value: string \"yesterday\""),
        "{err}"
    );
    let err = serde_json::from_str::<Decimal>("\"0.0000000000001\"").unwrap_err();
    assert!(err.to_string().contains("scale 13"), "{err}");
}

#[test]
fn a_missing_column_names_the_field() {
    #[derive(Deserialize, Debug)]
    struct WithEmail {
        #[allow(dead_code)]
        id: i32,
        #[allow(dead_code)]
        email: String,
    }
    let err = items()
        .row(0)
        .unwrap()
        .deserialize::<WithEmail>()
        .unwrap_err();
    assert_eq!(
        err,
        ConversionError::MissingColumn {
            field: "email".into()
        }
    );
    assert_eq!(err.to_string(), "no column matches field \"email\"");
    // An Option field without a column is None.
    #[derive(Deserialize, Debug, PartialEq)]
    struct MaybeEmail {
        id: i32,
        email: Option<String>,
    }
    let m: MaybeEmail = items().row(0).unwrap().deserialize().unwrap();
    assert_eq!(m, MaybeEmail { id: 1, email: None });
}

#[test]
fn an_extra_column_is_refused_when_unknown_fields_are_denied() {
    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Strict {
        id: i32,
        name: String,
        price: Option<f64>,
    }
    let err = items().deserialize::<Strict>().next().unwrap().unwrap_err();
    assert_eq!(
        err,
        ConversionError::UnknownColumn {
            column: "DATA".into()
        }
    );
    assert_eq!(err.to_string(), "column \"DATA\" matches no field");
}

#[test]
fn a_type_that_does_not_fit_names_the_column_and_the_field() {
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct NameAsNumber {
        id: i32,
        name: i64,
    }
    let err = items()
        .row(0)
        .unwrap()
        .deserialize::<NameAsNumber>()
        .unwrap_err();
    let ConversionError::Field {
        column,
        field,
        source,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!((column.as_str(), field.as_str()), ("NAME", "name"));
    assert!(matches!(**source, ConversionError::Custom(_)));
    assert_eq!(
        err.to_string(),
        "column \"NAME\" into field name: invalid type: string \"one\", expected i64"
    );
    // A value out of the field's range.
    let mut b = VoltTable::builder(vec![col("N", VoltType::BigInt)]);
    b.add_row(&[Value::BigInt(500)]).unwrap();
    let err = b
        .build()
        .row(0)
        .unwrap()
        .deserialize::<(i8,)>()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "column \"N\" into field .0: invalid value: integer `500`, expected i8"
    );
}

#[test]
fn a_null_into_a_field_that_is_not_an_option() {
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct NotNull {
        id: i32,
        price: f64,
    }
    let t = items();
    assert!(t.row(0).unwrap().deserialize::<NotNull>().is_ok());
    let err = t.row(1).unwrap().deserialize::<NotNull>().unwrap_err();
    assert_eq!(
        err,
        ConversionError::Field {
            column: "PRICE".into(),
            field: "price".into(),
            source: Box::new(ConversionError::UnexpectedNull { column: 2 }),
        }
    );
    assert_eq!(
        err.to_string(),
        "column \"PRICE\" into field price: column 2 is NULL; read it as an Option"
    );
    // And in a tuple, in a voltdb::Error.
    let err: Error = t
        .row(1)
        .unwrap()
        .deserialize::<(i32, &str, f64, Option<&[u8]>)>()
        .unwrap_err()
        .into();
    assert_eq!(
        err.to_string(),
        "conversion error: column \"PRICE\" into field .2: column 2 is NULL; read it as an Option"
    );
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Order<'a> {
    id: i64,
    customer: &'a str,
    note: Option<String>,
    placed: Timestamp,
    total: Decimal,
    qty: u8,
    blob: Vec<u8>,
}

/// An `Order` by position.
type OrderTuple<'a> = (
    i64,
    &'a str,
    Option<String>,
    Timestamp,
    Decimal,
    i8,
    Vec<u8>,
);

fn order() -> Order<'static> {
    Order {
        id: 7,
        customer: "ada",
        note: None,
        placed: Timestamp::from_micros(1_000_001),
        total: "19.99".parse().unwrap(),
        qty: 3,
        blob: vec![9, 8],
    }
}

#[test]
fn parameters_from_a_struct_in_field_order() {
    assert_eq!(
        voltdb::to_params(&order()).unwrap(),
        [
            Value::BigInt(7),
            Value::from("ada"),
            Value::Null,
            Value::Timestamp(Timestamp::from_micros(1_000_001)),
            Value::Decimal("19.99".parse().unwrap()),
            Value::SmallInt(3),
            Value::Varbinary(vec![9, 8]),
        ]
    );
    assert_eq!(
        voltdb::to_params(&(1i32, "x", vec![1i64, 2])).unwrap(),
        [
            Value::Integer(1),
            Value::from("x"),
            Value::Array(VoltType::BigInt, vec![1i64.into(), 2i64.into()])
        ]
    );
    let err = voltdb::to_params(&5i32).unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot make parameters: an integer (not in a struct or tuple) cannot be a parameter"
    );
    #[derive(Serialize)]
    struct Nested {
        inner: (i32, std::collections::BTreeMap<String, i32>),
    }
    let err = voltdb::to_params(&Nested {
        inner: (1, Default::default()),
    })
    .unwrap_err();
    assert_eq!(
        err,
        EncodeError::Params("field \"inner\": a map cannot be a parameter".into())
    );
    let err = voltdb::to_params(&(u64::MAX,)).unwrap_err();
    assert!(
        matches!(
            err,
            EncodeError::OutOfRange {
                ty: VoltType::BigInt,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn parameters_from_a_struct_through_a_procedure() {
    let server = TestServer::start().unwrap();
    let client = FastSerializer::new("127.0.0.1", server.port()).unwrap();
    let declared = vec![
        VoltType::BigInt,
        VoltType::String,
        VoltType::String,
        VoltType::Timestamp,
        VoltType::Decimal,
        VoltType::TinyInt,
        VoltType::Varbinary,
    ];
    let echo = VoltProcedure::new(&client, "Echo", declared.clone());
    let params = voltdb::to_params(&order()).unwrap();
    let r = echo.call(&params, true, None).unwrap().unwrap();
    // Echo returns its parameters as columns P0.., so a tuple reads them back.
    let back: Vec<OrderTuple> = r.tables[0].deserialize().collect::<Result<_, _>>().unwrap();
    assert_eq!(
        back,
        [(
            7,
            "ada",
            None,
            Timestamp::from_micros(1_000_001),
            "19.99".parse().unwrap(),
            3,
            vec![9, 8]
        )]
    );
    // A field of the wrong type is refused before sending, as any parameter.
    let mut wrong = declared;
    wrong[1] = VoltType::Integer;
    let echo = VoltProcedure::new(&client, "Echo", wrong);
    let err = echo.call(&params, true, None).unwrap_err();
    let Error::Encode(e) = &err else {
        panic!("{err:?}")
    };
    assert!(
        matches!(
            e.problem(),
            EncodeError::TypeMismatch {
                expected: VoltType::Integer,
                got: "string"
            }
        ),
        "{err:?}"
    );
    // And so is a value out of the declared range.
    let mut big = order();
    big.qty = 200;
    let echo = VoltProcedure::new(
        &client,
        "Echo",
        vec![
            VoltType::BigInt,
            VoltType::String,
            VoltType::String,
            VoltType::Timestamp,
            VoltType::Decimal,
            VoltType::TinyInt,
            VoltType::Varbinary,
        ],
    );
    let err = echo
        .call(&voltdb::to_params(&big).unwrap(), true, None)
        .unwrap_err();
    let Error::Encode(e) = &err else {
        panic!("{err:?}")
    };
    assert!(
        matches!(
            e.problem(),
            EncodeError::OutOfRange {
                ty: VoltType::TinyInt,
                value: 200,
                ..
            }
        ),
        "{err:?}"
    );
    client.close();
}

#[test]
fn enums_from_strings_and_json_values() {
    #[derive(Deserialize, Debug, PartialEq)]
    enum Kind {
        One,
        Two,
    }
    let t = items();
    let kinds: Vec<(i32, Kind)> = {
        let mut b = VoltTable::builder(vec![
            col("ID", VoltType::Integer),
            col("K", VoltType::String),
        ]);
        b.add_row(&[1.into(), "One".into()]).unwrap();
        b.add_row(&[2.into(), "Two".into()]).unwrap();
        b.build().deserialize().collect::<Result<_, _>>().unwrap()
    };
    assert_eq!(kinds, [(1, Kind::One), (2, Kind::Two)]);
    // A row as a map of JSON values.
    let m: std::collections::BTreeMap<String, serde_json::Value> =
        t.row(1).unwrap().deserialize().unwrap();
    assert_eq!(m["NAME"], "two");
    assert_eq!(m["PRICE"], serde_json::Value::Null);
}
