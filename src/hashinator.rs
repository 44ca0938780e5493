//! Client affinity: which partition a procedure call belongs to (PROTOCOL.md §9).
//!
//! Sans-I/O and pure: bytes and strings in, tokens and partition ids out.
//!
//! * [`murmur3_token`] is VoltDB's hash (MurmurHash3 x64-128, seed 0, upper
//!   32 bits of the first output word, §9.4).
//! * [`hash_token`] turns a partition parameter ([`HashKey`]) into the token
//!   the server computes for it, with the coercions of §9.3.
//! * [`HashRing`] is the elastic hash ring from `@Statistics TOPO` (raw
//!   `HASHCONFIG`, §9.2) and maps tokens to partition ids (§9.5).
//! * [`parse_host_site`], [`leader_host`] and [`ProcedureInfo::from_remarks`]
//!   read the cells of the TOPO and `@SystemCatalog PROCEDURES` results.
//!
//! ```
//! use voltdb::hashinator::{HashKey, HashRing};
//! use voltdb::VoltType;
//! let ring = HashRing::uniform(4, 16);
//! assert_eq!(ring.partition_for(VoltType::BigInt, HashKey::Int(42)), 3);
//! assert_eq!(ring.partition_for(VoltType::BigInt, HashKey::Null), 0);
//! ```

use crate::error::ProtocolError;
use crate::wire::reader::Reader;
use crate::wire::types::VoltType;
use crate::wire::value::Value;

/// The partition id of the multi-partition initiator in `@Statistics TOPO`
/// table 0 (§9.2). Multi-partition procedures are routed to its leader.
///
/// ```
/// assert_eq!(voltdb::hashinator::MP_INIT_PID, 16383);
/// ```
pub const MP_INIT_PID: i32 = 16383;

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

/// The VoltDB hash token of `bytes` (§9.4): MurmurHash3_x64_128 with seed 0,
/// reduced to the upper 32 bits of the first 64-bit output word.
///
/// `bytes` is the hash input of §9.3 (see [`hash_token`] to get it from a
/// parameter value).
///
/// ```
/// use voltdb::hashinator::murmur3_token;
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

/// A partition parameter value as the caller sends it (§9.3).
///
/// * `Int` is any integer type (TINYINT … BIGINT), already widened to `i64`.
/// * `Null` is any SQL NULL: type `NULL`, a NULL string or binary, or the
///   NULL sentinel of the type the value is sent as (callers map sentinels to
///   `Null`; `Int(i64::MIN)`, the BIGINT sentinel, is also treated as NULL).
/// * `Str` is a STRING value, `Bytes` a VARBINARY value (or a TINYINT array).
///
/// ```
/// use voltdb::hashinator::HashKey;
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
    /// The hash input of a parameter value as the server receives it
    /// (§9.3), or `None` for a value of a type that cannot select a partition
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
    /// use voltdb::hashinator::HashKey;
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
/// column has type `declared` (§9.3), or `None` when the value is NULL
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
/// use voltdb::hashinator::{hash_token, HashKey};
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

/// The elastic hash ring: `(token, partition id)` entries sorted by token,
/// the first token being `i32::MIN` (§9.2, §9.5).
///
/// ```
/// use voltdb::hashinator::HashRing;
/// let ring = HashRing::uniform(2, 4);
/// let raw = ring.to_raw_config();
/// assert_eq!(HashRing::from_raw_config(&raw).unwrap(), ring);
/// assert_eq!(ring.partitions(), vec![0, 1]);
/// assert_eq!(ring.tokens(), 4);
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct HashRing {
    /// Invariant: non-empty, tokens strictly ascending, first token `i32::MIN`.
    entries: Vec<(i32, i32)>,
    /// A search index made from `entries` ([`HashRing::with_entries`]):
    /// the token space is cut into `index.len()` equal slots (a power of
    /// two, about a quarter of the entries), slot `s` starting at token
    /// `i32::MIN + (s << shift)`; `index[s]` is the entry owning that token.
    index: Vec<u32>,
    /// `32 - log2(index.len())` (32 for a single slot).
    shift: u32,
}

impl std::fmt::Debug for HashRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HashRing")
            .field("entries", &self.entries)
            .finish_non_exhaustive()
    }
}

impl HashRing {
    /// The ring of `entries` (which keep the invariant), with its index.
    fn with_entries(entries: Vec<(i32, i32)>) -> HashRing {
        // About 4 entries per slot: a lookup searches a few entries, and
        // the index takes at most an eighth of the entries' memory.
        let bits = (entries.len() / 4).max(1).ilog2().min(16);
        let shift = 32 - bits;
        let slots = 1usize << bits;
        let mut index = Vec::with_capacity(slots);
        let mut owner = 0usize;
        for s in 0..slots {
            // The first token of slot `s`, as an offset from i32::MIN.
            let start = (s as u64) << shift;
            while entries
                .get(owner + 1)
                .is_some_and(|&(t, _)| (i64::from(t) - i64::from(i32::MIN)) as u64 <= start)
            {
                owner += 1;
            }
            index.push(owner as u32);
        }
        HashRing {
            entries,
            index,
            shift,
        }
    }

