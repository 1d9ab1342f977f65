//! Exact replay under `--icount`: the ground that seeded exploration
//! stands on (issue 24).
//!
//! Design note: under `-icount shift=0,sleep=off` QEMU runs every vCPU on
//! one host thread, round-robin, on a virtual clock that advances one
//! nanosecond per instruction, so a run is a function of its inputs — the
//! image, the options, the seed — unless something of the host leaks in.
//! Two leaks were found and closed: the RTC, which followed the host's
//! clock (the firmware waits for its update cycle, so the kernel started
//! after a different number of instructions each run; the runner now puts
//! it on the virtual clock from a fixed date), and nothing else so far.
//! These tests boot the same seeded run twice and require the same bytes.

mod common;

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_gmp-metal");

/// The serial output of a traced, seeded torture run under `--icount`,
/// with the trace directory's name taken out, and the raw trace.
fn seeded_torture(name: &str) -> (String, Vec<u8>) {
    let dir = common::scratch(name);
    let trace = format!("--trace={}", dir.display());
    let out = common::runner(&[
        "--icount",
        "--smp",
        "4",
        "--workload",
        "torture",
        "--duration",
        "2",
        "--seed",
        "9",
        &trace,
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(stdout.contains("torture: SUCCESS"), "stdout:\n{stdout}");
    let bin = std::fs::read(dir.join("trace.bin")).expect("trace.bin written");
    (stdout.replace(&dir.display().to_string(), "DIR"), bin)
}

#[test]
fn a_seeded_run_under_icount_replays_byte_for_byte() {
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| seeded_torture("replay-a"));
        let b = s.spawn(|| seeded_torture("replay-b"));
        (a.join().unwrap(), b.join().unwrap())
    });
    if a.0 != b.0 || a.1 != b.1 {
        // Kept for the post-mortem: which line, which event.
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
        let _ = std::fs::write(dir.join("replay-a.serial"), &a.0);
        let _ = std::fs::write(dir.join("replay-b.serial"), &b.0);
    }
    if a.0 != b.0 {
        let first =
            a.0.lines()
                .zip(b.0.lines())
                .position(|(x, y)| x != y)
                .unwrap_or(0);
        panic!(
            "the serial outputs differ from line {}:\n{}\n--- and ---\n{}",
            first + 1,
            a.0.lines()
                .skip(first)
                .take(5)
                .collect::<Vec<_>>()
                .join("\n"),
            b.0.lines()
                .skip(first)
                .take(5)
                .collect::<Vec<_>>()
                .join("\n"),
        );
    }
    let at = a.1.iter().zip(&b.1).position(|(x, y)| x != y);
    assert!(
        a.1 == b.1,
        "the serial outputs agree but the traces differ: {} and {} bytes, first difference at byte {:?}",
        a.1.len(),
        b.1.len(),
        at
    );
}

/// The serial output of `workload` under `--icount` on `smp` cores.
fn icount_run(smp: &str, workload: &str, opts: &[&str]) -> (Output, String) {
    let mut args = vec!["--icount", "--smp", smp, "--workload", workload];
    args.extend_from_slice(opts);
    let out = common::runner(&args);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    (out, text)
}

/// What chaos stands on: under `--icount` a `pause` ends the vCPU's turn
/// (the workload fails itself when the `pause` round trip is not at least
/// 20 times cheaper than a plain spin's).
#[test]
fn a_pause_ends_the_vcpus_turn_under_icount() {
    let (out, text) = icount_run("2", "test-pause", &[]);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("spinning with pause") && text.contains("instructions"),
        "{text}"
    );
}

