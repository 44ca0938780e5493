//! Cluster discovery: the topology subscription,
//! the discovery calls, topology pushes, node membership, and the cluster
//! instance check.
//!
//! One connection is registered with `@Subscribe TOPOLOGY` (first, so that
//! no change is missed); the topology (`@Statistics TOPO 0`), the catalog
//! (`@SystemCatalog PROCEDURES`) and the node addresses (`@SystemInformation
//! OVERVIEW`) are then fetched on it. The server pushes new TOPO and
//! PROCEDURES results to that connection; they are parsed by the same code
//! as the fetched ones, on the reader thread, and each TOPO push makes the
//! topology thread re-read OVERVIEW, which is how nodes that join or rejoin
//! are found. If the subscribed connection dies, another one subscribes and
//! everything is fetched again.
//!
//! A fetched result is applied only if no push of the same kind was applied
//! while it was on its way: a push always carries the complete state, and
//! any later change is pushed again, so the newest push is never replaced by
//! an older fetch.

use std::collections::BTreeMap;
use std::net::{IpAddr, ToSocketAddrs};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::{JoinHandle, ThreadId};
use std::time::{Duration, Instant};

use crate::error::{Error, ProtocolError, Result};
use crate::response::VoltResponse;
use crate::wire::login::LoginResponse;
use crate::wire::response::ASYNC_TOPO_HANDLE;
use crate::wire::value::Value;

use super::shared::Shared;
use super::slot::{Conn, Slot};
use super::stats::AffinityCounters;
use super::stats::TopologyStats;
use super::topology::{parse_overview, HostAddress, Topology};
use super::{dispatch, maintenance};
use crate::connection::{lock, Connection};

/// How long to wait before subscribing again after the server declined
/// `@Subscribe` (as the Java and Python clients do).
const SUBSCRIBE_RETRY: Duration = Duration::from_secs(120);
/// Longest pause between failed discovery rounds.
const MAX_RETRY: Duration = Duration::from_secs(10);

#[derive(Default)]
struct Wake {
    /// Fetch TOPO and PROCEDURES again.
    fetch: bool,
    /// Fetch OVERVIEW again (membership).
    overview: bool,
}

/// Discovery and routing state of a client with `discover` on.
pub(crate) struct ClusterState {
    pub(super) topology: Mutex<Topology>,
    pub(super) affinity: AffinityCounters,
    /// The cluster instance id `(start ms, leader ipv4)` of the first login.
    instance: Mutex<Option<(i64, i32)>>,
    subscribed: Mutex<Option<Arc<Connection>>>,
    /// After a declined `@Subscribe`: when to try again.
    subscribe_after: Mutex<Option<Instant>>,
    /// Bumped (under the topology write lock) by every applied push.
    topo_epoch: AtomicU64,
    proc_epoch: AtomicU64,
    refresh_lock: Mutex<()>,
    wake: Mutex<Wake>,
    cv: Condvar,
    thread: Mutex<Option<JoinHandle<()>>>,
    pushes: AtomicU64,
    refreshes: AtomicU64,
    errors: AtomicU64,
    last_error: Mutex<Option<String>>,
    refused: AtomicU64,
    last_refused: Mutex<Option<String>>,
}

impl ClusterState {
    pub(crate) fn new() -> ClusterState {
        ClusterState {
            topology: Mutex::new(Topology::new()),
            affinity: AffinityCounters::default(),
            instance: Mutex::new(None),
            subscribed: Mutex::new(None),
            subscribe_after: Mutex::new(None),
            topo_epoch: AtomicU64::new(0),
            proc_epoch: AtomicU64::new(0),
            refresh_lock: Mutex::new(()),
            wake: Mutex::new(Wake::default()),
            cv: Condvar::new(),
            thread: Mutex::new(None),
            pushes: AtomicU64::new(0),
            refreshes: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            last_error: Mutex::new(None),
            refused: AtomicU64::new(0),
            last_refused: Mutex::new(None),
        }
    }

