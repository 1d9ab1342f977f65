//! loom model checking of the local run queue: `src/runq/`,
//! `src/glist.rs` and `src/globrunq.rs` are compiled here a second time,
//! against loom's atomics (this crate's `sync` module), and every
//! interleaving of small scenarios (within a preemption bound) is explored.
//! Runs in a plain `cargo test`. See `loom_broken.rs` for the proof that
//! these models catch a broken queue.

/// loom's twin of `src/sync.rs`.
mod sync {
    include!("loom_models/sync_loom.rs");
    pub const BROKEN_RUNQ: bool = false;
}

#[allow(dead_code)]
#[path = "../src/glist.rs"]
mod glist;
#[allow(dead_code)]
#[path = "../src/globrunq.rs"]
mod globrunq;
#[allow(dead_code)]
#[path = "../src/runq/mod.rs"]
mod runq;

mod loom_models;

use loom_models::builder;

/// The preemption bound. With a bound, loom's DPOR also adds conservative
/// backtracking points, so it explores *more* executions than with none
/// (two_stealers: 28 against 14). Measured: the number of executions stops
/// growing at a bound of 8 for every model here (owner_and_stealer 125,
/// runnext_steal_vs_runqget 73, runqempty(true, true) 97, ...), so 16 cuts
/// nothing off; the whole file still runs in about a second in a debug
/// build (N = 4, at most three threads, a few operations each).
const PREEMPTIONS: Option<usize> = Some(16);

#[test]
fn owner_put_get_with_one_stealer() {
    builder(PREEMPTIONS).check(loom_models::owner_and_stealer);
}

#[test]
fn two_stealers() {
    builder(PREEMPTIONS).check(loom_models::two_stealers);
}

#[test]
fn overflow_to_global_under_concurrent_steal() {
    builder(PREEMPTIONS).check(loom_models::overflow_vs_steal);
}

#[test]
fn runnext_stolen_vs_owner_runqget() {
    builder(PREEMPTIONS).check(loom_models::runnext_steal_vs_runqget);
}

#[test]
fn steal_from_a_thief_while_it_runs() {
    builder(PREEMPTIONS).check(loom_models::steal_from_a_thief);
}

#[test]
fn runqdrain_vs_concurrent_steal() {
    builder(PREEMPTIONS).check(loom_models::runqdrain_vs_steal);
}

#[test]
fn globrunqget_batch_into_ring_vs_concurrent_steal() {
    builder(PREEMPTIONS).check(loom_models::globrunqget_vs_steal);
}

#[test]
fn runqempty_never_spurious_while_g_in_transit() {
    for (next0, next1) in [(false, false), (false, true), (true, false), (true, true)] {
        builder(PREEMPTIONS).check(move || loom_models::runqempty_never_spurious(next0, next1));
    }
}
