//! TIMESTAMP to and from `chrono` (feature `chrono`).
//!
//! A [`DateTime<Utc>`] or a [`NaiveDateTime`] (read as UTC) becomes a
//! [`Timestamp`] when it lies in the range a VoltDB TIMESTAMP column holds
//! ([`Timestamp::SQL_MIN`]..=[`Timestamp::SQL_MAX`]); anything outside is an
//! [`EncodeError::TimestampRange`], never clamped. Nanoseconds below a
//! microsecond are dropped (toward the past): TIMESTAMP counts microseconds.
//! The other way every microsecond is kept; a timestamp chrono cannot
//! represent is an error.
//!
//! ```
//! use chrono::{DateTime, TimeZone, Utc};
//! use voltdb::{Timestamp, Value};
//!
//! let t = Utc.with_ymd_and_hms(1969, 7, 20, 20, 17, 40).unwrap();
//! let ts = Timestamp::try_from(t)?;
//! assert_eq!(ts.micros(), -14_182_940_000_000);
//! assert_eq!(DateTime::<Utc>::try_from(ts)?, t);
//! let param = Value::try_from(t)?; // a TIMESTAMP parameter
//! # let _ = param;
//! # Ok::<(), voltdb::Error>(())
//! ```

use ::chrono::{DateTime, NaiveDateTime, Utc};

use crate::error::{ConversionError, EncodeError};
use crate::wire::timestamp::Timestamp;
use crate::wire::value::Value;

use super::datetime::{from_volt_via_timestamp, timestamp_in_sql_range};

/// The name errors give for [`DateTime<Utc>`].
const DATETIME: &str = "chrono::DateTime<Utc>";
/// The name errors give for [`NaiveDateTime`].
const NAIVE: &str = "chrono::NaiveDateTime";

impl TryFrom<DateTime<Utc>> for Timestamp {
    type Error = EncodeError;

    /// Fails outside VoltDB's TIMESTAMP range.
    fn try_from(t: DateTime<Utc>) -> Result<Timestamp, EncodeError> {
        let nanos =
            i128::from(t.timestamp()) * 1_000_000_000 + i128::from(t.timestamp_subsec_nanos());
        timestamp_in_sql_range(
            nanos,
            &t.to_rfc3339_opts(::chrono::SecondsFormat::AutoSi, false),
        )
    }
}

impl TryFrom<NaiveDateTime> for Timestamp {
    type Error = EncodeError;

    /// Reads the civil time as UTC; fails outside VoltDB's TIMESTAMP range.
    fn try_from(t: NaiveDateTime) -> Result<Timestamp, EncodeError> {
        Timestamp::try_from(t.and_utc())
    }
}

impl TryFrom<Timestamp> for DateTime<Utc> {
    type Error = ConversionError;

    /// Fails only for a timestamp beyond chrono's range (about ±262,000 years).
    fn try_from(t: Timestamp) -> Result<DateTime<Utc>, ConversionError> {
        DateTime::from_timestamp_micros(t.micros()).ok_or(ConversionError::OutOfRange {
            value: t.micros().to_string(),
            target: DATETIME,
        })
    }
}

impl TryFrom<Timestamp> for NaiveDateTime {
    type Error = ConversionError;

    /// The UTC civil time; fails only beyond chrono's range.
    fn try_from(t: Timestamp) -> Result<NaiveDateTime, ConversionError> {
        DateTime::<Utc>::try_from(t)
            .map(|d| d.naive_utc())
            .map_err(|_| ConversionError::OutOfRange {
                value: t.micros().to_string(),
                target: NAIVE,
            })
    }
}

impl TryFrom<DateTime<Utc>> for Value {
    type Error = EncodeError;

    /// A TIMESTAMP parameter; fails outside VoltDB's TIMESTAMP range.
    fn try_from(t: DateTime<Utc>) -> Result<Value, EncodeError> {
        Timestamp::try_from(t).map(Value::Timestamp)
    }
}

