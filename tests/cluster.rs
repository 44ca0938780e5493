//! The cluster-aware [`Client`] (discovery, client affinity, failover)
//! against the test server run as a simulated cluster, and against a real
//! cluster (ignored unless run with `-- --ignored` and `VOLTDB_HOSTS` set).
//!
//! Every simulated node answers `@Statistics TOPO`, `@SystemCatalog
//! PROCEDURES` and `@SystemInformation OVERVIEW` consistently, records the
//! partitions it served and counts the partitioned calls it served without
//! leading their partition (`off_leader_calls`); the test procedures also
//! return the partition and host id they ran on.
#![cfg(feature = "test-server")]

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use voltdb::client::routing::MP_INIT_PID;
use voltdb::client::{CallOptions, Client, ClientBuilder, Topology};
use voltdb::testing::{table, ProcError, ProcReply, Procedure, TestCluster, TestServer};
use voltdb::{Error, Status, Value, VoltType};

/// A reply naming where the call ran: `PARTITION INTEGER, HOST_ID INTEGER,
/// PARAMS INTEGER` (the parameter count the procedure saw).
fn whereabouts(ctx: &voltdb::testing::CallContext, params: &[Value]) -> ProcReply {
    ProcReply::table(
        table(
            &[
                ("PARTITION", VoltType::Integer),
                ("HOST_ID", VoltType::Integer),
                ("PARAMS", VoltType::Integer),
            ],
            &[vec![
                Value::from(ctx.partition),
                Value::Integer(ctx.host_id),
                Value::Integer(params.len() as i32),
            ]],
        )
        .unwrap(),
    )
}

/// `(partition, host id)` of a [`whereabouts`] reply (partition −1 for a
/// multi-partition call).
fn ran_on(r: &voltdb::VoltResponse) -> (i32, i32) {
    let row = r.tables[0].row(0).unwrap();
    (
        row.get::<Option<i32>>(0).unwrap().unwrap_or(-1),
        row.get::<i32>(1).unwrap(),
    )
}

/// The procedures of the tests: single-partitioned on each partition column
/// type (and on a parameter other than the first), one that replies late,
/// a multi-partition one and a directed one.
fn start(nodes: usize, partitions: u32) -> TestCluster {
    start_at(0, nodes, partitions)
}

/// [`start`] with node `i` on `port + i` (ephemeral ports for 0).
fn start_at(port: u16, nodes: usize, partitions: u32) -> TestCluster {
    let sp = |name: &str, index: usize, ty: VoltType| {
        Procedure::new(name, |ctx, p| Ok(whereabouts(ctx, p))).partitioned(index, ty)
    };
    TestServer::builder()
        .port(port)
        .partitions(partitions)
        .add_procedure(sp("SpBig", 0, VoltType::BigInt))
        .add_procedure(sp("SpInt", 1, VoltType::Integer))
        .add_procedure(sp("SpTiny", 0, VoltType::TinyInt))
        .add_procedure(sp("SpStr", 0, VoltType::String))
        .add_procedure(sp("SpBin", 0, VoltType::Varbinary))
        .add_procedure(
            Procedure::new("Slow", |ctx, p| {
                let ms = ctx.int_param(p, 1)?.unwrap_or(0) as u64;
                Ok(whereabouts(ctx, p).delayed(Duration::from_millis(ms)))
            })
            .partitioned(0, VoltType::BigInt),
        )
        .add_procedure(Procedure::new("Mp", |ctx, p| Ok(whereabouts(ctx, p))))
        .add_procedure(Procedure::new("Work", |ctx, p| Ok(whereabouts(ctx, p))).directed())
        .start_cluster(nodes)
        .unwrap()
}

/// A discovering client seeded with node 0 only, with test-friendly timings.
fn builder(cluster: &TestCluster) -> ClientBuilder {
    Client::builder()
        .host("127.0.0.1", cluster.addr(0).unwrap().port())
        .discover(true)
        .backoff(Duration::from_millis(20), Duration::from_millis(200), 0.2)
        .keepalive_interval(None)
        .call_timeout(Duration::from_secs(10))
}

