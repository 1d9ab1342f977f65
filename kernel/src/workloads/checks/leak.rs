//! Nothing leaks: after 100,000 Gs have come and gone, every frame, heap
//! byte and G is accounted for.
//!
//! Like xv6's free-page counts around each test, but exact and while the
//! kernel keeps its caches: dead Gs are kept (with their stacks) on the
//! free-G lists for reuse, so "back to the start values" means, once those
//! lists are accounted for:
//! - every G but the main G is dead, and every dead G is on a free list;
//! - frames in use grew by exactly the G-stack pages (one top page per new
//!   G plus the pages its stack grew into), the page tables and the heap's
//!   growth — nothing else;
//! - heap bytes in use grew by exactly the new G structures and the `allgs`
//!   chunks that index them.
//!
//! The waves are run twice; the second run, reusing the first run's Gs,
//! must leave the accounting balanced as well.

use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;

use crate::prelude::*;
use crate::runtime::inspect::allg;
use crate::runtime::inspect::g::{G, Gstatus};
use crate::runtime::inspect::machine::{frame, gstack, heap};
use crate::runtime::inspect::sched::{SCHED, allp};
use crate::runtime::inspect::stw::{self, StwReason};
use crate::workloads::common::ledger::Ledger;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Usage {
    frames: u64,
    tables: u64,
    heap_used: u64,
    heap_mapped: u64,
    gs: u64,
    stacks: u64,
    stack_pages: u64,
    /// Gs not dead (only the main G once the waves are over).
    live: u64,
    /// Dead Gs on the per-P and global free lists.
    listed: u64,
}

fn usage() -> Usage {
    let (_, allocated) = frame::stats();
    let (used, mapped, _) = heap::stats();
    Usage {
        frames: allocated - gstack::reserved_frames(),
        tables: frame::table_frames(),
        heap_used: used as u64,
        heap_mapped: mapped as u64,
        gs: allg::allglen() as u64,
        stacks: gstack::allocated(),
        stack_pages: gstack::allocated() + gstack::faulted_pages(),
        live: live_gs(),
        listed: free_listed(),
    }
}

fn live_gs() -> u64 {
    let mut live = 0u64;
    allg::for_each(|g| {
        if g.status() != Gstatus::Gdead {
            live += 1;
        }
    });
    live
}

/// A snapshot of a stopped world in which every G but the main G is dead.
///
/// When the last wave's `wg.wait` returns, its Gs may still be in `goexit`
/// on other Ms (dead, not yet on a free list), and Ms top up their frame
/// reserves in `schedule` (allocate, then count the frame as reserved): a
/// snapshot taken in the middle of either sees frames, Gs or free lists in
/// flight. A stopped world settles those exactly: an M gives its P up only
/// from `schedule` or `findRunnable`, after `goexit0` put its G on a free
/// list and after the reserve top-up, and the stop allocates nothing.
///
/// A stop does not settle a G that called `wg.done()` and was preempted
/// before its closure returned: it still holds its clones of the wave's
/// `Arc`s (the ledger's 100,000 bytes among them), so the heap reads high.
/// A CI run caught exactly that ("100144 bytes unaccounted", with the
/// ledger line showing every G exited by the end of the run). So the
/// snapshot is taken only in a world where no G but this one is alive;
/// otherwise the world is restarted and the stragglers given time to exit.
fn settled_usage() -> Result<Usage, String> {
    let deadline = nanotime() + 10_000_000_000;
    loop {
        let w = stw::stop_the_world(StwReason::Test);
        let u = usage();
        let _ = stw::start_the_world(w);
        if u.live == 1 {
            return Ok(u);
        }
        if nanotime() > deadline {
            return Err(format!(
                "{} Gs still alive 10 s after their wave was over (expected only the main G)",
                u.live
            ));
        }
        // Yield, not `sleep`: a first sleep on a P grows that P's timer
        // heap, which this check would then have to account for.
        gosched();
    }
}

