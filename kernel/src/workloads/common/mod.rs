//! What several workloads share: ledgers, waiting, per-P counter sums, the
//! sieve, a crowd of sleepers, a mutex counter. Nothing here is a workload
//! of its own (those are the rows of `registry.rs`).

use core::sync::atomic::Ordering;

use crate::runtime::p::PStats;
use crate::runtime::sched;

pub mod ledger;
pub mod mutex_counter;
pub mod sieve;
pub mod sleep_crowd;
pub mod wait;

/// A millisecond in nanoseconds.
pub const MS: u64 = 1_000_000;

/// A per-P counter summed over every P (destroyed ones included).
pub fn pstat_sum(f: fn(&PStats) -> &core::sync::atomic::AtomicU64) -> u64 {
    sched::allp_all()
        .iter()
        .map(|pp| f(&pp.stats).load(Ordering::Relaxed))
        .sum()
}

/// `{0, 2, 3}` for a bit mask of M or P ids.
pub fn id_set(mask: u64) -> alloc::string::String {
    let ids: alloc::vec::Vec<_> = (0..64)
        .filter(|i| mask & (1 << i) != 0)
        .map(|i| alloc::format!("{i}"))
        .collect();
    alloc::format!("{{{}}}", ids.join(", "))
}
