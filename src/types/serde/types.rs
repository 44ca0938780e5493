//! `Serialize` and `Deserialize` for the crate's value types: [`Decimal`],
//! [`Timestamp`], [`Date`], [`GeographyPoint`] and [`Geography`].
//!
//! In text formats (JSON) each is its exact text: a decimal as `"1.500"`,
//! a timestamp as ISO-8601 UTC (`"2021-06-15T12:34:56.789012Z"`), a date as
//! `"2024-02-29"`, geography as WKT. A timestamp also reads from a number of
//! microseconds, a decimal from an integer or a float. In binary formats (and
//! from cells) a timestamp is its microseconds, a decimal its unscaled `i128`. Each is serialized inside a newtype
//! struct of a name of its own, which formats pass through and by which
//! [`to_params`](crate::to_params) knows the parameter's type.

use std::fmt;
use std::str::FromStr;

use ::serde::de::{Deserializer, Visitor};
use ::serde::{Deserialize, Serialize, Serializer};

use crate::wire::decimal::Decimal;
use crate::wire::geo::{Geography, GeographyPoint};
use crate::wire::timestamp::{Date, Timestamp};

/// The newtype names the types serialize under.
pub(crate) mod names {
    /// [`Decimal`](crate::Decimal).
    pub(crate) const DECIMAL: &str = "$voltdb::Decimal";
    /// [`Timestamp`](crate::Timestamp).
    pub(crate) const TIMESTAMP: &str = "$voltdb::Timestamp";
    /// [`Date`](crate::Date).
    pub(crate) const DATE: &str = "$voltdb::Date";
    /// [`GeographyPoint`](crate::GeographyPoint).
    pub(crate) const POINT: &str = "$voltdb::GeographyPoint";
    /// [`Geography`](crate::Geography).
    pub(crate) const GEOGRAPHY: &str = "$voltdb::Geography";
}

/// A value serialized as its `Display` text, without an intermediate `String`.
pub(crate) struct Text<'a, T>(pub(crate) &'a T);

impl<T: fmt::Display> Serialize for Text<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self.0)
    }
}

/// `Serialize` as the type's text inside its named newtype.
macro_rules! serialize_as_text {
    ($($t:ty => $name:expr),* $(,)?) => {$(
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_newtype_struct($name, &Text(self))
            }
        }
    )*};
}

serialize_as_text!(
    Date => names::DATE,
    GeographyPoint => names::POINT,
    Geography => names::GEOGRAPHY,
);

impl Serialize for Decimal {
    /// Its exact text in text formats, its unscaled `i128` otherwise.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.serialize_newtype_struct(names::DECIMAL, &Text(self))
        } else {
            s.serialize_newtype_struct(names::DECIMAL, &self.unscaled())
        }
    }
}

impl Serialize for Timestamp {
    /// ISO-8601 text in text formats, microseconds otherwise.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.serialize_newtype_struct(names::TIMESTAMP, &Text(self))
        } else {
            s.serialize_newtype_struct(names::TIMESTAMP, &self.micros())
        }
    }
}

/// A visitor that parses text with `parse`, named `expecting`.
struct Parse<T> {
    expecting: &'static str,
    parse: fn(&str) -> Option<T>,
}

impl<T> Visitor<'_> for Parse<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.expecting)
    }

    fn visit_str<E: ::serde::de::Error>(self, v: &str) -> Result<T, E> {
        (self.parse)(v).ok_or_else(|| E::invalid_value(::serde::de::Unexpected::Str(v), &self))
    }
}

impl<'de> Deserialize<'de> for Date {
    /// From `"YYYY-MM-DD"`.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        d.deserialize_str(Parse {
            expecting: "a date as YYYY-MM-DD",
            parse: parse_date,
        })
    }
}

impl<'de> Deserialize<'de> for GeographyPoint {
    /// From WKT: `"POINT (lng lat)"`.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<GeographyPoint, D::Error> {
        d.deserialize_str(Parse {
            expecting: "a point as WKT",
            parse: |s| GeographyPoint::from_str(s).ok(),
        })
    }
}

impl<'de> Deserialize<'de> for Geography {
    /// From WKT: `"POLYGON ((...))"`.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Geography, D::Error> {
        d.deserialize_str(Parse {
            expecting: "a polygon as WKT",
            parse: |s| Geography::from_wkt(s).ok(),
        })
    }
}

/// Reads a [`Decimal`] from text, an integer or a float.
struct DecimalVisitor;

impl Visitor<'_> for DecimalVisitor {
    type Value = Decimal;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a decimal (text, integer or float) with at most 12 fractional digits")
    }

    fn visit_str<E: ::serde::de::Error>(self, v: &str) -> Result<Decimal, E> {
        Decimal::from_str(v).map_err(E::custom)
    }

    fn visit_i64<E: ::serde::de::Error>(self, v: i64) -> Result<Decimal, E> {
        Ok(Decimal::from_i64(v))
    }

    fn visit_u64<E: ::serde::de::Error>(self, v: u64) -> Result<Decimal, E> {
        i64::try_from(v)
            .map(Decimal::from_i64)
            .map_err(|_| E::custom(format!("{v} is out of range for a DECIMAL")))
    }

    /// Through the float's shortest exact text (`0.1` is `0.1`).
    fn visit_f64<E: ::serde::de::Error>(self, v: f64) -> Result<Decimal, E> {
        self.visit_str(&v.to_string())
    }
}

