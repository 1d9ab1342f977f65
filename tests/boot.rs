//! Boots the kernel in QEMU and checks its output contract on COM1:
//! `M<id> online (apic <apic>)` per core, `all <n> Ms online`, panic
//! reports naming the core, and the kernel's own boot-option errors.
//!
//! Design note: the expected APIC ids are computed from the `-smp`
//! topology with QEMU's packing rule (`gmp_metal::Smp::apic_ids`), never
//! typed in, so a kernel that numbers cores 0..n-1 instead of reading the
//! MADT fails the non-power-of-two topology. Every run uses
//! `workload=boot`, which brings the cores up and exits, so the tests check
//! start-up and not a demo's timing.

mod common;

use common::{assert_all_online, boot, check, line_with};
use gmp_metal::{Ovmf, Run, Smp, Verdict};

#[test]
fn one_core_comes_online() {
    assert_all_online(Run::new(), "1");
}

#[test]
fn two_cores_come_online() {
    assert_all_online(Run::new(), "2");
}

#[test]
fn four_cores_come_online() {
    assert_all_online(Run::new(), "4");
}

#[test]
fn eight_cores_come_online() {
    assert_all_online(Run::new(), "8");
}

#[test]
fn two_sockets_of_three_cores_come_online_with_gapped_apic_ids() {
    let spec = "6,sockets=2,cores=3";
    let ids = Smp::parse(spec).unwrap().apic_ids();
    // The point of this topology: the ids are not 0..6.
    assert_ne!(ids, (0..6).collect::<Vec<u32>>());
    assert_all_online(Run::new(), spec);
}

#[test]
fn a_panic_on_an_application_processor_names_it_and_fails_the_run() {
    let o = boot(Run::new().smp("4").boot_opt("fault=panic-ap"));
    check(
        &o,
        o.verdict == Verdict::Failure,
        "expected the failure status",
    );
    let line = line_with(&o, "PANIC on M");
    check(&o, line.is_some(), "no `PANIC on M` line");
    let line = line.unwrap();
    let id: Option<u32> = line
        .split("PANIC on M")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|id| id.parse().ok());
    check(
        &o,
        matches!(id, Some(id) if id != 0),
        format!("the panic must name an application processor, not M0: {line:?}"),
    );
    check(
        &o,
        line.contains("deliberate panic (fault=panic-ap)"),
        format!("the panic line must carry the message: {line:?}"),
    );
}

#[test]
fn the_kernel_itself_rejects_an_unknown_boot_option() {
    let o = boot(Run::new().smp("1").raw_boot_options("procz=1"));
    check(
        &o,
        o.verdict == Verdict::Failure,
        "expected the failure status",
    );
    check(
        &o,
        o.lines()
            .any(|l| l.starts_with("boot option error: unknown boot option \"procz\"")),
        "no `boot option error: unknown boot option \"procz\"` line",
    );
}

#[test]
fn boot_options_with_commas_reach_the_kernel_intact() {
    let o = boot(
        Run::new()
            .smp("1")
            .boot_opt("workload=boot")
            .boot_opt("seed=42")
            .boot_opt("bench=spawn,yield"),
    );
    check(
        &o,
        o.verdict == Verdict::Success,
        "the boot did not succeed",
    );
    let line = line_with(&o, "boot options: ");
    check(
        &o,
        line.is_some(),
        "the kernel printed no `boot options:` line",
    );
    let words: Vec<&str> = line.unwrap().split_whitespace().collect();
    for want in ["seed=42", "bench=spawn,yield", "workload=boot"] {
        check(
            &o,
            words.contains(&want),
            format!("the kernel did not see {want}"),
        );
    }
}

#[test]
fn uefi_boot_brings_all_cores_online() {
    if let Err(e) = Ovmf::find() {
        common::skip_or_fail(&format!("OVMF not found (install ovmf): {e}"));
        return;
    }
    let o = boot(Run::new().uefi(true).smp("4").boot_opt("workload=boot"));
    check(
        &o,
        o.verdict == Verdict::Success,
        "the UEFI boot did not succeed",
    );
    check(
        &o,
        line_with(&o, "all 4 Ms online").is_some(),
        "no `all 4 Ms online` line",
    );
}
