//! The demo workloads (`cargo run -- --workload NAME`) in QEMU.
//!
//! Design note: each demo checks its own result in the kernel and fails
//! the run if the check fails; these tests boot each one on 2 or 4 cores,
//! require the verdict `ok`, and read the demo's result line for what must
//! hold whatever the timing: exact values (primes, fib, counters), the
//! starvation story's zero, hand-offs reported by the summary. Sizes are
//! small so each demo takes well under a second of guest time under TCG.

mod common;

use common::{check, expect_line, line_with, run_ok};
use gmp_metal::Outcome;

/// The number right after `before` in the first line containing `before`.
fn number_after(o: &Outcome, before: &str) -> u64 {
    let line = line_with(o, before).unwrap_or_default();
    let rest = line.split_once(before).map_or("", |(_, r)| r);
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    let n = digits.parse().ok();
    check(o, n.is_some(), format!("no number after {before:?}"));
    n.unwrap_or_default()
}

#[test]
fn sieve_prints_and_checks_the_first_primes() {
    let o = run_ok("2", "sieve", &[]);
    expect_line(&o, &["sieve: 2 3 5 7 11 13 17 19 23 29 31", "... 541"]);
    expect_line(
        &o,
        &[
            "sieve: the first 100 primes are right (last 541)",
            "100 filter Gs",
        ],
    );
}

#[test]
fn fib_spawn_tree_gives_the_right_value_and_spawn_count() {
    let o = run_ok("4", "fib", &[]);
    expect_line(&o, &["fib: fib(25) = 75025 (cutoff 12), 986 Gs spawned"]);
    expect_line(&o, &["fib: result and spawn count are right"]);
    // The summary counts every spawn: the 986 plus the main G, no more.
    let spawned = common::summary_totals(&o).get(1).copied().unwrap_or(0);
    check(
        &o,
        spawned == 987,
        format!("summary shows {spawned} spawns, not 986 + the main G"),
    );
}

#[test]
fn pingpong_on_one_p_never_crosses_ps() {
    let o = run_ok("2", "pingpong", &["procs=1"]);
    expect_line(
        &o,
        &[
            "pingpong: 5000 round trips, counter at 10000",
            "same P in 5000 rounds, on different Ps in 0",
            "pinger ran on Ps {0}, ponger on Ps {0}",
        ],
    );
}

#[test]
fn pingpong_across_ps_counts_every_round() {
    let o = run_ok("2", "pingpong", &[]);
    let same = number_after(&o, "both Gs on the same P in ");
    let cross = number_after(&o, "on different Ps in ");
    check(&o, same + cross == 5000, format!("{same} + {cross} rounds"));
    expect_line(&o, &["pingpong: 5000 round trips, counter at 10000"]);
}

#[test]
fn hog_victims_run_thanks_to_async_preemption() {
    let o = run_ok("2", "hog", &[]);
    expect_line(
        &o,
        &["hog: preempt=async: 2 hog(s) spun", "4 victims still ran"],
    );
    check(
        &o,
        number_after(&o, "victims still ran ") > 0,
        "the victims did not run",
    );
    check(
        &o,
        number_after(&o, "meanwhile; ") > 0,
        "no preemption was counted",
    );
}

#[test]
fn hog_without_preemption_starves_its_victims_and_says_so() {
    for mode in ["off", "coop"] {
        let o = run_ok("2", "hog", &["procs=1", &format!("preempt={mode}")]);
        expect_line(
            &o,
            &[
                &format!("hog: preempt={mode}: 1 hog(s) held every P"),
                "2 victims ran 0 times meanwhile: they starved",
            ],
        );
        expect_line(&o, &["the hogs gave up after", "then the victims ran"]);
    }
}

#[test]
fn sleepers_all_wake_never_early() {
    let o = run_ok("2", "sleepers", &[]);
    expect_line(
        &o,
        &[
            "sleepers: 300 Gs slept 1-50 ms",
            "all woke; oversleep min",
            "woke early: 0",
        ],
    );
}

#[test]
fn syscall_hands_ps_off_with_procs_below_cores() {
    let o = run_ok("4", "syscall", &["procs=2"]);
    expect_line(
        &o,
        &["syscall: procs=2 cores=4: 10 blocking calls of 20 ms by 2 Gs"],
    );
    let handoffs = number_after(&o, "sysmon handed off ");
    check(&o, handoffs > 0, "no hand-off reported");
    // The per-P summary counts the same hand-offs: the demo reads them
    // after its last blocking call returned, and no others happen.
    let summary = number_after(&o, "hand-offs ");
    check(
        &o,
        summary == handoffs,
        format!("the summary shows {summary} hand-offs, the demo {handoffs}"),
    );
}

#[test]
fn mutex_counter_is_exact_under_contention_from_every_core() {
    let o = run_ok("4", "mutex", &[]);
    expect_line(
        &o,
        &["mutex: 16 Gs x 1000 increments = 16000 (expected 16000)"],
    );
    expect_line(
        &o,
        &["lock() calls found it held", "Gs seen parked on it at once"],
    );
}

/// The example of docs/WORKLOADS.md: N producers, M consumers, one buffered
/// channel, and a ledger that proves every item was consumed exactly once.
#[test]
fn the_bounded_buffer_example_consumes_every_item_exactly_once() {
    for smp in ["1", "4"] {
        let o = run_ok(smp, "bounded-buffer", &[]);
        expect_line(
            &o,
            &[
                "bounded-buffer: 4 producers, 3 consumers, 8000 items through a buffer of 16",
                "each consumed exactly once",
            ],
        );
    }
}
