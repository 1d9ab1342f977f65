//! What the QEMU tests share: a limit on QEMUs running at once, a hard
//! timeout for every boot, and assertions that show the serial log.
//!
//! Design note: the test harness runs a binary's tests on many threads, and
//! each QEMU under TCG wants a host thread per virtual core; unthrottled,
//! eight boots on a two-core machine starve each other into timeouts. A
//! counting semaphore (a mutex and a condition variable; std has no
//! semaphore) lets `max(1, cores / 2)` QEMUs run at once, or `GMP_TEST_JOBS`.
//! Every boot has a hard timeout (`GMP_TEST_TIMEOUT_SECS`, default 240 s)
//! so a hung kernel fails its test instead of hanging `cargo test`. When an
//! assertion fails, the message carries the QEMU command, the verdict and
//! the last 60 lines of serial output: enough to see what went wrong
//! without re-running by hand.
#![allow(dead_code)] // each test binary uses a different part of this

use std::ffi::OsStr;
use std::fmt::Display;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use gmp_metal::{Outcome, Run};

/// Whether this is a CI run: `CI=true` (what `.ci/run`'s caller and CI
/// services set).
pub fn on_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// A test that cannot run because a host tool (Go, Chromium, gdb, OVMF,
/// valgrind...) is missing. Locally it prints `skipped: REASON` and
/// returns, and the test passes: a developer need not install everything.
/// On CI it fails, since `.ci/run` installs every such tool and a skip
/// there would hide a broken install.
#[track_caller]
pub fn skip_or_fail(reason: &str) {
    skip_or_fail_on(on_ci(), reason);
}

/// [`skip_or_fail`] with the CI flag given, so both ways are testable
/// whatever the environment.
#[track_caller]
pub fn skip_or_fail_on(ci: bool, reason: &str) {
    if ci {
        panic!("{reason}: it is missing on a CI machine; .ci/run installs it");
    }
    println!("skipped: {reason}");
}

#[test]
fn a_missing_tool_skips_locally_and_fails_on_ci() {
    // Locally: returns, so the test that called it passes.
    skip_or_fail_on(false, "frobnicate not found");
    // On CI: fails, saying what is missing and who installs it.
    let e = std::panic::catch_unwind(|| skip_or_fail_on(true, "frobnicate not found"))
        .expect_err("a missing tool fails on CI");
    let msg = e.downcast_ref::<String>().expect("a formatted message");
    assert_eq!(
        msg,
        "frobnicate not found: it is missing on a CI machine; .ci/run installs it"
    );
}

/// Serial lines shown when an assertion fails.
pub const TAIL_LINES: usize = 60;

/// How many QEMUs this test binary runs at once.
pub fn jobs() -> usize {
    std::env::var("GMP_TEST_JOBS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| {
            let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
            (cores / 2).max(1)
        })
}

