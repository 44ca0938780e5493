//! Latency histograms, on the `hdrhistogram` crate (the Java client's
//! choice), with the exact minimum, maximum and mean kept beside it.

use std::fmt;
use std::time::Duration;

/// Largest value tracked (µs, about 12.7 days); larger values are clamped
/// to it (the exact maximum is still kept), which bounds the memory.
const MAX_TRACKABLE: u64 = (1 << 40) - 1;
/// Two significant digits: buckets exact below 256 µs, then 128 per power
/// of two (relative error below 0.8 %).
const SIGFIG: u8 = 2;

/// A latency histogram: exact below 256 µs, then 128 buckets per power of
/// two (relative error below 0.8 %). Memory is bounded (grown only up to
/// the largest value seen, at most that of values up to about 12.7 days).
///
/// ```
/// use std::time::Duration;
/// use voltdb::client::Histogram;
/// let mut h = Histogram::new();
/// for us in 1..=1000 {
///     h.record(Duration::from_micros(us));
/// }
/// assert_eq!(h.count(), 1000);
/// assert_eq!(h.max(), Duration::from_micros(1000));
/// let p50 = h.percentile(50.0).as_micros() as f64;
/// assert!((p50 - 500.0).abs() / 500.0 < 0.01);
/// ```
#[derive(Clone, PartialEq)]
pub struct Histogram {
    counts: hdrhistogram::Histogram<u64>,
    sum_us: u128,
    min_us: u64,
    max_us: u64,
}

impl Eq for Histogram {}

impl Default for Histogram {
    fn default() -> Histogram {
        Histogram {
            // Auto-resizing: grows with the largest value recorded, which
            // `record_us` clamps to MAX_TRACKABLE. Cannot fail: SIGFIG is
            // within 0..=5.
            counts: hdrhistogram::Histogram::new(SIGFIG)
                .unwrap_or_else(|_| unreachable!("valid significant digits")),
            sum_us: 0,
            min_us: 0,
            max_us: 0,
        }
    }
}

impl fmt::Debug for Histogram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Histogram")
            .field("count", &self.count())
            .field("p50", &self.percentile(50.0))
            .field("p99", &self.percentile(99.0))
            .field("p99.9", &self.percentile(99.9))
            .field("max", &self.max())
            .finish()
    }
}

impl Histogram {
    /// An empty histogram.
    pub fn new() -> Histogram {
        Histogram::default()
    }

    /// Records one duration (microsecond resolution).
    pub fn record(&mut self, d: Duration) {
        self.record_us(u64::try_from(d.as_micros()).unwrap_or(u64::MAX));
    }

    /// Records one value in microseconds.
    pub fn record_us(&mut self, us: u64) {
        // Cannot fail: the histogram auto-resizes, here up to MAX_TRACKABLE.
        let _ = self.counts.record(us.min(MAX_TRACKABLE));
        if self.counts.len() == 1 || us < self.min_us {
            self.min_us = us;
        }
        self.max_us = self.max_us.max(us);
        self.sum_us += u128::from(us);
    }

    /// Adds every value recorded in `other`.
    pub fn merge(&mut self, other: &Histogram) {
        if other.is_empty() {
            return;
        }
        if self.is_empty() || other.min_us < self.min_us {
            self.min_us = other.min_us;
        }
        // Cannot fail: both auto-resize and hold values up to MAX_TRACKABLE.
        let _ = self.counts.add(&other.counts);
        self.max_us = self.max_us.max(other.max_us);
        self.sum_us += other.sum_us;
    }

