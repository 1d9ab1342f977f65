//! The mutex steps one by one, a scripted starvation scenario, and the
//! N-goroutine model under seeded and proptest-generated schedules.

use super::model::{Model, Pc, Via};
use super::*;
use alloc::vec::Vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

const SPIN: SpinEnv = SpinEnv {
    ncpu: 4,
    gomaxprocs: 4,
    npidle: 0,
    nmspinning: 0,
    runq_empty: true,
};
const NO_SPIN: SpinEnv = SpinEnv { ncpu: 1, ..SPIN };

const fn w(n: u32) -> u32 {
    n << MUTEX_WAITER_SHIFT
}

#[test]
fn constants_match_go() {
    assert_eq!((MUTEX_LOCKED, MUTEX_WOKEN, MUTEX_STARVING), (1, 2, 4));
    assert_eq!(MUTEX_WAITER_SHIFT, 3);
    assert_eq!(STARVATION_THRESHOLD_NS, 1_000_000);
    assert_eq!((ACTIVE_SPIN, ACTIVE_SPIN_CNT), (4, 30));
    assert_eq!(
        waiters(w(5) | MUTEX_LOCKED | MUTEX_WOKEN | MUTEX_STARVING),
        5
    );
}

#[test]
fn try_lock_never_barges_into_a_handoff() {
    assert_eq!(try_lock(0), Some(MUTEX_LOCKED));
    assert_eq!(
        try_lock(w(2) | MUTEX_WOKEN),
        Some(w(2) | MUTEX_WOKEN | MUTEX_LOCKED)
    );
    assert_eq!(try_lock(MUTEX_LOCKED), None);
    assert_eq!(try_lock(w(1) | MUTEX_STARVING), None);
}

#[test]
fn can_spin_needs_every_condition() {
    assert!(can_spin(0, &SPIN));
    assert!(can_spin(ACTIVE_SPIN - 1, &SPIN));
    assert!(!can_spin(ACTIVE_SPIN, &SPIN), "only active_spin rounds");
    assert!(!can_spin(0, &NO_SPIN), "single CPU");
    // gomaxprocs must exceed npidle + nmspinning + 1: another P must run.
    assert!(!can_spin(0, &SpinEnv { npidle: 3, ..SPIN }));
    assert!(!can_spin(
        0,
        &SpinEnv {
            npidle: 2,
            nmspinning: 1,
            ..SPIN
        }
    ));
    assert!(can_spin(
        0,
        &SpinEnv {
            npidle: 1,
            nmspinning: 1,
            ..SPIN
        }
    ));
    assert!(!can_spin(
        0,
        &SpinEnv {
            gomaxprocs: 1,
            ..SPIN
        }
    ));
    assert!(
        !can_spin(
            0,
            &SpinEnv {
                runq_empty: false,
                ..SPIN
            }
        ),
        "work waits locally"
    );
}

#[test]
fn step_spins_only_on_a_normal_locked_mutex() {
    let s = LockSlow::new();
    // Locked, waiters, nobody awake: spin and claim WOKEN.
    let old = MUTEX_LOCKED | w(2);
    assert_eq!(
        s.step(old, |_| true),
        LockStep::Spin {
            set_woken: Some(old | MUTEX_WOKEN)
        }
    );
    // No waiters: nobody to hold back, so no WOKEN claim.
    assert_eq!(
        s.step(MUTEX_LOCKED, |_| true),
        LockStep::Spin { set_woken: None }
    );
    // Someone already awake: no claim.
    let woken = MUTEX_LOCKED | MUTEX_WOKEN | w(1);
    assert_eq!(s.step(woken, |_| true), LockStep::Spin { set_woken: None });
    // Starving: never spin, and can_spin is not even asked.
    let starving = MUTEX_LOCKED | MUTEX_STARVING | w(1);
    let asked = core::cell::Cell::new(false);
    let step = s.step(starving, |_| {
        asked.set(true);
        true
    });
    assert!(!asked.get());
    assert_eq!(
        step,
        LockStep::Cas {
            new: starving + w(1)
        }
    );
    // Spinning refused: queue as a waiter.
    assert_eq!(s.step(old, |_| false), LockStep::Cas { new: old + w(1) });
}

