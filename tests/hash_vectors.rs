//! The partition hashing and topology parsing against the golden vectors (`tests/data/vectors.json`,
//! kinds `hash` and `hash_ring`) and the real VoltDB 11.4 captures
//! (`../shared/captures/*.json`: TOPO rings and leaders, `@GetPartitionKeys`,
//! `@SystemCatalog PROCEDURES` remarks; those tests are ignored unless run
//! with `-- --ignored`).
//!
//! `cooked_hex` (the zlib-compressed ring form) is not checked: decoding it
//! needs zlib, which is not among the allowed dependencies, and VoltDB 11's
//! TOPO never sends it.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use voltdb::client::routing::{hash_token, murmur3_token, HashKey, HashRing, MP_INIT_PID};
use voltdb::client::topology::{leader_host, parse_host_site, ProcedureInfo};
use voltdb::VoltType;

mod common;

use common::unhex;

const SERVER: &str = "captures/real-server-11.4.json";
const CLUSTER: &str = "captures/real-cluster-11.4.json";

fn vectors(kind: &str) -> Vec<Value> {
    let doc = common::load_data("vectors.json");
    let v: Vec<Value> = doc["vectors"]
        .as_array()
        .expect("vectors array")
        .iter()
        .filter(|v| v["kind"] == kind)
        .cloned()
        .collect();
    assert!(!v.is_empty(), "no vectors of kind {kind}");
    v
}

fn sample_ring() -> HashRing {
    let v = vectors("hash_ring");
    let s = v
        .iter()
        .find(|v| v["name"] == "sample_ring_4_partitions")
        .expect("sample_ring_4_partitions");
    HashRing::from_raw_config(&unhex(s["hex"].as_str().unwrap())).expect("sample ring decodes")
}

#[test]
fn hash_ring_vectors() {
    for v in vectors("hash_ring") {
        let name = v["name"].as_str().unwrap();
        let raw = unhex(v["hex"].as_str().unwrap());
        let ring = HashRing::from_raw_config(&raw).unwrap_or_else(|e| panic!("{name}: {e}"));
        let tokens: Vec<i32> = v["value"]["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_i64().unwrap() as i32)
            .collect();
        let parts: Vec<i32> = v["value"]["partitions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_i64().unwrap() as i32)
            .collect();
        let expected: Vec<(i32, i32)> = tokens.iter().copied().zip(parts.iter().copied()).collect();
        assert_eq!(ring.entries(), &expected[..], "{name}: entries");
        assert_eq!(ring.tokens(), tokens.len(), "{name}");
        let distinct: Vec<i32> = parts
            .iter()
            .copied()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        assert_eq!(ring.partitions(), distinct, "{name}");
        // Raw round trip, both ways.
        assert_eq!(ring.to_raw_config(), raw, "{name}: to_raw_config");
        assert_eq!(
            HashRing::from_raw_config(&ring.to_raw_config()).unwrap(),
            ring
        );
        // Each token maps to its own entry; one below it to the previous entry.
        for (i, &(t, p)) in expected.iter().enumerate() {
            assert_eq!(ring.partition_for_token(t), p);
            if i > 0 {
                assert_eq!(ring.partition_for_token(t - 1), expected[i - 1].1);
            }
        }
        // The sample ring is exactly HashRing::uniform's layout.
        if name == "sample_ring_4_partitions" {
            assert_eq!(HashRing::uniform(4, 16), ring);
        }
        // cooked_hex is deliberately not checked (needs zlib; see module doc).
    }
}

#[test]
fn hash_vectors() {
    let ring = sample_ring();
    let vs = vectors("hash");
    for v in &vs {
        let name = v["name"].as_str().unwrap();
        let ty = VoltType::from_name(v["volt_type"].as_str().unwrap()).expect("type name");
        assert_eq!(i64::from(ty.code()), v["volt_type_code"].as_i64().unwrap());
        let bytes_holder;
        let key = match &v["value"] {
            Value::Null => HashKey::Null,
            Value::Number(n) => HashKey::Int(n.as_i64().expect("i64 value")),
            Value::String(s) => HashKey::Str(s),
            Value::Object(o) => {
                bytes_holder = unhex(o["bytes_hex"].as_str().expect("bytes_hex"));
                HashKey::Bytes(&bytes_holder)
            }
            other => panic!("{name}: unexpected value {other}"),
        };
        let token = hash_token(ty, key);
        assert_eq!(
            token.map(i64::from),
            v["token"].as_i64(),
            "{name}: token of {key:?} as {ty}"
        );
        // The hashed bytes give the same token on their own.
        match v["hashed_bytes_hex"].as_str() {
            Some(h) => {
                let hashed = unhex(h);
                assert_eq!(
                    v["hex"].as_str(),
                    Some(h),
                    "{name}: hex == hashed_bytes_hex"
                );
                assert_eq!(Some(murmur3_token(&hashed)), token, "{name}: murmur3");
            }
            None => assert_eq!(token, None, "{name}: NULL is not hashed"),
        }
        assert_eq!(
            i64::from(ring.partition_for(ty, key)),
            v["partition_in_sample_ring"].as_i64().unwrap(),
            "{name}: partition_in_sample_ring"
        );
    }
    assert!(vs.len() >= 40, "expected the full hash vector set");
}

// ---------------------------------------------------------------------------
// Real-server captures
// ---------------------------------------------------------------------------

fn exchange<'a>(file: &'a Value, name: &str) -> &'a Value {
    file.as_array()
        .expect("capture list")
        .iter()
        .find(|e| e["name"] == name)
        .unwrap_or_else(|| panic!("no exchange {name}"))
}

