//! Where the cells of a table's rows are, from its column types alone
//! ([`Layout`]), and the cache of the last layout a connection parsed.

use std::sync::Arc;

use crate::wire::table::VoltColumn;
use crate::wire::types::VoltType;

/// Where a column's cell is in every row, from the column types alone.
///
/// A row's index entries are, first, where its segments start: segment 0
/// at the row's first cell, segment `k` just past its `k`-th
/// variable-length cell (only when columns follow it); then, when the
/// table keeps its text, where each VARCHAR cell starts in that text.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Place {
    pub(crate) ty: VoltType,
    /// The index entry (segment start) the cell is counted from.
    pub(super) seg: u32,
    /// Bytes from the segment start to the cell (fixed-size cells only
    /// lie between them).
    pub(super) rel: u32,
    /// VARCHARs: the index entry with where the cell starts in the
    /// table's text (when kept); 0 for the others.
    pub(super) text: u32,
    /// The cell's size when fixed; 0 for a variable-length cell.
    pub(crate) width: u32,
}

impl Place {
    /// Where the cell is in the table's bytes, for the row whose index
    /// entries are `entries`.
    #[inline]
    pub(crate) fn offset(&self, entries: &[u32]) -> Option<usize> {
        Some(*entries.get(self.seg as usize)? as usize + self.rel as usize)
    }

    /// A VARCHAR cell of `len` bytes from the table's `text` (validated as
    /// a whole), for the row whose index entries are `entries`; `None`
    /// when the cell alone is not valid UTF-8 (its ends are then not
    /// character boundaries, which `str::get` checks).
    #[inline(always)]
    pub(crate) fn text_in<'a>(
        &self,
        text: &'a str,
        entries: &[u32],
        len: usize,
    ) -> Option<&'a str> {
        let start = *entries.get(self.text as usize).filter(|_| self.text > 0)? as usize;
        text.get(start..start.checked_add(len)?)
    }
}

/// Tables with at least this many rows copy their VARCHAR bytes into one
/// string validated once; smaller ones check each VARCHAR cell when read.
pub(super) const TEXT_MIN_ROWS: usize = 8;

/// A variable-length column, as the row indexer meets it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Var {
    /// Fixed bytes between the start of its segment and its length prefix.
    pub(super) rel: u32,
    /// VARCHARs: the index entry of its text start (see [`Place::text`]).
    pub(super) text: u32,
}

/// The layout of a table's rows: its columns and where their cells are.
/// Shared by the tables of a connection with the same header (see
/// [`ColumnCache`]).
#[derive(Debug)]
pub(crate) struct Layout {
    pub(crate) columns: Box<[VoltColumn]>,
    /// By column.
    pub(crate) places: Box<[Place]>,
    /// The variable-length columns, in order.
    pub(super) vars: Box<[Var]>,
    /// Fixed bytes after the last variable-length cell (all of them when
    /// there is none).
    pub(super) tail: u32,
    /// Segment starts per row in the index (at least 1).
    pub(super) segs: usize,
    /// Number of VARCHAR columns (their text entries follow the segments).
    pub(super) strings: usize,
    /// The smallest row these columns allow, its length prefix included.
    pub(super) min_row: u64,
}

impl Layout {
    pub(super) fn new(columns: Box<[VoltColumn]>) -> Layout {
        let mut places = Vec::with_capacity(columns.len());
        let mut vars = Vec::new();
        let (mut seg, mut rel, mut fixed) = (0u32, 0u32, 0u64);
        for c in columns.iter() {
            places.push(Place {
                ty: c.ty,
                seg,
                rel,
                text: 0,
                width: c.ty.fixed_size().unwrap_or_default() as u32,
            });
            match c.ty.fixed_size() {
                Some(n) => {
                    rel += n as u32;
                    fixed += n as u64;
                }
                None => {
                    vars.push(Var { rel, text: 0 });
                    seg += 1;
                    rel = 0;
                }
            }
        }
        // A segment starts after a variable-length cell only when a column follows it.
        let segs = if columns.last().is_some_and(|c| c.ty.fixed_size().is_none()) {
            seg as usize
        } else {
            seg as usize + 1
        };
        // Text entries follow the segments, one per VARCHAR column.
        let mut strings = 0;
        let mut var = 0;
        for p in places.iter_mut() {
            if p.ty.fixed_size().is_some() {
                continue;
            }
            if p.ty == VoltType::String {
                p.text = (segs + strings) as u32;
                if let Some(v) = vars.get_mut(var) {
                    v.text = p.text;
                }
                strings += 1;
            }
            var += 1;
        }
        Layout {
            min_row: 4 + fixed + 4 * vars.len() as u64,
            columns,
            places: places.into_boxed_slice(),
            vars: vars.into_boxed_slice(),
            tail: rel,
            segs,
            strings,
        }
    }
}

/// The layout of the last table header parsed with it (see
/// [`VoltTable::parse_cached`]); headers longer than
/// [`ColumnCache::MAX_HEADER`] bytes are not kept.
#[derive(Default)]
pub(crate) struct ColumnCache {
    header: Vec<u8>,
    layout: Option<Arc<Layout>>,
}

impl ColumnCache {
    const MAX_HEADER: usize = 4096;

    pub(super) fn remember(&mut self, header: &[u8], layout: &Arc<Layout>) {
        if header.len() > Self::MAX_HEADER {
            return;
        }
        self.header.clear();
        self.header.extend_from_slice(header);
        self.layout = Some(Arc::clone(layout));
    }

    /// The cached layout when `data` holds its header at `at`, with the
    /// header's length.
    pub(super) fn lookup(&self, data: &[u8], at: usize) -> Option<(Arc<Layout>, usize)> {
        let layout = self.layout.as_ref()?;
        let key = data.get(at..at.checked_add(self.header.len())?)?;
        (key == self.header.as_slice()).then(|| (Arc::clone(layout), self.header.len()))
    }
}