#[test]
fn step_cas_targets() {
    let s = LockSlow::new();
    assert_eq!(
        s.step(0, |_| unreachable!()),
        LockStep::Cas { new: MUTEX_LOCKED }
    );
    // Unlocked with waiters (a woken one is on its way): barge.
    let old = w(3) | MUTEX_WOKEN;
    assert_eq!(
        s.step(old, |_| unreachable!()),
        LockStep::Cas {
            new: old | MUTEX_LOCKED
        }
    );
    // Starving and unlocked (hand-off in flight): queue, do not lock.
    let old = w(1) | MUTEX_STARVING;
    assert_eq!(
        s.step(old, |_| unreachable!()),
        LockStep::Cas { new: old + w(1) }
    );
}

#[test]
fn awoke_goroutine_clears_woken_and_starving_one_sets_starving_only_while_locked() {
    let mut s = LockSlow::new();
    s.cas_succeeded(MUTEX_LOCKED, 0);
    // Woke in normal mode after 2 ms: starving from now on, WOKEN is ours.
    assert_eq!(
        s.woke(MUTEX_LOCKED | MUTEX_WOKEN, 2_000_000),
        AfterWake::Retry
    );
    assert!(s.awoke() && s.starving() && s.iter() == 0);
    let old = MUTEX_LOCKED | MUTEX_WOKEN | w(1);
    assert_eq!(
        s.step(old, |_| false),
        LockStep::Cas {
            new: MUTEX_LOCKED | MUTEX_STARVING | w(2)
        }
    );
    // Unlocked: take it, clear WOKEN, do not set STARVING.
    assert_eq!(
        s.step(MUTEX_WOKEN | w(1), |_| false),
        LockStep::Cas {
            new: MUTEX_LOCKED | w(1)
        }
    );
}

#[test]
#[should_panic(expected = "sync: inconsistent mutex state")]
fn awoke_without_woken_bit_is_inconsistent() {
    let mut s = LockSlow::new();
    s.spun(true);
    s.step(MUTEX_LOCKED, |_| false);
}

#[test]
fn sleep_is_fifo_first_then_lifo() {
    let mut s = LockSlow::new();
    assert_eq!(s.cas_succeeded(0, 5), AfterCas::Acquired);
    assert_eq!(
        s.cas_succeeded(MUTEX_LOCKED, 10),
        AfterCas::Sleep { lifo: false }
    );
    assert_eq!(s.wait_start(), Some(10));
    assert_eq!(
        s.cas_succeeded(MUTEX_STARVING, 99),
        AfterCas::Sleep { lifo: true }
    );
    assert_eq!(
        s.wait_start(),
        Some(10),
        "the wait is measured from the first sleep"
    );
}

#[test]
fn handoff_delta_and_leaving_starvation() {
    let delta = |waited: u64, old: u32| {
        let mut s = LockSlow::new();
        s.cas_succeeded(MUTEX_LOCKED, 0);
        match s.woke(old, waited) {
            AfterWake::Acquired { delta } => old.wrapping_add(delta),
            AfterWake::Retry => panic!("starving mutex must hand off"),
        }
    };
    let old = MUTEX_STARVING | w(3);
    // Waited over 1 ms, others waiting: keep starvation mode.
    assert_eq!(delta(1_000_001, old), MUTEX_LOCKED | MUTEX_STARVING | w(2));
    // Exactly 1 ms is not "more than" 1 ms: leave.
    assert_eq!(delta(1_000_000, old), MUTEX_LOCKED | w(2));
    // Last waiter: leave even though it starved.
    assert_eq!(delta(5_000_000, MUTEX_STARVING | w(1)), MUTEX_LOCKED);
}

#[test]
#[should_panic(expected = "sync: inconsistent mutex state")]
fn handoff_to_a_locked_mutex_is_inconsistent() {
    let mut s = LockSlow::new();
    s.cas_succeeded(MUTEX_LOCKED, 0);
    s.woke(MUTEX_STARVING | MUTEX_LOCKED | w(1), 0);
}

