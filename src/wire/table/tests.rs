use super::index::*;
use super::layout::*;
use super::*;

/// An xorshift generator: `next(n)` is in `0..n`.
fn rng(mut seed: u64) -> impl FnMut(usize) -> usize {
    move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    }
}

/// The row index of `nrows` rows at `pos`, found independently of
/// [`index_rows`]: each row walked cell by cell (fixed cells by their
/// size, the others by their length prefix, every cell within its row),
/// the index entries taken at the start of the row and after each
/// variable-length cell that a column follows, then, when `keep`, where
/// each VARCHAR starts in the text of all VARCHARs (also returned).
/// `None` when a row's cells do not exactly fill it or the bytes end first.
fn oracle(
    data: &[u8],
    mut pos: usize,
    nrows: usize,
    columns: &[VoltColumn],
    keep: bool,
) -> Option<(Vec<u32>, Vec<u8>)> {
    let be32 = |at: usize| -> Option<i32> {
        let b = data.get(at..at.checked_add(4)?)?;
        Some(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    let mut index = Vec::new();
    let mut text = Vec::new();
    for _ in 0..nrows {
        let mut starts = Vec::new();
        let len = usize::try_from(be32(pos)?).ok()?;
        let start = pos + 4;
        let end = start.checked_add(len)?;
        if end > data.len() {
            return None;
        }
        index.push(start as u32);
        let mut p = start;
        for (i, c) in columns.iter().enumerate() {
            match c.ty.fixed_size() {
                Some(n) => p += n,
                None => {
                    if p + 4 > end {
                        return None;
                    }
                    let n = be32(p)?;
                    p += 4;
                    if n < -1 {
                        return None;
                    }
                    let cell = data.get(p..p + n.max(0) as usize)?;
                    p += cell.len();
                    if p > end {
                        return None;
                    }
                    if keep && c.ty == VoltType::String {
                        starts.push(text.len() as u32);
                        text.extend_from_slice(cell);
                    }
                    if i + 1 < columns.len() {
                        index.push(p as u32);
                    }
                }
            }
        }
        if p != end {
            return None;
        }
        index.extend(starts);
        pos = end;
    }
    Some((index, text))
}

/// The one row-indexing loop indexes as the oracle does, on 20,000 random
/// shapes of valid rows and of broken ones (length prefixes set to edge
/// values, bytes overwritten, the buffer cut short): the same entries, or
/// an error where the oracle finds a row that does not fit.
#[test]
fn index_rows_agrees_with_an_oracle_on_random_rows() {
    let mut next = rng(0x2545_F491_4F6C_DD1D);
    use VoltType as T;
    let types = [
        T::TinyInt,
        T::SmallInt,
        T::Integer,
        T::BigInt,
        T::Decimal,
        T::String,
        T::String,
        T::Varbinary,
        T::Geography,
    ];
    let edges = [-2i32, -1, 0, 1, 127, 128, 129, 200, i32::MAX, i32::MIN];
    let (mut valid, mut broken) = (0, 0);
    for _ in 0..20_000 {
        let columns: Box<[VoltColumn]> = (0..1 + next(6))
            .map(|_| VoltColumn::new("C", types[next(types.len())]))
            .collect();
        let layout = Layout::new(columns.clone());
        let lead = next(6);
        let mut data: Vec<u8> = (0..lead).map(|_| next(256) as u8).collect();
        let mut prefixes = Vec::new();
        let nrows = next(12);
        for _ in 0..nrows {
            let at = data.len();
            prefixes.push(at);
            data.extend_from_slice(&[0; 4]);
            for c in columns.iter() {
                match c.ty.fixed_size() {
                    Some(n) => data.extend((0..n).map(|_| next(256) as u8)),
                    None => {
                        prefixes.push(data.len());
                        let n = match next(8) {
                            0 => -1,
                            1 => 0,
                            2 => 100 + next(200) as i32,
                            _ => next(40) as i32,
                        };
                        data.extend_from_slice(&n.to_be_bytes());
                        data.extend((0..n.max(0)).map(|_| b'a' + next(26) as u8));
                    }
                }
            }
            let len = (data.len() - at - 4) as i32;
            data[at..at + 4].copy_from_slice(&len.to_be_bytes());
        }
        data.extend((0..next(200)).map(|_| next(256) as u8));
        match next(4) {
            0 if !prefixes.is_empty() => {
                let at = prefixes[next(prefixes.len())];
                let v = edges[next(edges.len())].wrapping_add(next(3) as i32 - 1);
                data[at..at + 4].copy_from_slice(&v.to_be_bytes());
            }
            1 if !data.is_empty() => {
                let at = next(data.len());
                data[at] = next(256) as u8;
            }
            2 => data.truncate(next(data.len() + 1)),
            _ => {}
        }
        let at = lead.min(data.len());
        let keep = nrows >= TEXT_MIN_ROWS && columns.iter().any(|c| c.ty == VoltType::String);
        let got = index_rows(&data, at, nrows, &layout);
        let want = oracle(&data, at, nrows, &columns, keep);
        match (&got, &want) {
            (Ok((index, stride, text)), Some((entries, want_text))) => {
                assert_eq!(index, entries, "{columns:?}");
                assert_eq!(index.len(), nrows * stride);
                let want_text = keep.then(|| std::str::from_utf8(want_text).ok()).flatten();
                assert_eq!(text.as_deref(), want_text, "{columns:?}");
                valid += 1;
            }
            (Err(_), None) => broken += 1,
            _ => panic!("{columns:?}: {got:?} vs {want:?}"),
        }
    }
    // Both kinds were drawn often.
    assert!(
        valid > 5_000 && broken > 3_000,
        "{valid} valid, {broken} broken"
    );
}

/// An error from the indexer is the first error of a cell-by-cell walk
/// of the rows.
#[test]
fn row_errors_are_the_walks_errors() {
    let columns: Box<[VoltColumn]> = Box::new([
        VoltColumn::new("S", VoltType::String),
        VoltColumn::new("I", VoltType::Integer),
    ]);
    let layout = Layout::new(columns);
    let mut row = Vec::new();
    row.extend_from_slice(&12i32.to_be_bytes());
    row.extend_from_slice(&4i32.to_be_bytes());
    row.extend_from_slice(b"abcd");
    row.extend_from_slice(&7i32.to_be_bytes());
    let two = [row.clone(), row.clone()].concat();
    assert_eq!(index_rows(&two, 0, 2, &layout).unwrap().0, [4, 12, 20, 28]);
    // A row length that runs past the bytes.
    let mut long = two.clone();
    long[16..20].copy_from_slice(&13i32.to_be_bytes());
    assert!(index_rows(&long, 0, 2, &layout).is_err());
    // A row whose cells do not fill it.
    let mut short = two.clone();
    short[0..4].copy_from_slice(&11i32.to_be_bytes());
    assert_eq!(
        index_rows(&short, 0, 2, &layout).unwrap_err(),
        ProtocolError::Malformed("row length")
    );
    // A negative cell length.
    let mut bad = two.clone();
    bad[20..24].copy_from_slice(&(-2i32).to_be_bytes());
    let err = index_rows(&bad, 0, 2, &layout).unwrap_err();
    assert_eq!(err, row_error(&bad, 16, 1, &layout));
    // More rows than the bytes hold: refused before indexing.
    assert!(index_rows(&two, 0, 3, &layout).is_err());
}

#[test]
fn column_cache_shares_columns_of_the_same_header_only() {
    let table = |columns: &[VoltColumn], v: i32| {
        let mut rows = Vec::new();
        write_row(&mut rows, columns, &[Value::from(v), Value::from("x")]).unwrap();
        Arc::new(encode_table(-128, columns, 1, &rows))
    };
    let named = |names: [&str; 2]| {
        vec![
            VoltColumn::new(names[0], VoltType::Integer),
            VoltColumn::new(names[1], VoltType::String),
        ]
    };
    let mut cache = ColumnCache::default();
    let id_name = named(["ID", "NAME"]);
    let (a, _) = VoltTable::parse_cached(&table(&id_name, 1), 0, Some(&mut cache)).unwrap();
    let (b, _) = VoltTable::parse_cached(&table(&id_name, 2), 0, Some(&mut cache)).unwrap();
    assert!(std::ptr::eq(a.columns().as_ptr(), b.columns().as_ptr()));
    assert_eq!(b.row(0).unwrap().get::<i32>("ID").unwrap(), 2);
    // Another header: its own columns, then cached in turn.
    let id_namf = named(["ID", "NAMF"]);
    let (c, _) = VoltTable::parse_cached(&table(&id_namf, 3), 0, Some(&mut cache)).unwrap();
    assert!(!std::ptr::eq(a.columns().as_ptr(), c.columns().as_ptr()));
    assert_eq!(c.columns()[1].name, "NAMF");
    assert_eq!(c.row(0).unwrap().get::<&str>("NAMF").unwrap(), "x");
    let (d, _) = VoltTable::parse_cached(&table(&id_namf, 4), 0, Some(&mut cache)).unwrap();
    assert!(std::ptr::eq(c.columns().as_ptr(), d.columns().as_ptr()));
    // Same names, other types: not shared.
    let other = vec![
        VoltColumn::new("ID", VoltType::BigInt),
        VoltColumn::new("NAMF", VoltType::String),
    ];
    let mut rows = Vec::new();
    write_row(&mut rows, &other, &[Value::from(5i64), Value::from("y")]).unwrap();
    let e_buf = Arc::new(encode_table(-128, &other, 1, &rows));
    let (e, _) = VoltTable::parse_cached(&e_buf, 0, Some(&mut cache)).unwrap();
    assert_eq!(e.columns()[0].ty, VoltType::BigInt);
    assert_eq!(e.row(0).unwrap().get::<i64>(0).unwrap(), 5);
    // A name that is not UTF-8 is an error, cache or not.
    let mut bad = table(&id_namf, 6).as_ref().clone();
    let at = bad.windows(4).position(|w| w == b"NAMF").unwrap();
    bad[at + 3] = 0xff;
    let bad = Arc::new(bad);
    for cache in [Some(&mut cache), None] {
        assert!(matches!(
            VoltTable::parse_cached(&bad, 0, cache),
            Err(ProtocolError::InvalidUtf8("column name"))
        ));
    }
}

/// A table value is one pointer: a `Value` holding one stays small.
#[test]
fn a_table_is_one_pointer() {
    assert_eq!(
        std::mem::size_of::<VoltTable>(),
        std::mem::size_of::<usize>()
    );
    assert!(
        std::mem::size_of::<Value>() <= 32,
        "{}",
        std::mem::size_of::<Value>()
    );
}
