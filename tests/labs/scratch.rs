//! A copy of the working tree to cut holes in: `TARGET/lab-tree`.
//!
//! Design note: the copy holds the files git would hand out (tracked ones,
//! and new ones not ignored), so it grades what is in the working tree
//! now, committed or not; it is its own throwaway git repository, whose
//! HEAD is that content, so `lab start` and `lab reset` work there as in a
//! student's clone. Only files whose content changed are rewritten, which
//! keeps cargo's incremental state valid from one `cargo test` to the
//! next. Its builds go to a target directory of its own,
//! `TARGET/lab-tree-out`. (It once shared this checkout's build directory
//! to reuse the dependencies; in a CI run of 2026-12-02 a grade of the
//! steal lab's stub then ran test binaries built from the reference —
//! `runqsteal: takes half` passed on the stub — which a build directory of
//! its own rules out, whatever the exact cause inside cargo.) One test at a time may use the
//! copy (a mutex); each leaves it as it found it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, MutexGuard};

use super::repo;

pub struct Scratch {
    pub root: PathBuf,
    /// `CARGO_TARGET_DIR` for its builds.
    pub env: Vec<(&'static str, PathBuf)>,
}

static SCRATCH: Mutex<Option<Scratch>> = Mutex::new(None);

/// The copy, synced with the working tree on first use in this run.
pub fn get() -> MutexGuard<'static, Option<Scratch>> {
    let mut guard = SCRATCH.lock().unwrap_or_else(|e| e.into_inner());
    if guard.is_none() {
        *guard = Some(sync());
    }
    guard
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=lab-tests",
            "-c",
            "user.email=lab-tests@localhost",
        ])
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} in {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The files of the working tree, relative to the repository root.
fn tracked() -> BTreeSet<String> {
    git(
        repo(),
        &[
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ],
    )
    .split('\0')
    .filter(|f| !f.is_empty() && repo().join(f).is_file())
    .map(String::from)
    .collect()
}

/// Every file under `dir` (relative to `root`), outside `.git`.
fn files_under(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.file_name().is_some_and(|n| n == ".git") {
            continue;
        }
        if p.is_dir() {
            files_under(root, &p, out);
        } else if let Ok(rel) = p.strip_prefix(root) {
            out.push(rel.to_string_lossy().into_owned());
        }
    }
}

fn sync() -> Scratch {
    let target = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target directory")
        .to_path_buf();
    let root = target.join("lab-tree");
    let files = tracked();
    for f in &files {
        let (src, dst) = (repo().join(f), root.join(f));
        let data = std::fs::read(&src).unwrap_or_else(|e| panic!("{f}: {e}"));
        if std::fs::read(&dst).ok().as_deref() != Some(&data[..]) {
            std::fs::create_dir_all(dst.parent().expect("a parent")).expect("mkdir");
            std::fs::write(&dst, &data).unwrap_or_else(|e| panic!("{}: {e}", dst.display()));
        }
    }
    // Files the working tree no longer has (and anything a test left).
    let mut present = Vec::new();
    files_under(&root, &root, &mut present);
    for f in present.iter().filter(|f| !files.contains(*f)) {
        let _ = std::fs::remove_file(root.join(f));
    }
    if !root.join(".git").exists() {
        git(&root, &["init", "-q"]);
    }
    git(&root, &["add", "-A"]);
    if !git(&root, &["status", "--porcelain"]).trim().is_empty() {
        git(
            &root,
            &[
                "commit",
                "-q",
                "-m",
                "the working tree of the checkout under test",
            ],
        );
    }
    Scratch {
        env: vec![("CARGO_TARGET_DIR", target.join("lab-tree-out"))],
        root,
    }
}

impl Scratch {
    /// Puts every file back as HEAD has it (what the last sync copied).
    pub fn restore(&self) {
        git(&self.root, &["checkout", "-q", "--", "."]);
    }

    /// Whether every file is as HEAD has it.
    pub fn is_clean(&self) -> bool {
        git(
            &self.root,
            &["status", "--porcelain", "--untracked-files=no"],
        )
        .trim()
        .is_empty()
    }
}