    /// Decodes a raw `HASHCONFIG` (the VARBINARY of `@Statistics TOPO` with
    /// second parameter `0`): `i32 N`, then `N × (i32 token, i32 partition)`,
    /// big-endian.
    ///
    /// Errors (never a panic, and nothing is allocated before `N` is checked
    /// against the bytes present): `N < 1` or more entries than bytes
    /// ([`ProtocolError::BadLength`]), a short header
    /// ([`ProtocolError::Truncated`]), bytes after the last entry
    /// ([`ProtocolError::TrailingBytes`]), a first token other than
    /// `i32::MIN` or tokens not strictly ascending
    /// ([`ProtocolError::Malformed`]).
    ///
    /// ```
    /// use voltdb::hashinator::HashRing;
    /// let raw = [0, 0, 0, 2, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    /// let ring = HashRing::from_raw_config(&raw).unwrap();
    /// assert_eq!(ring.partition_for_token(-5), 0);
    /// assert_eq!(ring.partition_for_token(5), 1);
    /// assert!(HashRing::from_raw_config(&raw[..12]).is_err());
    /// ```
    pub fn from_raw_config(bytes: &[u8]) -> Result<HashRing, ProtocolError> {
        const WHAT: &str = "hash ring token count";
        let mut r = Reader::new(bytes);
        let n = r.read_i32(WHAT)?;
        if n < 1 {
            return Err(ProtocolError::BadLength {
                what: WHAT,
                value: i64::from(n),
            });
        }
        let n = r.check_count(i64::from(n), 8, WHAT)?;
        let mut entries = Vec::with_capacity(n);
        for _ in 0..n {
            let token = r.read_i32("hash ring token")?;
            let partition = r.read_i32("hash ring partition id")?;
            if let Some(&(prev, _)) = entries.last() {
                if token <= prev {
                    return Err(ProtocolError::Malformed(
                        "hash ring: tokens not in ascending order",
                    ));
                }
            } else if token != i32::MIN {
                return Err(ProtocolError::Malformed(
                    "hash ring: first token is not i32::MIN",
                ));
            }
            entries.push((token, partition));
        }
        r.finish("hash ring")?;
        Ok(HashRing::with_entries(entries))
    }

    /// Encodes the ring in the raw `HASHCONFIG` format read by
    /// [`from_raw_config`](HashRing::from_raw_config).
    ///
    /// ```
    /// use voltdb::hashinator::HashRing;
    /// let raw = HashRing::uniform(1, 1).to_raw_config();
    /// assert_eq!(raw, [0, 0, 0, 1, 0x80, 0, 0, 0, 0, 0, 0, 0]);
    /// ```
    pub fn to_raw_config(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(4 + 8 * self.entries.len());
        // Rings from the wire have at most i32::MAX entries; only a giant
        // `uniform` ring could exceed it, and the count then saturates.
        let n = i32::try_from(self.entries.len()).unwrap_or(i32::MAX);
        out.extend_from_slice(&n.to_be_bytes());
        for &(token, partition) in &self.entries {
            out.extend_from_slice(&token.to_be_bytes());
            out.extend_from_slice(&partition.to_be_bytes());
        }
        out
    }

    /// The partition owning `token`: the entry with the greatest token ≤
    /// `token` (binary search, §9.5). Total: the first token is `i32::MIN`.
    ///
    /// ```
    /// use voltdb::hashinator::HashRing;
    /// let ring = HashRing::uniform(4, 16); // tokens every 2^28 from i32::MIN
    /// assert_eq!(ring.partition_for_token(i32::MIN), 0);
    /// assert_eq!(ring.partition_for_token(-1879048192), 1);
    /// assert_eq!(ring.partition_for_token(-1879048193), 0);
    /// assert_eq!(ring.partition_for_token(i32::MAX), 3);
    /// ```
    pub fn partition_for_token(&self, token: i32) -> i32 {
        // The owner is between the owners of the first tokens of the slot
        // of `token` and of the next slot (or the last entry).
        let slot = ((token as u32) ^ 0x8000_0000)
            .checked_shr(self.shift)
            .unwrap_or(0) as usize;
        let lo = self.index.get(slot).map_or(0, |&i| i as usize);
        let hi = self
            .index
            .get(slot + 1)
            .map_or(self.entries.len(), |&i| i as usize + 1);
        let after = self
            .entries
            .get(lo + 1..hi)
            .map_or(0, |w| w.partition_point(|&(t, _)| t <= token));
        self.entries
            .get(lo + after)
            .map_or(0, |&(_, partition)| partition)
    }

