//! `gmp-metal flaky`: run one test file many times in a row under host load
//! and count the runs that failed — a flake finder.
//!
//! Design note: a QEMU test that reads two figures of a run while other
//! cores still change them passes alone on an idle machine and fails one
//! run in N in CI, where the whole suite loads the host (issue 22: the
//! summary's 2408 latency samples for 2407 Gs run). Such a test must be
//! caught before CI, so this command reproduces CI's conditions on
//! purpose: `--load` background QEMUs (torture runs of the same kernel,
//! restarted whenever one ends) compete for the host's cores while the
//! test binary runs `--runs` times, one run after the other. Each failing
//! run's output is kept under `target/flaky/`, and the last line is the
//! count, so `flaky` answers "how often does this fail?" with a number.
//!
//! The test binary is the one `cargo test --test NAME --no-run` builds (the
//! same build `cargo test` runs), found through cargo's JSON messages.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Arguments of `gmp-metal flaky`.
#[derive(clap::Args, Debug)]
#[command(
    long_about = "Run one test file of tests/ many times in a row while other QEMUs load the host, \
                  and report how many runs failed. Failing runs' output is kept in \
                  target/flaky/. Exits with status 0 when every run passed, 1 when any failed, \
                  2 when the test could not be built or started.",
    after_help = "Example: cargo run -- flaky --test tracking --runs 50 --load 2"
)]
pub struct FlakyArgs {
    /// The test file to run: NAME for tests/NAME.rs
    #[arg(long, value_name = "NAME")]
    pub test: String,
    /// Runs of the test binary, one after the other
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..))]
    pub runs: u32,
    /// Background QEMUs loading the host while the test runs (0: none)
    #[arg(long, default_value_t = 2)]
    pub load: u32,
    /// Cores of each background QEMU
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub load_smp: u32,
    /// Arguments for the test binary (a test name filter, --exact, ...)
    #[arg(last = true, value_name = "TEST_ARGS")]
    pub test_args: Vec<String>,
}

/// One run's result.
struct RunResult {
    ok: bool,
    failed_tests: Vec<String>,
    took: Duration,
}

/// `gmp-metal flaky`: returns the exit status.
pub fn main(args: FlakyArgs) -> i32 {
    let name = args
        .test
        .trim_end_matches(".rs")
        .trim_start_matches("tests/");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if !root.join("tests").join(format!("{name}.rs")).is_file() {
        eprintln!(
            "error: there is no tests/{name}.rs; give the name of a file in tests/ (e.g. --test tracking)"
        );
        return crate::exit::USAGE;
    }
    let binary = match build(root, name) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {e}");
            return crate::exit::USAGE;
        }
    };
    let out_dir = root.join("target").join("flaky");
    if let Err(e) = std::fs::create_dir_all(&out_dir) {
        eprintln!("error: cannot create {}: {e}", out_dir.display());
        return crate::exit::USAGE;
    }
    let mut load = Load::start(args.load, args.load_smp);
    eprintln!(
        "flaky: tests/{name}.rs, {} runs, under {} background QEMU(s) of {} cores running the torture",
        args.runs, args.load, args.load_smp
    );
    let mut failed = 0;
    let t0 = Instant::now();
    for i in 1..=args.runs {
        load.keep_running();
        let log = out_dir.join(format!("{name}-{i}.log"));
        let r = match run_once(root, &binary, &args.test_args, &log) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: {e}");
                load.stop();
                return crate::exit::USAGE;
            }
        };
        if r.ok {
            let _ = std::fs::remove_file(&log);
            eprintln!(
                "flaky: run {i}/{}: ok ({:.0} s)",
                args.runs,
                r.took.as_secs_f64()
            );
        } else {
            failed += 1;
            eprintln!(
                "flaky: run {i}/{}: FAILED ({:.0} s): {} (output: {})",
                args.runs,
                r.took.as_secs_f64(),
                if r.failed_tests.is_empty() {
                    "the binary failed before any test".to_string()
                } else {
                    r.failed_tests.join(", ")
                },
                log.display()
            );
        }
    }
    load.stop();
    println!(
        "flaky: tests/{name}.rs: {failed} of {} runs failed (load: {} QEMU(s) x {} cores; {:.0} s)",
        args.runs,
        args.load,
        args.load_smp,
        t0.elapsed().as_secs_f64()
    );
    if failed == 0 {
        crate::exit::SUCCESS
    } else {
        crate::exit::FAILURE
    }
}

/// Build the test binary and return its path.
fn build(root: &Path, name: &str) -> Result<PathBuf, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(&cargo)
        .current_dir(root)
        .args(["test", "--test", name, "--no-run", "--message-format=json"])
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run `{cargo} test --no-run`: {e}"))?;
    if !out.status.success() {
        return Err(format!("`cargo test --test {name} --no-run` failed"));
    }
    executable_of(&String::from_utf8_lossy(&out.stdout), name)
        .ok_or_else(|| format!("cargo built no test binary named {name}"))
}

