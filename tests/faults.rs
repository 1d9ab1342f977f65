//! Faults that explain themselves (`fault=` in `--help`): each provoked fault must fail
//! the run (exit status 1, never a silent reset) with a report that names
//! the core, the G and what was hit.
//!
//! Design note: the kernel provokes each fault on a fresh G when booted with
//! `fault=<name>` (see `kernel/src/workloads/faults.rs`); these tests check
//! the verdict and the report line, never timing.

mod common;

use common::{boot, check, line_with};
use gmp_metal::{Outcome, Run, Verdict};

fn provoke(smp: &str, fault: &str, extra: &[&str]) -> Outcome {
    let mut run = Run::new().smp(smp).boot_opt(format!("fault={fault}"));
    for e in extra {
        run = run.qemu_arg(*e);
    }
    let o = boot(run);
    check(
        &o,
        o.verdict == Verdict::Failure,
        format!("fault={fault} must fail the run with the kernel's failure status"),
    );
    o
}

/// The first line containing every needle, or a failure showing the log.
#[track_caller]
fn report_line<'a>(o: &'a Outcome, needles: &[&str]) -> &'a str {
    let l = o.lines().find(|l| needles.iter().all(|n| l.contains(n)));
    check(
        o,
        l.is_some(),
        format!("no report line containing all of {needles:?}"),
    );
    l.unwrap()
}

#[test]
fn a_panic_in_a_g_names_the_g_and_the_core() {
    let o = provoke("2", "panic-g", &[]);
    report_line(
        &o,
        &[
            "PANIC on M",
            " in G",
            "deliberate panic in a G (fault=panic-g)",
        ],
    );
}

