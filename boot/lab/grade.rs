//! `lab grade NAME`: build the tree, run the lab's checks, print a score
//! per check, xv6's `make grade` style.
//!
//! Design note: the grader builds with cargo in the tree being graded
//! (cargo reads `.cargo/config.toml` from the directory it runs in, and
//! `CARGO_TARGET_DIR` from the environment, so a test can grade a copy of
//! the tree without touching the working one). Host checks run the test
//! binaries directly, one per check, under a time limit: a student's
//! endless loop costs one check, not the whole run. QEMU checks run only
//! when every host check passed — a kernel built from a queue that fails
//! its unit tests would only fail in a harder-to-read way — and the
//! runner is built only when a QEMU check will run or the lab has a
//! region in the kernel proper (so that its stub is seen to compile).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::bench::hostcmd::{Cmd, CmdOutput, Exec, System};

use super::catalog::{HostCheck, Lab, QemuCheck};
use super::region;

/// Longest a build may take (a first build compiles every dependency).
const BUILD_LIMIT: Duration = Duration::from_secs(3600);
/// Longest one host check (one test binary run) may take.
const TEST_LIMIT: Duration = Duration::from_secs(300);
/// The runner's own `--timeout` for one boot.
const BOOT_TIMEOUT_SECS: u64 = 180;
/// Output lines shown under a failed check.
const DETAIL_LINES: usize = 8;

/// Points earned and possible.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Score {
    pub earned: u32,
    pub total: u32,
}

impl Score {
    pub fn passed(&self) -> bool {
        self.earned == self.total
    }
}

/// The cargo to run: the one that runs us (`cargo run` sets `CARGO`), or
/// the one on the PATH.
fn cargo() -> PathBuf {
    std::env::var_os("CARGO").map_or_else(|| PathBuf::from("cargo"), PathBuf::from)
}

/// Grades `lab` in the tree at `root`, printing as it goes. `Err` when the
/// lab cannot be graded at all (a marked region is gone).
pub fn grade(root: &Path, lab: &Lab) -> Result<Score, String> {
    for r in lab.regions {
        let text = region::read(root, r.file).map_err(|e| e.to_string())?;
        region::find(&text, Path::new(r.file), r.id).map_err(|e| e.to_string())?;
    }
    println!("== lab {}: {} ==", lab.name, lab.title);
    let mut earned = 0;
    let host_ok = if lab.host.is_empty() {
        true
    } else {
        match build_host_tests(root, lab) {
            Ok(exes) => {
                let mut all = true;
                for check in lab.host {
                    let ok = run_host_check(check, &exes);
                    earned += if ok { check.points } else { 0 };
                    all &= ok;
                }
                all
            }
            Err(why) => {
                detail(&why);
                for check in lab.host {
                    result(check.name, false, check.points, None);
                }
                false
            }
        }
    };
    let need_runner = lab.touches_kernel() || (host_ok && !lab.qemu.is_empty());
    let runner = need_runner.then(|| build_runner(root));
    for check in lab.qemu {
        match (&runner, host_ok) {
            (Some(Ok(exe)), true) => {
                if run_qemu_check(lab, check, exe) {
                    earned += check.points;
                }
            }
            (Some(Err(_)), _) => result(check.name, false, check.points, None),
            _ => {
                result(check.name, false, check.points, None);
                detail("not run: every host check must pass first");
            }
        }
    }
    if let Some(Err(why)) = &runner {
        detail(why);
    }
    let score = Score {
        earned,
        total: lab.total(),
    };
    println!("score: {}/{}", score.earned, score.total);
    Ok(score)
}

/// Prints one check's verdict line.
fn result(name: &str, ok: bool, points: u32, took: Option<Duration>) {
    let (word, got) = if ok { ("OK", points) } else { ("FAIL", 0) };
    let time = took.map_or(String::new(), |t| format!(" in {:.1} s", t.as_secs_f64()));
    println!("{name} ... {word} ({got}/{points}){time}");
}

/// Prints the lines of `text` that explain a failure, indented.
fn detail(text: &str) {
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let line: String = line.chars().take(300).collect();
        println!("    {line}");
    }
}

/// Runs `cmd`, reporting how long it took.
fn run(cmd: &Cmd, limit: Duration) -> (Result<CmdOutput, String>, Duration) {
    let start = Instant::now();
    let out = System { limit }.run(cmd);
    (out, start.elapsed())
}

/// The first compiler errors in cargo's stderr.
fn compile_errors(stderr: &str) -> String {
    let lines: Vec<&str> = stderr
        .lines()
        .skip_while(|l| !l.starts_with("error"))
        .take(30)
        .collect();
    if lines.is_empty() {
        stderr.lines().rev().take(10).collect::<Vec<_>>().join("\n")
    } else {
        lines.join("\n")
    }
}

