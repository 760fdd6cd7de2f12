//! The re-entrancy guard of a local connection: JS is single-threaded, so the only way to
//! reach a connection's state twice at once is re-entrancy (a getter on an argument calling
//! back into the same connection). `Shared::enter` refuses that, which is what makes the
//! `UnsafeCell` inside sound for both the napi-rs methods and the raw fast path.

use std::cell::{Cell, UnsafeCell};
use std::ops::{Deref, DerefMut};

use super::error::Failure;
use super::local::Local;

/// A connection's state, reachable from the napi-rs methods and from the raw fast path.
pub(crate) struct Shared {
    busy: Cell<bool>,
    local: UnsafeCell<Local>,
}

/// Exclusive access to a connection's state for the duration of one call.
pub(crate) struct Entered<'a>(&'a Shared);

impl Shared {
    pub fn new(local: Local) -> Self {
        Shared { busy: Cell::new(false), local: UnsafeCell::new(local) }
    }

    pub fn enter(&self) -> std::result::Result<Entered<'_>, Failure> {
        if self.busy.replace(true) {
            return Err(Failure::client("CLIENT_BUSY", "The connection was called again while a call on it was still running"));
        }
        Ok(Entered(self))
    }
}

impl Deref for Entered<'_> {
    type Target = Local;
    fn deref(&self) -> &Local {
        // SAFETY: `busy` guarantees this is the only live access.
        unsafe { &*self.0.local.get() }
    }
}

impl DerefMut for Entered<'_> {
    fn deref_mut(&mut self) -> &mut Local {
        // SAFETY: as above.
        unsafe { &mut *self.0.local.get() }
    }
}

impl Drop for Entered<'_> {
    fn drop(&mut self) {
        self.0.busy.set(false);
    }
}