fn column(table: &Value, name: &str) -> usize {
    table["columns"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c[0] == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

struct Topo {
    ring: HashRing,
    /// partition id -> leader host id
    leaders: BTreeMap<i32, i32>,
    /// partition id -> replica (host, site) list
    sites: BTreeMap<i32, Vec<(i32, i32)>>,
}

fn parse_topo(e: &Value) -> Topo {
    let tables = e["decoded"]["tables"].as_array().expect("tables");
    assert_eq!(tables.len(), 2, "TOPO has two tables");
    let t0 = &tables[0];
    let cols: Vec<&str> = t0["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c[0].as_str().unwrap())
        .collect();
    assert_eq!(cols, ["Partition", "Sites", "Leader"]);
    let mut leaders = BTreeMap::new();
    let mut sites = BTreeMap::new();
    for row in t0["rows"].as_array().unwrap() {
        let pid = row[0].as_i64().unwrap() as i32;
        let (Some(s), Some(l)) = (row[1].as_str(), row[2].as_str()) else {
            continue;
        };
        if s.is_empty() || l.is_empty() {
            continue; // transient rows
        }
        let replicas: Vec<(i32, i32)> = s
            .split(',')
            .map(|x| parse_host_site(x).unwrap_or_else(|| panic!("bad site {x:?}")))
            .collect();
        let leader = parse_host_site(l).expect("leader cell");
        assert!(
            replicas.contains(&leader),
            "leader {l} is one of the sites {s}"
        );
        assert_eq!(leader_host(l), Some(leader.0));
        leaders.insert(pid, leader.0);
        sites.insert(pid, replicas);
    }
    let t1 = &tables[1];
    assert_eq!(t1["rows"][0][0], "ELASTIC");
    let raw = unhex(t1["rows"][0][1]["bytes_hex"].as_str().expect("HASHCONFIG"));
    assert_eq!(raw.len(), 131_076);
    let ring = HashRing::from_raw_config(&raw).expect("real ring decodes");
    assert_eq!(ring.tokens(), 16_384);
    assert_eq!(ring.entries()[0].0, i32::MIN);
    assert_eq!(ring.to_raw_config(), raw, "round trip of the real ring");
    // Every ring partition is a TOPO partition with a leader; the only other
    // TOPO row is the MP initiator.
    for p in ring.partitions() {
        assert!(leaders.contains_key(&p), "ring partition {p} has a leader");
    }
    let mut topo_ids: Vec<i32> = leaders.keys().copied().collect();
    assert_eq!(topo_ids.pop(), Some(MP_INIT_PID));
    assert_eq!(topo_ids, ring.partitions());
    Topo {
        ring,
        leaders,
        sites,
    }
}

#[test]
#[ignore = "needs ../shared/captures (or VOLTDB_SHARED)"]
fn single_node_topo() {
    let file = common::load_json(SERVER);
    let topo = parse_topo(exchange(&file, "statistics_topo"));
    assert_eq!(topo.ring.partitions(), vec![0, 1]);
    assert_eq!(
        topo.leaders,
        BTreeMap::from([(0, 0), (1, 0), (MP_INIT_PID, 0)])
    );
    assert_eq!(topo.sites[&1], vec![(0, 1)]);

    // @GetPartitionKeys: each key hashes to the partition the server says.
    let e = exchange(&file, "get_partition_keys_integer");
    let rows = e["decoded"]["tables"][0]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    for r in rows {
        let (pid, key) = (r[0].as_i64().unwrap() as i32, r[1].as_i64().unwrap());
        assert_eq!(
            topo.ring
                .partition_for(VoltType::Integer, HashKey::Int(key)),
            pid
        );
        assert_eq!(
            topo.ring.partition_for(VoltType::BigInt, HashKey::Int(key)),
            pid
        );
    }
    let e = exchange(&file, "get_partition_keys_string");
    let rows = e["decoded"]["tables"][0]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    for r in rows {
        let (pid, key) = (r[0].as_i64().unwrap() as i32, r[1].as_str().unwrap());
        assert_eq!(
            topo.ring.partition_for(VoltType::String, HashKey::Str(key)),
            pid
        );
    }
}

#[test]
#[ignore = "needs ../shared/captures (or VOLTDB_SHARED)"]
fn cluster_topo() {
    let file = common::load_json(CLUSTER);
    let topo = parse_topo(exchange(&file, "cluster_statistics_topo"));
    assert_eq!(topo.ring.partitions(), vec![0, 1, 2]);
    assert_eq!(
        topo.leaders,
        BTreeMap::from([(0, 0), (1, 2), (2, 1), (MP_INIT_PID, 1)])
    );
    assert_eq!(topo.sites[&0], vec![(0, 0), (1, 0)]);

    let e = exchange(&file, "cluster_get_partition_keys_integer");
    let rows = e["decoded"]["tables"][0]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    for r in rows {
        let (pid, key) = (r[0].as_i64().unwrap() as i32, r[1].as_i64().unwrap());
        assert_eq!(
            topo.ring
                .partition_for(VoltType::Integer, HashKey::Int(key)),
            pid
        );
        // The same key sent as a string or as little-endian bytes routes alike.
        let s = key.to_string();
        assert_eq!(
            topo.ring.partition_for(VoltType::Integer, HashKey::Str(&s)),
            pid
        );
        let b = (key as i32).to_le_bytes();
        assert_eq!(
            topo.ring
                .partition_for(VoltType::Integer, HashKey::Bytes(&b)),
            pid
        );
    }

    // Every TOPO result in the cluster file (queries and pushes) parses; the
    // ring never changes, leaders do (node 2 rejoined as host 3).
    let mut count = 0;
    for e in file.as_array().unwrap() {
        let tables = e["decoded"]["tables"].as_array();
        let is_topo = tables.is_some_and(|t| t.len() == 2 && t[1]["columns"][0][0] == "HASHTYPE");
        if is_topo
            && e["decoded"]["tables"][1]["rows"][0][1]["bytes_hex"]
                .as_str()
                .is_some_and(|h| h.starts_with("00004000"))
        {
            let t = parse_topo(e);
            assert_eq!(t.ring, topo.ring, "{}", e["name"]);
            count += 1;
        }
    }
    assert!(count >= 5, "found {count} TOPO results");
    let after = parse_topo(exchange(&file, "cluster_statistics_topo_after_rejoin"));
    assert_eq!(after.leaders[&1], 3);
}

fn procedures(file: &Value, name: &str) -> BTreeMap<String, ProcedureInfo> {
    let t = &exchange(file, name)["decoded"]["tables"][0];
    let (ni, ri) = (column(t, "PROCEDURE_NAME"), column(t, "REMARKS"));
    t["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let remarks = r[ri].as_str().unwrap();
            let info = ProcedureInfo::from_remarks(remarks)
                .unwrap_or_else(|e| panic!("REMARKS {remarks:?}: {e}"));
            (r[ni].as_str().unwrap().to_string(), info)
        })
        .collect()
}

fn check_procedures(procs: &BTreeMap<String, ProcedureInfo>) {
    assert_eq!(procs.len(), 24);
    let sp = |param: i32, ty: i8, read_only: bool| ProcedureInfo {
        read_only,
        single_partition: true,
        partition_parameter: Some(param),
        partition_parameter_type: Some(ty),
        compound: false,
    };
    let mp = |read_only: bool| ProcedureInfo {
        read_only,
        single_partition: false,
        partition_parameter: None,
        partition_parameter_type: None,
        compound: false,
    };
    let expect = [
        ("AllTypesSelect", sp(0, 6, true)),
        ("AllTypesInsert", sp(0, 6, false)),
        ("AllTypesUpsert", sp(0, 6, false)),
        ("AllTypesDelete", sp(0, 6, false)),
        ("ALL_TYPES.select", sp(0, 6, true)),
        ("ALL_TYPES.update", sp(12, 6, false)),
        ("HELLOWORLD.insert", sp(2, 9, false)),
        ("HELLOWORLD.update", sp(3, 9, false)),
        ("Insert", sp(2, 9, false)),
        ("Select", sp(0, 9, true)),
        ("AllTypesCount", mp(true)),
        ("AllTypesScan", mp(true)),
        ("ReplSelect", mp(true)),
        ("ReplUpsert", mp(false)),
        ("REPL_TYPES.insert", mp(false)),
    ];
    for (name, info) in expect {
        assert_eq!(procs[name], info, "{name}");
    }
    assert_eq!(
        procs["AllTypesSelect"].routing_parameter(),
        Some((0, VoltType::BigInt))
    );
    assert_eq!(
        procs["Insert"].routing_parameter(),
        Some((2, VoltType::String))
    );
    assert_eq!(procs["AllTypesCount"].routing_parameter(), None);
    for (name, info) in procs {
        assert!(!info.compound && !info.is_directed(), "{name}");
        assert_eq!(
            info.single_partition,
            info.routing_parameter().is_some(),
            "{name}"
        );
        assert!(!name.starts_with('@'), "no system procedures in the list");
    }
}

#[test]
#[ignore = "needs ../shared/captures (or VOLTDB_SHARED)"]
fn procedure_remarks() {
    let server = common::load_json(SERVER);
    let single = procedures(&server, "system_catalog_procedures");
    check_procedures(&single);
    let cluster = common::load_json(CLUSTER);
    let c = procedures(&cluster, "cluster_system_catalog_procedures");
    check_procedures(&c);
    assert_eq!(c, single);
    let pushed = procedures(
        &cluster,
        "cluster_push_after_the_DDL_batch_changed_the_catalog_1",
    );
    assert_eq!(pushed, single);
}

// ---------------------------------------------------------------------------
// The client's topology code (voltdb::client::topology) on the same data:
// recorded response bytes in, partition → host map and routes out.
// ---------------------------------------------------------------------------

use voltdb::client::routing::Route;
use voltdb::client::topology::{HostAddress, Topology};
use voltdb::wire::login::LoginResponse;
use voltdb::wire::response::{parse_response, ASYNC_PROC_HANDLE, ASYNC_TOPO_HANDLE};

/// The recorded response of an exchange, decoded by the client's decoder
/// exactly as if it came from the socket (length prefix stripped).
fn response(file: &Value, name: &str) -> voltdb::VoltResponse {
    let hex = exchange(file, name)["response_hex"]
        .as_str()
        .unwrap_or_else(|| panic!("{name}: response_hex"));
    let frame = unhex(hex);
    let len = u32::from_be_bytes(frame[..4].try_into().unwrap()) as usize;
    assert_eq!(len, frame.len() - 4, "{name}: frame length");
    parse_response(frame[4..].to_vec()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Feeds a TOPO result or push through the client's parser.
fn client_topo(file: &Value, name: &str) -> Topology {
    let mut t = Topology::new();
    t.apply_topo(&response(file, name).tables)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    t
}

#[test]
#[ignore = "needs ../shared/captures (or VOLTDB_SHARED)"]
fn cluster_capture_partition_host_map_through_client_topology() {
    let file = common::load_json(CLUSTER);
    // @Statistics TOPO 0 on the 3-node, k=1 cluster.
    let mut topo = client_topo(&file, "cluster_statistics_topo");
    assert_eq!(
        topo.leaders(),
        &BTreeMap::from([(0, 0), (1, 2), (2, 1), (MP_INIT_PID, 1)])
    );
    assert_eq!(
        topo.partitions_by_host(),
        BTreeMap::from([(0, vec![0]), (1, vec![2]), (2, vec![1])])
    );
    assert_eq!(topo.partitions(), vec![0, 1, 2]);
    assert_eq!(topo.ring().unwrap().tokens(), 16_384);
    // The JSON-decoded expectation and the byte-decoded map agree.
    assert_eq!(
        parse_topo(exchange(&file, "cluster_statistics_topo")).leaders,
        *topo.leaders()
    );

    // @SystemCatalog PROCEDURES and the catalog push after the DDL batch.
    let procs = response(&file, "cluster_system_catalog_procedures");
    topo.apply_procedures(&procs.tables[0]).unwrap();
    assert_eq!(topo.procedures().unwrap().len(), 24);
    let pushed = response(
        &file,
        "cluster_push_after_the_DDL_batch_changed_the_catalog_1",
    );
    assert_eq!(pushed.client_handle, ASYNC_PROC_HANDLE);
    let mut from_push = Topology::new();
    from_push.apply_procedures(&pushed.tables[0]).unwrap();
    assert_eq!(from_push.procedures(), topo.procedures());
    assert!(topo.is_complete());

    // @SystemInformation OVERVIEW: host id → client address (rows unordered).
    let overview = response(&file, "cluster_system_information_overview");
    topo.apply_overview(&overview.tables[0]).unwrap();
    let addr = |port| HostAddress {
        address: "127.0.0.1".into(),
        port,
    };
    assert_eq!(
        topo.hosts(),
        &BTreeMap::from([(0, addr(4121)), (1, addr(4131)), (2, addr(4141))])
    );

    // @GetPartitionKeys keys route to their partition's leader through the
    // catalog: AllTypesSelect is partitioned on parameter 0 (BIGINT),
    // Insert on parameter 2 (STRING).
    let expected_host = BTreeMap::from([(0, 0), (1, 2), (2, 1)]);
    let keys = response(&file, "cluster_get_partition_keys_integer");
    let rows = keys.tables[0].tuples().unwrap();
    assert_eq!(rows.len(), 3);
    for row in rows {
        let (voltdb::Value::Integer(p), key) = (&row[0], &row[1]) else {
            panic!("{row:?}");
        };
        let voltdb::Value::Integer(k) = key else {
            panic!("{row:?}")
        };
        for v in [
            voltdb::Value::BigInt(i64::from(*k)),
            voltdb::Value::Integer(*k),
            voltdb::Value::from(k.to_string()),
        ] {
            assert_eq!(
                topo.route("AllTypesSelect", std::slice::from_ref(&v), None),
                Route::Partition {
                    partition: *p,
                    leader: Some(expected_host[p])
                },
                "{v:?}"
            );
        }
    }
    // A string key routes by its UTF-8 bytes.
    let dialect = voltdb::Value::from("English");
    let p = topo
        .ring()
        .unwrap()
        .partition_for(VoltType::String, HashKey::Str("English"));
    assert_eq!(
        topo.route(
            "Insert",
            &[
                voltdb::Value::from("Hello"),
                voltdb::Value::from("World"),
                dialect
            ],
            None
        ),
        Route::Partition {
            partition: p,
            leader: Some(expected_host[&p])
        }
    );
    // Multi-partition procedures go to the MP initiator's host (1).
    assert_eq!(
        topo.route("AllTypesCount", &[], None),
        Route::MultiPartition { leader: Some(1) }
    );

    // Node 2 killed: its partition 1 moves to host 0. Then it rejoins as
    // host 3: first as a replica, then as the leader again.
    for (name, leaders) in [
        (
            "cluster_push_after_node_2_was_killed_1",
            [(0, 0), (1, 0), (2, 1), (MP_INIT_PID, 1)],
        ),
        (
            "cluster_statistics_topo_after_node_failure",
            [(0, 0), (1, 0), (2, 1), (MP_INIT_PID, 1)],
        ),
        (
            "cluster_push_while_node_2_rejoined_1",
            [(0, 0), (1, 0), (2, 1), (MP_INIT_PID, 1)],
        ),
        (
            "cluster_push_while_node_2_rejoined_2",
            [(0, 0), (1, 3), (2, 1), (MP_INIT_PID, 1)],
        ),
        (
            "cluster_statistics_topo_after_rejoin",
            [(0, 0), (1, 3), (2, 1), (MP_INIT_PID, 1)],
        ),
    ] {
        let r = response(&file, name);
        if exchange(&file, name)["unsolicited"] == true {
            assert_eq!(r.client_handle, ASYNC_TOPO_HANDLE, "{name}");
        }
        // A push goes through the same code as the query result.
        topo.apply_topo(&r.tables).unwrap();
        assert_eq!(topo.leaders(), &BTreeMap::from(leaders), "{name}");
        assert_eq!(
            topo.ring(),
            client_topo(&file, "cluster_statistics_topo").ring()
        );
    }

    // The rejoined node logs in with host id 3 and the same cluster
    // instance id as the original nodes (so the client accepts it).
    let login = |name: &str| {
        let frame = unhex(exchange(&file, name)["response_hex"].as_str().unwrap());
        LoginResponse::parse(&frame[4..]).unwrap()
    };
    let first = login("cluster_login_node0");
    let rejoined = login("cluster_login_rejoined_node");
    assert_eq!(rejoined.host_id, 3);
    assert_eq!(rejoined.cluster_instance_id(), first.cluster_instance_id());
    for n in ["cluster_login_node1", "cluster_login_node2"] {
        assert_eq!(login(n).cluster_instance_id(), first.cluster_instance_id());
    }
}

#[test]
#[ignore = "needs ../shared/captures (or VOLTDB_SHARED)"]
fn single_node_capture_through_client_topology() {
    let file = common::load_json(SERVER);
    let mut topo = Topology::new();
    topo.apply_topo(&response(&file, "statistics_topo").tables)
        .unwrap();
    assert_eq!(
        topo.leaders(),
        &BTreeMap::from([(0, 0), (1, 0), (MP_INIT_PID, 0)])
    );
    topo.apply_procedures(&response(&file, "system_catalog_procedures").tables[0])
        .unwrap();
    // Every key of @GetPartitionKeys STRING routes to its partition.
    let keys = response(&file, "get_partition_keys_string");
    for row in keys.tables[0].tuples().unwrap() {
        let voltdb::Value::Integer(p) = row[0] else {
            panic!()
        };
        assert_eq!(
            topo.route("Select", &[row[1].clone()], None),
            Route::Partition {
                partition: p,
                leader: Some(0)
            }
        );
    }
}

/// The `hash` vectors through the client's routing path: a parameter
/// [`voltdb::Value`] of the declared type, a catalog entry partitioned on it,
/// and [`Topology::route`] over the sample ring.
#[test]
fn hash_vectors_through_client_routing() {
    use voltdb::{TableBuilder, VoltColumn};
    let ring = sample_ring();
    let mut t0 = TableBuilder::new(vec![
        VoltColumn::new("Partition", VoltType::Integer),
        VoltColumn::new("Sites", VoltType::String),
        VoltColumn::new("Leader", VoltType::String),
    ]);
    for p in ring.partitions() {
        let cell = voltdb::Value::from(format!("{}:0", 10 + p));
        t0.add_row(&[voltdb::Value::Integer(p), cell.clone(), cell])
            .unwrap();
    }
    let mut t1 = TableBuilder::new(vec![
        VoltColumn::new("HASHTYPE", VoltType::String),
        VoltColumn::new("HASHCONFIG", VoltType::Varbinary),
    ]);
    t1.add_row(&[
        voltdb::Value::from("ELASTIC"),
        voltdb::Value::from(ring.to_raw_config()),
    ])
    .unwrap();
    let mut procs = TableBuilder::new(vec![
        VoltColumn::new("PROCEDURE_NAME", VoltType::String),
        VoltColumn::new("REMARKS", VoltType::String),
    ]);
    for ty in [
        VoltType::TinyInt,
        VoltType::SmallInt,
        VoltType::Integer,
        VoltType::BigInt,
        VoltType::String,
        VoltType::Varbinary,
    ] {
        procs
            .add_row(&[
                voltdb::Value::from(format!("P{}", ty.code())),
                voltdb::Value::from(format!(
                    r#"{{"compound":false,"partitionParameter":0,"partitionParameterType":{},"readOnly":false,"singlePartition":true}}"#,
                    ty.code()
                )),
            ])
            .unwrap();
    }
    let mut topo = Topology::new();
    topo.apply_topo(&[t0.build(), t1.build()]).unwrap();
    topo.apply_procedures(&procs.build()).unwrap();
    let vs = vectors("hash");
    for v in &vs {
        let name = v["name"].as_str().unwrap();
        let ty = VoltType::from_name(v["volt_type"].as_str().unwrap()).unwrap();
        let value = match &v["value"] {
            Value::Null => voltdb::Value::Null,
            Value::Number(n) => {
                let n = n.as_i64().unwrap();
                match ty {
                    VoltType::TinyInt => voltdb::Value::TinyInt(n as i8),
                    VoltType::SmallInt => voltdb::Value::SmallInt(n as i16),
                    VoltType::Integer => voltdb::Value::Integer(n as i32),
                    _ => voltdb::Value::BigInt(n),
                }
            }
            Value::String(s) => voltdb::Value::from(s.as_str()),
            Value::Object(o) => voltdb::Value::Varbinary(unhex(o["bytes_hex"].as_str().unwrap())),
            other => panic!("{name}: {other}"),
        };
        let want = v["partition_in_sample_ring"].as_i64().unwrap() as i32;
        let proc_name = format!("P{}", ty.code());
        let expected = Route::Partition {
            partition: want,
            leader: Some(10 + want),
        };
        assert_eq!(
            topo.route(&proc_name, std::slice::from_ref(&value), None),
            expected,
            "{name}"
        );
        // A typed NULL is NULL.
        if value.is_null() {
            assert_eq!(
                topo.route(&proc_name, &[voltdb::Value::TypedNull(ty)], None),
                expected,
                "{name}"
            );
        }
        assert_eq!(topo.partition_for(ty, &value), Some(want), "{name}");
    }
}
