//! One invocation: parse, pick the fault, run the procedure, send the reply.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::client::routing::HashKey;
use crate::error::ProtocolError;
use crate::response::VoltResponse;
use crate::table::VoltTable;
use crate::wire::invocation::parse::{Invocation, InvocationError};
use crate::wire::response::{encode_response, encode_success, Status, ASYNC_TOPO_HANDLE};
use crate::wire::value::Value;

use super::conn::{after, flush, send_at, Conn, WriteOp};
use super::fault::Fault;
use super::node::Node;
use super::proc::{Body, CallContext, Partitioning, ProcError, ProcReply, Procedure};
use super::{sysprocs, topology};

/// A procedure's answer: a response, or the `SUCCESS` tables a built-in
/// encoded itself ([`Body::Encoded`]).
enum Reply {
    Response(VoltResponse),
    Tables {
        handle: i64,
        count: i16,
        bytes: Vec<u8>,
    },
}

impl Reply {
    /// The response (the tables parsed back from their bytes).
    fn into_response(self) -> VoltResponse {
        let (handle, count, bytes) = match self {
            Reply::Response(r) => return r,
            Reply::Tables {
                handle,
                count,
                bytes,
            } => (handle, count, bytes),
        };
        let mut resp = VoltResponse::new(handle, Status::Success);
        let buf = Arc::new(bytes);
        let mut pos = 0;
        for _ in 0..count {
            match VoltTable::parse(&buf, pos) {
                Ok((t, next)) => {
                    resp.tables.push(t);
                    pos = next;
                }
                // The server's own tables always parse.
                Err(e) => {
                    let text = format!("VOLTDB ERROR: {e}");
                    return failure(handle, Status::UnexpectedFailure, text);
                }
            }
        }
        resp
    }
}

/// A response with a status and a status string, no tables.
pub(crate) fn failure(handle: i64, status: Status, message: impl Into<String>) -> VoltResponse {
    let mut r = VoltResponse::new(handle, status);
    r.status_string = Some(message.into());
    r
}

fn encode(resp: &VoltResponse) -> Vec<u8> {
    let mut out = Vec::new();
    encode_response(resp, &mut out);
    out
}

/// Handles one invocation frame body of a connection logged in as
/// `username`. Returns how long to stop reading this connection
/// ([`Fault::StopReading`]).
pub(crate) fn handle(
    node: &Arc<Node>,
    conn: &Arc<Conn>,
    username: &str,
    body: &[u8],
    batch: &mut Vec<u8>,
) -> Option<Duration> {
    node.count_call();
    let received = Instant::now();
    match Invocation::parse(body) {
        Err(InvocationError::Header(e)) => {
            // What a real server does (ClientInterface.handleRead): the
            // connection id in place of the unknown handle.
            let text = match body.first() {
                Some(&v) if v > 2 => format!("Unknown ProcedureInvocationType {v}"),
                _ => format!("Malformed procedure invocation: {e}"),
            };
            encode_response(&failure(conn.id, Status::UnexpectedFailure, text), batch);
            None
        }
        Err(InvocationError::Params {
            procedure,
            handle,
            error,
        }) => {
            let fault = node.take_fault(&procedure);
            let reply = params_failure(handle, &error);
            deliver(node, conn, reply, None, fault, received, batch)
        }
        Ok(inv) => {
            let fault = node.take_fault(&inv.procedure);
            if let Some(Fault::Fail(status, message)) = fault {
                let reply = failure(inv.handle, status, message);
                return deliver(node, conn, reply, None, None, received, batch);
            }
            match execute(node, conn, username, inv) {
                // Nothing to delay or change: the tables go out as they are.
                (
                    Reply::Tables {
                        handle,
                        count,
                        bytes,
                    },
                    None,
                ) if fault.is_none() => {
                    let ms = i32::try_from(received.elapsed().as_millis()).unwrap_or(i32::MAX);
                    encode_success(handle, ms, count, &bytes, batch);
                    None
                }
                (reply, delay) => {
                    let resp = reply.into_response();
                    deliver(node, conn, resp, delay, fault, received, batch)
                }
            }
        }
    }
}

fn execute(node: &Node, conn: &Conn, username: &str, inv: Invocation) -> (Reply, Option<Duration>) {
    if let Some(p) = node.cluster.procedure(&inv.procedure) {
        return run_procedure(node, conn, username, inv, &p);
    }
    if inv.procedure.starts_with('@') {
        if let Some(resp) = sysprocs::run(node, conn, &inv.procedure, inv.handle, &inv.params) {
            return (Reply::Response(resp), None);
        }
    }
    let text = format!("Procedure {} was not found", inv.procedure);
    let resp = failure(inv.handle, Status::UnexpectedFailure, text);
    (Reply::Response(resp), None)
}