    pub(super) fn set_thread(&self, h: JoinHandle<()>) {
        *lock(&self.thread) = Some(h);
    }

    pub(super) fn record_error(&self, why: &str) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        *lock(&self.last_error) = Some(why.to_string());
    }

    /// The subscribed connection, if it is alive.
    fn live_subscription(&self) -> Option<Arc<Connection>> {
        lock(&self.subscribed)
            .as_ref()
            .filter(|c| !c.is_dead())
            .cloned()
    }

    fn subscribe_due(&self, now: Instant) -> bool {
        lock(&self.subscribe_after).map_or(true, |t| now >= t)
    }

    /// Asks the topology thread for a discovery round.
    fn request(&self, fetch: bool, overview: bool) {
        {
            let mut w = lock(&self.wake);
            w.fetch |= fetch;
            w.overview |= overview;
        }
        self.cv.notify_all();
    }

    /// A connection came up: the topology thread may now (re)subscribe.
    pub(super) fn wake_on_connect(&self) {
        if self.live_subscription().is_none() {
            self.cv.notify_all();
        }
    }

    /// A connection ended: if it carried the subscription, subscribe on
    /// another one and fetch everything again.
    pub(super) fn connection_lost(&self, conn: &Arc<Connection>) {
        let was = {
            let mut s = lock(&self.subscribed);
            if s.as_ref().is_some_and(|c| Arc::ptr_eq(c, conn)) {
                *s = None;
                true
            } else {
                false
            }
        };
        if was {
            self.request(true, true);
        }
    }

    /// Stops the topology thread (the client is closed).
    pub(super) fn stop(&self, me: ThreadId) {
        self.cv.notify_all();
        let h = lock(&self.thread).take();
        if let Some(h) = h {
            if h.thread().id() != me {
                let _ = h.join();
            }
        }
    }

    pub(super) fn stats(&self) -> TopologyStats {
        let (partitions, procedures) = {
            let t = lock(&self.topology);
            (
                t.leaders()
                    .keys()
                    .filter(|&&p| p != super::routing::MP_INIT_PID)
                    .count(),
                t.procedures().map_or(0, |p| p.len()),
            )
        };
        TopologyStats {
            enabled: true,
            subscribed: self.live_subscription().map(|c| c.slot),
            partitions,
            procedures,
            pushes: self.pushes.load(Ordering::Relaxed),
            refreshes: self.refreshes.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
            last_error: lock(&self.last_error).clone(),
            refused: self.refused.load(Ordering::Relaxed),
            last_refused: lock(&self.last_refused).clone(),
        }
    }
}

fn resolve(host: &str, port: u16) -> Vec<IpAddr> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return vec![ip];
    }
    (host, port)
        .to_socket_addrs()
        .map(|a| a.map(|a| a.ip()).collect())
        .unwrap_or_default()
}

fn first_table<'a>(r: &'a VoltResponse, what: &'static str) -> Result<&'a crate::table::VoltTable> {
    r.tables
        .first()
        .ok_or(Error::Protocol(ProtocolError::Malformed(what)))
}

/// The cluster instance check of a new login: the
/// first login fixes the instance; a node of another instance is
/// refused. When no connection is up and a configured host answers
/// for a new instance, the cluster was recreated: the client follows
/// it and forgets the old topology.
pub(super) fn admit_instance(
    shared: &Shared,
    c: &ClusterState,
    s: &Slot,
    login: &LoginResponse,
) -> std::result::Result<(), String> {
    let id = login.cluster_instance_id();
    let mut inst = lock(&c.instance);
    let cur = match *inst {
        None => {
            *inst = Some(id);
            return Ok(());
        }
        Some(cur) if cur == id => return Ok(()),
        Some(cur) => cur,
    };
    let configured = lock(&shared.nodes.table).nodes[s.node].configured;
    if configured && shared.nodes.connected_count() == 0 {
        *inst = Some(id);
        drop(inst);
        *lock(&c.topology) = Topology::new();
        {
            let mut t = lock(&shared.nodes.table);
            t.by_host_id.clear();
            for n in &mut t.nodes {
                n.host_id = None;
                n.refused = false;
            }
        }
        c.request(true, true);
        return Ok(());
    }
    drop(inst);
    let show = |(ms, ip): (i64, i32)| {
        format!(
            "started {ms} ms, leader {}",
            std::net::Ipv4Addr::from(ip as u32)
        )
    };
    let why = format!(
        "cluster instance id mismatch: {}:{} (host id {}) belongs to the cluster {}, not to the cluster {} of the first connection; node refused",
        s.host,
        s.port,
        login.host_id,
        show(id),
        show(cur)
    );
    c.refused.fetch_add(1, Ordering::Relaxed);
    *lock(&c.last_refused) = Some(why.clone());
    lock(&shared.nodes.table).nodes[s.node].refused = true;
    Err(why)
}

