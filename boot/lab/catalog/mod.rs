//! The labs of docs/LABS.md: for each, the marked regions `lab start`
//! replaces, the stub that goes in their place, and the checks `lab grade`
//! runs.
//!
//! Design note: one table (`labs.rs`), in the lecture's order, is the
//! single place a lab is defined; LABS.md explains the labs and
//! `tests/labs/` checks that the two agree. Host checks name existing tests of `gmp-sched` (the
//! portable scheduler crate) by their exact names, so a lab is graded by
//! the same tests that guard the reference code; QEMU checks boot the
//! runner with ordinary command-line arguments and read the serial log,
//! so every check can also be run by hand. Each stub compiles (possibly
//! with warnings about names only the answer uses) and panics with
//! `lab NAME: not implemented yet` when reached, on the host and in the
//! kernel alike.

/// A lab.
pub struct Lab {
    /// The name given to `lab start|grade|reset`.
    pub name: &'static str,
    /// One line: what is built.
    pub title: &'static str,
    /// The holes `lab start` cuts.
    pub regions: &'static [Region],
    /// Tests of the portable crate, run on the host.
    pub host: &'static [HostCheck],
    /// Boots of the kernel, run only once every host check passes.
    pub qemu: &'static [QemuCheck],
}

/// A marked region and its stub.
pub struct Region {
    /// `LAB/REGION`, as written in the markers.
    pub id: &'static str,
    /// The file, relative to the repository root.
    pub file: &'static str,
    /// What `lab start` puts between the markers (no indentation).
    pub stub: &'static str,
}

/// Host tests of `gmp-sched` that must all pass.
pub struct HostCheck {
    pub name: &'static str,
    pub points: u32,
    /// `(target, test)`: target `lib` (unit tests) or an integration test
    /// file of `kernel/sched/tests`; the test's exact name.
    pub tests: &'static [(&'static str, &'static str)],
}

/// One boot: the runner's own arguments, and what the serial log (and the
/// runner's messages) must show; the run must also exit with status 0.
pub struct QemuCheck {
    pub name: &'static str,
    pub points: u32,
    pub args: &'static [&'static str],
    /// Substrings that must each appear in the output.
    pub expect: &'static [&'static str],
    /// A further check of the whole output.
    pub verify: Option<Verify>,
}

/// A check of a boot's whole output: `Err` says what is wrong.
pub type Verify = fn(&str) -> Result<(), String>;

/// The stub message of lab `name`.
pub fn stub_message(name: &str) -> String {
    format!("lab {name}: not implemented yet")
}

/// The lab called `name`.
pub fn find(name: &str) -> Option<&'static Lab> {
    LABS.iter().find(|l| l.name == name)
}

impl Lab {
    /// Every point the lab's checks can give.
    pub fn total(&self) -> u32 {
        self.host.iter().map(|c| c.points).sum::<u32>()
            + self.qemu.iter().map(|c| c.points).sum::<u32>()
    }

    /// Whether a region of this lab lies in the kernel proper (not in the
    /// portable crate): a stub there is only compiled by a kernel build.
    pub fn touches_kernel(&self) -> bool {
        self.regions
            .iter()
            .any(|r| r.file.starts_with("kernel/src/"))
    }
}

mod labs;
pub mod tournament;
mod verify;

pub use labs::LABS;
pub use verify::summary_totals;

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn names_are_unique_and_every_check_gives_points() {
        for (i, lab) in LABS.iter().enumerate() {
            assert!(LABS[..i].iter().all(|l| l.name != lab.name), "{}", lab.name);
            assert!(lab.host.iter().all(|c| c.points > 0 && !c.tests.is_empty()));
            assert!(lab.qemu.iter().all(|c| c.points > 0));
            assert!(lab.total() > 0);
        }
    }

    /// A QEMU check is an ordinary command line: the runner's own parser
    /// and the kernel's boot-option parser accept it.
    #[test]
    fn every_qemu_check_is_a_command_line_the_runner_accepts() {
        for check in LABS.iter().flat_map(|l| l.qemu) {
            let cli = crate::cli::Cli::try_parse_from(
                std::iter::once("gmp-metal").chain(check.args.iter().copied()),
            )
            .unwrap_or_else(|e| panic!("{}: {e}", check.name));
            if let Err(e) = cli.into_run().prepare() {
                panic!("{}: {e}", check.name);
            }
        }
    }
}