fn wait_for(what: &str, timeout: Duration, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The server's partition → leader host map.
fn server_leaders(cluster: &TestCluster) -> BTreeMap<i32, i32> {
    (0..cluster.partitions() as i32)
        .chain([MP_INIT_PID])
        .filter_map(|p| Some((p, cluster.leader_of(p)?)))
        .collect()
}

/// Waits until the client routes by the server's current leaders.
fn wait_for_leaders(client: &Client, cluster: &TestCluster) {
    wait_for(
        "the client to learn the new leaders",
        Duration::from_secs(5),
        || {
            client
                .topology()
                .is_some_and(|t| t.leaders() == &server_leaders(cluster))
        },
    );
}

/// Waits until every running node has all its connections up, logged in
/// with the node's current host id.
fn wait_for_nodes(client: &Client, cluster: &TestCluster) {
    wait_for("connections to every node", Duration::from_secs(5), || {
        let stats = client.stats();
        (0..cluster.size()).all(|i| match cluster.host_id(i) {
            None => true,
            Some(id) => stats.nodes.iter().any(|n| {
                n.host_id == Some(id) && n.connected == n.connections && n.connections > 0
            }),
        })
    });
}

fn xorshift(x: &mut u64) -> u64 {
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    *x
}

/// A BIGINT key of `partition` in the client's topology.
fn key_of(topo: &Topology, partition: i32) -> i64 {
    (0..100_000i64)
        .find(|k| topo.partition_for(VoltType::BigInt, &Value::BigInt(*k)) == Some(partition))
        .expect("a key for every partition")
}

#[test]
fn discovery_from_one_address_connects_to_every_node() {
    let cluster = start(3, 6);
    let client = builder(&cluster).connections_per_node(2).build().unwrap();
    // Eager: discovery and the connections to the other nodes are done
    // before build() returns.
    let stats = client.stats();
    assert_eq!(stats.nodes.len(), 3, "{stats}");
    for i in 0..3 {
        assert_eq!(cluster.connection_count_on(i), 2, "node {i}: {stats}");
    }
    assert_eq!(client.connected_count(), 6);
    let ids: Vec<Option<i32>> = stats.nodes.iter().map(|n| n.host_id).collect();
    assert_eq!(ids, [Some(0), Some(1), Some(2)]);
    assert!(stats.nodes[0].configured && !stats.nodes[1].configured);
    let topo = client.topology().unwrap();
    assert!(topo.is_complete());
    assert_eq!(topo.leaders(), &server_leaders(&cluster));
    assert_eq!(topo.hosts().len(), 3);
    assert_eq!(topo.partitions(), (0..6).collect::<Vec<_>>());
    assert_eq!(
        topo.procedure("SpInt").unwrap().routing_parameter(),
        Some((1, VoltType::Integer))
    );
    assert_eq!(stats.nodes[1].leader_of, vec![1, 4]);
    assert!(stats.topology.enabled);
    assert_eq!(stats.topology.partitions, 6);
    assert!(stats.topology.subscribed.is_some(), "{stats}");
    assert_eq!(stats.topology.errors, 0, "{stats}");
    // Discovery calls are the client's own: not in the call statistics.
    assert_eq!(stats.total().calls, 0);
    let text = stats.to_string();
    for needle in ["affinity: hit rate", "topology: partitions=6", "discovered"] {
        assert!(text.contains(needle), "{text}");
    }
}

/// 10,000 single-partition calls with random keys of every partition column
/// type land on their partition leader's node.
#[test]
fn ten_thousand_random_single_partition_calls_land_on_their_leaders() {
    const THREADS: u64 = 4;
    const CALLS: u64 = 2_500;
    let cluster = start(3, 12);
    let client = builder(&cluster).connections_per_node(2).build().unwrap();
    let topo = client.topology().unwrap();
    let leaders = server_leaders(&cluster);
    assert_eq!(topo.leaders(), &leaders);
    let started = Instant::now();
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let (client, topo, leaders) = (&client, &topo, &leaders);
            s.spawn(move || {
                let mut x = 0x9e37_79b9_7f4a_7c15 ^ (t + 1);
                for i in 0..CALLS {
                    let r = xorshift(&mut x);
                    let (proc_name, params, ty, key) = match i % 6 {
                        0 => {
                            let k = Value::BigInt(r as i64 >> 1);
                            ("SpBig", vec![k.clone()], VoltType::BigInt, k)
                        }
                        1 => {
                            let k = Value::Integer((r >> 33) as i32);
                            (
                                "SpInt",
                                vec![Value::from("x"), k.clone()],
                                VoltType::Integer,
                                k,
                            )
                        }
                        2 => {
                            let k = Value::TinyInt(((r % 255) as i16 - 127) as i8);
                            ("SpTiny", vec![k.clone()], VoltType::TinyInt, k)
                        }
                        3 => {
                            let k = Value::from(format!("key-{}-é", r % 100_000));
                            ("SpStr", vec![k.clone()], VoltType::String, k)
                        }
                        4 => {
                            let len = (r % 40) as usize;
                            let k = Value::Varbinary(r.to_le_bytes().repeat(5)[..len].to_vec());
                            ("SpBin", vec![k.clone()], VoltType::Varbinary, k)
                        }
                        _ => {
                            // NULL keys go to partition 0; strings sent
                            // for a BIGINT column are parsed first.
                            let k = if r % 2 == 0 {
                                Value::Null
                            } else {
                                Value::from((r % 1000).to_string())
                            };
                            ("SpBig", vec![k.clone()], VoltType::BigInt, k)
                        }
                    };
                    let resp = client.call(proc_name, &params).unwrap().ok().unwrap();
                    let (partition, host) = ran_on(&resp);
                    assert_eq!(
                        Some(partition),
                        topo.partition_for(ty, &key),
                        "{proc_name}({key:?}): the client hashes as the server does"
                    );
                    assert_eq!(Some(&host), leaders.get(&partition), "{proc_name}({key:?})");
                }
            });
        }
    });
    let elapsed = started.elapsed();
    let stats = client.stats();
    eprintln!("{} calls in {elapsed:.2?}\n{stats}", THREADS * CALLS);
    assert_eq!(cluster.off_leader_calls(), 0, "every call on its leader");
    let a = stats.affinity;
    assert_eq!(
        (a.hits, a.misses, a.fallbacks),
        (THREADS * CALLS, 0, 0),
        "{stats}"
    );
    assert_eq!(a.hit_rate(), Some(1.0));
    // Per node: the calls the client sent there are the calls the node
    // served, all on partitions it leads.
    for (i, node) in stats.nodes.iter().enumerate() {
        let served = cluster.partition_calls_on(i);
        assert_eq!(node.calls.calls, served.values().sum::<u64>(), "node {i}");
        assert!(node.calls.calls > THREADS * CALLS / 6, "node {i}: {stats}");
        for p in served.keys() {
            assert_eq!(
                leaders.get(p),
                node.host_id.as_ref(),
                "node {i}, partition {p}"
            );
        }
    }
}

