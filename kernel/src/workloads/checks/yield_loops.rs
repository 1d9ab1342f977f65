//! `test-yield`: many Gs yielding in loops; every yield returns, counts
//! exact.

use alloc::format;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicUsize, Ordering};

use crate::prelude::*;
use crate::workloads::common::wait;

/// Many Gs yielding in a loop: every yield must come back, every G must
/// finish, counts exact.
pub fn run() -> Verdict {
    const GS: usize = 64;
    const YIELDS: usize = 1_000;
    let counts: Arc<Vec<AtomicUsize>> = Arc::new((0..GS).map(|_| AtomicUsize::new(0)).collect());
    let done = Arc::new(AtomicUsize::new(0));
    for g in 0..GS {
        let (counts, done) = (counts.clone(), done.clone());
        go(move || {
            for _ in 0..YIELDS {
                counts[g].fetch_add(1, Ordering::Relaxed);
                gosched();
            }
            done.fetch_add(1, Ordering::Release);
        });
    }
    wait::until_count(&done, GS);
    for (g, c) in counts.iter().enumerate() {
        let c = c.load(Ordering::Relaxed);
        if c != YIELDS {
            return Err(format!("G #{g} yielded {c} times, expected {YIELDS}"));
        }
    }
    kprintln!(
        "yield: {GS} Gs yielded {YIELDS} times each ({} yields)",
        GS * YIELDS
    );
    Ok(())
}
