//! Running a procedure once on every partition (the Python client's
//! `call_all_partitions`).

use crate::error::{Error, ProtocolError, Result};
use crate::response::VoltResponse;
use crate::wire::invocation::encode_invocation;
use crate::wire::types::VoltType;
use crate::wire::value::Value;

use super::call_options::CallOptions;
use super::dispatch::{self, deadline_after};
use super::shared::Shared;
use crate::connection::lock;

/// One partition's outcome of [`Client::call_all_partitions`](super::Client::call_all_partitions)
/// (the Python `VoltClient`'s `PartitionCallResult`).
#[derive(Debug)]
#[non_exhaustive]
pub struct PartitionCallResult {
    /// The partition the call ran on (its `PARTITION_DESTINATION`).
    pub partition_id: i32,
    /// The key `@GetPartitionKeys` gave for it, sent as the first parameter.
    pub partition_key: Value,
    /// The partition's response, or the error a plain
    /// [`Client::call`](super::Client::call) would have returned:
    /// [`Error::Server`] for a status other than `SUCCESS` (with the
    /// response inside), a timeout, a lost connection, no connection, ...
    pub result: Result<VoltResponse>,
}

impl PartitionCallResult {
    /// True when the partition answered with `SUCCESS`.
    pub fn is_ok(&self) -> bool {
        self.result.is_ok()
    }
}

fn invalid(msg: String) -> Error {
    Error::InvalidArgument(msg)
}

/// Runs `procedure` once on every partition: one key
/// per partition from `@GetPartitionKeys` (of the partition column's
/// type when the catalog gives STRING or VARBINARY, else INTEGER), then one version-2
/// invocation per partition with `ALL_PARTITION` +
/// `PARTITION_DESTINATION` and the key prepended to `params`, each sent
/// to its partition's leader; all are pipelined, then awaited.
pub(super) fn call_all_partitions(
    shared: &Shared,
    procedure: &str,
    params: &[Value],
    opts: &CallOptions,
) -> Result<Vec<PartitionCallResult>> {
    if shared.is_closed() {
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
    if let Some(c) = &shared.cluster {
        if let Some(info) = lock(&c.topology).procedure(procedure) {
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
            shared.config.frame_cap,
        )?;
    }
    let timeout = opts.timeout.unwrap_or(shared.config.call_timeout);
    let deadline = deadline_after(timeout);
    let keys_call = "@GetPartitionKeys";
    let key_name = match key_type {
        VoltType::String => "STRING",
        VoltType::Varbinary => "VARBINARY",
        _ => "INTEGER",
    };
    let f = dispatch::start_call(
        shared,
        keys_call,
        &[Value::from(key_name)],
        &CallOptions::default(),
        timeout,
        deadline,
        false,
    )?;
    let r = dispatch::finish_call(shared, keys_call, f)?.ok()?;
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
            let sent = dispatch::start_call(shared, procedure, &all, &o, timeout, deadline, true);
            (partition, key, sent)
        })
        .collect();
    Ok(legs
        .into_iter()
        .map(|(partition_id, partition_key, sent)| PartitionCallResult {
            partition_id,
            partition_key,
            result: sent
                .and_then(|f| dispatch::finish_call(shared, procedure, f))
                .and_then(VoltResponse::ok),
        })
        .collect())
}
