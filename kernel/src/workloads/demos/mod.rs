//! The demo workloads of `cargo run -- --workload NAME`: each shows one
//! piece of the scheduler at work, prints a short result line, checks its
//! own result and returns an error naming what went wrong. The runtime
//! then prints the per-P summary and the verdict (see `runtime/start.rs`).
//!
//! Where a `test-*` workload already does the work (the sieve, a crowd of
//! sleepers), the demo calls the same function in `sched4.rs`; the demos
//! add the reporting a reader wants to see.

use core::sync::atomic::Ordering;

use crate::runtime::p::PStats;
use crate::runtime::sched;

pub mod fib;
pub mod hog;
pub mod mutex;
pub mod pingpong;
pub mod sieve;
pub mod sleepers;
pub mod syscall;

const MS: u64 = 1_000_000;

/// A per-P counter summed over every P.
pub(super) fn pstat_sum(f: fn(&PStats) -> &core::sync::atomic::AtomicU64) -> u64 {
    sched::allp()
        .iter()
        .map(|pp| f(&pp.stats).load(Ordering::Relaxed))
        .sum()
}

/// The id of the P the calling G runs on.
fn this_p() -> u32 {
    crate::arch::percpu::this_m()
        .p()
        .map_or(u32::MAX, |pp| pp.id)
}

/// `{0, 2, 3}` for a bit mask of M or P ids.
fn id_set(mask: u64) -> alloc::string::String {
    let ids: alloc::vec::Vec<_> = (0..64)
        .filter(|i| mask & (1 << i) != 0)
        .map(|i| alloc::format!("{i}"))
        .collect();
    alloc::format!("{{{}}}", ids.join(", "))
}
