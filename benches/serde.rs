//! Serde benchmark (feature `serde`): read every row of a 10,000-row table
//! into a `#[derive(Deserialize)]` struct with `VoltTable::deserialize`,
//! against `VoltTable::rows_as` into a tuple of the same field types, same
//! table, same run (goal: at least 0.7 of the tuple's speed). Also a struct
//! whose fields are in another order than the columns (matched by name for
//! every row).
//!
//! `cargo bench --features serde --bench serde`; see `benches/common/mod.rs`
//! for the environment variables. Without the feature it only says so (so
//! that `cargo bench --no-run` builds it).

#[cfg(feature = "serde")]
mod common;

#[cfg(not(feature = "serde"))]
fn main() {
    println!(
        "benches/serde.rs needs the serde feature: cargo bench --features serde --bench serde"
    );
}

#[cfg(feature = "serde")]
fn main() {
    if !common::start() {
        return;
    }
    common::banner("serde");
    let mut report = common::Report::new("serde", "rows into structs against tuples");
    bench::rows(&mut report);
    report.finish();
}

#[cfg(feature = "serde")]
mod bench {
    use std::hint::black_box;

    use serde::Deserialize;
    use voltdb::{Decimal, Timestamp, Value, VoltColumn, VoltTable, VoltType};

    use crate::common::{case_seconds, interleaved, Case, Clock, Line, Report, Rng, ROUNDS};

    const ROWS: usize = 10_000;

    /// A table like the codec bench's: BIGINT, INTEGER, FLOAT, VARCHAR of
    /// 10–100 bytes, TIMESTAMP, DECIMAL, VARBINARY of 8–64 bytes, with NULLs
    /// in every column but ID.
    fn table() -> VoltTable {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let mut b = VoltTable::builder(vec![
            VoltColumn::new("ID", VoltType::BigInt),
            VoltColumn::new("QTY", VoltType::Integer),
            VoltColumn::new("PRICE", VoltType::Float),
            VoltColumn::new("NAME", VoltType::String),
            VoltColumn::new("TS", VoltType::Timestamp),
            VoltColumn::new("AMOUNT", VoltType::Decimal),
            VoltColumn::new("BLOB", VoltType::Varbinary),
        ]);
        for i in 0..ROWS {
            let or_null = |every: usize, v: Value| {
                if i % every == every - 1 {
                    Value::Null
                } else {
                    v
                }
            };
            let name: String = (0..rng.range(10, 100))
                .map(|_| (b'a' + rng.range(0, 25) as u8) as char)
                .collect();
            let blob: Vec<u8> = (0..rng.range(8, 64)).map(|_| rng.next() as u8).collect();
            let row = [
                Value::from(i as i64 * 7919),
                or_null(7, Value::from(rng.next() as i32)),
                or_null(11, Value::from(rng.range(0, 1_000_000) as f64 / 100.0)),
                or_null(13, Value::from(name)),
                or_null(
                    17,
                    Value::Timestamp(Timestamp::from_micros(1_600_000_000_000_000 + i as i64)),
                ),
                or_null(
                    19,
                    Value::Decimal(Decimal::from_unscaled(rng.range(0, 1 << 50) as i128).unwrap()),
                ),
                or_null(23, Value::from(blob)),
            ];
            b.add_row(&row).unwrap();
        }
        b.build()
    }

