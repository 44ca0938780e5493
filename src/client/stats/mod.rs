//! Call statistics: per procedure, per connection and per node counters,
//! latency histograms, affinity and discovery state, and the snapshot a
//! [`Client`](crate::client::Client) returns.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

mod affinity;
mod affinity_counters;
mod calls;
mod histogram;
mod snapshot;

pub use affinity::AffinityStats;
pub(crate) use affinity_counters::{AffinityCounters, Placed};
pub use calls::CallStats;
pub(crate) use calls::{record_in, Outcome, ProcMap};
pub use histogram::Histogram;
pub(crate) use snapshot::snapshot;

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
    /// connection's).
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
