//! The traffic dump (Python's `dump_file_path`): every message sent and
//! received, each followed by a newline, with the login's password digest
//! zeroed unless the user asks to keep it.

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;

/// Where a connection records its traffic, if anywhere. Writing to a dump
/// never fails the connection: a full disk loses the dump, not the call.
#[derive(Debug, Default)]
pub(crate) struct Dump {
    file: Option<File>,
    keep_digest: bool,
}

impl Dump {
    /// No dump.
    pub(crate) fn off() -> Dump {
        Dump::default()
    }

    /// Dumps to a new file at `path`; `keep_digest` keeps the real password
    /// digest in the login message.
    pub(crate) fn create(path: &Path, keep_digest: bool) -> io::Result<Dump> {
        Ok(Dump {
            file: Some(File::create(path)?),
            keep_digest,
        })
    }

    /// True when traffic is recorded.
    pub(crate) fn is_on(&self) -> bool {
        self.file.is_some()
    }

    /// Records the login request `bytes`, whose last `digest_len` bytes are
    /// the password digest.
    pub(crate) fn login_sent(&mut self, bytes: &[u8], digest_len: usize) {
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
    pub(crate) fn sent(&mut self, bytes: &[u8]) {
        if let Some(file) = &mut self.file {
            let _ = file.write_all(bytes).and_then(|_| file.write_all(b"\n"));
        }
    }

    /// Records a frame received, given its body (the length prefix is
    /// written back in front).
    #[inline] // as for `sent`
    pub(crate) fn received(&mut self, body: &[u8]) {
        if let Some(file) = &mut self.file {
            let len = (body.len() as i32).to_be_bytes();
            let _ = file
                .write_all(&len)
                .and_then(|_| file.write_all(body))
                .and_then(|_| file.write_all(b"\n"));
        }
    }

    /// Flushes what was recorded.
    pub(crate) fn flush(&mut self) {
        if let Some(file) = &mut self.file {
            let _ = file.flush();
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
            let mut d = Dump::create(&path, keep).unwrap();
            d.login_sent(b"login-DIGEST", 6);
            d.sent(b"call");
            d.received(b"reply");
            d.flush();
            let digest: &[u8] = if keep { b"DIGEST" } else { &[0; 6] };
            let mut want = [b"login-", digest, b"\ncall\n"].concat();
            want.extend_from_slice(&[0, 0, 0, 5]);
            want.extend_from_slice(b"reply\n");
            assert_eq!(std::fs::read(&path).unwrap(), want);
        }
        let mut off = Dump::off();
        off.sent(b"nothing");
        assert!(!off.is_on());
        std::fs::remove_dir_all(&dir).ok();
    }
}