/// Applies an `@Subscribe` push (TOPO or PROCEDURES), on the reader
/// thread: parse and swap only.
pub(super) fn apply_push(shared: &Shared, c: &ClusterState, resp: &VoltResponse) {
    if !resp.is_success() {
        return;
    }
    let topo = resp.client_handle == ASYNC_TOPO_HANDLE;
    let r = {
        let mut t = lock(&c.topology);
        if topo {
            t.apply_topo(&resp.tables)
                .map(|()| c.topo_epoch.fetch_add(1, Ordering::SeqCst))
        } else {
            match resp.tables.first() {
                Some(table) => t
                    .apply_procedures(table)
                    .map(|()| c.proc_epoch.fetch_add(1, Ordering::SeqCst)),
                None => Err(ProtocolError::Malformed("procedure push without a table")),
            }
        }
    };
    match r {
        Ok(_) => {
            c.pushes.fetch_add(1, Ordering::Relaxed);
            if topo {
                // Pushes carry no addresses: look for joined nodes.
                c.request(false, true);
            }
            shared.gate.notify_all();
        }
        Err(e) => c.record_error(&format!("unusable topology push: {e}")),
    }
}

/// One discovery round: make sure a connection is subscribed (first),
/// fetch TOPO and PROCEDURES when `fetch` (or when the topology is
/// incomplete, or after a new subscription), then OVERVIEW, and connect
/// to new nodes. With `eager`, waits for those connects.
pub(super) fn refresh(
    shared: &Arc<Shared>,
    c: &ClusterState,
    fetch: bool,
    eager: bool,
) -> Result<()> {
    let _g = lock(&c.refresh_lock);
    let mut fetch = fetch || !lock(&c.topology).is_complete();
    let conn = match c.live_subscription() {
        Some(conn) => conn,
        None => {
            let conn = shared
                .nodes
                .any_live()
                .ok_or_else(|| Error::unavailable("topology discovery: no connection is up"))?;
            if c.subscribe_due(Instant::now()) {
                match dispatch::internal_call(
                    shared,
                    &conn,
                    "@Subscribe",
                    &[Value::from("TOPOLOGY")],
                ) {
                    Ok(_) => {
                        *lock(&c.subscribed) = Some(conn.clone());
                        *lock(&c.subscribe_after) = None;
                        fetch = true;
                    }
                    Err(Error::Server {
                        status, message, ..
                    }) => {
                        // Declined: work without pushes for a while.
                        *lock(&c.subscribe_after) = Some(Instant::now() + SUBSCRIBE_RETRY);
                        c.record_error(&format!(
                            "@Subscribe TOPOLOGY declined ({status}: {message}); retrying in {SUBSCRIBE_RETRY:?}"
                        ));
                    }
                    Err(e) => return Err(e),
                }
            }
            conn
        }
    };
    // Routing data first; membership is fetched even when that fails
    // (connections to every node are worth having without affinity).
    let fetched = if fetch {
        fetch_routing(shared, c, &conn)
    } else {
        Ok(())
    };
    shared.gate.notify_all();
    let r = dispatch::internal_call(
        shared,
        &conn,
        "@SystemInformation",
        &[Value::from("OVERVIEW")],
    )?;
    let table = first_table(&r, "@SystemInformation OVERVIEW: no table")?;
    let hosts = parse_overview(table)?;
    lock(&c.topology).apply_overview(table)?;
    reconcile(shared, &hosts, eager);
    fetched?;
    c.refreshes.fetch_add(1, Ordering::Relaxed);
    shared.gate.notify_all();
    Ok(())
}

