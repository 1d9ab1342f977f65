//! Every scheduling policy (docs/POLICIES.md) keeps the scheduler correct:
//! a torture run at 4 cores under each one ends in `torture: SUCCESS`,
//! with its ledgers (every G runs exactly once, nothing lost, nothing run
//! twice) and the invariant checker having done work. A policy added to
//! the registry is tested here without touching this file.
//!
//! Also: the console's `policy NAME` swaps the policy with the world
//! stopped, and the run goes on under the new one.

mod common;

use common::{boot, check, expect_line};
use gmp_metal::{Input, Run, Verdict};
use gmp_sched::policy::POLICIES;

#[test]
fn every_policy_passes_the_torture_ledger_at_four_cores() {
    for (i, row) in POLICIES.iter().enumerate() {
        let o = common::torture_ok_on(
            Run::new().boot_opt(format!("policy={}", row.name)),
            "4",
            &format!("seed={}", 40 + i),
            2,
        );
        expect_line(&o, &[&format!("policy={} ", row.name)]);
    }
}

#[test]
fn the_console_swaps_the_policy_with_the_world_stopped() {
    let o = boot(
        Run::new()
            .smp("4")
            .boot_opt("workload=console")
            .input(Input::Bytes(
                b"policy\npolicy wake-all\ngo 40 chan\npolicy fifo\ngo 40 yield\npolicy cfs\npolicy\nexit\n"
                    .to_vec(),
            )),
    );
    check(
        &o,
        o.verdict == Verdict::Success,
        "the console run must succeed",
    );
    expect_line(&o, &["policy: go (docs/POLICIES.md)"]);
    expect_line(&o, &["policy: now wake-all (was go;"]);
    expect_line(&o, &["policy: now fifo (was wake-all;"]);
    expect_line(
        &o,
        &["console: no policy `cfs`: choose one of go, fifo, tokio"],
    );
    expect_line(&o, &["policy: fifo (docs/POLICIES.md)"]);
}

/// Regression (2026-12-07): under `tokio`, whose `runnext` is never
/// stolen, an M that ran dry saw a busy P's `runnext` G in
/// `check_runqs_no_p`, took a P back to spin for it, could not steal it,
/// and looked again — forever, with interrupts off; under lockstep the
/// token never left that core and the run hung. The re-check now counts
/// only Gs the policy lets a thief take.
#[test]
fn a_policy_that_never_steals_runnext_does_not_spin_for_it_forever() {
    let o = boot(
        Run::new()
            .smp("4")
            .icount(true)
            .boot_opt("lockstep=20000")
            .boot_opt("workload=tour-pc")
            .boot_opt("policy=tokio")
            .boot_opt("tracking=on")
            .boot_opt("seed=1"),
    );
    check(
        &o,
        o.verdict == Verdict::Success,
        "tour-pc under tokio must finish",
    );
    expect_line(&o, &["POLICY-RESULT workload=tour-pc", "units=8192"]);
}
