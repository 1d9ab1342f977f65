//! The commands of docs/WALKTHROUGH.md, run so that the page cannot rot.
//!
//! Design note: the page's commands live in `docs/walkthrough.sh` (and its
//! gdb part in `docs/walkthrough.gdb`); these tests run the script's
//! `readelf` and `gdb` steps against the kernel ELF this runner was built
//! with and check what the page says they show: the ELF's entry point is
//! the kernel's `_start`, gdb stops in `schedule` and `findRunnable` on
//! two different cores (gdb threads) and prints a G, and the goroutine
//! commands of `gdb/gmp.py` tell a consistent story at the first overflow
//! of a ring (see [`goroutine_commands_agree_with_each_other`]). The gdb
//! step needs a QEMU waiting for a debugger: `--gdb` always uses port 1234,
//! so the test
//! boots the same machine with `-gdb tcp::PORT -S` (what `-s -S` means, on
//! a free port). Without readelf or gdb on the host the tests say
//! "skipped: ... not found" and pass, except under `CI=true`, where they
//! fail (`.ci/run` installs both). (`cargo build -v`, the page's third
//! command, is the script's `build` step; a test cannot run cargo on its
//! own target directory.)

mod common;

use std::collections::BTreeSet;
use std::net::TcpListener;
use std::process::{Command, Output};
use std::time::Duration;

use gmp_metal::{KERNEL_ELF, Run, Verdict};

/// Whether `tool --version` runs.
fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn script(step: &str, port: Option<u16>) -> Output {
    let mut cmd = Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/walkthrough.sh"));
    cmd.arg(step).env("KERNEL_ELF", KERNEL_ELF);
    if let Some(p) = port {
        cmd.env("GDB_PORT", p.to_string());
    }
    cmd.output().expect("docs/walkthrough.sh runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The hex number after `key` on the line that has it.
fn hex_after(out: &str, key: &str) -> Option<u64> {
    let line = out.lines().find(|l| l.contains(key))?;
    let word = line.split_once(key)?.1.split_whitespace().next()?;
    u64::from_str_radix(word.trim_start_matches("0x"), 16).ok()
}

#[test]
fn the_elf_entry_point_is_the_kernel_start_symbol() {
    if !have("readelf") {
        common::skip_or_fail("readelf not found (apt install binutils)");
        return;
    }
    let o = script("readelf", None);
    let out = text(&o);
    assert!(o.status.success(), "walkthrough.sh readelf failed:\n{out}");
    assert!(out.contains("ELF64") && out.contains("X86-64"), "{out}");
    // Linked at 0 and relocated by the bootloader: a PIE.
    assert!(out.contains("DYN (Position-Independent"), "{out}");
    let entry = hex_after(&out, "Entry point address:").expect("an entry point");
    // `readelf -s` line: "Num: Value Size Type Bind Vis Ndx Name".
    let start = out
        .lines()
        .find(|l| l.ends_with(" _start") && l.contains("FUNC") && l.contains("GLOBAL"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| u64::from_str_radix(v, 16).ok())
        .expect("a global _start symbol");
    assert_eq!(entry, start, "entry point vs _start:\n{out}");
    assert_ne!(entry, 0);
}

/// A TCP port nobody listens on now.
fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    l.local_addr().expect("local address").port()
}

/// `walkthrough: <what> on thread <N> = M<id>, ...` lines: the threads.
fn threads_stopped_in(out: &str, what: &str) -> BTreeSet<u32> {
    let prefix = format!("walkthrough: {what} on thread ");
    out.lines()
        .filter_map(|l| l.split_once(&prefix))
        .filter_map(|(_, rest)| rest.split_whitespace().next()?.parse().ok())
        .collect()
}

#[test]
fn gdb_stops_in_schedule_and_find_runnable_on_two_cores_and_prints_a_g() {
    if !have("gdb") {
        common::skip_or_fail("gdb not found (apt install gdb)");
        return;
    }
    let port = free_port();
    let run = Run::new()
        .smp("2")
        .boot_opt("workload=producer-consumer")
        .qemu_args(["-gdb".to_string(), format!("tcp::{port}"), "-S".to_string()])
        .timeout(Duration::from_secs(180));
    let qemu = std::thread::spawn(move || common::boot(run));
    // QEMU opens the stub at start-up and waits (-S); retry until it listens.
    let mut out = String::new();
    for _ in 0..30 {
        std::thread::sleep(Duration::from_secs(2));
        let o = script("gdb", Some(port));
        out = text(&o);
        if !out.contains("Connection refused") {
            break;
        }
    }
    let outcome = qemu.join().expect("the QEMU thread");
    let schedule = threads_stopped_in(&out, "schedule");
    let find = threads_stopped_in(&out, "findRunnable");
    assert!(
        schedule.len() >= 2,
        "gdb did not stop in schedule on two cores ({schedule:?}):\n{out}"
    );
    assert!(
        find.len() >= 2,
        "gdb did not stop in findRunnable on two cores ({find:?}):\n{out}"
    );
    assert!(
        out.contains("in gmp_kernel::runtime::scheduler::proc::schedule")
            || out.contains("gmp_kernel::runtime::scheduler::proc::schedule ()"),
        "no backtrace through schedule:\n{out}"
    );
    // The G: its struct, with the closure it runs, and its goid.
    assert!(
        out.contains("gmp_kernel::runtime::objects::g::G {sched:") && out.contains("call_closure<"),
        "no G printed:\n{out}"
    );
    let goid = out
        .lines()
        .find_map(|l| l.strip_prefix("walkthrough: the current G is goid "))
        .and_then(|n| n.trim().parse::<u64>().ok());
    assert!(goid.is_some_and(|g| g > 0), "no goid printed:\n{out}");
    goroutine_commands_agree_with_each_other(&out);
    // Once gdb detaches, the machine runs on and the workload finishes.
    common::check(
        &outcome,
        outcome.verdict == Verdict::Success,
        "the run did not finish after gdb detached",
    );
}

/// The lines between `walkthrough: {what}` and the next `walkthrough:` line.
fn section<'a>(out: &'a str, what: &str) -> Vec<&'a str> {
    let head = format!("walkthrough: {what}");
    out.lines()
        .skip_while(|l| *l != head)
        .skip(1)
        .take_while(|l| !l.starts_with("walkthrough:"))
        .collect()
}

