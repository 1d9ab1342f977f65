//! The G/M/P scheduler in QEMU: every G runs exactly once, all Ps run at
//! the same time, yields come back, and fewer Ps than cores hold.
//!
//! Design note: the kernel's `test-*` workloads check themselves with
//! ledgers (one slot per G, marked exactly once) and say `workload <name>:
//! ok` only if every check held; these tests boot them across core counts
//! — 1, 2, 4, 8 and a topology whose APIC ids are not contiguous — and
//! assert on that verdict and on the lines that report what was proven.

mod common;

use common::{expect_line, run_ok, summary_totals};

const ODD: &str = "6,sockets=2,cores=3";

fn ledger(smp: &str) {
    let o = run_ok(smp, "test-ledger", &[]);
    expect_line(&o, &["ledger: 100000 Gs in 10 waves ran exactly once"]);
    expect_line(
        &o,
        &["ledger: 4 spawn trees of depth 13", "ran exactly once"],
    );
}

#[test]
fn ledger_smp1() {
    ledger("1");
}

#[test]
fn ledger_smp2() {
    ledger("2");
}

#[test]
fn ledger_smp4() {
    ledger("4");
}

#[test]
fn ledger_smp8() {
    ledger("8");
}

#[test]
fn ledger_odd_topology() {
    ledger(ODD);
}

#[test]
fn all_ps_run_at_the_same_time() {
    for smp in ["2", "4", ODD] {
        let o = run_ok(smp, "test-parallelism", &[]);
        expect_line(&o, &["parallelism:", "ran simultaneously"]);
    }
}

#[test]
fn parallelism_needs_stealing_not_preemption() {
    // With preemption off nothing rescues a G stuck behind a spinner:
    // only work stealing and the spinning-M hand-off can finish this.
    let o = run_ok("4", "test-parallelism", &["preempt=off"]);
    expect_line(&o, &["parallelism: 4 Gs ran simultaneously on 4 Ps"]);
}

#[test]
fn yields_come_back() {
    for smp in ["1", "4"] {
        let o = run_ok(smp, "test-yield", &[]);
        expect_line(&o, &["yield: 64 Gs yielded 1000 times each (64000 yields)"]);
    }
}

#[test]
fn fewer_ps_than_cores() {
    let o = run_ok("4", "test-procs", &["procs=2"]);
    expect_line(&o, &["procs: gomaxprocs=2 on 4 cores"]);
    let o = run_ok(ODD, "test-procs", &["procs=3"]);
    expect_line(&o, &["procs: gomaxprocs=3 on 6 cores"]);
}

#[test]
fn producer_consumer_overflows_and_steals() {
    let o = run_ok("4", "producer-consumer", &[]);
    expect_line(&o, &["producer-consumer: all 4800 Gs ran exactly once"]);
    let t = summary_totals(&o);
    assert!(t.len() >= 6, "no per-P summary totals in the output");
    // Bursts of 300 into a 256-slot ring must overflow to the global queue.
    assert!(t[5] > 0, "no overflow to the global queue: {t:?}");
    assert_eq!(t[2], t[3], "steals in and out must balance: {t:?}");
}
