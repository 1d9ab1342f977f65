//! Self-checking scheduler tests run by `tests/` in QEMU.

use alloc::format;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

use super::Verdict;
use super::ledger::Ledger;
use super::wait;
use crate::arch::percpu;
use crate::kprintln;
use crate::runtime::{WaitGroup, go, gosched, m, sched};

const WAVES: usize = 10;
const WAVE_SIZE: usize = 10_000;
const TREE_DEPTH: u32 = 13;
const TREES: usize = 4;

/// Spawn a binary tree of Gs of `depth` below `index`; each node marks its
/// ledger slot (heap numbering: children of i are 2i+1, 2i+2).
fn tree(ledger: Arc<Ledger>, done: Arc<AtomicUsize>, base: usize, index: usize, depth: u32) {
    ledger.mark(base + index);
    if depth > 0 {
        for child in [2 * index + 1, 2 * index + 2] {
            let (l, d) = (ledger.clone(), done.clone());
            go(move || tree(l, d, base, child, depth - 1));
        }
    }
    done.fetch_add(1, Ordering::Release);
}

/// ≥ 100,000 Gs in waves from the main G, then nested spawn trees started
/// from several Gs at once; every G must run exactly once.
pub fn ledger_waves_and_trees() -> Verdict {
    let ledger = Arc::new(Ledger::new(WAVES * WAVE_SIZE));
    let done = Arc::new(AtomicUsize::new(0));
    for w in 0..WAVES {
        for i in 0..WAVE_SIZE {
            let (l, d) = (ledger.clone(), done.clone());
            go(move || {
                l.mark(w * WAVE_SIZE + i);
                d.fetch_add(1, Ordering::Release);
            });
        }
        wait::until_count(&done, (w + 1) * WAVE_SIZE);
    }
    ledger.verify("waves")?;
    kprintln!(
        "ledger: {} Gs in {WAVES} waves ran exactly once",
        WAVES * WAVE_SIZE
    );

    let nodes = (1usize << (TREE_DEPTH + 1)) - 1;
    let tree_ledger = Arc::new(Ledger::new(TREES * nodes));
    let tree_done = Arc::new(AtomicUsize::new(0));
    for t in 0..TREES {
        let (l, d) = (tree_ledger.clone(), tree_done.clone());
        go(move || tree(l, d, t * nodes, 0, TREE_DEPTH));
    }
    wait::until_count(&tree_done, TREES * nodes);
    tree_ledger.verify("trees")?;
    kprintln!(
        "ledger: {TREES} spawn trees of depth {TREE_DEPTH} ({} Gs) ran exactly once",
        TREES * nodes
    );
    kprintln!(
        "ledger: {} Gs in all, {} G structures created",
        WAVES * WAVE_SIZE + TREES * nodes,
        crate::runtime::allg::allglen()
    );
    Ok(())
}

/// Go's TestGoroutineParallelism: gomaxprocs Gs pass a token around in a
/// fixed order by spinning on a shared counter, without ever yielding. This
/// can only finish if all of them run at the same time, on different Ps.
pub fn parallelism() -> Verdict {
    let procs = sched::gomaxprocs();
    const TRIES: usize = 5;
    const ROUNDS: u32 = 3;
    for _ in 0..TRIES {
        let x = Arc::new(AtomicU32::new(0));
        let wg = Arc::new(WaitGroup::new());
        let ms = Arc::new(AtomicU32::new(0));
        wg.add(procs as i64);
        for p in 0..procs {
            let (x, wg, ms) = (x.clone(), wg.clone(), ms.clone());
            go(move || {
                for i in 0..ROUNDS {
                    let expected = procs * i + p;
                    while x.load(Ordering::Acquire) != expected {
                        core::hint::spin_loop();
                    }
                    ms.fetch_or(1 << (percpu::this_m_id() % 32), Ordering::Relaxed);
                    x.store(expected + 1, Ordering::Release);
                }
                wg.done();
            });
        }
        // The main G parks (it must not hold a P while the spinners need all of them).
        wg.wait();
        let distinct = ms.load(Ordering::Relaxed).count_ones();
        if distinct < procs.min(32) {
            return Err(format!("only {distinct} Ms took part, expected {procs}"));
        }
    }
    kprintln!("parallelism: {procs} Gs ran simultaneously on {procs} Ps, {TRIES} times");
    Ok(())
}

/// Many Gs yielding in a loop: every yield must come back, every G must
/// finish, counts exact.
pub fn yield_heavy() -> Verdict {
    const GS: usize = 64;
    const YIELDS: usize = 1_000;
    let counts: Arc<Vec<AtomicUsize>> = Arc::new((0..GS).map(|_| AtomicUsize::new(0)).collect());
    let done = Arc::new(AtomicUsize::new(0));
    for g in 0..GS {
        let (counts, done) = (counts.clone(), done.clone());
        go(move || {
            for _ in 0..YIELDS {
                counts[g].fetch_add(1, Ordering::Relaxed);
                gosched();
            }
            done.fetch_add(1, Ordering::Release);
        });
    }
    wait::until_count(&done, GS);
    for (g, c) in counts.iter().enumerate() {
        let c = c.load(Ordering::Relaxed);
        if c != YIELDS {
            return Err(format!("G #{g} yielded {c} times, expected {YIELDS}"));
        }
    }
    kprintln!(
        "yield: {GS} Gs yielded {YIELDS} times each ({} yields)",
        GS * YIELDS
    );
    Ok(())
}

/// With fewer Ps than cores, no more than `procs` Ms ever hold a P at once,
/// and the work still completes.
pub fn procs_below_cores() -> Verdict {
    let procs = sched::gomaxprocs() as usize;
    let cores = m::mcount();
    const GS: usize = 20_000;
    let ledger = Arc::new(Ledger::new(GS));
    let done = Arc::new(AtomicUsize::new(0));
    let worst = Arc::new(AtomicUsize::new(0));
    let ran_on = Arc::new(AtomicU32::new(0));
    for i in 0..GS {
        let (l, d, worst, ran_on) = (ledger.clone(), done.clone(), worst.clone(), ran_on.clone());
        go(move || {
            let holding = m::all()
                .iter()
                .filter(|mp| !mp.p.load(Ordering::Acquire).is_null())
                .count();
            worst.fetch_max(holding, Ordering::Relaxed);
            ran_on.fetch_or(1 << (percpu::this_m_id() % 32), Ordering::Relaxed);
            l.mark(i);
            d.fetch_add(1, Ordering::Release);
        });
    }
    wait::until_count(&done, GS);
    ledger.verify("procs")?;
    let worst = worst.load(Ordering::Relaxed);
    if worst > procs {
        return Err(format!("{worst} Ms held Ps at once with procs={procs}"));
    }
    kprintln!(
        "procs: gomaxprocs={procs} on {cores} cores; at most {worst} Ms held Ps at once; Gs ran on {} distinct Ms",
        ran_on.load(Ordering::Relaxed).count_ones()
    );
    Ok(())
}
