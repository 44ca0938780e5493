//! Call statistics: per procedure and per connection counters, and a
//! log-linear latency [`Histogram`] (HdrHistogram-like, < 0.8 % error,
//! bounded memory).

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

/// Sub-bucket resolution: values below `2^SUB_BITS` µs are exact; above,
/// each power-of-two range is split into `2^(SUB_BITS-1)` equal buckets.
const SUB_BITS: u32 = 8;
const SUB: u64 = 1 << SUB_BITS;
const HALF: u64 = SUB / 2;
/// Largest value tracked (µs, about 12.7 days); larger values are clamped
/// into the last bucket (the exact maximum is still kept).
const MAX_TRACKABLE: u64 = (1 << 40) - 1;
/// Number of buckets needed to cover `0..=MAX_TRACKABLE`.
const MAX_BUCKETS: usize = bucket_index(MAX_TRACKABLE) + 1;

const fn bucket_index(v: u64) -> usize {
    if v < SUB {
        return v as usize;
    }
    let msb = 63 - v.leading_zeros();
    let e = msb - (SUB_BITS - 1);
    let m = v >> e; // in HALF..SUB
    (e as u64 * HALF + m) as usize
}

/// The lowest and highest value that land in bucket `i`.
fn bucket_range(i: usize) -> (u64, u64) {
    let i = i as u64;
    if i < SUB {
        return (i, i);
    }
    let e = i / HALF - 1;
    let m = i % HALF + HALF;
    (m << e, ((m + 1) << e) - 1)
}

/// A latency histogram with log-linear buckets: exact below 256 µs, then
/// 128 buckets per power of two (relative error below 0.8 %). Memory is
/// bounded (at most ~35 KB, grown only up to the largest value seen).
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
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Histogram {
    counts: Vec<u64>,
    count: u64,
    sum_us: u128,
    min_us: u64,
    max_us: u64,
}

impl fmt::Debug for Histogram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Histogram")
            .field("count", &self.count)
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
        let i = bucket_index(us.min(MAX_TRACKABLE));
        debug_assert!(i < MAX_BUCKETS);
        if self.counts.len() <= i {
            self.counts.resize(i + 1, 0);
        }
        self.counts[i] += 1;
        if self.count == 0 || us < self.min_us {
            self.min_us = us;
        }
        self.max_us = self.max_us.max(us);
        self.count += 1;
        self.sum_us += us as u128;
    }

    /// Adds every value recorded in `other`.
    pub fn merge(&mut self, other: &Histogram) {
        if other.count == 0 {
            return;
        }
        if self.counts.len() < other.counts.len() {
            self.counts.resize(other.counts.len(), 0);
        }
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        if self.count == 0 || other.min_us < self.min_us {
            self.min_us = other.min_us;
        }
        self.max_us = self.max_us.max(other.max_us);
        self.count += other.count;
        self.sum_us += other.sum_us;
    }

    /// Number of values recorded.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.count == 0
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
        if self.count == 0 {
            return Duration::ZERO;
        }
        Duration::from_micros((self.sum_us / self.count as u128) as u64)
    }

    /// The value below which `p` percent of the values fall (`p` in 0..=100),
    /// reported as the highest value of its bucket and never above the exact
    /// maximum. Zero when empty.
    pub fn percentile(&self, p: f64) -> Duration {
        if self.count == 0 {
            return Duration::ZERO;
        }
        let p = if p.is_nan() {
            100.0
        } else {
            p.clamp(0.0, 100.0)
        };
        // (The small epsilon keeps 99.9 % of 10 000 at rank 9990 despite rounding.)
        let rank = ((p / 100.0) * self.count as f64 - 1e-7).ceil().max(1.0) as u64;
        let mut seen = 0u64;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                let (_, hi) = bucket_range(i);
                return Duration::from_micros(hi.clamp(self.min_us, self.max_us));
            }
        }
        self.max()
    }
}

