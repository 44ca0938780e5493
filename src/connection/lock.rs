//! Poison-ignoring lock helpers, the crate's one way to take a lock.
//!
//! A thread that panics while holding a lock poisons it. The crate's locks
//! guard small state, each update made in one step under one guard, so the
//! data is still good: recover it rather than let one panic
//! (a user's hook, a test procedure) fail every later caller.

use std::sync::{Condvar, Mutex, MutexGuard, TryLockError};
#[cfg(any(test, feature = "test-server"))]
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

/// Locks a mutex, recovering the data if another thread panicked with it.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Locks a mutex if nobody holds it (`None` if someone does), recovering
/// the data if another thread panicked with it.
pub(crate) fn try_lock<T>(m: &Mutex<T>) -> Option<MutexGuard<'_, T>> {
    match m.try_lock() {
        Ok(g) => Some(g),
        Err(TryLockError::Poisoned(e)) => Some(e.into_inner()),
        Err(TryLockError::WouldBlock) => None,
    }
}

/// Waits on `cv` with `g`'s mutex, like [`Condvar::wait`], ignoring poison.
pub(crate) fn wait<'a, T>(cv: &Condvar, g: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
    cv.wait(g).unwrap_or_else(|e| e.into_inner())
}

/// Waits on `cv` for at most `d`, like [`Condvar::wait_timeout`], ignoring
/// poison (and whether it timed out: callers check their own deadline).
pub(crate) fn wait_timeout<'a, T>(
    cv: &Condvar,
    g: MutexGuard<'a, T>,
    d: Duration,
) -> MutexGuard<'a, T> {
    cv.wait_timeout(g, d).unwrap_or_else(|e| e.into_inner()).0
}

/// Takes a read lock, recovering the data if a writer panicked with it
/// (only the test server takes read-write locks).
#[cfg(any(test, feature = "test-server"))]
pub(crate) fn read<T>(l: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(|e| e.into_inner())
}

/// Takes a write lock, recovering the data if a writer panicked with it.
#[cfg(any(test, feature = "test-server"))]
pub(crate) fn write<T>(l: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn a_panic_under_the_lock_does_not_lock_others_out() {
        let m = Arc::new(Mutex::new(1));
        let l = Arc::new(RwLock::new(2));
        let (m2, l2) = (m.clone(), l.clone());
        let r = std::thread::spawn(move || {
            let _g = lock(&m2);
            let _w = write(&l2);
            panic!("poison both");
        })
        .join();
        assert!(r.is_err());
        assert!(m.is_poisoned() && l.is_poisoned());
        *lock(&m) += 1;
        *write(&l) += 1;
        assert_eq!((*lock(&m), *read(&l)), (2, 3));
        assert_eq!(try_lock(&m).map(|g| *g), Some(2));
        let held = lock(&m);
        assert!(try_lock(&m).is_none());
        let cv = Condvar::new();
        let held = wait_timeout(&cv, held, Duration::from_millis(1));
        assert_eq!(*held, 2);
    }
}