/// Reads a [`Decimal`] from its unscaled `i128` (binary formats, and cells).
struct Unscaled;

impl<'de> Visitor<'de> for Unscaled {
    type Value = Decimal;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a decimal")
    }

    fn visit_i128<E: ::serde::de::Error>(self, v: i128) -> Result<Decimal, E> {
        Decimal::from_unscaled(v).map_err(E::custom)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Decimal, D::Error> {
        d.deserialize_i128(self)
    }
}

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        if d.is_human_readable() {
            d.deserialize_any(DecimalVisitor)
        } else {
            d.deserialize_newtype_struct(names::DECIMAL, Unscaled)
        }
    }
}

/// Reads a [`Timestamp`] from microseconds or ISO-8601 text.
struct TimestampVisitor;

impl Visitor<'_> for TimestampVisitor {
    type Value = Timestamp;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a timestamp (microseconds since 1970, or YYYY-MM-DDTHH:MM:SS[.ffffff]Z)")
    }

    fn visit_i64<E: ::serde::de::Error>(self, v: i64) -> Result<Timestamp, E> {
        Ok(Timestamp::from_micros(v))
    }

    fn visit_u64<E: ::serde::de::Error>(self, v: u64) -> Result<Timestamp, E> {
        i64::try_from(v)
            .map(Timestamp::from_micros)
            .map_err(|_| E::custom(format!("{v} µs is out of range for a TIMESTAMP")))
    }

    fn visit_str<E: ::serde::de::Error>(self, v: &str) -> Result<Timestamp, E> {
        parse_timestamp(v).ok_or_else(|| E::invalid_value(::serde::de::Unexpected::Str(v), &self))
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        if d.is_human_readable() {
            d.deserialize_any(TimestampVisitor)
        } else {
            d.deserialize_i64(TimestampVisitor)
        }
    }
}

/// `[+-]YYYY-MM-DD` (the sign for years beyond 0..=9999, as `Display` writes them).
fn parse_ymd(s: &str) -> Option<(i64, u32, u32)> {
    let (sign, rest) = match s.as_bytes().first()? {
        b'-' => (-1, &s[1..]),
        b'+' => (1, &s[1..]),
        _ => (1, s),
    };
    let mut parts = rest.splitn(3, '-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month = parts.next()?.parse().ok()?;
    let day = parts.next()?.parse().ok()?;
    Some((sign * year, month, day))
}

/// What [`Date`]'s `Display` writes.
pub(crate) fn parse_date(s: &str) -> Option<Date> {
    let (y, m, d) = parse_ymd(s)?;
    Date::new(
        i16::try_from(y).ok()?,
        u8::try_from(m).ok()?,
        u8::try_from(d).ok()?,
    )
    .ok()
}

/// What [`Timestamp`]'s `Display` writes: `YYYY-MM-DDTHH:MM:SS[.f]Z`, with
/// up to six fractional digits.
pub(crate) fn parse_timestamp(s: &str) -> Option<Timestamp> {
    let (date, time) = s.strip_suffix('Z')?.split_once('T')?;
    let (y, mo, d) = parse_ymd(date)?;
    let (hms, frac) = time.split_once('.').unwrap_or((time, ""));
    let mut hms = hms.splitn(3, ':').map(|p| p.parse::<u32>().ok());
    let (h, mi, sec) = (hms.next()??, hms.next()??, hms.next()??);
    if frac.len() > 6 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let micro = format!("{frac:0<6}").parse().ok()?;
    Timestamp::from_utc(y, mo, d, h, mi, sec, micro).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_parse_what_display_writes() {
        for us in [
            0,
            -1,
            1_709_209_845_123_456,
            Timestamp::SQL_MIN.micros(),
            Timestamp::SQL_MAX.micros(),
            -62_200_000_000_000_000, // year -0001
            300_000_000_000_000_000, // year +11476
        ] {
            let t = Timestamp::from_micros(us);
            assert_eq!(parse_timestamp(&t.to_string()), Some(t), "{t}");
        }
        assert_eq!(
            parse_timestamp("1970-01-01T00:00:00.5Z"),
            Some(Timestamp::from_micros(500_000))
        );
        for bad in [
            "",
            "1970-01-01",
            "1970-01-01T00:00:00",
            "1970-13-01T00:00:00Z",
            "1970-01-01T00:00:00.1234567Z",
            "1970-01-01T00:00:00.-1Z",
            "1970-01-01T24:00:00Z",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
    }

    #[test]
    fn dates_parse_what_display_writes() {
        let d = Date::new(2024, 2, 29).unwrap();
        assert_eq!(parse_date(&d.to_string()), Some(d));
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("2023-02"), None);
    }
}
