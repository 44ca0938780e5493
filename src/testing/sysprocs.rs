//! The system procedures the test server answers (docs/protocol.md#system-procedures, docs/protocol.md#topology-and-catalog-results),
//! with the table layouts of a real 11.4 server.

use std::sync::atomic::Ordering;

use crate::response::VoltResponse;
use crate::table::{TableBuilder, VoltColumn, VoltTable};
use crate::wire::response::Status;
use crate::wire::types::VoltType;
use crate::wire::value::Value;

use super::conn::Conn;
use super::dispatch::failure;
use super::node::Node;
use super::state::Cluster;
use super::status_table;
use super::topology::{partition_keys, topo_tables};
use super::{loads, tables as catalog_tables};

/// Runs system procedure `procedure` (client handle `h`, parameters `p`),
/// or `None` if the test server does not know it.
pub(crate) fn run(
    node: &Node,
    conn: &Conn,
    procedure: &str,
    h: i64,
    p: &[Value],
) -> Option<VoltResponse> {
    Some(match procedure {
        "@Ping" => {
            let mut r = tables(h, vec![status_table()]);
            r.status_string = Some("SUCCESS".into());
            r
        }
        "@SystemInformation" => system_information(node, h, p),
        "@SystemCatalog" => system_catalog(node, h, p),
        "@Statistics" => statistics(node, h, p),
        "@GetPartitionKeys" => partition_keys(node, h, p),
        "@Subscribe" => subscribe(conn, h, p),
        "@AdHoc" => adhoc(h, p),
        "@Quiesce" => tables(h, vec![status_table()]),
        "@UpdateClasses" => VoltResponse::new(h, Status::Success),
        "@LoadSinglepartitionTable" => loads::single(node, h, p),
        "@LoadMultipartitionTable" => loads::multi(node, h, p),
        _ => return None,
    })
}

fn tables(handle: i64, tables: Vec<VoltTable>) -> VoltResponse {
    let mut r = VoltResponse::new(handle, Status::Success);
    r.tables = tables;
    r
}

pub(crate) fn graceful(handle: i64, text: impl Into<String>) -> VoltResponse {
    failure(handle, Status::GracefulFailure, text)
}

/// Builds a table; the server's own tables always encode, but a failure is
/// still reported (as an error) rather than a panic.
pub(crate) fn build(
    columns: &[(&str, VoltType)],
    rows: Vec<Vec<Value>>,
) -> Result<VoltTable, String> {
    let cols = columns
        .iter()
        .map(|(n, t)| VoltColumn::new(*n, *t))
        .collect();
    let mut b = TableBuilder::new(cols);
    for row in rows {
        b.add_row(&row).map_err(|e| e.to_string())?;
    }
    Ok(b.build())
}

pub(crate) fn respond(handle: i64, t: Result<Vec<VoltTable>, String>) -> VoltResponse {
    match t {
        Ok(t) => tables(handle, t),
        Err(e) => failure(
            handle,
            Status::UnexpectedFailure,
            format!("VOLTDB ERROR: {e}"),
        ),
    }
}

/// Parameter `i` as an upper-case selector, if it is a STRING.
pub(crate) fn selector(p: &[Value], i: usize) -> Option<String> {
    match p.get(i) {
        Some(Value::String(s)) => Some(s.trim().to_ascii_uppercase()),
        _ => None,
    }
}

fn uptime(node: &Node) -> String {
    let ms = node.started.elapsed().as_millis();
    let (s, ms) = (ms / 1000, ms % 1000);
    let (m, s) = (s / 60, s % 60);
    let (h, m) = (m / 60, m % 60);
    let (d, h) = (h / 24, h % 24);
    format!("{d} days {h:02}:{m:02}:{s:02}.{ms:03}")
}

/// `@SystemInformation [OVERVIEW | DEPLOYMENT]`.
fn system_information(node: &Node, h: i64, p: &[Value]) -> VoltResponse {
    if p.len() > 1 {
        return graceful(
            h,
            format!(
                "Incorrect number of arguments to @SystemInformation (expects 0 or 1, received {})",
                p.len()
            ),
        );
    }
    let sel = if p.is_empty() {
        "OVERVIEW".to_string()
    } else {
        match selector(p, 0) {
            Some(s) => s,
            None => return graceful(h, "@SystemInformation expects a STRING selector"),
        }
    };
    match sel.as_str() {
        "OVERVIEW" => respond(h, overview(node).map(|t| vec![t])),
        "DEPLOYMENT" => respond(h, deployment(node).map(|t| vec![t])),
        other => graceful(h, format!("Invalid @SystemInformation selector {other}.")),
    }
}

