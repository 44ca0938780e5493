//! DECIMAL(38, 12): an exact `i128`-backed decimal (docs/protocol.md#scalar-encodings).

use std::fmt;
use std::str::FromStr;

use crate::error::EncodeError;

/// The fixed scale of VoltDB decimals.
pub const SCALE: u32 = 12;
const SCALE_FACTOR: i128 = 1_000_000_000_000;
/// `10^38`: the unscaled value of a decimal must stay strictly below this in magnitude.
const LIMIT: i128 = 100_000_000_000_000_000_000_000_000_000_000_000_000;

/// A VoltDB DECIMAL: `unscaled / 10^12`, exactly, with up to 38 digits
/// (26 before the point, 12 after).
///
/// `rust_decimal::Decimal` holds only 28–29 digits, so server values with more
/// than about 16 integer digits do not fit it; this type holds them all.
/// Conversions to and from `rust_decimal::Decimal` are lossless or fail with
/// an error; nothing is ever rounded or truncated silently.
///
/// ```
/// use voltdb::Decimal;
/// let d: Decimal = "-12.5".parse().unwrap();
/// assert_eq!(d.to_string(), "-12.500000000000");
/// assert_eq!(d.unscaled(), -12_500_000_000_000);
/// let big: Decimal = "99999999999999999999999999.999999999999".parse().unwrap();
/// assert!(rust_decimal::Decimal::try_from(big).is_err()); // too many digits: an error, not rounding
/// assert!("0.0000000000001".parse::<Decimal>().is_err()); // 13 fractional digits
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Decimal(i128);

impl Decimal {
    /// Zero.
    pub const ZERO: Decimal = Decimal(0);
    /// The largest value, 10²⁶ − 10⁻¹².
    pub const MAX: Decimal = Decimal(LIMIT - 1);
    /// The smallest value.
    pub const MIN: Decimal = Decimal(-(LIMIT - 1));

    /// A decimal from its unscaled value (`value × 10¹²`); fails beyond 38 digits
    /// (which includes the NULL sentinel `i128::MIN`).
    pub fn from_unscaled(unscaled: i128) -> Result<Decimal, EncodeError> {
        if unscaled <= -LIMIT || unscaled >= LIMIT {
            return Err(EncodeError::DecimalPrecision(int_digits(unscaled)));
        }
        Ok(Decimal(unscaled))
    }

    /// A decimal from an unscaled wire value without the 38-digit check.
    /// Used by the decoder, which must read whatever the server sends.
    pub(crate) fn from_wire(unscaled: i128) -> Decimal {
        Decimal(unscaled)
    }

    /// The unscaled value (`self × 10¹²`), as sent on the wire.
    pub fn unscaled(self) -> i128 {
        self.0
    }

    /// A decimal from an integer.
    pub fn from_i64(v: i64) -> Decimal {
        Decimal(v as i128 * SCALE_FACTOR)
    }

    /// The integer part (truncated toward zero) and the 12 fractional digits.
    pub fn split(self) -> (i128, u64) {
        (
            self.0 / SCALE_FACTOR,
            (self.0 % SCALE_FACTOR).unsigned_abs() as u64,
        )
    }

    /// As an `f64` (rounded to the nearest double).
    pub fn to_f64(self) -> f64 {
        // Format then parse: exact decimal text gives a correctly rounded double.
        self.to_string().parse().unwrap_or(f64::NAN)
    }
}

fn int_digits(unscaled: i128) -> u32 {
    let mut int = (unscaled / SCALE_FACTOR).unsigned_abs();
    let mut n = 0;
    while int > 0 {
        int /= 10;
        n += 1;
    }
    n
}

impl fmt::Display for Decimal {
    /// Plain notation with all 12 fractional digits, like Java's `BigDecimal`
    /// at scale 12 and Python's `str(Decimal)` of a decoded value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let neg = self.0 < 0;
        let abs = self.0.unsigned_abs();
        let int = abs / SCALE_FACTOR as u128;
        let frac = abs % SCALE_FACTOR as u128;
        let s = format!("{}{}.{:012}", if neg { "-" } else { "" }, int, frac);
        f.pad(&s)
    }
}

impl fmt::Debug for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Decimal({self})")
    }
}

impl FromStr for Decimal {
    type Err = EncodeError;

    /// Parses `[-+]digits[.digits][e[-+]digits]`. More than 12 fractional
    /// digits (after applying the exponent) or more than 26 integer digits is
    /// an error; trailing fractional zeros beyond 12 are accepted.
    fn from_str(s: &str) -> Result<Decimal, EncodeError> {
        let err = || EncodeError::parse("decimal", s);
        let t = s.trim();
        let (neg, body) = match t.as_bytes().first() {
            Some(b'-') => (true, &t[1..]),
            Some(b'+') => (false, &t[1..]),
            _ => (false, t),
        };
        let (mantissa, exp) = match body.find(['e', 'E']) {
            Some(i) => {
                let e: i32 = body[i + 1..].parse().map_err(|_| err())?;
                (&body[..i], e)
            }
            None => (body, 0),
        };
        let (int_part, frac_part) = match mantissa.find('.') {
            Some(i) => (&mantissa[..i], &mantissa[i + 1..]),
            None => (mantissa, ""),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(err());
        }
        if !int_part.bytes().all(|b| b.is_ascii_digit())
            || !frac_part.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(err());
        }
        // digits = int_part ++ frac_part, value = digits × 10^(exp - len(frac))
        let digits: String = format!("{int_part}{frac_part}");
        let digits = digits.trim_start_matches('0');
        let mut scale = frac_part.len() as i64 - exp as i64; // number of fractional digits
        let mut digits = digits.to_string();
        // Drop trailing zeros that sit beyond scale 12.
        while scale > SCALE as i64 && digits.ends_with('0') {
            digits.pop();
            scale -= 1;
        }
        if digits.is_empty() {
            return Ok(Decimal(0));
        }
        if scale > SCALE as i64 {
            return Err(EncodeError::DecimalScale(scale.min(u32::MAX as i64) as u32));
        }
        // Pad to scale 12.
        let pad = (SCALE as i64 - scale) as usize;
        let int_digit_count = digits.len() as i64 - scale;
        if int_digit_count > 26 {
            return Err(EncodeError::DecimalPrecision(
                int_digit_count.min(u32::MAX as i64) as u32,
            ));
        }
        let mut unscaled: i128 = 0;
        for b in digits.bytes().chain(std::iter::repeat(b'0').take(pad)) {
            unscaled = unscaled
                .checked_mul(10)
                .and_then(|u| u.checked_add((b - b'0') as i128))
                .ok_or_else(err)?;
        }
        Ok(Decimal(if neg { -unscaled } else { unscaled }))
    }
}