/// Killing a node fails only the calls pending on it; traffic moves to the
/// surviving nodes (the new leaders); when it rejoins, with a new host id,
/// it is reconnected and serves its partitions again.
#[test]
fn a_dead_node_fails_only_its_pending_calls_and_its_rejoin_gets_traffic_back() {
    let cluster = start(3, 6);
    let client = builder(&cluster).build().unwrap();
    // Every node connected first: a call made while a leader's connection
    // is still being opened goes to another node, and would not fail.
    wait_for_nodes(&client, &cluster);
    let topo = client.topology().unwrap();
    let keys: Vec<i64> = (0..6).map(|p| key_of(&topo, p)).collect();
    // One slow call per partition: node 1 (host 1) leads partitions 1 and 4.
    let results: Vec<_> = std::thread::scope(|s| {
        let pending: Vec<_> = keys
            .iter()
            .map(|&k| {
                let client = &client;
                s.spawn(move || client.call("Slow", &[Value::BigInt(k), Value::from(1500)]))
            })
            .collect();
        wait_for("six calls in flight", Duration::from_secs(5), || {
            client
                .stats()
                .connections
                .iter()
                .map(|c| c.in_flight)
                .sum::<usize>()
                == 6
        });
        cluster.kill(1);
        pending.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (p, r) in results.iter().enumerate() {
        if p % 3 == 1 {
            assert!(
                matches!(r, Err(Error::ConnectionLost { .. })),
                "partition {p}: {r:?}"
            );
        } else {
            let (partition, host) = ran_on(r.as_ref().unwrap());
            assert_eq!((partition, host), (p as i32, [0, 1, 2][p % 3]));
        }
    }
    // The topology push moves partitions 1 and 4 to the surviving nodes.
    wait_for_leaders(&client, &cluster);
    let before = client.stats().affinity;
    let off = cluster.off_leader_calls();
    for i in 0..600i64 {
        let r = client
            .call("SpBig", &[Value::BigInt(i * 7919)])
            .unwrap()
            .ok()
            .unwrap();
        let (p, host) = ran_on(&r);
        assert_eq!(Some(host), cluster.leader_of(p));
        assert_ne!(host, 1);
    }
    assert_eq!(cluster.off_leader_calls(), off);
    let after = client.stats().affinity;
    assert_eq!(after.hits - before.hits, 600, "{}", client.stats());

    // Node 1 rejoins with a new host id; the client reconnects by itself.
    let new_id = cluster.restart(1).unwrap();
    assert_eq!(new_id, 3);
    wait_for_leaders(&client, &cluster);
    wait_for_nodes(&client, &cluster);
    let stats = client.stats();
    assert_eq!(stats.nodes.len(), 3, "same address, same node: {stats}");
    assert_eq!(stats.nodes[1].host_id, Some(3));
    assert_eq!(stats.nodes[1].leader_of, cluster_leads(&cluster, 3));
    let off = cluster.off_leader_calls();
    for i in 0..600i64 {
        client
            .call("SpBig", &[Value::BigInt(i * 104_729)])
            .unwrap()
            .ok()
            .unwrap();
    }
    assert_eq!(cluster.off_leader_calls(), off, "{}", client.stats());
    let served = cluster.partition_calls_on(1);
    assert!(
        served.values().sum::<u64>() > 100,
        "the rejoined node gets its share: {served:?}\n{}",
        client.stats()
    );
    assert!(served.keys().all(|p| cluster.leader_of(*p) == Some(3)));
}

/// The partitions host `host` leads on the server.
fn cluster_leads(cluster: &TestCluster, host: i32) -> Vec<i32> {
    (0..cluster.partitions() as i32)
        .filter(|p| cluster.leader_of(*p) == Some(host))
        .collect()
}

#[test]
fn a_topology_push_that_moves_a_leader_moves_the_traffic() {
    let cluster = start(3, 3);
    let client = builder(&cluster).build().unwrap();
    let topo = client.topology().unwrap();
    let k0 = key_of(&topo, 0);
    let call = || ran_on(&client.call("SpBig", &[Value::BigInt(k0)]).unwrap());
    assert_eq!(call(), (0, 0));
    assert!(
        cluster.move_leader(0, 2).unwrap() >= 1,
        "pushed to the client"
    );
    wait_for(
        "the client to follow the move",
        Duration::from_secs(5),
        || client.topology().unwrap().leader(0) == Some(2),
    );
    let before = cluster.partition_calls_on(2).get(&0).copied().unwrap_or(0);
    for _ in 0..200 {
        assert_eq!(call(), (0, 2));
    }
    assert_eq!(cluster.partition_calls_on(2)[&0] - before, 200);
    assert_eq!(cluster.off_leader_calls(), 0);
    // The multi-partition initiator moves too: multi-partition calls follow.
    cluster.move_leader(MP_INIT_PID, 1).unwrap();
    wait_for("the MP initiator move", Duration::from_secs(5), || {
        client.topology().unwrap().leader(MP_INIT_PID) == Some(1)
    });
    let on1 = cluster.calls_on(1);
    for _ in 0..50 {
        let (_, host) = ran_on(&client.call("Mp", &[]).unwrap());
        assert_eq!(host, 1);
    }
    assert_eq!(cluster.calls_on(1) - on1, 50);
    let stats = client.stats();
    assert!(stats.topology.pushes >= 2, "{stats}");
    assert_eq!(stats.affinity.multi_partition, 50);
}

#[test]
fn the_subscription_moves_when_its_connection_dies() {
    let cluster = start(3, 6);
    let client = builder(&cluster).build().unwrap();
    let stats = client.stats();
    let sub = stats.topology.subscribed.expect("subscribed");
    assert_eq!(stats.connections[sub].node, 0, "the seed subscribes first");
    cluster.kill(0);
    wait_for("a new subscription", Duration::from_secs(5), || {
        let s = client.stats();
        s.topology
            .subscribed
            .is_some_and(|c| s.connections[c].node != 0)
    });
    wait_for_leaders(&client, &cluster);
    // Pushes arrive on the new subscription.
    cluster.move_leader(2, 2).unwrap();
    wait_for_leaders(&client, &cluster);
    let k = key_of(&client.topology().unwrap(), 2);
    assert_eq!(
        ran_on(&client.call("SpBig", &[Value::BigInt(k)]).unwrap()),
        (2, 2)
    );
}

#[test]
fn a_node_of_another_cluster_is_refused() {
    let cluster = start(2, 4);
    // A server of another cluster instance (its own start time).
    std::thread::sleep(Duration::from_millis(5));
    let foreign = TestServer::start().unwrap();
    // Node A's OVERVIEW also lists the foreign server, as host 7.
    let listed: Vec<(i32, u16)> = (0..2)
        .map(|i| (cluster.host_id(i).unwrap(), cluster.addr(i).unwrap().port()))
        .chain([(7, foreign.port())])
        .collect();
    cluster.register("@SystemInformation", move |_, _| {
        let rows: Vec<Vec<Value>> = listed
            .iter()
            .flat_map(|&(h, port)| {
                [
                    vec![
                        Value::Integer(h),
                        Value::from("IPADDRESS"),
                        Value::from("127.0.0.1"),
                    ],
                    vec![
                        Value::Integer(h),
                        Value::from("CLIENTPORT"),
                        Value::from(port.to_string()),
                    ],
                ]
            })
            .collect();
        Ok(ProcReply::table(table(
            &[
                ("HOST_ID", VoltType::Integer),
                ("KEY", VoltType::String),
                ("VALUE", VoltType::String),
            ],
            &rows,
        )?))
    });
    let client = builder(&cluster).build().unwrap();
    wait_for("the refusal", Duration::from_secs(5), || {
        client.stats().topology.refused >= 1
    });
    let stats = client.stats();
    assert_eq!(stats.nodes.len(), 3, "{stats}");
    assert_eq!(stats.nodes[2].port, foreign.port());
    assert_eq!(stats.nodes[2].connected, 0, "{stats}");
    assert_eq!(stats.nodes[2].host_id, None);
    let why = stats.topology.last_refused.clone().unwrap();
    assert!(why.contains("cluster instance id mismatch"), "{why}");
    assert!(
        stats.connections[2]
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("mismatch")),
        "{stats}"
    );
    for i in 0..100i64 {
        client
            .call("SpBig", &[Value::BigInt(i)])
            .unwrap()
            .ok()
            .unwrap();
    }
    assert_eq!(foreign.calls(), 0, "nothing is sent to the foreign node");
    assert_eq!(client.stats().affinity.hits, 100);
}

#[test]
fn call_all_partitions_runs_once_on_every_partition_at_its_leader() {
    let cluster = start(3, 7);
    let client = builder(&cluster).build().unwrap();
    let topo = client.topology().unwrap();
    let before = client.stats().affinity.hits;
    let results = client
        .call_all_partitions("SpInt", &[Value::from("tail")], &CallOptions::new())
        .unwrap_err();
    // SpInt is partitioned on parameter 1: unsuited.
    assert!(matches!(results, Error::InvalidArgument(_)), "{results:?}");
    let results = client
        .call_all_partitions("SpBig", &[], &CallOptions::new())
        .unwrap();
    assert_eq!(results.len(), 7);
    for (i, r) in results.iter().enumerate() {
        assert_eq!(r.partition_id, i as i32, "ordered by partition id");
        assert!(r.is_ok(), "{r:?}");
        let (partition, host) = ran_on(r.result.as_ref().unwrap());
        assert_eq!(partition, r.partition_id);
        assert_eq!(Some(host), cluster.leader_of(partition));
        assert_eq!(
            topo.partition_for(VoltType::Integer, &r.partition_key),
            Some(partition),
            "the key hashes to its partition"
        );
    }
    assert_eq!(client.stats().affinity.hits - before, 7);
    // Directed procedure: the server strips the key; more parameters and
    // declared types pass through.
    let opts = CallOptions::new().types(vec![VoltType::String, VoltType::BigInt]);
    let results = client
        .call_all_partitions("Work", &[Value::from("a"), Value::from(5)], &opts)
        .unwrap();
    assert_eq!(results.len(), 7);
    for r in &results {
        let resp = r.result.as_ref().unwrap();
        assert_eq!(ran_on(resp).0, r.partition_id);
        let params: i32 = resp.tables[0].row(0).unwrap().get(2).unwrap();
        assert_eq!(params, 2, "the key was stripped");
    }
    // A STRING partition parameter gets STRING keys.
    let results = client
        .call_all_partitions("SpStr", &[], &CallOptions::new())
        .unwrap();
    assert_eq!(results.len(), 7);
    for r in &results {
        assert!(matches!(r.partition_key, Value::String(_)), "{r:?}");
        assert_eq!(ran_on(r.result.as_ref().unwrap()).0, r.partition_id);
        assert_eq!(
            topo.partition_for(VoltType::String, &r.partition_key),
            Some(r.partition_id)
        );
    }
    assert_eq!(cluster.off_leader_calls(), 0);
    // Whole-call failures.
    for bad in ["@Ping", "Mp"] {
        let e = client
            .call_all_partitions(bad, &[], &CallOptions::new())
            .unwrap_err();
        assert!(e.to_string().contains("not valid for all-partition"), "{e}");
    }
    let bad_types = CallOptions::new().types(vec![VoltType::TinyInt]);
    assert!(matches!(
        client.call_all_partitions("SpBig", &[Value::from(1000)], &bad_types),
        Err(Error::Encode(_))
    ));
    // A per-partition failure stays in its result.
    cluster.inject_for(
        "SpBig",
        voltdb::testing::Fault::Fail(Status::GracefulFailure, "no".into()),
    );
    let results = client
        .call_all_partitions("SpBig", &[], &CallOptions::new())
        .unwrap();
    assert_eq!(results.iter().filter(|r| !r.is_ok()).count(), 1);
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 6);
}