/// The OVERVIEW table: for every running node, the keys of a real 11.4
/// node, in its order.
fn overview(node: &Node) -> Result<VoltTable, String> {
    let cluster = &node.cluster;
    let mut rows = Vec::new();
    let nodes = cluster.live_nodes();
    for n in &nodes {
        rows.extend(node_overview(n));
    }
    if nodes.is_empty() {
        rows.extend(node_overview(node));
    }
    build(
        &[
            ("HOST_ID", VoltType::Integer),
            ("KEY", VoltType::String),
            ("VALUE", VoltType::String),
        ],
        rows,
    )
}

fn node_overview(node: &Node) -> Vec<Vec<Value>> {
    let cluster = &node.cluster;
    let port = node.addr.port().to_string();
    let ip = node.addr.ip().to_string();
    let build_string = cluster.cfg.build_string.clone();
    let version = build_string
        .split('_')
        .next()
        .unwrap_or_default()
        .to_string();
    let start = cluster.cluster_start_ms.to_string();
    let cores = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .to_string();
    let kv: Vec<(&str, Option<String>)> = vec![
        ("IPADDRESS", Some(ip.clone())),
        ("HOSTNAME", Some("localhost".into())),
        ("CLIENTINTERFACE", Some(ip.clone())),
        ("CLIENTPORT", Some(port.clone())),
        ("ADMININTERFACE", Some(ip.clone())),
        // The test server speaks the admin protocol on its one port.
        ("ADMINPORT", Some(port)),
        ("HTTPINTERFACE", Some(ip.clone())),
        ("HTTPPORT", Some("-1".into())),
        ("INTERNALINTERFACE", Some(ip.clone())),
        ("INTERNALPORT", Some("3021".into())),
        ("ZKINTERFACE", Some(ip.clone())),
        ("ZKPORT", Some("7181".into())),
        ("DRINTERFACE", Some(ip.clone())),
        ("DRPORT", Some("5555".into())),
        ("PUBLICINTERFACE", Some(ip)),
        ("DRPUBLICINTERFACE", Some(String::new())),
        ("DRPUBLICPORT", Some("-1".into())),
        ("BUILDSTRING", Some(build_string)),
        ("VERSION", Some(version)),
        ("CATALOG", None),
        (
            "DEPLOYMENT",
            Some("/srv/voltdb/voltdbroot/config/deployment.xml".into()),
        ),
        ("CLUSTERSTATE", Some("RUNNING".into())),
        ("CLUSTERSAFETY", Some("FULL".into())),
        ("INITIALIZED", Some("true".into())),
        ("REPLICATIONROLE", Some("NONE".into())),
        ("CATALOGCRC", Some("0".into())),
        ("IV2ENABLED", Some("true".into())),
        ("STARTTIME", Some(start.clone())),
        ("CREATIONTIME", Some(start)),
        ("HOSTSTARTTIME", Some(node.started_ms.to_string())),
        ("UPTIME", Some(uptime(node))),
        ("LAST_UPDATECORE_DURATION", Some("0".into())),
        ("LOG4JPORT", Some("0".into())),
        ("PLACEMENTGROUP", Some("0".into())),
        ("PARTITIONGROUP", Some("0".into())),
        ("VOLTDBROOT", Some("/srv/voltdb/voltdbroot".into())),
        ("FULLCLUSTERSIZE", Some(cluster.cfg.hosts.to_string())),
        ("CLUSTERID", Some("0".into())),
        ("TOPICSPUBLICINTERFACE", Some(String::new())),
        ("TOPICSPUBLICPORT", Some("-1".into())),
        ("TOPICSPORT", Some("9092".into())),
        ("CPUCORES", Some(cores.clone())),
        ("CPUTHREADS", Some(cores)),
        ("MEMORY", Some("1024 MB".into())),
        ("KUBERNETES", Some("false".into())),
    ];
    let host = Value::Integer(node.host_id);
    kv.into_iter()
        .map(|(k, v)| vec![host.clone(), Value::from(k), Value::from(v)])
        .collect()
}