    /// The tuple `rows_as` reads.
    type Tuple<'a> = (
        i64,
        Option<i32>,
        Option<f64>,
        Option<&'a str>,
        Option<Timestamp>,
        Option<Decimal>,
        Option<&'a [u8]>,
    );

    /// The same fields, named as the columns.
    #[derive(Deserialize)]
    struct Item<'a> {
        id: i64,
        qty: Option<i32>,
        price: Option<f64>,
        name: Option<&'a str>,
        ts: Option<Timestamp>,
        amount: Option<Decimal>,
        blob: Option<&'a [u8]>,
    }

    /// The same fields in another order: matched by name, row by row.
    #[derive(Deserialize)]
    struct Shuffled<'a> {
        blob: Option<&'a [u8]>,
        name: Option<&'a str>,
        id: i64,
        amount: Option<Decimal>,
        qty: Option<i32>,
        ts: Option<Timestamp>,
        price: Option<f64>,
    }

    /// Folds a row's values into one word, so that every read counts.
    #[inline(always)]
    fn fold(t: Tuple<'_>) -> u64 {
        let (id, qty, price, name, ts, amount, blob) = t;
        (id as u64)
            ^ qty.map_or(1, |q| q as u64).rotate_left(7)
            ^ price.map_or(2, f64::to_bits).rotate_left(14)
            ^ name.map_or(3, |s| s.len() as u64).rotate_left(21)
            ^ ts.map_or(4, |t| t.micros() as u64).rotate_left(28)
            ^ amount.map_or(5, |d| d.unscaled() as u64).rotate_left(35)
            ^ blob.map_or(6, |b| b.len() as u64).rotate_left(42)
    }

    fn by_tuple(t: &VoltTable) -> u64 {
        t.rows_as::<Tuple>()
            .fold(0, |acc, r| acc.wrapping_add(fold(r.unwrap())))
    }

    fn by_get(t: &VoltTable) -> u64 {
        t.rows().fold(0, |acc, r| {
            acc.wrapping_add(fold((
                r.get(0).unwrap(),
                r.get(1).unwrap(),
                r.get(2).unwrap(),
                r.get(3).unwrap(),
                r.get(4).unwrap(),
                r.get(5).unwrap(),
                r.get(6).unwrap(),
            )))
        })
    }

    fn by_struct(t: &VoltTable) -> u64 {
        t.deserialize::<Item>().fold(0, |acc, r| {
            let i = r.unwrap();
            acc.wrapping_add(fold((i.id, i.qty, i.price, i.name, i.ts, i.amount, i.blob)))
        })
    }

    fn by_shuffled(t: &VoltTable) -> u64 {
        t.deserialize::<Shuffled>().fold(0, |acc, r| {
            let i = r.unwrap();
            acc.wrapping_add(fold((i.id, i.qty, i.price, i.name, i.ts, i.amount, i.blob)))
        })
    }

    pub fn rows(report: &mut Report) {
        let t = table();
        let want = by_tuple(&t);
        assert_eq!(by_struct(&t), want, "the struct reads what the tuple reads");
        assert_eq!(by_shuffled(&t), want, "so does the shuffled struct");
        let mut get = || {
            black_box(by_get(black_box(&t)));
        };
        let (mut tuple, mut strct, mut shuffled) = (
            || {
                black_box(by_tuple(black_box(&t)));
            },
            || {
                black_box(by_struct(black_box(&t)));
            },
            || {
                black_box(by_shuffled(black_box(&t)));
            },
        );
        let times = interleaved(
            Clock::ThreadCpu,
            case_seconds() * 3.0,
            ROUNDS,
            &mut [
                Case::Plain(&mut tuple),
                Case::Plain(&mut strct),
                Case::Plain(&mut shuffled),
                Case::Plain(&mut get),
            ],
        );
        let case = format!("read {ROWS} rows x 7 cols");
        let rate = |s: f64| ROWS as f64 / s;
        report
            .push(Line::new(&case, "rows_as tuple", rate(times[0]), "rows/s").note("the baseline"));
        report.push(
            Line::new(&case, "deserialize struct", rate(times[1]), "rows/s")
                .vs("rows_as tuple", Some(times[0] / times[1]))
                .goal(0.7)
                .note("fields in column order"),
        );
        report.push(
            Line::new(
                &case,
                "deserialize struct, by name",
                rate(times[2]),
                "rows/s",
            )
            .vs("rows_as tuple", Some(times[0] / times[2]))
            .note("fields in another order"),
        );
        report.push(
            Line::new(&case, "Row::get per cell", rate(times[3]), "rows/s")
                .vs("rows_as tuple", Some(times[0] / times[3]))
                .note("what the struct reads with"),
        );
    }
}