/// `explore` over `args`: its exit status and stdout.
fn explore(args: &[&str]) -> (Option<i32>, String, String) {
    let _slot = common::qemu_slot();
    let out = Command::new(BIN)
        .arg("explore")
        .args(args)
        .env_remove("GMP_QEMU")
        .output()
        .expect("the gmp-metal binary runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The CI's short exploration of the real code: two seeds with chaos on
/// must find nothing.
#[test]
fn exploring_the_real_code_finds_nothing() {
    let (code, out, err) = explore(&["--seeds", "2", "--start", "1"]);
    assert_eq!(code, Some(0), "stdout:\n{out}\nstderr:\n{err}");
    assert!(out.contains("explore: no failure"), "{out}");
    assert!(err.contains("explore: 2 seeds run"), "{err}");
}

/// Regression (CI, 2026-12-07: `bench=chan-pingpong-2p` hung on 2 cores):
/// a spinner that gave its P up while still counted let a `globrunqput` +
/// `wakep` wake nobody, and never looked at the global queue again. With
/// chaos stalling that spinner between its P's release and its
/// `nmspinning` decrement, every seed measured (1, 2, 3, 5) hung before
/// the fix (`test-wire-drain`'s docs); with the fix's re-check, none does.
#[test]
fn a_g_left_in_the_global_queue_by_a_wired_core_is_found() {
    let (code, out, err) = explore(&[
        "--workload",
        "test-wire-drain",
        "--smp",
        "2",
        "--seeds",
        "2",
        "--start",
        "1",
        "--timeout",
        "120",
    ]);
    assert_eq!(code, Some(0), "stdout:\n{out}\nstderr:\n{err}");
    assert!(out.contains("explore: no failure"), "{out}");
    assert!(err.contains("explore: 2 seeds run"), "{err}");
}

/// Regression (CI, 2026-12-08): a failure the workload reports (here the
/// torture's "never finished", after its end-of-run summary) replayed with
/// a `--stop-at` past it must end at the same instruction. The summary
/// prints a `stopat:` line only when `stopat=` is armed, and the exit
/// used to read the TSC after it: the replay ended 778 instructions later
/// and `chaos_finds_the_getg_race_and_its_replay_repeats_it` failed when
/// its seed showed this face. The failure's instant is now taken when the
/// verdict arrives.
#[test]
fn a_reported_failure_ends_at_the_same_instruction_with_stop_at_armed() {
    let opts = ["seed=1", "duration=1", "fault=wake-lose"];
    let (out, text) = icount_run("2", "torture", &opts);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("never finished"), "{text}");
    let at = text
        .lines()
        .find_map(|l| l.strip_prefix("exit: failure at tsc "))
        .unwrap_or_else(|| panic!("no exit line:\n{text}"))
        .to_string();
    let beyond = format!("{}", at.parse::<u64>().expect("a TSC") + 1_000_000_000);
    let mut armed = vec!["--stop-at", beyond.as_str()];
    armed.extend_from_slice(&opts);
    let (_, again) = icount_run("2", "torture", &armed);
    assert!(again.contains("stopat: no tick reached tsc"), "{again}");
    assert!(
        again.contains(&format!("exit: failure at tsc {at}\n")),
        "the armed replay did not end at instruction {at}:\n{again}"
    );
}

/// The negative control: with the two-load `getg` put back, chaos finds
/// the race within a few seeds (every start measured in docs/EXPLORE.md
/// found it in its first two; four leave room for a code change to move
/// it, without making the test wait long), and the printed replay — here with a
/// `--stop-at` past the failure, which must not change anything before
/// it — fails with the same line at the same instruction (within
/// `REPLAY_ATTEMPTS` boots: QEMU's icount is exact only while the host
/// gives its threads time, docs/EXPLORE.md's *Determinism*).
#[test]
fn chaos_finds_the_getg_race_and_its_replay_repeats_it() {
    let (code, out, err) = explore(&["--seeds", "4", "--start", "1", "--fault", "getg-race"]);
    assert_eq!(code, Some(1), "stdout:\n{out}\nstderr:\n{err}");
    let failed = out
        .lines()
        .find(|l| l.starts_with("explore: seed ") && l.contains(" FAILED after "))
        .unwrap_or_else(|| panic!("no FAILED line:\n{out}"));
    // The race shows either way: the waker readies the wrong G (a
    // `casgstatus` panic, or, when the wrong G is blocked in a select,
    // select's own check that one of its cases fired) or the right one is
    // never readied (the torture's checker finds its round's Gs
    // unfinished). Seed 1 shows the select face since 2026-12-07 (the same
    // seed without the fault: SUCCESS).
    assert!(
        failed.contains("casgstatus")
            || failed.contains("semacquire")
            || failed.contains("select woken without a fired case")
            || failed.contains("never finished"),
        "{failed}"
    );
    let replay = out
        .lines()
        .find_map(|l| l.strip_prefix("replay: cargo run -- "))
        .unwrap_or_else(|| panic!("no replay line:\n{out}"));
    assert!(
        out.lines()
            .any(|l| l.starts_with("debug:  cargo run -- ") && l.contains("--gdb --stop-at ")),
        "{out}"
    );
    // Replayed by `explore` itself, alone on the host, once: it says
    // whether that replay repeated. One boot in four of seed 1's long run
    // goes another way on this host (QEMU's timing, see below), so the
    // exact repeat is asked of the armed replays that follow, not of this
    // one (a CI run on 2026-12-08 saw it differ).
    assert!(
        out.contains("explore: replayed once: the same failure at the same instruction")
            || out.contains("explore: replayed once: it differs"),
        "{out}"
    );
    let at: u64 = failed
        .rsplit_once("(at instruction ")
        .and_then(|(_, n)| n.trim_end_matches(')').parse().ok())
        .unwrap_or_else(|| panic!("no instruction count in: {failed}"));
    let words: Vec<String> = replay
        .split(' ')
        .filter(|w| !w.starts_with("stopat="))
        .map(String::from)
        .collect();
    let beyond = format!("{}", at + 1_000_000_000);
    let mut args: Vec<&str> = vec!["--stop-at", &beyond];
    args.extend(words.iter().map(String::as_str));
    let panic_line = failed
        .split_once(" FAILED after ")
        .and_then(|(_, rest)| rest.split_once(": "))
        .map(|(_, line)| {
            line.rsplit_once(" (at instruction")
                .map_or(line, |(l, _)| l)
        })
        .unwrap();
    // QEMU's `-icount` is exact only while its threads get the host in
    // time (docs/EXPLORE.md, *Determinism*): alone on this 2-core host, 1
    // of 4 boots of seed 1's 22e9-instruction failing run went another
    // way (2026-12-08). A `--stop-at` that changed the execution would
    // move every attempt; QEMU's timing moves one now and then. So: the
    // armed replay must repeat the failure exactly within four attempts.
    let mut texts = Vec::new();
    for _ in 0..REPLAY_ATTEMPTS {
        let again = common::runner(&args);
        let text = String::from_utf8_lossy(&again.stdout).into_owned();
        let same = text.lines().any(|l| l == panic_line)
            && text.contains(&format!("exit: failure at tsc {at}\n"));
        if same {
            return;
        }
        texts.push(text);
    }
    panic!(
        "no armed replay of {REPLAY_ATTEMPTS} failed with `{panic_line}` at instruction {at}:\n{}",
        texts.join("\n----- next attempt -----\n")
    );
}

/// Attempts of a replay that must repeat a failure exactly (see its use).
const REPLAY_ATTEMPTS: usize = 4;

/// `--stop-at-event K` reads event K's stamp from the previous traced
/// replay and stops one tick before it: the run's summary reports a stop
/// between that tick and the event, and the stopped run records event K
/// at the same instruction (nothing before the stop changed).
#[test]
fn stop_at_event_stops_a_tick_before_the_event_of_the_last_trace() {
    let dir = common::scratch("stop-at-event");
    let trace = format!("--trace={}", dir.display());
    let replay = [
        "--icount",
        "--smp",
        "2",
        "workload=torture",
        "seed=4",
        "duration=1",
    ];
    let first = common::runner(&[&[trace.as_str()][..], &replay].concat());
    assert_eq!(first.status.code(), Some(0), "{first:?}");
    let k = 5000;
    let (ts, _) = gmp_metal::trace::event_stamp(&dir, k).expect("the first run's trace");
    let before = common::scratch("stop-at-event-first");
    std::fs::create_dir_all(&before).unwrap();
    std::fs::copy(dir.join("trace.bin"), before.join("trace.bin")).unwrap();
    let k_arg = k.to_string();
    let stopped =
        common::runner(&[&[trace.as_str(), "--stop-at-event", &k_arg][..], &replay].concat());
    let out = String::from_utf8_lossy(&stopped.stdout);
    let err = String::from_utf8_lossy(&stopped.stderr);
    assert_eq!(stopped.status.code(), Some(0), "{out}\n{err}");
    let asked = ts - gmp_metal::explore::STOP_BEFORE;
    assert!(
        err.contains(&format!("runner: event {k} of ")) && err.contains(&format!("past {asked}")),
        "{err}"
    );
    let line = out
        .lines()
        .find_map(|l| l.trim().strip_prefix("stopat: the tick at tsc "))
        .unwrap_or_else(|| panic!("no stop reported:\n{out}"));
    let (at, rest) = line.split_once(' ').unwrap();
    let at: u64 = at.parse().unwrap();
    assert_eq!(
        rest,
        format!("called gmp_stop_at (asked {asked})"),
        "{line}"
    );
    assert!(
        asked <= at && at < ts,
        "stopped at {at}, not in [{asked}, {ts})"
    );
    // The last event before the stop (stamps are in order: bisect).
    let stamp = |d: &Path, j: u64| gmp_metal::trace::event_stamp(d, j).unwrap().0;
    let (mut lo, mut hi) = (1, k);
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if stamp(&before, mid) < at {
            lo = mid
        } else {
            hi = mid - 1
        }
    }
    assert!(stamp(&before, lo) < at && stamp(&before, lo + 1) >= at);
    assert_eq!(
        stamp(&dir, lo),
        stamp(&before, lo),
        "event {lo}, the last before the stop, moved: the stop changed the run before it"
    );
    // Without a trace to read, one sentence and status 2.
    let none = common::scratch("stop-at-event-none");
    let missing = common::runner(&[
        &format!("--trace={}", none.display()),
        "--stop-at-event",
        "1",
        "--icount",
    ]);
    assert_eq!(missing.status.code(), Some(2), "{missing:?}");
    let said = String::from_utf8_lossy(&missing.stderr);
    assert!(said.contains("run it once with --trace first"), "{said}");
}
