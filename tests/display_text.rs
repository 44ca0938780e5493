//! `{:#}` of tables and responses: an aligned text table in Rust/SQL
//! notation (issue 16 docs/protocol.md#tables); `{}` stays the Python client's text.

use voltdb::{
    Date, Decimal, Geography, GeographyPoint, Status, Timestamp, Value, VoltColumn, VoltResponse,
    VoltTable, VoltType,
};

fn every_type() -> VoltTable {
    let types = [
        ("TI", VoltType::TinyInt),
        ("SI", VoltType::SmallInt),
        ("I", VoltType::Integer),
        ("BI", VoltType::BigInt),
        ("F", VoltType::Float),
        ("S", VoltType::String),
        ("B", VoltType::Varbinary),
        ("TS", VoltType::Timestamp),
        ("D", VoltType::Date),
        ("DEC", VoltType::Decimal),
        ("P", VoltType::GeographyPoint),
        ("G", VoltType::Geography),
    ];
    let columns = types.iter().map(|(n, t)| VoltColumn::new(*n, *t)).collect();
    let mut b = VoltTable::builder(columns);
    let ts = Timestamp::from_millis(1_700_000_100_000).unwrap();
    let poly = Geography::from_wkt("POLYGON((0 0, 1 0, 0 1, 0 0))").unwrap();
    b.add_row(&[
        Value::from(-5i8),
        Value::from(300i16),
        Value::from(70_000),
        Value::from(-9_000_000_000i64),
        Value::from(2.5),
        Value::from("it's"),
        Value::from(b"\x0a\x1b"),
        Value::from(ts),
        Value::from(Date::new(2024, 2, 29).unwrap()),
        Value::from("12.5".parse::<Decimal>().unwrap()),
        Value::from(GeographyPoint::new(1.5, -2.0)),
        Value::from(poly),
    ])
    .unwrap();
    let nulls: Vec<Value> = types.iter().map(|_| Value::Null).collect();
    b.add_row(&nulls).unwrap();
    b.add_row(&[
        Value::from(1i8),
        Value::from(2i16),
        Value::from(3),
        Value::from(4i64),
        Value::from(1e300),
        Value::from("NULL"),
        Value::from(Vec::<u8>::new()),
        Value::from(Timestamp::from_millis(0).unwrap()),
        Value::from(Date::new(1970, 1, 1).unwrap()),
        Value::from(Decimal::from_i64(-3)),
        Value::Null,
        Value::Null,
    ])
    .unwrap();
    b.build()
}

#[test]
fn every_type_with_nulls_in_rust_and_sql_notation() {
    let text = format!("{:#}", every_type());
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3 + 3 + 1, "{text}");
    let row = lines[3];
    for want in [
        "-5",
        "300",
        "70000",
        "-9000000000",
        "2.5",
        "'it''s'",
        "X'0A1B'",
        "2023-11-14T22:15:00Z",
        "2024-02-29",
        "12.5",
        "POINT (1.5 -2.0)",
        // Cut at 40 characters.
        "POLYGON ((0.0 0.0, 1.0 0.0, 0.0 1.0, 0.…",
    ] {
        assert!(row.contains(want), "{want:?} not in {row:?}");
    }
    assert!(!row.contains("Decimal("), "{row}");
    // The NULL row: NULL in every column, never quoted.
    assert_eq!(
        lines[4].split_whitespace().collect::<Vec<_>>(),
        ["NULL"; 12]
    );
    // The string 'NULL' is quoted: it differs from NULL.
    assert!(lines[5].contains("'NULL'"), "{}", lines[5]);
    assert!(lines[5].contains("1e300"), "{}", lines[5]);
    assert!(lines[5].contains("X''"), "{}", lines[5]);
    assert!(lines[5].contains("1970-01-01T00:00:00Z"), "{}", lines[5]);
    assert!(lines[5].contains("-3.0"), "{}", lines[5]);
    assert_eq!(lines[6], "(3 rows)");
    assert!(
        lines[1].starts_with("TINYINT  SMALLINT  INTEGER       BIGINT  FLOAT  STRING   VARBINARY"),
        "{}",
        lines[1]
    );
    assert!(
        lines[0].starts_with("     TI        SI        I           BI"),
        "{}",
        lines[0]
    );
    // No line ends in spaces.
    assert!(lines.iter().all(|l| !l.ends_with(' ')), "{text}");
}

#[test]
fn columns_align_numbers_right_and_text_left() {
    let mut b = VoltTable::builder(vec![
        VoltColumn::new("ID", VoltType::BigInt),
        VoltColumn::new("NAME", VoltType::String),
        VoltColumn::new("PRICE", VoltType::Float),
    ]);
    b.add_row(&[Value::from(1i64), Value::from("a"), Value::from(10.25)])
        .unwrap();
    b.add_row(&[
        Value::from(12345i64),
        Value::from("longer name"),
        Value::Null,
    ])
    .unwrap();
    let want = [
        "    ID  NAME           PRICE",
        "BIGINT  STRING         FLOAT",
        "------  -------------  -----",
        "     1  'a'            10.25",
        " 12345  'longer name'   NULL",
        "(2 rows)",
    ];
    assert_eq!(format!("{:#}", b.build()), want.join("\n"));
}

#[test]
fn long_cells_are_cut_with_an_ellipsis() {
    let mut b = VoltTable::builder(vec![VoltColumn::new("S", VoltType::String)]);
    let long = "é".repeat(100);
    b.add_row(&[Value::from(long.as_str())]).unwrap();
    b.add_row(&[Value::from("line\nbreak")]).unwrap();
    let text = format!("{:#}", b.build());
    let lines: Vec<&str> = text.lines().collect();
    // 40 characters: the quote, 38 of the string, then the ellipsis.
    assert_eq!(lines[3].chars().count(), 40, "{text}");
    assert!(lines[3].starts_with("'éé"), "{text}");
    assert!(lines[3].ends_with("é…"), "{text}");
    assert_eq!(lines[2], "-".repeat(40));
    // A control character is escaped: the row stays on its line.
    assert_eq!(lines[4], "'line\\nbreak'");
    assert_eq!(lines[5], "(2 rows)");
}

#[test]
fn empty_tables_and_responses() {
    let t = VoltTable::builder(vec![VoltColumn::new("modified_tuples", VoltType::BigInt)]).build();
    assert_eq!(
        format!("{t:#}"),
        [
            "modified_tuples",
            "         BIGINT",
            "---------------",
            "(0 rows)"
        ]
        .join("\n")
    );
    let mut r = VoltResponse::new(1, Status::GracefulFailure);
    r.status_string = Some("no such table".into());
    r.app_status = Some(3);
    r.app_status_string = Some("app says".into());
    assert_eq!(
        format!("{r:#}"),
        "status: GRACEFUL_FAILURE (-2)\nstatus string: no such table\napp status: 3 app says\n"
    );
    // `{}` stays the Python client's text.
    assert!(r
        .to_string()
        .starts_with("Status: -2\nInformation: no such table"));
    r.tables.push(every_type());
    let text = format!("{r:#}");
    assert!(text.contains("app says\n\n     TI        SI"), "{text}");
    assert!(text.ends_with("(3 rows)\n"), "{text}");
}