/// Fetches and applies `@Statistics TOPO 0` and `@SystemCatalog
/// PROCEDURES` on `conn` (each unless a push of its kind overtook it).
fn fetch_routing(shared: &Shared, c: &ClusterState, conn: &Arc<Connection>) -> Result<()> {
    let epoch = c.topo_epoch.load(Ordering::SeqCst);
    let r = dispatch::internal_call(
        shared,
        conn,
        "@Statistics",
        &[Value::from("TOPO"), Value::Integer(0)],
    )?;
    {
        let mut t = lock(&c.topology);
        if c.topo_epoch.load(Ordering::SeqCst) == epoch {
            t.apply_topo(&r.tables)?;
        }
    }
    let epoch = c.proc_epoch.load(Ordering::SeqCst);
    let r = dispatch::internal_call(shared, conn, "@SystemCatalog", &[Value::from("PROCEDURES")])?;
    let table = first_table(&r, "@SystemCatalog PROCEDURES: no table")?;
    let mut t = lock(&c.topology);
    if c.proc_epoch.load(Ordering::SeqCst) == epoch {
        t.apply_procedures(table)?;
    }
    Ok(())
}

/// Matches the hosts of OVERVIEW with the client's nodes: by host id
/// (from their logins), else by address and port (a rejoined node has a
/// new host id at its old address; a configured name may resolve to the
/// advertised address). Unknown hosts become new nodes, connected at
/// once; known nodes that are down are retried now (they are up again).
fn reconcile(shared: &Arc<Shared>, hosts: &BTreeMap<i32, HostAddress>, eager: bool) {
    let unresolved: Vec<(usize, String, u16)> = lock(&shared.nodes.table)
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| n.resolved.is_none())
        .map(|(i, n)| (i, n.host.clone(), n.port))
        .collect();
    let resolved: Vec<(usize, Vec<IpAddr>)> = unresolved
        .into_iter()
        .map(|(i, h, p)| (i, resolve(&h, p)))
        .collect();
    let mut new_slots = Vec::new();
    let mut retry = Vec::new();
    {
        let mut t = lock(&shared.nodes.table);
        for (i, r) in resolved {
            t.nodes[i].resolved = Some(r);
        }
        for (host_id, addr) in hosts {
            if t.by_host_id.contains_key(host_id) {
                continue;
            }
            let ip = addr.address.parse::<IpAddr>().ok();
            let same = |n: &super::nodes::NodeEntry| {
                n.port == addr.port
                    && (n.host.eq_ignore_ascii_case(&addr.address)
                        || ip
                            .is_some_and(|ip| n.resolved.as_ref().is_some_and(|r| r.contains(&ip))))
            };
            match t.nodes.iter().position(same) {
                Some(i) if !t.nodes[i].refused => retry.push(t.nodes[i].slots.clone()),
                Some(_) => {}
                None => new_slots.push(shared.nodes.add_node(
                    &mut t,
                    &addr.address,
                    addr.port,
                    shared.config.per_node(),
                    false,
                )),
            }
        }
    }
    let now = Instant::now();
    for r in retry {
        for i in r {
            let s = shared.nodes.slot(i);
            let mut st = lock(&s.state);
            if let Conn::Down {
                next: Some(next),
                failures,
            } = &mut st.conn
            {
                *next = now;
                *failures = 0;
            }
        }
    }
    shared.wake_maintenance();
    for r in &new_slots {
        for i in r.clone() {
            maintenance::spawn_connector(shared, i, 0);
        }
    }
    if eager && !new_slots.is_empty() {
        let deadline = Instant::now() + shared.config.connect_timeout + Duration::from_secs(1);
        let slots: Vec<Arc<Slot>> = new_slots
            .iter()
            .flat_map(|r| r.clone())
            .map(|i| shared.nodes.slot(i))
            .collect();
        shared.gate.wait_until(deadline, || {
            slots
                .iter()
                .all(|s| !matches!(lock(&s.state).conn, Conn::Connecting))
                .then_some(())
        });
    }
}