/// Test executables by target (`lib` or an integration test's name).
type Exes = BTreeMap<String, PathBuf>;

fn build_host_tests(root: &Path, lab: &Lab) -> Result<Exes, String> {
    let mut targets: Vec<&str> = lab
        .host
        .iter()
        .flat_map(|c| c.tests.iter().map(|(t, _)| *t))
        .collect();
    targets.sort_unstable();
    targets.dedup();
    let mut cmd = Cmd::new(cargo()).dir(root).args([
        "test",
        "-p",
        "gmp-sched",
        "--no-run",
        "--message-format=json-render-diagnostics",
    ]);
    for t in &targets {
        cmd = match *t {
            "lib" => cmd.arg("--lib"),
            name => cmd.args(["--test", name]),
        };
    }
    let shown = format!("cargo {}", cmd.args[..4].join(" "));
    let (out, took) = run(&cmd, BUILD_LIMIT);
    let out = out?;
    if !out.success {
        println!("build: {shown} ... does not compile");
        return Err(compile_errors(&out.stderr));
    }
    println!("build: {shown} ... ok in {:.1} s", took.as_secs_f64());
    let mut exes = Exes::new();
    for line in out.stdout.lines() {
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let (Some(exe), Some(name)) = (msg["executable"].as_str(), msg["target"]["name"].as_str())
        else {
            continue;
        };
        let is_lib = msg["target"]["kind"]
            .as_array()
            .is_some_and(|k| k.iter().any(|k| k == "lib"));
        let key = if is_lib { "lib" } else { name };
        exes.insert(key.to_string(), PathBuf::from(exe));
    }
    match targets.iter().find(|t| !exes.contains_key(**t)) {
        Some(t) => Err(format!("cargo built no test binary for target {t}")),
        None => Ok(exes),
    }
}

/// Runs one host check: each target's tests in one run of its binary.
fn run_host_check(check: &HostCheck, exes: &Exes) -> bool {
    let mut by_target: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (target, test) in check.tests {
        by_target.entry(target).or_default().push(test);
    }
    let mut failures = String::new();
    let mut took = Duration::ZERO;
    for (target, tests) in by_target {
        let cmd = Cmd::new(&exes[target])
            .args(["--exact", "--test-threads", "1"])
            .args(tests.iter().copied())
            .env("RUST_BACKTRACE", "0");
        let (out, t) = run(&cmd, TEST_LIMIT);
        took += t;
        match out {
            Err(e) => failures.push_str(&format!("{e}: an endless loop?\n")),
            Ok(out) => {
                for test in tests {
                    if let Some(why) = test_failure(&out, test) {
                        failures.push_str(&why);
                    }
                }
            }
        }
    }
    let ok = failures.is_empty();
    result(check.name, ok, check.points, Some(took));
    if !ok {
        detail(&failures);
    }
    ok
}

/// Why `test` did not pass in a libtest run, or `None` if it did.
fn test_failure(out: &CmdOutput, test: &str) -> Option<String> {
    let head = format!("test {test} ... ");
    let verdict = out
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix(head.as_str()));
    match verdict {
        Some("ok") => None,
        Some(_) => {
            let section = format!("---- {test} stdout ----");
            let lines: Vec<String> = out
                .stdout
                .lines()
                .skip_while(|l| *l != section)
                .skip(1)
                .take_while(|l| !l.starts_with("---- ") && *l != "failures:")
                .filter(|l| !l.trim().is_empty() && !l.starts_with("note: run with"))
                .map(|l| match l.split_once(" panicked at ") {
                    // `thread 'NAME' (TID) panicked at FILE:LINE:COL:`
                    Some((thread, at)) if thread.starts_with("thread '") => {
                        format!("panicked at {at}")
                    }
                    _ => format!("  {l}"),
                })
                .take(DETAIL_LINES)
                .collect();
            Some(format!("{test}: {}\n", lines.join("\n")))
        }
        None if out.stdout.contains("running 0 tests") => Some(format!(
            "{test}: no such test (renamed? the lab's catalog names it in boot/lab/catalog/labs.rs)\n"
        )),
        None => {
            let tail: Vec<&str> = out.stderr.lines().rev().take(DETAIL_LINES).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            Some(format!(
                "{test}: the test binary died before reporting:\n{}\n",
                tail.join("\n")
            ))
        }
    }
}