    /// Number of values recorded.
    pub fn count(&self) -> u64 {
        self.counts.len()
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// Smallest value (exact; zero when empty).
    pub fn min(&self) -> Duration {
        Duration::from_micros(self.min_us)
    }

    /// Largest value (exact; zero when empty).
    pub fn max(&self) -> Duration {
        Duration::from_micros(self.max_us)
    }

    /// Mean value (zero when empty).
    pub fn mean(&self) -> Duration {
        match self.count() {
            0 => Duration::ZERO,
            n => Duration::from_micros((self.sum_us / u128::from(n)) as u64),
        }
    }

    /// The value below which `p` percent of the values fall (`p` in 0..=100),
    /// reported as the highest value of its bucket and never above the exact
    /// maximum. Zero when empty.
    pub fn percentile(&self, p: f64) -> Duration {
        let count = self.count();
        if count == 0 {
            return Duration::ZERO;
        }
        let p = if p.is_nan() {
            100.0
        } else {
            p.clamp(0.0, 100.0)
        };
        // The rank is counted here rather than by `value_at_quantile`: the
        // small epsilon keeps 99.9 % of 10 000 at rank 9990 despite rounding.
        let rank = ((p / 100.0) * count as f64 - 1e-7).ceil().max(1.0) as u64;
        let mut seen = 0u64;
        for v in self.counts.iter_recorded() {
            seen += v.count_at_value();
            if seen >= rank {
                let hi = v.value_iterated_to();
                return Duration::from_micros(hi.clamp(self.min_us, self.max_us));
            }
        }
        self.max()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Our configuration's buckets: contiguous, each value in its own
    /// bucket, exact below 256 µs.
    #[test]
    fn buckets_are_contiguous_and_monotonic() {
        let h = Histogram::new().counts;
        let mut v = 0u64;
        let mut buckets = 0usize;
        while v <= MAX_TRACKABLE {
            let (lo, hi) = (h.lowest_equivalent(v), h.highest_equivalent(v));
            assert_eq!(
                lo, v,
                "bucket {buckets} starts right after the previous one"
            );
            assert!(lo <= hi, "bucket {buckets}");
            if v < 256 {
                assert_eq!(lo, hi, "exact below 256");
            }
            assert_eq!(h.lowest_equivalent(hi), lo);
            v = hi + 1;
            buckets += 1;
        }
        assert_eq!(v, MAX_TRACKABLE + 1);
        // As many as the hand-written layout had (exact to 255, then 128 per
        // power of two up to 2^40).
        assert_eq!(buckets, 256 + 32 * 128);
    }

    #[test]
    fn relative_error_below_one_percent() {
        let h = Histogram::new().counts;
        let mut v = 256u64;
        while v <= MAX_TRACKABLE {
            let (lo, hi) = (h.lowest_equivalent(v), h.highest_equivalent(v));
            assert!(
                ((hi - lo) as f64) / (lo as f64) < 0.008,
                "bucket {lo}..{hi}"
            );
            v = hi + 1;
        }
    }

    #[test]
    fn exact_small_values() {
        let mut h = Histogram::new();
        for v in [0u64, 1, 2, 3, 255] {
            h.record_us(v);
        }
        assert_eq!(h.count(), 5);
        assert_eq!(h.min(), Duration::ZERO);
        assert_eq!(h.max(), Duration::from_micros(255));
        assert_eq!(h.percentile(0.0), Duration::ZERO);
        assert_eq!(h.percentile(40.0), Duration::from_micros(1));
        assert_eq!(h.percentile(60.0), Duration::from_micros(2));
        assert_eq!(h.percentile(100.0), Duration::from_micros(255));
    }

    #[test]
    fn percentiles_of_a_uniform_range() {
        let mut h = Histogram::new();
        for v in 1..=100_000u64 {
            h.record_us(v);
        }
        for (p, want) in [(50.0, 50_000.0), (99.0, 99_000.0), (99.9, 99_900.0)] {
            let got = h.percentile(p).as_micros() as f64;
            assert!((got - want).abs() / want < 0.01, "p{p}: {got} vs {want}");
        }
        assert_eq!(h.percentile(100.0), Duration::from_micros(100_000));
        assert_eq!(h.mean(), Duration::from_micros(50_000));
    }

    #[test]
    fn percentiles_with_outliers() {
        let mut h = Histogram::new();
        for _ in 0..9990 {
            h.record(Duration::from_micros(100));
        }
        for _ in 0..10 {
            h.record(Duration::from_secs(2));
        }
        assert_eq!(h.percentile(50.0), Duration::from_micros(100));
        assert_eq!(h.percentile(99.0), Duration::from_micros(100));
        assert_eq!(h.percentile(99.9), Duration::from_micros(100));
        assert!(h.percentile(99.95) >= Duration::from_millis(1990));
        assert_eq!(h.max(), Duration::from_secs(2));
    }

    #[test]
    fn huge_values_are_clamped_but_max_is_exact() {
        let mut h = Histogram::new();
        h.record(Duration::from_secs(100 * 24 * 3600));
        h.record_us(u64::MAX);
        assert_eq!(h.count(), 2);
        assert_eq!(h.max(), Duration::from_micros(u64::MAX));
        let bound = hdrhistogram::Histogram::<u64>::new_with_max(MAX_TRACKABLE, SIGFIG)
            .unwrap()
            .distinct_values();
        assert!(h.counts.distinct_values() <= bound);
    }

    #[test]
    fn merge_equals_recording_everything() {
        let mut a = Histogram::new();
        let mut b = Histogram::new();
        let mut all = Histogram::new();
        for v in 0..5000u64 {
            let x = v * v % 1_000_003;
            if v % 3 == 0 {
                a.record_us(x);
            } else {
                b.record_us(x);
            }
            all.record_us(x);
        }
        let mut m = Histogram::new();
        m.merge(&a);
        m.merge(&b);
        assert_eq!(m.count(), all.count());
        assert_eq!(m.min(), all.min());
        assert_eq!(m.max(), all.max());
        for p in [1.0, 50.0, 99.0, 99.9] {
            assert_eq!(m.percentile(p), all.percentile(p));
        }
        m.merge(&Histogram::new());
        assert_eq!(m.count(), all.count());
    }

    #[test]
    fn empty_histogram() {
        let h = Histogram::new();
        assert!(h.is_empty());
        assert_eq!(h.percentile(99.0), Duration::ZERO);
        assert_eq!(h.mean(), Duration::ZERO);
    }
}
