//! TIMESTAMP to and from `time` (feature `time`).
//!
//! An [`OffsetDateTime`] (any offset: it names an instant) or a
//! [`PrimitiveDateTime`] (read as UTC) becomes a [`Timestamp`] when it lies in
//! the range a VoltDB TIMESTAMP column holds
//! ([`Timestamp::SQL_MIN`]..=[`Timestamp::SQL_MAX`]); anything outside is an
//! [`EncodeError::TimestampRange`], never clamped. Nanoseconds below a
//! microsecond are dropped (toward the past). The other way every microsecond
//! is kept, as UTC; a timestamp `time` cannot represent (beyond year ±9999
//! without its `large-dates` feature) is an error.
//!
//! ```
//! use time::macros::datetime;
//! use time::OffsetDateTime;
//! use voltdb::{Timestamp, Value};
//!
//! let t = datetime!(1969-07-20 20:17:40 UTC);
//! let ts = Timestamp::try_from(t)?;
//! assert_eq!(ts.micros(), -14_182_940_000_000);
//! assert_eq!(OffsetDateTime::try_from(ts)?, t);
//! let param = Value::try_from(t)?; // a TIMESTAMP parameter
//! # let _ = param;
//! # Ok::<(), voltdb::Error>(())
//! ```

use ::time::{OffsetDateTime, PrimitiveDateTime};

use crate::error::{ConversionError, EncodeError};
use crate::wire::timestamp::Timestamp;
use crate::wire::value::Value;

use super::datetime::{from_volt_via_timestamp, timestamp_in_sql_range};

/// The name errors give for [`OffsetDateTime`].
const OFFSET: &str = "time::OffsetDateTime";
/// The name errors give for [`PrimitiveDateTime`].
const PRIMITIVE: &str = "time::PrimitiveDateTime";

impl TryFrom<OffsetDateTime> for Timestamp {
    type Error = EncodeError;

    /// Fails outside VoltDB's TIMESTAMP range.
    fn try_from(t: OffsetDateTime) -> Result<Timestamp, EncodeError> {
        timestamp_in_sql_range(t.unix_timestamp_nanos(), &t)
    }
}

impl TryFrom<PrimitiveDateTime> for Timestamp {
    type Error = EncodeError;

    /// Reads the civil time as UTC; fails outside VoltDB's TIMESTAMP range.
    fn try_from(t: PrimitiveDateTime) -> Result<Timestamp, EncodeError> {
        Timestamp::try_from(t.assume_utc())
    }
}

impl TryFrom<Timestamp> for OffsetDateTime {
    type Error = ConversionError;

    /// In UTC; fails only beyond `time`'s range.
    fn try_from(t: Timestamp) -> Result<OffsetDateTime, ConversionError> {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(t.micros()) * 1000).map_err(|_| {
            ConversionError::OutOfRange {
                value: t.micros().to_string(),
                target: OFFSET,
            }
        })
    }
}

impl TryFrom<Timestamp> for PrimitiveDateTime {
    type Error = ConversionError;

    /// The UTC civil time; fails only beyond `time`'s range.
    fn try_from(t: Timestamp) -> Result<PrimitiveDateTime, ConversionError> {
        OffsetDateTime::try_from(t)
            .map(|d| PrimitiveDateTime::new(d.date(), d.time()))
            .map_err(|_| ConversionError::OutOfRange {
                value: t.micros().to_string(),
                target: PRIMITIVE,
            })
    }
}

impl TryFrom<OffsetDateTime> for Value {
    type Error = EncodeError;

    /// A TIMESTAMP parameter; fails outside VoltDB's TIMESTAMP range.
    fn try_from(t: OffsetDateTime) -> Result<Value, EncodeError> {
        Timestamp::try_from(t).map(Value::Timestamp)
    }
}

impl TryFrom<PrimitiveDateTime> for Value {
    type Error = EncodeError;

    /// A TIMESTAMP parameter (the civil time read as UTC).
    fn try_from(t: PrimitiveDateTime) -> Result<Value, EncodeError> {
        Timestamp::try_from(t).map(Value::Timestamp)
    }
}

