//! The kernel's own traces: a traced boot, converted, read back by Go.

use std::path::PathBuf;
use std::process::Command;

use super::common;
use super::go::{check, count, goroutines, have_go, input_goroutines, skipped};

/// Boot the kernel with `--trace` and parse its dump.
fn kernel_dump(name: &str, args: &[&str]) -> gmp_metal::trace::dump::Dump {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    let out = {
        let _slot = common::qemu_slot();
        Command::new(env!("CARGO_BIN_EXE_gmp-metal"))
            .args(args)
            .arg(format!("--trace={}", dir.display()))
            .arg(format!("--timeout={}", common::boot_timeout().as_secs()))
            .env_remove("GMP_QEMU")
            .output()
            .expect("the gmp-metal binary runs")
    };
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(dir.join("trace.bin")).expect("trace.bin written");
    gmp_metal::trace::dump::Dump::parse(&bytes).unwrap_or_else(|e| panic!("{e}"))
}

/// The kernel's own traces: Go reads them, every goroutine is there, and a
/// complete recording needs no repair.
fn kernel_trace(name: &str, args: &[&str]) -> Option<String> {
    if !have_go() {
        skipped();
        return None;
    }
    let dump = kernel_dump(name, args);
    assert_eq!(dump.dropped(), 0, "the test needs a complete recording");
    let mut ev = dump.events();
    let (c, listing) = check(name, &dump.header, &mut ev)?;
    println!(
        "{name}: {} events ({} without a Go counterpart), {} goroutines, repairs {:?}",
        ev.len(),
        c.skipped,
        c.goroutines,
        c.repairs
    );
    assert!(!c.repairs.any(), "{name}: {:?}", c.repairs);
    assert_eq!(goroutines(&listing), input_goroutines(&ev), "{name}");
    Some(listing)
}

#[test]
fn kernel_producer_consumer_on_two_cores() {
    let Some(listing) = kernel_trace(
        "gotrace-pc2",
        &["--workload", "producer-consumer", "--smp", "2"],
    ) else {
        return;
    };
    assert!(count(&listing, "Running->Waiting") > 0, "Gs block");
    assert!(count(&listing, "Waiting->Runnable") > 0, "Gs are readied");
}

#[test]
fn kernel_blocking_calls_hand_off_their_p() {
    let Some(listing) = kernel_trace(
        "gotrace-syscall",
        &["--workload", "test-syscall", "--smp", "3", "--procs", "2"],
    ) else {
        return;
    };
    assert!(count(&listing, "Running->Syscall") > 0, "a blocking call");
    assert!(
        count(&listing, "Syscall->Runnable") > 0,
        "a call that lost its P"
    );
}

#[test]
fn kernel_gomaxprocs_changes_stop_the_world_in_gos_view() {
    // resize on 4 cores: GOMAXPROCS 4 -> 1 -> 4 (8 clamped) -> 2 -> 4.
    let Some(listing) = kernel_trace("gotrace-resize", &["--workload", "resize", "--smp", "4"])
    else {
        return;
    };
    // Go shows a GOMAXPROCS change as a metric and a stop as a range.
    let procs: Vec<&str> = listing
        .lines()
        .filter(|l| l.contains("/sched/gomaxprocs:threads"))
        .collect();
    assert!(
        procs.len() >= 4,
        "Go's view has {} GOMAXPROCS values, not the 4 steps:\n{}",
        procs.len(),
        procs.join("\n")
    );
    assert!(
        listing.contains("stop-the-world (GOMAXPROCS)"),
        "no stop-the-world range named GOMAXPROCS in Go's view"
    );
}
