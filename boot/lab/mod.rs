//! `gmp-metal lab start|grade|reset|list`: the labs of docs/LABS.md.
//!
//! Design note: holes, not forks. A lab is a few marked regions of the
//! real code ([`region`]); `lab start` swaps them for stubs that compile
//! and panic with `lab NAME: not implemented yet` when reached, so the
//! student works in the same files, against the same tests, that the
//! project itself uses. `lab reset` reads the reference back from git
//! ([`git`]); `lab grade` runs the checks of [`catalog`] ([`grade`]). All
//! four work on the checkout that contains the current directory, so they
//! behave the same through `cargo run -- lab ...` and an installed runner.

pub mod catalog;
pub mod git;
pub mod grade;
pub mod region;

use std::path::{Path, PathBuf};

use clap::builder::{PossibleValue, PossibleValuesParser};

use crate::exit;
use catalog::{LABS, Lab};

/// `gmp-metal lab ...`.
#[derive(clap::Args, Debug)]
#[command(
    about = "The labs of docs/LABS.md: cut a hole in the scheduler, fill it, grade it",
    after_long_help = "Each lab replaces a few marked regions of the real code (between `// lab \
NAME/REGION: begin` and `// lab NAME/REGION: end`) with stubs that panic with `lab NAME: not \
implemented yet`. Work in those regions, then grade: host checks run gmp-sched's tests, QEMU \
checks boot the kernel. `lab reset` restores the reference code from git.\n\n\
Examples:\n  \
cargo run -- lab list\n  \
cargo run -- lab start steal\n  \
cargo run -- lab grade steal\n  \
cargo run -- lab reset steal"
)]
pub struct LabArgs {
    #[command(subcommand)]
    pub action: Action,
}

/// What to do with a lab.
#[derive(clap::Subcommand, Debug)]
pub enum Action {
    /// Replace the lab's marked regions with stubs (the lab's starting point)
    Start {
        /// The lab (list: `lab list`)
        #[arg(value_parser = lab_names())]
        name: String,
    },
    /// Run the lab's host tests and QEMU checks and print a score per check
    #[command(
        long_about = "Run the lab's host tests and QEMU checks and print a score per check. \
                      Exits with status 0 only when every check passes, 1 otherwise. QEMU checks \
                      run only once every host check passes."
    )]
    Grade {
        /// The lab (list: `lab list`)
        #[arg(value_parser = lab_names())]
        name: String,
    },
    /// Put the reference code back into the lab's regions, from git
    Reset {
        /// The lab (list: `lab list`)
        #[arg(value_parser = lab_names())]
        name: String,
        /// The commit to take the reference from [default: the one `lab start` noted, else HEAD]
        #[arg(long, value_name = "REV")]
        from: Option<String>,
    },
    /// List the labs, in the lecture's order, and whether each is started
    List,
}

fn lab_names() -> PossibleValuesParser {
    PossibleValuesParser::new(
        LABS.iter()
            .map(|l| PossibleValue::new(l.name).help(l.title)),
    )
}

/// Runs `gmp-metal lab ...`; returns the exit status.
pub fn main(args: LabArgs) -> i32 {
    let result =
        find_root(&std::env::current_dir().unwrap_or_default()).and_then(|root| {
            match args.action {
                Action::List => list(&root).map(|()| exit::SUCCESS),
                Action::Start { name } => start(&root, lab(&name)?).map(|()| exit::SUCCESS),
                Action::Reset { name, from } => {
                    reset(&root, lab(&name)?, from.as_deref()).map(|()| exit::SUCCESS)
                }
                Action::Grade { name } => grade::grade(&root, lab(&name)?).map(|s| {
                    if s.passed() {
                        exit::SUCCESS
                    } else {
                        exit::FAILURE
                    }
                }),
            }
        });
    result.unwrap_or_else(|e| {
        eprintln!("error: {e}");
        exit::USAGE
    })
}

fn lab(name: &str) -> Result<&'static Lab, String> {
    catalog::find(name).ok_or_else(|| format!("there is no lab `{name}` (see `lab list`)"))
}

/// The checkout containing `dir`: the nearest directory at or above it
/// with the runner's `Cargo.toml` and `kernel/sched`.
pub fn find_root(dir: &Path) -> Result<PathBuf, String> {
    dir.ancestors()
        .find(|d| d.join("Cargo.toml").is_file() && d.join("kernel/sched/Cargo.toml").is_file())
        .map(Path::to_path_buf)
        .ok_or_else(|| {
            format!(
                "{} is not inside a gmp-metal checkout (no kernel/sched/Cargo.toml above it); run the lab commands from the repository",
                dir.display()
            )
        })
}