fn build_runner(root: &Path) -> Result<PathBuf, String> {
    let cmd = Cmd::new(cargo()).dir(root).args([
        "build",
        "--bin",
        "gmp-metal",
        "--message-format=json-render-diagnostics",
    ]);
    let (out, took) = run(&cmd, BUILD_LIMIT);
    let out = out?;
    if !out.success {
        println!("build: cargo build (the kernel and the runner) ... does not compile");
        return Err(compile_errors(&out.stderr));
    }
    println!(
        "build: cargo build (the kernel and the runner) ... ok in {:.1} s",
        took.as_secs_f64()
    );
    out.stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|m| m["target"]["name"] == "gmp-metal" && m["executable"].is_string())
        .and_then(|m| m["executable"].as_str().map(PathBuf::from))
        .ok_or_else(|| "cargo build reported no gmp-metal executable".to_string())
}

fn run_qemu_check(lab: &Lab, check: &QemuCheck, runner: &Path) -> bool {
    let timeout = ["--timeout".to_string(), BOOT_TIMEOUT_SECS.to_string()];
    // A boot takes the runner's `--timeout` first; a subcommand (the
    // tournament of `lab policy`) takes its own after its name.
    let cmd = if check.args.first() == Some(&"policies") {
        Cmd::new(runner)
            .args(check.args.iter().copied())
            .args(timeout)
    } else {
        Cmd::new(runner)
            .args(timeout)
            .args(check.args.iter().copied())
    };
    let (out, took) = run(&cmd, Duration::from_secs(BOOT_TIMEOUT_SECS + 60));
    let (ok, why) = match out {
        Err(e) => (false, e),
        Ok(out) => {
            let text = format!("{}{}", out.stdout, out.stderr);
            let missing: Vec<&str> = check
                .expect
                .iter()
                .copied()
                .filter(|e| !text.contains(e))
                .collect();
            let verified = check.verify.map_or(Ok(()), |v| v(&text));
            match (out.success, missing.is_empty(), verified) {
                (true, true, Ok(())) => (true, String::new()),
                (success, _, verified) => {
                    let mut why = String::new();
                    if !success {
                        why.push_str("the run failed:\n");
                    }
                    for m in &missing {
                        why.push_str(&format!("expected a line with `{m}`\n"));
                    }
                    if let Err(v) = verified {
                        why.push_str(&format!("{v}\n"));
                    }
                    why.push_str(&serial_excerpt(&text, lab.name));
                    (false, why)
                }
            }
        }
    };
    result(check.name, ok, check.points, Some(took));
    if !ok {
        println!("    cargo run -- {}", check.args.join(" "));
        detail(&why);
    }
    ok
}

/// The lines of a failed boot that say why: the lab's own message, panics,
/// the verdict and the runner's messages; the last lines if none.
fn serial_excerpt(text: &str, lab: &str) -> String {
    let own = format!("lab {lab}:");
    let telling: Vec<&str> = text
        .lines()
        .filter(|l| {
            l.contains(&own)
                || l.contains("PANIC")
                || l.contains("fatal error")
                || l.starts_with("workload ")
                || l.starts_with("gmp-metal:")
                || l.starts_with("error:")
        })
        .take(DETAIL_LINES)
        .collect();
    if telling.is_empty() {
        let tail: Vec<&str> = text.lines().rev().take(DETAIL_LINES).collect();
        tail.into_iter().rev().collect::<Vec<_>>().join("\n")
    } else {
        telling.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output(stdout: &str) -> CmdOutput {
        CmdOutput {
            success: false,
            stdout: stdout.to_string(),
            stderr: String::new(),
        }
    }

    #[test]
    fn a_failed_test_shows_its_panic_message() {
        let out = output(
            "running 2 tests\ntest a ... ok\ntest b ... FAILED\n\nfailures:\n\n---- b stdout ----\n\nthread 'b' panicked at src/x.rs:1:2:\nlab runq: not implemented yet\nnote: run with `RUST_BACKTRACE=1`\n\nfailures:\n    b\n",
        );
        assert_eq!(test_failure(&out, "a"), None);
        let why = test_failure(&out, "b").unwrap();
        assert!(why.contains("lab runq: not implemented yet"), "{why}");
        assert!(!why.contains("RUST_BACKTRACE"), "{why}");
        let missing = test_failure(&output("running 0 tests\n"), "c").unwrap();
        assert!(missing.contains("no such test"), "{missing}");
    }

    #[test]
    fn a_failed_boot_shows_the_labs_message_and_the_verdict() {
        let text = "M0 online (apic 0)\nPANIC on M0 (apic 0) in G1 at x.rs:3: lab preempt: not implemented yet\nbacktrace\ngmp-metal: the kernel reported failure\n";
        let why = serial_excerpt(text, "preempt");
        assert!(why.contains("lab preempt: not implemented yet"));
        assert!(why.contains("gmp-metal: the kernel"));
        assert!(!why.contains("backtrace"));
    }
}