fn deployment(node: &Node) -> Result<VoltTable, String> {
    let mut users: Vec<&str> = node.cluster.cfg.users.keys().map(String::as_str).collect();
    users.sort_unstable();
    let rows = [
        ("adminstartup", "false".to_string()),
        ("commandlogenabled", "false".to_string()),
        ("elastic", "Enabled".to_string()),
        ("hostcount", node.cluster.cfg.hosts.to_string()),
        ("httpenabled", "false".to_string()),
        ("jsonenabled", "false".to_string()),
        ("kfactor", "0".to_string()),
        ("partitiondetection", "true".to_string()),
        (
            "sitesperhost",
            node.cluster
                .cfg
                .partitions
                .div_ceil(node.cluster.cfg.hosts.max(1) as u32)
                .to_string(),
        ),
        ("securityenabled", (!users.is_empty()).to_string()),
        ("users", users.join(",")),
        ("voltdbroot", "/srv/voltdb/voltdbroot".to_string()),
    ];
    build(
        &[("PROPERTY", VoltType::String), ("VALUE", VoltType::String)],
        rows.into_iter()
            .map(|(k, v)| vec![Value::from(k), Value::from(v)])
            .collect(),
    )
}

const CATALOG_SELECTORS: [&str; 13] = [
    "TABLES",
    "COLUMNS",
    "INDEXINFO",
    "PRIMARYKEYS",
    "PROCEDURES",
    "PROCEDURECOLUMNS",
    "FUNCTIONS",
    "TYPEINFO",
    "USERS",
    "ROLES",
    "CLASSES",
    "TASKS",
    "TOPICS",
];

/// `@SystemCatalog selector`: `PROCEDURES`, `COLUMNS` and `PRIMARYKEYS`.
fn system_catalog(node: &Node, h: i64, p: &[Value]) -> VoltResponse {
    if p.len() != 1 {
        return graceful(
            h,
            format!(
                "Incorrect number of arguments to @SystemCatalog (expects 1, received {})",
                p.len()
            ),
        );
    }
    match selector(p, 0) {
        Some(s) if s == "PROCEDURES" => tables(h, vec![procedures_table(&node.cluster)]),
        Some(s) if s == "COLUMNS" => respond(
            h,
            catalog_tables::columns_table(&node.cluster.tables).map(|t| vec![t]),
        ),
        Some(s) if s == "PRIMARYKEYS" => respond(
            h,
            catalog_tables::primary_keys_table(&node.cluster.tables).map(|t| vec![t]),
        ),
        Some(s) if CATALOG_SELECTORS.contains(&s.as_str()) => graceful(
            h,
            format!("The VoltDB test server does not implement @SystemCatalog {s}"),
        ),
        Some(s) => graceful(h, format!("Invalid @SystemCatalog selector {s}")),
        None => graceful(h, "@SystemCatalog expects a STRING selector"),
    }
}

/// The `@SystemCatalog PROCEDURES` table: the 9 JDBC columns, one row per
/// registered procedure (not system procedures), sorted by name.
pub(crate) fn procedures_table(cluster: &Cluster) -> VoltTable {
    let cols = [
        ("PROCEDURE_CAT", VoltType::String),
        ("PROCEDURE_SCHEM", VoltType::String),
        ("PROCEDURE_NAME", VoltType::String),
        ("RESERVED1", VoltType::String),
        ("RESERVED2", VoltType::String),
        ("RESERVED3", VoltType::String),
        ("REMARKS", VoltType::String),
        ("PROCEDURE_TYPE", VoltType::SmallInt),
        ("SPECIFIC_NAME", VoltType::String),
    ];
    let rows = cluster
        .catalog()
        .into_iter()
        .map(|p| {
            vec![
                Value::Null,
                Value::Null,
                Value::from(p.name()),
                Value::Null,
                Value::Null,
                Value::Null,
                Value::from(p.remarks()),
                Value::SmallInt(0),
                Value::from(p.name()),
            ]
        })
        .collect();
    build(&cols, rows).unwrap_or_else(|_| TableBuilder::new(Vec::new()).build())
}

