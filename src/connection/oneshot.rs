//! A one-shot completion slot: where a call waits for its reply.

use std::sync::{Condvar, Mutex};
use std::time::Instant;

use crate::error::Result;
use crate::response::VoltResponse;

use super::lock::{lock, wait_timeout};

/// A call's result: the response and the size of its frame.
pub(crate) type Reply = Result<(VoltResponse, usize)>;

/// A one-shot completion slot: filled once (with the time it was filled),
/// waited on by its one owner. `put` wakes the owner only if it is parked,
/// so a reply that arrives before anyone waits costs no futex syscall.
#[derive(Default)]
pub(crate) struct Oneshot {
    state: Mutex<OneshotState>,
    cv: Condvar,
}

#[derive(Default)]
struct OneshotState {
    value: Option<(Reply, Instant)>,
    /// True while the owner is parked in `wait_until`.
    waiting: bool,
}

impl Oneshot {
    pub(crate) fn put(&self, r: Reply) {
        self.put_at(r, Instant::now());
    }

    /// Fills the slot with `r`, which arrived at `at`.
    pub(crate) fn put_at(&self, r: Reply, at: Instant) {
        let mut g = lock(&self.state);
        if g.value.is_none() {
            g.value = Some((r, at));
        }
        let wake = g.waiting;
        drop(g);
        if wake {
            self.cv.notify_one();
        }
    }

    /// True once the slot is filled (and not yet taken).
    pub(crate) fn is_ready(&self) -> bool {
        lock(&self.state).value.is_some()
    }

    /// Waits until the slot is filled or `deadline` passes; returns the
    /// value and when it was put.
    pub(crate) fn wait_until(&self, deadline: Instant) -> Option<(Reply, Instant)> {
        let mut g = lock(&self.state);
        loop {
            if let Some(r) = g.value.take() {
                return Some(r);
            }
            let now = Instant::now();
            if now >= deadline {
                return None;
            }
            g.waiting = true;
            g = wait_timeout(&self.cv, g, deadline - now);
            g.waiting = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use std::sync::Arc;
    use std::time::Duration;

    #[test]
    fn oneshot_delivers_once() {
        let s = Arc::new(Oneshot::default());
        let s2 = s.clone();
        let t = std::thread::spawn(move || s2.put(Err(Error::Closed)));
        let got = s.wait_until(Instant::now() + Duration::from_secs(5));
        assert!(matches!(got, Some((Err(Error::Closed), _))));
        t.join().unwrap();
        assert!(s
            .wait_until(Instant::now() + Duration::from_millis(10))
            .is_none());
    }
}
