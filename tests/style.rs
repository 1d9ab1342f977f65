//! Every tracked `.rs` file is rustfmt-clean, and the host crates and the
//! kernel are clippy-clean with `-D warnings`.
//!
//! Design note: `cargo fmt` formats what it reaches through `mod` items,
//! and cannot see the workload files: they are declared with `#[path]`
//! inside the registry macro (`kernel/src/workloads/mod.rs`). So rustfmt
//! is run here over every file `git ls-files '*.rs'` lists instead. The
//! labs' wrong answers in `tests/fixtures/` are left out: they are
//! fragments of a function body spliced into a lab region, not files that
//! parse. Clippy runs nested inside `cargo test`, which holds the lock on
//! `target/`; the nested runs use `target/style` so they do not wait on it.
//! `cargo clippy` at the top covers the default members (the runner and
//! `kernel/sched`); the kernel is built for `x86_64-unknown-none` and is
//! linted inside `kernel/`.
//!
//! Cost: from a cold `target/style` the clippy test took 162 s in a
//! fresh-clone `.ci/run` on a two-core VM (2026-12-07; an earlier run on
//! the same machine, shared with two other builds, took about 11
//! minutes): the runner's build script builds the kernel and the
//! bootloader's BIOS and UEFI stages again there. Warm, about 10 s. The
//! rustfmt test takes about a second.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use gmp_metal::bench::compare::go::TempDir;

/// The checkout.
fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The fix the failure message names.
const FIX: &str = "rustfmt --edition 2024";

/// Whether `program --version` runs.
fn runs(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .current_dir(repo())
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The `.rs` files git tracks, relative to the checkout, without the
/// fragments of `tests/fixtures/` (see the design note).
fn tracked_rust_files() -> Vec<String> {
    let out = Command::new("git")
        .args(["ls-files", "*.rs"])
        .current_dir(repo())
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git ls-files failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("UTF-8 paths")
        .lines()
        .filter(|f| !f.starts_with("tests/fixtures/"))
        .map(str::to_string)
        .collect()
}

/// The files among `files` (relative to `dir`) that `rustfmt --check`
/// would change, relative to `dir`, sorted and each once (rustfmt also
/// checks a file's `mod` children, so a child may come up twice). An
/// error if rustfmt cannot run or cannot parse a file.
fn unformatted(dir: &Path, files: &[String]) -> Result<Vec<String>, String> {
    let out = Command::new("rustfmt")
        .args(["--check", "--files-with-diff", "--edition", "2024"])
        .args(files)
        .current_dir(dir)
        .output()
        .map_err(|e| format!("rustfmt did not start: {e}"))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !stderr.trim().is_empty() {
        return Err(format!("rustfmt failed:\n{stderr}"));
    }
    let prefix = format!("{}/", dir.display());
    let mut names: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim().trim_start_matches(&prefix).to_string())
        .filter(|l| !l.is_empty())
        .collect();
    names.sort();
    names.dedup();
    if !out.status.success() && names.is_empty() {
        return Err(format!("rustfmt failed ({}) naming no file", out.status));
    }
    Ok(names)
}

/// Skips (or fails on CI) if `tool` is missing; true if it is there.
fn have(tool: &str, why: &str) -> bool {
    if runs(tool) {
        return true;
    }
    common::skip_or_fail(why);
    false
}

#[test]
fn every_tracked_rust_file_is_rustfmt_clean() {
    if !have("git", "git not found (apt install git)")
        || !have(
            "rustfmt",
            "rustfmt not found (rustup component add rustfmt)",
        )
    {
        return;
    }
    let files = tracked_rust_files();
    assert!(files.len() > 100, "git listed only {files:?}");
    let bad = unformatted(repo(), &files).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        bad.is_empty(),
        "{} file(s) not formatted as rustfmt --edition 2024 would: {}\nfix with: {FIX} {}",
        bad.len(),
        bad.join(", "),
        bad.join(" ")
    );
}

#[test]
fn the_format_check_names_a_badly_formatted_file() {
    if !have(
        "rustfmt",
        "rustfmt not found (rustup component add rustfmt)",
    ) {
        return;
    }
    // Negative control: the checker must see what it is there to see.
    let dir = TempDir::new("style").unwrap();
    std::fs::write(dir.0.join("bad.rs"), "fn  main( ){let x=1;}\n").unwrap();
    std::fs::write(dir.0.join("good.rs"), "fn main() {\n    let _x = 1;\n}\n").unwrap();
    let files = ["bad.rs".to_string(), "good.rs".to_string()];
    assert_eq!(unformatted(&dir.0, &files), Ok(vec!["bad.rs".to_string()]));
    // A file rustfmt cannot parse is an error, not a pass.
    std::fs::write(dir.0.join("broken.rs"), "fn main( {\n").unwrap();
    assert!(unformatted(&dir.0, &["broken.rs".to_string()]).is_err());
}

/// `cargo clippy ARGS -- -D warnings` in `dir`, with the nested target
/// directory: clippy's messages if it fails.
fn clippy(dir: &Path, args: &[&str]) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let target: PathBuf = repo().join("target/style");
    let out = Command::new(&cargo)
        .arg("clippy")
        .arg("--quiet")
        .args(args)
        .args(["--", "-D", "warnings"])
        .env("CARGO_TARGET_DIR", &target)
        .current_dir(dir)
        .output()
        .map_err(|e| format!("{cargo} did not start: {e}"))?;
    if out.status.success() {
        return Ok(());
    }
    Err(format!(
        "cargo clippy {} -- -D warnings (in {}, CARGO_TARGET_DIR={}) failed:\n{}",
        args.join(" "),
        dir.display(),
        target.display(),
        String::from_utf8_lossy(&out.stderr)
    ))
}

#[test]
fn the_host_crates_and_the_kernel_are_clippy_clean() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let has_clippy = Command::new(&cargo)
        .args(["clippy", "--version"])
        .current_dir(repo())
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_clippy {
        common::skip_or_fail("clippy not found (rustup component add clippy)");
        return;
    }
    // One after the other: they share target/style and its lock.
    let failures: Vec<String> = [
        clippy(repo(), &["--all-targets"]),
        clippy(&repo().join("kernel"), &["--target", "x86_64-unknown-none"]),
    ]
    .into_iter()
    .filter_map(Result::err)
    .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
