//! What a connection shared with untrusted clients may do, enforced inside SQLite: an
//! authorizer (consulted whenever SQLite compiles a statement, including the re-compiles after
//! a schema change or an `ATTACH`, so no statement can slip past it the way it could past a
//! check compiled ahead) and a progress handler that interrupts a statement past its deadline.
//!
//! The callbacks run inside SQLite's C frames: they must not panic nor allocate, and only
//! read atomics (a connection is used by one thread at a time, but the policy is shared
//! with that thread through a raw pointer).

use std::ffi::{c_char, c_int, c_void, CStr};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use libsql::ffi;

// Authorizer action codes (sqlite3.h); named here because their meaning decides the policy.
const CREATE_TEMP_INDEX: c_int = 3;
const CREATE_TEMP_TABLE: c_int = 4;
const CREATE_TEMP_TRIGGER: c_int = 5;
const CREATE_TEMP_VIEW: c_int = 6;
const PRAGMA: c_int = 19;
const READ: c_int = 20;
const SELECT: c_int = 21;
const TRANSACTION: c_int = 22;
const ATTACH: c_int = 24;
const DETACH: c_int = 25;
const FUNCTION: c_int = 31;
const SAVEPOINT: c_int = 32;
const RECURSIVE: c_int = 33;

/// Pragmas that take an argument and still only read (`PRAGMA table_info(t)`).
const QUERY_PRAGMAS: &[&[u8]] = &[
    b"table_info",
    b"table_xinfo",
    b"table_list",
    b"index_info",
    b"index_xinfo",
    b"index_list",
    b"foreign_key_list",
    b"foreign_key_check",
    b"integrity_check",
    b"quick_check",
];

/// How often (in VM instructions) the progress handler looks at the clock: a few microseconds
/// of work between looks, so a deadline is met within a millisecond at no measurable cost.
const PROGRESS_OPS: c_int = 1_000;

/// Why the authorizer refused a statement last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denial {
    /// A write (or a setting change) on a read-only connection.
    ReadOnly,
    /// `ATTACH`/`DETACH` while they are not allowed.
    Attach,
}

/// The rules of one connection and what it observed.
#[derive(Default)]
pub struct Policy {
    read_only: AtomicBool,
    allow_attach: bool,
    /// The connection changed its own state (a pragma set, a database attached, a temp object):
    /// it must not serve another client.
    dirty: AtomicBool,
    denied: AtomicU8,
    /// Nanoseconds after [`epoch`] at which statements are interrupted; 0 = none.
    deadline: AtomicU64,
    timed_out: AtomicBool,
    /// Set from another thread to stop the running statement (a WebSocket cursor its client
    /// closed); honoured only while [`Policy::set_cancellable`] allows it.
    cancel: Arc<AtomicBool>,
    /// Whether the running statement may be cut short: only reads, because interrupting a
    /// write inside a transaction rolls back the whole transaction.
    cancellable: AtomicBool,
}

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn since_epoch(at: Instant) -> u64 {
    u64::try_from(at.saturating_duration_since(epoch()).as_nanos()).unwrap_or(u64::MAX).max(1)
}

impl Policy {
    pub fn new(allow_attach: bool) -> Self {
        epoch();
        Self { allow_attach, ..Self::default() }
    }

    pub fn is_read_only(&self) -> bool {
        self.read_only.load(Ordering::Relaxed)
    }

    pub fn is_dirty(&self) -> bool {
        self.dirty.load(Ordering::Relaxed)
    }

    /// The reason of the last refusal, forgotten once read.
    pub fn take_denial(&self) -> Option<Denial> {
        match self.denied.swap(0, Ordering::Relaxed) {
            1 => Some(Denial::ReadOnly),
            2 => Some(Denial::Attach),
            _ => None,
        }
    }

    /// Interrupts statements still running `limit` from now (`None`: no limit; an interrupt
    /// already seen stays readable by [`Policy::take_timed_out`]).
    pub fn set_deadline(&self, limit: Option<Duration>) {
        let at = limit.map_or(0, |l| since_epoch(Instant::now() + l));
        self.deadline.store(at, Ordering::Relaxed);
        if limit.is_some() {
            self.timed_out.store(false, Ordering::Relaxed);
        }
    }

