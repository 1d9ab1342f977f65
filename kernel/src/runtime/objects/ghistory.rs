//! A G's last status changes: who moved it, to what, on which M, when.
//!
//! Design note: a hand-off bug (a G readied twice, or after it exited)
//! shows up far from its cause — the `casgstatus` that fails is the
//! *second* wake-up; the interesting one is the first. So every G keeps its
//! last [`DEPTH`] hand-offs — parked, readied, created, exited: every move
//! into or out of `Gwaiting` or `Gdead` — and a failed `casgstatus` prints
//! them. The moves between runnable and running (a yield, a preemption,
//! `execute`) are not recorded: they are the switch path itself, and they
//! never hand the G to a waker. Each record costs two plain stores into the
//! G (measured in docs/BENCH.md): a packed word — the source location that asked for the
//! move (a `&'static Location`, whose alignment leaves its low three bits
//! free for the new status), the M in the top 16 bits (kernel addresses
//! have them all set, so they are restored when read) — and the TSC.
//!
//! The history is kept by the dev kernel — the one `cargo run` and `cargo
//! test` boot, built with debug assertions — and left out of the release
//! kernel that `bench` measures (two records cost about 35 instructions on
//! a channel hand-off; see docs/BENCH.md). A failed `casgstatus` in a
//! release kernel says so instead of printing an empty history.
//!
//! Only the G's current owner changes its status (see `runtime::g`), so the
//! entries are written by one core at a time and need no atomics beyond
//! relaxed ones; a racing second writer is exactly the bug that the failed
//! `casgstatus` is about to report, and what it printed may then be torn.

use core::fmt;
use core::panic::Location;
use core::sync::atomic::{AtomicU8, AtomicU64, Ordering};

use crate::arch::{cpu, percpu};
use crate::runtime::objects::g::Gstatus;

/// Transitions kept per G.
pub const DEPTH: usize = 4;

/// The last [`DEPTH`] status changes of one G.
pub struct History {
    words: [AtomicU64; DEPTH],
    tscs: [AtomicU64; DEPTH],
    next: AtomicU8,
}

const STATUS_MASK: u64 = 0b111;
const M_SHIFT: u32 = 48;
const ADDR_MASK: u64 = (1 << M_SHIFT) - 1;

impl History {
    /// Whether this kernel keeps histories (see the module docs).
    pub const ENABLED: bool = cfg!(debug_assertions);

    pub const fn new() -> History {
        History {
            words: [const { AtomicU64::new(0) }; DEPTH],
            tscs: [const { AtomicU64::new(0) }; DEPTH],
            next: AtomicU8::new(0),
        }
    }

    /// Whether the move `old` -> `new` is a hand-off worth keeping (see the
    /// module docs). Both are constants at every call site, so this folds
    /// away at compile time.
    #[inline(always)]
    pub const fn worth_recording(old: Gstatus, new: Gstatus) -> bool {
        matches!(old, Gstatus::Gwaiting | Gstatus::Gdead | Gstatus::Gidle)
            || matches!(new, Gstatus::Gwaiting | Gstatus::Gdead)
    }

    /// Record a move to `new` asked for at `site`, by this core, now.
    #[inline(always)]
    pub fn record(&self, new: Gstatus, site: &'static Location<'static>) {
        let i = self.next.load(Ordering::Relaxed);
        let addr = site as *const Location<'static> as u64;
        let word = (addr & ADDR_MASK & !STATUS_MASK)
            | new as u64
            | (u64::from(percpu::this_cpu_id()) << M_SHIFT);
        let slot = usize::from(i) % DEPTH;
        self.words[slot].store(word, Ordering::Relaxed);
        self.tscs[slot].store(cpu::rdtsc(), Ordering::Relaxed);
        self.next.store(i.wrapping_add(1), Ordering::Relaxed);
    }

    /// The recorded transitions, oldest first: (status, site, M, TSC).
    pub fn entries(&self) -> impl Iterator<Item = Entry> + '_ {
        let next = self.next.load(Ordering::Relaxed);
        let n = usize::from(next).min(DEPTH);
        (0..n).filter_map(move |k| {
            let slot = (usize::from(next) + DEPTH - n + k) % DEPTH;
            let word = self.words[slot].load(Ordering::Relaxed);
            if word == 0 {
                return None;
            }
            // Kernel addresses have their top 16 bits set (the kernel runs
            // in the top 2 GiB): restore them over the M id.
            let addr = (word & ADDR_MASK & !STATUS_MASK) | !ADDR_MASK;
            // SAFETY: only `&'static Location`s are packed into the words,
            // and the packing keeps every bit of a kernel address.
            let site = unsafe { &*(addr as *const Location<'static>) };
            Some(Entry {
                status: Gstatus::from_u32((word & STATUS_MASK) as u32),
                site,
                m: (word >> M_SHIFT) as u32,
                tsc: self.tscs[slot].load(Ordering::Relaxed),
            })
        })
    }
}

impl Default for History {
    fn default() -> Self {
        Self::new()
    }
}

/// One recorded transition.
pub struct Entry {
    pub status: Gstatus,
    pub site: &'static Location<'static>,
    pub m: u32,
    pub tsc: u64,
}

impl fmt::Display for History {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !Self::ENABLED {
            return write!(
                f,
                "  (this release kernel keeps no G history; boot the dev kernel, `cargo run` without --release, to see it)"
            );
        }
        write!(f, "  its last status changes, oldest first:")?;
        let now = cpu::rdtsc();
        for e in self.entries() {
            write!(
                f,
                "\n    -> {:<8} on M{:<3} {:>12} TSC ticks ago, asked at {}:{}",
                e.status.name(),
                e.m,
                now.wrapping_sub(e.tsc),
                e.site.file(),
                e.site.line()
            )?;
        }
        Ok(())
    }
}
