//! Counters of what the torture Gs did, and the once-a-second stats line.
//!
//! Design note: plain relaxed atomics, bumped by every G; they are for the
//! progress lines and the final totals (the proofs are the ledgers, not
//! these counts).

use core::sync::atomic::{AtomicU64, Ordering};

/// One counter per kind of operation.
pub struct Stats {
    pub rounds: AtomicU64,
    pub gs: AtomicU64,
    pub spawns: AtomicU64,
    pub msgs: AtomicU64,
    pub selects: AtomicU64,
    pub parks: AtomicU64,
    pub readies: AtomicU64,
    pub yields: AtomicU64,
    pub sleeps: AtomicU64,
    pub syscalls: AtomicU64,
    pub locks: AtomicU64,
    pub stutters: AtomicU64,
    pub checks: AtomicU64,
    pub resizes: AtomicU64,
}

/// The run's counters.
pub static STATS: Stats = Stats {
    rounds: AtomicU64::new(0),
    gs: AtomicU64::new(0),
    spawns: AtomicU64::new(0),
    msgs: AtomicU64::new(0),
    selects: AtomicU64::new(0),
    parks: AtomicU64::new(0),
    readies: AtomicU64::new(0),
    yields: AtomicU64::new(0),
    sleeps: AtomicU64::new(0),
    syscalls: AtomicU64::new(0),
    locks: AtomicU64::new(0),
    stutters: AtomicU64::new(0),
    checks: AtomicU64::new(0),
    resizes: AtomicU64::new(0),
};

/// Add one to `c`.
pub fn bump(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

impl core::fmt::Display for Stats {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let g = |c: &AtomicU64| c.load(Ordering::Relaxed);
        write!(
            f,
            "rounds={} gs={} spawns={} msgs={} selects={} parks={} readies={} yields={} sleeps={} syscalls={} locks={} stutters={} checks={} resizes={}",
            g(&self.rounds),
            g(&self.gs),
            g(&self.spawns),
            g(&self.msgs),
            g(&self.selects),
            g(&self.parks),
            g(&self.readies),
            g(&self.yields),
            g(&self.sleeps),
            g(&self.syscalls),
            g(&self.locks),
            g(&self.stutters),
            g(&self.checks),
            g(&self.resizes),
        )
    }
}
