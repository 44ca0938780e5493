//! An in-process VoltDB server for tests (feature `test-server`).
//!
//! [`TestServer`] listens on `127.0.0.1` and speaks the VoltDB wire protocol
//! with the same codec as the client ([`crate::wire`]), so applications and
//! client code can be tested without a VoltDB installation. It behaves like
//! a real 11.4 node where a client can tell (docs/protocol.md#what-the-test-server-must-do, checked
//! against recordings of a real server):
//!
//! * **Login** (docs/protocol.md#login): scheme byte (unknown → code 3), digest length (wrong →
//!   −1), service (not `database` → 5), and with [users](TestServerBuilder::user)
//!   the user name and the SHA-256 or SHA-1 digest of the password (→ −1);
//!   legacy version-0 logins are accepted. Rejections are followed by a
//!   close; at the [connection limit](TestServerBuilder::max_connections) a
//!   new connection gets the single unframed byte `0x01` and is closed; a
//!   connection that sends no login within the
//!   [login timeout](TestServerBuilder::login_timeout) is closed.
//! * **Framing** (docs/protocol.md#framing, docs/protocol.md#real-server-behaviour): a frame length `<= 0` or above 50 MiB closes the
//!   connection without a message, checked only once more than 4 bytes are
//!   buffered; an unparseable invocation header gets `UNEXPECTED_FAILURE`
//!   with the connection id as handle; bad parameters get `GRACEFUL_FAILURE`
//!   with the caller's handle. Invocation versions 0, 1 and 2 are read,
//!   unknown extensions skipped.
//! * **Pipelining**: any number of calls per connection; replies are written
//!   in completion order, matched by handle.
//! * **System procedures**: `@Ping`, `@SystemInformation` (`OVERVIEW`,
//!   `DEPLOYMENT`), `@SystemCatalog` (`PROCEDURES`, and `COLUMNS` /
//!   `PRIMARYKEYS` of the [tables](TableDef)), `@LoadSinglepartitionTable` and
//!   `@LoadMultipartitionTable` (all rows or none, a duplicate key or a row
//!   of another partition failing the call with a constraint violation),
//!   `@Statistics` (`TOPO` with
//!   interval 0 or 1, `PARTITIONCOUNT`), `@GetPartitionKeys`, `@Subscribe
//!   TOPOLOGY`, `@AdHoc` (DDL only, unless a handler for `@AdHoc` is
//!   registered), `@Quiesce`, `@UpdateClasses`. Unknown procedures get
//!   `UNEXPECTED_FAILURE` "Procedure X was not found".
//! * **Built-in procedures** (shared in-memory state per server):
//!   HelloWorld `Insert(hello, world, dialect)` / `Select(dialect)`,
//!   key-value `Put(key, value)` / `Get(key)` / `Remove(key)`, `Echo(...)`
//!   (returns its parameters as a table, for type round trips) and
//!   `Sleep(ms)` (replies after `ms` without holding up the connection).
//!   Their signatures are documented on [`TestServerBuilder::helloworld`],
//!   [`TestServerBuilder::kv`] and in the table below.
//! * **Your procedures**: [`TestCluster::register`] /
//!   [`register_procedure`](TestCluster::register_procedure) with a closure
//!   `Fn(&CallContext, &[Value]) -> ProcResult`, optionally with a declared
//!   parameter count and partitioning ([`Procedure`]), which
//!   `@SystemCatalog PROCEDURES` reports.
//! * **Faults** ([`Fault`]): delayed, missing, duplicated, misaddressed,
//!   garbled or dripped replies, closes inside a frame, unsolicited pushes,
//!   and more, each applied to one call ([`TestCluster::inject`],
//!   [`TestCluster::inject_for`]).
//! * **Clusters** ([`TestCluster`], from
//!   [`TestServerBuilder::start_cluster`]): several nodes on their own ports
//!   sharing one catalog and data set, with partition leaders spread over
//!   the nodes in `@Statistics TOPO`, for testing pools and client affinity;
//!   nodes can be killed and restarted (rejoining with a new host id),
//!   partition leaders moved (with a topology push), and each node counts
//!   the partitions it served and the calls it served without leading their
//!   partition.
//!
//! | procedure | parameters | result |
//! |-----------|------------|--------|
//! | `Insert` | `STRING hello, STRING world, STRING dialect` (partitioned on `dialect`) | `modified_tuples` = 1; a duplicate `dialect` gets `GRACEFUL_FAILURE` "… CONSTRAINT VIOLATION …" |
//! | `Select` | `STRING dialect` | `HELLO STRING, WORLD STRING`, 0 or 1 row |
//! | `Put` | `STRING key, VARBINARY or STRING value` (partitioned on `key`) | upsert, `modified_tuples` = 1 |
//! | `Get` | `STRING key` | `KEY STRING, VALUE VARBINARY`, 0 or 1 row |
//! | `Remove` | `STRING key` | `modified_tuples` = 0 or 1 |
//! | `Echo` | anything | one row, a column `P<i>` of the parameter's type per scalar parameter; then one table per array parameter (column `P<i>`, a row per element) |
//! | `Sleep` | `INTEGER ms` | no tables, after `ms` milliseconds |
//!
//! # Writing a procedure
//!
//! A handler receives the call's [`CallContext`] and its parameters as
//! `&[Value]`, each of the type the client sent. Read them either with the
//! context's typed helpers, which convert as a real server does and answer
//! a parameter that does not convert (or is missing) with the server's own
//! `GRACEFUL_FAILURE` "TYPE ERROR FOR PARAMETER n" — return their error with
//! `?` — or with [`Value`]'s accessors (`as_i64` for any integer width,
//! `as_f64`, `as_str`, `as_bytes`, `as_bool`, `as_timestamp`, `as_decimal`,
//! ...), which return `None` for NULL or another type:
//!
//! | helper | gives | takes |
//! |---|---|---|
//! | [`ctx.string_param(params, i)`](CallContext::string_param) | `Option<String>` | STRING, UTF-8 VARBINARY or TINYINT array, NULL |
//! | [`ctx.int_param(params, i)`](CallContext::int_param) | `Option<i64>` | any integer, a STRING holding one, NULL |
//! | [`ctx.bytes_param(params, i)`](CallContext::bytes_param) | `Option<Vec<u8>>` | VARBINARY, TINYINT array, NULL |
//! | [`ctx.type_error(i, detail)`](CallContext::type_error) | the error itself | (for checks of your own) |
//!
//! ```
//! use voltdb::testing::{table, ProcReply, TestServer};
//! use voltdb::{FastSerializer, Value, VoltProcedure, VoltType};
//!
//! let server = TestServer::start()?;
//! server.register("Greet", |ctx, params| {
//!     let name = ctx.string_param(params, 0)?.unwrap_or_default();
//!     let times = ctx.int_param(params, 1)?.unwrap_or(1);
//!     // The same, with the accessors (None for NULL or another type):
//!     assert_eq!(params[1].as_i64(), Some(times));
//!     let text = format!("hello {name}").repeat(times as usize);
//!     Ok(ProcReply::table(table(&[("T", VoltType::String)], &[vec![Value::from(text)]])?))
//! });
//! let db = FastSerializer::new("127.0.0.1", server.port())?;
//! let r = db.call("Greet", &[Value::from("Ann"), Value::from(2u8)])?;
//! assert_eq!(r.tables[0].scalar::<String>()?, "hello Annhello Ann");
//! // A parameter that does not convert gets the server's error (read here
//! // from the response, which the Python-shaped `VoltProcedure::call` returns).
//! let greet = VoltProcedure::new(&db, "Greet", vec![VoltType::String, VoltType::Float]);
//! let r = greet.call(&[Value::from("Ann"), Value::from(2.5)], true, None)?.unwrap();
//! assert!(r.status_string.unwrap().contains("TYPE ERROR FOR PARAMETER 1"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Threads and timing
//!
//! One acceptor thread, and per connection a reader thread and a writer
//! thread. Procedures run on the connection's reader thread in arrival
//! order, so calls of one connection see each other's effects in order; a
//! reply that should come late ([`ProcReply::delayed`], `Sleep`,
//! [`Fault::Delay`]) is timed by the writer thread and does not hold up
//! later calls. Every blocking operation of a connection wakes up at least
//! every 20 ms, and the acceptor, which waits in `accept` (an idle server
//! costs no CPU), is woken by a connection the shutdown makes, so
//! [`TestCluster::shutdown`] (also run on drop) completes quickly.
//!
//! # Example: unit-testing an application against the server
//!
//! The application below talks to VoltDB through a
//! [`FastSerializer`](crate::FastSerializer); the test checks its happy path
//! and its handling of a server that is unavailable (an injected fault).
//!
//! ```
//! use voltdb::testing::{Fault, ProcReply, TestServer};
//! use voltdb::{FastSerializer, Status, Value};
//!
//! // --- the application under test ---------------------------------------
//! /// Records a vote; returns the number of rows inserted.
//! fn vote(db: &FastSerializer, phone: i64, contestant: i32) -> voltdb::Result<i64> {
//!     let resp = db.call("Vote", &[Value::from(phone), Value::from(contestant)])?.ok()?;
//!     Ok(resp.tables[0].scalar::<i64>()?)
//! }
//!
//! // --- the test -----------------------------------------------------------
//! let server = TestServer::start()?;
//! server.register("Vote", |_ctx, params| {
//!     assert_eq!(params.len(), 2);
//!     Ok(ProcReply::modified_tuples(1))
//! });
//! let db = FastSerializer::new("127.0.0.1", server.port())?;
//!
//! assert_eq!(vote(&db, 5551234567, 2)?, 1);
//!
//! server.inject(Fault::Fail(Status::ServerUnavailable, "paused".into()));
//! let err = vote(&db, 5551234567, 2).unwrap_err();
//! assert!(err.to_string().contains("SERVER_UNAVAILABLE"), "{err}");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Standalone
//!
//! `cargo run --example test-server --features test-server -- --port 21212
//! [--user NAME:PASSWORD]...` serves until killed, so any client (the
//! Python one included) can be pointed at it.

