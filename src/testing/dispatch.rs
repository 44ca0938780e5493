//! One invocation: parse, pick the fault, run the procedure, send the reply.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::client::routing::HashKey;
use crate::error::ProtocolError;
use crate::response::VoltResponse;
use crate::table::VoltTable;
use crate::wire::invocation::{InvocationError, InvocationOptions, InvocationRef, ParamRef};
use crate::wire::response::{encode_response, encode_success, Status, ASYNC_TOPO_HANDLE};

use super::conn::{after, flush, send_at, Conn, WriteOp};
use super::fault::Fault;
use super::proc::{Body, CallContext, Partitioning, ProcError, ProcReply, Procedure};
use super::server::{LeaderCache, Node, ProcCache};
use super::sysprocs;

/// What the dispatcher keeps per connection, reused from call to call.
pub(crate) struct Session {
    /// The context handed to handlers: the connection's fields are set
    /// once, the call's before each call (reusing the procedure name's
    /// allocation).
    ctx: CallContext,
    /// The table bytes of an [`Body::Encoded`] procedure's reply.
    tables: Vec<u8>,
    /// Which partitions this node leads.
    leaders: LeaderCache,
    /// The procedure called last.
    procs: ProcCache,
}

impl Session {
    /// The session of connection `conn` of `node`, logged in as `username`.
    pub(crate) fn new(node: &Node, conn: &Conn, username: String) -> Session {
        Session {
            ctx: CallContext {
                connection_id: conn.id,
                procedure: String::new(),
                handle: 0,
                options: InvocationOptions::default(),
                username,
                version: 0,
                all_partition: false,
                partition: None,
                host_id: node.host_id,
            },
            tables: Vec::new(),
            leaders: LeaderCache::default(),
            procs: ProcCache::default(),
        }
    }
}

/// A procedure's answer: a response, or (from an encoded procedure) a
/// `SUCCESS` with `count` tables whose bytes are in [`Session::tables`].
enum Reply {
    /// Boxed: replies move through a few calls, and this is the rare kind.
    Response(Box<VoltResponse>),
    Tables {
        handle: i64,
        count: i16,
    },
}

impl Reply {
    fn response(r: VoltResponse) -> Reply {
        Reply::Response(Box::new(r))
    }

