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

    /// How many events were recorded (each at most once).
    pub fn recorded(&self) -> usize {
        self.slots
            .iter()
            .filter(|s| s.load(Ordering::Acquire) != 0)
            .count()
    }

    /// Every event recorded exactly once, or which were not.
    pub fn verify(&self, what: &str) -> Result<(), String> {
        let missing: Vec<usize> = self
            .slots
            .iter()
            .enumerate()
            .filter(|(_, s)| s.load(Ordering::Acquire) != 1)
            .map(|(i, _)| i)
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{what}: {} of {} entries not recorded exactly once (first: {:?})",
                missing.len(),
                self.slots.len(),
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