/// What a region holds now.
#[derive(Debug, PartialEq, Eq)]
enum State {
    Reference,
    Stub,
    Changed,
}

/// The state of every region of `lab`, against HEAD's text.
fn states(root: &Path, lab: &Lab) -> Result<Vec<State>, String> {
    lab.regions
        .iter()
        .map(|r| {
            let file = Path::new(r.file);
            let now = region::body(
                &region::read(root, r.file).map_err(|e| e.to_string())?,
                file,
                r.id,
            )
            .map_err(|e| e.to_string())?;
            if region::same_code(&now, r.stub) {
                return Ok(State::Stub);
            }
            let head = git::show(root, "HEAD", r.file)
                .ok()
                .and_then(|t| region::body(&t, file, r.id).ok());
            Ok(match head {
                Some(h) if region::same_code(&h, &now) => State::Reference,
                _ => State::Changed,
            })
        })
        .collect()
}

fn list(root: &Path) -> Result<(), String> {
    println!("{:<10} {:<12} what you build", "lab", "state");
    for lab in LABS {
        let state = match states(root, lab) {
            Err(_) => "missing",
            Ok(s) if s.iter().all(|s| *s == State::Reference) => "not started",
            Ok(s) if s.iter().all(|s| *s == State::Stub) => "started",
            Ok(_) => "working",
        };
        println!("{:<10} {:<12} {}", lab.name, state, lab.title);
    }
    println!("\n`lab start NAME` begins one; docs/LABS.md explains each.");
    Ok(())
}

fn start(root: &Path, lab: &Lab) -> Result<(), String> {
    let commit = git::resolve(root, "HEAD")?;
    let states = states(root, lab)?;
    if states.contains(&State::Stub) {
        return Err(format!(
            "lab {} is already started (its stubs are in place); `lab grade {0}` grades it, `lab reset {0}` restores the reference",
            lab.name
        ));
    }
    if let Some((r, _)) = lab
        .regions
        .iter()
        .zip(&states)
        .find(|(_, s)| **s == State::Changed)
    {
        return Err(format!(
            "region {} of {} differs from HEAD's; commit or drop that change first (`lab reset {}` restores HEAD's code)",
            r.id, r.file, lab.name
        ));
    }
    for r in lab.regions {
        let text = region::read(root, r.file).map_err(|e| e.to_string())?;
        let text =
            region::replace(&text, Path::new(r.file), r.id, r.stub).map_err(|e| e.to_string())?;
        region::write(root, r.file, &text).map_err(|e| e.to_string())?;
        let span = region::find(&text, Path::new(r.file), r.id).map_err(|e| e.to_string())?;
        println!(
            "lab {}: {}:{} now holds the stub of {}",
            lab.name,
            r.file,
            span.body_lines().0,
            r.id
        );
    }
    git::write_note(root, lab.name, &commit)?;
    println!(
        "lab {0} started from {1}. Read docs/LABS.md (lab {0}), fill in the regions, then: cargo run -- lab grade {0}",
        lab.name,
        &commit[..12.min(commit.len())]
    );
    Ok(())
}

fn reset(root: &Path, lab: &Lab, from: Option<&str>) -> Result<(), String> {
    let noted = git::read_note(root, lab.name);
    let rev = from
        .map(String::from)
        .or(noted)
        .unwrap_or_else(|| "HEAD".into());
    let commit = git::resolve(root, &rev)?;
    let short = &commit[..12.min(commit.len())];
    for r in lab.regions {
        let file = Path::new(r.file);
        let reference = git::show(root, &commit, r.file)
            .and_then(|t| region::body(&t, file, r.id).map_err(|e| e.to_string()))
            .map_err(|e| format!("commit {short} has no reference for {}: {e}", r.id))?;
        if region::same_code(&reference, r.stub) {
            return Err(format!(
                "commit {short} holds the stub of {}, not the reference; name a commit that has it with --from REV",
                r.id
            ));
        }
        let text = region::read(root, r.file).map_err(|e| e.to_string())?;
        let text = region::replace(&text, file, r.id, &reference).map_err(|e| e.to_string())?;
        region::write(root, r.file, &text).map_err(|e| e.to_string())?;
    }
    git::remove_note(root, lab.name);
    println!(
        "lab {}: {} region(s) restored from {short}",
        lab.name,
        lab.regions.len()
    );
    Ok(())
}
