//! The row index: one pass over a table's rows that checks that every
//! cell fits its row and notes where the cells are (see [`Place`](super::Place)).

use crate::error::ProtocolError;
use crate::wire::reader::Reader;
use crate::wire::table::layout::{Layout, TEXT_MIN_ROWS};
use crate::wire::value::skip_value;

/// A table's row index, its entries per row, and its kept text.
pub(super) type Indexed = (Vec<u32>, usize, Option<Box<str>>);

/// The index of the `nrows` rows that start at `pos` in `data` (see
/// [`Place`](super::Place)), its entries per row and, in tables of [`TEXT_MIN_ROWS`]
/// rows or more with VARCHARs, their text; or what is wrong with the
/// first row whose cells do not exactly fill it.
// Not inlined into the table parse: inlined, its loop compiled to about 5%
// more instructions per row.
#[inline(never)]
pub(super) fn index_rows(
    data: &[u8],
    mut pos: usize,
    nrows: usize,
    layout: &Layout,
) -> Result<Indexed, ProtocolError> {
    let keep_text = nrows >= TEXT_MIN_ROWS && layout.strings > 0;
    let stride = layout.segs + if keep_text { layout.strings } else { 0 };
    // Every row at its smallest must fit before the index is allocated:
    // then it takes at most 2 bytes of index per byte of rows (a row has 4
    // bytes of length and 4 per variable-length cell, which has at most
    // two entries), and the text at most the rows' bytes.
    let rows = data.len() - pos;
    let rows_fit = (nrows as u64).saturating_mul(layout.min_row) <= rows as u64;
    let mut index = vec![0u32; if rows_fit { nrows * stride } else { 0 }];
    let mut text = Vec::with_capacity(if rows_fit && keep_text {
        rows + TEXT_CHUNK
    } else {
        0
    });
    let mut entries = index.chunks_exact_mut(stride);
    for row in 0..nrows {
        match entries
            .next()
            .and_then(|e| index_row(data, pos, layout, e, keep_text, &mut text))
        {
            Some(next) => pos = next,
            None => return Err(row_error(data, pos, nrows - row, layout)),
        }
    }
    // VARCHARs that are valid UTF-8 as a whole (almost always) are kept.
    let text = if keep_text {
        String::from_utf8(text).ok().map(String::into_boxed_str)
    } else {
        None
    };
    Ok((index, stride, text))
}

/// Indexes the row (`i32` length, then the cells) at `pos` into `entries`:
/// where its segments start and, when `keep_text`, where each VARCHAR
/// cell starts in `text`, to which the cell's bytes are appended. Only the
/// length prefixes are read: the fixed-size cells between them are
/// skipped at once. Returns the offset past the row, or `None` when the
/// cells do not exactly fill it.
#[inline(always)]
fn index_row(
    data: &[u8],
    pos: usize,
    layout: &Layout,
    entries: &mut [u32],
    keep_text: bool,
    text: &mut Vec<u8>,
) -> Option<usize> {
    let len = i32::from_be_bytes(*data.get(pos..)?.first_chunk::<4>()?);
    let start = pos + 4;
    let row_end = start.checked_add(usize::try_from(len).ok()?)?;
    let row = data.get(start..row_end)?;
    let (segs, starts) = entries.split_at_mut(layout.segs.min(entries.len()));
    *segs.first_mut()? = start as u32;
    // Offset in `row`.
    let mut p = 0;
    for (k, v) in layout.vars.iter().enumerate() {
        let at = p + v.rel as usize;
        let n = i32::from_be_bytes(*row.get(at..)?.first_chunk::<4>()?);
        p = at + 4;
        if n < -1 {
            return None;
        }
        let cell = row.get(p..)?.get(..n.max(0) as usize)?;
        if keep_text && v.text > 0 {
            *starts.get_mut(v.text as usize - segs.len())? = text.len() as u32;
            keep_cell(text, data, start + p, cell);
        }
        p += cell.len();
        if let Some(s) = segs.get_mut(k + 1) {
            *s = (start + p) as u32;
        }
    }
    (p + layout.tail as usize == row.len()).then_some(row_end)
}

/// Bytes copied at once for a short VARCHAR kept in the table's text.
const TEXT_CHUNK: usize = 128;

/// Appends `cell`, which starts at `at` in `data`, to `text`: a cell of at
/// most [`TEXT_CHUNK`] bytes as the whole chunk that starts with it, then
/// cut to its length. A copy of fixed size has no size-dependent branches
/// (mispredicted for cells of varied lengths): half the parse time of the
/// codec bench's table.
#[inline(always)]
fn keep_cell(text: &mut Vec<u8>, data: &[u8], at: usize, cell: &[u8]) {
    let kept = text.len() + cell.len();
    match data.get(at..at + TEXT_CHUNK) {
        Some(chunk) if cell.len() <= TEXT_CHUNK => text.extend_from_slice(chunk),
        _ => text.extend_from_slice(cell),
    }
    text.truncate(kept);
}

/// What is wrong with the `nrows` rows at `pos`, the first of which
/// [`index_row`] refused: the first error of a cell-by-cell walk.
#[cold]
pub(super) fn row_error(data: &[u8], pos: usize, nrows: usize, layout: &Layout) -> ProtocolError {
    let walk = || {
        let mut r = Reader::new(data);
        r.skip(pos, "row")?;
        for _ in 0..nrows {
            let len = r.read_size("row length")?;
            let row_end = r.position() + len;
            for c in layout.columns.iter() {
                skip_value(&mut r, c.ty)?;
            }
            if r.position() != row_end {
                return Err(ProtocolError::Malformed("row length"));
            }
        }
        Ok(())
    };
    // A walk that finds nothing wrong (not expected: a row the indexer
    // refuses does not walk cleanly) still reports the row.
    walk()
        .err()
        .unwrap_or(ProtocolError::Malformed("row length"))
}