/// Whether `go` runs (Go 1.27 from CI's venv: `.ci/run`); tests that need
/// it call [`skip_or_fail`] without it.
pub fn have_go() -> bool {
    Command::new("go")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The hard timeout of one boot.
pub fn boot_timeout() -> Duration {
    let secs = std::env::var("GMP_TEST_TIMEOUT_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(240);
    Duration::from_secs(secs)
}

/// QEMUs running now, in this test binary.
static RUNNING: Mutex<usize> = Mutex::new(0);
static FREED: Condvar = Condvar::new();

/// A permit to run one QEMU; released on drop (also when a test panics).
pub struct QemuSlot(());

impl Drop for QemuSlot {
    fn drop(&mut self) {
        let mut running = RUNNING.lock().unwrap_or_else(|e| e.into_inner());
        *running -= 1;
        FREED.notify_one();
    }
}

/// Waits until fewer than [`jobs`] QEMUs run, then takes a permit.
pub fn qemu_slot() -> QemuSlot {
    let limit = jobs();
    // A panicking test poisons nothing that matters here: the count is
    // always restored by the permit's drop.
    let mut running = RUNNING.lock().unwrap_or_else(|e| e.into_inner());
    while *running >= limit {
        running = FREED.wait(running).unwrap_or_else(|e| e.into_inner());
    }
    *running += 1;
    QemuSlot(())
}

/// A fresh directory `name` under the target dir for this test binary.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// The runner binary (`gmp-metal`) with `args`, under a QEMU permit and
/// the hard timeout, with the system QEMU.
pub fn runner<S: AsRef<OsStr>>(args: &[S]) -> Output {
    let _slot = qemu_slot();
    Command::new(env!("CARGO_BIN_EXE_gmp-metal"))
        .args(args)
        .arg(format!("--timeout={}", boot_timeout().as_secs()))
        .env_remove("GMP_QEMU")
        .output()
        .expect("the gmp-metal binary runs")
}

/// Boots `run` quietly under a permit and the hard timeout (unless the
/// test set a shorter one itself). Panics if the run could not start.
pub fn boot(run: Run) -> Outcome {
    let run = run.echo(false);
    let run = match run.effective_timeout() {
        Some(t) if t < boot_timeout() => run,
        _ => run.timeout(boot_timeout()),
    };
    let prepared = run
        .prepare()
        .unwrap_or_else(|e| panic!("the run did not start: {e}"));
    let _slot = qemu_slot();
    prepared
        .execute()
        .unwrap_or_else(|e| panic!("QEMU did not start: {e}"))
}

/// The story of a run, for failure messages.
pub fn describe(o: &Outcome) -> String {
    format!(
        "command: {}\nverdict: {} after {:.1} s{}\nlast {TAIL_LINES} lines of serial output:\n{}\n--- end of serial output ---{}",
        o.command,
        o.verdict,
        o.elapsed.as_secs_f64(),
        o.explain().map(|e| format!(" ({e})")).unwrap_or_default(),
        o.tail(TAIL_LINES),
        if o.qemu_stderr.trim().is_empty() {
            String::new()
        } else {
            format!("\nQEMU stderr:\n{}", o.qemu_stderr)
        }
    )
}

/// Asserts `ok` about the run `o`; on failure shows `what`, the command,
/// the verdict and the serial tail.
#[track_caller]
pub fn check(o: &Outcome, ok: bool, what: impl Display) {
    if !ok {
        panic!("{what}\n{}", describe(o));
    }
}

/// The first serial line containing `needle`.
pub fn line_with<'a>(o: &'a Outcome, needle: &str) -> Option<&'a str> {
    o.lines().find(|l| l.contains(needle))
}

/// `(M id, APIC id)` of every `M<id> online (apic <apic>)` line.
pub fn online_ms(o: &Outcome) -> Vec<(u32, u32)> {
    o.lines().filter_map(parse_online).collect()
}

/// Parses `M<id> online (apic <apic>)` anywhere in `line` (firmware may
/// leave terminal escapes before it).
fn parse_online(line: &str) -> Option<(u32, u32)> {
    let (before, after) = line.split_once(" online (apic ")?;
    let id = before[before.rfind('M')? + 1..].parse().ok()?;
    let apic = after.trim_end().strip_suffix(')')?.parse().ok()?;
    Some((id, apic))
}

#[test]
fn online_lines_parse_with_or_without_noise() {
    assert_eq!(parse_online("M3 online (apic 4)"), Some((3, 4)));
    assert_eq!(parse_online("\x1b[2JM0 online (apic 0)\r"), Some((0, 0)));
    assert_eq!(parse_online("all 4 Ms online"), None);
    assert_eq!(parse_online("M1 (apic 1) never came online"), None);
    assert_eq!(parse_online("XM1x online (apic 1)"), None);
}

/// Boots `workload` on `smp` cores with extra boot options and asserts the
/// kernel reported success (`workload <name>: ok` and exit status 0).
pub fn run_ok(smp: &str, workload: &str, opts: &[&str]) -> Outcome {
    run_ok_on(Run::new(), smp, workload, opts)
}

