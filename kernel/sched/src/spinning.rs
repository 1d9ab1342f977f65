//! The spinning-M rules, as pure functions of the scheduler's counters.
//!
//! Design note: an M with no work "spins" — looks for work to steal — for a
//! while before it sleeps, so new work is picked up without an IPI and a
//! wake-up. Spinning burns a core, so Go bounds it (Go: proc.go's "Worker
//! thread parking/unparking"):
//!
//! * a new spinner is allowed only while spinners are at most half the
//!   busy Ps (`2 * nmspinning < gomaxprocs - npidle`);
//! * `wakep` starts a spinning M only if there is an idle P and no M is
//!   spinning yet: one spinner at a time, never a thundering herd;
//! * a spinning M that finds work stops spinning and, if it was the last
//!   spinner, calls `wakep` again, so parallelism ramps up one M at a time
//!   while work keeps appearing.
//!
//! Keeping the predicates here, apart from the atomics the kernel keeps
//! them in, makes every rule testable on the host. The kernel still does
//! the atomic steps (`nmspinning` CAS 0→1 in `wakep`, the decrement in
//! `resetspinning`) itself.

/// Whether an M may become a spinner (Go, findRunnable: `mp.spinning ||
/// 2*nmspinning < gomaxprocs-npidle`, the first half being "is already
/// one"). Spinners are limited to half the busy Ps, so with many Ps but
/// little parallel work CPU is not burned for nothing.
pub fn may_start_spinning(nmspinning: u32, gomaxprocs: u32, npidle: u32) -> bool {
    // lab spinning/limit: begin
    let busy = gomaxprocs.saturating_sub(npidle);
    u64::from(nmspinning) * 2 < u64::from(busy)
    // lab spinning/limit: end
}

/// Whether `wakep` should try to start a spinning M: some P is idle and no
/// M spins already (Go: `wakep` returns at once when `nmspinning != 0`,
/// and gives its claim back when `pidlegetSpinning` finds no idle P).
pub fn wakep_should_start(nmspinning: u32, npidle: u32) -> bool {
    nmspinning == 0 && npidle > 0
}

/// Whether `handoffp`, handing off a P with no work of its own, must start
/// a spinning M for it: nobody is spinning and no P is idle, so nobody
/// else would pick up work that appears (Go: `nmspinning + npidle == 0`).
pub fn handoffp_should_spin(nmspinning: u32, npidle: u32) -> bool {
    nmspinning == 0 && npidle == 0
}

/// Whether a spinning M that just stopped spinning (having decremented
/// `nmspinning` to `nmspinning_after`) was the last spinner: it must then
/// call `wakep` (Go: `resetspinning`) — if it found work — or re-check all
/// run queues before sleeping (findRunnable's "delicate dance").
pub fn was_last_spinner(nmspinning_after: u32) -> bool {
    nmspinning_after == 0
}