impl From<i64> for Decimal {
    fn from(v: i64) -> Decimal {
        Decimal::from_i64(v)
    }
}

impl From<i32> for Decimal {
    fn from(v: i32) -> Decimal {
        Decimal::from_i64(v as i64)
    }
}

impl TryFrom<rust_decimal::Decimal> for Decimal {
    type Error = EncodeError;

    /// Exact: fails for more than 12 fractional digits (after dropping
    /// trailing zeros) instead of rounding.
    fn try_from(d: rust_decimal::Decimal) -> Result<Decimal, EncodeError> {
        let n = d.normalize();
        let scale = n.scale();
        if scale > SCALE {
            return Err(EncodeError::DecimalScale(scale));
        }
        let m = n.mantissa(); // |m| < 2^96: m × 10^12 can exceed i128
        let int_digits = || {
            let digits = m.unsigned_abs().to_string().len() as u32;
            EncodeError::DecimalPrecision(digits.saturating_sub(scale))
        };
        let unscaled = m
            .checked_mul(10i128.pow(SCALE - scale))
            .ok_or_else(int_digits)?;
        Decimal::from_unscaled(unscaled).map_err(|_| int_digits())
    }
}

impl TryFrom<Decimal> for rust_decimal::Decimal {
    type Error = EncodeError;

    /// Exact: fails when the value, without its trailing fractional zeros,
    /// needs more than 96 bits of mantissa.
    fn try_from(d: Decimal) -> Result<rust_decimal::Decimal, EncodeError> {
        let (mut m, mut scale) = (d.0, SCALE);
        while scale > 0 && m % 10 == 0 {
            m /= 10;
            scale -= 1;
        }
        rust_decimal::Decimal::try_from_i128_with_scale(m, scale)
            .map(|v| v.normalize())
            .map_err(|_| EncodeError::DecimalPrecision(int_digits(d.0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_print() {
        for (s, shown) in [
            ("0", "0.000000000000"),
            ("1", "1.000000000000"),
            ("-0.5", "-0.500000000000"),
            ("12345.678", "12345.678000000000"),
            ("1E5", "100000.000000000000"),
            ("1.5e-3", "0.001500000000"),
            ("0.000000000001", "0.000000000001"),
            ("1.0000000000000000", "1.000000000000"),
            (
                "99999999999999999999999999.999999999999",
                "99999999999999999999999999.999999999999",
            ),
        ] {
            assert_eq!(s.parse::<Decimal>().unwrap().to_string(), shown, "{s}");
        }
    }

    #[test]
    fn rejects() {
        assert_eq!(
            "0.0000000000001".parse::<Decimal>(),
            Err(EncodeError::DecimalScale(13))
        );
        assert_eq!(
            "100000000000000000000000000".parse::<Decimal>(),
            Err(EncodeError::DecimalPrecision(27))
        );
        for bad in ["", "-", ".", "1.2.3", "abc", "1e", "--1", "1 2"] {
            assert!(bad.parse::<Decimal>().is_err(), "{bad:?}");
        }
        assert!(Decimal::from_unscaled(i128::MIN).is_err());
    }

    #[test]
    fn rust_decimal_round_trip() {
        let r = rust_decimal::Decimal::from_str("-12345.678").unwrap();
        let d = Decimal::try_from(r).unwrap();
        assert_eq!(d.to_string(), "-12345.678000000000");
        assert_eq!(rust_decimal::Decimal::try_from(d).unwrap(), r);
        let tiny = rust_decimal::Decimal::from_str("0.0000000000001").unwrap();
        assert_eq!(Decimal::try_from(tiny), Err(EncodeError::DecimalScale(13)));
        assert!(rust_decimal::Decimal::try_from(Decimal::MAX).is_err());
        // 96-bit mantissas times 10^12 do not fit an i128: an error, not a panic.
        assert_eq!(
            Decimal::try_from(rust_decimal::Decimal::MAX),
            Err(EncodeError::DecimalPrecision(29))
        );
        // 21 integer digits need 70 bits once the fractional zeros are dropped.
        let big: Decimal = "123456789012345678901".parse().unwrap();
        let r = rust_decimal::Decimal::try_from(big).unwrap();
        assert_eq!(r.to_string(), "123456789012345678901");
        assert_eq!(Decimal::try_from(r).unwrap(), big);
    }
}
