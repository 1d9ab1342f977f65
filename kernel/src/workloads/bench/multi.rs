//! Benchmarks across Ps: cross-P channel hand-off, waking a parked M,
//! stealing from a busy P, and the fib spawn tree at the booted `procs`.
//! Latencies here are only meaningful in real time (multi-threaded TCG
//! gives an upper bound, real KVM the truth); under `-icount` all vCPUs run
//! round-robin in one host thread, so the numbers measure that round-robin.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::measure::{report, report_probe, report_ticks, ticks_to_unit};
use crate::prelude::*;
use crate::prelude::{this_m, this_p, unwire, wire};
use crate::runtime::inspect::machine;
use crate::runtime::inspect::probe;
use crate::runtime::inspect::sched;
use crate::workloads::common::fibtree::{CUTOFF, fib_seq, fib_tree};

const ROUNDS: usize = 40;

pub(super) fn note_realtime(name: &str) {
    let opts = crate::runtime::inspect::debug::options();
    if opts.lockstep > 0 {
        kprintln!(
            "BENCH-NOTE {name} on per-core instruction clocks (lockstep={}): the cores run in parallel, one instruction per ns each",
            opts.lockstep
        );
    } else if opts.icount {
        kprintln!(
            "BENCH-NOTE {name} meaningful only in real time: under -icount the vCPUs run round-robin in one host thread"
        );
    } else {
        kprintln!(
            "BENCH-NOTE {name} multi-threaded TCG gives an upper bound; real KVM gives the truth"
        );
    }
}

/// Hand-offs that must cross Ps for `chan-pingpong-2p` to print a figure.
const MIN_CROSSED_PERCENT: u64 = 99;

/// Unbuffered channel ping-pong between two Gs wired to two different
/// cores (`wire`, the counterpart of Go's LockOSThread), so every one-way
/// hand-off crosses Ps: the receiver is woken on its own core by an IPI.
/// Unwired, a readied G goes to the waker's `runnext` and the pair shares
/// one P (0 of 2000 hand-offs crossed, 2026-11-28): that figure measured
/// the one-P path. The crossings are counted, and no figure is printed
/// unless at least `MIN_CROSSED_PERCENT` % of the hand-offs crossed.
pub fn chan_pingpong_2p() -> Result<(), String> {
    if sched::gomaxprocs() < 2 {
        return Err(String::from("chan-pingpong-2p needs procs >= 2"));
    }
    let crossed = Arc::new(AtomicU64::new(0));
    let total = Arc::new(AtomicU64::new(0));
    let ping: Chan<u32> = Chan::new(0);
    let pong: Chan<u32> = Chan::new(0);
    let wired: Chan<u32> = Chan::new(1);
    let done: Chan<Vec<f64>> = Chan::new(1);
    {
        let (ping, pong, crossed, total, wired) = (
            ping.clone(),
            pong.clone(),
            crossed.clone(),
            total.clone(),
            wired.clone(),
        );
        go(move || {
            wired.send(wire());
            while let Some(p) = ping.recv() {
                let me = this_p();
                total.fetch_add(1, Ordering::Relaxed);
                if me != p {
                    crossed.fetch_add(1, Ordering::Relaxed);
                }
                pong.send(me);
            }
            unwire();
        });
    }
    let responder_m = wired.recv().ok_or("the responder did not wire")?;
    {
        let done = done.clone();
        go(move || {
            // Move off the responder's core (a yield goes to the global
            // queue, where another M picks it up), then stay put.
            while this_m() == responder_m {
                gosched();
            }
            wire();
            let mut v = Vec::with_capacity(2_000);
            for _ in 0..2_000 {
                let me = this_p();
                let t0 = machine::clock_ticks();
                ping.send(me);
                let _ = pong.recv();
                v.push(machine::clock_ticks().saturating_sub(t0) as f64 / 2.0);
            }
            unwire();
            ping.close();
            done.send(v);
        });
    }
    let v = done.recv().ok_or("no samples")?;
    let (crossed, total) = (
        crossed.load(Ordering::Relaxed),
        total.load(Ordering::Relaxed),
    );
    kprintln!(
        "BENCH-NOTE chan-pingpong-2p {crossed} of {total} hand-offs crossed Ps (the two Gs are wired to different cores)"
    );
    if crossed * 100 < total * MIN_CROSSED_PERCENT {
        return Err(alloc::format!(
            "chan-pingpong-2p: only {crossed} of {total} hand-offs crossed Ps (need {MIN_CROSSED_PERCENT}%): the figure would measure the one-P path"
        ));
    }
    let mut s = ticks_to_unit(&v);
    report("chan-pingpong-2p", &mut s);
    note_realtime("chan-pingpong-2p");
    Ok(())
}

