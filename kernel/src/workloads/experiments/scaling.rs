//! `scaling`: what N cores cost per unit of work, and where the rest goes
//! (lockstep only: `--lockstep`, `bench --scaling`).
//!
//! Design note. Two fixed amounts of work run at GOMAXPROCS = every core:
//! - `fib`: the fib(FIB_N) spawn tree (a G per internal node); the unit is
//!   a G;
//! - `pc`: the lesson's producer–consumer shape, one producer and one
//!   consumer per P on one buffered channel, each item costing the consumer
//!   a fib(ITEM_FIB); the unit is an item.
//!
//! Lockstep's clocks (`arch::lockstep`) say, for each part, how much core
//! time it took in all (cores × elapsed, read after the part with every
//! parked core idle until then) and how that splits: instructions the cores
//! executed (busy), of which spent spinning (an M looking for work, its
//! steal attempts included), and time parked (idle). One line per part:
//!
//! `SCALE fib cores=N units=U elapsed=E core_time=C busy=B spinning=S idle=I`
//!
//! On one core the core time per unit is the work itself; the runner draws
//! the rest as the gap. Waiting on `sched.lock` is not a column: in
//! lockstep a core gives up its turn only with interrupts on, in a spin
//! loop or parked, never inside a lock's critical section, so two cores'
//! critical sections never overlap and nobody waits (docs/BENCH.md).

use alloc::format;
use alloc::sync::Arc;

use crate::prelude::*;
use crate::runtime::inspect::{m, machine, sched};
use crate::workloads::common::fibtree::{fib_seq, fib_tree};

/// The fib part's tree: fib(26) with leaves below 14 (609 Gs).
const FIB_N: u64 = 26;
/// The producer-consumer part's items, in all.
const ITEMS: u64 = 8192;
/// What one item costs its consumer.
const ITEM_FIB: u64 = 12;

/// The clocks' totals at one moment, ns.
struct Totals {
    causal: u64,
    own: u64,
    idle: u64,
    spin: u64,
}

fn totals() -> Result<Totals, alloc::string::String> {
    let r = machine::lockstep_report().ok_or("scaling needs lockstep: run with --lockstep")?;
    let spin = m::all()
        .iter()
        .map(|mp| mp.spin_ticks.load(core::sync::atomic::Ordering::Relaxed))
        .sum();
    Ok(Totals {
        causal: r.causal,
        own: r.cores.iter().map(|c| c.own).sum(),
        idle: r.cores.iter().map(|c| c.idle).sum(),
        spin: machine::ticks_to_ns(spin),
    })
}

fn part(name: &str, units: u64, work: impl FnOnce() -> Verdict) -> Verdict {
    let before = totals()?;
    let t0 = nanotime();
    work()?;
    let elapsed = nanotime() - t0;
    let after = totals()?;
    let (busy, idle) = (after.own - before.own, after.idle - before.idle);
    kprintln!(
        "SCALE {name} cores={} units={units} elapsed={elapsed} core_time={} busy={busy} spinning={} idle={idle} causal={}",
        m::mcount(),
        busy + idle,
        after.spin - before.spin,
        after.causal - before.causal
    );
    Ok(())
}

/// fib(FIB_N), known beforehand, so that checking the answer costs nothing
/// inside the timed part.
const FIB_26: u64 = 121_393;

fn producer_consumer() -> Verdict {
    let procs = sched::gomaxprocs() as u64;
    let ch: Chan<u64> = Chan::new(64);
    let produced = Arc::new(WaitGroup::new());
    let consumed = Arc::new(WaitGroup::new());
    produced.add(procs as i64);
    consumed.add(procs as i64);
    for i in 0..procs {
        let (tx, produced) = (ch.clone(), produced.clone());
        let n = ITEMS / procs + u64::from(i < ITEMS % procs);
        go(move || {
            for k in 0..n {
                tx.send(k);
            }
            produced.done();
        });
        let (rx, consumed) = (ch.clone(), consumed.clone());
        go(move || {
            while rx.recv().is_some() {
                core::hint::black_box(fib_seq(core::hint::black_box(ITEM_FIB)));
            }
            consumed.done();
        });
    }
    produced.wait();
    ch.close();
    consumed.wait();
    Ok(())
}

/// Run both parts on every core (lockstep only).
pub fn run() -> Verdict {
    if machine::lockstep_report().is_none() {
        return Err(
            "the scaling workload measures on per-core clocks: run it with --lockstep".into(),
        );
    }
    let gs = fib_tree_gs(FIB_N);
    part("fib", gs, || match fib_tree(FIB_N) {
        FIB_26 => Ok(()),
        v => Err(format!("fib({FIB_N}) = {v}, not {FIB_26}")),
    })?;
    part("pc", ITEMS, producer_consumer)
}

/// Gs the tree spawns: one per internal node.
fn fib_tree_gs(n: u64) -> u64 {
    if n < crate::workloads::common::fibtree::CUTOFF {
        0
    } else {
        1 + fib_tree_gs(n - 1) + fib_tree_gs(n - 2)
    }
}