fn free_listed() -> u64 {
    let local: u64 = allp().iter().map(|pp| pp.gfree_len() as u64).sum();
    local + SCHED.gfree.lock().len() as u64
}

/// Heap bytes one G structure takes (the allocator rounds to 8, at least 16).
fn g_heap_bytes() -> u64 {
    (core::mem::size_of::<G>() as u64)
        .next_multiple_of(8)
        .max(16)
}

fn waves(n_waves: usize, size: usize) -> Result<(), String> {
    let ledger = Arc::new(Ledger::new(n_waves * size));
    for w in 0..n_waves {
        let wg = Arc::new(WaitGroup::new());
        wg.add(size as i64);
        for i in 0..size {
            let (l, wg) = (ledger.clone(), wg.clone());
            let straggler = w == n_waves - 1 && i == size - 1;
            go(move || {
                l.mark(w * size + i);
                wg.done();
                if straggler {
                    // The last G outlives `wg.done()` holding its clones
                    // of the ledger and the group, every run: the race
                    // `settled_usage` must wait out, made certain. (It
                    // yields rather than sleeps, for the reason given in
                    // `settled_usage`.)
                    let until = nanotime() + 50_000_000;
                    while nanotime() < until {
                        gosched();
                    }
                }
                drop((l, wg));
            });
        }
        wg.wait();
    }
    ledger.verify("leak waves")
}

fn check(before: Usage, after: Usage, what: &str) -> Result<(), String> {
    let new_gs = after.gs - before.gs;
    let chunk_bytes = allg::chunk_bytes(after.gs as usize) - allg::chunk_bytes(before.gs as usize);
    let expect_heap = before.heap_used + new_gs * g_heap_bytes() + chunk_bytes;
    if after.heap_used != expect_heap {
        return Err(format!(
            "{what}: heap in use is {} bytes, expected {expect_heap} ({new_gs} new Gs): {} bytes unaccounted",
            after.heap_used,
            after.heap_used as i64 - expect_heap as i64
        ));
    }
    let expect_frames = before.frames
        + (after.stack_pages - before.stack_pages)
        + (after.tables - before.tables)
        + (after.heap_mapped - before.heap_mapped) / 4096;
    if after.frames != expect_frames {
        return Err(format!(
            "{what}: {} frames in use, expected {expect_frames}: {} frames unaccounted",
            after.frames,
            after.frames as i64 - expect_frames as i64
        ));
    }
    if after.stacks != after.gs {
        return Err(format!(
            "{what}: {} G stacks for {} Gs",
            after.stacks, after.gs
        ));
    }
    let (live, listed) = (after.live, after.listed);
    if live != 1 || listed != after.gs - 1 {
        return Err(format!(
            "{what}: {live} Gs not dead (expected only the main G) and {listed} of {} dead Gs on free lists",
            after.gs - 1
        ));
    }
    kprintln!(
        "leak: {what}: {} Gs exist, all dead but main and all {listed} on free lists; frames +{} (stack pages +{}, page tables +{}, heap +{} KiB), heap bytes +{} — all accounted",
        after.gs,
        after.frames - before.frames,
        after.stack_pages - before.stack_pages,
        after.tables - before.tables,
        (after.heap_mapped - before.heap_mapped) / 1024,
        after.heap_used - before.heap_used
    );
    Ok(())
}

/// Run 100,000 Gs twice and balance the books after each run.
pub fn run() -> Verdict {
    // No reserve top-up from here: `gstack::refill_this_cpu` belongs to g0
    // with interrupts off (an earlier version called it on this G, raced
    // its M's own refill and lost a whole reserve of 16 frames).
    let start = settled_usage()?;
    waves(10, 10_000)?;
    let first = settled_usage()?;
    check(start, first, "after 100,000 Gs")?;
    waves(10, 10_000)?;
    let second = settled_usage()?;
    check(start, second, "after 200,000 Gs")?;
    Ok(())
}