#[test]
fn unlock_decisions() {
    assert_eq!(unlock_slow(w(1)), UnlockStep::Wake { new: MUTEX_WOKEN });
    assert_eq!(
        unlock_slow(w(2) | MUTEX_WOKEN),
        UnlockStep::Done,
        "someone is awake"
    );
    assert_eq!(unlock_slow(MUTEX_WOKEN), UnlockStep::Done, "no waiters");
    assert_eq!(unlock_slow(w(1) | MUTEX_STARVING), UnlockStep::Handoff);
    assert_eq!(
        unlock_retry(w(1) | MUTEX_LOCKED),
        UnlockStep::Done,
        "retaken"
    );
    assert_eq!(unlock_retry(w(1) | MUTEX_STARVING), UnlockStep::Done);
    assert_eq!(
        unlock_retry(w(4)),
        UnlockStep::Wake {
            new: w(3) | MUTEX_WOKEN
        }
    );
}

#[test]
#[should_panic(expected = "sync: unlock of unlocked mutex")]
fn unlock_of_unlocked_mutex() {
    unlock_slow(0u32.wrapping_sub(MUTEX_LOCKED));
}

#[test]
#[should_panic(expected = "sync: unlock of unlocked mutex")]
fn unlock_during_handoff() {
    unlock_slow((MUTEX_STARVING | w(1)).wrapping_sub(MUTEX_LOCKED));
}

/// Steps goroutine `i` (no time passing) until `until` holds for its pc.
fn run_until(m: &mut Model, i: usize, until: impl Fn(Pc) -> bool) {
    for _ in 0..64 {
        if until(m.gs[i].pc) {
            return;
        }
        m.step(i, 0);
    }
    panic!("g{i} stuck at {:?}", m.gs[i].pc);
}

fn parked(pc: Pc) -> bool {
    matches!(pc, Pc::Parked { .. })
}

#[test]
fn starvation_mode_hands_off_fifo_and_newcomers_queue_behind() {
    let mut m = Model::new(6, 1, NO_SPIN);
    run_until(&mut m, 0, |pc| pc == Pc::Critical);
    for g in [1, 2, 3] {
        run_until(&mut m, g, parked);
    }
    m.now += 2_000_000;
    // g0 unlocks in normal mode and wakes g1 (WOKEN set, one waiter fewer)...
    run_until(&mut m, 0, |pc| pc == Pc::Done);
    assert_eq!(m.state, MUTEX_WOKEN | w(2));
    // ...but g4, running, barges in first.
    run_until(&mut m, 4, |pc| pc == Pc::Critical);
    // g1 has waited 2 ms: it re-queues at the front and sets STARVING.
    run_until(&mut m, 1, parked);
    assert_eq!(m.state, MUTEX_LOCKED | MUTEX_STARVING | w(3));
    assert_eq!(m.sema.waiters().copied().collect::<Vec<_>>(), [1, 2, 3]);
    // A newcomer may neither spin nor lock: it queues at the tail.
    run_until(&mut m, 5, parked);
    assert_eq!(m.sema.waiters().copied().collect::<Vec<_>>(), [1, 2, 3, 5]);
    // Each unlock hands the lock to the head waiter; LOCKED stays clear
    // in between, yet nobody else may take it.
    for (holder, next) in [(4, 1), (1, 2), (2, 3), (3, 5)] {
        run_until(&mut m, holder, |pc| pc == Pc::Done);
        assert_eq!(m.state & (MUTEX_LOCKED | MUTEX_STARVING), MUTEX_STARVING);
        assert_eq!(try_lock(m.state), None);
        run_until(&mut m, next, |pc| pc == Pc::Critical);
    }
    // g5 was the last waiter: starvation mode is over.
    assert_eq!(m.state, MUTEX_LOCKED);
    run_until(&mut m, 5, |pc| pc == Pc::Done);
    assert_eq!(m.state, 0);
    assert_eq!(
        m.acquisitions,
        [
            (0, Via::Fast),
            (4, Via::Cas),
            (1, Via::Handoff),
            (2, Via::Handoff),
            (3, Via::Handoff),
            (5, Via::Handoff)
        ]
    );
}

/// A seeded splitmix64 for schedules.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// Time per step: mostly short, sometimes long enough to starve a waiter.
const DT_NS: [u64; 4] = [0, 30_000, 200_000, 1_500_000];

