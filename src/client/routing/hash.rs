//! VoltDB's partition hash: MurmurHash3 over a partition parameter, with
//! the server's coercions from the parameter's type to the partition
//! column's type.

use crate::wire::types::VoltType;
use crate::wire::value::Value;

const C1: u64 = 0x87c3_7b91_1142_53d5;
const C2: u64 = 0x4cf5_ad43_2745_937f;

fn fmix64(mut k: u64) -> u64 {
    k ^= k >> 33;
    k = k.wrapping_mul(0xff51_afd7_ed55_8ccd);
    k ^= k >> 33;
    k = k.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    k ^= k >> 33;
    k
}

/// Little-endian value of up to 8 bytes (missing high bytes are zero).
fn le64(bytes: &[u8]) -> u64 {
    match <[u8; 8]>::try_from(bytes) {
        Ok(b) => u64::from_le_bytes(b),
        Err(_) => bytes
            .iter()
            .rev()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)),
    }
}

/// The VoltDB hash token of `bytes`: MurmurHash3_x64_128 with seed 0,
/// reduced to the upper 32 bits of the first 64-bit output word.
///
/// `bytes` is the hash input (see [`hash_token`] to get it from a
/// parameter value).
///
/// ```
/// use voltdb::client::routing::murmur3_token;
/// assert_eq!(murmur3_token(&42i64.to_le_bytes()), -1230191719);
/// assert_eq!(murmur3_token(b"hello"), -874993741);
/// assert_eq!(murmur3_token(b""), 0);
/// ```
pub fn murmur3_token(bytes: &[u8]) -> i32 {
    let mut h1: u64 = 0;
    let mut h2: u64 = 0;
    let mut blocks = bytes.chunks_exact(16);
    for block in &mut blocks {
        let (lo, hi) = block.split_at(8);
        let mut a = le64(lo);
        let mut b = le64(hi);

        a = a.wrapping_mul(C1).rotate_left(31).wrapping_mul(C2);
        h1 ^= a;
        h1 = h1.rotate_left(27).wrapping_add(h2);
        h1 = h1.wrapping_mul(5).wrapping_add(0x52dc_e729);

        b = b.wrapping_mul(C2).rotate_left(33).wrapping_mul(C1);
        h2 ^= b;
        h2 = h2.rotate_left(31).wrapping_add(h1);
        h2 = h2.wrapping_mul(5).wrapping_add(0x3849_5ab5);
    }
    let tail = blocks.remainder();
    if tail.len() > 8 {
        let b = le64(&tail[8..])
            .wrapping_mul(C2)
            .rotate_left(33)
            .wrapping_mul(C1);
        h2 ^= b;
    }
    if !tail.is_empty() {
        let a = le64(&tail[..tail.len().min(8)])
            .wrapping_mul(C1)
            .rotate_left(31)
            .wrapping_mul(C2);
        h1 ^= a;
    }
    let len = bytes.len() as u64;
    h1 ^= len;
    h2 ^= len;
    h1 = h1.wrapping_add(h2);
    h2 = h2.wrapping_add(h1);
    h1 = fmix64(h1);
    h2 = fmix64(h2);
    h1 = h1.wrapping_add(h2);
    (h1 >> 32) as u32 as i32
}