    /// The partition of a partition parameter value (see [`hash_token`]);
    /// NULL goes to partition 0.
    ///
    /// ```
    /// use voltdb::hashinator::{HashKey, HashRing};
    /// use voltdb::VoltType;
    /// let ring = HashRing::uniform(4, 16);
    /// assert_eq!(ring.partition_for(VoltType::Integer, HashKey::Int(0)), 2);
    /// assert_eq!(ring.partition_for(VoltType::String, HashKey::Str("日本語")), 1);
    /// assert_eq!(ring.partition_for(VoltType::String, HashKey::Null), 0);
    /// ```
    pub fn partition_for(&self, declared: VoltType, key: HashKey<'_>) -> i32 {
        match hash_token(declared, key) {
            Some(token) => self.partition_for_token(token),
            None => 0,
        }
    }

    /// The partition of a parameter value (see [`HashKey::from_value`]),
    /// hashed as the partition column type `declared`; `None` when the value
    /// cannot select a partition. NULL goes to partition 0.
    ///
    /// ```
    /// use voltdb::hashinator::HashRing;
    /// use voltdb::{Value, VoltType};
    /// let ring = HashRing::uniform(4, 16);
    /// assert_eq!(ring.partition_for_value(VoltType::BigInt, &Value::from(42i64)), Some(3));
    /// assert_eq!(ring.partition_for_value(VoltType::TinyInt, &Value::from(42i8)), Some(3));
    /// assert_eq!(ring.partition_for_value(VoltType::BigInt, &Value::from("42")), Some(3));
    /// assert_eq!(ring.partition_for_value(VoltType::String, &Value::Null), Some(0));
    /// assert_eq!(ring.partition_for_value(VoltType::BigInt, &Value::from(4.2)), None);
    /// ```
    pub fn partition_for_value(&self, declared: VoltType, value: &Value) -> Option<i32> {
        HashKey::from_value(value).map(|key| self.partition_for(declared, key))
    }

    /// A synthetic ring of `tokens` evenly spaced tokens starting at
    /// `i32::MIN` (spacing `2^32 / tokens`, rounded down), token `i` owned by
    /// partition `i % partitions` — the layout of the vectors'
    /// `sample_ring_4_partitions` (`uniform(4, 16)`). Both counts are raised
    /// to at least 1; `partitions` is capped at `i32::MAX`. Meant for tests
    /// and the test server; real servers send 16,384 tokens.
    ///
    /// ```
    /// use voltdb::hashinator::HashRing;
    /// let ring = HashRing::uniform(4, 16);
    /// assert_eq!(&ring.entries()[..3], &[(i32::MIN, 0), (-1879048192, 1), (-1610612736, 2)]);
    /// assert_eq!(HashRing::uniform(0, 0).tokens(), 1);
    /// ```
    pub fn uniform(partitions: u32, tokens: u32) -> HashRing {
        let n = i64::from(tokens.max(1));
        let p = i64::from(partitions.clamp(1, i32::MAX as u32));
        let step = (1i64 << 32) / n;
        let entries = (0..n)
            .map(|i| {
                // i * step < 2^32, so the token is within i32's range, and
                // i % p < p <= i32::MAX.
                let token = i64::from(i32::MIN) + i * step;
                (token as i32, (i % p) as i32)
            })
            .collect();
        HashRing::with_entries(entries)
    }

    /// The distinct partition ids in the ring, ascending.
    ///
    /// ```
    /// use voltdb::hashinator::HashRing;
    /// assert_eq!(HashRing::uniform(3, 16).partitions(), vec![0, 1, 2]);
    /// ```
    pub fn partitions(&self) -> Vec<i32> {
        let mut ids: Vec<i32> = self.entries.iter().map(|&(_, p)| p).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// The number of tokens (entries) in the ring; always at least 1.
    ///
    /// ```
    /// use voltdb::hashinator::HashRing;
    /// assert_eq!(HashRing::uniform(4, 16).tokens(), 16);
    /// ```
    pub fn tokens(&self) -> usize {
        self.entries.len()
    }

    /// The `(token, partition id)` entries, sorted by token.
    ///
    /// ```
    /// use voltdb::hashinator::HashRing;
    /// assert_eq!(HashRing::uniform(1, 2).entries(), &[(i32::MIN, 0), (0, 0)]);
    /// ```
    pub fn entries(&self) -> &[(i32, i32)] {
        &self.entries
    }
}

/// Parses a `"hostId:siteId"` cell of `@Statistics TOPO` table 0 (a `Leader`
/// cell, or one item of a `Sites` cell split on `,`). Surrounding whitespace
/// is ignored; anything else malformed gives `None`.
///
/// ```
/// use voltdb::hashinator::parse_host_site;
/// assert_eq!(parse_host_site("2:0"), Some((2, 0)));
/// assert_eq!(parse_host_site(" 1:2"), Some((1, 2)));
/// assert_eq!(parse_host_site(""), None);
/// assert_eq!(parse_host_site("1"), None);
/// ```
pub fn parse_host_site(s: &str) -> Option<(i32, i32)> {
    let (host, site) = s.trim().split_once(':')?;
    Some((host.trim().parse().ok()?, site.trim().parse().ok()?))
}

/// The leader host id of a TOPO `Leader` cell: the number before the colon.
/// `None` for an empty (transient) or malformed cell; skip such rows.
///
/// ```
/// use voltdb::hashinator::leader_host;
/// assert_eq!(leader_host("2:0"), Some(2));
/// assert_eq!(leader_host(""), None);
/// ```
pub fn leader_host(leader: &str) -> Option<i32> {
    parse_host_site(leader).map(|(host, _)| host)
}

/// How a procedure is partitioned: the `REMARKS` JSON of a
/// `@SystemCatalog PROCEDURES` row (§9.2).
///
/// ```
/// use voltdb::hashinator::ProcedureInfo;
/// use voltdb::VoltType;
/// let info = ProcedureInfo::from_remarks(
///     r#"{"compound":false,"partitionParameter":0,"partitionParameterType":6,"readOnly":true,"singlePartition":true}"#,
/// ).unwrap();
/// assert!(info.single_partition && info.read_only && !info.compound);
/// assert_eq!(info.partition_parameter, Some(0));
/// assert_eq!(info.partition_type(), Some(VoltType::BigInt));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProcedureInfo {
    /// `readOnly` (false when absent).
    pub read_only: bool,
    /// `singlePartition` (false when absent).
    pub single_partition: bool,
    /// `partitionParameter`: the index of the partitioning parameter; `None`
    /// when absent (multi-partition procedures), `Some(-1)` for a *directed*
    /// procedure (the caller picks the partition with `PARTITION_DESTINATION`).
    pub partition_parameter: Option<i32>,
    /// `partitionParameterType`: the §4.1 type code of the partitioning
    /// parameter, as sent (`-1` for directed procedures; `None` when absent).
    pub partition_parameter_type: Option<i8>,
    /// `compound` (false when absent). Compound procedures are round-robined.
    pub compound: bool,
}

