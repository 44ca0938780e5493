//! Python `repr()` of values, so that `Display` of tables and responses reads
//! exactly like the official Python client's `print`: the `python_repr`
//! methods of the value types, and the formatting they share.

use crate::wire::geo::{Geography, GeographyPoint};
use crate::wire::timestamp::Timestamp;
use crate::wire::value::{Value, ValueRef};

/// Python's `repr(float)`: the shortest round-trip digits, fixed notation for
/// decimal exponents in `-4..16`, otherwise `d.ddde+XX`.
pub(crate) fn float(v: f64) -> String {
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let sci = format!("{v:e}"); // e.g. "-1.5e-5", "1e300", "0e0"
    let (mant, exp) = match sci.split_once('e') {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (sci.as_str(), 0),
    };
    let (neg, mant) = match mant.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mant),
    };
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if (-4..16).contains(&exp) {
        if exp < 0 {
            out.push_str("0.");
            for _ in 0..(-exp - 1) {
                out.push('0');
            }
            out.push_str(&digits);
        } else {
            let point = exp as usize + 1;
            if digits.len() <= point {
                out.push_str(&digits);
                for _ in digits.len()..point {
                    out.push('0');
                }
                out.push_str(".0");
            } else {
                out.push_str(&digits[..point]);
                out.push('.');
                out.push_str(&digits[point..]);
            }
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push_str(&format!(
            "e{}{:02}",
            if exp < 0 { '-' } else { '+' },
            exp.abs()
        ));
    }
    out
}

/// Python's `repr(str)`.
pub(crate) fn string(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c)
            }
            c if !is_printable(c) => {
                let n = c as u32;
                if n <= 0xff {
                    out.push_str(&format!("\\x{n:02x}"))
                } else if n <= 0xffff {
                    out.push_str(&format!("\\u{n:04x}"))
                } else {
                    out.push_str(&format!("\\U{n:08x}"))
                }
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// The assigned code points for which Python's `str.isprintable()` is false
/// (categories Cc, Cf, Cs, Co, Zl, Zp and Zs other than the space; Unicode 14,
/// as in Python 3.11). Unassigned code points, which Python also escapes, are
/// printed as they are.
const NON_PRINTABLE: [(u32, u32); 28] = [
    (0x0, 0x1f),
    (0x7f, 0xa0),
    (0xad, 0xad),
    (0x600, 0x605),
    (0x61c, 0x61c),
    (0x6dd, 0x6dd),
    (0x70f, 0x70f),
    (0x890, 0x891),
    (0x8e2, 0x8e2),
    (0x1680, 0x1680),
    (0x180e, 0x180e),
    (0x2000, 0x200f),
    (0x2028, 0x202f),
    (0x205f, 0x2064),
    (0x2066, 0x206f),
    (0x3000, 0x3000),
    (0xd800, 0xf8ff),
    (0xfeff, 0xfeff),
    (0xfff9, 0xfffb),
    (0x110bd, 0x110bd),
    (0x110cd, 0x110cd),
    (0x13430, 0x13438),
    (0x1bca0, 0x1bca3),
    (0x1d173, 0x1d17a),
    (0xe0001, 0xe0001),
    (0xe0020, 0xe007f),
    (0xf0000, 0xffffd),
    (0x100000, 0x10fffd),
];

/// Python's `str.isprintable()` for one character (see [`NON_PRINTABLE`]).
fn is_printable(c: char) -> bool {
    let n = c as u32;
    !NON_PRINTABLE.iter().any(|&(lo, hi)| (lo..=hi).contains(&n))
}

/// Python's `str()`/`repr()` body of the `Decimal` the official client
/// decodes: the unscaled value with exponent −12, in Python's
/// to-scientific-string form (`Decimal('0E-12')`, `Decimal('1.00000E-7')`,
/// `Decimal('-12.500000000000')`).
pub(crate) fn decimal(unscaled: i128) -> String {
    const EXP: i64 = -12;
    let digits = unscaled.unsigned_abs().to_string();
    let mut out = String::new();
    if unscaled < 0 {
        out.push('-');
    }
    let adjusted = EXP + digits.len() as i64 - 1;
    if adjusted >= -6 {
        // Plain notation with 12 fractional digits.
        let n = digits.len();
        if n > 12 {
            out.push_str(&digits[..n - 12]);
            out.push('.');
            out.push_str(&digits[n - 12..]);
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat('0').take(12 - n));
            out.push_str(&digits);
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push_str(&format!("E{adjusted}"));
    }
    out
}

/// Python's `repr(array('B', bytes))`.
pub(crate) fn byte_array(b: &[u8]) -> String {
    if b.is_empty() {
        return "array('B')".into();
    }
    let items: Vec<String> = b.iter().map(|x| x.to_string()).collect();
    format!("array('B', [{}])", items.join(", "))
}

impl Value {
    /// Python's `repr` of the value the official client would return, as
    /// used by `Display` of tables (`None` shows as `'NULL'`).
    pub fn python_repr(&self) -> String {
        ValueRef::from(self).python_repr()
    }
}

impl ValueRef<'_> {
    /// Python's `repr` of what the official client returns for this cell
    /// (`'NULL'` for NULL, as its table printer shows it).
    pub fn python_repr(&self) -> String {
        match self {
            ValueRef::Null(_) => "'NULL'".into(),
            ValueRef::TinyInt(v) => v.to_string(),
            ValueRef::SmallInt(v) => v.to_string(),
            ValueRef::Integer(v) => v.to_string(),
            ValueRef::BigInt(v) => v.to_string(),
            ValueRef::Float(v) => float(*v),
            ValueRef::String(s) => string(s),
            ValueRef::Varbinary(b) => byte_array(b),
            ValueRef::Timestamp(t) => t.python_repr(),
            ValueRef::Date(d) => format!("datetime.date({}, {}, {})", d.year, d.month, d.day),
            ValueRef::Decimal(d) => format!("Decimal('{}')", decimal(d.unscaled())),
            ValueRef::Boolean(b) => if *b { "True" } else { "False" }.into(),
            ValueRef::GeographyPoint(p) => p.python_repr(),
            ValueRef::Geography(b) => match Geography::decode_body(b) {
                Ok(g) => g.python_repr(),
                Err(_) => "<malformed geography>".into(),
            },
        }
    }
}

