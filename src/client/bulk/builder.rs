//! [`BulkLoaderBuilder`]: the settings of a [`BulkLoader`].

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::client::Client;
use crate::error::{Error, Result};

use super::failures::RowFailure;
use super::schema::{hash_ring, TableSchema};
use super::shared::{FailureHook, Settings, Shared};
use super::{worker, BulkLoader};

/// Rows per batch unless set (as the official `csvloader`).
pub const DEFAULT_BATCH_SIZE: usize = 200;

/// Settings of a [`BulkLoader`], from [`Client::bulk_loader`].
pub struct BulkLoaderBuilder {
    client: Client,
    table: String,
    batch_size: usize,
    upsert: bool,
    flush_interval: Option<Duration>,
    max_pending_rows: Option<usize>,
    on_failure: Option<FailureHook>,
}

impl std::fmt::Debug for BulkLoaderBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BulkLoaderBuilder")
            .field("table", &self.table)
            .field("batch_size", &self.batch_size)
            .field("upsert", &self.upsert)
            .field("flush_interval", &self.flush_interval)
            .field("max_pending_rows", &self.max_pending_rows)
            .field("on_failure", &self.on_failure.is_some())
            .finish()
    }
}

impl BulkLoaderBuilder {
    pub(crate) fn new(client: Client, table: &str) -> BulkLoaderBuilder {
        BulkLoaderBuilder {
            client,
            table: table.to_string(),
            batch_size: DEFAULT_BATCH_SIZE,
            upsert: false,
            flush_interval: None,
            max_pending_rows: None,
            on_failure: None,
        }
    }

    /// Rows per batch (per partition); at least 1. Default
    /// [`DEFAULT_BATCH_SIZE`].
    pub fn batch_size(mut self, n: usize) -> Self {
        self.batch_size = n.max(1);
        self
    }

    /// Upsert (replace rows with the same primary key) instead of insert
    /// (where a duplicate key is a failure). Default: insert.
    pub fn upsert(mut self, yes: bool) -> Self {
        self.upsert = yes;
        self
    }

    /// Sends a batch that has waited this long since its first row even
    /// if it is not full (default: only full batches, and on
    /// `flush`/`close`).
    pub fn flush_interval(mut self, d: Duration) -> Self {
        self.flush_interval = Some(d);
        self
    }

    /// The most rows buffered and in flight at once; `insert` blocks while
    /// the loader holds this many (at least the batch size). Default: 64
    /// batches.
    pub fn max_pending_rows(mut self, n: usize) -> Self {
        self.max_pending_rows = Some(n);
        self
    }

    /// Calls `f` (on the loader's own thread) for each failed row, instead
    /// of collecting failures for [`BulkLoader::take_failures`].
    pub fn on_failure<F>(mut self, f: F) -> Self
    where
        F: Fn(&RowFailure) + Send + Sync + 'static,
    {
        self.on_failure = Some(Box::new(f));
        self
    }

    /// Learns the table's columns and partitioning (`@SystemCatalog
    /// COLUMNS`, and the hash ring for a partitioned table) and starts the
    /// loader's threads.
    pub fn build(self) -> Result<BulkLoader> {
        let schema = TableSchema::fetch(&self.client, &self.table)?;
        let ring = match schema.partition {
            Some(_) => Some(hash_ring(&self.client, &self.table)?),
            None => None,
        };
        let settings = Settings {
            batch_size: self.batch_size,
            upsert: self.upsert,
            flush_interval: self.flush_interval,
            max_pending: self
                .max_pending_rows
                .unwrap_or(self.batch_size.saturating_mul(64))
                .max(self.batch_size),
        };
        let (tx, rx) = mpsc::channel();
        let shared = Arc::new(Shared::new(
            self.client,
            schema,
            ring,
            settings,
            self.on_failure,
            tx,
        ));
        let threads = worker::start(&shared, rx).map_err(|e| {
            // Stops a sender thread that did start.
            shared.close();
            Error::BulkLoad {
                table: self.table.clone(),
                reason: format!("cannot start the loader's threads: {e}"),
            }
        })?;
        Ok(BulkLoader {
            shared,
            threads: Mutex::new(threads),
        })
    }
}
