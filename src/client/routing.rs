//! Client affinity: where a call should go (PROTOCOL.md §9.5), and the
//! counters of where calls went.
//!
//! Routing is an optimisation only: any node accepts any call and forwards
//! it to the partition's leader. A call the client cannot place, or whose
//! leader has no usable connection, is sent to any healthy connection; it
//! is never failed or delayed because of routing.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, ProtocolError, Result};
use crate::hashinator::MP_INIT_PID;
use crate::response::VoltResponse;
use crate::wire::invocation::encode_invocation;
use crate::wire::types::VoltType;
use crate::wire::value::Value;

use super::config::CallOptions;
use super::pool::{deadline_after, read, Shared};
use super::stats::AffinityStats;
use super::topology::Topology;

/// One partition's outcome of [`Client::call_all_partitions`](super::Client::call_all_partitions)
/// (the Python `VoltClient`'s `PartitionCallResult`).
#[derive(Debug)]
#[non_exhaustive]
pub struct PartitionCallResult {
    /// The partition the call ran on (its `PARTITION_DESTINATION`).
    pub partition_id: i32,
    /// The key `@GetPartitionKeys` gave for it, sent as the first parameter.
    pub partition_key: Value,
    /// The partition's response (which may still carry a failure status),
    /// or the error a plain call would have returned (timeout, connection
    /// lost, no connection, ...).
    pub result: Result<VoltResponse>,
}

impl PartitionCallResult {
    /// True when the partition answered with `SUCCESS`.
    pub fn is_ok(&self) -> bool {
        matches!(&self.result, Ok(r) if r.is_success())
    }
}

fn invalid(msg: String) -> Error {
    Error::Io(std::io::Error::new(std::io::ErrorKind::InvalidInput, msg))
}

impl Shared {
    /// Runs `procedure` once on every partition (PROTOCOL.md §9.6): one key
    /// per partition from `@GetPartitionKeys` (of the partition column's
    /// type when the catalog gives STRING or VARBINARY, else INTEGER), then one version-2
    /// invocation per partition with `ALL_PARTITION` +
    /// `PARTITION_DESTINATION` and the key prepended to `params`, each sent
    /// to its partition's leader; all are pipelined, then awaited.
    pub(crate) fn call_all_partitions(
        &self,
        procedure: &str,
        params: &[Value],
        opts: &CallOptions,
    ) -> Result<Vec<PartitionCallResult>> {
        if self.is_closed() {
            return Err(Error::Closed);
        }
        let unsuited = || {
            invalid(format!(
                "{procedure} is not valid for all-partition execution: the procedure must be a \
                 directed procedure or partitioned on its first parameter, and must not be a \
                 system procedure"
            ))
        };
        if procedure.starts_with('@') {
            return Err(unsuited());
        }
        // The key type: the partition column's (STRING and VARBINARY keys
        // for such columns), INTEGER otherwise, as the Python client does.
        let mut key_type = VoltType::Integer;
        if let Some(c) = &self.cluster {
            if let Some(info) = read(&c.topology).procedure(procedure) {
                let ok = info.single_partition
                    && !info.compound
                    && (info.partition_parameter == Some(0) || info.is_directed());
                if !ok {
                    return Err(unsuited());
                }
                if let Some(t @ (VoltType::String | VoltType::Varbinary)) = info.partition_type() {
                    key_type = t;
                }
            }
        }
        let types = opts.types.as_ref().map(|t| {
            let mut all = Vec::with_capacity(t.len() + 1);
            all.push(key_type);
            all.extend_from_slice(t);
            all
        });
        let leg = |key: Value, partition: i32| {
            let mut all = Vec::with_capacity(params.len() + 1);
            all.push(key);
            all.extend_from_slice(params);
            let mut o = opts.clone();
            o.types.clone_from(&types);
            o.invocation.partition_destination = Some(partition);
            (all, o)
        };
        // Parameters that cannot be encoded fail the whole call, before
        // anything is sent.
        {
            let dummy = match key_type {
                VoltType::String => Value::from("0"),
                VoltType::Varbinary => Value::Varbinary(vec![0; 4]),
                _ => Value::Integer(0),
            };
            let (all, o) = leg(dummy, 0);
            encode_invocation(
                &mut Vec::new(),
                procedure,
                1,
                &o.invocation,
                &all,
                o.types.as_deref(),
                self.config.frame_cap,
            )?;
        }
        let timeout = opts.timeout.unwrap_or(self.config.call_timeout);
        let deadline = deadline_after(timeout);
        let keys_call = "@GetPartitionKeys";
        let key_name = match key_type {
            VoltType::String => "STRING",
            VoltType::Varbinary => "VARBINARY",
            _ => "INTEGER",
        };
        let f = self.start_call(
            keys_call,
            &[Value::from(key_name)],
            &CallOptions::default(),
            timeout,
            deadline,
            false,
        )?;
        let r = self.finish_call(keys_call, f)?.ok()?;
        let table = r
            .tables
            .first()
            .ok_or(Error::Protocol(ProtocolError::Malformed(
                "@GetPartitionKeys: no table",
            )))?;
        let (pc, kc) = (
            table.column_index("PARTITION_ID").unwrap_or(0),
            table.column_index("PARTITION_KEY").unwrap_or(1),
        );
        let mut keys: Vec<(i32, Value)> = table
            .rows()
            .filter_map(|row| Some((row.get::<i32>(pc).ok()?, row.get::<Value>(kc).ok()?)))
            .collect();
        keys.sort_by_key(|(p, _)| *p);
        keys.dedup_by_key(|(p, _)| *p);
        if keys.is_empty() {
            return Err(Error::Protocol(ProtocolError::Malformed(
                "@GetPartitionKeys returned no usable partition keys",
            )));
        }
        let legs: Vec<_> = keys
            .into_iter()
            .map(|(partition, key)| {
                let (all, o) = leg(key.clone(), partition);
                let sent = self.start_call(procedure, &all, &o, timeout, deadline, true);
                (partition, key, sent)
            })
            .collect();
        Ok(legs
            .into_iter()
            .map(|(partition_id, partition_key, sent)| PartitionCallResult {
                partition_id,
                partition_key,
                result: sent.and_then(|f| self.finish_call(procedure, f)),
            })
            .collect())
    }
}

