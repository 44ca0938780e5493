//! TIMESTAMP cells read as `chrono` and `time` types (features `chrono`,
//! `time`): through a real table, at the edges of VoltDB's range, the NULL
//! sentinel as `None`, and a value the target cannot hold as an error
//! naming the column.
#![cfg(any(feature = "chrono", feature = "time"))]

use voltdb::{ConversionError, Timestamp, Value, VoltColumn, VoltTable, VoltType};

/// Timestamps a TIMESTAMP column can hold, in µs: the edges, before and
/// after 1970, and a leap day.
const IN_RANGE: [i64; 6] = [
    Timestamp::SQL_MIN.micros(),
    -14_182_940_000_001, // 1969-07-20T20:17:39.999999Z
    -1,
    0,
    1_709_209_845_123_456, // 2024-02-29T12:30:45.123456Z
    Timestamp::SQL_MAX.micros(),
];

/// A table (ID INTEGER, T TIMESTAMP) with one row per `micros`, and a last
/// row whose T is NULL.
fn table(micros: &[i64]) -> VoltTable {
    let mut b = VoltTable::builder(vec![
        VoltColumn::new("ID", VoltType::Integer),
        VoltColumn::new("T", VoltType::Timestamp),
    ]);
    for (i, &us) in micros.iter().enumerate() {
        b.add_row(&[
            Value::from(i as i32),
            Value::Timestamp(Timestamp::from_micros(us)),
        ])
        .unwrap();
    }
    b.add_row(&[Value::from(-1), Value::Null]).unwrap();
    b.build()
}

#[cfg(feature = "chrono")]
mod chrono_cells {
    use super::*;
    use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};

    #[test]
    fn every_microsecond_in_range_is_read_exactly() {
        let t = table(&IN_RANGE);
        for (row, &us) in t.rows().zip(&IN_RANGE) {
            let d: DateTime<Utc> = row.get("T").unwrap();
            assert_eq!(d.timestamp_micros(), us);
            let n: NaiveDateTime = row.get(1).unwrap();
            assert_eq!(n, d.naive_utc());
            // Back again: the same TIMESTAMP parameter.
            assert_eq!(
                Value::try_from(d).unwrap(),
                Value::Timestamp(Timestamp::from_micros(us))
            );
        }
        let before = t.row(1).unwrap().get::<DateTime<Utc>>("T").unwrap();
        assert_eq!(
            before,
            Utc.with_ymd_and_hms(1969, 7, 20, 20, 17, 39).unwrap()
                + chrono::Duration::microseconds(999_999)
        );
        let min = t.row(0).unwrap().get::<DateTime<Utc>>("T").unwrap();
        assert_eq!(min, Utc.with_ymd_and_hms(1583, 1, 1, 0, 0, 0).unwrap());
    }

    #[test]
    fn the_null_sentinel_is_none_and_an_error_without_option() {
        let t = table(&IN_RANGE);
        let last = t.row(IN_RANGE.len()).unwrap();
        assert_eq!(last.get::<Option<DateTime<Utc>>>("T").unwrap(), None);
        assert_eq!(last.get::<Option<NaiveDateTime>>("T").unwrap(), None);
        assert_eq!(
            last.get::<DateTime<Utc>>("T")
                .unwrap_err()
                .problem()
                .clone(),
            ConversionError::UnexpectedNull { column: 1 }
        );
        let some = t.row(3).unwrap().get::<Option<DateTime<Utc>>>("T").unwrap();
        assert_eq!(some, Some(DateTime::<Utc>::UNIX_EPOCH));
    }

    #[test]
    fn tuples_read_date_times() {
        let t = table(&IN_RANGE);
        let rows: Vec<(i32, Option<DateTime<Utc>>)> =
            t.rows_as().collect::<Result<_, _>>().unwrap();
        assert_eq!(rows.len(), IN_RANGE.len() + 1);
        for ((_, d), &us) in rows.iter().zip(&IN_RANGE) {
            assert_eq!(d.unwrap().timestamp_micros(), us);
        }
        assert_eq!(rows.last().unwrap(), &(-1, None));
        // The tuple's check once per table: INTEGER is not a date-time.
        let err = <(DateTime<Utc>, i32) as voltdb::FromRow>::accepts(t.columns());
        assert!(matches!(
            err,
            Err(ConversionError::WrongType {
                column: 0,
                ty: VoltType::Integer,
                ..
            })
        ));
    }

    #[test]
    fn beyond_chrono_is_an_error_naming_the_column() {
        let t = table(&[i64::MAX]);
        let err = t
            .row(0)
            .unwrap()
            .get::<DateTime<Utc>>("T")
            .unwrap_err()
            .problem()
            .clone();
        assert_eq!(
            err,
            ConversionError::Overflow {
                column: 1,
                target: "chrono::DateTime<Utc>"
            }
        );
        assert_eq!(
            err.to_string(),
            "column 1: value does not fit chrono::DateTime<Utc>"
        );
        let err = t.row(0).unwrap().get::<NaiveDateTime>(1).unwrap_err();
        assert_eq!(
            err,
            ConversionError::Overflow {
                column: 1,
                target: "chrono::NaiveDateTime"
            }
        );
    }

    #[test]
    fn other_column_types_are_refused() {
        let t = table(&[0]);
        let err = t
            .row(0)
            .unwrap()
            .get::<DateTime<Utc>>("ID")
            .unwrap_err()
            .problem()
            .clone();
        assert!(
            matches!(
                err,
                ConversionError::WrongType {
                    column: 0,
                    ty: VoltType::Integer,
                    ..
                }
            ),
            "{err:?}"
        );
    }
}