impl TryFrom<NaiveDateTime> for Value {
    type Error = EncodeError;

    /// A TIMESTAMP parameter (the civil time read as UTC).
    fn try_from(t: NaiveDateTime) -> Result<Value, EncodeError> {
        Timestamp::try_from(t).map(Value::Timestamp)
    }
}

// Cells: `row.get::<T>(..)`, `Option<T>` and tuple elements.
from_volt_via_timestamp!(DateTime<Utc> => DATETIME, NaiveDateTime => NAIVE);

#[cfg(test)]
mod tests {
    use super::*;
    use ::chrono::{NaiveDate, TimeZone};

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32, us: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
            + ::chrono::Duration::microseconds(us.into())
    }

    #[test]
    fn exact_to_the_microsecond_both_ways() {
        for t in [
            utc(1970, 1, 1, 0, 0, 0, 0),
            utc(1969, 12, 31, 23, 59, 59, 999_999),
            utc(1900, 2, 28, 1, 2, 3, 4),
            utc(2024, 2, 29, 12, 34, 56, 789_012),
            utc(1583, 1, 1, 0, 0, 0, 0),
            utc(9999, 12, 31, 23, 59, 59, 999_999),
        ] {
            let ts = Timestamp::try_from(t).unwrap();
            assert_eq!(ts.micros(), t.timestamp_micros(), "{t}");
            assert_eq!(DateTime::<Utc>::try_from(ts).unwrap(), t);
            assert_eq!(NaiveDateTime::try_from(ts).unwrap(), t.naive_utc());
            assert_eq!(Timestamp::try_from(t.naive_utc()).unwrap(), ts);
            assert_eq!(Value::try_from(t).unwrap(), Value::Timestamp(ts));
        }
    }

    #[test]
    fn the_sql_range_edges() {
        assert_eq!(
            Timestamp::try_from(utc(1583, 1, 1, 0, 0, 0, 0)).unwrap(),
            Timestamp::SQL_MIN
        );
        assert_eq!(
            Timestamp::try_from(utc(9999, 12, 31, 23, 59, 59, 999_999)).unwrap(),
            Timestamp::SQL_MAX
        );
        let before = utc(1582, 12, 31, 23, 59, 59, 999_999);
        let err = Timestamp::try_from(before).unwrap_err();
        assert!(matches!(err, EncodeError::TimestampRange { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            "timestamp 1582-12-31T23:59:59.999999+00:00 is outside VoltDB's TIMESTAMP range \
             1583-01-01T00:00:00.000000Z..=9999-12-31T23:59:59.999999Z"
        );
        let after = NaiveDate::from_ymd_opt(10000, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        assert!(matches!(
            Value::try_from(after),
            Err(EncodeError::TimestampRange { .. })
        ));
    }

    #[test]
    fn nanoseconds_are_dropped_toward_the_past() {
        let t = utc(2020, 1, 1, 0, 0, 0, 5) + ::chrono::Duration::nanoseconds(999);
        assert_eq!(
            Timestamp::try_from(t).unwrap().micros(),
            utc(2020, 1, 1, 0, 0, 0, 5).timestamp_micros()
        );
        let t = utc(1960, 1, 1, 0, 0, 0, 5) + ::chrono::Duration::nanoseconds(1);
        assert_eq!(
            Timestamp::try_from(t).unwrap().micros(),
            utc(1960, 1, 1, 0, 0, 0, 5).timestamp_micros()
        );
    }

    #[test]
    fn beyond_chrono_is_an_error_not_a_panic() {
        for us in [i64::MAX, i64::MIN + 1] {
            let err = DateTime::<Utc>::try_from(Timestamp::from_micros(us)).unwrap_err();
            assert_eq!(
                err,
                ConversionError::OutOfRange {
                    value: us.to_string(),
                    target: DATETIME
                }
            );
            assert!(NaiveDateTime::try_from(Timestamp::from_micros(us)).is_err());
        }
    }
}
