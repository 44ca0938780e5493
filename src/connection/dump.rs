//! The traffic dump (Python's `dump_file_path`): every message sent and
//! received, each followed by a newline, with the login's password digest
//! zeroed unless the user asks to keep it.

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};

use super::lock::lock;

/// Where a connection records its traffic, if anywhere. Writing to a dump
/// never fails the connection: a full disk loses the dump, not the call.
///
/// Clones share the file: a [`Client`](crate::Client) connection records
/// what its callers and writer thread send and what its reader thread
/// receives, one whole message at a time, under the file's lock.
#[derive(Debug, Default, Clone)]
pub(crate) struct Dump {
    file: Option<Arc<Mutex<File>>>,
    keep_digest: bool,
}

impl Dump {
    /// No dump.
    pub(crate) fn off() -> Dump {
        Dump::default()
    }

    /// Dumps to a new file at `path`; `keep_digest` keeps the real password
    /// digest in the login message. The error names the file.
    pub(crate) fn create(path: &Path, keep_digest: bool) -> io::Result<Dump> {
        let file = File::create(path).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("cannot create dump file {}: {e}", path.display()),
            )
        })?;
        Ok(Dump {
            file: Some(Arc::new(Mutex::new(file))),
            keep_digest,
        })
    }

    /// True when traffic is recorded.
    pub(crate) fn is_on(&self) -> bool {
        self.file.is_some()
    }

    /// Records the login request `bytes`, whose last `digest_len` bytes are
    /// the password digest.
    pub(crate) fn login_sent(&self, bytes: &[u8], digest_len: usize) {
        if !self.is_on() {
            return;
        }
        let mut shown = bytes.to_vec();
        if !self.keep_digest {
            let start = shown.len().saturating_sub(digest_len);
            shown[start..].iter_mut().for_each(|b| *b = 0);
        }
        self.sent(&shown);
    }

    /// Records bytes sent.
    #[inline] // without a dump, a call pays one test, not a function call
    pub(crate) fn sent(&self, bytes: &[u8]) {
        if let Some(file) = &self.file {
            let mut file = lock(file);
            let _ = file.write_all(bytes).and_then(|_| file.write_all(b"\n"));
        }
    }

    /// Records a batch of whole frames sent in one write, each as its own
    /// message (as if sent one by one).
    #[inline] // as for `sent`
    pub(crate) fn sent_frames(&self, batch: &[u8]) {
        if let Some(file) = &self.file {
            let mut file = lock(file);
            let mut rest = batch;
            while !rest.is_empty() {
                let len = match rest.get(..4) {
                    Some(b) => 4 + i32::from_be_bytes([b[0], b[1], b[2], b[3]]).max(0) as usize,
                    None => rest.len(),
                };
                let (frame, tail) = rest.split_at(len.min(rest.len()));
                let _ = file.write_all(frame).and_then(|_| file.write_all(b"\n"));
                rest = tail;
            }
        }
    }

    /// Records a frame received, given its body (the length prefix is
    /// written back in front).
    #[inline] // as for `sent`
    pub(crate) fn received(&self, body: &[u8]) {
        if let Some(file) = &self.file {
            let mut file = lock(file);
            let len = (body.len() as i32).to_be_bytes();
            let _ = file
                .write_all(&len)
                .and_then(|_| file.write_all(body))
                .and_then(|_| file.write_all(b"\n"));
        }
    }

    /// Flushes what was recorded.
    pub(crate) fn flush(&self) {
        if let Some(file) = &self.file {
            let _ = lock(file).flush();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_messages_and_zeroes_the_digest_unless_kept() {
        let dir = std::env::temp_dir().join(format!("voltdb-dump-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for keep in [false, true] {
            let path = dir.join(format!("d{keep}"));
            let d = Dump::create(&path, keep).unwrap();
            d.login_sent(b"login-DIGEST", 6);
            d.sent(b"call");
            d.received(b"reply");
            // A clone writes to the same file; a batch is split into frames.
            d.clone()
                .sent_frames(&[0, 0, 0, 1, b'a', 0, 0, 0, 2, b'b', b'c']);
            d.flush();
            let digest: &[u8] = if keep { b"DIGEST" } else { &[0; 6] };
            let mut want = [b"login-", digest, b"\ncall\n"].concat();
            want.extend_from_slice(&[0, 0, 0, 5]);
            want.extend_from_slice(b"reply\n");
            want.extend_from_slice(&[0, 0, 0, 1, b'a', b'\n', 0, 0, 0, 2, b'b', b'c', b'\n']);
            assert_eq!(std::fs::read(&path).unwrap(), want);
        }
        let off = Dump::off();
        off.sent(b"nothing");
        assert!(!off.is_on());
        let err = Dump::create(&dir.join("no-such-dir").join("d"), false).unwrap_err();
        assert!(err.to_string().contains("no-such-dir"), "{err}");
        std::fs::remove_dir_all(&dir).ok();
    }
}
