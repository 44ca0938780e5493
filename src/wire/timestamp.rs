//! TIMESTAMP: microseconds since the Unix epoch, UTC (docs/protocol.md#scalar-encodings), and
//! the DATE type of newer servers.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::error::EncodeError;

/// A VoltDB TIMESTAMP: exact microseconds since 1970-01-01T00:00:00Z
/// (negative before 1970). Time zones play no part: it is a UTC instant.
///
/// ```
/// use voltdb::Timestamp;
/// let t = Timestamp::from_utc(2021, 6, 15, 12, 34, 56, 789_012).unwrap();
/// assert_eq!(t.micros(), 1_623_760_496_789_012);
/// assert_eq!(t.to_string(), "2021-06-15T12:34:56.789012Z");
/// assert_eq!(Timestamp::from_micros(-500_000).to_string(), "1969-12-31T23:59:59.500000Z");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(i64);

/// Civil UTC fields of a timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    /// Year (proleptic Gregorian; may be ≤ 0 or ≥ 10000).
    pub year: i64,
    /// 1..=12
    pub month: u32,
    /// 1..=31
    pub day: u32,
    /// 0..=23
    pub hour: u32,
    /// 0..=59
    pub minute: u32,
    /// 0..=59
    pub second: u32,
    /// 0..=999_999
    pub micro: u32,
}

// Howard Hinnant's days_from_civil / civil_from_days.
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

impl Timestamp {
    /// The first instant the server's SQL layer accepts, 1583-01-01T00:00:00Z.
    pub const SQL_MIN: Timestamp = Timestamp(-12_212_553_600_000_000);
    /// The last instant the server's SQL layer accepts, 9999-12-31T23:59:59.999999Z.
    pub const SQL_MAX: Timestamp = Timestamp(253_402_300_799_999_999);

    /// From microseconds since the epoch.
    pub const fn from_micros(us: i64) -> Timestamp {
        Timestamp(us)
    }

    /// From milliseconds since the epoch (fails on overflow).
    pub fn from_millis(ms: i64) -> Result<Timestamp, EncodeError> {
        ms.checked_mul(1000)
            .map(Timestamp)
            .ok_or_else(|| EncodeError::parse("timestamp milliseconds", &ms.to_string()))
    }

    /// Microseconds since the epoch, as on the wire.
    pub const fn micros(self) -> i64 {
        self.0
    }

    /// From UTC civil fields; fails on an invalid date or time.
    pub fn from_utc(
        year: i64,
        month: u32,
        day: u32,
        hour: u32,
        minute: u32,
        second: u32,
        micro: u32,
    ) -> Result<Timestamp, EncodeError> {
        let bad = || {
            EncodeError::parse(
                "timestamp",
                &format!("{year}-{month}-{day} {hour}:{minute}:{second}.{micro}"),
            )
        };
        if !(1..=12).contains(&month)
            || day == 0
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 59
            || micro > 999_999
            || !(-290_000..=290_000).contains(&year)
        {
            return Err(bad());
        }
        let days = days_from_civil(year, month, day) as i128;
        let secs = days * 86_400 + (hour * 3600 + minute * 60 + second) as i128;
        let us = secs * 1_000_000 + micro as i128;
        i64::try_from(us).map(Timestamp).map_err(|_| bad())
    }

    /// The UTC civil fields (floor semantics before 1970).
    pub fn to_utc(self) -> Civil {
        let secs = self.0.div_euclid(1_000_000);
        let micro = self.0.rem_euclid(1_000_000) as u32;
        let days = secs.div_euclid(86_400);
        let sod = secs.rem_euclid(86_400) as u32;
        let (year, month, day) = civil_from_days(days);
        Civil {
            year,
            month,
            day,
            hour: sod / 3600,
            minute: sod / 60 % 60,
            second: sod % 60,
            micro,
        }
    }

    /// The current time.
    pub fn now() -> Timestamp {
        Timestamp::from(SystemTime::now())
    }

