//! Bulk loading: [`BulkLoader`] batches rows per partition and writes them
//! with the server's load system procedures, as the official Java and
//! Python loaders do.
//!
//! The loader learns the table's columns, their types and the
//! partitioning column from `@SystemCatalog COLUMNS`. Each row is checked
//! against the column types when it is inserted (a bad row is refused at
//! once, naming the column), then buffered in its partition's batch (rows
//! are hashed as the server hashes them). A full batch goes out as one
//! `@LoadSinglepartitionTable(key bytes, table, upsert, rows)` call, routed
//! to the partition's leader, or for a replicated table as
//! `@LoadMultipartitionTable(table, upsert, rows)`; batches are pipelined.
//!
//! The server stores a batch whole or not at all: in insert mode one
//! duplicate key fails the batch. The loader then sends that batch's rows
//! one by one, so the good rows are stored and each failing row is
//! reported ([`RowFailure`]) with its position in the input and the
//! server's message. A batch whose connection is lost while in flight may
//! or may not be stored: its rows are reported as
//! [`FailureKind::Unknown`] and never resent, so no row is stored twice.
//!
//! ```
//! use voltdb::client::Client;
//! use voltdb::testing::{TableDef, TestServer};
//! use voltdb::VoltType;
//!
//! let server = TestServer::builder()
//!     .table(
//!         TableDef::new("PEOPLE")
//!             .column("ID", VoltType::BigInt)
//!             .column("NAME", VoltType::String)
//!             .primary_key(&["ID"])
//!             .partition_on("ID"),
//!     )
//!     .start()?;
//! let client = Client::connection("127.0.0.1", server.port())?;
//! let loader = client.bulk_loader("PEOPLE").batch_size(100).build()?;
//! for id in 0..1_000i64 {
//!     loader.insert((id, format!("person {id}")))?;
//! }
//! loader.insert((7i64, "a duplicate"))?;
//! let done = loader.close();
//! assert_eq!((done.acknowledged, done.failed), (1_000, 1));
//! let failures = loader.take_failures();
//! assert_eq!(failures[0].position, 1_000);
//! assert!(failures[0].reason().contains("CONSTRAINT VIOLATION"));
//! assert_eq!(server.table_rows("PEOPLE").unwrap().len(), 1_000);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod batch;
mod builder;
mod failures;
mod progress;
mod row;
mod schema;
mod shared;
mod worker;

use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use crate::connection::lock;
use crate::error::Result;
use crate::table::VoltColumn;

pub use builder::{BulkLoaderBuilder, DEFAULT_BATCH_SIZE};
pub use failures::{FailureKind, RowFailure};
pub use progress::Progress;
pub use row::IntoRow;

use shared::Shared;

/// Loads rows into one table in batches (see the [module documentation](self)).
///
/// Made by [`Client::bulk_loader`](crate::client::Client::bulk_loader).
/// `Send + Sync`: several threads may feed one loader (e.g. through an
/// `Arc` or scoped threads). [`close`](Self::close) (or dropping the
/// loader, which closes it) sends what is buffered and waits for every
/// row to be acknowledged or reported failed.
pub struct BulkLoader {
    shared: Arc<Shared>,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

impl std::fmt::Debug for BulkLoader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BulkLoader")
            .field("table", &self.shared.schema.name)
            .field("progress", &self.progress())
            .finish()
    }
}

impl BulkLoader {
    /// Checks a row against the column types and buffers it; returns its
    /// position in the input (0, 1, ... in the order of `insert` calls).
    ///
    /// A row that does not fit (wrong number of values, a value of the
    /// wrong type or out of range, a NULL partitioning value) is refused
    /// with [`Error::BadRow`](crate::Error::BadRow), naming the column, and
    /// nothing is buffered. Blocks while the loader holds its
    /// [maximum of pending rows](BulkLoaderBuilder::max_pending_rows).
    pub fn insert(&self, row: impl IntoRow) -> Result<u64> {
        self.shared.insert(row.into_row().as_ref())
    }

    /// Sends every buffered row and waits until no row is pending: each is
    /// acknowledged or reported failed. The loader stays open.
    pub fn flush(&self) -> Progress {
        self.shared.flush();
        self.progress()
    }

    /// Refuses further rows, sends every buffered row, waits until each is
    /// acknowledged or reported failed, and stops the loader's threads.
    /// Returns the final counts. Closing again does nothing more.
    pub fn close(&self) -> Progress {
        self.shared.close();
        for t in std::mem::take(&mut *lock(&self.threads)) {
            // A worker that panicked has nothing left to report.
            let _ = t.join();
        }
        self.progress()
    }

    /// The counters now: rows queued, sent, acknowledged and failed.
    pub fn progress(&self) -> Progress {
        self.shared.progress()
    }

    /// The failed rows reported since the last call (empty when an
    /// [`on_failure`](BulkLoaderBuilder::on_failure) callback takes them).
    pub fn take_failures(&self) -> Vec<RowFailure> {
        self.shared.take_failures()
    }

    /// The table, as the catalog spells it.
    pub fn table(&self) -> &str {
        &self.shared.schema.name
    }

    /// The table's columns, in the order `insert` takes values.
    pub fn columns(&self) -> &[VoltColumn] {
        &self.shared.schema.columns
    }

    /// True for a partitioned table, false for a replicated one.
    pub fn is_partitioned(&self) -> bool {
        self.shared.schema.partition.is_some()
    }
}

/// Closes the loader: buffered rows are sent and waited for, never
/// dropped silently. Call [`close`](BulkLoader::close) to see the counts.
impl Drop for BulkLoader {
    fn drop(&mut self) {
        self.close();
    }
}
