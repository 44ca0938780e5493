use std::fmt;

use super::*;
use crate::error::ProtocolError;
use crate::types::from_cell;
use crate::wire::decimal::Decimal;
use crate::wire::geo::{Geography, GeographyPoint};
use crate::wire::reader::Reader;
use crate::wire::timestamp::{Date, Timestamp};
use crate::wire::types::VoltType;
use crate::wire::value::{read_raw, read_value, skip_value, ValueRef};

/// Rows from which a table keeps its VARCHARs' text (`TEXT_MIN_ROWS`).
const LARGE: usize = 8;

/// The offset of every cell, as the original cell-by-cell walk finds
/// them (or its error).
fn walk(buf: &[u8], t: &VoltTable) -> Result<Vec<usize>, ProtocolError> {
    let mut r = Reader::new(buf);
    r.skip(t.rows_start(), "rows")?;
    r.check_count(t.row_count() as i64, 4, "row count")?;
    let mut cells = Vec::new();
    for _ in 0..t.row_count() {
        let len = r.read_size("row length")?;
        let row_end = r.position() + len;
        for c in t.columns() {
            cells.push(r.position());
            skip_value(&mut r, c.ty)?;
        }
        if r.position() != row_end {
            return Err(ProtocolError::Malformed("row length"));
        }
    }
    Ok(cells)
}

/// The offset of every cell, as the table's index locates them.
fn offsets(t: &VoltTable) -> Vec<usize> {
    let mut v = Vec::new();
    for entries in t.index().chunks_exact(t.stride()).take(t.row_count()) {
        for p in t.places() {
            v.push(p.offset(entries).unwrap());
        }
    }
    v
}

fn table_of(columns: &[VoltType], rows: usize) -> VoltTable {
    let cols = columns
        .iter()
        .enumerate()
        .map(|(i, &ty)| VoltColumn::new(format!("C{i}"), ty))
        .collect();
    let mut b = VoltTable::builder(cols);
    for i in 0..rows {
        let row: Vec<Value> = columns
            .iter()
            .enumerate()
            .map(|(c, &ty)| {
                if (i + c) % 5 == 2 {
                    return Value::Null;
                }
                match ty {
                    // Each column's letter: a VARCHAR read at another
                    // one's place in the kept text shows.
                    VoltType::String => Value::from(
                        "é".repeat(i % 4) + &char::from(b'a' + c as u8).to_string().repeat(i),
                    ),
                    VoltType::TinyInt => Value::from(i as i8),
                    VoltType::Integer => Value::from(i as i32 * 1000),
                    VoltType::Varbinary => Value::from(vec![7u8; i]),
                    VoltType::BigInt => Value::from(i as i64),
                    VoltType::Decimal => Value::from(Decimal::from_i64(i as i64)),
                    _ => Value::Null,
                }
            })
            .collect();
        b.add_row(&row).unwrap();
    }
    b.build()
}

/// Layouts with VARCHARs first and last, two length-prefixed cells in a
/// row, fixed cells only, and a single column; small tables (each
/// VARCHAR checked when read) and large ones (the text kept).
fn layouts() -> Vec<Vec<VoltType>> {
    use VoltType::*;
    vec![
        vec![String, TinyInt, Varbinary, BigInt, Geography],
        vec![BigInt, String, String, Integer],
        vec![Integer, Decimal, TinyInt],
        vec![String],
        vec![Varbinary, TinyInt, String],
    ]
}

