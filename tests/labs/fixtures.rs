//! The wrong answers of `tests/fixtures/labs/`: plausible mistakes, each
//! the body of one marked region, with a header that says what is wrong
//! and how the grade must fail:
//!
//! ```text
//! // region: steal/grab
//! // wrong: takes the victim's whole ring instead of half of it
//! // fails: runqsteal: takes half, rounded up, for every count 0..=256
//! // says: bad steal at n=2
//! ...the region's code...
//! ```
//!
//! `fails` is the name of a check of the lab that must FAIL; `says` is
//! text the grade's output must contain (the failing test's message, or
//! the kernel's). A racy mistake may be caught in more than one way —
//! closing a channel early is reported by the worker that sends on it or
//! by the reader that finds numbers missing, whichever runs first — so
//! `says` may list alternatives separated by ` | `, and one must appear.

use std::path::PathBuf;

use super::repo;

pub struct Fixture {
    pub file: PathBuf,
    /// `LAB/REGION`.
    pub region: String,
    pub wrong: String,
    pub fails: String,
    pub says: String,
    /// The region's new body.
    pub body: String,
}

impl Fixture {
    /// The lab the fixture is a wrong answer of.
    pub fn lab(&self) -> &str {
        self.region.split('/').next().unwrap_or_default()
    }

    /// Whether the grade's output reports the mistake as the header says.
    pub fn is_reported_in(&self, output: &str) -> bool {
        self.says.split(" | ").any(|s| output.contains(s))
    }
}

/// Every fixture, sorted by file name.
pub fn all() -> Vec<Fixture> {
    let dir = repo().join("tests/fixtures/labs");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.sort();
    files.into_iter().map(parse).collect()
}

fn parse(file: PathBuf) -> Fixture {
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let field = |key: &str| -> String {
        text.lines()
            .take(4)
            .find_map(|l| l.strip_prefix(&format!("// {key}: ")))
            .unwrap_or_else(|| panic!("{}: no `// {key}: ` line in its header", file.display()))
            .to_string()
    };
    let (region, wrong, fails, says) = (
        field("region"),
        field("wrong"),
        field("fails"),
        field("says"),
    );
    let body = text.lines().skip(4).map(|l| format!("{l}\n")).collect();
    Fixture {
        file,
        region,
        wrong,
        fails,
        says,
        body,
    }
}

#[test]
fn a_racy_mistake_is_reported_by_either_of_its_alternatives() {
    let f = Fixture {
        file: PathBuf::from("x.rs"),
        region: "workload/run".into(),
        wrong: "closes early".into(),
        fails: "check".into(),
        says: "send on closed channel | not recorded exactly once".into(),
        body: String::new(),
    };
    assert!(f.is_reported_in("panic: send on closed channel"));
    assert!(f.is_reported_in("numbers: 3 of 10 entries not recorded exactly once"));
    assert!(!f.is_reported_in("workload lab-pipeline: ok"));
}
