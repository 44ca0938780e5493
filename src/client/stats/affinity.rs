//! Client affinity statistics: where calls went.

/// Where calls went, for a client with cluster discovery on
/// ([`ClientConfig::discover`](crate::client::ClientConfig::discover)).
///
/// Single-partition calls (a procedure the catalog says is
/// single-partitioned, or a call with a partition destination) are counted
/// in exactly one of `hits`, `misses` and `fallbacks`.
///
/// ```
/// use voltdb::client::AffinityStats;
/// let s = AffinityStats { hits: 99, misses: 1, ..Default::default() };
/// assert_eq!(s.hit_rate(), Some(0.99));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AffinityStats {
    /// Single-partition calls sent to a connection of their partition
    /// leader's node.
    pub hits: u64,
    /// Single-partition calls whose leader's node was known but had no
    /// usable connection (down, or all at `max_in_flight`): sent to another
    /// node, which forwards them.
    pub misses: u64,
    /// Single-partition calls the client could not place: no topology yet,
    /// no leader for the partition, the leader not (yet) one of the
    /// client's nodes, or a partition value that does not hash. Sent
    /// round-robin.
    pub fallbacks: u64,
    /// Multi-partition calls (sent to the multi-partition initiator's node
    /// when it is known and up).
    pub multi_partition: u64,
    /// Other calls (system procedures, procedures not in the catalog,
    /// compound procedures), sent round-robin.
    pub round_robin: u64,
}

impl AffinityStats {
    /// The fraction of single-partition calls that went to their partition
    /// leader: `hits / (hits + misses + fallbacks)`; `None` before the first.
    pub fn hit_rate(&self) -> Option<f64> {
        let n = self.hits + self.misses + self.fallbacks;
        (n > 0).then(|| self.hits as f64 / n as f64)
    }

    /// Single-partition calls counted (`hits + misses + fallbacks`).
    pub fn single_partition(&self) -> u64 {
        self.hits + self.misses + self.fallbacks
    }
}
