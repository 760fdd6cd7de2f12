//! Keeps write transactions and a sync checkpoint apart. The checkpoint copies the WAL's frames
//! to the generation's archive and then truncates the WAL: a frame committed between the two
//! would reach the database file but not the archive. So statements enter through this gate
//! and keep their ticket until their connection is back in autocommit (a whole transaction,
//! across requests), and the checkpoint closes the gate once no ticket is out.
//!
//! Admission is per transaction, not per statement: a transaction in progress never waits at
//! the gate, so it can always finish and let a waiting checkpoint through (a per-statement
//! lock deadlocked here: the checkpoint waited for a writer stuck in SQLite's busy handler
//! behind a transaction whose next statement waited for the checkpoint).

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

#[derive(Default)]
struct State {
    tickets: usize,
    closed: bool,
}

#[derive(Default)]
pub struct Gate {
    state: Mutex<State>,
    changed: Condvar,
}

/// A transaction's admission; dropping it lets a waiting checkpoint through.
pub struct Ticket(Arc<Gate>);

/// The gate held closed by a checkpoint; it opens again when dropped.
pub struct Closed<'a>(&'a Gate);

impl Gate {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // The state is two plain fields, consistent after any panic: carry on with it.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits while a checkpoint holds the gate closed, then admits one transaction.
    pub fn enter(self: &Arc<Self>) -> Ticket {
        let mut s = self.state();
        while s.closed {
            s = self.changed.wait(s).unwrap_or_else(|p| p.into_inner());
        }
        s.tickets += 1;
        Ticket(Arc::clone(self))
    }

    /// Closes the gate (new transactions wait) and waits up to `wait` for the admitted ones to
    /// finish. `None`, with the gate open again, if they take longer (a client may hold a
    /// transaction open for seconds): the checkpoint is tried again later.
    pub fn close(&self, wait: Duration) -> Option<Closed<'_>> {
        let deadline = Instant::now() + wait;
        let mut s = self.state();
        if s.closed {
            return None;
        }
        s.closed = true;
        while s.tickets > 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                s.closed = false;
                self.changed.notify_all();
                return None;
            }
            s = self.changed.wait_timeout(s, left).map(|(g, _)| g).unwrap_or_else(|p| p.into_inner().0);
        }
        Some(Closed(self))
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut s = self.0.state();
        s.tickets -= 1;
        if s.tickets == 0 {
            self.0.changed.notify_all();
        }
    }
}

impl Drop for Closed<'_> {
    fn drop(&mut self) {
        self.0.state().closed = false;
        self.0.changed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checkpoint_waits_for_open_transactions_and_holds_new_ones() {
        let gate = Gate::new();
        let open = gate.enter();
        assert!(gate.close(Duration::from_millis(20)).is_none(), "closed over an open transaction");
        // The failed close let new transactions in again.
        drop(gate.enter());
        let g = Arc::clone(&gate);
        let finisher = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            drop(open);
            drop(g);
        });
        let closed = gate.close(Duration::from_secs(5)).expect("the open transaction finished");
        let g = Arc::clone(&gate);
        let late = std::thread::spawn(move || {
            let started = Instant::now();
            drop(g.enter());
            started.elapsed()
        });
        std::thread::sleep(Duration::from_millis(50));
        drop(closed);
        assert!(late.join().unwrap() >= Duration::from_millis(40), "a new transaction got past a closed gate");
        finisher.join().unwrap();
    }
}
