//! The `gmp-metal` binary as users meet it: help text, refusals before
//! QEMU starts, and the mapping from how QEMU ended to the exit status.
//!
//! Design note: most of these tests never boot the kernel. Refusals are
//! checked with `--qemu /nonexistent`, so a check that wrongly ran after
//! spawning QEMU shows up as the missing-QEMU message instead. The exit
//! mapping is checked with a stand-in "QEMU" (a shell script that prints a
//! line and exits with a chosen status), which makes every branch
//! deterministic; one real boot checks the success path end to end.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use clap::CommandFactory;
use gmp_metal::cli::Cli;
use gmp_metal::exit;
use gmp_sched::options::{KEYS, WORKLOADS};

const BIN: &str = env!("CARGO_BIN_EXE_gmp-metal");

/// Runs the binary with `args` and extra environment.
fn gmp_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args).env_remove("GMP_QEMU");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the gmp-metal binary runs")
}

fn gmp(args: &[&str]) -> Output {
    gmp_env(args, &[])
}

/// Runs the binary under a QEMU permit (for runs that start a real QEMU).
fn gmp_qemu(args: &[&str]) -> Output {
    let _slot = common::qemu_slot();
    gmp(args)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts the exit status and shows both streams if it is wrong.
#[track_caller]
fn assert_status(o: &Output, code: i32) {
    assert_eq!(
        o.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        stdout(o),
        stderr(o)
    );
}

/// Asserts the run was refused with exit status 2 and exactly one line,
/// `error: <sentence>`, on stderr; returns the sentence.
#[track_caller]
fn assert_refused(o: &Output) -> String {
    assert_status(o, exit::USAGE);
    let err = stderr(o);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "expected one line on stderr, got:\n{err}");
    assert!(stdout(o).is_empty(), "nothing may run: {}", stdout(o));
    lines[0]
        .strip_prefix("error: ")
        .unwrap_or_else(|| panic!("expected `error: ...`, got {err}"))
        .to_string()
}

/// A stand-in for QEMU: prints `serial` and exits with `status`.
fn fake_qemu(name: &str, serial: &str, status: i32) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gmp-metal-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(
        &path,
        format!("#!/bin/sh\nprintf '%s\\n' '{serial}'\nexit {status}\n"),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    path
}

fn run_fake(path: &Path) -> Output {
    gmp(&["--qemu", path.to_str().unwrap(), "--smp", "1"])
}

/// Every long option of the runner, from clap's own definition.
fn long_options() -> Vec<String> {
    Cli::command()
        .get_arguments()
        .filter_map(|a| a.get_long())
        .filter(|l| !["help", "version"].contains(l))
        .map(|l| format!("--{l}"))
        .collect()
}

#[test]
fn help_lists_every_option_workload_boot_option_and_exit_status() {
    let o = gmp(&["--help"]);
    assert_status(&o, 0);
    let help = stdout(&o);
    for opt in long_options() {
        assert!(help.contains(&opt), "--help does not mention {opt}");
    }
    for (name, about) in WORKLOADS {
        assert!(help.contains(name), "--help does not list workload {name}");
        assert!(
            help.contains(about),
            "--help lacks the description of {name}"
        );
    }
    for key in KEYS {
        assert!(
            help.contains(&format!("  {}=", key.name)),
            "--help lacks boot option {}",
            key.name
        );
    }
    for (code, meaning) in exit::STATUSES {
        assert!(
            help.contains(&format!("  {code:<5}{meaning}")),
            "--help lacks exit status {code}"
        );
    }
}

#[test]
fn short_help_hides_raw_boot_options() {
    let short = stdout(&gmp(&["-h"]));
    assert!(short.contains("--smp"), "{short}");
    assert!(!short.contains("--raw-boot-options"), "{short}");
    assert!(stdout(&gmp(&["--help"])).contains("--raw-boot-options"));
}

#[test]
fn an_unknown_runner_option_exits_2_in_clap_format() {
    let o = gmp(&["--bogus"]);
    assert_status(&o, exit::USAGE);
    let err = stderr(&o);
    assert!(
        err.starts_with("error: unexpected argument '--bogus' found"),
        "{err}"
    );
}

