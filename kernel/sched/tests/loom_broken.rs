//! The negative control: the same loom models, run against the queue with
//! `BROKEN_RUNQ = true` (runqgrab claims its batch with a plain store
//! instead of the CAS on runqhead), must FAIL. This proves, in every plain
//! `cargo test`, that the models in `loom.rs` can tell a broken queue from
//! a correct one — a model that passes everything proves nothing.

/// loom's twin of `src/sync.rs`, with the deliberate bug switched on.
mod sync {
    include!("loom_models/sync_loom.rs");
    pub const BROKEN_RUNQ: bool = true;
}

#[allow(dead_code)]
#[path = "../src/glist.rs"]
mod glist;
#[allow(dead_code)]
#[path = "../src/globrunq.rs"]
mod globrunq;
#[allow(dead_code)]
#[path = "../src/runq/mod.rs"]
mod runq;

#[allow(dead_code)]
mod loom_models;

use loom_models::builder;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// The bug must be found within two preemptions: a negative control that
/// needs only a shallow search (exhaustive search would find it too).
const PREEMPTIONS: Option<usize> = Some(2);

/// Runs `model` under loom and returns the failure message it must produce.
fn must_fail(model: fn()) -> String {
    let outcome = catch_unwind(AssertUnwindSafe(|| builder(PREEMPTIONS).check(model)));
    let payload = outcome.expect_err("loom did not detect the deliberately broken run queue");
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

#[test]
fn loom_catches_broken_grab_between_two_stealers() {
    let msg = must_fail(loom_models::two_stealers);
    assert!(
        msg.contains("lost or handed out twice"),
        "failed for another reason: {msg}"
    );
}

#[test]
fn loom_catches_broken_grab_against_owner_runqget() {
    let msg = must_fail(loom_models::owner_and_stealer);
    assert!(
        msg.contains("lost or handed out twice"),
        "failed for another reason: {msg}"
    );
}
