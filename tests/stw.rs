//! Stop-the-world and GOMAXPROCS at run time, in QEMU: the `resize` demo
//! steps GOMAXPROCS while work flows and proves with a ledger that every G
//! ran exactly once; `test-stw` stops the world idle, busy and against
//! `loop {}` hogs under each preemption mode; a destroyed P that drops a G
//! (`fault=resize-lose`) must fail the torture run naming the G.
//!
//! Design note: the assertions are about what happened (which steps took
//! effect, who the stop waited for, which G was lost), never how long it
//! took; the figures are in docs/EXPERIMENTS.md.

mod common;

use common::{check, expect_line, line_with, run_ok};

/// The resize demo's step lines, as `(old, new)`.
fn steps(o: &gmp_metal::Outcome) -> Vec<(u32, u32)> {
    o.lines()
        .filter_map(|l| {
            let rest = l.split("resize: gomaxprocs ").nth(1)?;
            let (old, rest) = rest.split_once(" -> ")?;
            let new = rest.split(':').next()?;
            Some((old.trim().parse().ok()?, new.trim().parse().ok()?))
        })
        .collect()
}

#[test]
fn resize_steps_gomaxprocs_at_eight_cores_and_loses_no_g() {
    let o = run_ok("8", "resize", &[]);
    let s = steps(&o);
    check(
        &o,
        s == [(4, 1), (1, 8), (8, 2), (2, 4)],
        format!("the steps were {s:?}, not 4 -> 1 -> 8 -> 2 -> 4"),
    );
    expect_line(
        &o,
        &["resize: 8 cores, GOMAXPROCS 8 at boot, 4 at the start"],
    );
    expect_line(
        &o,
        &["worker Gs across 4 GOMAXPROCS steps, each ran exactly once"],
    );
    // The Ps destroyed on the way are in the summary, marked.
    expect_line(
        &o,
        &["(P* were destroyed by a GOMAXPROCS change: GOMAXPROCS is 4 now, 5 changes"],
    );
}

#[test]
fn resize_on_two_sockets_of_three_cores_clamps_eight_to_six() {
    let o = run_ok("6,sockets=2,cores=3", "resize", &[]);
    let s = steps(&o);
    check(
        &o,
        s == [(4, 1), (1, 6), (6, 2), (2, 4)],
        format!("the steps were {s:?}, not 4 -> 1 -> 6 -> 2 -> 4"),
    );
    expect_line(
        &o,
        &["gomaxprocs(8): more Ps than the 6 cores", "clamped to 6"],
    );
    expect_line(&o, &["each ran exactly once"]);
}

/// `test-stw` under `preempt=MODE`; returns its hog line.
fn stw_with(mode: &str) -> String {
    let o = run_ok("4", "test-stw", &[&format!("preempt={mode}")]);
    for part in ["idle procs=4: 20 stops", "busy procs=4: 20 stops"] {
        expect_line(&o, &[&format!("test-stw: {part}")]);
    }
    expect_line(
        &o,
        &["gomaxprocs(5): more Ps than the 4 cores", "clamped to 4"],
    );
    line_with(&o, "test-stw: hog")
        .unwrap_or_default()
        .to_string()
}

#[test]
fn a_stop_preempts_loop_hogs_under_async() {
    let l = stw_with("async");
    assert!(
        l.contains("it ended before the hogs yielded"),
        "async preemption must stop the hogs: {l}"
    );
}

#[test]
fn a_stop_waits_for_loop_hogs_under_off_until_they_yield() {
    let l = stw_with("off");
    assert!(
        l.contains("it ended after the hogs yielded"),
        "with preemption off the stop can only end when the hogs yield: {l}"
    );
}

#[test]
fn a_stop_waits_for_loop_hogs_under_coop() {
    // loop {} has no safe point: coop cannot stop it either.
    let l = stw_with("coop");
    assert!(l.contains("it ended after the hogs yielded"), "{l}");
}

#[test]
fn a_destroyed_p_that_drops_a_g_fails_the_torture_run() {
    common::torture_loses_a_g_with(
        "4",
        "resize-lose",
        "a procresize that drops a G must fail the run",
    );
}

#[test]
fn the_end_of_run_stop_keeps_its_core_ticking_through_a_long_report() {
    // Regression: the exit's stop left interrupts off on its core while
    // the summary and the trace dump went out over serial (seconds under
    // host load), and the watchdog, counting that core's ticks, reported
    // it stuck: `WATCHDOG: M2 (apic 2) in G1 took no timer tick for 5000
    // ticks`. A 50 us tick makes the watchdog's 5000 ticks a quarter of a
    // second, less than writing a `resize` trace takes on any machine, so
    // the old code fails here every time.
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("stw-exit-report");
    let _ = std::fs::remove_dir_all(&dir);
    let o = common::boot(
        gmp_metal::Run::new()
            .smp("4")
            .boot_opt("workload=resize")
            .boot_opt("tick=50us")
            .trace(&dir),
    );
    check(
        &o,
        o.verdict == gmp_metal::Verdict::Success
            && line_with(&o, "workload resize: ok").is_some()
            && line_with(&o, "WATCHDOG").is_none(),
        "a traced resize run with a 50 us tick must end ok, without a watchdog report",
    );
    let trace = std::fs::metadata(dir.join("trace.bin")).expect("trace.bin written");
    assert!(
        trace.len() > 100_000,
        "a small trace proves nothing: {trace:?}"
    );
}