/// When the whole cluster is recreated (a new cluster instance id) while
/// the client is disconnected, the client follows it: the seed's new
/// instance is adopted, the old topology forgotten, the new one learned.
#[test]
fn a_recreated_cluster_is_followed() {
    let first = start(1, 4);
    let port = first.addr(0).unwrap().port();
    let client = builder(&first).build().unwrap();
    client
        .call("SpBig", &[Value::BigInt(1)])
        .unwrap()
        .ok()
        .unwrap();
    first.shutdown();
    drop(first);
    wait_for("disconnected", Duration::from_secs(5), || {
        !client.is_connected()
    });
    std::thread::sleep(Duration::from_millis(5)); // another start time
    let second = start_at(port, 1, 3);
    wait_for("the new cluster's topology", Duration::from_secs(5), || {
        client
            .topology()
            .is_some_and(|t| t.is_complete() && t.partitions() == vec![0, 1, 2])
    });
    let before = client.stats().affinity.hits;
    for i in 0..30i64 {
        let (p, host) = ran_on(&client.call("SpBig", &[Value::BigInt(i)]).unwrap());
        assert_eq!(Some(host), second.leader_of(p));
    }
    let stats = client.stats();
    assert_eq!(stats.affinity.hits - before, 30, "{stats}");
    assert_eq!(stats.topology.refused, 0, "{stats}");
}