    /// The response (the tables parsed back from their bytes).
    fn into_response(self, tables: &[u8]) -> VoltResponse {
        match self {
            Reply::Response(r) => *r,
            Reply::Tables { handle, count } => {
                let mut resp = VoltResponse::new(handle, Status::Success);
                let buf = Arc::new(tables.to_vec());
                let mut pos = 0;
                for _ in 0..count {
                    match VoltTable::parse(&buf, pos) {
                        Ok((t, next)) => {
                            resp.tables.push(t);
                            pos = next;
                        }
                        // The server's own tables always parse.
                        Err(e) => {
                            return failure(
                                handle,
                                Status::UnexpectedFailure,
                                format!("VOLTDB ERROR: {e}"),
                            )
                        }
                    }
                }
                resp
            }
        }
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

/// Handles one invocation frame body. Returns how long to stop reading
/// this connection ([`Fault::StopReading`]).
pub(crate) fn handle(
    node: &Arc<Node>,
    conn: &Arc<Conn>,
    session: &mut Session,
    body: &[u8],
    batch: &mut Vec<u8>,
) -> Option<Duration> {
    node.count_call();
    let received = Instant::now();
    // The parameters, decoded once while they are checked (a call with
    // more of them decodes them again, allocating).
    let mut head: [ParamRef<'_>; INLINE_PARAMS] = Default::default();
    match InvocationRef::parse_into(body, &mut head) {
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
            let reply = Reply::response(params_failure(handle, &error));
            deliver(node, conn, reply, None, fault, received, &[], batch)
        }
        Ok(inv) => {
            let fault = node.take_fault(inv.procedure);
            if let Some(Fault::Fail(status, message)) = fault {
                let reply = Reply::response(failure(inv.handle, status, message));
                return deliver(node, conn, reply, None, None, received, &[], batch);
            }
            let (reply, delay) = execute(node, conn, session, &inv, &head);
            deliver(
                node,
                conn,
                reply,
                delay,
                fault,
                received,
                &session.tables,
                batch,
            )
        }
    }
}

fn execute(
    node: &Node,
    conn: &Conn,
    session: &mut Session,
    inv: &InvocationRef<'_>,
    head: &[ParamRef<'_>],
) -> (Reply, Option<Duration>) {
    let Session {
        ctx,
        tables,
        leaders,
        procs,
    } = session;
    if let Some(p) = node.procedure(inv.procedure, procs) {
        return run_procedure(node, ctx, tables, leaders, inv, head, p);
    }
    if inv.procedure.starts_with('@') {
        let params = match inv.params.to_values() {
            Ok(params) => params,
            Err(e) => return (Reply::response(params_failure(inv.handle, &e)), None),
        };
        if let Some(resp) = sysprocs::run(node, conn, inv.procedure, inv.handle, &params) {
            return (Reply::response(resp), None);
        }
    }
    let text = format!("Procedure {} was not found", inv.procedure);
    let resp = failure(inv.handle, Status::UnexpectedFailure, text);
    (Reply::response(resp), None)
}

/// The reply to parameters that cannot be read.
fn params_failure(handle: i64, error: &ProtocolError) -> VoltResponse {
    failure(
        handle,
        Status::GracefulFailure,
        format!("Exception while deserializing procedure params\n{error}"),
    )
}

/// Up to this many parameters are collected on the stack.
const INLINE_PARAMS: usize = 4;

fn run_procedure(
    node: &Node,
    ctx: &mut CallContext,
    tables: &mut Vec<u8>,
    leaders: &mut LeaderCache,
    inv: &InvocationRef<'_>,
    head: &[ParamRef<'_>],
    p: &Procedure,
) -> (Reply, Option<Duration>) {
    let h = inv.handle;
    let name = inv.procedure;
    // `head` holds them all, or they are many (and allocating is fine).
    let heap: Vec<ParamRef<'_>>;
    let params: &[ParamRef<'_>] = match head.get(..inv.params.len()) {
        Some(all) => all,
        None => {
            heap = inv.params.iter().collect();
            &heap
        }
    };
    // Leading parameters the handler does not see.
    let mut skip = 0;
    let destination = inv.options.partition_destination;
    let fail = |status, text: String| (Reply::response(failure(h, status, text)), None);
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
    let partition = match p.partitioning {
        Partitioning::Single { parameter, ty } => match destination {
            Some(d) if parameter == 0 => Some(d),
            Some(_) => {
                return fail(
                    Status::GracefulFailure,
                    format!("Procedure {name} is not partitioned on parameter 0 and cannot be sent to a partition destination"),
                )
            }
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
                if p.read_only && matches!(key, ParamRef::Null) {
                    return fail(
                        Status::GracefulFailure,
                        "Illegal partition parameter. Value cannot be null".to_string(),
                    );
                }
                Some(node.cluster.ring.partition_for(
                    ty,
                    // A value of no hashable type hashes as NULL (§9.3).
                    key.hash_key().unwrap_or(HashKey::Null),
                ))
            }
        },
        Partitioning::Directed => {
            let Some(d) = destination else {
                return fail(
                    Status::GracefulFailure,
                    format!("Procedure {name} is a work procedure and needs to be invoked appropriately, with a partition destination"),
                );
            };
            if inv.all_partition && !params.is_empty() {
                skip = 1;
            }
            Some(d)
        }
        Partitioning::Multi => {
            if destination.is_some() {
                return fail(
                    Status::GracefulFailure,
                    format!("Procedure {name} is not partitioned on parameter 0 and cannot be sent to a partition destination"),
                );
            }
            None
        }
    };
    let count = params.len() - skip;
    if let Some(n) = p.param_count {
        if count != n {
            return fail(
                Status::GracefulFailure,
                format!("VOLTDB ERROR: PROCEDURE {name} EXPECTS {n} PARAMS, BUT RECEIVED {count}"),
            );
        }
    }
    if let Some(p) = partition {
        node.record_partition(p, leaders);
    }
    ctx.procedure.clear();
    ctx.procedure.push_str(name);
    ctx.handle = h;
    ctx.options = inv.options;
    ctx.version = inv.version;
    ctx.all_partition = inv.all_partition;
    ctx.partition = partition;
    let ctx = &*ctx;
    tables.clear();
    let args = &params[skip..];
    let outcome = match &p.body {
        Body::Reply(handler) => {
            let values = match args
                .iter()
                .map(ParamRef::to_value)
                .collect::<Result<Vec<_>, _>>()
            {
                Ok(v) => v,
                Err(e) => return (Reply::response(params_failure(h, &e)), None),
            };
            catch_unwind(AssertUnwindSafe(|| {
                handler(ctx, &values).map(|r| reply_response(h, r))
            }))
        }
        Body::Encoded(handler) => catch_unwind(AssertUnwindSafe(|| {
            handler(ctx, args, tables).map(|count| (Reply::Tables { handle: h, count }, None))
        })),
    };
    match outcome {
        Ok(Ok(reply)) => reply,
        Ok(Err(e)) => (Reply::response(error_response(h, e)), None),
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            fail(
                Status::UnexpectedFailure,
                format!("VOLTDB ERROR: UNEXPECTED FAILURE: procedure {name} panicked: {what}"),
            )
        }
    }
}

fn reply_response(handle: i64, r: ProcReply) -> (Reply, Option<Duration>) {
    let mut resp = VoltResponse::new(handle, r.status);
    resp.status_string = r.status_string;
    resp.app_status = r.app_status;
    resp.app_status_string = r.app_status_string;
    resp.tables = r.tables;
    (Reply::response(resp), r.delay)
}

fn error_response(handle: i64, e: ProcError) -> VoltResponse {
    let mut resp = failure(handle, e.status, e.message);
    resp.app_status = e.app_status;
    resp.app_status_string = e.app_status_string;
    resp
}

/// Sends `reply` (after `delay`, if any) with `fault` applied; `tables`
/// holds the bytes of a [`Reply::Tables`]. Returns the pause of
/// [`Fault::StopReading`]. Bytes to send now are appended to `batch`
/// (written by the reader thread); anything else is queued for the writer
/// thread, after `batch` is written (so the order is kept).
#[allow(clippy::too_many_arguments)]
fn deliver(
    node: &Node,
    conn: &Conn,
    reply: Reply,
    delay: Option<Duration>,
    fault: Option<Fault>,
    received: Instant,
    tables: &[u8],
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
    if at.is_none() && matches!(fault, None | Some(Fault::Delay(_))) {
        // The common case: no fault, no delay.
        match reply {
            Reply::Response(mut resp) => {
                resp.cluster_round_trip_ms = round_trip_ms;
                encode_response(&resp, batch);
            }
            Reply::Tables { handle, count } => {
                encode_success(handle, round_trip_ms, count, tables, batch);
            }
        }
        return None;
    }
    let mut resp = reply.into_response(tables);
    resp.cluster_round_trip_ms = round_trip_ms;
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
            push.tables = sysprocs::topo_tables(&node.cluster, false);
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