mod accept;
mod builder;
mod builtins;
mod cluster;
mod conn;
mod dispatch;
mod fault;
mod gzip;
mod input;
mod loads;
mod node;
mod proc;
mod server;
mod shape;
mod state;
mod sysprocs;
mod tables;
#[cfg(feature = "tls")]
mod tls;
mod topology;

use std::io::{self, Read};

pub use crate::wire::invocation::parse::{Invocation, InvocationError};
/// The wire form of invocations, for tests that send or read them raw:
/// [`encode_invocation`] appends a framed invocation, and
/// [`InvocationOptions`] holds the server-side options of a call as they
/// travel (clients set them through [`CallOptions`](crate::client::CallOptions);
/// the test server reports them as parsed, in [`CallContext::options`] and
/// [`Invocation::options`]).
pub use crate::wire::invocation::{encode_invocation, InvocationOptions};
pub use builder::{TestServerBuilder, DEFAULT_BUILD_STRING};
pub use cluster::TestCluster;
pub use fault::Fault;
pub use proc::{CallContext, Partitioning, ProcError, ProcReply, ProcResult, Procedure};
pub use server::TestServer;
pub use tables::TableDef;

use crate::error::EncodeError;
use crate::table::{TableBuilder, VoltColumn, VoltTable};
use crate::wire::types::VoltType;
use crate::wire::value::Value;