#[test]
fn bad_core_counts_are_refused_naming_smp() {
    for (spec, says) in [
        ("0", "at least one core"),
        ("four", "not a number"),
        ("1025", "more than the 1024"),
        ("7,sockets=2,cores=3", "does not make 7 cores"),
    ] {
        let o = gmp(&["--qemu", "/nonexistent", "--smp", spec]);
        let msg = assert_refused(&o);
        assert!(msg.starts_with(&format!("--smp {spec}: ")), "{msg}");
        assert!(msg.contains(says), "{spec}: {msg}");
    }
}

#[test]
fn too_little_memory_is_refused_naming_memory() {
    let msg = assert_refused(&gmp(&["--qemu", "/nonexistent", "--memory", "1M"]));
    assert_eq!(
        msg,
        "--memory 1M: 1 MiB is too small to boot (at least 64M)"
    );
    let msg = assert_refused(&gmp(&["--qemu", "/nonexistent", "--memory", "lots"]));
    assert!(msg.starts_with("--memory lots: expected a size"), "{msg}");
}

#[test]
fn an_unknown_boot_option_is_refused_on_the_host() {
    let msg = assert_refused(&gmp(&["--qemu", "/nonexistent", "procz=1"]));
    assert!(msg.starts_with("unknown boot option \"procz\""), "{msg}");
}

#[test]
fn a_key_given_by_flag_and_token_is_refused_naming_both() {
    let msg = assert_refused(&gmp(&["--qemu", "/nonexistent", "--procs", "2", "procs=3"]));
    assert!(msg.contains("\"procs\" given twice"), "{msg}");
    assert!(msg.contains("--procs gave procs=2"), "{msg}");
}

#[test]
fn a_bad_value_from_a_sugar_flag_is_refused_by_the_kernel_parser() {
    let msg = assert_refused(&gmp(&["--qemu", "/nonexistent", "--procs", "0"]));
    assert!(msg.contains("\"procs\""), "{msg}");
    assert!(msg.contains("--procs gave procs=0"), "{msg}");
}

#[test]
fn a_missing_qemu_says_how_to_install_it() {
    let msg = assert_refused(&gmp(&["--qemu", "/nonexistent/qemu"]));
    assert!(msg.contains("/nonexistent/qemu"), "{msg}");
    assert!(msg.contains("sudo apt install qemu-system-x86"), "{msg}");
    assert!(msg.contains("brew install qemu"), "{msg}");
}

#[test]
fn kvm_without_its_device_says_how_to_fix_it() {
    let o = gmp_env(
        &["--qemu", "/nonexistent", "--accel", "kvm"],
        &[("GMP_KVM_DEVICE", "/nonexistent/kvm")],
    );
    let msg = assert_refused(&o);
    assert!(
        msg.contains("/nonexistent/kvm, which does not exist"),
        "{msg}"
    );
    assert!(msg.contains("modprobe"), "{msg}");
    assert!(msg.contains("TCG, the default"), "{msg}");
}

#[test]
fn icount_with_kvm_is_refused() {
    let msg = assert_refused(&gmp(&[
        "--qemu",
        "/nonexistent",
        "--icount",
        "--accel",
        "kvm",
    ]));
    assert!(msg.contains("--icount needs TCG"), "{msg}");
}

