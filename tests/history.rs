//! The scheduler's history as switches (issue 6): the Go 1.0 model and each
//! mechanism of the modern scheduler switched off must change what the
//! kernel observably does.
//!
//! Design note: every assertion reads the end-of-run summary counters or a
//! workload's own verdict line — exact counts where a switch makes them
//! exactly zero, never timings.

mod common;

use common::{expect_line, line_with, run_ok, summary_totals};

/// The number after `label` in the summary's counter line.
fn counter(o: &gmp_metal::Outcome, label: &str) -> u64 {
    let line = line_with(o, "runnext runs").unwrap_or_default();
    line.split(label)
        .nth(1)
        .and_then(|s| {
            s.split(|c: char| !c.is_ascii_digit())
                .find(|w| !w.is_empty())
        })
        .and_then(|w| w.parse().ok())
        .unwrap_or_else(|| panic!("no `{label}` in the summary: {line}"))
}

#[test]
fn go_1_0_model_uses_only_the_global_queue() {
    let o = run_ok("4", "producer-consumer", &["sched=gm"]);
    let t = summary_totals(&o);
    // Columns: Gs run, spawned, steals in, steals out, global takes, overflows, idle.
    assert_eq!(
        (t[2], t[3], t[5]),
        (0, 0, 0),
        "no local queues: no steals, no overflow: {t:?}"
    );
    assert_eq!(t[4], t[0], "every G came from the global queue: {t:?}");
    assert_eq!(counter(&o, "runnext runs "), 0);
}

#[test]
fn steal_off_means_no_steals() {
    let o = run_ok("4", "producer-consumer", &["steal=off"]);
    let t = summary_totals(&o);
    assert_eq!((t[2], t[3]), (0, 0), "steal=off still stole: {t:?}");
    let on = run_ok("4", "producer-consumer", &[]);
    assert!(
        summary_totals(&on)[2] > 0,
        "the default run must steal (bursts of 300 on 4 Ps)"
    );
}

#[test]
fn runnext_off_means_no_runnext_runs() {
    let o = run_ok("2", "test-chan", &["runnext=off"]);
    assert_eq!(counter(&o, "runnext runs "), 0);
    let on = run_ok("2", "test-chan", &[]);
    assert!(
        counter(&on, "runnext runs ") > 1000,
        "channel hand-offs go through runnext"
    );
}

#[test]
fn without_the_1_in_61_check_the_global_queue_starves() {
    let base = ["procs=1", "preempt=off", "runnext=off"];
    let on = run_ok("1", "test-fairness", &base);
    expect_line(
        &on,
        &["fairness: fairness61=on: the G waiting in the global queue ran"],
    );
    let off = run_ok(
        "1",
        "test-fairness",
        &[base[0], base[1], base[2], "fairness61=off"],
    );
    expect_line(
        &off,
        &["fairness: fairness61=off: the G waiting in the global queue starved"],
    );
}

#[test]
fn spinning_off_never_consults_the_limit() {
    let o = run_ok("4", "test-chan", &["spinning=off"]);
    assert_eq!(counter(&o, "spinning refused "), 0);
}