/// The `executable` of the test target `name` in cargo's JSON messages.
pub fn executable_of(messages: &str, name: &str) -> Option<PathBuf> {
    messages.lines().find_map(|l| {
        let v: serde_json::Value = serde_json::from_str(l).ok()?;
        let target = v.get("target")?;
        let is_test = target.get("kind")?.as_array()?.iter().any(|k| k == "test");
        (is_test && target.get("name")? == name)
            .then(|| v.get("executable")?.as_str().map(PathBuf::from))
            .flatten()
    })
}

/// Run the binary once, output to `log`; which tests failed.
fn run_once(
    root: &Path,
    binary: &Path,
    test_args: &[String],
    log: &Path,
) -> Result<RunResult, String> {
    let t0 = Instant::now();
    let out = Command::new(binary)
        .current_dir(root)
        .args(test_args)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
    let mut f =
        std::fs::File::create(log).map_err(|e| format!("cannot write {}: {e}", log.display()))?;
    let _ = f.write_all(&out.stdout);
    let _ = f.write_all(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    Ok(RunResult {
        ok: out.status.success(),
        failed_tests: failed_tests(&stdout),
        took: t0.elapsed(),
    })
}

/// The names of the failed tests in libtest's output (`test NAME ... FAILED`).
pub fn failed_tests(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("test ")?.strip_suffix(" ... FAILED"))
        .map(str::to_string)
        .collect()
}

/// The background QEMUs: torture runs of the same kernel, each restarted
/// when it ends.
struct Load {
    smp: u32,
    children: Vec<Child>,
}

impl Load {
    fn start(n: u32, smp: u32) -> Load {
        let mut l = Load {
            smp,
            children: Vec::new(),
        };
        for _ in 0..n {
            if let Some(c) = l.spawn() {
                l.children.push(c);
            }
        }
        l
    }

    fn spawn(&self) -> Option<Child> {
        use std::os::unix::process::CommandExt;
        let exe = std::env::current_exe().ok()?;
        let child = Command::new(exe)
            // Its own process group, so that `stop` ends its QEMU too.
            .process_group(0)
            .args([
                "--smp",
                &self.smp.to_string(),
                "--workload",
                "torture",
                "--duration",
                "600",
                "--timeout",
                "900",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn();
        match child {
            Ok(mut c) => {
                // Drain the serial output so the child never blocks on it.
                if let Some(out) = c.stdout.take() {
                    std::thread::spawn(move || for _ in BufReader::new(out).lines() {});
                }
                Some(c)
            }
            Err(e) => {
                eprintln!("flaky: could not start a background QEMU: {e}");
                None
            }
        }
    }

    /// Restart the QEMUs that ended.
    fn keep_running(&mut self) {
        for i in 0..self.children.len() {
            if matches!(self.children[i].try_wait(), Ok(Some(_)))
                && let Some(c) = self.spawn()
            {
                self.children[i] = c;
            }
        }
    }

    fn stop(&mut self) {
        for c in &mut self.children {
            // The runner and its QEMU, the whole process group.
            if let Ok(pgid) = i32::try_from(c.id()) {
                // SAFETY: kill(2) with a negative pid signals the group the
                // child leads (`process_group(0)` above); no memory is
                // touched.
                unsafe { libc::kill(-pgid, libc::SIGKILL) };
            }
            let _ = c.wait();
        }
        self.children.clear();
    }
}

impl Drop for Load {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_tests_are_read_from_libtest_output() {
        let out = "running 2 tests\ntest a ... ok\ntest b::c ... FAILED\n\nfailures:\n";
        assert_eq!(failed_tests(out), vec!["b::c".to_string()]);
        assert!(failed_tests("test a ... ok\n").is_empty());
    }

    #[test]
    fn the_test_executable_is_found_in_cargo_messages() {
        let msgs = concat!(
            r#"{"reason":"compiler-artifact","target":{"kind":["lib"],"name":"tracking"},"executable":null}"#,
            "\n",
            r#"{"reason":"compiler-artifact","target":{"kind":["test"],"name":"tracking"},"executable":"/t/deps/tracking-ab"}"#,
            "\n",
            r#"{"reason":"compiler-artifact","target":{"kind":["test"],"name":"stw"},"executable":"/t/deps/stw-cd"}"#,
        );
        assert_eq!(
            executable_of(msgs, "tracking"),
            Some(PathBuf::from("/t/deps/tracking-ab"))
        );
        assert_eq!(executable_of(msgs, "sched"), None);
    }
}