impl GeographyPoint {
    /// Python's `repr` of the `(lng, lat)` tuple the official client returns.
    pub fn python_repr(&self) -> String {
        format!("({}, {})", float(self.lng), float(self.lat))
    }
}

impl Geography {
    /// Python's `repr` (its WKT).
    pub fn python_repr(&self) -> String {
        self.to_string()
    }
}

impl Timestamp {
    /// Python's `repr` of the naive UTC `datetime` the official client returns,
    /// e.g. `datetime.datetime(2021, 6, 15, 12, 34, 56, 789012)`.
    pub fn python_repr(self) -> String {
        let c = self.to_utc();
        let mut s = format!(
            "datetime.datetime({}, {}, {}, {}, {}",
            c.year, c.month, c.day, c.hour, c.minute
        );
        if c.second != 0 || c.micro != 0 {
            s += &format!(", {}", c.second);
        }
        if c.micro != 0 {
            s += &format!(", {}", c.micro);
        }
        s.push(')');
        s
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn floats() {
        for (v, s) in [
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (1.5, "1.5"),
            (std::f64::consts::PI, "3.141592653589793"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (5e-324, "5e-324"),
            (-1.7e308, "-1.7e+308"),
            (123456.789, "123456.789"),
        ] {
            assert_eq!(super::float(v), s);
        }
    }

    #[test]
    fn strings() {
        assert_eq!(super::string("a'b"), "\"a'b\"");
        assert_eq!(super::string("a\u{0}b"), "'a\\x00b'");
        assert_eq!(super::string("héllo"), "'héllo'");
        assert_eq!(
            super::string("\u{a0}\u{200b}\u{2028}\u{e000}😀\u{ad}\u{85}"),
            "'\\xa0\\u200b\\u2028\\ue000😀\\xad\\x85'"
        );
        assert_eq!(super::string("\u{e0001}"), "'\\U000e0001'");
    }

    #[test]
    fn decimals() {
        for (u, s) in [
            (0i128, "0E-12"),
            (1, "1E-12"),
            (-1, "-1E-12"),
            (100_000, "1.00000E-7"),
            (1_000_000, "0.000001000000"),
            (500_000_000_000, "0.500000000000"),
            (-12_500_000_000_000, "-12.500000000000"),
            (
                99_999_999_999_999_999_999_999_999_999_999_999_999,
                "99999999999999999999999999.999999999999",
            ),
        ] {
            assert_eq!(super::decimal(u), s);
        }
    }
}
