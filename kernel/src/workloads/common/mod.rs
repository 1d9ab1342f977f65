//! What several workloads share: ledgers, waiting, groups of Gs, id sets, the
//! sieve, a crowd of sleepers, a mutex counter. Nothing here is a workload
//! of its own (those are the rows of `registry.rs`).

pub mod fibtree;
pub mod group;
pub mod ledger;
pub mod mutex_counter;
pub mod sieve;
pub mod sleep_crowd;
pub mod wait;

/// `{0, 2, 3}` for a bit mask of M or P ids.
pub fn id_set(mask: u64) -> alloc::string::String {
    let ids: alloc::vec::Vec<_> = (0..64)
        .filter(|i| mask & (1 << i) != 0)
        .map(|i| alloc::format!("{i}"))
        .collect();
    alloc::format!("{{{}}}", ids.join(", "))
}