/// Where a call should go, by the rules of §9.5.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// A single partition: the call carries a partition destination (rule
    /// 1), or it is a single-partition procedure whose partition parameter
    /// hashes to `partition` (rule 2). `leader` is the host id leading it,
    /// if known.
    Partition {
        /// The partition the call runs on.
        partition: i32,
        /// Its leader's host id.
        leader: Option<i32>,
    },
    /// A multi-partition (not compound) procedure (rule 3): the host of the
    /// multi-partition initiator, if known.
    MultiPartition {
        /// The multi-partition initiator's host id.
        leader: Option<i32>,
    },
    /// Round-robin over the healthy connections (rule 4), and why.
    Any(Unrouted),
}

/// Why a call is routed round-robin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unrouted {
    /// The topology (hash ring or procedure catalog) is not known yet.
    NoTopology,
    /// A system procedure, or one the catalog does not list.
    UnknownProcedure,
    /// A compound procedure (its work fans out anyway).
    Compound,
    /// A directed procedure called without a partition destination (the
    /// server refuses it wherever it goes).
    Directed,
    /// Fewer parameters than the partition parameter's index (the server
    /// refuses it wherever it goes).
    MissingParameter,
    /// The partition parameter's value cannot select a partition (e.g. a
    /// FLOAT): the server decides.
    Unhashable,
}

