//! Reading the tables of `@Statistics TOPO`, `@SystemCatalog PROCEDURES`
//! and `@SystemInformation OVERVIEW` (results and pushes alike).

use std::collections::{BTreeMap, HashMap};

use crate::error::ProtocolError;
use crate::table::VoltTable;

use super::super::routing::HashRing;
use super::{HostAddress, ProcedureInfo};

/// Finds a column by name (case-insensitive), else takes position `fallback`.
fn column(t: &VoltTable, name: &str, fallback: usize) -> Result<usize, ProtocolError> {
    if let Some(i) = t
        .columns()
        .iter()
        .position(|c| c.name.eq_ignore_ascii_case(name))
    {
        return Ok(i);
    }
    if fallback < t.column_count() {
        Ok(fallback)
    } else {
        Err(ProtocolError::Malformed("topology table: missing column"))
    }
}

/// Reads the two tables of `@Statistics TOPO 0` (or of an `ASYNC_TOPO_HANDLE`
/// push): the leader host id of every partition (the multi-partition
/// initiator included, under `MP_INIT_PID`) and the hash ring.
///
/// Rows with an empty or malformed `Sites`/`Leader` cell are transient and
/// skipped; row order does not matter. Errors: fewer than two tables, a
/// missing column, a `HASHCONFIG` that is not a raw ring (ask for
/// `TOPO` with second parameter `0`), or a ring that does not decode.
pub(crate) fn parse_topo(
    tables: &[VoltTable],
) -> Result<(BTreeMap<i32, i32>, HashRing), ProtocolError> {
    let (Some(t0), Some(t1)) = (tables.first(), tables.get(1)) else {
        return Err(ProtocolError::Malformed(
            "@Statistics TOPO: expected two tables",
        ));
    };
    let (pc, sc, lc) = (
        column(t0, "Partition", 0)?,
        column(t0, "Sites", 1)?,
        column(t0, "Leader", 2)?,
    );
    let mut leaders = BTreeMap::new();
    for row in t0.rows() {
        let Ok(Some(partition)) = row.get::<Option<i32>>(pc) else {
            continue;
        };
        let sites = row.get::<Option<&str>>(sc).ok().flatten().unwrap_or("");
        let leader = row.get::<Option<&str>>(lc).ok().flatten().unwrap_or("");
        if sites.trim().is_empty() {
            continue; // transient
        }
        if let Some(host) = leader_host(leader) {
            leaders.insert(partition, host);
        }
    }
    let cc = column(t1, "HASHCONFIG", 1)?;
    let row = t1.rows().next().ok_or(ProtocolError::Malformed(
        "@Statistics TOPO: no hash ring row",
    ))?;
    let raw = row
        .get::<Option<&[u8]>>(cc)
        .map_err(|_| ProtocolError::Malformed("@Statistics TOPO: HASHCONFIG is not VARBINARY"))?
        .ok_or(ProtocolError::Malformed(
            "@Statistics TOPO: HASHCONFIG is NULL",
        ))?;
    let ring = HashRing::from_raw_config(raw)?;
    Ok((leaders, ring))
}

/// Reads a `@SystemCatalog PROCEDURES` table (or an `ASYNC_PROC_HANDLE`
/// push): each procedure's partitioning from its `REMARKS` JSON.
/// A row whose `REMARKS` do not parse is left out (the procedure is then
/// routed round-robin); only a missing column is an error.
pub(crate) fn parse_procedures(
    table: &VoltTable,
) -> Result<HashMap<String, ProcedureInfo>, ProtocolError> {
    let nc = column(table, "PROCEDURE_NAME", 2)?;
    let rc = column(table, "REMARKS", 6)?;
    let mut out = HashMap::new();
    for row in table.rows() {
        let (Ok(Some(name)), Ok(Some(remarks))) =
            (row.get::<Option<&str>>(nc), row.get::<Option<&str>>(rc))
        else {
            continue;
        };
        if let Ok(info) = ProcedureInfo::from_remarks(remarks) {
            out.insert(name.to_string(), info);
        }
    }
    Ok(out)
}

