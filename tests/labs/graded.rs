//! For every lab: its stub and each of its wrong answers fail `lab grade`
//! with the lab's own message, and `lab reset` restores the reference. All
//! in the copy of the tree ([`super::scratch`]).
//!
//! What each costs, beyond the copy's first build: host labs rebuild
//! `gmp-sched` and the lab's test binaries per variant (the grade stops
//! before QEMU when a host check fails); labs with a region in the kernel
//! proper (spinning, preempt, workload) also rebuild the kernel and the
//! runner per variant, and the two kernel-only labs boot it (three and two
//! boots per variant, the stub's ending at the first timer tick or at
//! once).

use std::path::Path;

use gmp_metal::lab::catalog::{self, LABS, stub_message};
use gmp_metal::lab::region;

use super::scratch::Scratch;
use super::{common, fixtures, lab, scratch};

/// Puts the copy back as it was, also when an assertion fails.
struct Restore<'a>(&'a Scratch);

impl Drop for Restore<'_> {
    fn drop(&mut self) {
        self.0.restore();
    }
}

fn env(s: &Scratch) -> Vec<(&'static str, &Path)> {
    s.env.iter().map(|(k, v)| (*k, v.as_path())).collect()
}

fn stub_and_wrong_answers_fail(name: &str) {
    let guard = scratch::get();
    let s = guard.as_ref().expect("the copy of the tree");
    let _restore = Restore(s);
    let env = env(s);
    let l = catalog::find(name).expect("a lab of the catalog");

    let (out, text) = lab(&s.root, &["start", name], &env);
    assert!(out.status.success(), "lab start {name}:\n{text}");
    assert!(!s.is_clean(), "lab start {name} changed nothing");
    let (out, text) = lab(&s.root, &["start", name], &env);
    assert!(
        !out.status.success() && text.contains("already started"),
        "a second lab start {name} must refuse:\n{text}"
    );
    let _slot = common::qemu_slot();
    let (out, text) = lab(&s.root, &["grade", name], &env);
    let message = stub_message(name);
    assert!(
        out.status.code() == Some(1) && text.contains(&message) && text.contains("score: 0/"),
        "lab grade {name} on the stubs: expected status 1, `{message}` and a score of 0, got {}:\n{text}",
        out.status
    );
    let (out, text) = lab(&s.root, &["reset", name], &env);
    assert!(out.status.success(), "lab reset {name}:\n{text}");
    assert!(
        s.is_clean(),
        "lab reset {name} did not restore the reference"
    );

    for f in fixtures::all().into_iter().filter(|f| f.lab() == name) {
        let r = l
            .regions
            .iter()
            .find(|r| r.id == f.region)
            .expect("the fixture's region");
        let path = s.root.join(r.file);
        let text = std::fs::read_to_string(&path).expect("the region's file");
        let wrong = region::replace(&text, Path::new(r.file), r.id, &f.body).expect("the region");
        std::fs::write(&path, wrong).expect("write the wrong answer");
        let (out, text) = lab(&s.root, &["grade", name], &env);
        s.restore();
        let fail_line = format!("{} ... FAIL", f.fails);
        assert!(
            out.status.code() == Some(1) && text.contains(&fail_line) && f.is_reported_in(&text),
            "lab grade {name} with {} ({}): expected status 1, `{fail_line}` and `{}`, got {}:\n{text}",
            f.file.display(),
            f.wrong,
            f.says,
            out.status
        );
    }
}

/// One test per lab, so that a failure names its lab.
macro_rules! graded {
    ($($lab:ident),* $(,)?) => {
        const GRADED: &[&str] = &[$(stringify!($lab)),*];
        $(
            #[test]
            fn $lab() {
                stub_and_wrong_answers_fail(stringify!($lab));
            }
        )*
    };
}

graded!(
    boot, schedule, runq, overflow, runnext, fairness, steal, spinning, preempt, workload, policy,
);

#[test]
fn every_lab_has_its_graded_test() {
    let names: Vec<&str> = LABS.iter().map(|l| l.name).collect();
    assert_eq!(GRADED, names.as_slice());
}
