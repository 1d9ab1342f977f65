//! The reference code comes from git: `lab start` notes the commit it
//! started from, `lab reset` reads the regions back from that commit.
//!
//! Design note: the note lives in the repository's own git directory
//! (`git rev-parse --git-path gmp-labs/NAME`, per worktree), not in the
//! tree, so it is never committed with a student's work and survives
//! `cargo clean`. Without a note (a lab started by hand, or a fresh clone
//! of a branch that carries a stub), `HEAD` is used, and `reset --from REV`
//! names another commit.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs `git ARGS` in `root` and returns its stdout.
fn git(root: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .current_dir(root)
        .args(args)
        .output()
        .map_err(|e| {
            format!("could not run git ({e}); the labs need git to keep the reference code")
        })?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(format!(
            "`git {}` failed: {}",
            args.join(" "),
            err.lines().next().unwrap_or("no message")
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The commit `rev` names.
pub fn resolve(root: &Path, rev: &str) -> Result<String, String> {
    let spec = format!("{rev}^{{commit}}");
    Ok(git(root, &["rev-parse", "--verify", "--quiet", &spec])
        .map_err(|_| format!("`{rev}` names no commit of this repository"))?
        .trim()
        .to_string())
}

/// The text of `file` (relative to `root`) at commit `rev`.
pub fn show(root: &Path, rev: &str, file: &str) -> Result<String, String> {
    git(root, &["show", &format!("{rev}:{file}")])
}

/// Where the note of lab `name` lives.
fn note_path(root: &Path, name: &str) -> Result<PathBuf, String> {
    let p = git(
        root,
        &["rev-parse", "--git-path", &format!("gmp-labs/{name}")],
    )?;
    let p = PathBuf::from(p.trim());
    Ok(if p.is_absolute() { p } else { root.join(p) })
}

/// Notes that lab `name` started from `commit`.
pub fn write_note(root: &Path, name: &str, commit: &str) -> Result<(), String> {
    let p = note_path(root, name)?;
    if let Some(dir) = p.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(&p, format!("{commit}\n")).map_err(|e| format!("{}: {e}", p.display()))
}

/// The commit lab `name` started from, if noted.
pub fn read_note(root: &Path, name: &str) -> Option<String> {
    let p = note_path(root, name).ok()?;
    let s = std::fs::read_to_string(p).ok()?;
    Some(s.trim().to_string()).filter(|s| !s.is_empty())
}

/// Forgets the note of lab `name`.
pub fn remove_note(root: &Path, name: &str) {
    if let Ok(p) = note_path(root, name) {
        let _ = std::fs::remove_file(p);
    }
}
