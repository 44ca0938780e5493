//! Making a call: encode, plan and pick a connection, register, send
//! (start); wait for and count the reply (finish); or give it up (abandon).

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::response::VoltResponse;
use crate::wire::invocation::{encode_invocation, InvocationOptions};
use crate::wire::types::VoltType;
use crate::wire::value::Value;

use super::call_options::CallOptions;
use super::config::BackpressurePolicy;
use super::discovery::ClusterState;
use super::routing::{self, Pick, Plan};
use super::shared::Shared;
use super::stats::{record_in, Outcome, Placed};
use crate::connection::{lock, Connection, Death, Oneshot, Sent, WriteMode};

/// A call that was sent and waits for its reply.
pub(super) struct InFlight {
    pub(super) conn: Arc<Connection>,
    pub(super) handle: i64,
    done: Arc<Oneshot>,
    sent_at: Instant,
    sent: usize,
    timeout: Duration,
    deadline: Instant,
}

impl InFlight {
    /// True once the reply (or the connection's failure) has arrived.
    pub(super) fn is_ready(&self) -> bool {
        self.done.is_ready()
    }
}

/// Where a call should go (client affinity; see [`routing::plan`]).
fn plan(
    shared: &Shared,
    c: &ClusterState,
    procedure: &str,
    params: &[Value],
    opts: &CallOptions,
) -> Plan {
    let route = lock(&c.topology).route(procedure, params, opts.invocation.partition_destination);
    routing::plan(route, procedure, |host| {
        let t = lock(&shared.nodes.table);
        t.by_host_id.get(&host).map(|&i| t.nodes[i].slots.clone())
    })
}

fn record_unrouted(shared: &Shared, procedure: &str, outcome: Outcome) {
    record_in(&mut lock(&shared.unrouted), procedure, outcome, None, 0, 0);
}

/// Makes one call: encode, pick a connection, register, send, wait. A
/// status other than `SUCCESS` is [`Error::Server`].
pub(super) fn call(
    shared: &Shared,
    procedure: &str,
    params: &[Value],
    opts: &CallOptions,
) -> Result<VoltResponse> {
    let timeout = opts.timeout.unwrap_or(shared.config.call_timeout);
    let deadline = deadline_after(timeout);
    let f = start_call(shared, procedure, params, opts, timeout, deadline, false)?;
    finish_call(shared, procedure, f).and_then(VoltResponse::ok)
}

/// Encodes, picks a connection (the partition leader's first when
/// discovery is on), registers and sends one call. Failures before
/// anything was sent are counted here. With `queue`, the frame goes to
/// the connection's writer thread when other calls are in flight there
/// (see [`WriteMode::Queued`]); otherwise this thread writes it.
pub(super) fn start_call(
    shared: &Shared,
    procedure: &str,
    params: &[Value],
    opts: &CallOptions,
    timeout: Duration,
    deadline: Instant,
    queue: bool,
) -> Result<InFlight> {
    if shared.is_closed() {
        return Err(Error::Closed);
    }
    let handle = shared.next_handle();
    // Encode first, outside any lock: bad parameters fail before anything is sent.
    let frame = encode(
        shared,
        procedure,
        handle,
        &opts.invocation,
        params,
        opts.types.as_deref(),
    )?;
    let plan = shared
        .cluster
        .as_ref()
        .map(|c| (c, plan(shared, c, procedure, params, opts)));
    let preferred = plan.as_ref().and_then(|(_, p)| p.target.as_ref());
    loop {
        let conn = match shared.nodes.pick(preferred, shared.config.max_in_flight) {
            Pick::Got(c) => c,
            Pick::NoneUp => {
                record_unrouted(shared, procedure, Outcome::Error);
                return Err(shared.no_connection_error());
            }
            Pick::Full => {
                let full = Error::Backpressure(shared.config.max_in_flight);
                if shared.config.backpressure == BackpressurePolicy::Fail {
                    record_unrouted(shared, procedure, Outcome::Error);
                    return Err(full);
                }
                let got = shared.gate.wait_until(deadline, || {
                    match shared.nodes.pick(preferred, shared.config.max_in_flight) {
                        Pick::Got(c) => Some(Some(c)),
                        Pick::NoneUp => Some(None),
                        Pick::Full => shared.is_closed().then_some(None),
                    }
                });
                match got {
                    Some(Some(c)) => c,
                    Some(None) => {
                        record_unrouted(shared, procedure, Outcome::Error);
                        return Err(shared.no_connection_error());
                    }
                    None => {
                        record_unrouted(shared, procedure, Outcome::Error);
                        return Err(full);
                    }
                }
            }
        };
        let done = Arc::new(Oneshot::default());
        if !conn.register(handle, done.clone()) {
            // The connection died after we chose it; nothing was sent.
            conn.release(&shared.gate);
            continue;
        }
        let sent_at = Instant::now();
        // Our own place counts: more than one means others are in flight.
        let how = if queue && conn.in_flight() > 1 {
            WriteMode::Queued
        } else {
            WriteMode::Direct
        };
        match conn.send(&frame, how) {
            Sent::Yes => {}
            Sent::No => {
                // Dead before a byte was written: safe to try elsewhere.
                conn.unregister(handle, &shared.gate);
                continue;
            }
            Sent::Failed(e) => {
                // Part of the frame may have been sent: outcome unknown.
                // This fails our own pending entry with ConnectionLost.
                conn.fail(Death::Lost(format!("write failed: {e}")), &shared.gate);
            }
        }
        if let Some((c, plan)) = &plan {
            let placed = match (&plan.target, plan.placed) {
                (Some(r), Placed::Hit) if !r.contains(&conn.slot) => Placed::Miss,
                (_, p) => p,
            };
            c.affinity.record(placed);
        }
        return Ok(InFlight {
            conn,
            handle,
            done,
            sent_at,
            sent: frame.len(),
            timeout,
            deadline,
        });
    }
}