    /// As a `SystemTime`.
    pub fn to_system_time(self) -> SystemTime {
        if self.0 >= 0 {
            UNIX_EPOCH + Duration::from_micros(self.0 as u64)
        } else {
            UNIX_EPOCH - Duration::from_micros(self.0.unsigned_abs())
        }
    }
}

impl From<SystemTime> for Timestamp {
    /// Truncates to whole microseconds (toward the past), saturating at the `i64` range.
    fn from(t: SystemTime) -> Timestamp {
        match t.duration_since(UNIX_EPOCH) {
            Ok(d) => Timestamp(i64::try_from(d.as_micros()).unwrap_or(i64::MAX)),
            Err(e) => {
                let d = e.duration();
                let us = d.as_micros() + u128::from(d.subsec_nanos() % 1000 != 0);
                Timestamp(i64::try_from(us).map(|u| -u).unwrap_or(i64::MIN + 1))
            }
        }
    }
}

impl From<Timestamp> for SystemTime {
    fn from(t: Timestamp) -> SystemTime {
        t.to_system_time()
    }
}

impl fmt::Display for Timestamp {
    /// ISO-8601 UTC with microseconds when not zero: `2021-06-15T12:34:56.789012Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.to_utc();
        let mut s = if (0..=9999).contains(&c.year) {
            format!("{:04}", c.year)
        } else {
            format!("{:+05}", c.year)
        };
        s += &format!(
            "-{:02}-{:02}T{:02}:{:02}:{:02}",
            c.month, c.day, c.hour, c.minute, c.second
        );
        if c.micro != 0 {
            s += &format!(".{:06}", c.micro);
        }
        s.push('Z');
        f.pad(&s)
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({self})")
    }
}

/// A DATE of newer VoltDB servers (not VoltDB 11): `year << 16 | month << 8 | day`.
///
/// ```
/// use voltdb::Date;
/// let d = Date::new(2024, 2, 29).unwrap();
/// assert_eq!(d.packed(), 0x07e8021d);
/// assert_eq!(d.to_string(), "2024-02-29");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Year.
    pub year: i16,
    /// 1..=12
    pub month: u8,
    /// 1..=31
    pub day: u8,
}

impl Date {
    /// A valid calendar date.
    pub fn new(year: i16, month: u8, day: u8) -> Result<Date, EncodeError> {
        if !(1..=12).contains(&month)
            || day == 0
            || day as u32 > days_in_month(year as i64, month as u32)
        {
            return Err(EncodeError::parse("date", &format!("{year}-{month}-{day}")));
        }
        Ok(Date { year, month, day })
    }

    /// The packed wire form.
    pub fn packed(self) -> i32 {
        ((self.year as i32) << 16) | ((self.month as i32) << 8) | self.day as i32
    }

    /// From the packed wire form (no calendar validation).
    pub fn from_packed(v: i32) -> Date {
        Date {
            year: (v >> 16) as i16,
            month: (v >> 8) as u8,
            day: v as u8,
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for us in [
            0i64,
            1,
            -1,
            -500_000,
            -2_208_988_800_000_000,
            Timestamp::SQL_MIN.0,
            Timestamp::SQL_MAX.0,
            1_623_760_496_789_012,
            i64::MAX,
            i64::MIN + 1,
        ] {
            let t = Timestamp(us);
            let c = t.to_utc();
            if (-290_000..=290_000).contains(&c.year) {
                let back = Timestamp::from_utc(
                    c.year, c.month, c.day, c.hour, c.minute, c.second, c.micro,
                )
                .unwrap();
                assert_eq!(back, t);
            }
        }
        assert_eq!(
            Timestamp::SQL_MAX.to_string(),
            "9999-12-31T23:59:59.999999Z"
        );
        assert_eq!(
            Timestamp::from_micros(0).python_repr(),
            "datetime.datetime(1970, 1, 1, 0, 0)"
        );
        assert!(Timestamp::from_utc(2023, 2, 29, 0, 0, 0, 0).is_err());
    }
}
