//! What a cluster-aware client knows about the cluster:
//! which host leads each partition, the hash ring, how each procedure is
//! partitioned, and where every node listens.
//!
//! A [`Topology`] is built from the results of `@Statistics TOPO 0`,
//! `@SystemCatalog PROCEDURES` and `@SystemInformation OVERVIEW`, and kept
//! current by the `@Subscribe TOPOLOGY` pushes, which carry the same
//! tables and go through the same parsers. It is sans-I/O: tables in,
//! routing decisions out ([`Topology::route`]), so it can be fed recorded
//! responses.
//!
//! ```
//! use voltdb::client::routing::Route;
//! use voltdb::client::topology::Topology;
//! use voltdb::client::routing::{HashRing, MP_INIT_PID};
//! use voltdb::{TableBuilder, Value, VoltColumn, VoltTable, VoltType};
//!
//! fn table(cols: &[(&str, VoltType)], rows: &[Vec<Value>]) -> voltdb::Result<VoltTable> {
//!     let mut b = TableBuilder::new(cols.iter().map(|(n, t)| VoltColumn::new(*n, *t)).collect());
//!     for r in rows {
//!         b.add_row(r)?;
//!     }
//!     Ok(b.build())
//! }
//!
//! // `@Statistics TOPO 0`: partition 0 led by host 0, partition 1 by host 2.
//! let t0 = table(&[("Partition", VoltType::Integer), ("Sites", VoltType::String), ("Leader", VoltType::String)],
//!                &[vec![Value::from(0), Value::from("0:0, 1:0"), Value::from("0:0")],
//!                  vec![Value::from(1), Value::from("2:0"), Value::from("2:0")],
//!                  vec![Value::from(MP_INIT_PID), Value::from("1:2"), Value::from("1:2")]])?;
//! let ring = HashRing::uniform(2, 16);
//! let t1 = table(&[("HASHTYPE", VoltType::String), ("HASHCONFIG", VoltType::Varbinary)],
//!                &[vec![Value::from("ELASTIC"), Value::from(ring.to_raw_config())]])?;
//! // `@SystemCatalog PROCEDURES`: Get is partitioned on its STRING parameter 0.
//! let procs = table(&[("PROCEDURE_NAME", VoltType::String), ("REMARKS", VoltType::String)],
//!                   &[vec![Value::from("Get"), Value::from(r#"{"partitionParameter":0,"partitionParameterType":9,"singlePartition":true}"#)]])?;
//!
//! let mut topo = Topology::new();
//! topo.apply_topo(&[t0, t1])?;
//! topo.apply_procedures(&procs)?;
//! assert_eq!(topo.leader(1), Some(2));
//! let key = Value::from("user-17");
//! let p = ring.partition_for_value(VoltType::String, &key).unwrap();
//! assert_eq!(
//!     topo.route("Get", &[key], None),
//!     Route::Partition { partition: p, leader: topo.leader(p) }
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;

use crate::error::ProtocolError;
use crate::table::VoltTable;
use crate::wire::value::Value;

use super::routing::{route, HashRing, Route, MP_INIT_PID};

mod parse;
mod procedure;

pub(crate) use parse::parse_overview;
pub use parse::{leader_host, parse_host_site};
use parse::{parse_procedures, parse_topo};
pub use procedure::ProcedureInfo;

/// Where a node takes client connections, from `@SystemInformation
/// OVERVIEW` (`IPADDRESS`, `CLIENTPORT`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HostAddress {
    /// The address clients dial (`IPADDRESS`).
    pub address: String,
    /// The client port (`CLIENTPORT`).
    pub port: u16,
}

impl fmt::Display for HostAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.address.contains(':') {
            write!(f, "[{}]:{}", self.address, self.port)
        } else {
            write!(f, "{}:{}", self.address, self.port)
        }
    }
}

/// A snapshot of the cluster as the client knows it: partition leaders, the
/// hash ring, procedure partitioning and node addresses. Cheap to clone.
///
/// Get the client's current one with
/// [`Client::topology`](crate::client::Client::topology).
#[derive(Clone, Default, PartialEq)]
pub struct Topology {
    leaders: Arc<BTreeMap<i32, i32>>,
    ring: Option<Arc<HashRing>>,
    procedures: Option<Arc<HashMap<String, ProcedureInfo>>>,
    hosts: Arc<BTreeMap<i32, HostAddress>>,
}

impl fmt::Debug for Topology {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Topology")
            .field("leaders", &self.leaders)
            .field("ring_tokens", &self.ring.as_ref().map(|r| r.tokens()))
            .field("procedures", &self.procedures.as_ref().map(|p| p.len()))
            .field("hosts", &self.hosts)
            .finish()
    }
}