/// Waits for the reply of a call sent by [`start_call`](start_call)
/// and counts it. The response comes back whatever its status.
pub(super) fn finish_call(shared: &Shared, procedure: &str, f: InFlight) -> Result<VoltResponse> {
    let InFlight {
        conn,
        handle,
        done,
        sent_at,
        sent,
        timeout,
        deadline,
    } = f;
    let timed_out = || (Err(Error::Timeout(timeout)), Instant::now());
    let (reply, at) = match done.wait_until(deadline) {
        Some(r) => r,
        None if conn.unregister(handle, &shared.gate) => timed_out(),
        // Completed concurrently: the value is on its way.
        None => done
            .wait_until(Instant::now() + Duration::from_secs(1))
            .unwrap_or_else(timed_out),
    };
    // Until the reply arrived, not until it was collected.
    let latency = at.saturating_duration_since(sent_at);
    let (outcome, received, lat) = match &reply {
        Ok((r, n)) if r.is_success() => (Outcome::Success, *n, Some(latency)),
        Ok((_, n)) => (Outcome::Failure, *n, Some(latency)),
        Err(Error::Timeout(_)) => (Outcome::Timeout, 0, None),
        Err(_) => (Outcome::Error, 0, None),
    };
    record_in(
        &mut lock(&shared.nodes.slot(conn.slot).calls),
        procedure,
        outcome,
        lat,
        sent,
        received,
    );
    reply.map(|(mut r, _)| {
        r.client_round_trip = Some(latency);
        r
    })
}

/// Gives up on a call sent by [`start_call`](start_call) whose
/// reply will not be collected: its place is freed now, and a reply that
/// still comes counts as late. Not counted in the call statistics.
pub(super) fn abandon(shared: &Shared, f: &InFlight) {
    f.conn.unregister(f.handle, &shared.gate);
}

/// One of the client's own calls (discovery) on a given connection:
/// not routed, not counted in the call statistics, never held back by
/// `max_in_flight`. Fails unless the server answers `SUCCESS`.
pub(super) fn internal_call(
    shared: &Shared,
    conn: &Arc<Connection>,
    procedure: &str,
    params: &[Value],
) -> Result<VoltResponse> {
    let handle = shared.next_handle();
    let options = InvocationOptions::default();
    let frame = encode(shared, procedure, handle, &options, params, None)?;
    let timeout = shared.config.connect_timeout.max(Duration::from_secs(10));
    let lost = || Error::lost(format!("{procedure}: the connection ended"));
    if !conn.try_reserve(usize::MAX) {
        return Err(Error::Backpressure(usize::MAX));
    }
    let done = Arc::new(Oneshot::default());
    if !conn.register(handle, done.clone()) {
        conn.release(&shared.gate);
        return Err(lost());
    }
    match conn.send(&frame, WriteMode::Direct) {
        Sent::Yes => {}
        Sent::No => {
            conn.unregister(handle, &shared.gate);
            return Err(lost());
        }
        Sent::Failed(e) => {
            conn.fail(Death::Lost(format!("write failed: {e}")), &shared.gate);
        }
    }
    let reply = match done.wait_until(deadline_after(timeout)) {
        Some((r, _)) => r,
        None if conn.unregister(handle, &shared.gate) => Err(Error::Timeout(timeout)),
        None => done
            .wait_until(Instant::now() + Duration::from_secs(1))
            .map_or(Err(Error::Timeout(timeout)), |(r, _)| r),
    };
    reply.and_then(|(r, _)| r.ok())
}

/// One invocation frame, within the client's frame cap.
fn encode(
    shared: &Shared,
    procedure: &str,
    handle: i64,
    options: &InvocationOptions,
    params: &[Value],
    types: Option<&[VoltType]>,
) -> Result<Vec<u8>> {
    let mut frame = Vec::with_capacity(64);
    let cap = shared.config.frame_cap;
    encode_invocation(&mut frame, procedure, handle, options, params, types, cap)?;
    Ok(frame)
}

/// `now + timeout`, saturating for huge timeouts.
pub(super) fn deadline_after(timeout: Duration) -> Instant {
    let start = Instant::now();
    start
        .checked_add(timeout)
        .unwrap_or_else(|| start + Duration::from_secs(100 * 365 * 24 * 3600))
}
