//! Waiting for a lock another connection holds: our own busy handler instead of SQLite's.
//!
//! SQLite's `sqlite3_busy_timeout` handler sleeps 1, 2, 5, 10, 15, 20, 25, … ms between
//! tries, while a commit here takes tens of microseconds: a waiter oversleeps the free lock
//! by up to its whole pause, with its process's event loop stopped all along. Pauses that
//! grow from 20 µs to 1 ms hand the lock over soon after it is free, and the deadline is
//! kept in time, not in tries. (`PRAGMA busy_timeout` reads 0 with a custom handler; our
//! timeout is the one set here.)

use std::cell::Cell;
use std::ffi::{c_int, c_void};
use std::ptr;
use std::time::{Duration, Instant};

use libsql::ffi;

use super::connection::Connection;

const FIRST_PAUSE: Duration = Duration::from_micros(20);
const LONGEST_PAUSE: Duration = Duration::from_millis(1);

/// The state of one connection's busy handler; boxed so its address stays put.
pub(super) struct BusyWait {
    /// Zero: fail at once, as without a handler.
    timeout: Cell<Duration>,
    /// When the current wait began (SQLite counts tries from 0 for each new wait).
    since: Cell<Instant>,
}

impl BusyWait {
    /// Installs the handler on `db` with no timeout yet; the connection keeps the box and
    /// calls [`BusyWait::remove`] before it closes.
    ///
    /// # Safety
    /// `db` must be a live handle.
    pub(super) unsafe fn install(db: *mut ffi::sqlite3) -> Box<BusyWait> {
        let wait = Box::new(BusyWait { timeout: Cell::new(Duration::ZERO), since: Cell::new(Instant::now()) });
        let ctx = &*wait as *const BusyWait as *mut c_void;
        // SAFETY: live handle (caller's contract); ctx stays valid until `remove`.
        unsafe { ffi::sqlite3_busy_handler(db, Some(on_busy), ctx) };
        wait
    }

    /// Unhooks the handler from `db`, so that the box may go.
    ///
    /// # Safety
    /// `db` must be the live handle the handler was installed on.
    pub(super) unsafe fn remove(db: *mut ffi::sqlite3) {
        // SAFETY: live handle; a null handler removes ours.
        unsafe { ffi::sqlite3_busy_handler(db, None, ptr::null_mut()) };
    }
}

unsafe extern "C" fn on_busy(ctx: *mut c_void, tries: c_int) -> c_int {
    // SAFETY: ctx is the BusyWait the connection owns; it is unhooked before it is freed.
    let wait = unsafe { &*(ctx as *const BusyWait) };
    let now = Instant::now();
    if tries == 0 {
        wait.since.set(now);
    }
    let waited = now.saturating_duration_since(wait.since.get());
    let timeout = wait.timeout.get();
    if waited >= timeout {
        return 0; // give up: the statement fails with SQLITE_BUSY
    }
    let pause = FIRST_PAUSE.saturating_mul(1 << tries.clamp(0, 6) as u32).min(LONGEST_PAUSE);
    std::thread::sleep(pause.min(timeout - waited));
    1
}

impl Connection {
    /// Milliseconds to wait on a locked database before `SQLITE_BUSY`; 0 fails at once.
    pub fn set_busy_timeout(&self, ms: u32) {
        self.busy.timeout.set(Duration::from_millis(ms as u64));
    }
}

