//! The x2APIC subset: boot, scheduler, preemption and short torture tests
//! run again on QEMU 10 with `-machine q35 -cpu max,+x2apic`, where the
//! kernel drives its APICs through MSRs (QEMU 7.2's TCG, which the other
//! tests use, has no x2APIC). Every boot must say `apic=x2apic` in its
//! banner, so a kernel that silently fell back to xAPIC fails here.
//!
//! Design note: the QEMU is the one `.ci/get-qemu10` unpacks (Debian's
//! bookworm-backports, beside the system QEMU), found through
//! `GMP_QEMU10` or at its default place, `target/qemu10/`. Without it the
//! subset says so in one line on stderr and its tests pass empty — except
//! under `CI=true`, where a missing QEMU 10 fails them (`skip_or_fail`):
//! CI must not go green without having run the x2APIC path.
//! What each test checks beyond the banner is what its sibling in boot.rs,
//! sched.rs, runtime.rs, demos.rs or torture.rs checks. One boot goes past
//! 255 cores, so the MADT's x2APIC entries (type 9) are read in every run
//! of the subset.

mod common;

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Once;

use common::{assert_all_online, check, expect_line, line_with, run_ok_on, torture_ok_on};
use gmp_metal::x2apic::{MIN_QEMU, QemuVersion};
use gmp_metal::{Outcome, Run};

/// Where `.ci/get-qemu10` puts its wrapper, relative to the workspace.
const DEFAULT_QEMU10: &str = "target/qemu10/qemu-system-x86_64";

/// Fails the test under `CI=true` (`common::skip_or_fail`); otherwise
/// says once per test binary why the subset did not run, on stderr past
/// the test harness's capture, so the one line shows in `cargo test`'s
/// output.
fn skip_or_fail(why: &str) {
    let why = format!("x2APIC subset: {why}");
    common::skip_or_fail(&why);
    static SAID: Once = Once::new();
    SAID.call_once(|| {
        let _ = writeln!(std::io::stderr(), "skipped: {why}");
    });
}

/// The QEMU 10 binary, if there is one new enough.
fn qemu10() -> Result<OsString, String> {
    let path = std::env::var_os("GMP_QEMU10").unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join(DEFAULT_QEMU10)
            .into_os_string()
    });
    match QemuVersion::probe(&path) {
        Some(v) if v >= MIN_QEMU => Ok(path),
        Some(v) => Err(format!(
            "{} is QEMU {v}, older than {MIN_QEMU}",
            path.to_string_lossy()
        )),
        None => Err(format!(
            "no QEMU at {} (run .ci/get-qemu10, or set GMP_QEMU10)",
            path.to_string_lossy()
        )),
    }
}

/// A run on QEMU 10 with x2APIC, or `None` (after [`skip_or_fail`]).
fn x2apic_run() -> Option<Run> {
    match qemu10() {
        Ok(q) => Some(Run::new().qemu(q).x2apic(true)),
        Err(why) => {
            skip_or_fail(&why);
            None
        }
    }
}

/// Asserts that the kernel ran its APICs in x2APIC mode.
#[track_caller]
fn says_x2apic(o: &Outcome) {
    let banner = line_with(o, "machine: apic=").unwrap_or_default();
    check(
        o,
        banner.contains("apic=x2apic "),
        format!("the banner does not say apic=x2apic: {banner:?}"),
    );
}

/// `workload` on `smp` cores of the x2APIC machine, which must succeed.
fn ok(smp: &str, workload: &str, opts: &[&str]) -> Option<Outcome> {
    let o = run_ok_on(x2apic_run()?, smp, workload, opts);
    says_x2apic(&o);
    Some(o)
}

#[test]
fn x2apic_cores_come_online_with_their_apic_ids() {
    for spec in ["4", "6,sockets=2,cores=3"] {
        let Some(run) = x2apic_run() else { return };
        says_x2apic(&assert_all_online(run, spec));
    }
}

/// Past 255 cores: QEMU lists cores 255..287 as MADT x2APIC entries only,
/// and an xAPIC could not address them.
#[test]
fn x2apic_288_cores_come_online_from_x2apic_madt_entries() {
    let Some(run) = x2apic_run() else { return };
    let o = assert_all_online(run.memory("2G"), "288");
    says_x2apic(&o);
    expect_line(&o, &["madt-lapic=255 madt-x2apic=33"]);
}

#[test]
fn x2apic_every_g_runs_exactly_once() {
    let Some(o) = ok("4", "test-ledger", &[]) else {
        return;
    };
    expect_line(&o, &["ledger: 100000 Gs in 10 waves ran exactly once"]);
}

#[test]
fn x2apic_producer_consumer_overflows_and_steals() {
    let Some(o) = ok("4", "producer-consumer", &[]) else {
        return;
    };
    expect_line(&o, &["producer-consumer: all 4800 Gs ran exactly once"]);
    let t = common::summary_totals(&o);
    assert!(t.len() >= 6 && t[5] > 0, "no overflow: {t:?}");
    assert_eq!(t[2], t[3], "steals in and out must balance: {t:?}");
}

/// Async preemption needs the timer interrupt and the preempt IPI, both
/// through the x2APIC's MSRs here.
#[test]
fn x2apic_async_preemption_rescues_hog_victims() {
    let Some(o) = ok("2", "hog", &[]) else { return };
    expect_line(
        &o,
        &["hog: preempt=async: 2 hog(s) spun", "4 victims still ran"],
    );
    let Some(o) = ok("4", "test-getg", &["tick=100us", "forcepreempt=200us"]) else {
        return;
    };
    expect_line(&o, &["getg: G identity survived every preemption and move"]);
}

#[test]
fn x2apic_torture_on_four_cores() {
    let Some(run) = x2apic_run() else { return };
    says_x2apic(&torture_ok_on(run, "4", "seed=14", 2));
}

/// The long one, as tests/torture.rs has it: 8 cores, 20 s, the run with
/// the most wake, preempt and stop IPIs — each one a `wrmsr` to the
/// x2APIC's ICR here. (That `wrmsr` does not order earlier stores, hence
/// the fence in `apic::send_icr`; TCG orders them anyway, so this test
/// cannot catch a missing fence, only everything else about the path.)
#[test]
fn x2apic_torture_on_eight_cores() {
    let Some(run) = x2apic_run() else { return };
    says_x2apic(&torture_ok_on(run, "8", "seed=18", 20));
}