impl ProcedureInfo {
    /// Parses a `REMARKS` cell: a flat JSON object. Keys may come in any
    /// order, unknown keys are ignored, whitespace is allowed; values may be
    /// strings, numbers, booleans or `null` (nested arrays and objects are
    /// skipped). A known key whose value is `null` counts as absent.
    ///
    /// Errors ([`ProtocolError::Malformed`]): input that is not one JSON
    /// object, a known key with a value of the wrong type (e.g.
    /// `"readOnly":1`), or a partition parameter index outside `i32` / type
    /// code outside `i8`.
    ///
    /// ```
    /// use voltdb::hashinator::ProcedureInfo;
    /// let mp = ProcedureInfo::from_remarks(r#"{ "singlePartition" : false, "x": [1, {"y": 2}] }"#).unwrap();
    /// assert!(!mp.single_partition);
    /// assert_eq!(mp.partition_parameter, None);
    /// assert!(ProcedureInfo::from_remarks(r#"{"readOnly":"yes"}"#).is_err());
    /// assert!(ProcedureInfo::from_remarks("not json").is_err());
    /// ```
    pub fn from_remarks(json: &str) -> Result<ProcedureInfo, ProtocolError> {
        let mut info = ProcedureInfo::default();
        let mut p = JsonParser::new(json);
        p.parse_object(|key, value| {
            match key {
                "readOnly" => info.read_only = value.as_bool("REMARKS: readOnly")?,
                "singlePartition" => {
                    info.single_partition = value.as_bool("REMARKS: singlePartition")?
                }
                "compound" => info.compound = value.as_bool("REMARKS: compound")?,
                "partitionParameter" => {
                    info.partition_parameter = value
                        .as_int("REMARKS: partitionParameter")?
                        .map(i32::try_from)
                        .transpose()
                        .map_err(|_| {
                            ProtocolError::Malformed("REMARKS: partitionParameter out of range")
                        })?
                }
                "partitionParameterType" => {
                    info.partition_parameter_type = value
                        .as_int("REMARKS: partitionParameterType")?
                        .map(i8::try_from)
                        .transpose()
                        .map_err(|_| {
                            ProtocolError::Malformed("REMARKS: partitionParameterType out of range")
                        })?
                }
                _ => {}
            }
            Ok(())
        })?;
        Ok(info)
    }

    /// True for a directed procedure: single-partition with partition
    /// parameter `-1` (callers must send `PARTITION_DESTINATION`).
    ///
    /// ```
    /// use voltdb::hashinator::ProcedureInfo;
    /// let info = ProcedureInfo::from_remarks(
    ///     r#"{"singlePartition":true,"partitionParameter":-1,"partitionParameterType":-1}"#,
    /// ).unwrap();
    /// assert!(info.is_directed());
    /// assert_eq!(info.routing_parameter(), None);
    /// ```
    pub fn is_directed(&self) -> bool {
        self.single_partition && self.partition_parameter == Some(-1)
    }

