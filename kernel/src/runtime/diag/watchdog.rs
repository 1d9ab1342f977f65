//! The watchdog: a core that stops taking timer ticks is found and made to
//! say where it is stuck.
//!
//! Every core that is not parked ticks; a core whose tick count stands still
//! while sysmon's core (M0) counts [`STALL_TICKS`] ticks has had interrupts
//! off all that time — spinning on a lock, or a bug. Sysmon then sends it an
//! NMI (which arrives even with interrupts off); the NMI handler sees the
//! request, reports the core, the G and the interrupted RIP, and fails the
//! run instead of letting it hang. M1 watches M0 the same way, so a stuck
//! sysmon core is caught too; for that M1 keeps ticking even while parked
//! (`stopm`), like M0 — but not under `icount` (see `ticks_while_parked`). Ticks, not time, are compared: a vCPU that the
//! host merely deschedules stops ticking *and* stops the clock it would be
//! compared against.

use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::arch::apic;
use crate::runtime::objects::m::{self, M, MAX_MS};

/// A core is declared stuck after this many of its watcher's ticks without
/// a tick of its own (5 s at the default 1 ms tick).
pub const STALL_TICKS: u64 = 5_000;

static LAST_SEEN: [AtomicU64; MAX_MS] = [const { AtomicU64::new(0) }; MAX_MS];
static SINCE: [AtomicU64; MAX_MS] = [const { AtomicU64::new(0) }; MAX_MS];
/// Set on a core that the watchdog NMI'd; its NMI handler reports.
pub static REQUESTED: [AtomicBool; MAX_MS] = [const { AtomicBool::new(false) }; MAX_MS];
/// Watcher ticks a stuck core went without a tick, for its report.
pub static STALLED_FOR: [AtomicU64; MAX_MS] = [const { AtomicU64::new(0) }; MAX_MS];

/// Check `target` from `watcher`'s tick.
fn check(watcher: &M, target: &M) {
    let i = target.id as usize;
    let now = watcher.ticks.load(Ordering::Relaxed);
    let t = target.ticks.load(Ordering::Relaxed);
    if target.idle.load(Ordering::Relaxed)
        || !target.online.load(Ordering::Relaxed)
        || LAST_SEEN[i].load(Ordering::Relaxed) != t
    {
        LAST_SEEN[i].store(t, Ordering::Relaxed);
        SINCE[i].store(now, Ordering::Relaxed);
        return;
    }
    let since = SINCE[i].load(Ordering::Relaxed);
    if now.saturating_sub(since) >= STALL_TICKS && !REQUESTED[i].swap(true, Ordering::AcqRel) {
        STALLED_FOR[i].store(now - since, Ordering::Relaxed);
        apic::send_nmi(target.apic());
    }
}

/// From the timer tick: M0 watches every other core, M1 watches M0.
pub fn on_tick(me: &M) {
    let all = m::all();
    if me.id == 0 {
        for target in &all[1..] {
            check(me, target);
        }
    } else if me.id == 1 {
        check(me, &all[0]);
    }
}