impl Topology {
    /// Where a call of `procedure` with `params` should go (§9.5):
    ///
    /// 1. with a partition destination `destination` → that partition's
    ///    leader;
    /// 2. a single-partition procedure whose partition parameter index `i`
    ///    is below `params.len()` → the leader of the partition `params[i]`
    ///    hashes to, hashed as the catalog's partition parameter type (§9.3;
    ///    declaring parameter types for a call never changes a value the
    ///    encoder accepts, only its width, so they do not matter here);
    /// 3. a multi-partition procedure that is not compound → the host of the
    ///    multi-partition initiator (partition 16383);
    /// 4. anything else (system or unknown procedures, compound ones, no
    ///    topology yet) → [`Route::Any`].
    pub fn route(&self, procedure: &str, params: &[Value], destination: Option<i32>) -> Route {
        if let Some(p) = destination {
            return Route::Partition {
                partition: p,
                leader: self.leader(p),
            };
        }
        let Some(catalog) = self.procedures() else {
            return Route::Any(Unrouted::NoTopology);
        };
        let Some(info) = catalog.get(procedure) else {
            return Route::Any(Unrouted::UnknownProcedure);
        };
        if info.compound {
            return Route::Any(Unrouted::Compound);
        }
        if !info.single_partition {
            return Route::MultiPartition {
                leader: self.leader(MP_INIT_PID),
            };
        }
        if info.is_directed() {
            return Route::Any(Unrouted::Directed);
        }
        let Some((index, ty)) = info.routing_parameter() else {
            return Route::Any(Unrouted::Unhashable);
        };
        let Some(value) = params.get(index) else {
            return Route::Any(Unrouted::MissingParameter);
        };
        let Some(ring) = self.ring() else {
            return Route::Any(Unrouted::NoTopology);
        };
        match ring.partition_for_value(ty, value) {
            Some(partition) => Route::Partition {
                partition,
                leader: self.leader(partition),
            },
            None => Route::Any(Unrouted::Unhashable),
        }
    }
}

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
    use crate::hashinator::HashRing;
    use crate::table::{TableBuilder, VoltColumn, VoltTable};

    fn table(
        cols: &[(&str, VoltType)],
        rows: &[Vec<Value>],
    ) -> Result<VoltTable, crate::EncodeError> {
        let mut b = TableBuilder::new(cols.iter().map(|(n, t)| VoltColumn::new(*n, *t)).collect());
        for r in rows {
            b.add_row(r)?;
        }
        Ok(b.build())
    }

    fn topo() -> Topology {
        let ring = HashRing::uniform(4, 16);
        let t0 = table(
            &[
                ("Partition", VoltType::Integer),
                ("Sites", VoltType::String),
                ("Leader", VoltType::String),
            ],
            &[
                vec![Value::from(0), Value::from("0:0"), Value::from("0:0")],
                vec![Value::from(1), Value::from("1:0"), Value::from("1:0")],
                vec![Value::from(2), Value::from("2:0"), Value::from("2:0")],
                // Transient: no leader yet.
                vec![Value::from(3), Value::from(""), Value::from("")],
                vec![
                    Value::from(MP_INIT_PID),
                    Value::from("1:1"),
                    Value::from("1:1"),
                ],
            ],
        )
        .unwrap();
        let t1 = table(
            &[
                ("HASHTYPE", VoltType::String),
                ("HASHCONFIG", VoltType::Varbinary),
            ],
            &[vec![
                Value::from("ELASTIC"),
                Value::from(ring.to_raw_config()),
            ]],
        )
        .unwrap();
        let remarks = [
            (
                "Sp",
                r#"{"compound":false,"partitionParameter":1,"partitionParameterType":6,"readOnly":false,"singlePartition":true}"#,
            ),
            (
                "Mp",
                r#"{"compound":false,"readOnly":true,"singlePartition":false}"#,
            ),
            (
                "Comp",
                r#"{"compound":true,"readOnly":false,"singlePartition":false}"#,
            ),
            (
                "Dir",
                r#"{"compound":false,"partitionParameter":-1,"partitionParameterType":-1,"readOnly":false,"singlePartition":true}"#,
            ),
        ];
        let procs = table(
            &[
                ("PROCEDURE_NAME", VoltType::String),
                ("REMARKS", VoltType::String),
            ],
            &remarks
                .iter()
                .map(|(n, r)| vec![Value::from(*n), Value::from(*r)])
                .collect::<Vec<_>>(),
        )
        .unwrap();
        let mut t = Topology::new();
        t.apply_topo(&[t0, t1]).unwrap();
        t.apply_procedures(&procs).unwrap();
        t
    }

    #[test]
    fn rules_in_order() {
        let t = topo();
        let ring = HashRing::uniform(4, 16);
        let key = Value::from(42i64);
        let p = ring.partition_for_value(VoltType::BigInt, &key).unwrap();
        assert_eq!(p, 3);
        // Rule 1 wins over everything.
        assert_eq!(
            t.route("@AdHoc", &[], Some(2)),
            Route::Partition {
                partition: 2,
                leader: Some(2)
            }
        );
        // Rule 2: parameter 1, as BIGINT; partition 3 has no leader yet.
        assert_eq!(
            t.route("Sp", &[Value::from("x"), key.clone()], None),
            Route::Partition {
                partition: 3,
                leader: None
            }
        );
        let k1 = Value::from(1i32);
        let p1 = ring.partition_for_value(VoltType::BigInt, &k1).unwrap();
        assert_eq!(
            t.route("Sp", &[Value::Null, k1], None),
            Route::Partition {
                partition: p1,
                leader: t.leader(p1)
            }
        );
        // NULL → partition 0.
        assert_eq!(
            t.route("Sp", &[Value::Null, Value::Null], None),
            Route::Partition {
                partition: 0,
                leader: Some(0)
            }
        );
        assert_eq!(
            t.route("Sp", &[Value::Null], None),
            Route::Any(Unrouted::MissingParameter)
        );
        assert_eq!(
            t.route("Sp", &[Value::Null, Value::from(1.5)], None),
            Route::Any(Unrouted::Unhashable)
        );
        // Rule 3.
        assert_eq!(
            t.route("Mp", &[], None),
            Route::MultiPartition { leader: Some(1) }
        );
        // Rule 4.
        assert_eq!(t.route("Comp", &[], None), Route::Any(Unrouted::Compound));
        assert_eq!(
            t.route("Dir", &[Value::from(1)], None),
            Route::Any(Unrouted::Directed)
        );
        assert_eq!(
            t.route("@Ping", &[], None),
            Route::Any(Unrouted::UnknownProcedure)
        );
        assert_eq!(
            Topology::new().route("Sp", &[Value::Null, Value::Null], None),
            Route::Any(Unrouted::NoTopology)
        );
        assert_eq!(t.partitions_by_host()[&1], vec![1]);
        assert!(t.is_complete());
    }

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
