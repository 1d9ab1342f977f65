//! A ledger: one slot per expected event, so a test proves that each
//! happened *exactly once* — not merely that a count came out right (a lost
//! G and a doubly-run G would cancel out in a count).

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU8, Ordering};

/// One slot per expected event.
pub struct Ledger {
    slots: Vec<AtomicU8>,
}

impl Ledger {
    /// A ledger expecting `n` events, none recorded yet.
    pub fn new(n: usize) -> Ledger {
        Ledger {
            slots: (0..n).map(|_| AtomicU8::new(0)).collect(),
        }
    }

    /// Record event `i`; panics (naming it) if it was already recorded.
    pub fn mark(&self, i: usize) {
        let before = self.slots[i].fetch_add(1, Ordering::AcqRel);
        assert!(before == 0, "ledger: entry {i} recorded twice");
    }

    /// Record event `i`; false (instead of a panic) if it was already
    /// recorded, for callers that report the first broken rule themselves.
    pub fn try_mark(&self, i: usize) -> bool {
        self.slots[i].fetch_add(1, Ordering::AcqRel) == 0
    }

    /// How many times event `i` was recorded.
    pub fn recorded_at(&self, i: usize) -> u8 {
        self.slots[i].load(Ordering::Acquire)
    }

    /// How many events were recorded (each at most once).
    pub fn recorded(&self) -> usize {
        self.slots
            .iter()
            .filter(|s| s.load(Ordering::Acquire) != 0)
            .count()
    }

    /// Every event recorded exactly once, or which were not.
    pub fn verify(&self, what: &str) -> Result<(), String> {
        self.verify_prefix(self.slots.len(), what)
    }

    /// Like [`Ledger::verify`], for the first `n` slots only (a ledger
    /// sized for the most events, of which `n` were handed out).
    pub fn verify_prefix(&self, n: usize, what: &str) -> Result<(), String> {
        let n = n.min(self.slots.len());
        let missing: Vec<usize> = self.slots[..n]
            .iter()
            .enumerate()
            .filter(|(_, s)| s.load(Ordering::Acquire) != 1)
            .map(|(i, _)| i)
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{what}: {} of {n} entries not recorded exactly once (first: {:?})",
                missing.len(),
                &missing[..missing.len().min(8)]
            ))
        }
    }

    /// Number of slots.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether the ledger has no slots.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }
}
