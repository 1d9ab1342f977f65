//! Source checks of the labs: no build, no boot.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use gmp_metal::lab::catalog::{LABS, stub_message};
use gmp_metal::lab::region;

use super::{fixtures, repo};

fn read(rel: &str) -> String {
    std::fs::read_to_string(repo().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn every_region_of_every_lab_is_marked_once_and_holds_the_reference() {
    for lab in LABS {
        assert!(!lab.regions.is_empty(), "lab {} cuts no hole", lab.name);
        for r in lab.regions {
            assert!(
                r.id.starts_with(&format!("{}/", lab.name)),
                "region {} of lab {} must be named {}/...",
                r.id,
                lab.name,
                lab.name
            );
            let body = region::body(&read(r.file), Path::new(r.file), r.id)
                .unwrap_or_else(|e| panic!("lab {}: {e}", lab.name));
            assert!(
                !region::same_code(&body, r.stub),
                "lab {} is started in this tree ({} holds its stub): `cargo run -- lab reset {}` first",
                lab.name,
                r.file,
                lab.name
            );
            assert!(
                r.stub
                    .contains(&format!("panic!(\"{}\")", stub_message(lab.name))),
                "the stub of {} must panic with `{}`",
                r.id,
                stub_message(lab.name)
            );
        }
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("a source folder") {
        let p = e.expect("a directory entry").path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn every_marker_names_a_region_of_a_lab() {
    let known: BTreeSet<&str> = LABS
        .iter()
        .flat_map(|l| l.regions.iter().map(|r| r.id))
        .collect();
    let mut files = Vec::new();
    rust_files(&repo().join("kernel"), &mut files);
    let mut found = BTreeSet::new();
    for f in files {
        let text = std::fs::read_to_string(&f).expect("a kernel source");
        for line in text.lines().map(str::trim) {
            let Some(id) = line
                .strip_prefix("// lab ")
                .and_then(|l| l.strip_suffix(": begin").or(l.strip_suffix(": end")))
            else {
                continue;
            };
            assert!(
                known.contains(id),
                "{} marks region {id}, which no lab of boot/lab/catalog/labs.rs names",
                f.display()
            );
            found.insert(id.to_string());
        }
    }
    assert_eq!(found.len(), known.len(), "marked: {found:?}");
}

#[test]
fn every_lab_has_a_wrong_answer_that_names_one_of_its_checks() {
    let fixtures = fixtures::all();
    for lab in LABS {
        let mine: Vec<_> = fixtures.iter().filter(|f| f.lab() == lab.name).collect();
        assert!(
            !mine.is_empty(),
            "lab {} has no wrong answer in tests/fixtures/labs/",
            lab.name
        );
        for f in mine {
            assert!(
                lab.regions.iter().any(|r| r.id == f.region),
                "{}: lab {} has no region {}",
                f.file.display(),
                lab.name,
                f.region
            );
            let checks: Vec<&str> = lab
                .host
                .iter()
                .map(|c| c.name)
                .chain(lab.qemu.iter().map(|c| c.name))
                .collect();
            assert!(
                checks.contains(&f.fails.as_str()),
                "{}: `fails: {}` is not a check of lab {} ({checks:?})",
                f.file.display(),
                f.fails,
                lab.name
            );
            assert!(!f.wrong.is_empty() && !f.says.is_empty() && !f.body.trim().is_empty());
        }
    }
    assert!(
        fixtures
            .iter()
            .all(|f| LABS.iter().any(|l| l.name == f.lab())),
        "a fixture names no lab"
    );
}

/// LABS.md has one `## N. ... (lab NAME)` section per lab, in the
/// catalog's order, each with the parts every lab has and its grading
/// command.
#[test]
fn labs_md_has_every_lab_in_order_with_its_parts() {
    let md = read("docs/LABS.md");
    let sections: Vec<&str> = md
        .split("\n## ")
        .skip(1)
        .filter(|s| s.lines().next().is_some_and(|t| t.contains("(`lab ")))
        .collect();
    let named: Vec<&str> = sections
        .iter()
        .filter_map(|s| {
            let title = s.lines().next()?;
            title.split("(`lab ").nth(1)?.split('`').next()
        })
        .collect();
    let want: Vec<&str> = LABS.iter().map(|l| l.name).collect();
    assert_eq!(named, want, "docs/LABS.md's lab sections, in order");
    for (section, lab) in sections
        .iter()
        .zip(LABS)
        .filter(|(s, _)| s.contains("(`lab "))
    {
        for part in [
            "**Read.**",
            "**Predict.**",
            "**Build.**",
            "**Grade.**",
            "**A correct run.**",
        ] {
            assert!(
                section.contains(part),
                "lab {}: no {part} in LABS.md",
                lab.name
            );
        }
        for cmd in [
            format!("cargo run -- lab start {}", lab.name),
            format!("cargo run -- lab grade {}", lab.name),
        ] {
            assert!(
                section.contains(&cmd),
                "lab {}: LABS.md does not show `{cmd}`",
                lab.name
            );
        }
        for c in lab
            .host
            .iter()
            .map(|c| c.name)
            .chain(lab.qemu.iter().map(|c| c.name))
        {
            assert!(
                section.contains(c),
                "lab {}: LABS.md's correct run does not show the check `{c}`",
                lab.name
            );
        }
    }
}
