//! `tour-fib`: the fib spawn tree, for the policy tournament
//! (`tourney/mod.rs` prints the line).
//!
//! Design note. fib(FIB_N) where every call above the cutoff spawns one
//! half as a G and waits for it on a channel (`common::fibtree`, as
//! `scaling` and `bench`'s `fib-procs` use it): a deep, uneven tree of
//! short Gs born on one P, so how fast the work spreads — spinning Ms,
//! stealing half a ring, `runnext` keeping a child near its parent — is
//! the whole story (the work-stealing design of Vyukov's "Scalable Go
//! Scheduler Design Doc", Go 1.1). Units: Gs spawned; no group of equal
//! Gs (`jain=-`).

use crate::prelude::*;
use crate::workloads::common::fibtree::{CUTOFF, fib_seq, fib_tree};
use crate::workloads::tourney;

/// The tree: fib(26) with leaves below the cutoff.
const FIB_N: u64 = 26;

/// Gs the tree spawns: one per internal node.
fn tree_gs(n: u64) -> u64 {
    if n < CUTOFF {
        0
    } else {
        1 + tree_gs(n - 1) + tree_gs(n - 2)
    }
}

/// Run it.
pub fn run() -> Verdict {
    // Computed before the measured part so checking costs nothing in it.
    let want = fib_seq(FIB_N);
    let gs = tree_gs(FIB_N);
    let mark = tourney::start()?;
    let got = fib_tree(FIB_N);
    let measured = mark.stop();
    if got != want {
        return Err(format!("fib({FIB_N}) came out {got}, not {want}"));
    }
    measured.print("tour-fib", gs, None);
    Ok(())
}