/// With its leader's connection down, a call goes to another node (a miss,
/// not a failure).
#[test]
fn calls_fall_back_to_any_node_when_the_leader_is_unreachable() {
    let cluster = start(3, 3);
    let client = builder(&cluster)
        .backoff(
            Duration::from_millis(1500),
            Duration::from_millis(3000),
            0.0,
        )
        .build()
        .unwrap();
    let k1 = key_of(&client.topology().unwrap(), 1);
    // The server drops node 1's connection on the next SpBig call.
    cluster.inject_for("SpBig", voltdb::testing::Fault::Disconnect);
    let e = client.call("SpBig", &[Value::BigInt(k1)]).unwrap_err();
    assert!(matches!(e, Error::ConnectionLost { .. }), "{e:?}");
    wait_for("node 1 down", Duration::from_secs(2), || {
        client.stats().nodes[1].connected == 0
    });
    let before = client.stats().affinity;
    for _ in 0..20 {
        let (p, host) = ran_on(
            &client
                .call("SpBig", &[Value::BigInt(k1)])
                .unwrap()
                .ok()
                .unwrap(),
        );
        assert_eq!(p, 1);
        assert_ne!(host, 1, "sent elsewhere (the server forwards it)");
    }
    let after = client.stats().affinity;
    assert_eq!(after.misses - before.misses, 20);
    assert!(after.hit_rate().unwrap() < 1.0);
    // It reconnects after the backoff and calls go to the leader again.
    wait_for_nodes(&client, &cluster);
    assert_eq!(
        ran_on(&client.call("SpBig", &[Value::BigInt(k1)]).unwrap()),
        (1, 1)
    );
}