fn run_seeded(n: usize, rounds: u32, env: SpinEnv, seed: u64) -> Model {
    let mut m = Model::new(n, rounds, env);
    let mut rng = Rng(seed);
    m.run(100_000, |ready| {
        let r = rng.next();
        ((r % ready as u64) as usize, DT_NS[(r >> 32) as usize % 4])
    });
    m
}

#[test]
fn seeded_schedules_keep_every_invariant_and_cover_every_path() {
    let mut cov = super::model::Coverage::default();
    for seed in 0..300u64 {
        let env = if seed % 3 == 0 { NO_SPIN } else { SPIN };
        let n = 2 + (seed % 4) as usize;
        let m = run_seeded(n, 6, env, seed);
        assert_eq!(
            m.acquisitions.len(),
            n * 6,
            "seed {seed}: every round locked once"
        );
        let c = m.cov;
        cov.fast += c.fast;
        cov.cas_acquire += c.cas_acquire;
        cov.handoffs += c.handoffs;
        cov.starvation_entered += c.starvation_entered;
        cov.starvation_left += c.starvation_left;
        cov.spins += c.spins;
        cov.woken_set_by_spinner += c.woken_set_by_spinner;
        cov.lifo_requeues += c.lifo_requeues;
        cov.lost_unit_races += c.lost_unit_races;
        cov.cas_failures += c.cas_failures;
    }
    let c = cov;
    let all = [
        ("fast", c.fast),
        ("cas_acquire", c.cas_acquire),
        ("handoffs", c.handoffs),
        ("starvation_entered", c.starvation_entered),
        ("starvation_left", c.starvation_left),
        ("spins", c.spins),
        ("woken_set_by_spinner", c.woken_set_by_spinner),
        ("lifo_requeues", c.lifo_requeues),
        ("lost_unit_races", c.lost_unit_races),
        ("cas_failures", c.cas_failures),
    ];
    for (name, count) in all {
        assert!(count > 0, "the model never exercised {name}: {c:?}");
    }
}

proptest! {
    #![proptest_config(Config {
        cases: 200,
        rng_seed: RngSeed::Fixed(0x00de_ad10),
        failure_persistence: None,
        ..Config::default()
    })]

    /// Any schedule (which goroutine steps, how much time passes) keeps
    /// mutual exclusion and the waiter count sane, hands off only to the
    /// head waiter, and ends with every round done, the mutex clean and no
    /// semaphore unit left over (so no wakeup was lost). The schedule is
    /// replayed cyclically once exhausted, so it shrinks to a short one.
    #[test]
    fn any_schedule_is_safe_and_live(
        n in 2usize..5,
        rounds in 1u32..5,
        spin in any::<bool>(),
        schedule in proptest::collection::vec((any::<u8>(), 0usize..4), 1..64),
    ) {
        let mut m = Model::new(n, rounds, if spin { SPIN } else { NO_SPIN });
        let mut k = 0;
        m.run(100_000, |ready| {
            let (g, dt) = schedule[k % schedule.len()];
            k += 1;
            (g as usize % ready, DT_NS[dt])
        });
        prop_assert_eq!(m.acquisitions.len(), n * rounds as usize);
    }
}

#[test]
fn handoff_recipient_is_the_head_waiter_in_the_model() {
    // Over many seeded runs, check at each starvation hand-off that the
    // goroutine that gets the lock is the one that was first in the queue.
    for seed in 0..100u64 {
        let mut m = Model::new(4, 4, NO_SPIN);
        let mut rng = Rng(seed ^ 0xabc);
        while !m.all_done() {
            let ready: Vec<usize> = m.runnable().collect();
            assert!(!ready.is_empty(), "seed {seed}: lost wakeup");
            let r = rng.next();
            let g = ready[(r % ready.len() as u64) as usize];
            let head = m.sema.waiters().next().copied();
            let handoff = m.gs[g].pc == Pc::Release { handoff: true };
            m.step(g, DT_NS[(r >> 32) as usize % 4]);
            if let (true, Some(h)) = (handoff, head) {
                assert!(
                    matches!(m.gs[h].pc, Pc::Readied { ticket: true, .. }),
                    "seed {seed}: hand-off skipped head waiter g{h}"
                );
            }
        }
        assert_eq!(m.state, 0);
    }
}
