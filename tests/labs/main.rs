//! The labs of docs/LABS.md and their grader (`boot/lab/`), graded.
//!
//! Design note: three kinds of checks, cheapest first.
//!
//! * [`source`]: no build at all. Every region a lab names is marked
//!   exactly once and holds the reference code (a lab whose region a merge
//!   removed fails here, by name), every marker in the kernel names a
//!   region of a lab, each lab has a wrong answer kept as a fixture, and
//!   LABS.md has each lab's section, in order, with its grading command.
//! * [`reference`]: `lab grade` of every lab on this very tree must give
//!   full marks. Its builds are the ones `cargo test` has just made, so
//!   what it costs is the labs' QEMU checks: 14 boots of about 3 s each.
//! * [`graded`]: for every lab, `lab start` (the stub) and each wrong
//!   answer of `tests/fixtures/labs/` must fail `lab grade` with the lab's
//!   own message, and `lab reset` must restore the reference. These run in
//!   a copy of the tree ([`scratch`]), never in the working tree. The copy
//!   has a target directory of its own (its dependencies are built once
//!   per clean checkout; its own crates once per variant, incrementally).
//!
//! The grader is always run as the real binary (`gmp-metal lab ...`), so
//! these tests see exactly what a student sees.

#[path = "../common/mod.rs"]
mod common;

mod fixtures;
mod graded;
mod reference;
mod scratch;
mod source;

use std::path::Path;
use std::process::{Command, Output};

/// The runner under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_gmp-metal");

/// This checkout.
pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The output of `gmp-metal lab ARGS` run in `dir` with `env` added, and
/// its stdout and stderr as one text.
pub fn lab(dir: &Path, args: &[&str], env: &[(&str, &Path)]) -> (Output, String) {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir).arg("lab").args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("the runner starts");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out, text)
}