#[test]
fn lockstep_without_icount_or_with_kvm_is_refused() {
    // The boot option alone: the clocks would count emulated time.
    let msg = assert_refused(&gmp(&["--qemu", "/nonexistent", "lockstep=20000"]));
    assert!(msg.contains("lockstep=20000 needs QEMU's -icount"), "{msg}");
    assert!(msg.contains("use --lockstep"), "{msg}");
    let msg = assert_refused(&gmp(&[
        "--qemu",
        "/nonexistent",
        "--lockstep",
        "--accel",
        "kvm",
    ]));
    assert!(msg.contains("--lockstep needs TCG"), "{msg}");
    // A quantum must be a number, given with `=` (clap's own message).
    let o = gmp(&["--qemu", "/nonexistent", "--lockstep=many"]);
    assert_status(&o, exit::USAGE);
    assert!(
        stderr(&o).starts_with("error: invalid value 'many' for '--lockstep"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn uefi_with_a_missing_firmware_override_is_refused() {
    let o = gmp_env(
        &["--qemu", "/nonexistent", "--uefi"],
        &[("GMP_OVMF_CODE", "/nonexistent/OVMF_CODE.fd")],
    );
    let msg = assert_refused(&o);
    assert_eq!(
        msg,
        "GMP_OVMF_CODE names /nonexistent/OVMF_CODE.fd, which does not exist"
    );
}

#[test]
fn a_timeout_kills_qemu_and_exits_124() {
    // -S: QEMU starts with the CPU stopped, so the kernel can never finish.
    let o = gmp_qemu(&["--timeout", "1", "--smp", "1", "--", "-S"]);
    assert_status(&o, exit::TIMEOUT);
    let err = stderr(&o);
    assert!(
        err.lines()
            .any(|l| l.starts_with("timeout: QEMU was killed after 1 s")),
        "{err}"
    );
}

#[test]
fn print_qemu_shows_the_full_command_line() {
    let o = gmp_qemu(&[
        "--print-qemu",
        "--timeout",
        "1",
        "--smp",
        "2",
        "--memory",
        "512M",
        "--seed",
        "5",
        "bench=a,b",
        "--",
        "-S",
    ]);
    assert_status(&o, exit::TIMEOUT);
    let err = stderr(&o);
    let line = err.lines().next().unwrap_or_default();
    assert!(
        line.starts_with("qemu-system-x86_64 -drive format=raw,snapshot=on,file="),
        "{line}"
    );
    for flag in [
        " -serial stdio -display none -no-reboot ",
        " -device isa-debug-exit,iobase=0xf4,iosize=0x04 ",
        " -m 512M -smp 2 -accel tcg,thread=multi -cpu max ",
        " -fw_cfg 'name=opt/gmp-metal/cmdline,string=bench=a,,b seed=5' ",
    ] {
        assert!(line.contains(flag), "missing {flag:?} in {line}");
    }
    assert!(line.ends_with(" -S"), "{line}");
}

#[test]
fn gdb_prints_how_to_attach_and_waits() {
    let o = gmp_qemu(&["--gdb", "--timeout", "1", "--smp", "1"]);
    assert_status(&o, exit::TIMEOUT);
    let err = stderr(&o);
    assert!(err.contains(gmp_metal::KERNEL_ELF), "{err}");
    assert!(err.contains("-ex 'target remote :1234'"), "{err}");
    assert!(err.contains("hbreak"), "{err}");
}

#[test]
fn qemu_status_33_is_success() {
    let o = run_fake(&fake_qemu("ok.sh", "all 1 Ms online", 33));
    assert_status(&o, exit::SUCCESS);
    assert_eq!(
        stdout(&o),
        "all 1 Ms online\n",
        "serial is echoed to stdout"
    );
}

#[test]
fn an_x2apic_guest_on_a_qemu_before_9_0_is_refused_in_one_sentence() {
    // The stand-in answers `--version` as Ubuntu 24.04's QEMU does.
    let old = fake_qemu("qemu-8.2.sh", "QEMU emulator version 8.2.2", 33);
    let old = old.to_str().unwrap();
    let msg = assert_refused(&gmp(&["--qemu", old, "--smp", "288"]));
    assert!(
        msg.starts_with("--smp 288 gives APIC ids up to 287, beyond the 254 an xAPIC can address"),
        "{msg}"
    );
    assert!(
        msg.contains(&format!("needs an x2APIC guest on QEMU 9.0 or newer, but {old} is QEMU 8.2: give a newer one with --qemu PATH")),
        "{msg}"
    );
    let msg = assert_refused(&gmp(&["--qemu", old, "--x2apic", "--smp", "2"]));
    assert!(msg.starts_with("--x2apic needs an x2APIC guest"), "{msg}");
    // 255 cores with contiguous ids need no x2APIC, so no version check.
    assert_status(&gmp(&["--qemu", old, "--smp", "255"]), exit::SUCCESS);
}

#[test]
fn past_255_cores_the_runner_adds_q35_and_x2apic_itself() {
    let new = fake_qemu("qemu-10.0.sh", "QEMU emulator version 10.0.2", 33);
    let o = gmp(&[
        "--qemu",
        new.to_str().unwrap(),
        "--smp",
        "1024",
        "--print-qemu",
    ]);
    assert_status(&o, exit::SUCCESS);
    let err = stderr(&o);
    assert!(
        err.contains(" -smp 1024 -accel tcg,thread=multi -machine q35 -cpu max,+x2apic"),
        "{err}"
    );
}

#[test]
fn qemu_status_35_is_failure() {
    let o = run_fake(&fake_qemu("fail.sh", "PANIC on M1", 35));
    assert_status(&o, exit::FAILURE);
    assert!(stderr(&o).contains("the kernel reported failure"));
}

#[test]
fn qemu_status_0_is_explained_as_a_triple_fault_with_the_serial_tail() {
    let o = run_fake(&fake_qemu("reset.sh", "last words", 0));
    assert_status(&o, exit::QEMU_OTHER);
    let err = stderr(&o);
    assert!(
        err.contains("QEMU exited with status 0 without the kernel reporting success or failure — a triple fault resets the machine and -no-reboot turns that into an exit"),
        "{err}"
    );
    assert!(err.contains("last 40 lines of serial output"), "{err}");
    assert!(err.contains("last words"), "{err}");
}

#[test]
fn a_qemu_error_is_status_3_quoting_qemu() {
    let o = gmp_qemu(&["--smp", "1", "--", "-no-such-qemu-flag"]);
    assert_status(&o, exit::QEMU_OTHER);
    let err = stderr(&o);
    assert!(err.contains("QEMU exited with status 1"), "{err}");
    assert!(err.contains("-no-such-qemu-flag"), "{err}");
}

#[test]
fn a_real_boot_that_succeeds_exits_0() {
    let o = gmp_qemu(&["--smp", "1", "workload=boot"]);
    assert_status(&o, exit::SUCCESS);
    assert!(stdout(&o).contains("all 1 Ms online"), "{}", stdout(&o));
}

#[test]
fn a_kernel_failure_exits_1() {
    let o = gmp_qemu(&["--smp", "1", "--raw-boot-options", "procz=1"]);
    assert_status(&o, exit::FAILURE);
    assert!(stdout(&o).contains("boot option error:"), "{}", stdout(&o));
}

#[test]
fn readme_documents_every_option_and_exit_status() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md exists");
    for opt in long_options() {
        assert!(
            readme.contains(&format!("`{opt}")),
            "README.md does not document {opt}"
        );
    }
    for (code, _) in exit::STATUSES {
        assert!(
            readme.contains(&format!("| {code} ")),
            "README.md's exit status table lacks {code}"
        );
    }
    assert!(
        readme.contains("cargo test"),
        "README.md must give the test command"
    );
}

#[test]
fn procs_above_the_core_count_is_refused_on_the_host() {
    let msg = assert_refused(&gmp(&["--qemu", "/nonexistent", "--smp", "2", "procs=4"]));
    assert_eq!(
        msg,
        "procs=4 is more than the 2 cores given by --smp (every P needs an M, and an M is a core): use --smp 4 or more, or a smaller procs"
    );
}

#[test]
fn an_unknown_workload_is_refused_listing_the_known_ones() {
    let msg = assert_refused(&gmp(&["--qemu", "/nonexistent", "workload=nope"]));
    assert!(
        msg.contains("\"nope\"") && msg.contains("producer-consumer"),
        "{msg}"
    );
    // The sugar flag goes through clap's possible values: exit 2 as well.
    let o = gmp(&["--qemu", "/nonexistent", "--workload", "nope"]);
    assert_status(&o, exit::USAGE);
    assert!(stderr(&o).contains("nope"), "{}", stderr(&o));
}

#[test]
fn a_negative_duration_is_refused() {
    let msg = assert_refused(&gmp(&["--qemu", "/nonexistent", "duration=-5"]));
    assert!(msg.contains("\"duration\"") && msg.contains("-5"), "{msg}");
    let o = gmp(&["--qemu", "/nonexistent", "--duration", "-5"]);
    assert_status(&o, exit::USAGE);
}