impl Topology {
    /// An empty topology (nothing known: every call is routed round-robin).
    pub fn new() -> Topology {
        Topology::default()
    }

    /// Replaces the leaders and the ring with those of a `@Statistics TOPO 0`
    /// result or push. Rows with an empty `Sites` or `Leader` cell are
    /// transient and skipped. On error (fewer than two tables, a missing
    /// column, a `HASHCONFIG` that is not a raw ring or does not decode)
    /// nothing changes.
    pub fn apply_topo(&mut self, tables: &[VoltTable]) -> Result<(), ProtocolError> {
        let (leaders, ring) = parse_topo(tables)?;
        self.leaders = Arc::new(leaders);
        if self.ring.as_deref() != Some(&ring) {
            self.ring = Some(Arc::new(ring));
        }
        Ok(())
    }

    /// Replaces the procedure catalog with a `@SystemCatalog PROCEDURES`
    /// result or push: each procedure's partitioning from its `REMARKS` JSON.
    /// A row whose `REMARKS` do not parse is left out (that procedure is
    /// then routed round-robin). On error (a missing column) nothing changes.
    pub fn apply_procedures(&mut self, table: &VoltTable) -> Result<(), ProtocolError> {
        self.procedures = Some(Arc::new(parse_procedures(table)?));
        Ok(())
    }

    /// Replaces the node addresses with a `@SystemInformation OVERVIEW`
    /// result: the client address (`IPADDRESS`) and port (`CLIENTPORT`) of
    /// every host; hosts without both are left out. On error (a missing
    /// column) nothing changes.
    pub fn apply_overview(&mut self, table: &VoltTable) -> Result<(), ProtocolError> {
        self.hosts = Arc::new(parse_overview(table)?);
        Ok(())
    }

    /// The host id leading `partition` ([`MP_INIT_PID`] for the
    /// multi-partition initiator), if known.
    pub fn leader(&self, partition: i32) -> Option<i32> {
        self.leaders.get(&partition).copied()
    }

    /// Partition → leader host id, for every partition with a leader (and
    /// the multi-partition initiator under [`MP_INIT_PID`]).
    pub fn leaders(&self) -> &BTreeMap<i32, i32> {
        &self.leaders
    }

    /// The partition ids of the ring, ascending (empty before the first TOPO).
    pub fn partitions(&self) -> Vec<i32> {
        self.ring
            .as_ref()
            .map(|r| r.partitions())
            .unwrap_or_default()
    }

    /// Host id → the partitions it leads (the multi-partition initiator
    /// left out).
    pub fn partitions_by_host(&self) -> BTreeMap<i32, Vec<i32>> {
        let mut out: BTreeMap<i32, Vec<i32>> = BTreeMap::new();
        for (&p, &h) in self.leaders.iter() {
            if p != MP_INIT_PID {
                out.entry(h).or_default().push(p);
            }
        }
        out
    }

    /// The hash ring, once known.
    pub fn ring(&self) -> Option<&HashRing> {
        self.ring.as_deref()
    }

    /// How a procedure is partitioned, if the catalog lists it (system
    /// procedures never are).
    pub fn procedure(&self, name: &str) -> Option<&ProcedureInfo> {
        self.procedures.as_ref().and_then(|p| p.get(name))
    }

    /// Every procedure of the catalog (`None` before the catalog was read).
    pub fn procedures(&self) -> Option<&HashMap<String, ProcedureInfo>> {
        self.procedures.as_deref()
    }

    /// Host id → client address, from the last `@SystemInformation OVERVIEW`.
    pub fn hosts(&self) -> &BTreeMap<i32, HostAddress> {
        &self.hosts
    }

    /// True once both the ring and the catalog are known: from then on
    /// single-partition calls can be routed.
    pub fn is_complete(&self) -> bool {
        self.ring.is_some() && self.procedures.is_some()
    }

    /// The partition a parameter value belongs to when hashed as the
    /// partition column type `declared`; `None` before the ring
    /// is known or for a value that cannot select a partition.
    pub fn partition_for(&self, declared: crate::VoltType, value: &crate::Value) -> Option<i32> {
        self.ring.as_ref()?.partition_for_value(declared, value)
    }

    /// Where a call of `procedure` with `params` should go; see
    /// [`routing::route`](super::routing::route) for the rules.
    pub fn route(&self, procedure: &str, params: &[Value], destination: Option<i32>) -> Route {
        route(self, procedure, params, destination)
    }
}
