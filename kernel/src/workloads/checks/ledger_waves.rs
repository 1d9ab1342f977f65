//! `test-ledger`: 100,000 Gs in waves plus nested spawn trees, each of
//! which must run exactly once.

use alloc::sync::Arc;
use core::sync::atomic::{AtomicUsize, Ordering};

use crate::prelude::*;
use crate::workloads::common::ledger::Ledger;
use crate::workloads::common::wait;

const WAVES: usize = 10;
const WAVE_SIZE: usize = 10_000;
const TREE_DEPTH: u32 = 13;
const TREES: usize = 4;

/// Spawn a binary tree of Gs of `depth` below `index`; each node marks its
/// ledger slot (heap numbering: children of i are 2i+1, 2i+2).
fn tree(ledger: Arc<Ledger>, done: Arc<AtomicUsize>, base: usize, index: usize, depth: u32) {
    ledger.mark(base + index);
    if depth > 0 {
        for child in [2 * index + 1, 2 * index + 2] {
            let (l, d) = (ledger.clone(), done.clone());
            go(move || tree(l, d, base, child, depth - 1));
        }
    }
    done.fetch_add(1, Ordering::Release);
}

/// ≥ 100,000 Gs in waves from the main G, then nested spawn trees started
/// from several Gs at once; every G must run exactly once.
pub fn run() -> Verdict {
    let ledger = Arc::new(Ledger::new(WAVES * WAVE_SIZE));
    let done = Arc::new(AtomicUsize::new(0));
    for w in 0..WAVES {
        for i in 0..WAVE_SIZE {
            let (l, d) = (ledger.clone(), done.clone());
            go(move || {
                l.mark(w * WAVE_SIZE + i);
                d.fetch_add(1, Ordering::Release);
            });
        }
        wait::until_count(&done, (w + 1) * WAVE_SIZE);
    }
    ledger.verify("waves")?;
    kprintln!(
        "ledger: {} Gs in {WAVES} waves ran exactly once",
        WAVES * WAVE_SIZE
    );

    let nodes = (1usize << (TREE_DEPTH + 1)) - 1;
    let tree_ledger = Arc::new(Ledger::new(TREES * nodes));
    let tree_done = Arc::new(AtomicUsize::new(0));
    for t in 0..TREES {
        let (l, d) = (tree_ledger.clone(), tree_done.clone());
        go(move || tree(l, d, t * nodes, 0, TREE_DEPTH));
    }
    wait::until_count(&tree_done, TREES * nodes);
    tree_ledger.verify("trees")?;
    kprintln!(
        "ledger: {TREES} spawn trees of depth {TREE_DEPTH} ({} Gs) ran exactly once",
        TREES * nodes
    );
    kprintln!(
        "ledger: {} Gs in all, {} G structures created",
        WAVES * WAVE_SIZE + TREES * nodes,
        crate::runtime::inspect::allg::allglen()
    );
    Ok(())
}