/// Without a usable topology, calls still go (round-robin), and the
/// failures are reported, not raised.
#[test]
fn without_a_topology_calls_go_round_robin() {
    let cluster = start(2, 4);
    cluster.register("@Statistics", |_, _| {
        Err(ProcError::unexpected("statistics are unavailable"))
    });
    let client = builder(&cluster).build().unwrap();
    let stats = client.stats();
    assert!(stats.topology.errors >= 1, "{stats}");
    assert!(stats
        .topology
        .last_error
        .as_deref()
        .unwrap()
        .contains("unavailable"));
    // Membership does not need the routing data: every node is connected.
    assert_eq!(cluster.connection_count_on(1), 1, "{stats}");
    assert_eq!(client.connected_count(), 2);
    for i in 0..40i64 {
        client
            .call("SpBig", &[Value::BigInt(i)])
            .unwrap()
            .ok()
            .unwrap();
    }
    client.ping().unwrap();
    let stats = client.stats();
    assert_eq!(stats.affinity.fallbacks, 40, "{stats}");
    assert_eq!(stats.affinity.hits, 0);
    assert_eq!(stats.affinity.round_robin, 1, "@Ping");
    assert!(client.refresh_topology().is_err());
    assert!(matches!(
        client.wait_for_topology(Duration::from_millis(50)),
        Err(Error::ConnectionError { .. })
    ));
    // Without discovery, topology calls are refused and nothing is routed.
    let plain = Client::builder()
        .host("127.0.0.1", cluster.addr(0).unwrap().port())
        .build()
        .unwrap();
    assert!(plain.topology().is_none());
    assert!(plain.refresh_topology().is_err());
    plain.call("SpBig", &[Value::BigInt(1)]).unwrap();
    assert_eq!(plain.stats().affinity, Default::default());
}