#[test]
fn row_index_agrees_with_a_cell_by_cell_walk_on_damaged_rows() {
    let mut checked = 0;
    for columns in layouts() {
        for rows in [4, LARGE + 1] {
            let good = table_of(&columns, rows);
            assert_eq!(
                good.text().is_some(),
                rows >= LARGE && columns.contains(&VoltType::String)
            );
            let bytes = good.as_bytes().to_vec();
            assert_eq!(walk(&bytes, &good).unwrap(), offsets(&good));
            let interesting = [0x00, 0x01, 0x03, 0x7f, 0x80, 0xfe, 0xff];
            for at in good.rows_start()..bytes.len() {
                for &v in &interesting {
                    let mut damaged = bytes.clone();
                    damaged[at] = v;
                    for cut in [damaged.len(), at + 1] {
                        let mut d = damaged[..cut].to_vec();
                        // Keep the table's own length consistent with the cut.
                        let total = (d.len() - 4) as i32;
                        d[..4].copy_from_slice(&total.to_be_bytes());
                        let got = VoltTable::from_bytes(d.clone());
                        let expected = walk(&d, &good);
                        match (got, expected) {
                            (Ok(t), Ok(cells)) => {
                                assert_eq!(offsets(&t), cells, "byte {at} = {v:#x}");
                                // (A sample: every getter of every cell is slow in debug.)
                                if cut == damaged.len() && at % 16 == 0 {
                                    check_getters(&t);
                                }
                            }
                            (Err(e), Err(want)) => assert_eq!(e, want, "byte {at} = {v:#x}"),
                            (got, want) => {
                                panic!("byte {at} = {v:#x}, cut {cut}: {got:?} vs {want:?}")
                            }
                        }
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(checked > 5000, "{checked}");
}

/// Every getter gives what `from_volt` of the decoded cell gives, and
/// every cell decodes as `read_value` decodes its bytes.
fn check_getters(t: &VoltTable) {
    let data = t.as_bytes();
    for (row, entries) in t.rows().zip(t.index().chunks_exact(t.stride())) {
        for c in 0..t.column_count() {
            let off = t.places()[c].offset(entries).unwrap();
            let raw = read_value(&mut Reader::new(&data[off..]), t.columns()[c].ty);
            match (row.get_ref(c), raw) {
                (Ok(v), Ok(want)) => assert_eq!(
                    format!("{v:?}"),
                    format!("{want:?}"),
                    "row {} column {c}",
                    row.index()
                ),
                (Err(ConversionError::Malformed { problem, .. }), Err(want)) => {
                    assert_eq!(problem, want)
                }
                (got, want) => panic!("row {} column {c}: {got:?} vs {want:?}", row.index()),
            }
        }
    }
    fn same<'a, T: FromVolt<'a> + fmt::Debug>(row: &Row<'a>, c: usize) {
        // The cell read plainly where the index says it is, then converted.
        let general = |opt: bool| {
            let t = row.table;
            let off = t.places()[c].offset(row.entries).unwrap();
            let ty = t.columns()[c].ty;
            let cell = read_raw(&mut Reader::new(&t.as_bytes()[off..]), ty)
                .map_err(|problem| ConversionError::Malformed { column: c, problem })?;
            if opt && cell.is_none() {
                return Ok(None);
            }
            from_cell::<T>(ty, cell).map(Some).map_err(|e| e.at(c))
        };
        let fast = row.get::<T>(c).map(Some);
        assert_eq!(
            format!("{fast:?}"),
            format!("{:?}", general(false)),
            "column {c}"
        );
        let fast = row.get::<Option<T>>(c);
        assert_eq!(
            format!("{fast:?}"),
            format!("{:?}", general(true)),
            "column {c}"
        );
    }
    // Every column as `T` and as `Option<T>` through the checked reader
    // (what errors and VARCHARs not kept take): what `Row::get` gives.
    fn along<'a, T: FromVolt<'a> + fmt::Debug>(row: &Row<'a>) {
        for c in 0..row.len() {
            assert_eq!(
                format!("{:?}", row.cell_as_slowly::<T>(c)),
                format!("{:?}", row.get::<T>(c)),
                "row {} column {c}",
                row.index()
            );
            assert_eq!(
                format!("{:?}", row.cell_as_slowly::<Option<T>>(c)),
                format!("{:?}", row.get::<Option<T>>(c)),
                "row {} column {c}",
                row.index()
            );
        }
        assert!(
            row.get::<T>(row.len()).is_err(),
            "no cell past the last column"
        );
    }
    rows_as_reads_what_to_reads(t);
    for row in t.rows() {
        along::<i8>(&row);
        along::<i16>(&row);
        along::<i32>(&row);
        along::<i64>(&row);
        along::<u64>(&row);
        along::<f64>(&row);
        along::<&str>(&row);
        along::<String>(&row);
        along::<&[u8]>(&row);
        along::<Vec<u8>>(&row);
        along::<Decimal>(&row);
        along::<Timestamp>(&row);
        along::<Value>(&row);
    }
    for row in t.rows() {
        for c in 0..t.column_count() {
            same::<i8>(&row, c);
            same::<i16>(&row, c);
            same::<i32>(&row, c);
            same::<i64>(&row, c);
            same::<u8>(&row, c);
            same::<u64>(&row, c);
            same::<i128>(&row, c);
            same::<f64>(&row, c);
            same::<bool>(&row, c);
            same::<&str>(&row, c);
            same::<String>(&row, c);
            same::<&[u8]>(&row, c);
            same::<Vec<u8>>(&row, c);
            same::<Decimal>(&row, c);
            same::<Timestamp>(&row, c);
            same::<Date>(&row, c);
            same::<GeographyPoint>(&row, c);
            same::<Geography>(&row, c);
            same::<Value>(&row, c);
            same::<ValueRef<'_>>(&row, c);
        }
    }
}

/// `rows_as` (which checks once that the tuple takes the columns) gives
/// what `Row::to` gives, row by row, for tuples of the columns' own types
/// (`Option`s or not) on the layouts that have them.
fn rows_as_reads_what_to_reads(t: &VoltTable) {
    use VoltType::*;
    fn same<'a, R: FromRow<'a> + fmt::Debug>(t: &'a VoltTable) {
        assert_eq!(R::accepts(t.columns()), Ok(()));
        let got: Vec<_> = t.rows_as::<R>().collect();
        let want: Vec<_> = t.rows().map(|r| r.to::<R>()).collect();
        assert_eq!(format!("{got:?}"), format!("{want:?}"));
    }
    type S = std::string::String;
    let types: Vec<VoltType> = t.columns().iter().map(|c| c.ty).collect();
    match types.as_slice() {
        [BigInt, String, String, Integer] => {
            same::<(Option<i64>, Option<&str>, Option<S>, Option<i32>)>(t);
            same::<(i64, &str, S, i32)>(t);
        }
        [Integer, Decimal, TinyInt] => {
            same::<(Option<i32>, Option<crate::Decimal>, Option<i8>)>(t);
            same::<(i32, crate::Decimal, i8)>(t);
        }
        [String] => {
            same::<(Option<&str>,)>(t);
            same::<(S,)>(t);
        }
        [Varbinary, TinyInt, String] => {
            same::<(Option<&[u8]>, Option<i8>, Option<S>)>(t);
            same::<(Vec<u8>, i8, &str)>(t);
        }
        _ => {}
    }
}

/// Rows read as tuples: each element what `Row::get` gives for its
/// column (native readers for the column's own type, the general path
/// for the others), the first error otherwise, and a tuple of another
/// size is an error.
#[test]
fn tuples_read_what_the_getters_read() {
    use VoltType::*;
    for rows in [3, 40] {
        let t = table_of(&[BigInt, String, String, Integer], rows);
        for row in t.rows() {
            let want = (
                row.get::<Option<i64>>(0).unwrap(),
                row.get::<Option<&str>>(1).unwrap(),
                row.get::<Option<std::string::String>>(2).unwrap(),
                row.get::<Option<i32>>(3).unwrap(),
            );
            assert_eq!(row.to(), Ok(want));
            // Other types than the columns' own: the general path.
            let wide = (
                row.get::<Value>(0).unwrap(),
                row.get::<Option<&[u8]>>(1).unwrap(),
                row.get::<Value>(2).unwrap(),
                row.get::<Option<i64>>(3).unwrap(),
            );
            assert_eq!(row.to(), Ok(wide));
            // A VARCHAR read the general way, then one read natively
            // from the kept text: the second starts after the first.
            let mixed = (
                row.get::<Option<i64>>(0).unwrap(),
                row.get::<Option<&[u8]>>(1).unwrap(),
                row.get::<Option<&str>>(2).unwrap(),
                row.get::<Option<i32>>(3).unwrap(),
            );
            assert_eq!(row.to(), Ok(mixed));
            // Not nullable: the first NULL is the error, with its column.
            let strict = row.to::<(i64, &str, std::string::String, i32)>();
            let first_null = (0..4).find(|&c| row.get_ref(c).unwrap().is_null());
            match first_null {
                None => assert!(strict.is_ok()),
                Some(c) => {
                    assert_eq!(strict, Err(ConversionError::UnexpectedNull { column: c }))
                }
            }
            assert_eq!(
                row.to::<(i64, &str, std::string::String)>(),
                Err(ConversionError::ColumnCount {
                    expected: 3,
                    found: 4
                })
            );
        }
        type Item<'a> = (Option<i64>, Option<&'a str>, Option<&'a str>, Option<i32>);
        let all: Vec<Item> = t.rows_as().collect::<Result<_, _>>().unwrap();
        assert_eq!(all.len(), rows);
        assert_eq!(t.rows_as::<(i64, i64, i64, i64)>().len(), rows);
    }
}

/// Index entries per row: one per segment (the row's first cell, and
/// just past each variable-length cell that columns follow), plus one
/// per VARCHAR when the text is kept; none per fixed-size cell.
#[test]
fn index_holds_segments_not_cells() {
    use VoltType::*;
    let cases: [(&[VoltType], usize, usize); 6] = [
        (&[Integer, Decimal, TinyInt], 1, 1),
        (&[BigInt, String, String, Integer], 3, 5),
        (&[String], 1, 2),
        (&[Varbinary, TinyInt, String], 2, 3),
        (&[String, TinyInt, Varbinary, BigInt, Geography], 3, 4),
        (&[], 1, 1),
    ];
    for (columns, small, large) in cases {
        for (rows, stride) in [(4, small), (LARGE + 1, large)] {
            let t = table_of(columns, rows);
            assert_eq!(t.stride(), stride, "{columns:?}, {rows} rows");
            assert_eq!(t.index().len(), rows * stride);
            if !columns.is_empty() {
                check_getters(&t);
            }
        }
    }
}

#[test]
fn fast_getters_agree_with_from_volt() {
    for columns in layouts() {
        for rows in [0, 1, 4, LARGE, 40] {
            check_getters(&table_of(&columns, rows));
        }
    }
}

/// A large table (text kept) whose VARCHAR bytes are valid UTF-8 as a
/// whole but not cell by cell: `é` split across two cells.
#[test]
fn varchar_valid_only_across_cells_is_an_error() {
    let cols = vec![
        VoltColumn::new("S", VoltType::String),
        VoltColumn::new("I", VoltType::Integer),
    ];
    let mut b = VoltTable::builder(cols);
    for i in 0..LARGE * 2 {
        b.add_row(&[Value::from(format!("r{i}")), Value::from(i as i32)])
            .unwrap();
    }
    let mut bytes = b.build().as_bytes().to_vec();
    // Rows 3 and 4 hold "r3" and "r4": make them "r\xc3" and "\xa9r"? No:
    // one byte each side: "r" + 0xc3 ends row 3, 0xa9 + "4" starts row 4.
    let r3 = bytes.windows(2).position(|w| w == b"r3").unwrap();
    bytes[r3 + 1] = 0xc3;
    let r4 = bytes.windows(2).position(|w| w == b"r4").unwrap();
    bytes[r4] = 0xa9;
    let t = VoltTable::from_bytes(bytes).unwrap();
    assert!(t.text().is_some(), "the text as a whole is valid UTF-8");
    for row in [3, 4] {
        let row = t.row(row).unwrap();
        assert!(matches!(
            row.get::<&str>(0),
            Err(ConversionError::Malformed { column: 0, .. })
        ));
        assert!(row.get::<Option<String>>(0).is_err());
        assert!(row.get::<&[u8]>(0).is_err());
        assert!(row.get::<Value>(0).is_err());
        assert!(row.get_ref(0).is_err());
        assert!(row.get::<i32>(1).is_ok());
    }
    assert_eq!(t.row(2).unwrap().get::<&str>(0).unwrap(), "r2");
    assert_eq!(t.row(5).unwrap().get::<&str>(0).unwrap(), "r5");
    check_getters(&t);
}

/// A large table with one invalid VARCHAR: that cell fails when read as
/// a string (or bytes, or a value), every other cell still reads.
#[test]
fn one_invalid_varchar_in_a_large_table() {
    let t = table_of(&[VoltType::String, VoltType::BigInt], 20);
    let mut bytes = t.as_bytes().to_vec();
    // (Column 0's VARCHARs are runs of 'a'.)
    let at = bytes.windows(3).position(|w| w == b"aaa").unwrap();
    bytes[at + 1] = 0xff;
    let t = VoltTable::from_bytes(bytes).unwrap();
    assert!(t.text().is_none());
    let bad = (0..t.row_count())
        .filter(|&i| t.row(i).unwrap().get::<Option<&str>>(0).is_err())
        .count();
    assert_eq!(bad, 1);
    check_getters(&t);
}

/// A tuple takes columns when it has one element per column and each
/// element's type accepts its column's type.
#[test]
fn tuples_accept_their_columns() {
    let columns = [
        VoltColumn::new("ID", VoltType::BigInt),
        VoltColumn::new("NAME", VoltType::String),
    ];
    assert_eq!(<(i64, Option<&str>)>::accepts(&columns), Ok(()));
    assert_eq!(<(Value, &[u8])>::accepts(&columns), Ok(()));
    assert_eq!(
        <(i64, i64)>::accepts(&columns),
        Err(ConversionError::WrongType {
            column: 1,
            ty: VoltType::String,
            target: "i64"
        })
    );
    assert_eq!(
        <(i64,)>::accepts(&columns),
        Err(ConversionError::ColumnCount {
            expected: 1,
            found: 2
        })
    );
}