    /// The flag that, once set, interrupts the running statement if it is cancellable.
    pub fn cancel_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.cancel)
    }

    pub fn set_cancellable(&self, cancellable: bool) {
        self.cancellable.store(cancellable, Ordering::Relaxed);
    }

    /// Whether the last interrupt came from the deadline (forgotten once read).
    pub fn take_timed_out(&self) -> bool {
        self.timed_out.swap(false, Ordering::Relaxed)
    }

    fn deny(&self, why: Denial) -> c_int {
        self.denied.store(if why == Denial::ReadOnly { 1 } else { 2 }, Ordering::Relaxed);
        ffi::SQLITE_DENY
    }

    fn authorize(&self, action: c_int, arg1: Option<&[u8]>, arg2: Option<&[u8]>, db_name: Option<&[u8]>) -> c_int {
        match action {
            ATTACH | DETACH => {
                if !self.allow_attach {
                    return self.deny(Denial::Attach);
                }
                if self.is_read_only() && action == ATTACH {
                    // An attached file that does not exist is created.
                    return self.deny(Denial::ReadOnly);
                }
                self.dirty.store(true, Ordering::Relaxed);
                ffi::SQLITE_OK
            }
            READ | SELECT | TRANSACTION | SAVEPOINT | RECURSIVE | FUNCTION => ffi::SQLITE_OK,
            PRAGMA => {
                let sets = arg2.is_some() && !arg1.is_some_and(|name| QUERY_PRAGMAS.iter().any(|q| name.eq_ignore_ascii_case(q)));
                if !sets {
                    return ffi::SQLITE_OK;
                }
                if self.is_read_only() {
                    return self.deny(Denial::ReadOnly);
                }
                self.dirty.store(true, Ordering::Relaxed);
                ffi::SQLITE_OK
            }
            // Everything else creates, changes or drops something.
            _ => {
                if self.is_read_only() {
                    return self.deny(Denial::ReadOnly);
                }
                let temp = matches!(action, CREATE_TEMP_INDEX | CREATE_TEMP_TABLE | CREATE_TEMP_TRIGGER | CREATE_TEMP_VIEW)
                    || db_name == Some(b"temp");
                if temp {
                    self.dirty.store(true, Ordering::Relaxed);
                }
                ffi::SQLITE_OK
            }
        }
    }

    fn progress(&self) -> c_int {
        if self.cancellable.load(Ordering::Relaxed) && self.cancel.load(Ordering::Relaxed) {
            return 1;
        }
        let at = self.deadline.load(Ordering::Relaxed);
        if at != 0 && since_epoch(Instant::now()) >= at {
            self.timed_out.store(true, Ordering::Relaxed);
            return 1;
        }
        0
    }
}

/// # Safety
/// Each pointer is null or a NUL-terminated string valid for the call.
unsafe fn text<'a>(p: *const c_char) -> Option<&'a [u8]> {
    (!p.is_null()).then(|| CStr::from_ptr(p).to_bytes())
}

unsafe extern "C" fn authorizer(
    policy: *mut c_void,
    action: c_int,
    arg1: *const c_char,
    arg2: *const c_char,
    db_name: *const c_char,
    _trigger: *const c_char,
) -> c_int {
    // SAFETY: the pointer is the connection's boxed policy, alive while the callback is set.
    let policy = &*(policy as *const Policy);
    policy.authorize(action, text(arg1), text(arg2), text(db_name))
}

unsafe extern "C" fn progress(policy: *mut c_void) -> c_int {
    // SAFETY: as above.
    (*(policy as *const Policy)).progress()
}

/// Sets both callbacks on `db`. Setting the authorizer again expires the connection's prepared
/// statements, so cached ones are compiled (and authorized) anew under changed rules.
///
/// # Safety
/// `db` is live and `policy` outlives the callbacks (until they are replaced or `db` closes).
pub(super) unsafe fn install(db: *mut ffi::sqlite3, policy: &Policy) {
    let p = policy as *const Policy as *mut c_void;
    ffi::sqlite3_set_authorizer(db, Some(authorizer), p);
    ffi::sqlite3_progress_handler(db, PROGRESS_OPS, Some(progress), p);
}

/// Changes the read-only rule; statements compiled under the old rule are recompiled.
///
/// # Safety
/// As [`install`].
pub(super) unsafe fn set_read_only(db: *mut ffi::sqlite3, policy: &Policy, read_only: bool) {
    if policy.read_only.swap(read_only, Ordering::Relaxed) != read_only {
        ffi::sqlite3_set_authorizer(db, Some(authorizer), policy as *const Policy as *mut c_void);
    }
}