/// A lazy discovering client: returns at once, finds the whole cluster in
/// the background; a catalog change is pushed to it.
#[test]
fn a_lazy_client_discovers_in_the_background() {
    let cluster = start(3, 6);
    let client = builder(&cluster).lazy(true).build().unwrap();
    let topo = client.wait_for_topology(Duration::from_secs(5)).unwrap();
    assert_eq!(topo.leaders(), &server_leaders(&cluster));
    wait_for_nodes(&client, &cluster);
    // A new procedure: the server pushes the catalog to the subscription.
    let calls = Arc::new(AtomicUsize::new(0));
    let c2 = calls.clone();
    cluster.register_procedure(
        Procedure::new("Late", move |ctx, p| {
            c2.fetch_add(1, Ordering::SeqCst);
            Ok(whereabouts(ctx, p))
        })
        .partitioned(0, VoltType::String),
    );
    wait_for("the catalog push", Duration::from_secs(5), || {
        client.topology().unwrap().procedure("Late").is_some()
    });
    for i in 0..30 {
        let r = client
            .call("Late", &[Value::from(format!("k{i}"))])
            .unwrap();
        let (p, host) = ran_on(&r);
        assert_eq!(Some(host), cluster.leader_of(p));
    }
    assert_eq!(calls.load(Ordering::SeqCst), 30);
    let refreshed = client.refresh_topology().unwrap();
    assert!(refreshed.procedure("Late").is_some());
    assert_eq!(cluster.off_leader_calls(), 0);
}

// ---------------------------------------------------------------------------
// A real cluster: VOLTDB_HOSTS=host:port,host:port (optionally VOLTDB_USER,
// and VOLTDB_PASSWORD, empty when unset; the user needs the rights to run
// DDL). Discovery connects to the addresses the nodes report in
// @SystemInformation OVERVIEW (IPADDRESS, CLIENTPORT): they must be
// reachable from here (not hidden behind NAT). One run at a time per cluster.
// ---------------------------------------------------------------------------

fn real_client() -> Client {
    let hosts = std::env::var("VOLTDB_HOSTS")
        .expect("VOLTDB_HOSTS is not set: it must name the cluster (host:port,host:port)");
    let hosts: Vec<&str> = hosts
        .split(',')
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .collect();
    assert!(
        !hosts.is_empty(),
        "VOLTDB_HOSTS names no host: host:port,host:port"
    );
    let mut b = Client::builder()
        .hosts(hosts)
        .expect("VOLTDB_HOSTS: host:port,host:port")
        .discover(true)
        .call_timeout(Duration::from_secs(60));
    if let Some((u, p)) = common::credentials() {
        b = b.username(u).password(p);
    }
    b.build().expect("connect to VOLTDB_HOSTS")
}

const REAL_SCHEMA: [&str; 3] = [
    "CREATE TABLE RUST_CLUSTER_KV (K BIGINT NOT NULL, V VARCHAR(64), PRIMARY KEY (K)); \
     PARTITION TABLE RUST_CLUSTER_KV ON COLUMN K;",
    "CREATE PROCEDURE RustClusterPut PARTITION ON TABLE RUST_CLUSTER_KV COLUMN K AS \
     UPSERT INTO RUST_CLUSTER_KV VALUES (?, ?);",
    "CREATE PROCEDURE RustClusterGet PARTITION ON TABLE RUST_CLUSTER_KV COLUMN K AS \
     SELECT V FROM RUST_CLUSTER_KV WHERE K = ?;",
];