/// The reply to parameters that cannot be read.
fn params_failure(handle: i64, error: &ProtocolError) -> VoltResponse {
    failure(
        handle,
        Status::GracefulFailure,
        format!("Exception while deserializing procedure params\n{error}"),
    )
}

/// The partition a call of `p` runs on (`None`: multi-partition) and how
/// many leading parameters its handler does not see; or the status and
/// status string to fail the call with.
fn route(
    node: &Node,
    p: &Procedure,
    inv: &Invocation,
) -> Result<(Option<i32>, usize), (Status, String)> {
    let name = &inv.procedure;
    let params = &inv.params;
    let destination = inv.options.partition_destination;
    let fail = |status, text: String| Err((status, text));
    if let Some(d) = destination {
        if d < 0 || i64::from(d) >= i64::from(node.cluster.cfg.partitions) {
            return fail(
                Status::GracefulFailure,
                format!(
                    "Invalid partition destination {d}: the cluster has {} partitions",
                    node.cluster.cfg.partitions
                ),
            );
        }
    }
    match p.partitioning {
        Partitioning::Single { parameter, ty } => match destination {
            Some(d) if parameter == 0 => Ok((Some(d), 0)),
            Some(_) => fail(
                Status::GracefulFailure,
                format!("Procedure {name} is not partitioned on parameter 0 and cannot be sent to a partition destination"),
            ),
            None => {
                let Some(key) = params.get(parameter) else {
                    return fail(
                        Status::UnexpectedFailure,
                        format!(
                            "Error sending procedure {name} to the correct partition. Make sure parameter values are correct. \
                             Parameter value null, partition column type {} Message: Invalid partitionIndex: {parameter}",
                            ty.code()
                        ),
                    );
                };
                if p.read_only && matches!(key, Value::Null) {
                    return fail(
                        Status::GracefulFailure,
                        "Illegal partition parameter. Value cannot be null".to_string(),
                    );
                }
                // A value of no hashable type hashes as NULL (docs/protocol.md#hash-input-bytes).
                let key = HashKey::from_value(key).unwrap_or(HashKey::Null);
                Ok((Some(node.cluster.ring.partition_for(ty, key)), 0))
            }
        },
        Partitioning::Directed => {
            let Some(d) = destination else {
                return fail(
                    Status::GracefulFailure,
                    format!("Procedure {name} is a work procedure and needs to be invoked appropriately, with a partition destination"),
                );
            };
            let skip = usize::from(inv.all_partition && !params.is_empty());
            Ok((Some(d), skip))
        }
        Partitioning::Multi if destination.is_some() => fail(
            Status::GracefulFailure,
            format!("Procedure {name} is not partitioned on parameter 0 and cannot be sent to a partition destination"),
        ),
        Partitioning::Multi => Ok((None, 0)),
    }
}

fn run_procedure(
    node: &Node,
    conn: &Conn,
    username: &str,
    mut inv: Invocation,
    p: &Procedure,
) -> (Reply, Option<Duration>) {
    let h = inv.handle;
    let fail = |status, text| (Reply::Response(failure(h, status, text)), None);
    let (partition, skip) = match route(node, p, &inv) {
        Ok(routed) => routed,
        Err((status, text)) => return fail(status, text),
    };
    let count = inv.params.len() - skip;
    if let Some(n) = p.param_count {
        if count != n {
            let text = format!(
                "VOLTDB ERROR: PROCEDURE {} EXPECTS {n} PARAMS, BUT RECEIVED {count}",
                inv.procedure
            );
            return fail(Status::GracefulFailure, text);
        }
    }
    if let Some(p) = partition {
        node.record_partition(p);
    }
    let params = inv.params.split_off(skip);
    let ctx = CallContext {
        connection_id: conn.id,
        procedure: inv.procedure,
        handle: h,
        options: inv.options,
        username: username.to_string(),
        version: inv.version,
        all_partition: inv.all_partition,
        partition,
        host_id: node.host_id,
    };
    let outcome = catch_unwind(AssertUnwindSafe(|| match &p.body {
        Body::Reply(handler) => handler(&ctx, &params).map(|r| reply_response(h, r)),
        Body::Encoded(handler) => {
            // Room for a built-in's one small table, so it is not regrown.
            let mut bytes = Vec::with_capacity(256);
            let count = handler(&ctx, &params, &mut bytes)?;
            Ok((
                Reply::Tables {
                    handle: h,
                    count,
                    bytes,
                },
                None,
            ))
        }
    }));
    match outcome {
        Ok(Ok(reply)) => reply,
        Ok(Err(e)) => (Reply::Response(error_response(h, e)), None),
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            let text = format!(
                "VOLTDB ERROR: UNEXPECTED FAILURE: procedure {} panicked: {what}",
                ctx.procedure
            );
            fail(Status::UnexpectedFailure, text)
        }
    }
}

