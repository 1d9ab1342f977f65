//! Many interleavings from the random scheduler (exact clocks, skewed
//! clocks, lost events) and inputs with no schedule at all: Go accepts
//! every converted trace.

use gmp_sched::trace::{Event, StopReason};

use super::go::{check, goroutines, header, input_goroutines};
use super::sim::{Rng, simulate};

/// Exact clocks: every random schedule converts without a single repair,
/// and Go sees exactly the goroutines the input has.
#[test]
fn random_schedules_convert_without_repairs() {
    for seed in 1..=8 {
        let (ncpu, nprocs) = [(2, 2), (3, 2), (4, 4), (4, 3)][seed as usize % 4];
        let mut ev = simulate(seed, ncpu, nprocs, 1_500, 0);
        let name = format!("sim-exact-{seed}");
        let Some((c, listing)) = check(&name, &header(ncpu, nprocs), &mut ev) else {
            return;
        };
        assert!(!c.repairs.any(), "{name}: {:?}", c.repairs);
        assert_eq!(goroutines(&listing), input_goroutines(&ev), "{name}");
        assert_eq!(c.goroutines as usize, input_goroutines(&ev).len(), "{name}");
    }
}

/// Clocks skewed across cores by up to 25 steps: Go still accepts every
/// trace.
#[test]
fn random_schedules_with_skewed_clocks_are_accepted() {
    for seed in 11..=18 {
        let (ncpu, nprocs) = [(2, 2), (3, 2), (4, 4), (4, 3)][seed as usize % 4];
        let mut ev = simulate(seed, ncpu, nprocs, 1_500, 250);
        let name = format!("sim-skew-{seed}");
        let Some((c, _)) = check(&name, &header(ncpu, nprocs), &mut ev) else {
            return;
        };
        println!("{name}: {} events, repairs {:?}", ev.len(), c.repairs);
    }
}

/// Events lost at random, and one core's buffer filling up (everything
/// after a point lost): Go still accepts every trace, and the losses show
/// as repairs.
#[test]
fn random_schedules_with_lost_events_are_accepted() {
    for seed in 21..=28 {
        let (ncpu, nprocs) = [(2, 2), (3, 2), (4, 4), (4, 3)][seed as usize % 4];
        let full = simulate(seed, ncpu, nprocs, 1_500, 30);
        let mut r = Rng(seed);
        let cut = full[full.len() / 2].ts();
        let mut ev: Vec<Event> = full
            .iter()
            .copied()
            .filter(|e| !r.chance(3) && !(e.m() == 1 && e.ts() > cut))
            .collect();
        let name = format!("sim-lossy-{seed}");
        let Some((c, _)) = check(&name, &header(ncpu, nprocs), &mut ev) else {
            return;
        };
        assert!(c.repairs.any(), "{name}: losing events needs repairs");
        println!("{name}: {} events, repairs {:?}", ev.len(), c.repairs);
    }
}

/// Events of random kinds about random cores, Ps and Gs — no schedule at
/// all: the converter neither panics nor writes anything Go rejects.
#[test]
fn random_garbage_still_makes_a_valid_trace() {
    for seed in 31..=38 {
        let mut r = Rng(seed * 7_919);
        let mut ts = [1_000u64; 3];
        let mut ev = Vec::new();
        for _ in 0..600 {
            let m = r.below(3) as u32;
            ts[m as usize] += r.below(20);
            let t = ts[m as usize];
            let p = (!r.chance(10)).then(|| r.below(3) as u32);
            let goid = 1 + r.below(8);
            ev.push(match r.below(11) {
                0 => Event::GoCreate {
                    ts: t,
                    m,
                    p,
                    goid,
                    parent: r.below(4),
                },
                1 => Event::GoStart { ts: t, m, p, goid },
                2 => Event::GoStop {
                    ts: t,
                    m,
                    p,
                    goid,
                    reason: StopReason::Preempted,
                },
                3 => Event::GoBlock {
                    ts: t,
                    m,
                    p,
                    goid,
                    reason: r.below(12) as u8,
                },
                4 => Event::GoUnblock {
                    ts: t,
                    m,
                    p,
                    goid,
                    by: 0,
                },
                5 => Event::GoEnd { ts: t, m, p, goid },
                6 => Event::GoSyscallBegin { ts: t, m, p, goid },
                7 => Event::GoSyscallEnd { ts: t, m, p, goid },
                8 => Event::ProcStart { ts: t, m, p },
                9 => Event::ProcStop { ts: t, m, p },
                _ => Event::Handoff { ts: t, m, p },
            });
        }
        let name = format!("garbage-{seed}");
        let Some((c, _)) = check(&name, &header(3, 3), &mut ev) else {
            return;
        };
        assert!(c.repairs.any(), "{name}");
    }
}