    /// The partitioning parameter's type, if it is a known §4.1 code.
    ///
    /// ```
    /// use voltdb::hashinator::ProcedureInfo;
    /// use voltdb::VoltType;
    /// let info = ProcedureInfo { partition_parameter_type: Some(9), ..Default::default() };
    /// assert_eq!(info.partition_type(), Some(VoltType::String));
    /// ```
    pub fn partition_type(&self) -> Option<VoltType> {
        self.partition_parameter_type
            .and_then(|code| VoltType::from_code(code).ok())
    }

    /// For routing (§9.5 rule 2): the index and type of the parameter to
    /// hash, when the procedure is single-partition (not directed, not
    /// compound) with a known partition parameter and type.
    ///
    /// ```
    /// use voltdb::hashinator::ProcedureInfo;
    /// use voltdb::VoltType;
    /// let info = ProcedureInfo::from_remarks(
    ///     r#"{"compound":false,"partitionParameter":2,"partitionParameterType":9,"readOnly":false,"singlePartition":true}"#,
    /// ).unwrap();
    /// assert_eq!(info.routing_parameter(), Some((2, VoltType::String)));
    /// ```
    pub fn routing_parameter(&self) -> Option<(usize, VoltType)> {
        if !self.single_partition || self.compound {
            return None;
        }
        let index = usize::try_from(self.partition_parameter?).ok()?;
        Some((index, self.partition_type()?))
    }
}

// ---------------------------------------------------------------------------
// A minimal JSON reader for the flat REMARKS object.
// ---------------------------------------------------------------------------

/// A scalar JSON value (nested values are skipped and reported as `Nested`).
#[derive(Debug)]
enum JsonValue<'a> {
    Str,
    Num(&'a str),
    Bool(bool),
    Null,
    Nested,
}

impl JsonValue<'_> {
    fn as_bool(&self, what: &'static str) -> Result<bool, ProtocolError> {
        match self {
            JsonValue::Bool(b) => Ok(*b),
            JsonValue::Null => Ok(false),
            _ => Err(ProtocolError::Malformed(what)),
        }
    }

    /// An integer (no fraction or exponent), `None` for `null`.
    fn as_int(&self, what: &'static str) -> Result<Option<i64>, ProtocolError> {
        match self {
            JsonValue::Num(s) => s
                .parse::<i64>()
                .map(Some)
                .map_err(|_| ProtocolError::Malformed(what)),
            JsonValue::Null => Ok(None),
            _ => Err(ProtocolError::Malformed(what)),
        }
    }
}

const JSON_ERR: ProtocolError = ProtocolError::Malformed("REMARKS: invalid JSON object");