/// The frames the runner named under the kernel's `backtrace:` line.
fn frames(o: &Outcome) -> Vec<&str> {
    o.lines()
        .skip_while(|l| !l.starts_with("backtrace:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .collect()
}

#[test]
fn a_panic_prints_a_backtrace_named_from_the_kernel_elf() {
    let o = provoke("2", "panic-g", &[]);
    let f = frames(&o);
    check(
        &o,
        f.iter().any(|l| {
            l.contains("gmp_kernel::workloads::faults::provoke")
                && l.contains("kernel/src/workloads/faults.rs:")
        }),
        "the backtrace must name the panicking function and its file",
    );
    check(
        &o,
        f.iter()
            .any(|l| l.contains("gmp_kernel::runtime::scheduler::newproc::gostart")),
        "the backtrace must reach the G's entry (gostart)",
    );
}

#[test]
fn a_g_readied_after_it_exited_names_the_stale_waker_and_its_history() {
    // The bug class of the 8-core torture failure: a wake-up for a G that
    // already ran and exited. casgstatus must refuse it, the backtrace must
    // name who called goready, and the G's history must show how it got
    // there (parked, readied, ran, exited).
    let o = provoke("2", "ready-twice", &[]);
    report_line(
        &o,
        &[
            "PANIC on M",
            "casgstatus: G0 is dead, expected waiting for the move to runnable",
        ],
    );
    let history: Vec<&str> = o
        .lines()
        .skip_while(|l| !l.contains("its last status changes"))
        .skip(1)
        .take_while(|l| l.trim_start().starts_with("->"))
        .collect();
    let states: Vec<&str> = history
        .iter()
        .filter_map(|l| l.split_whitespace().nth(1))
        .collect();
    check(
        &o,
        states == ["runnable", "waiting", "runnable", "dead"],
        format!("the history must show creation, park, ready, exit: {history:?}"),
    );
    check(
        &o,
        history[0].contains("kernel/src/runtime/scheduler/newproc.rs:")
            && history[1].contains("kernel/src/workloads/faults.rs:")
            && history[2].contains("kernel/src/workloads/faults.rs:"),
        "the park and the first wake-up must name their callers",
    );
    let f = frames(&o);
    check(
        &o,
        f.iter()
            .any(|l| l.contains("gmp_kernel::workloads::faults::stale_waker")),
        "the backtrace must name the function that called goready",
    );
    check(
        &o,
        f.iter()
            .any(|l| l.contains("gmp_kernel::runtime::scheduler::park::goready")),
        "the backtrace must show goready",
    );
}

#[test]
fn a_stack_overflow_hits_the_guard_page_and_names_the_g() {
    let o = provoke("2", "stack-overflow", &[]);
    let l = report_line(
        &o,
        &[
            "EXCEPTION on M",
            "#PF page fault",
            "stack overflow of G",
            "hit the guard page",
        ],
    );
    // The G named in the report is the one running.
    let running = l
        .split(" in G")
        .nth(1)
        .and_then(|s| s.split(':').next())
        .unwrap_or("");
    assert!(l.contains(&format!("stack overflow of G{running}:")), "{l}");
    let f = frames(&o);
    check(
        &o,
        f.first()
            .is_some_and(|l| l.contains("gmp_kernel::workloads::faults::recurse")),
        "the backtrace must start at the faulting function",
    );
    check(
        &o,
        f.iter().any(|l| l.contains("the same frame")),
        "the recursion must be folded into one line",
    );
}

#[test]
fn a_smashed_canary_is_caught_at_the_next_switch() {
    let o = provoke("2", "canary", &[]);
    report_line(
        &o,
        &["PANIC on M", "stack canary of G", "smashed", "0xdeadbeef"],
    );
}

#[test]
fn a_double_fault_runs_on_its_ist_stack_and_is_reported() {
    let o = provoke("2", "double-fault", &[]);
    report_line(
        &o,
        &[
            "EXCEPTION on M",
            "#DF double fault (vector 8)",
            "on the #DF IST stack",
        ],
    );
}

#[test]
fn the_watchdog_catches_a_core_with_interrupts_off() {
    let o = provoke("2", "irqs-off", &[]);
    report_line(
        &o,
        &[
            "WATCHDOG: M",
            "took no timer tick",
            "stuck at RIP",
            "kernel code",
        ],
    );
}

/// Regression: with M1 parked (its timer stopped) nobody watched M0, so an
/// M0 stuck with interrupts off hung the run until the runner's timeout
/// (seen in a full `cargo test`). With one P the fault runs on M0 and M1
/// stays parked for good.
#[test]
fn the_watchdog_catches_sysmons_core_while_the_other_core_is_parked() {
    let o = boot(
        Run::new()
            .smp("2")
            .boot_opt("fault=irqs-off")
            .boot_opt("procs=1"),
    );
    check(
        &o,
        o.verdict == Verdict::Failure,
        "fault=irqs-off procs=1 must fail the run with the kernel's failure status".to_string(),
    );
    report_line(&o, &["WATCHDOG: M0", "took no timer tick", "stuck at RIP"]);
}

#[test]
fn writing_kernel_code_faults_and_says_it_is_code() {
    let o = provoke("1", "write-code", &[]);
    report_line(
        &o,
        &[
            "#PF page fault",
            "(write, protection violation)",
            "hit kernel code (read-only, executable)",
        ],
    );
}

#[test]
fn jumping_into_a_stack_faults_and_names_the_stack() {
    let o = provoke("1", "exec-stack", &[]);
    report_line(
        &o,
        &[
            "#PF page fault",
            "(instruction fetch, protection violation)",
            "hit the stack of G",
            "not executable",
        ],
    );
}

#[test]
fn running_out_of_memory_while_spawning_is_a_clear_report() {
    let o = boot(Run::new().smp("2").memory("64M").boot_opt("fault=oom"));
    check(&o, o.verdict == Verdict::Failure, "OOM must fail the run");
    let l = line_with(&o, "out of memory").unwrap_or_default();
    check(
        &o,
        l.contains("PANIC on M") && l.contains("new G"),
        "the OOM report must say what could not be allocated",
    );
}

#[test]
fn no_fault_ever_triple_faults() {
    // A triple fault resets the machine; with -no-reboot QEMU then exits 0,
    // which the runner reports as `Other`, never `Failure`. The tests above
    // all demand `Failure`; this one double-checks the worst case.
    let o = provoke("1", "double-fault", &[]);
    check(
        &o,
        !matches!(o.verdict, Verdict::Other(_)),
        "no silent reset",
    );
}