/// [`run_ok`] on the machine `base` describes (another QEMU, x2APIC, ...).
pub fn run_ok_on(base: Run, smp: &str, workload: &str, opts: &[&str]) -> Outcome {
    let mut run = base.smp(smp).boot_opt(format!("workload={workload}"));
    for o in opts {
        run = run.boot_opt(*o);
    }
    let o = boot(run);
    check(
        &o,
        o.verdict == gmp_metal::Verdict::Success
            && line_with(&o, &format!("workload {workload}: ok")).is_some(),
        format!("workload {workload} on -smp {smp} {opts:?} did not report success"),
    );
    check_g_ledger(&o);
    o
}

/// The summary's `Gs: S spawned = E exited + L live (...)` line, as
/// (spawned, exited, live by state: running, runnable, waiting, syscall).
pub fn g_ledger(o: &Outcome) -> Option<(u64, u64, [u64; 4])> {
    g_ledger_in(&o.serial)
}

/// [`g_ledger`] of a serial log's text.
pub fn g_ledger_in(serial: &str) -> Option<(u64, u64, [u64; 4])> {
    let line = serial
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("Gs: "))?;
    let nums: Vec<u64> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|w| w.parse().ok())
        .collect();
    // spawned, exited, live, running, runnable, waiting, syscall, structs
    if nums.len() != 8 {
        return None;
    }
    let by_state = [nums[3], nums[4], nums[5], nums[6]];
    (nums[2] == by_state.iter().sum::<u64>()).then_some((nums[0], nums[1], by_state))
}

/// Every summary is read from a stopped world (issue 22), so its G ledger
/// balances exactly: Gs spawned = Gs exited + Gs live. The one exception is
/// a run whose end-of-run stop gave up (a G that never reaches a safe
/// point), which says so.
#[track_caller]
pub fn check_g_ledger(o: &Outcome) {
    let Some((spawned, exited, live)) = g_ledger(o) else {
        check(
            o,
            false,
            "no well-formed `Gs: S spawned = E exited + L live (...)` line",
        );
        return;
    };
    let live_n: u64 = live.iter().sum();
    let unstopped = line_with(o, "summary: the world did not stop").is_some();
    check(
        o,
        unstopped || spawned == exited + live_n,
        format!("Gs spawned {spawned} != exited {exited} + live {live_n} in a stopped world"),
    );
    // In a stopped world only the main G (the reader) runs user code.
    check(
        o,
        unstopped || live[0] == 1,
        format!(
            "{} Gs running in a stopped world (only the main G should)",
            live[0]
        ),
    );
}

#[test]
fn the_g_ledger_line_parses() {
    let ok = "  Gs: 12 spawned = 9 exited + 3 live (1 running, 1 runnable, 1 waiting, 0 in blocking calls); 7 G structs allocated\n";
    assert_eq!(g_ledger_in(ok), Some((12, 9, [1, 1, 1, 0])));
    // A live total that is not the sum of its states is not well formed.
    let bad = "  Gs: 12 spawned = 9 exited + 4 live (1 running, 1 runnable, 1 waiting, 0 in blocking calls); 7 G structs allocated\n";
    assert_eq!(g_ledger_in(bad), None);
}

/// Asserts that some serial line contains every one of `needles`.
#[track_caller]
pub fn expect_line(o: &Outcome, needles: &[&str]) {
    let found = o.lines().any(|l| needles.iter().all(|n| l.contains(n)));
    check(
        o,
        found,
        format!("no serial line contains all of {needles:?}"),
    );
}