/// Builds a table from column `(name, type)` pairs and rows of values
/// (converted exactly to the column types).
///
/// ```
/// use voltdb::testing::table;
/// use voltdb::{Value, VoltType};
/// let t = table(&[("ID", VoltType::Integer), ("NAME", VoltType::String)],
///               &[vec![Value::from(1), Value::from("alice")]]).unwrap();
/// assert_eq!(t.row_count(), 1);
/// ```
pub fn table(columns: &[(&str, VoltType)], rows: &[Vec<Value>]) -> Result<VoltTable, EncodeError> {
    let mut b = TableBuilder::new(
        columns
            .iter()
            .map(|(n, t)| VoltColumn::new(*n, *t))
            .collect(),
    );
    for row in rows {
        b.add_row(row)?;
    }
    Ok(b.build())
}

/// The one-row `STATUS BIGINT` = 0 table of `@Ping`, `@Quiesce` and DDL.
pub fn status_table() -> VoltTable {
    let mut b = TableBuilder::new(vec![VoltColumn::new("STATUS", VoltType::BigInt)]);
    let _ = b.add_row(&[Value::BigInt(0)]);
    b.build()
}

/// The one-row `modified_tuples BIGINT` table of DML, with the table status
/// byte `0` a real server writes for single-partition DML.
///
/// ```
/// let t = voltdb::testing::modified_tuples_table(3);
/// assert_eq!(t.scalar::<i64>().unwrap(), 3);
/// assert_eq!(t.status(), 0);
/// ```
pub fn modified_tuples_table(n: i64) -> VoltTable {
    let mut b =
        TableBuilder::new(vec![VoltColumn::new("modified_tuples", VoltType::BigInt)]).status(0);
    // A count is never the BIGINT NULL sentinel; clamp just in case.
    let _ = b.add_row(&[Value::BigInt(n.max(i64::MIN + 1))]);
    b.build()
}

/// Reads one frame from `r` (blocking) and returns its body: a small helper
/// for raw-protocol tests. A length outside `1..=50 MiB` is an
/// [`io::ErrorKind::InvalidData`] error; EOF is
/// [`io::ErrorKind::UnexpectedEof`].
pub fn read_frame<R: Read>(r: &mut R) -> io::Result<Vec<u8>> {
    let mut len = [0u8; 4];
    r.read_exact(&mut len)?;
    let n =
        crate::wire::check_frame_length(i32::from_be_bytes(len), crate::wire::DEFAULT_FRAME_CAP)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    let mut body = Vec::new();
    r.take(n as u64).read_to_end(&mut body)?;
    if body.len() != n {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    Ok(body)
}