fn reply_response(handle: i64, r: ProcReply) -> (Reply, Option<Duration>) {
    let mut resp = VoltResponse::new(handle, r.status);
    resp.status_string = r.status_string;
    resp.app_status = r.app_status;
    resp.app_status_string = r.app_status_string;
    resp.tables = r.tables;
    (Reply::Response(resp), r.delay)
}

fn error_response(handle: i64, e: ProcError) -> VoltResponse {
    let mut resp = failure(handle, e.status, e.message);
    resp.app_status = e.app_status;
    resp.app_status_string = e.app_status_string;
    resp
}

/// Sends `reply` (after `delay`, if any) with `fault` applied. Returns the pause of
/// [`Fault::StopReading`]. Bytes to send now are appended to `batch`
/// (written by the reader thread); anything else is queued for the writer
/// thread, after `batch` is written (so the order is kept).
fn deliver(
    node: &Node,
    conn: &Conn,
    mut resp: VoltResponse,
    delay: Option<Duration>,
    fault: Option<Fault>,
    received: Instant,
    batch: &mut Vec<u8>,
) -> Option<Duration> {
    let extra = match &fault {
        Some(Fault::Delay(d)) => *d,
        _ => Duration::ZERO,
    };
    let total = delay.unwrap_or_default().saturating_add(extra);
    let at = (!total.is_zero()).then(|| after(received, total));
    let ms = received.elapsed().saturating_add(total).as_millis();
    let round_trip_ms = i32::try_from(ms).unwrap_or(i32::MAX);
    resp.cluster_round_trip_ms = round_trip_ms;
    if at.is_none() && matches!(fault, None | Some(Fault::Delay(_))) {
        // The common case: no fault, no delay.
        encode_response(&resp, batch);
        return None;
    }
    let frame = encode(&resp);
    let mut send = |op| match (at, op) {
        (None, WriteOp::Bytes(b)) => batch.extend_from_slice(&b),
        (at, op) => {
            flush(node, conn, batch);
            send_at(conn, at, op)
        }
    };
    match fault {
        None | Some(Fault::Delay(_)) | Some(Fault::Fail(..)) => send(WriteOp::Bytes(frame)),
        Some(Fault::NoReply) => {}
        Some(Fault::CloseMidFrame) => {
            // A response body is at least 18 bytes, so this is 1 ..< body.
            let body = frame.len() - 4;
            let cut = 4 + (body / 2).clamp(1, body.saturating_sub(1).max(1));
            send(WriteOp::BytesThenClose(frame[..cut].to_vec()))
        }
        Some(Fault::CloseInLengthPrefix) => send(WriteOp::BytesThenClose(frame[..2].to_vec())),
        Some(Fault::Garbage(bytes)) => send(WriteOp::Bytes(bytes)),
        Some(Fault::BadLength(n)) => {
            let mut b = n.to_be_bytes().to_vec();
            b.extend_from_slice(&frame[4..]);
            send(WriteOp::BytesThenClose(b))
        }
        Some(Fault::WrongHandle(h)) => {
            resp.client_handle = h;
            send(WriteOp::Bytes(encode(&resp)))
        }
        Some(Fault::DuplicateReply) => {
            send(WriteOp::Bytes(frame.clone()));
            send(WriteOp::Bytes(frame))
        }
        Some(Fault::UnsolicitedBefore) => {
            let mut push = VoltResponse::new(ASYNC_TOPO_HANDLE, Status::Success);
            push.tables = topology::topo_tables(&node.cluster, false);
            send(WriteOp::Bytes(encode(&push)));
            send(WriteOp::Bytes(frame))
        }
        Some(Fault::SlowDrip(d)) => send(WriteOp::Drip(frame, d)),
        Some(Fault::StopReading(d)) => {
            send(WriteOp::Bytes(frame));
            return Some(d);
        }
        Some(Fault::ConnectionIdReply) => {
            let r = failure(
                conn.id,
                Status::UnexpectedFailure,
                "Malformed procedure invocation (fault injected by the test server)",
            );
            send(WriteOp::Bytes(encode(&r)))
        }
        Some(Fault::Disconnect) => send(WriteOp::BytesThenClose(Vec::new())),
    }
    None
}
