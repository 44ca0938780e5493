//! Gathering a [`ClientStats`] snapshot from a client's live state.

use std::sync::atomic::Ordering;

use super::super::shared::Shared;
use super::super::slot::Conn;
use super::{ClientStats, ConnectionStats, NodeStats};
use crate::connection::lock;

/// A snapshot of the client's statistics.
pub(crate) fn snapshot(shared: &Shared) -> ClientStats {
    let mut out = ClientStats::default();
    for (name, s) in lock(&shared.unrouted).iter() {
        out.procedures.insert(name.clone(), s.clone());
    }
    let by_host = shared
        .cluster
        .as_ref()
        .map(|c| lock(&c.topology).partitions_by_host());
    {
        let t = lock(&shared.nodes.table);
        for (i, n) in t.nodes.iter().enumerate() {
            out.nodes.push(NodeStats {
                index: i,
                host: n.host.clone(),
                port: n.port,
                host_id: n.host_id,
                configured: n.configured,
                connections: n.slots.len(),
                leader_of: n
                    .host_id
                    .and_then(|h| by_host.as_ref().and_then(|m| m.get(&h)).cloned())
                    .unwrap_or_default(),
                ..Default::default()
            });
        }
    }
    for s in &shared.nodes.all_slots() {
        let calls = lock(&s.calls).clone();
        let mut c = ConnectionStats {
            index: s.index,
            node: s.node,
            host: s.host.clone(),
            port: s.port,
            pings: s.pings.load(Ordering::Relaxed),
            late_replies: s.late.load(Ordering::Relaxed),
            unsolicited: s.unsolicited.load(Ordering::Relaxed),
            bytes_received: s.bytes_received.load(Ordering::Relaxed),
            ..Default::default()
        };
        {
            let st = lock(&s.state);
            if let Conn::Up(conn) = &st.conn {
                c.connected = !conn.is_dead();
                c.in_flight = conn.in_flight();
            }
            c.host_id = st.host_id;
            c.connection_id = st.connection_id;
            c.connects = st.connects;
            c.connect_failures = st.connect_failures;
            c.disconnects = st.disconnects;
            c.last_error = st.last_error.clone();
        }
        for (name, p) in &calls {
            c.calls.merge(p);
            out.procedures.entry(name.clone()).or_default().merge(p);
        }
        if let Some(n) = out.nodes.get_mut(s.node) {
            n.calls.merge(&c.calls);
            n.connected += usize::from(c.connected);
        }
        out.connections.push(c);
    }
    if let Some(c) = &shared.cluster {
        out.affinity = c.affinity.snapshot();
        out.topology = c.stats();
    }
    out
}