/// The numbers in the per-P summary's `all` row: Gs run, spawned,
/// steals in, steals out, global takes, overflows, idle.
pub fn summary_totals(o: &Outcome) -> Vec<u64> {
    o.lines()
        .find(|l| l.trim_start().starts_with("all ") && !l.contains("Ms online"))
        .map(|l| {
            l.split_whitespace()
                .skip(1)
                .filter_map(|w| w.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Boots `run` with `--smp spec` and `workload=boot` and checks every core
/// came online exactly once, with exactly the APIC ids QEMU assigns for
/// that topology, and that the boot banner names the APIC mode, timer mode
/// and CPU model.
pub fn assert_all_online(run: Run, spec: &str) -> Outcome {
    let smp = gmp_metal::Smp::parse(spec).expect("a valid topology");
    let n = smp.cpus;
    let o = boot(run.smp(spec).boot_opt("workload=boot"));
    check(
        &o,
        o.verdict == gmp_metal::Verdict::Success,
        "the boot did not succeed",
    );
    let banner = line_with(&o, "machine: apic=").unwrap_or_default();
    check(
        &o,
        ["apic=", " timer=", " cpu=\""]
            .iter()
            .all(|k| banner.contains(k)),
        format!("no `machine: apic=... timer=... cpu=\"...\"` banner: {banner:?}"),
    );

    let online = online_ms(&o);
    let mut ids: Vec<u32> = online.iter().map(|&(id, _)| id).collect();
    ids.sort_unstable();
    check(
        &o,
        ids == (0..n).collect::<Vec<_>>(),
        format!("expected one `M<id> online` line for each id 0..{n}, got ids {ids:?}"),
    );

    let apics: std::collections::BTreeSet<u32> = online.iter().map(|&(_, apic)| apic).collect();
    check(
        &o,
        apics.len() == online.len(),
        format!("APIC ids are not distinct: {online:?}"),
    );
    let expected: std::collections::BTreeSet<u32> = smp.apic_ids().into_iter().collect();
    check(
        &o,
        apics == expected,
        format!("APIC ids {apics:?}, but QEMU assigns {expected:?} for -smp {spec}"),
    );
    let bsp = smp.apic_ids()[0];
    check(
        &o,
        online.contains(&(0, bsp)),
        format!("M0 must be the bootstrap core (APIC id {bsp})"),
    );

    let all = format!("all {n} Ms online");
    check(
        &o,
        line_with(&o, &all).is_some(),
        format!("no `{all}` line"),
    );
    check(
        &o,
        line_with(&o, "never came online").is_none(),
        "a core never came online",
    );
    o
}

/// The number after ` key=` in `line`.
pub fn field(line: &str, key: &str) -> Option<u64> {
    let at = line.find(&format!(" {key}="))? + key.len() + 2;
    let digits: String = line[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits.parse().ok()
}

/// A successful torture run of `secs` seconds on `smp`, on the machine
/// `base` describes, with the checker and the ledgers having had something
/// to do.
pub fn torture_ok_on(base: Run, smp: &str, seed: &str, secs: u32) -> Outcome {
    let o = run_ok_on(base, smp, "torture", &[&format!("duration={secs}"), seed]);
    let l = line_with(&o, "torture: SUCCESS").unwrap_or_default();
    check(&o, !l.is_empty(), "no SUCCESS line");
    // GOMAXPROCS changes need two cores at least.
    let keys: &[&str] = if smp == "1" {
        &["rounds", "gs", "msgs", "parks", "syscalls", "checks"]
    } else {
        &[
            "rounds", "gs", "msgs", "parks", "syscalls", "checks", "resizes",
        ]
    };
    for key in keys {
        check(
            &o,
            field(l, key).is_some_and(|n| n > 0),
            format!("the SUCCESS line shows no {key}"),
        );
    }
    o
}

/// A torture run with a negative control `fault` (a deliberate bug that
/// loses a G) must fail, name the lost G, and print no SUCCESS line.
pub fn torture_loses_a_g_with(smp: &str, fault: &str, why: &str) -> Outcome {
    let o = boot(
        Run::new()
            .smp(smp)
            .boot_opt("workload=torture")
            .boot_opt("duration=3")
            .boot_opt("seed=3")
            .boot_opt(format!("fault={fault}")),
    );
    check(&o, o.verdict == gmp_metal::Verdict::Failure, why);
    let l = line_with(&o, "torture: FAILURE: ").unwrap_or_default();
    check(
        &o,
        l.contains("runnable but on 0 run queues") || l.contains("never finished"),
        "the failure must name the lost G",
    );
    check(
        &o,
        line_with(&o, "torture: SUCCESS").is_none(),
        "no SUCCESS line",
    );
    o
}