/// A partition parameter value as the caller sends it.
///
/// * `Int` is any integer type (TINYINT … BIGINT), already widened to `i64`.
/// * `Null` is any SQL NULL: type `NULL`, a NULL string or binary, or the
///   NULL sentinel of the type the value is sent as (callers map sentinels to
///   `Null`; `Int(i64::MIN)`, the BIGINT sentinel, is also treated as NULL).
/// * `Str` is a STRING value, `Bytes` a VARBINARY value (or a TINYINT array).
///
/// ```
/// use voltdb::client::routing::HashKey;
/// let key = HashKey::Str("hello");
/// assert_ne!(key, HashKey::Null);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HashKey<'a> {
    /// SQL NULL (never hashed: partition 0).
    Null,
    /// Any integer value, widened to 64 bits.
    Int(i64),
    /// A string value (hashed as its UTF-8 bytes, or parsed for integer columns).
    Str(&'a str),
    /// A binary value (hashed raw, or read as a little-endian integer for
    /// integer columns).
    Bytes(&'a [u8]),
}

impl<'a> HashKey<'a> {
    /// The hash input of a parameter value as the server receives it,
    /// or `None` for a value of a type that cannot select a partition
    /// (FLOAT, DECIMAL, TIMESTAMP, arrays other than TINYINT, ...).
    ///
    /// * Integers of any width: [`HashKey::Int`] (a declared integer type
    ///   never changes the value, only its width on the wire).
    /// * STRING: [`HashKey::Str`]; VARBINARY and a TINYINT array given as
    ///   bytes: [`HashKey::Bytes`].
    /// * NULL, typed or not: [`HashKey::Null`] (partition 0). A value sent
    ///   with a declared type is that type's NULL, which is NULL too.
    ///
    /// ```
    /// use voltdb::client::routing::HashKey;
    /// use voltdb::Value;
    /// assert_eq!(HashKey::from_value(&Value::from(42i32)), Some(HashKey::Int(42)));
    /// assert_eq!(HashKey::from_value(&Value::from("k")), Some(HashKey::Str("k")));
    /// assert_eq!(HashKey::from_value(&Value::from(&b"k"[..])), Some(HashKey::Bytes(b"k")));
    /// assert_eq!(HashKey::from_value(&Value::Null), Some(HashKey::Null));
    /// assert_eq!(HashKey::from_value(&Value::from(1.5)), None);
    /// ```
    pub fn from_value(v: &'a Value) -> Option<HashKey<'a>> {
        Some(match v {
            Value::Null | Value::TypedNull(_) => HashKey::Null,
            Value::TinyInt(i) => HashKey::Int(i64::from(*i)),
            Value::SmallInt(i) => HashKey::Int(i64::from(*i)),
            Value::Integer(i) => HashKey::Int(i64::from(*i)),
            Value::BigInt(i) => HashKey::Int(*i),
            Value::String(s) => HashKey::Str(s),
            Value::Varbinary(b) | Value::TinyIntArray(b) => HashKey::Bytes(b),
            _ => return None,
        })
    }
}

/// Width in bytes of an integer partition column type, `None` otherwise.
fn int_width(ty: VoltType) -> Option<usize> {
    match ty {
        VoltType::TinyInt => Some(1),
        VoltType::SmallInt => Some(2),
        VoltType::Integer => Some(4),
        VoltType::BigInt => Some(8),
        _ => None,
    }
}

/// The token of a non-NULL integer (8 bytes little-endian); `i64::MIN` is the
/// BIGINT NULL sentinel and is not hashed.
fn int_token(v: i64) -> Option<i32> {
    if v == i64::MIN {
        None
    } else {
        Some(murmur3_token(&v.to_le_bytes()))
    }
}

/// Reads the first `width` bytes of `b` as a sign-extended little-endian
/// integer (Java `ByteBuffer.getLong/getInt/getShort/get` in little-endian
/// order). `None` if there are too few bytes or the value is the NULL
/// sentinel of that width.
fn le_int(b: &[u8], width: usize) -> Option<i64> {
    let bytes = b.get(..width)?;
    let shift = 64 - 8 * width as u32;
    let v = ((le64(bytes) << shift) as i64) >> shift;
    let sentinel = i64::MIN >> shift;
    (v != sentinel).then_some(v)
}

/// The token the server computes for a partition parameter whose partition
/// column has type `declared`, or `None` when the value is NULL
/// (route it to partition 0).
///
/// Coercions, as in the server's `TheHashinator.getHashedPartitionForParameter`:
///
/// * **Integer column** (TINYINT, SMALLINT, INTEGER, BIGINT):
///   * `Int(v)` hashes as `v` in 8 bytes little-endian, whatever the column
///     width (values out of the column's range are hashed anyway; the server
///     rejects such a call wherever it is sent).
///   * `Str(s)` is parsed as a decimal `i64` (like Java `Long.parseLong`:
///     optional sign, ASCII digits, no spaces) and hashed as that integer.
///     A string that does not parse gives `None`: the server cannot route it
///     either and answers it with a type error whichever node gets it, so
///     partition 0 is as good a destination as any.
///   * `Bytes(b)` is read as a little-endian integer of the column's width
///     (sign-extended; extra bytes ignored). Too few bytes give `None` (the
///     server fails that call too); the width's NULL sentinel (e.g. `80` for
///     TINYINT) is NULL.
/// * **STRING or VARBINARY column**: `Str` hashes its UTF-8 bytes, `Bytes`
///   its raw bytes, and `Int(v)` the 8-byte integer (as the server does; the
///   call then usually fails as mispartitioned on writes, so send the
///   column's own type).
/// * Other types cannot be partition columns; values are hashed without
///   coercion, as for a STRING column.
///
/// `Null` and `Int(i64::MIN)` (the BIGINT NULL sentinel, which is always NULL)
/// give `None`.
///
/// ```
/// use voltdb::client::routing::{hash_token, HashKey};
/// use voltdb::VoltType;
/// let t = hash_token(VoltType::Integer, HashKey::Int(42));
/// assert_eq!(t, Some(-1230191719));
/// assert_eq!(hash_token(VoltType::TinyInt, HashKey::Str("42")), t);
/// assert_eq!(hash_token(VoltType::SmallInt, HashKey::Bytes(&[42, 0])), t);
/// assert_eq!(hash_token(VoltType::String, HashKey::Str("hello")), Some(-874993741));
/// assert_eq!(hash_token(VoltType::BigInt, HashKey::Null), None);
/// assert_eq!(hash_token(VoltType::BigInt, HashKey::Str("forty-two")), None);
/// ```
pub fn hash_token(declared: VoltType, key: HashKey<'_>) -> Option<i32> {
    match (int_width(declared), key) {
        (_, HashKey::Null) => None,
        (_, HashKey::Int(v)) => int_token(v),
        (Some(_), HashKey::Str(s)) => s.parse::<i64>().ok().and_then(int_token),
        (Some(width), HashKey::Bytes(b)) => le_int(b, width).and_then(int_token),
        (None, HashKey::Str(s)) => Some(murmur3_token(s.as_bytes())),
        (None, HashKey::Bytes(b)) => Some(murmur3_token(b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn murmur_known_answers() {
        assert_eq!(murmur3_token(&0i64.to_le_bytes()), 685728695);
        assert_eq!(murmur3_token(&1i64.to_le_bytes()), 4457399);
        assert_eq!(murmur3_token(&(-1i64).to_le_bytes()), -1595624838);
        assert_eq!(murmur3_token(&5551234567i64.to_le_bytes()), -1381700295);
        assert_eq!(murmur3_token("日本語".as_bytes()), 314279865);
        let b: Vec<u8> = (0..17).collect();
        assert_eq!(murmur3_token(&b[..16]), 1145644213);
        assert_eq!(murmur3_token(&b), 1551299599);
    }

    #[test]
    fn hash_token_coercions() {
        let t42 = Some(-1230191719);
        for ty in [
            VoltType::TinyInt,
            VoltType::SmallInt,
            VoltType::Integer,
            VoltType::BigInt,
        ] {
            assert_eq!(hash_token(ty, HashKey::Int(42)), t42);
            assert_eq!(hash_token(ty, HashKey::Str("42")), t42);
            assert_eq!(hash_token(ty, HashKey::Str("+42")), t42);
            assert_eq!(
                hash_token(ty, HashKey::Bytes(&[42, 0, 0, 0, 0, 0, 0, 0, 9])),
                t42
            );
            assert_eq!(hash_token(ty, HashKey::Str(" 42")), None);
            assert_eq!(hash_token(ty, HashKey::Str("")), None);
            assert_eq!(hash_token(ty, HashKey::Str("4.2")), None);
            assert_eq!(hash_token(ty, HashKey::Str("99999999999999999999")), None);
            assert_eq!(hash_token(ty, HashKey::Bytes(&[])), None);
            assert_eq!(hash_token(ty, HashKey::Int(i64::MIN)), None);
            assert_eq!(
                hash_token(ty, HashKey::Str("-9223372036854775808")),
                None,
                "Long.MIN_VALUE is NULL"
            );
        }
        // Sign extension of narrow binary values; their sentinels are NULL.
        let tm1 = hash_token(VoltType::BigInt, HashKey::Int(-1));
        assert_eq!(hash_token(VoltType::TinyInt, HashKey::Bytes(&[0xff])), tm1);
        assert_eq!(
            hash_token(VoltType::SmallInt, HashKey::Bytes(&[0xff, 0xff])),
            tm1
        );
        assert_eq!(hash_token(VoltType::TinyInt, HashKey::Bytes(&[0x80])), None);
        assert_eq!(
            hash_token(VoltType::SmallInt, HashKey::Bytes(&[0, 0x80])),
            None
        );
        assert_eq!(
            hash_token(VoltType::Integer, HashKey::Bytes(&[0, 0, 0, 0x80])),
            None
        );
        assert_eq!(
            hash_token(VoltType::Integer, HashKey::Bytes(&[1, 2, 3])),
            None
        );
        assert_eq!(
            hash_token(VoltType::Integer, HashKey::Bytes(&[0x01, 0, 0, 0x80])),
            hash_token(VoltType::BigInt, HashKey::Int(-2147483647))
        );
        // STRING / VARBINARY columns.
        assert_eq!(hash_token(VoltType::String, HashKey::Int(42)), t42);
        assert_eq!(hash_token(VoltType::Varbinary, HashKey::Int(42)), t42);
        assert_eq!(hash_token(VoltType::String, HashKey::Str("")), Some(0));
        assert_eq!(
            hash_token(VoltType::Varbinary, HashKey::Bytes(b"hello")),
            Some(-874993741)
        );
        assert_eq!(
            hash_token(VoltType::Varbinary, HashKey::Str("hello")),
            Some(-874993741)
        );
        assert_eq!(hash_token(VoltType::String, HashKey::Null), None);
    }

    /// Deterministic junk (xorshift) bytes through the hash: no panics.
    #[test]
    fn junk_never_panics() {
        let mut next = crate::client::junk::xorshift();
        for _ in 0..20_000 {
            let b = next().to_le_bytes();
            let k = (next() % 9) as usize;
            for ty in VoltType::ALL {
                let _ = hash_token(ty, HashKey::Bytes(&b[..k]));
            }
        }
    }
}