#[cfg(feature = "time")]
mod time_cells {
    use super::*;
    use time::macros::datetime;
    use time::{OffsetDateTime, PrimitiveDateTime};

    #[test]
    fn every_microsecond_in_range_is_read_exactly() {
        let t = table(&IN_RANGE);
        for (row, &us) in t.rows().zip(&IN_RANGE) {
            let d: OffsetDateTime = row.get("T").unwrap();
            assert_eq!(d.unix_timestamp_nanos(), i128::from(us) * 1000);
            let p: PrimitiveDateTime = row.get(1).unwrap();
            assert_eq!(p.assume_utc(), d);
            assert_eq!(
                Value::try_from(d).unwrap(),
                Value::Timestamp(Timestamp::from_micros(us))
            );
        }
        let row = |i| t.row(i).unwrap().get::<OffsetDateTime>("T").unwrap();
        assert_eq!(row(0), datetime!(1583-01-01 00:00 UTC));
        assert_eq!(row(1), datetime!(1969-07-20 20:17:39.999999 UTC));
        assert_eq!(row(5), datetime!(9999-12-31 23:59:59.999999 UTC));
    }

    #[test]
    fn the_null_sentinel_is_none_and_an_error_without_option() {
        let t = table(&IN_RANGE);
        let last = t.row(IN_RANGE.len()).unwrap();
        assert_eq!(last.get::<Option<OffsetDateTime>>("T").unwrap(), None);
        assert_eq!(last.get::<Option<PrimitiveDateTime>>("T").unwrap(), None);
        assert_eq!(
            last.get::<PrimitiveDateTime>("T")
                .unwrap_err()
                .problem()
                .clone(),
            ConversionError::UnexpectedNull { column: 1 }
        );
    }

    #[test]
    fn tuples_read_date_times() {
        let t = table(&IN_RANGE);
        let rows: Vec<(i32, Option<PrimitiveDateTime>)> =
            t.rows_as().collect::<Result<_, _>>().unwrap();
        assert_eq!(rows[4].1, Some(datetime!(2024-02-29 12:30:45.123456)));
        assert_eq!(rows.last().unwrap(), &(-1, None));
    }

    #[test]
    fn beyond_time_is_an_error_naming_the_column() {
        // One µs past VoltDB's largest TIMESTAMP is year 10000, which `time`
        // holds only with its `large-dates` feature.
        let t = table(&[Timestamp::SQL_MAX.micros() + 1, i64::MAX]);
        for row in t.rows().take(2) {
            let err = row
                .get::<OffsetDateTime>("T")
                .unwrap_err()
                .problem()
                .clone();
            assert_eq!(
                err,
                ConversionError::Overflow {
                    column: 1,
                    target: "time::OffsetDateTime"
                }
            );
            assert_eq!(
                err.to_string(),
                "column 1: value does not fit time::OffsetDateTime"
            );
            assert!(matches!(
                row.get::<PrimitiveDateTime>(1),
                Err(ConversionError::Overflow { column: 1, .. })
            ));
        }
    }
}