/// Counters of calls: per procedure, per connection, or in total.
///
/// Every call ends exactly once and is counted in exactly one of
/// `successes`, `failures`, `timeouts` and `errors`. Calls rejected before
/// anything is sent because their parameters cannot be encoded are not counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallStats {
    /// Calls that ended (any outcome).
    pub calls: u64,
    /// Responses with status `SUCCESS`.
    pub successes: u64,
    /// Responses with any other status (the server answered; see [`VoltResponse::status`](crate::VoltResponse::status)).
    pub failures: u64,
    /// Calls that ended with [`Error::Timeout`](crate::Error::Timeout).
    pub timeouts: u64,
    /// Calls that ended with another error: no connection, connection lost,
    /// backpressure, client closed.
    pub errors: u64,
    /// Bytes of invocations written to a socket.
    pub bytes_sent: u64,
    /// Bytes of responses received for these calls.
    pub bytes_received: u64,
    /// Client round-trip times of the calls that got a response.
    pub latency: Histogram,
}

impl CallStats {
    /// Adds `other` into `self`.
    pub fn merge(&mut self, other: &CallStats) {
        self.calls += other.calls;
        self.successes += other.successes;
        self.failures += other.failures;
        self.timeouts += other.timeouts;
        self.errors += other.errors;
        self.bytes_sent += other.bytes_sent;
        self.bytes_received += other.bytes_received;
        self.latency.merge(&other.latency);
    }
}

/// How a call ended, for the statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Success,
    Failure,
    Timeout,
    Error,
}

impl CallStats {
    pub(crate) fn record(
        &mut self,
        outcome: Outcome,
        latency: Option<Duration>,
        sent: usize,
        received: usize,
    ) {
        self.calls += 1;
        match outcome {
            Outcome::Success => self.successes += 1,
            Outcome::Failure => self.failures += 1,
            Outcome::Timeout => self.timeouts += 1,
            Outcome::Error => self.errors += 1,
        }
        self.bytes_sent += sent as u64;
        self.bytes_received += received as u64;
        if let Some(l) = latency {
            self.latency.record(l);
        }
    }
}

/// Per-procedure counters, keyed by procedure name.
pub(crate) type ProcMap = BTreeMap<String, CallStats>;

pub(crate) fn record_in(
    map: &mut ProcMap,
    procedure: &str,
    outcome: Outcome,
    latency: Option<Duration>,
    sent: usize,
    received: usize,
) {
    if let Some(s) = map.get_mut(procedure) {
        s.record(outcome, latency, sent, received);
    } else {
        let mut s = CallStats::default();
        s.record(outcome, latency, sent, received);
        map.insert(procedure.to_string(), s);
    }
}

/// The state and counters of one connection slot (one of the `pool_size`
/// connections to one host). Counters accumulate across reconnections.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConnectionStats {
    /// Position in [`ClientStats::connections`].
    pub index: usize,
    /// The node it connects to (position in [`ClientStats::nodes`]).
    pub node: usize,
    /// Host name or address as configured (or discovered).
    pub host: String,
    /// Port.
    pub port: u16,
    /// True while a logged-in connection is up.
    pub connected: bool,
    /// Host id from the last login response (`None` before the first login).
    pub host_id: Option<i32>,
    /// Connection id from the last login response.
    pub connection_id: Option<i64>,
    /// Successful connects (logins).
    pub connects: u64,
    /// Failed connect or login attempts.
    pub connect_failures: u64,
    /// Connections lost (EOF, I/O error, dead keepalive, protocol error).
    pub disconnects: u64,
    /// Calls in flight right now.
    pub in_flight: usize,
    /// Keepalive `@Ping`s sent.
    pub pings: u64,
    /// Replies whose handle matched no pending call (late replies after a
    /// timeout, duplicates); dropped.
    pub late_replies: u64,
    /// Unsolicited messages (handles above the client range, other than the
    /// keepalive ping); dropped or given to the `on_unsolicited` hook.
    pub unsolicited: u64,
    /// Bytes of frames received on this slot (all frames).
    pub bytes_received: u64,
    /// Why the last connection or connect attempt failed.
    pub last_error: Option<String>,
    /// Calls sent on this slot.
    pub calls: CallStats,
}