/// Step 4 of docs/walkthrough.gdb, at the first ring overflow of
/// producer-consumer on two cores: `info goroutines` lists more than one
/// G, each running one on an M whose `info ms` line names it as `curg`,
/// the `*` on the selected core's; `info ps` shows a ring holding Gs (an
/// overflow leaves 128 in it); `goroutine 1 bt`, from the main G's saved
/// context, goes from the switch to g0 through the park function, the
/// WaitGroup's semaphore and the workload to the G's first instruction, in
/// the order the page gives.
fn goroutine_commands_agree_with_each_other(out: &str) {
    let gs = section(out, "info goroutines");
    let ms = section(out, "info ms");
    assert!(
        gs.len() > 1,
        "info goroutines listed {} Gs:\n{out}",
        gs.len()
    );
    let mut running = 0;
    for line in &gs {
        let words: Vec<&str> = line.trim_start_matches('*').split_whitespace().collect();
        assert!(
            words.len() >= 3,
            "odd info goroutines line {line:?}:\n{out}"
        );
        let (id, status) = (words[0], words[1]);
        assert!(
            id.parse::<u64>().is_ok_and(|n| n > 0),
            "bad goid in {line:?}"
        );
        assert!(
            ["runnable", "running", "syscall", "waiting"].contains(&status),
            "status {status} in {line:?}"
        );
        if status == "running" {
            running += 1;
            let m = words[2];
            let curg = format!("curg G{id} ");
            assert!(
                ms.iter()
                    .any(|l| l.contains(&format!("{m} ")) && l.contains(&curg)),
                "G{id} runs on {m}, but info ms does not say so:\n{out}"
            );
            assert_eq!(
                line.starts_with('*'),
                ms.iter().any(|l| l.starts_with('*') && l.contains(&curg)),
                "the `*` of G{id} disagrees with info ms:\n{out}"
            );
        } else {
            assert!(
                !line.starts_with('*'),
                "a G that is not running has the `*`: {line}"
            );
        }
        if status == "waiting" {
            assert!(words.len() >= 4, "no wait reason in {line:?}");
        }
    }
    assert!(
        (1..=ms.len()).contains(&running),
        "{running} Gs running on {} Ms:\n{out}",
        ms.len()
    );
    let full = section(out, "info ps").iter().any(|l| {
        l.split("runq[")
            .nth(1)
            .and_then(|r| r.split(']').next()?.parse::<u32>().ok())
            .is_some_and(|n| n > 0)
    });
    assert!(full, "info ps shows no ring with Gs at an overflow:\n{out}");
    // The chain docs/WALKTHROUGH.md gives, innermost first.
    let bt = section(out, "goroutine 1 bt").join("\n");
    let chain = [
        "mcall_on",
        "goparkunlock",
        "Semaphore::acquire",
        "WaitGroup::wait",
        "workloads/demos/producer_consumer.rs",
        "runtime_main",
        "gostart",
    ];
    let mut rest = bt.as_str();
    for frame in chain {
        let at = rest.find(frame).unwrap_or_else(|| {
            panic!("goroutine 1 bt lacks {frame} (after the frames before it), unlike docs/WALKTHROUGH.md:\n{out}")
        });
        rest = &rest[at + frame.len()..];
    }
}
