//! The rows waiting to be sent: one open batch per partition (one in all
//! for a replicated table), each a table being built.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::table::{TableBuilder, VoltColumn, VoltTable};

/// The partition id used for a replicated table's one batch.
pub(crate) const REPLICATED: i32 = -1;

/// Rows for one partition: the table being built and each row's position
/// in the input.
pub(crate) struct Batch {
    pub(crate) rows: TableBuilder,
    pub(crate) positions: Vec<u64>,
    /// The partition parameter of `@LoadSinglepartitionTable` (any row's
    /// key bytes: all rows hash to the same partition). `None`: replicated.
    pub(crate) key: Option<Vec<u8>>,
    /// When the first row came, for the flush interval.
    pub(crate) started: Instant,
}

/// A batch on its way: the encoded table and its rows' positions.
pub(crate) struct SentBatch {
    pub(crate) table: VoltTable,
    pub(crate) positions: Vec<u64>,
    pub(crate) key: Option<Vec<u8>>,
}

impl Batch {
    /// The table to send.
    pub(crate) fn seal(self) -> SentBatch {
        SentBatch {
            table: self.rows.build(),
            positions: self.positions,
            key: self.key,
        }
    }
}

/// The open batches, by partition.
pub(crate) struct Batches {
    columns: Vec<VoltColumn>,
    open: HashMap<i32, Batch>,
}

impl Batches {
    pub(crate) fn new(columns: Vec<VoltColumn>) -> Batches {
        Batches {
            columns,
            open: HashMap::new(),
        }
    }

    /// The open batch of `partition`, opened with `key()` if there is none.
    pub(crate) fn open(
        &mut self,
        partition: i32,
        key: impl FnOnce() -> Option<Vec<u8>>,
    ) -> &mut Batch {
        let columns = &self.columns;
        self.open.entry(partition).or_insert_with(|| Batch {
            rows: TableBuilder::new(columns.clone()),
            positions: Vec::new(),
            key: key(),
            started: Instant::now(),
        })
    }

    /// Closes the batch of `partition`.
    pub(crate) fn take(&mut self, partition: i32) -> Option<Batch> {
        self.open.remove(&partition)
    }

    /// Closes every batch that has rows (all of them with `older_than`
    /// `None`, else those whose first row came at least that long ago).
    pub(crate) fn take_all(&mut self, older_than: Option<Duration>) -> Vec<Batch> {
        let due: Vec<i32> = self
            .open
            .iter()
            .filter(|(_, b)| !b.positions.is_empty())
            .filter(|(_, b)| older_than.map_or(true, |age| b.started.elapsed() >= age))
            .map(|(&p, _)| p)
            .collect();
        due.into_iter()
            .filter_map(|p| self.open.remove(&p))
            .collect()
    }
}