/// One node (server) of the client: a configured host, or one discovered
/// from the cluster's topology. Its connections are the entries of
/// [`ClientStats::connections`] whose `node` is this node's `index`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct NodeStats {
    /// Position in [`ClientStats::nodes`].
    pub index: usize,
    /// Host name or address.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Host id from the node's last login (`None` before the first). A node
    /// that rejoins its cluster gets a new host id.
    pub host_id: Option<i32>,
    /// True when the node was configured, false when it was discovered.
    pub configured: bool,
    /// Connections to this node.
    pub connections: usize,
    /// Of which up now.
    pub connected: usize,
    /// Partitions this node leads in the client's topology (ascending).
    pub leader_of: Vec<i32>,
    /// Calls sent to this node (all its connections).
    pub calls: CallStats,
}

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

/// The state of cluster discovery
/// ([`ClientConfig::discover`](crate::client::ClientConfig::discover)).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TopologyStats {
    /// True when discovery is on.
    pub enabled: bool,
    /// The connection (index into [`ClientStats::connections`]) registered
    /// with `@Subscribe TOPOLOGY`, if any.
    pub subscribed: Option<usize>,
    /// Partitions with a known leader (the multi-partition initiator not counted).
    pub partitions: usize,
    /// Procedures in the catalog.
    pub procedures: usize,
    /// Topology and catalog pushes applied (`@Subscribe` notifications).
    pub pushes: u64,
    /// Discovery rounds completed (`@Statistics TOPO`, `@SystemCatalog
    /// PROCEDURES`, `@SystemInformation OVERVIEW` fetched and applied).
    pub refreshes: u64,
    /// Discovery rounds or pushes that failed (see `last_error`).
    pub errors: u64,
    /// Why the last discovery round or push failed.
    pub last_error: Option<String>,
    /// Logins refused because the node belongs to another cluster instance
    /// (cluster start time and leader address differ from the first
    /// connection's, PROTOCOL.md §2.2).
    pub refused: u64,
    /// The last refusal.
    pub last_refused: Option<String>,
}

/// A snapshot of a [`Client`](crate::client::Client)'s statistics.
///
/// `Display` prints one line per procedure, per connection and per node
/// with the latency percentiles p50, p99, p99.9 and max, then the affinity
/// counters and the topology state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientStats {
    /// Per procedure (over all connections, including calls that failed
    /// before reaching a connection).
    pub procedures: BTreeMap<String, CallStats>,
    /// Per connection slot.
    pub connections: Vec<ConnectionStats>,
    /// Per node (server): configured and discovered.
    pub nodes: Vec<NodeStats>,
    /// Where calls went (client affinity).
    pub affinity: AffinityStats,
    /// Cluster discovery.
    pub topology: TopologyStats,
}

impl ClientStats {
    /// All procedures together.
    pub fn total(&self) -> CallStats {
        let mut t = CallStats::default();
        for s in self.procedures.values() {
            t.merge(s);
        }
        t
    }
}

struct Ms(Duration);

impl fmt::Display for Ms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0.as_secs_f64() * 1000.0;
        let s = if ms < 10.0 {
            format!("{ms:.3}")
        } else if ms < 1000.0 {
            format!("{ms:.1}")
        } else {
            format!("{ms:.0}")
        };
        f.pad(&s)
    }
}

fn stats_line(f: &mut fmt::Formatter<'_>, name: &str, s: &CallStats) -> fmt::Result {
    let h = &s.latency;
    writeln!(
        f,
        "{name:<24} {:>10} {:>8} {:>8} {:>8} {:>12} {:>12} {:>9} {:>9} {:>9} {:>9}",
        s.calls,
        s.failures,
        s.errors,
        s.timeouts,
        s.bytes_sent,
        s.bytes_received,
        Ms(h.percentile(50.0)),
        Ms(h.percentile(99.0)),
        Ms(h.percentile(99.9)),
        Ms(h.max()),
    )
}