/// The topology thread: subscribes (again) when needed, runs the
/// discovery rounds asked for by pushes and lost subscriptions, and
/// retries failed rounds with a capped backoff.
pub(super) fn topology_loop(shared: Arc<Shared>) {
    let Some(c) = &shared.cluster else {
        return;
    };
    let mut failures = 0u32;
    let mut retry_at: Option<Instant> = None;
    loop {
        let (fetch, overview) = {
            let mut w = lock(&c.wake);
            loop {
                if shared.is_closed() {
                    return;
                }
                let now = Instant::now();
                let ready = retry_at.map_or(true, |t| now >= t);
                if ready && shared.nodes.connected_count() > 0 {
                    let need_sub = c.live_subscription().is_none() && c.subscribe_due(now);
                    let incomplete = !lock(&c.topology).is_complete();
                    if w.fetch || w.overview || need_sub || incomplete {
                        break;
                    }
                }
                let wait = retry_at
                    .filter(|t| *t > now)
                    .map_or(Duration::from_secs(1), |t| {
                        (t - now).min(Duration::from_secs(1))
                    });
                w =
                    c.cv.wait_timeout(w, wait)
                        .unwrap_or_else(|e| e.into_inner())
                        .0;
            }
            let f = (w.fetch, w.overview);
            *w = Wake::default();
            f
        };
        match refresh(&shared, c, fetch, false) {
            Ok(()) => {
                failures = 0;
                retry_at = None;
            }
            Err(e) => {
                if shared.is_closed() {
                    return;
                }
                c.record_error(&format!("topology discovery failed: {e}"));
                failures = failures.saturating_add(1);
                let pause = Duration::from_millis(250)
                    .saturating_mul(1 << failures.min(8))
                    .min(MAX_RETRY);
                retry_at = Some(Instant::now() + pause);
                let mut w = lock(&c.wake);
                w.fetch |= fetch;
                w.overview |= overview;
            }
        }
    }
}

/// The client's topology (discovery on only).
pub(super) fn topology(shared: &Shared) -> Option<Topology> {
    shared.cluster.as_ref().map(|c| lock(&c.topology).clone())
}

/// A discovery round now, in the caller's thread.
pub(super) fn refresh_topology(shared: &Arc<Shared>) -> Result<Topology> {
    let Some(c) = &shared.cluster else {
        return Err(not_discovering());
    };
    if shared.is_closed() {
        return Err(Error::Closed);
    }
    match refresh(shared, c, true, false) {
        Ok(()) => Ok(lock(&c.topology).clone()),
        Err(e) => {
            c.record_error(&format!("topology refresh failed: {e}"));
            Err(e)
        }
    }
}

/// Waits until the topology is complete (ring and catalog known).
pub(super) fn wait_for_topology(shared: &Shared, timeout: Duration) -> Result<Topology> {
    let Some(c) = &shared.cluster else {
        return Err(not_discovering());
    };
    let deadline = dispatch::deadline_after(timeout);
    let r = shared.gate.wait_until(deadline, || {
        if shared.is_closed() {
            return Some(Err(Error::Closed));
        }
        let t = lock(&c.topology);
        t.is_complete().then(|| Ok(t.clone()))
    });
    r.unwrap_or_else(|| {
        let last = lock(&c.last_error).clone();
        Err(Error::unavailable(format!(
            "the cluster topology is not known after {timeout:?} (last error: {})",
            last.as_deref().unwrap_or("none")
        )))
    })
}
fn not_discovering() -> Error {
    Error::InvalidArgument("cluster discovery is off (ClientConfig::discover)".into())
}