const STATISTICS_SELECTORS: [&str; 20] = [
    "PROCEDURE",
    "PROCEDUREPROFILE",
    "PROCEDUREINPUT",
    "PROCEDUREOUTPUT",
    "TABLE",
    "INDEX",
    "MEMORY",
    "IOSTATS",
    "INITIATOR",
    "LATENCY",
    "CPU",
    "LIVECLIENTS",
    "SNAPSHOTSTATUS",
    "DR",
    "COMMANDLOG",
    "MANAGEMENT",
    "STARVATION",
    "QUEUE",
    "IDLETIME",
    "PLANNER",
];

/// `@Statistics selector [interval]`: `TOPO` and `PARTITIONCOUNT`.
fn statistics(node: &Node, h: i64, p: &[Value]) -> VoltResponse {
    if p.is_empty() || p.len() > 2 {
        return graceful(
            h,
            format!(
                "Incorrect number of arguments to @Statistics (expects 2, received {})",
                p.len()
            ),
        );
    }
    let Some(sel) = selector(p, 0) else {
        return graceful(
            h,
            "First argument to @Statistics must be a valid STRING selector",
        );
    };
    let interval = match p.get(1) {
        None => false,
        Some(Value::TinyInt(i)) => *i != 0,
        Some(Value::SmallInt(i)) => *i != 0,
        Some(Value::Integer(i)) => *i != 0,
        Some(Value::BigInt(i)) => *i != 0,
        Some(_) => return graceful(h, "Second argument to @Statistics must be a number"),
    };
    match sel.as_str() {
        "TOPO" => tables(h, topo_tables(&node.cluster, interval)),
        "PARTITIONCOUNT" => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
            let count = i32::try_from(node.cluster.cfg.partitions).unwrap_or(i32::MAX);
            respond(
                h,
                build(
                    &[
                        ("TIMESTAMP", VoltType::BigInt),
                        ("HOST_ID", VoltType::Integer),
                        ("HOSTNAME", VoltType::String),
                        ("PARTITION_COUNT", VoltType::Integer),
                    ],
                    vec![vec![
                        Value::BigInt(now),
                        Value::Integer(node.host_id),
                        Value::from("localhost"),
                        Value::Integer(count),
                    ]],
                )
                .map(|t| vec![t]),
            )
        }
        s if STATISTICS_SELECTORS.contains(&s) => graceful(
            h,
            format!("The VoltDB test server does not implement @Statistics {s}"),
        ),
        s => graceful(
            h,
            format!(
                "First argument to @Statistics must be a valid STRING selector, instead was {s}"
            ),
        ),
    }
}

/// `@Subscribe TOPOLOGY`.
fn subscribe(conn: &Conn, h: i64, p: &[Value]) -> VoltResponse {
    if p.is_empty() {
        return graceful(h, "@Subscribe expects at least one STRING: TOPOLOGY");
    }
    for i in 0..p.len() {
        match selector(p, i) {
            Some(s) if s == "TOPOLOGY" => {}
            Some(s) => {
                return graceful(
                    h,
                    format!("Invalid @Subscribe selector {s}: only TOPOLOGY is supported"),
                )
            }
            None => return graceful(h, "@Subscribe expects STRING selectors"),
        }
    }
    conn.subscribed.store(true, Ordering::SeqCst);
    VoltResponse::new(h, Status::Success)
}

/// `@AdHoc sql`: DDL (`CREATE`, `PARTITION`, `DROP`, `ALTER`) is accepted
/// and answered like a real server (one `STATUS BIGINT` = 0 table); any
/// other SQL is refused, since the test server has no SQL engine.
fn adhoc(h: i64, p: &[Value]) -> VoltResponse {
    let Some(Value::String(sql)) = p.first() else {
        return graceful(
            h,
            "@AdHoc expects a STRING SQL statement as its first parameter",
        );
    };
    let statements: Vec<&str> = sql
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let is_ddl = |s: &str| {
        let word = s
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        matches!(word.as_str(), "CREATE" | "PARTITION" | "DROP" | "ALTER")
    };
    if !statements.is_empty() && statements.iter().all(|s| is_ddl(s)) {
        return tables(h, vec![status_table()]);
    }
    graceful(
        h,
        "The VoltDB test server does not run SQL: @AdHoc accepts only DDL \
         (CREATE, PARTITION, DROP, ALTER). Register a handler for \"@AdHoc\" to answer queries.",
    )
}