struct JsonParser<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> JsonParser<'a> {
    fn new(src: &'a str) -> Self {
        JsonParser { src, pos: 0 }
    }

    /// The unread input (empty if `pos` is not on a character boundary,
    /// which the parser never lets happen where this is called).
    fn rest(&self) -> &'a str {
        self.src.get(self.pos..).unwrap_or("")
    }

    fn peek(&self) -> Option<u8> {
        self.src.as_bytes().get(self.pos).copied()
    }

    fn bump(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.pos += 1;
        Some(b)
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, b: u8) -> Result<(), ProtocolError> {
        self.skip_ws();
        if self.bump() == Some(b) {
            Ok(())
        } else {
            Err(JSON_ERR)
        }
    }

    /// Parses `{ "key": value, ... }` followed only by whitespace, calling
    /// `f` for each member.
    fn parse_object(
        &mut self,
        mut f: impl FnMut(&str, JsonValue<'a>) -> Result<(), ProtocolError>,
    ) -> Result<(), ProtocolError> {
        self.expect(b'{')?;
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
        } else {
            loop {
                self.skip_ws();
                let key = self.parse_string()?;
                self.expect(b':')?;
                let value = self.parse_value()?;
                f(&key, value)?;
                self.skip_ws();
                match self.bump() {
                    Some(b',') => continue,
                    Some(b'}') => break,
                    _ => return Err(JSON_ERR),
                }
            }
        }
        self.skip_ws();
        if self.pos == self.src.len() {
            Ok(())
        } else {
            Err(JSON_ERR)
        }
    }

    fn parse_value(&mut self) -> Result<JsonValue<'a>, ProtocolError> {
        self.skip_ws();
        match self.peek() {
            Some(b'"') => self.parse_string().map(|_| JsonValue::Str),
            Some(b'{' | b'[') => self.skip_nested().map(|()| JsonValue::Nested),
            Some(b't') => self.literal("true").map(|()| JsonValue::Bool(true)),
            Some(b'f') => self.literal("false").map(|()| JsonValue::Bool(false)),
            Some(b'n') => self.literal("null").map(|()| JsonValue::Null),
            Some(b'-' | b'0'..=b'9') => self.parse_number().map(JsonValue::Num),
            _ => Err(JSON_ERR),
        }
    }

    fn literal(&mut self, word: &str) -> Result<(), ProtocolError> {
        if self.rest().starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(JSON_ERR)
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        self.pos - start
    }

    /// A JSON number: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    fn parse_number(&mut self) -> Result<&'a str, ProtocolError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        let int_start = self.pos;
        let n = self.digits();
        if n == 0 || (n > 1 && self.src.as_bytes().get(int_start) == Some(&b'0')) {
            return Err(JSON_ERR);
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(JSON_ERR);
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(JSON_ERR);
            }
        }
        self.src.get(start..self.pos).ok_or(JSON_ERR)
    }

    fn hex4(&mut self) -> Result<u32, ProtocolError> {
        let mut v = 0u32;
        for _ in 0..4 {
            let d = char::from(self.bump().ok_or(JSON_ERR)?)
                .to_digit(16)
                .ok_or(JSON_ERR)?;
            v = v * 16 + d;
        }
        Ok(v)
    }

    /// A JSON string (the parser is at its opening quote), unescaped.
    fn parse_string(&mut self) -> Result<String, ProtocolError> {
        if self.bump() != Some(b'"') {
            return Err(JSON_ERR);
        }
        let mut out = String::new();
        loop {
            // Copy the run up to the next quote, backslash or control byte.
            let rest = self.rest();
            let run = rest
                .bytes()
                .position(|b| b == b'"' || b == b'\\' || b < 0x20)
                .ok_or(JSON_ERR)?;
            out.push_str(rest.get(..run).ok_or(JSON_ERR)?);
            self.pos += run;
            match self.bump() {
                Some(b'"') => return Ok(out),
                Some(b'\\') => {
                    let c = match self.bump().ok_or(JSON_ERR)? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hi = self.hex4()?;
                            let code = if (0xd800..0xdc00).contains(&hi) {
                                if self.bump() != Some(b'\\') || self.bump() != Some(b'u') {
                                    return Err(JSON_ERR);
                                }
                                let lo = self.hex4()?;
                                if !(0xdc00..0xe000).contains(&lo) {
                                    return Err(JSON_ERR);
                                }
                                0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00)
                            } else {
                                hi
                            };
                            char::from_u32(code).ok_or(JSON_ERR)?
                        }
                        _ => return Err(JSON_ERR),
                    };
                    out.push(c);
                }
                // A raw control character: not allowed in a JSON string.
                _ => return Err(JSON_ERR),
            }
        }
    }

    /// Skips a nested array or object (the parser is at its opening bracket),
    /// checking bracket pairing and string syntax only. Iterative, so deep
    /// nesting cannot overflow the stack.
    fn skip_nested(&mut self) -> Result<(), ProtocolError> {
        let mut closers: Vec<u8> = Vec::new();
        loop {
            self.skip_ws();
            match self.peek().ok_or(JSON_ERR)? {
                b'{' => {
                    self.pos += 1;
                    closers.push(b'}');
                }
                b'[' => {
                    self.pos += 1;
                    closers.push(b']');
                }
                c @ (b'}' | b']') => {
                    if closers.pop() != Some(c) {
                        return Err(JSON_ERR);
                    }
                    self.pos += 1;
                    if closers.is_empty() {
                        return Ok(());
                    }
                }
                b'"' => {
                    self.parse_string()?;
                }
                _ => {
                    // Scalars, commas and colons inside the nested value.
                    self.pos += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The owner of `token` by a plain binary search.
    fn owner(ring: &HashRing, token: i32) -> i32 {
        let idx = ring.entries.partition_point(|&(t, _)| t <= token);
        ring.entries[idx - 1].1
    }

    #[test]
    fn indexed_lookup_is_the_binary_search() {
        let mut rings: Vec<HashRing> = [1, 2, 3, 4, 5, 7, 8, 16, 17, 100, 1000, 16384]
            .iter()
            .map(|&n| HashRing::uniform(5, n))
            .collect();
        // Uneven rings: random tokens, some clustered, some at the extremes.
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for n in [2usize, 9, 64, 300, 5000] {
            let mut tokens: Vec<i32> = (0..n)
                .map(|i| match i % 3 {
                    0 => next() as i32,
                    1 => (next() % 1000) as i32 - 500,
                    _ => i32::MAX - (next() % 100) as i32,
                })
                .collect();
            tokens.push(i32::MIN);
            tokens.sort_unstable();
            tokens.dedup();
            let entries = tokens
                .iter()
                .enumerate()
                .map(|(i, &t)| (t, i as i32))
                .collect();
            rings.push(HashRing::with_entries(entries));
        }
        for ring in &rings {
            let mut probes = vec![i32::MIN, i32::MIN + 1, -1, 0, 1, i32::MAX - 1, i32::MAX];
            for &(t, _) in &ring.entries {
                probes.extend([t, t.wrapping_sub(1), t.wrapping_add(1)]);
            }
            probes.extend((0..2000).map(|_| next() as i32));
            for t in probes {
                assert_eq!(
                    ring.partition_for_token(t),
                    owner(ring, t),
                    "{} entries, token {t}",
                    ring.tokens()
                );
            }
            assert!(ring.index.len() <= ring.tokens().max(4));
        }
    }

    fn raw(entries: &[(i32, i32)], n: i32) -> Vec<u8> {
        let mut v = n.to_be_bytes().to_vec();
        for &(t, p) in entries {
            v.extend_from_slice(&t.to_be_bytes());
            v.extend_from_slice(&p.to_be_bytes());
        }
        v
    }

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

    #[test]
    fn ring_rejects_malformed() {
        assert!(matches!(
            HashRing::from_raw_config(&[]),
            Err(ProtocolError::Truncated { .. })
        ));
        assert!(matches!(
            HashRing::from_raw_config(&[0, 0, 0]),
            Err(ProtocolError::Truncated { .. })
        ));
        // N = 0 and N negative.
        assert!(matches!(
            HashRing::from_raw_config(&raw(&[], 0)),
            Err(ProtocolError::BadLength { value: 0, .. })
        ));
        assert!(matches!(
            HashRing::from_raw_config(&raw(&[(i32::MIN, 0)], -1)),
            Err(ProtocolError::BadLength { value: -1, .. })
        ));
        assert!(HashRing::from_raw_config(&raw(&[], i32::MIN)).is_err());
        // N larger than the bytes present (no huge allocation, no panic).
        assert!(matches!(
            HashRing::from_raw_config(&raw(&[(i32::MIN, 0)], i32::MAX)),
            Err(ProtocolError::BadLength { .. })
        ));
        assert!(HashRing::from_raw_config(&raw(&[(i32::MIN, 0)], 2)).is_err());
        // Partial entry and trailing bytes.
        let mut short = raw(&[(i32::MIN, 0)], 1);
        short.pop();
        assert!(HashRing::from_raw_config(&short).is_err());
        let mut long = raw(&[(i32::MIN, 0)], 1);
        long.push(0);
        assert!(matches!(
            HashRing::from_raw_config(&long),
            Err(ProtocolError::TrailingBytes { extra: 1, .. })
        ));
        // Not ascending, duplicate, wrong start.
        assert!(matches!(
            HashRing::from_raw_config(&raw(&[(i32::MIN, 0), (5, 1), (4, 2)], 3)),
            Err(ProtocolError::Malformed(_))
        ));
        assert!(HashRing::from_raw_config(&raw(&[(i32::MIN, 0), (5, 1), (5, 2)], 3)).is_err());
        assert!(HashRing::from_raw_config(&raw(&[(0, 0)], 1)).is_err());
        // Fine.
        let ring = HashRing::from_raw_config(&raw(&[(i32::MIN, 7)], 1)).unwrap();
        assert_eq!(ring.partition_for_token(i32::MAX), 7);
        assert_eq!(ring.partitions(), vec![7]);
    }

    #[test]
    fn ring_lookup_and_uniform() {
        let ring = HashRing::uniform(4, 16);
        assert_eq!(ring.tokens(), 16);
        assert_eq!(ring.entries()[15], (1879048192, 3));
        assert_eq!(ring.partition_for_token(0), 0);
        assert_eq!(ring.partition_for_token(-1), 3);
        assert_eq!(ring.partition_for_token(268435455), 0);
        assert_eq!(ring.partition_for_token(268435456), 1);
        assert_eq!(
            HashRing::from_raw_config(&ring.to_raw_config()).unwrap(),
            ring
        );
        // Odd counts still give strictly ascending tokens.
        let odd = HashRing::uniform(3, 7);
        assert!(odd.entries().windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(
            HashRing::from_raw_config(&odd.to_raw_config()).unwrap(),
            odd
        );
        assert_eq!(HashRing::uniform(u32::MAX, 2).partitions(), vec![0, 1]);
    }

    #[test]
    fn host_site_cells() {
        assert_eq!(parse_host_site("0:0"), Some((0, 0)));
        assert_eq!(parse_host_site("10:3 "), Some((10, 3)));
        assert_eq!(parse_host_site("a:1"), None);
        assert_eq!(parse_host_site("1:"), None);
        assert_eq!(parse_host_site("1:2:3"), None);
        assert_eq!(parse_host_site("99999999999:1"), None);
        assert_eq!(leader_host("3:0"), Some(3));
        assert_eq!(leader_host("  "), None);
    }

    #[test]
    fn remarks_ok() {
        let info = ProcedureInfo::from_remarks(
            " {\n\t\"partitionParameterType\" : 9 , \"singlePartition\":true,\"extra\":{\"a\":[1,2,{\"b\":\"]}\"}]},\
             \"partitionParameter\":2,\"readOnly\":false,\"compound\":false,\"note\":\"x\\\"\\u00e9\\ud83d\\ude00\",\"n\":-1.5e3,\"z\":null } ",
        )
        .unwrap();
        assert_eq!(
            info,
            ProcedureInfo {
                read_only: false,
                single_partition: true,
                partition_parameter: Some(2),
                partition_parameter_type: Some(9),
                compound: false,
            }
        );
        assert_eq!(info.routing_parameter(), Some((2, VoltType::String)));
        assert_eq!(
            ProcedureInfo::from_remarks("{}").unwrap(),
            ProcedureInfo::default()
        );
        let nulls = ProcedureInfo::from_remarks(
            r#"{"partitionParameter":null,"readOnly":null,"partitionParameterType":null}"#,
        )
        .unwrap();
        assert_eq!(nulls, ProcedureInfo::default());
        // Escaped key names are unescaped before matching; last duplicate wins.
        let esc = ProcedureInfo::from_remarks(
            r#"{"read\u004fnly":true,"compound":true,"compound":false}"#,
        )
        .unwrap();
        assert!(esc.read_only && !esc.compound);
        // Compound or multi-partition procedures have no routing parameter.
        let c = ProcedureInfo::from_remarks(
            r#"{"compound":true,"partitionParameter":0,"partitionParameterType":6,"singlePartition":true}"#,
        )
        .unwrap();
        assert_eq!(c.routing_parameter(), None);
        // Unknown type codes are kept raw but give no VoltType.
        let u = ProcedureInfo::from_remarks(r#"{"partitionParameterType":99}"#).unwrap();
        assert_eq!(
            (u.partition_parameter_type, u.partition_type()),
            (Some(99), None)
        );
    }

    /// Deterministic junk (xorshift) through every parser: errors, no panics.
    #[test]
    fn junk_never_panics() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let alphabet: Vec<char> = "{}[]\":,\\ u0123456789abcdefnlrstE.+-é😀\n\t"
            .chars()
            .collect();
        let good = r#"{"compound":false,"partitionParameter":0,"partitionParameterType":6,"readOnly":false,"singlePartition":true}"#;
        let ring = HashRing::uniform(3, 8).to_raw_config();
        for _ in 0..20_000 {
            let len = (next() % 40) as usize;
            let s: String = (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            let _ = ProcedureInfo::from_remarks(&s);
            // Mutate one char of a valid REMARKS string.
            let mut chars: Vec<char> = good.chars().collect();
            let i = (next() % chars.len() as u64) as usize;
            chars[i] = alphabet[(next() % alphabet.len() as u64) as usize];
            let _ = ProcedureInfo::from_remarks(&chars.iter().collect::<String>());
            let _ = parse_host_site(&s);
            // Truncate and corrupt a valid ring.
            let mut r = ring.clone();
            r.truncate((next() % (ring.len() as u64 + 1)) as usize);
            if !r.is_empty() {
                let j = (next() % r.len() as u64) as usize;
                r[j] = next() as u8;
            }
            if let Ok(parsed) = HashRing::from_raw_config(&r) {
                assert_eq!(parsed.to_raw_config(), r);
                let _ = parsed.partition_for_token(next() as i32);
            }
            let b = next().to_le_bytes();
            let k = (next() % 9) as usize;
            for ty in VoltType::ALL {
                let _ = hash_token(ty, HashKey::Bytes(&b[..k]));
            }
        }
    }

    #[test]
    fn remarks_malformed() {
        let bad = [
            "",
            "   ",
            "null",
            "[]",
            "{",
            "}",
            "{\"readOnly\":true",
            "{\"readOnly\":true,}",
            "{,}",
            "{\"readOnly\" true}",
            "{readOnly:true}",
            "{'readOnly':true}",
            "{\"readOnly\":tru}",
            "{\"readOnly\":True}",
            "{\"readOnly\":1}",
            "{\"readOnly\":\"true\"}",
            "{\"singlePartition\":0}",
            "{\"compound\":[]}",
            "{\"partitionParameter\":\"0\"}",
            "{\"partitionParameter\":true}",
            "{\"partitionParameter\":1.0}",
            "{\"partitionParameter\":1e2}",
            "{\"partitionParameter\":01}",
            "{\"partitionParameter\":-}",
            "{\"partitionParameter\":+1}",
            "{\"partitionParameter\":2147483648}",
            "{\"partitionParameter\":99999999999999999999}",
            "{\"partitionParameterType\":128}",
            "{\"x\":1.}",
            "{\"x\":1e}",
            "{\"x\":\"unterminated}",
            "{\"x\":\"bad escape \\q\"}",
            "{\"x\":\"bad unicode \\u12g4\"}",
            "{\"x\":\"lone surrogate \\ud800\"}",
            "{\"x\":\"raw\ncontrol\"}",
            "{\"x\":[1,2}",
            "{\"x\":[[[[",
            "{\"x\":{\"y\":]}",
            "{} {}",
            "{}x",
            "{\"a\":1 \"b\":2}",
        ];
        for s in bad {
            assert!(
                ProcedureInfo::from_remarks(s).is_err(),
                "should reject {s:?}"
            );
        }
        // Deep nesting is skipped without recursion.
        let deep = format!("{{\"x\":{}{}}}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(ProcedureInfo::from_remarks(&deep).is_ok());
        let unbalanced = format!("{{\"x\":{}}}", "[".repeat(100_000));
        assert!(ProcedureInfo::from_remarks(&unbalanced).is_err());
    }
}
