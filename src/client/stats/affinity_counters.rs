//! The live affinity counters, updated by every routed call.

use std::sync::atomic::{AtomicU64, Ordering};

use super::AffinityStats;

/// What happened to one routed call, for the statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Placed {
    /// A single-partition call sent to its leader's node.
    Hit,
    /// A single-partition call whose leader's node had no usable
    /// connection: sent elsewhere.
    Miss,
    /// A single-partition call the client could not place.
    Fallback,
    /// A multi-partition call.
    MultiPartition,
    /// Anything else.
    RoundRobin,
}

/// The client's affinity counters.
#[derive(Default)]
pub(crate) struct AffinityCounters {
    hits: AtomicU64,
    misses: AtomicU64,
    fallbacks: AtomicU64,
    multi_partition: AtomicU64,
    round_robin: AtomicU64,
}

impl AffinityCounters {
    /// Counts one call placed as `placed`.
    pub(crate) fn record(&self, placed: Placed) {
        let c = match placed {
            Placed::Hit => &self.hits,
            Placed::Miss => &self.misses,
            Placed::Fallback => &self.fallbacks,
            Placed::MultiPartition => &self.multi_partition,
            Placed::RoundRobin => &self.round_robin,
        };
        c.fetch_add(1, Ordering::Relaxed);
    }

    /// The counts so far.
    pub(crate) fn snapshot(&self) -> AffinityStats {
        AffinityStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            fallbacks: self.fallbacks.load(Ordering::Relaxed),
            multi_partition: self.multi_partition.load(Ordering::Relaxed),
            round_robin: self.round_robin.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters() {
        let c = AffinityCounters::default();
        for p in [
            Placed::Hit,
            Placed::Hit,
            Placed::Hit,
            Placed::Miss,
            Placed::Fallback,
            Placed::MultiPartition,
            Placed::RoundRobin,
        ] {
            c.record(p);
        }
        let s = c.snapshot();
        assert_eq!((s.hits, s.misses, s.fallbacks), (3, 1, 1));
        assert_eq!(s.hit_rate(), Some(0.6));
        assert_eq!(AffinityStats::default().hit_rate(), None);
    }
}
