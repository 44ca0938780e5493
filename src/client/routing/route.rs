//! Where a call should go: a pure function of the topology, the procedure
//! and its parameters.

use crate::wire::types::VoltType;
use crate::wire::value::Value;

use super::super::topology::Topology;
use super::MP_INIT_PID;

/// Where a call should go, by the routing rules.
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

/// Where a call of `procedure` with `params` should go, given what
/// `topology` knows:
///
/// 1. with a partition destination `destination` → that partition's
///    leader;
/// 2. a single-partition procedure whose partition parameter index `i`
///    is below `params.len()` → the leader of the partition `params[i]`
///    hashes to, hashed as the catalog's partition parameter type
///    (declaring parameter types for a call never changes a value the
///    encoder accepts, only its width, so they do not matter here);
/// 3. a multi-partition procedure that is not compound → the host of the
///    multi-partition initiator (partition 16383);
///    (`@LoadSinglepartitionTable` counts as partitioned on its first
///    parameter, hashed as VARBINARY);
/// 4. anything else (system or unknown procedures, compound ones, no
///    topology yet) → [`Route::Any`].
pub fn route(
    topology: &Topology,
    procedure: &str,
    params: &[Value],
    destination: Option<i32>,
) -> Route {
    if let Some(p) = destination {
        return Route::Partition {
            partition: p,
            leader: topology.leader(p),
        };
    }
    if procedure == "@LoadSinglepartitionTable" {
        // The bulk-load system procedure is partitioned on its first
        // parameter: the partition key's hash-input bytes, as VARBINARY.
        let ring = topology.ring();
        return match (ring, params.first()) {
            (Some(ring), Some(key)) => match ring.partition_for_value(VoltType::Varbinary, key) {
                Some(partition) => Route::Partition {
                    partition,
                    leader: topology.leader(partition),
                },
                None => Route::Any(Unrouted::Unhashable),
            },
            (None, _) => Route::Any(Unrouted::NoTopology),
            (_, None) => Route::Any(Unrouted::MissingParameter),
        };
    }
    let Some(catalog) = topology.procedures() else {
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
            leader: topology.leader(MP_INIT_PID),
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
    let Some(ring) = topology.ring() else {
        return Route::Any(Unrouted::NoTopology);
    };
    match ring.partition_for_value(ty, value) {
        Some(partition) => Route::Partition {
            partition,
            leader: topology.leader(partition),
        },
        None => Route::Any(Unrouted::Unhashable),
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::routing::HashRing;
    use crate::table::{TableBuilder, VoltColumn, VoltTable};
    use crate::wire::types::VoltType;

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
        let bytes = Value::from(&42i64.to_le_bytes()[..]);
        assert_eq!(
            t.route("@LoadSinglepartitionTable", &[bytes], None),
            Route::Partition {
                partition: 3,
                leader: None
            }
        );
        assert_eq!(t.partitions_by_host()[&1], vec![1]);
        assert!(t.is_complete());
    }
}
