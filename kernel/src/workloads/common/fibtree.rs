//! The fib spawn tree: fib(n) where each call above a cutoff spawns one
//! half as a G and waits for it on a channel (`bench`'s `fib-procs`, and
//! the lockstep scaling figures).

use crate::prelude::*;

/// Sequential fib (a leaf of the tree, and the check of its answer).
pub fn fib_seq(n: u64) -> u64 {
    if n < 2 {
        n
    } else {
        fib_seq(n - 1) + fib_seq(n - 2)
    }
}

/// Below this, `fib_tree` computes sequentially (a leaf).
pub const CUTOFF: u64 = 14;

/// fib(n) where each call above the cutoff spawns one half as a G.
pub fn fib_tree(n: u64) -> u64 {
    if n < CUTOFF {
        return fib_seq(n);
    }
    let ch: Chan<u64> = Chan::new(1);
    let tx = ch.clone();
    go(move || tx.send(fib_tree(n - 1)));
    let b = fib_tree(n - 2);
    ch.recv().expect("fib channel never closes") + b
}