fn real_schema(client: &Client) {
    for drop in [
        "DROP PROCEDURE RustClusterPut IF EXISTS;",
        "DROP PROCEDURE RustClusterGet IF EXISTS;",
        "DROP TABLE RUST_CLUSTER_KV IF EXISTS;",
    ] {
        client.adhoc(drop, &[]).unwrap().ok().unwrap();
    }
    for ddl in REAL_SCHEMA {
        client.adhoc(ddl, &[]).unwrap().ok().unwrap();
    }
    // The catalog pushes of the DROPs and CREATEs (or a refresh) make the
    // new procedures routable. A rerun starts with the old catalog, which
    // lists them already: wait until the pushes have settled (none for a
    // second) with the procedures known, so that no late push of the DROP
    // takes them away during the calls.
    let known = |t: &Topology| t.procedure("RustClusterPut").is_some();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut last = (client.stats().topology.pushes, Instant::now());
    loop {
        let pushes = client.stats().topology.pushes;
        if pushes != last.0 {
            last = (pushes, Instant::now());
        }
        let settled = last.1.elapsed() >= Duration::from_secs(1);
        if settled && client.topology().is_some_and(|t| known(&t)) {
            break;
        }
        if settled {
            let _ = client.refresh_topology();
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for the new procedures in the catalog"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
#[ignore = "needs VOLTDB_HOSTS"]
fn real_cluster_affinity_and_all_partitions() {
    let client = real_client();
    let topo = client.wait_for_topology(Duration::from_secs(30)).unwrap();
    assert!(!topo.hosts().is_empty());
    // Every node of the cluster is connected.
    wait_for(
        "a connection to every node",
        Duration::from_secs(30),
        || {
            let stats = client.stats();
            let topo = client.topology().unwrap();
            topo.hosts().keys().all(|h| {
                stats
                    .nodes
                    .iter()
                    .any(|n| n.host_id == Some(*h) && n.connected > 0)
            })
        },
    );
    real_schema(&client);
    let topo = client.topology().unwrap();
    let info = topo.procedure("RustClusterPut").unwrap();
    assert_eq!(info.routing_parameter(), Some((0, VoltType::BigInt)));
    let before = client.stats().affinity;
    for k in 0..2_000i64 {
        let r = client
            .call(
                "RustClusterPut",
                &[Value::BigInt(k), Value::from(format!("v{k}"))],
            )
            .unwrap()
            .ok()
            .unwrap();
        assert_eq!(r.tables[0].scalar::<i64>().unwrap(), 1);
    }
    let stats = client.stats();
    let a = stats.affinity;
    eprintln!("{stats}");
    assert_eq!(
        (
            a.hits - before.hits,
            a.misses - before.misses,
            a.fallbacks - before.fallbacks
        ),
        (2_000, 0, 0),
        "every single-partition call went to its leader: {stats}"
    );
    // Each node leading a partition got calls.
    for node in stats.nodes.iter().filter(|n| !n.leader_of.is_empty()) {
        assert!(node.calls.calls > 0, "{stats}");
    }
    for k in [0i64, 1, 999, 1_999] {
        let r = client
            .call("RustClusterGet", &[Value::BigInt(k)])
            .unwrap()
            .ok()
            .unwrap();
        assert_eq!(r.tables[0].scalar::<String>().unwrap(), format!("v{k}"));
    }
    // Once per partition.
    let results = client
        .call_all_partitions("RustClusterGet", &[], &CallOptions::new())
        .unwrap();
    assert_eq!(
        results.iter().map(|r| r.partition_id).collect::<Vec<_>>(),
        topo.partitions()
    );
    for r in &results {
        assert!(r.is_ok(), "{r:?}");
        assert_eq!(
            topo.partition_for(VoltType::Integer, &r.partition_key),
            Some(r.partition_id)
        );
        // The partition's key (a small integer) was one of the 2,000 Puts.
        let key = match r.partition_key {
            Value::Integer(k) => i64::from(k),
            ref other => panic!("an INTEGER partition key: {other:?}"),
        };
        assert!((0..2_000).contains(&key), "{r:?}");
        let got = r.result.as_ref().unwrap().tables[0].scalar::<String>();
        assert_eq!(got.unwrap(), format!("v{key}"), "{r:?}");
    }
}
