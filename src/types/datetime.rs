//! What the `chrono` and `time` conversions share: VoltDB's TIMESTAMP range.

use crate::error::EncodeError;
use crate::wire::timestamp::Timestamp;

/// Nanoseconds since the epoch as a [`Timestamp`], dropping what is below a
/// microsecond (toward the past), or an error naming `shown` when the instant
/// lies outside [`Timestamp::SQL_MIN`]..=[`Timestamp::SQL_MAX`].
pub(crate) fn timestamp_in_sql_range(
    nanos: i128,
    shown: &dyn std::fmt::Display,
) -> Result<Timestamp, EncodeError> {
    let micros = nanos.div_euclid(1000);
    let range = i128::from(Timestamp::SQL_MIN.micros())..=i128::from(Timestamp::SQL_MAX.micros());
    if range.contains(&micros) {
        // In range, so it fits an i64.
        Ok(Timestamp::from_micros(micros as i64))
    } else {
        Err(EncodeError::TimestampRange {
            value: shown.to_string(),
        })
    }
}