// Cells: `row.get::<T>(..)`, `Option<T>` and tuple elements.
from_volt_via_timestamp!(OffsetDateTime => OFFSET, PrimitiveDateTime => PRIMITIVE);

#[cfg(test)]
mod tests {
    use super::*;
    use ::time::macros::{datetime, offset};
    use ::time::Duration;

    #[test]
    fn exact_to_the_microsecond_both_ways() {
        for t in [
            datetime!(1970-01-01 00:00:00 UTC),
            datetime!(1969-12-31 23:59:59.999999 UTC),
            datetime!(1900-02-28 01:02:03.000004 UTC),
            datetime!(2024-02-29 12:34:56.789012 UTC),
            datetime!(1583-01-01 00:00:00 UTC),
            datetime!(9999-12-31 23:59:59.999999 UTC),
        ] {
            let ts = Timestamp::try_from(t).unwrap();
            assert_eq!(
                i128::from(ts.micros()) * 1000,
                t.unix_timestamp_nanos(),
                "{t}"
            );
            assert_eq!(OffsetDateTime::try_from(ts).unwrap(), t);
            let naive = PrimitiveDateTime::new(t.date(), t.time());
            assert_eq!(PrimitiveDateTime::try_from(ts).unwrap(), naive);
            assert_eq!(Timestamp::try_from(naive).unwrap(), ts);
            assert_eq!(Value::try_from(t).unwrap(), Value::Timestamp(ts));
        }
    }

    #[test]
    fn an_offset_names_an_instant() {
        let there = datetime!(2000-01-01 02:00:00 +02:00);
        assert_eq!(
            Timestamp::try_from(there).unwrap(),
            Timestamp::try_from(datetime!(2000-01-01 00:00:00 UTC)).unwrap()
        );
        let back = OffsetDateTime::try_from(Timestamp::try_from(there).unwrap()).unwrap();
        assert_eq!(back, there);
        assert_eq!(back.offset(), offset!(UTC));
    }

    #[test]
    fn the_sql_range_edges() {
        assert_eq!(
            Timestamp::try_from(datetime!(1583-01-01 00:00:00 UTC)).unwrap(),
            Timestamp::SQL_MIN
        );
        assert_eq!(
            Timestamp::try_from(datetime!(9999-12-31 23:59:59.999999 UTC)).unwrap(),
            Timestamp::SQL_MAX
        );
        let err = Timestamp::try_from(datetime!(1582-12-31 23:59:59.999999 UTC)).unwrap_err();
        assert!(matches!(err, EncodeError::TimestampRange { .. }), "{err:?}");
        assert!(
            err.to_string().contains("1582-12-31 23:59:59.999999"),
            "{err}"
        );
        let err = Value::try_from(datetime!(9999-12-31 23:59:59.999999 -01:00)).unwrap_err();
        assert!(matches!(err, EncodeError::TimestampRange { .. }), "{err:?}");
    }

    #[test]
    fn nanoseconds_are_dropped_toward_the_past() {
        let t = datetime!(2020-01-01 00:00:00.000005999 UTC);
        assert_eq!(
            Timestamp::try_from(t).unwrap().micros() * 1000,
            (t - Duration::nanoseconds(999)).unix_timestamp_nanos() as i64
        );
        let t = datetime!(1960-01-01 00:00:00.000005001 UTC);
        assert_eq!(
            Timestamp::try_from(t).unwrap().micros() * 1000,
            (t - Duration::nanoseconds(1)).unix_timestamp_nanos() as i64
        );
    }

    #[test]
    fn beyond_time_is_an_error_not_a_panic() {
        for us in [
            i64::MAX,
            i64::MIN + 1,
            Timestamp::SQL_MAX.micros() + 86_400_000_000,
        ] {
            let err = OffsetDateTime::try_from(Timestamp::from_micros(us)).unwrap_err();
            assert_eq!(
                err,
                ConversionError::OutOfRange {
                    value: us.to_string(),
                    target: OFFSET
                }
            );
            assert!(PrimitiveDateTime::try_from(Timestamp::from_micros(us)).is_err());
        }
    }
}
