//! Where partitions live in a test cluster: their leaders, the
//! `@Statistics TOPO` tables, and `@GetPartitionKeys`.

use std::collections::HashMap;

use crate::client::routing::{HashKey, MP_INIT_PID};
use crate::response::VoltResponse;
use crate::table::VoltTable;
use crate::wire::types::VoltType;
use crate::wire::value::Value;

use super::gzip::gzip_stored;
use super::node::Node;
use super::state::{lock, Cluster};
use super::sysprocs::{build, graceful, respond, selector};

/// A `(host id, site id)` pair.
type Site = (i32, i32);

/// Where every partition lives: `(leader host id, site id)` per partition,
/// then the multi-partition initiator's. Partition `p` is led by the
/// `p % n`-th running node (by host id), the MP initiator by the first,
/// unless [`TestCluster::move_leader`](super::TestCluster::move_leader) gave
/// it to another running node; site ids count per host. Empty when no node
/// runs.
fn placement(cluster: &Cluster) -> Option<(Vec<Site>, Site)> {
    let hosts: Vec<i32> = cluster.live_nodes().iter().map(|n| n.host_id).collect();
    if hosts.is_empty() {
        return None;
    }
    let mut next_site: HashMap<i32, i32> = HashMap::new();
    let mut site_on = |h: i32| {
        let s = next_site.entry(h).or_insert(0);
        *s += 1;
        *s - 1
    };
    let overrides = lock(&cluster.leader_overrides).clone();
    // A moved leader counts while its host runs.
    let leader = |p: i32, default: i32| match overrides.get(&p) {
        Some(h) if hosts.contains(h) => *h,
        _ => default,
    };
    let partitions = (0..cluster.cfg.partitions as usize)
        .map(|p| {
            let h = leader(p as i32, hosts[p % hosts.len()]);
            (h, site_on(h))
        })
        .collect();
    let h = leader(MP_INIT_PID, hosts[0]);
    let mp = (h, site_on(h));
    Some((partitions, mp))
}

/// The host id leading `partition` (16383 = the MP initiator).
/// The same answer as [`placement`] gives, without building it (this runs
/// once per partitioned call).
pub(crate) fn leader_of(cluster: &Cluster, partition: i32) -> Option<i32> {
    let hosts: Vec<i32> = cluster.live_nodes().iter().map(|n| n.host_id).collect();
    let default = if hosts.is_empty() {
        return None;
    } else if partition == MP_INIT_PID {
        hosts[0]
    } else {
        let p = usize::try_from(partition).ok()?;
        if p >= cluster.cfg.partitions as usize {
            return None;
        }
        hosts[p % hosts.len()]
    };
    // A moved leader counts while its host runs.
    Some(match lock(&cluster.leader_overrides).get(&partition) {
        Some(h) if hosts.contains(h) => *h,
        _ => default,
    })
}

/// The two tables of `@Statistics TOPO` (docs/protocol.md#topology-and-catalog-results): every partition with its
/// one site (k-factor 0) and leader, plus the MP initiator row; and the hash
/// ring, raw (`json` false) or as gzip-compressed JSON.
pub(crate) fn topo_tables(cluster: &Cluster, json: bool) -> Vec<VoltTable> {
    let n = i32::try_from(cluster.cfg.partitions).unwrap_or(i32::MAX);
    let placed = placement(cluster);
    let site = |p: Option<Site>| p.map_or(String::new(), |(h, s)| format!("{h}:{s}"));
    let mut rows: Vec<Vec<Value>> = (0..n)
        .map(|p| {
            let s = site(placed.as_ref().map(|(parts, _)| parts[p as usize]));
            vec![Value::Integer(p), Value::from(s.as_str()), Value::from(s)]
        })
        .collect();
    let mp = site(placed.as_ref().map(|(_, mp)| *mp));
    rows.push(vec![
        Value::Integer(MP_INIT_PID),
        Value::from(mp.as_str()),
        Value::from(mp),
    ]);
    let config = if json {
        let mut s = String::from("{");
        for (i, (token, partition)) in cluster.ring.entries().iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            s.push_str(&format!("\"{token}\":{partition}"));
        }
        s.push('}');
        gzip_stored(s.as_bytes())
    } else {
        cluster.ring.to_raw_config()
    };
    let t0 = build(
        &[
            ("Partition", VoltType::Integer),
            ("Sites", VoltType::String),
            ("Leader", VoltType::String),
        ],
        rows,
    );
    let t1 = build(
        &[
            ("HASHTYPE", VoltType::String),
            ("HASHCONFIG", VoltType::Varbinary),
        ],
        vec![vec![Value::from("ELASTIC"), Value::Varbinary(config)]],
    );
    [t0, t1].into_iter().filter_map(Result::ok).collect()
}

/// `@GetPartitionKeys type`: for each partition the smallest key of that
/// type that hashes to it (INTEGER: non-negative ints; STRING: their
/// decimal text; VARBINARY: their 4-byte big-endian form).
pub(crate) fn partition_keys(node: &Node, h: i64, p: &[Value]) -> VoltResponse {
    if p.len() != 1 {
        return graceful(
            h,
            format!(
                "Incorrect number of arguments to @GetPartitionKeys (expects 1, received {})",
                p.len()
            ),
        );
    }
    let ty = match selector(p, 0).as_deref() {
        Some("INTEGER") => VoltType::Integer,
        Some("STRING" | "VARCHAR") => VoltType::String,
        Some("VARBINARY") => VoltType::Varbinary,
        other => {
            return graceful(
                h,
                format!(
                    "Type {} is not a supported type of partition key: use INTEGER, STRING or VARBINARY",
                    other.unwrap_or("(not a STRING)")
                ),
            )
        }
    };
    let n = node.cluster.cfg.partitions as usize;
    let mut keys: Vec<Option<Value>> = vec![None; n];
    let mut found = 0;
    // Each partition owns about 1/n of the ring, so this ends quickly; the
    // bound only guards against a degenerate ring.
    for i in 0..(n as i32).saturating_mul(10_000).max(100_000) {
        if found == n {
            break;
        }
        let text = i.to_string();
        let bytes = i.to_be_bytes();
        let (key, value) = match ty {
            VoltType::Integer => (HashKey::Int(i64::from(i)), Value::Integer(i)),
            VoltType::String => (HashKey::Str(&text), Value::from(text.as_str())),
            _ => (HashKey::Bytes(&bytes), Value::Varbinary(bytes.to_vec())),
        };
        let part = node.cluster.ring.partition_for(ty, key);
        if let Some(slot) = usize::try_from(part).ok().and_then(|p| keys.get_mut(p)) {
            if slot.is_none() {
                *slot = Some(value);
                found += 1;
            }
        }
    }
    let rows = keys
        .into_iter()
        .enumerate()
        .filter_map(|(p, k)| Some(vec![Value::Integer(p as i32), k?]))
        .collect();
    respond(
        h,
        build(
            &[("PARTITION_ID", VoltType::Integer), ("PARTITION_KEY", ty)],
            rows,
        )
        .map(|t| vec![t]),
    )
}