/// A new G on a busy P wakes a parked M: IPI sent until that M runs.
pub fn wake_latency() -> Result<(), String> {
    probe::WAKE.clear();
    probe::ENABLED.store(true, Ordering::Release);
    for _ in 0..ROUNDS {
        let ran = Arc::new(AtomicBool::new(false));
        let r = ran.clone();
        go(move || r.store(true, Ordering::Release));
        // Stay busy so that only another M can run the new G.
        let until = nanotime() + 2 * MS;
        while !ran.load(Ordering::Acquire) && nanotime() < until {
            core::hint::spin_loop();
        }
        sleep(2 * MS);
    }
    report_probe("wake-latency", &probe::WAKE, "no M was woken")?;
    note_realtime("wake-latency");
    Ok(())
}

/// Work appears on a busy P until another M runs it (wake + steal,
/// including Go's ~3 us pause before taking a running P's runnext).
pub fn steal_latency() -> Result<(), String> {
    let mut ticks = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let started = Arc::new(AtomicU64::new(0));
        let s2 = started.clone();
        let t0 = machine::clock_ticks();
        go(move || s2.store(machine::clock_ticks(), Ordering::Release));
        let until = nanotime() + 50 * MS;
        while started.load(Ordering::Acquire) == 0 && nanotime() < until {
            core::hint::spin_loop();
        }
        let t1 = started.load(Ordering::Acquire);
        if t1 != 0 {
            ticks.push(t1.saturating_sub(t0) as f64);
        }
        sleep(2 * MS);
    }
    report_ticks("steal-latency", &ticks, "no G was stolen from the busy P")?;
    note_realtime("steal-latency");
    Ok(())
}

/// The fib spawn tree's wall time at the booted `procs` (the runner boots
/// procs = 1..N and divides for the speedup).
pub fn fib_procs() -> Result<(), String> {
    const N: u64 = 24;
    let expect = fib_seq(N);
    let mut ns = Vec::new();
    for _ in 0..3 {
        let t0 = nanotime();
        let v = fib_tree(N);
        ns.push((nanotime() - t0) as f64);
        if v != expect {
            return Err(alloc::format!("fib({N}) = {v}, expected {expect}"));
        }
    }
    let name = alloc::format!("fib-procs-{}", sched::gomaxprocs());
    report(&name, &mut ns);
    note_realtime(&name);
    note_tree(&name, N);
    Ok(())
}

/// The shape of fib_tree(n), for the ideal speedup (work / critical path):
/// the internal nodes (each a G spawned, a channel, a send and a receive),
/// the summed cost of the leaves, and on the critical path (the chain of
/// n-1 children) its internal nodes and the cost of its leaf. Leaves are
/// timed here with interrupts off, so no tick or turn lands inside; the
/// runner takes an internal node's cost from fib-procs-1.
fn note_tree(name: &str, n: u64) {
    let leaf_cost = |k: u64| -> u64 {
        let were = machine::interrupts_disable_save();
        let t0 = machine::rdtsc();
        core::hint::black_box(fib_seq(core::hint::black_box(k)));
        let t = machine::ticks_to_ns(machine::rdtsc() - t0);
        machine::interrupts_restore(were);
        t
    };
    let costs: Vec<u64> = (0..CUTOFF).map(leaf_cost).collect();
    // (internal nodes, leaf work) of the subtree at k.
    fn shape(k: u64, costs: &[u64]) -> (u64, u64) {
        if k < CUTOFF {
            return (0, costs[k as usize]);
        }
        let (a, b) = (shape(k - 1, costs), shape(k - 2, costs));
        (1 + a.0 + b.0, a.1 + b.1)
    }
    let (internal, leaves) = shape(n, &costs);
    let depth = n + 1 - CUTOFF;
    kprintln!(
        "BENCH-NOTE {name} tree n={n} cutoff={CUTOFF} internal={internal} leaf_work={leaves} path_nodes={depth} path_leaf={}",
        costs[(CUTOFF - 1) as usize]
    );
}
