//! Stutter: phases in which most Gs stop at a gate, then all resume at once.
//!
//! Design note: a burst of Gs waking together (and Ps going idle, then all
//! being needed again) is where wakeups get lost; a steady load rarely
//! exercises that. The main G opens a gate (a fresh unbuffered channel no
//! one sends on), Gs that see it block receiving from it, and closing the
//! channel releases them all.

use core::sync::atomic::{AtomicBool, Ordering};

use gmp_sched::rand::CheapRand;

use super::stats::{STATS, bump};
use crate::prelude::*;
use crate::runtime::inspect::machine::IrqMutex;

static ACTIVE: AtomicBool = AtomicBool::new(false);
static GATE: IrqMutex<Option<Chan<()>>> = IrqMutex::new(None);

/// Start a stutter: Gs reaching [`maybe_wait`] stop until [`end`].
pub fn begin() {
    *GATE.lock() = Some(Chan::new(0));
    ACTIVE.store(true, Ordering::Release);
    bump(&STATS.stutters);
}

/// Release every G waiting at the gate.
pub fn end() {
    ACTIVE.store(false, Ordering::Release);
    let gate = GATE.lock().take();
    if let Some(g) = gate {
        g.close();
    }
}

/// Between operations: during a stutter, most Gs (9 in 10) wait here.
pub fn maybe_wait(rng: &mut CheapRand) {
    if !ACTIVE.load(Ordering::Acquire) || rng.below(10) == 0 {
        return;
    }
    let gate = GATE.lock().clone();
    if let Some(g) = gate {
        let _ = g.recv();
    }
}