/// Reads a `@SystemInformation OVERVIEW` table (`HOST_ID, KEY, VALUE`, rows
/// in any order): the client address (`IPADDRESS`) and port (`CLIENTPORT`)
/// of every host. Hosts without both are left out.
pub(crate) fn parse_overview(
    table: &VoltTable,
) -> Result<BTreeMap<i32, HostAddress>, ProtocolError> {
    let hc = column(table, "HOST_ID", 0)?;
    let kc = column(table, "KEY", 1)?;
    let vc = column(table, "VALUE", 2)?;
    let mut addr: BTreeMap<i32, String> = BTreeMap::new();
    let mut port: BTreeMap<i32, u16> = BTreeMap::new();
    for row in table.rows() {
        let (Ok(Some(host)), Ok(Some(key)), Ok(Some(value))) = (
            row.get::<Option<i32>>(hc),
            row.get::<Option<&str>>(kc),
            row.get::<Option<&str>>(vc),
        ) else {
            continue;
        };
        match key {
            "IPADDRESS" if !value.trim().is_empty() => {
                addr.insert(host, value.trim().to_string());
            }
            "CLIENTPORT" => {
                if let Ok(p) = value.trim().parse::<u16>() {
                    if p != 0 {
                        port.insert(host, p);
                    }
                }
            }
            _ => {}
        }
    }
    Ok(addr
        .into_iter()
        .filter_map(|(h, a)| {
            port.get(&h).map(|&p| {
                (
                    h,
                    HostAddress {
                        address: a,
                        port: p,
                    },
                )
            })
        })
        .collect())
}

/// Parses a `"hostId:siteId"` cell of `@Statistics TOPO` table 0 (a `Leader`
/// cell, or one item of a `Sites` cell split on `,`). Surrounding whitespace
/// is ignored; anything else malformed gives `None`.
///
/// ```
/// use voltdb::client::topology::parse_host_site;
/// assert_eq!(parse_host_site("2:0"), Some((2, 0)));
/// assert_eq!(parse_host_site(" 1:2"), Some((1, 2)));
/// assert_eq!(parse_host_site(""), None);
/// assert_eq!(parse_host_site("1"), None);
/// ```
pub fn parse_host_site(s: &str) -> Option<(i32, i32)> {
    let (host, site) = s.trim().split_once(':')?;
    Some((host.trim().parse().ok()?, site.trim().parse().ok()?))
}

/// The leader host id of a TOPO `Leader` cell: the number before the colon.
/// `None` for an empty (transient) or malformed cell; skip such rows.
///
/// ```
/// use voltdb::client::topology::leader_host;
/// assert_eq!(leader_host("2:0"), Some(2));
/// assert_eq!(leader_host(""), None);
/// ```
pub fn leader_host(leader: &str) -> Option<i32> {
    parse_host_site(leader).map(|(host, _)| host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_topo_needs_two_tables() {
        assert!(parse_topo(&[]).is_err());
    }

    #[test]
    fn parse_procedures_leaves_out_bad_remarks() {
        use crate::{TableBuilder, Value, VoltColumn, VoltType};
        let mut b = TableBuilder::new(vec![
            VoltColumn::new("PROCEDURE_NAME", VoltType::String),
            VoltColumn::new("REMARKS", VoltType::String),
        ]);
        b.add_row(&[
            Value::from("P"),
            Value::from(r#"{"singlePartition":false}"#),
        ])
        .unwrap();
        b.add_row(&[Value::from("Bad"), Value::from("not json")])
            .unwrap();
        let t = b.build();
        let procs = parse_procedures(&t).unwrap();
        assert_eq!(procs.len(), 1);
        assert!(!procs["P"].single_partition);
    }

    #[test]
    fn parse_overview_pairs_address_and_port() {
        use crate::{TableBuilder, Value, VoltColumn, VoltType};
        let mut b = TableBuilder::new(vec![
            VoltColumn::new("HOST_ID", VoltType::Integer),
            VoltColumn::new("KEY", VoltType::String),
            VoltColumn::new("VALUE", VoltType::String),
        ]);
        b.add_row(&[
            Value::from(1),
            Value::from("CLIENTPORT"),
            Value::from("21212"),
        ])
        .unwrap();
        b.add_row(&[
            Value::from(1),
            Value::from("IPADDRESS"),
            Value::from("10.0.0.2"),
        ])
        .unwrap();
        let t = b.build();
        let hosts = parse_overview(&t).unwrap();
        assert_eq!(hosts[&1].to_string(), "10.0.0.2:21212");
    }

    #[test]
    fn host_site_cells() {
        assert_eq!(parse_host_site("0:0"), Some((0, 0)));
        assert_eq!(parse_host_site("10:3 "), Some((10, 3)));
        assert_eq!(parse_host_site("a:1"), None);
        assert_eq!(parse_host_site("1:"), None);
        assert_eq!(parse_host_site("1:2:3"), None);
        assert_eq!(parse_host_site("99999999999:1"), None);
        assert_eq!(leader_host("3:0"), Some(3));
        assert_eq!(leader_host("  "), None);
    }

    /// Deterministic junk (xorshift) through the cell parser: no panics.
    #[test]
    fn junk_never_panics() {
        let mut next = crate::client::junk::xorshift();
        let alphabet = crate::client::junk::alphabet();
        for _ in 0..20_000 {
            let s = crate::client::junk::junk_string(&mut next, &alphabet);
            let _ = parse_host_site(&s);
        }
    }
}
