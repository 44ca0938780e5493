//! What the `chrono` and `time` conversions share: VoltDB's TIMESTAMP range,
//! and reading a TIMESTAMP cell as a date-time type.

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

/// `FromVolt` for date-time types that convert from a [`Timestamp`]: the
/// TIMESTAMP cell, converted; beyond the target's range it is
/// [`ConversionError::Overflow`](crate::ConversionError::Overflow) at the
/// cell's column, never a clamp.
macro_rules! from_volt_via_timestamp {
    ($($t:ty => $name:expr),* $(,)?) => {$(
        impl<'a> $crate::types::FromVolt<'a> for $t {
            fn from_volt(
                v: $crate::wire::value::RawCell<'a>,
            ) -> Result<$t, $crate::error::ConversionError> {
                let t = <$crate::wire::timestamp::Timestamp as $crate::types::FromVolt>::from_volt(v)?;
                <$t>::try_from(t).map_err(|_| $crate::error::ConversionError::Overflow {
                    column: 0,
                    target: $name,
                })
            }

            fn accepts(ty: $crate::wire::types::VoltType) -> bool {
                <$crate::wire::timestamp::Timestamp as $crate::types::FromVolt>::accepts(ty)
            }
        }
    )*};
}

pub(crate) use from_volt_via_timestamp;