impl fmt::Display for ClientStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<24} {:>10} {:>8} {:>8} {:>8} {:>12} {:>12} {:>9} {:>9} {:>9} {:>9}",
            "procedure",
            "calls",
            "failures",
            "errors",
            "timeouts",
            "bytes out",
            "bytes in",
            "p50 ms",
            "p99 ms",
            "p99.9 ms",
            "max ms"
        )?;
        for (name, s) in &self.procedures {
            stats_line(f, name, s)?;
        }
        if self.procedures.len() != 1 {
            stats_line(f, "(total)", &self.total())?;
        }
        for c in &self.connections {
            let name = format!("#{} {}:{}", c.index, c.host, c.port);
            stats_line(f, &name, &c.calls)?;
            writeln!(
                f,
                "    {} host_id={} connects={} failed_connects={} disconnects={} in_flight={} pings={} late={} unsolicited={}{}",
                if c.connected { "up" } else { "down" },
                c.host_id.map_or_else(|| "-".to_string(), |h| h.to_string()),
                c.connects,
                c.connect_failures,
                c.disconnects,
                c.in_flight,
                c.pings,
                c.late_replies,
                c.unsolicited,
                c.last_error
                    .as_ref()
                    .map_or_else(String::new, |e| format!(" last_error={e:?}")),
            )?;
        }
        if self.nodes.len() > 1 || self.topology.enabled {
            for n in &self.nodes {
                let name = format!("node {} {}:{}", n.index, n.host, n.port);
                stats_line(f, &name, &n.calls)?;
                let leads = n
                    .leader_of
                    .iter()
                    .map(|p| p.to_string())
                    .collect::<Vec<_>>()
                    .join(",");
                writeln!(
                    f,
                    "    host_id={} {} connections={}/{} leads=[{}]",
                    n.host_id.map_or_else(|| "-".to_string(), |h| h.to_string()),
                    if n.configured {
                        "configured"
                    } else {
                        "discovered"
                    },
                    n.connected,
                    n.connections,
                    leads,
                )?;
            }
        }
        if self.topology.enabled {
            let a = &self.affinity;
            writeln!(
                f,
                "affinity: hit rate {} (hits={} misses={} fallbacks={}) multi_partition={} round_robin={}",
                a.hit_rate()
                    .map_or_else(|| "-".to_string(), |r| format!("{:.2}%", r * 100.0)),
                a.hits,
                a.misses,
                a.fallbacks,
                a.multi_partition,
                a.round_robin,
            )?;
            let t = &self.topology;
            writeln!(
                f,
                "topology: partitions={} procedures={} subscribed={} pushes={} refreshes={} errors={} refused_nodes={}{}{}",
                t.partitions,
                t.procedures,
                t.subscribed
                    .map_or_else(|| "no".to_string(), |c| format!("#{c}")),
                t.pushes,
                t.refreshes,
                t.errors,
                t.refused,
                t.last_error
                    .as_ref()
                    .map_or_else(String::new, |e| format!(" last_error={e:?}")),
                t.last_refused
                    .as_ref()
                    .map_or_else(String::new, |e| format!(" last_refused={e:?}")),
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_contiguous_and_monotonic() {
        let mut prev_hi = None::<u64>;
        for i in 0..MAX_BUCKETS {
            let (lo, hi) = bucket_range(i);
            assert!(lo <= hi, "bucket {i}");
            if let Some(p) = prev_hi {
                assert_eq!(lo, p + 1, "bucket {i} starts right after the previous one");
            }
            assert_eq!(bucket_index(lo), i);
            assert_eq!(bucket_index(hi), i);
            prev_hi = Some(hi);
        }
        assert_eq!(prev_hi, Some(MAX_TRACKABLE));
    }

    #[test]
    fn relative_error_below_one_percent() {
        for i in SUB as usize..MAX_BUCKETS {
            let (lo, hi) = bucket_range(i);
            assert!(
                ((hi - lo) as f64) / (lo as f64) < 0.008,
                "bucket {i}: {lo}..{hi}"
            );
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
        assert!(h.counts.len() <= MAX_BUCKETS);
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

    #[test]
    fn display_has_a_line_per_procedure_and_connection() {
        let mut s = ClientStats::default();
        let mut c = CallStats::default();
        c.record(Outcome::Success, Some(Duration::from_micros(150)), 40, 60);
        c.record(Outcome::Timeout, None, 40, 0);
        s.procedures.insert("Put".into(), c.clone());
        s.connections.push(ConnectionStats {
            host: "localhost".into(),
            port: 21212,
            connected: true,
            calls: c,
            ..Default::default()
        });
        let text = s.to_string();
        assert!(text.contains("Put"), "{text}");
        assert!(text.contains("#0 localhost:21212"), "{text}");
        assert!(text.contains("0.150"), "{text}");
        assert_eq!(s.total().timeouts, 1);
    }
}
