//! The elastic hash ring: which partition owns a hash token.

use crate::error::ProtocolError;
use crate::wire::reader::Reader;
use crate::wire::types::VoltType;
use crate::wire::value::Value;

use super::hash::{hash_token, HashKey};

/// The elastic hash ring: `(token, partition id)` entries sorted by token,
/// the first token being `i32::MIN`.
///
/// ```
/// use voltdb::client::routing::HashRing;
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
}

impl std::fmt::Debug for HashRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HashRing")
            .field("entries", &self.entries)
            .finish()
    }
}

impl HashRing {
    /// The ring of `entries` (which keep the invariant).
    fn with_entries(entries: Vec<(i32, i32)>) -> HashRing {
        HashRing { entries }
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
    /// use voltdb::client::routing::HashRing;
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
    /// use voltdb::client::routing::HashRing;
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
    /// `token` (binary search). Total: the first token is `i32::MIN`.
    ///
    /// ```
    /// use voltdb::client::routing::HashRing;
    /// let ring = HashRing::uniform(4, 16); // tokens every 2^28 from i32::MIN
    /// assert_eq!(ring.partition_for_token(i32::MIN), 0);
    /// assert_eq!(ring.partition_for_token(-1879048192), 1);
    /// assert_eq!(ring.partition_for_token(-1879048193), 0);
    /// assert_eq!(ring.partition_for_token(i32::MAX), 3);
    /// ```
    pub fn partition_for_token(&self, token: i32) -> i32 {
        let after = self.entries.partition_point(|&(t, _)| t <= token);
        self.entries
            .get(after.wrapping_sub(1))
            .map_or(0, |&(_, partition)| partition)
    }

    /// The partition of a partition parameter value (see [`hash_token`]);
    /// NULL goes to partition 0.
    ///
    /// ```
    /// use voltdb::client::routing::{HashKey, HashRing};
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
    /// use voltdb::client::routing::HashRing;
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
    /// use voltdb::client::routing::HashRing;
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
    /// use voltdb::client::routing::HashRing;
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
    /// use voltdb::client::routing::HashRing;
    /// assert_eq!(HashRing::uniform(4, 16).tokens(), 16);
    /// ```
    pub fn tokens(&self) -> usize {
        self.entries.len()
    }

    /// The `(token, partition id)` entries, sorted by token.
    ///
    /// ```
    /// use voltdb::client::routing::HashRing;
    /// assert_eq!(HashRing::uniform(1, 2).entries(), &[(i32::MIN, 0), (0, 0)]);
    /// ```
    pub fn entries(&self) -> &[(i32, i32)] {
        &self.entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The owner of `token` by a linear scan: the last entry at or below it.
    fn owner(ring: &HashRing, token: i32) -> i32 {
        ring.entries
            .iter()
            .rev()
            .find(|&&(t, _)| t <= token)
            .unwrap()
            .1
    }

    #[test]
    fn lookup_is_the_linear_scan() {
        let mut rings: Vec<HashRing> = [1, 2, 3, 4, 5, 7, 8, 16, 17, 100, 1000, 16384]
            .iter()
            .map(|&n| HashRing::uniform(5, n))
            .collect();
        // Uneven rings: random tokens, some clustered, some at the extremes.
        let mut next = crate::client::junk::xorshift();
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

    /// Deterministic junk (xorshift): truncated and corrupted rings are
    /// errors or parse back to the same bytes, never a panic.
    #[test]
    fn junk_never_panics() {
        let mut next = crate::client::junk::xorshift();
        let ring = HashRing::uniform(3, 8).to_raw_config();
        for _ in 0..20_000 {
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
        }
    }
}
