//! A place to wait for room (backpressure) or for a connection to come up.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Instant;

use super::lock::{lock, wait_timeout};

/// Wakes threads waiting for a free place (backpressure) or for a connection
/// to come up. Lock order: a waiter holds the gate lock while it inspects
/// slot states, so nobody may notify while holding a slot lock.
#[derive(Default)]
pub(crate) struct Gate {
    lock: Mutex<()>,
    cv: Condvar,
    waiters: AtomicUsize,
}

impl Gate {
    /// Wakes one waiter (a place became free), if any waits.
    pub(crate) fn notify_one(&self) {
        if self.waiters.load(Ordering::SeqCst) > 0 {
            let _g = lock(&self.lock);
            self.cv.notify_one();
        }
    }

    /// Wakes every waiter (a connection came up or went down, or close).
    pub(crate) fn notify_all(&self) {
        if self.waiters.load(Ordering::SeqCst) > 0 {
            let _g = lock(&self.lock);
            self.cv.notify_all();
        }
    }

    /// Calls `ready` until it returns `Some`, waiting for notifications in
    /// between, until `deadline`.
    pub(crate) fn wait_until<T>(
        &self,
        deadline: Instant,
        mut ready: impl FnMut() -> Option<T>,
    ) -> Option<T> {
        let mut g = lock(&self.lock);
        self.waiters.fetch_add(1, Ordering::SeqCst);
        let r = loop {
            if let Some(v) = ready() {
                break Some(v);
            }
            let now = Instant::now();
            if now >= deadline {
                // Pass on a wake-up we may have consumed.
                self.cv.notify_one();
                break None;
            }
            g = wait_timeout(&self.cv, g, deadline - now);
        };
        self.waiters.fetch_sub(1, Ordering::SeqCst);
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;
    use std::sync::Arc;
    use std::time::Duration;

    #[test]
    fn gate_times_out_and_wakes() {
        let g = Arc::new(Gate::default());
        let start = Instant::now();
        assert_eq!(
            g.wait_until(start + Duration::from_millis(30), || None::<()>),
            None
        );
        assert!(start.elapsed() >= Duration::from_millis(30));
        let flag = Arc::new(AtomicBool::new(false));
        let (g2, f2) = (g.clone(), flag.clone());
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            f2.store(true, Ordering::SeqCst);
            g2.notify_all();
        });
        let r = g.wait_until(Instant::now() + Duration::from_secs(10), || {
            flag.load(Ordering::SeqCst).then_some(7)
        });
        assert_eq!(r, Some(7));
        t.join().unwrap();
    }
}
