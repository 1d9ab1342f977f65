//! The tokio and may sides of `--compare`: build `boot/compare/rust` (one
//! Cargo project, two programs) into `target/compare-rust`, then run their
//! operations.
//!
//! Design note: the project stays out of the workspace (its own
//! `[workspace]` and `Cargo.lock`), so `cargo test` never compiles tokio or
//! may, and the versions compared are the locked ones, printed with the
//! table. It is built `--offline --locked` first, from the crate cache, as
//! the Go program is built without the network; only if that fails is it
//! built online, and if that fails too both tools are skipped with the
//! command that fills the cache. The build lives under `target/`, so later
//! runs reuse it (cargo rebuilds only what changed). Cargo runs in the
//! sources' directory, so rustup picks the toolchain of this repository
//! (`rust-toolchain.toml`), the compiler the kernel is built with, wherever
//! the runner was started; its version is printed with the crates'. Both
//! programs run one task at a time on one thread (tokio's current-thread
//! runtime, may with one worker), the counterpart of one P.

use std::path::{Path, PathBuf};

use super::{HostFigure, RssFigure, Session, Tool, ToolReport};
use crate::bench::hostcmd::{Cmd, Exec, last_line, run_host_line, which};

/// Where the sources are (in the source tree this runner was built from).
pub const RUST_SOURCES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/boot/compare/rust");

/// Where they are built: beside the runner's own build, kept between runs.
pub const RUST_TARGET: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/target/compare-rust");

/// The skip sentence when there is no `cargo`.
pub const NO_CARGO: &str = "cargo not found (install Rust with rustup)";

/// One built program and the version of the crate it measures.
#[derive(Clone, Debug)]
pub struct Peer {
    pub version: String,
    pub program: PathBuf,
}

/// The two built programs.
#[derive(Clone, Debug)]
pub struct RustBench {
    pub tokio: Peer,
    pub may: Peer,
}

/// `cargo` from `GMP_CARGO`, else the one running us (`cargo run` and
/// `cargo test` set `CARGO`), else from `PATH`.
pub fn find_cargo() -> Result<PathBuf, String> {
    let name = std::env::var("GMP_CARGO")
        .or_else(|_| std::env::var("CARGO"))
        .unwrap_or_else(|_| "cargo".into());
    which(&name).ok_or_else(|| NO_CARGO.to_string())
}

/// The version `Cargo.lock` pins for package `name`.
pub fn locked_version(lock: &str, name: &str) -> Option<String> {
    let wanted = format!("name = \"{name}\"");
    let mut lines = lock.lines().map(str::trim);
    while let Some(l) = lines.next() {
        if l == wanted {
            let v = lines.next()?.strip_prefix("version = ")?;
            return Some(v.trim_matches('"').to_string());
        }
    }
    None
}

/// The command that fills the crate cache, for the skip sentence.
pub fn fetch_hint(sources: &Path) -> String {
    format!(
        "fill the crate cache once with network: cargo fetch --manifest-path {}/Cargo.toml",
        sources.display()
    )
}

/// The first `error...` line of cargo's output (its `note:` and `help:`
/// lines come last), or the last line.
fn cargo_error(stderr: &str) -> &str {
    stderr
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("error"))
        .unwrap_or_else(|| last_line(stderr))
}

/// Whether cargo's output says the build needed crates that offline mode
/// could not get.
fn missing_offline(stderr: &str) -> bool {
    stderr.contains("--offline") || stderr.contains("offline mode")
}

/// Builds `sources` with `cargo` into `target`: offline first, then online.
pub fn build(
    exec: &dyn Exec,
    cargo: &Path,
    sources: &Path,
    target: &Path,
    say: &mut dyn FnMut(&str),
) -> Result<RustBench, String> {
    let lock_path = sources.join("Cargo.lock");
    let lock = std::fs::read_to_string(&lock_path).map_err(|e| {
        format!(
            "the tokio/may sources are missing at {}: {e}",
            sources.display()
        )
    })?;
    let version = |name: &str| {
        locked_version(&lock, name).ok_or_else(|| format!("{} pins no {name}", lock_path.display()))
    };
    let (tokio_version, may_version) = (version("tokio")?, version("may")?);
    let toolchain = toolchain(exec, cargo, sources);
    let with_toolchain = |v: String| match &toolchain {
        Some(t) => format!("{v}, Rust {t}"),
        None => v,
    };
    let cmd = |offline: bool| {
        let mut c = Cmd::new(cargo).dir(sources).args([
            "build".to_string(),
            "--release".to_string(),
            "--locked".to_string(),
            "--manifest-path".to_string(),
            sources.join("Cargo.toml").display().to_string(),
            "--target-dir".to_string(),
            target.display().to_string(),
        ]);
        if offline {
            c = c.arg("--offline");
        }
        c
    };
    let offline = exec.run(&cmd(true))?;
    if !offline.success {
        say(&format!(
            "the offline build failed ({}); building online",
            cargo_error(&offline.stderr)
        ));
        let online = exec.run(&cmd(false))?;
        if !online.success {
            return Err(if missing_offline(&offline.stderr) {
                format!(
                    "tokio and may are not in the crate cache and the online build failed ({}); {}",
                    cargo_error(&online.stderr),
                    fetch_hint(sources)
                )
            } else {
                format!(
                    "cargo build of {} failed: {}",
                    sources.display(),
                    cargo_error(&online.stderr)
                )
            });
        }
    }
    let program = |name: &str| target.join("release").join(name);
    Ok(RustBench {
        tokio: Peer {
            version: with_toolchain(tokio_version),
            program: program("tokio-bench"),
        },
        may: Peer {
            version: with_toolchain(may_version),
            program: program("may-bench"),
        },
    })
}

/// The Rust version the build uses (`1.97.0-nightly` from `cargo 1.97.0-nightly
/// (hash date)`), if cargo says.
fn toolchain(exec: &dyn Exec, cargo: &Path, sources: &Path) -> Option<String> {
    let out = exec
        .run(&Cmd::new(cargo).dir(sources).arg("--version"))
        .ok()?;
    let v = out.stdout.split_whitespace().nth(1)?;
    out.success.then(|| v.to_string())
}

impl RustBench {
    /// Every operation of `tool` (tokio or may) in `plan`.
    pub fn run_all(&self, tool: Tool, s: &mut Session) -> ToolReport {
        let plan = s.plan;
        let (peer, ops, parked, what) = match tool {
            Tool::Tokio => (&self.tokio, &plan.tokio_ops, plan.parked_tokio, "tasks"),
            Tool::May => (&self.may, &plan.may_ops, plan.parked_may, "coroutines"),
            Tool::Go | Tool::Linux => unreachable!("only tokio and may are built here"),
        };
        let name = tool.label();
        let native = |op: &str, n: u64| Cmd::new(&peer.program).arg(op).arg(n.to_string());
        let mut figures = s.measure_ops(name, ops, &native, &native);
        let mut rss = None;
        if parked > 0 {
            (s.say)(&format!("{name} mem-parked: {parked} {what} parked"));
            let cmd = Cmd::new(&peer.program)
                .arg("mem-parked")
                .arg(parked.to_string());
            match rss_figure(s.exec, &cmd) {
                Ok(r) => rss = Some(r),
                Err(e) => figures.push(HostFigure::failed("mem-parked", e)),
            }
        }
        ToolReport {
            rss,
            ..ToolReport::ran(tool, peer.version.clone(), figures)
        }
    }
}

fn rss_figure(exec: &dyn Exec, cmd: &Cmd) -> Result<RssFigure, String> {
    let l = run_host_line(exec, cmd)?;
    Ok(RssFigure {
        tasks: l.n,
        bytes_per_task: l.num("bytes_per_task")?,
        rss_before: l.num("rss_before")? as u64,
        rss_after: l.num("rss_after")? as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::hostcmd::CmdOutput;
    use std::cell::RefCell;

    /// Answers like cargo: the offline build and the online one each
    /// succeed or fail with the given stderr.
    struct FakeCargo {
        offline: Result<(), &'static str>,
        online: Result<(), &'static str>,
        seen: RefCell<Vec<Cmd>>,
    }

    impl FakeCargo {
        fn new(offline: Result<(), &'static str>, online: Result<(), &'static str>) -> Self {
            FakeCargo {
                offline,
                online,
                seen: RefCell::new(Vec::new()),
            }
        }
    }

    impl Exec for FakeCargo {
        fn run(&self, cmd: &Cmd) -> Result<CmdOutput, String> {
            self.seen.borrow_mut().push(cmd.clone());
            if cmd.args == ["--version"] {
                return Ok(CmdOutput {
                    success: true,
                    stdout: "cargo 1.99.0-nightly (0123abc 2026-01-01)\n".into(),
                    stderr: String::new(),
                });
            }
            let r = if cmd.args.iter().any(|a| a == "--offline") {
                self.offline
            } else {
                self.online
            };
            Ok(CmdOutput {
                success: r.is_ok(),
                stdout: String::new(),
                stderr: r.err().unwrap_or("    Finished `release` profile").into(),
            })
        }
    }

    /// What cargo says offline when a crate is not in the cache.
    const NOT_CACHED: &str = "error: no matching package named `may` found\n\
        location searched: crates.io index\n\
        note: offline mode (via `--offline`) can sometimes cause surprising resolution \
        failures\n\
        help: if this error is too confusing you may wish to retry without `--offline`\n";

    fn build_with(fake: &FakeCargo, said: &mut Vec<String>) -> Result<RustBench, String> {
        build(
            fake,
            Path::new("/fake/cargo"),
            Path::new(RUST_SOURCES),
            Path::new("/tmp/target-x"),
            &mut |m| said.push(m.to_string()),
        )
    }

    #[test]
    fn the_offline_build_is_tried_first_and_is_enough_when_it_works() {
        let fake = FakeCargo::new(Ok(()), Err("must not be run"));
        let mut said = Vec::new();
        let b = build_with(&fake, &mut said).unwrap();
        let seen = fake.seen.borrow();
        // cargo --version, then one build.
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[1].program, PathBuf::from("/fake/cargo"));
        // In the sources' directory: rustup picks this repository's toolchain.
        assert!(
            seen.iter()
                .all(|c| c.dir == Some(PathBuf::from(RUST_SOURCES)))
        );
        let args = seen[1].args.join(" ");
        assert!(
            args.starts_with("build --release --locked --manifest-path "),
            "{args}"
        );
        assert!(args.contains("boot/compare/rust/Cargo.toml"), "{args}");
        assert!(
            args.ends_with("--target-dir /tmp/target-x --offline"),
            "{args}"
        );
        assert_eq!(
            b.tokio.program,
            PathBuf::from("/tmp/target-x/release/tokio-bench")
        );
        assert_eq!(
            b.may.program,
            PathBuf::from("/tmp/target-x/release/may-bench")
        );
        // The versions are the ones the lock file in the tree pins, and the
        // compiler's.
        assert!(b.tokio.version.starts_with("1."), "{}", b.tokio.version);
        assert!(b.may.version.starts_with("0.3."), "{}", b.may.version);
        assert!(
            b.may.version.ends_with(", Rust 1.99.0-nightly"),
            "{}",
            b.may.version
        );
        assert!(said.is_empty(), "{said:?}");
    }

    #[test]
    fn a_missing_cache_falls_back_online_and_then_says_how_to_fill_it() {
        let fake = FakeCargo::new(Err(NOT_CACHED), Ok(()));
        let mut said = Vec::new();
        assert!(build_with(&fake, &mut said).is_ok());
        assert_eq!(fake.seen.borrow().len(), 3);
        assert!(fake.seen.borrow()[1].args.iter().any(|a| a == "--offline"));
        assert!(!fake.seen.borrow()[2].args.iter().any(|a| a == "--offline"));
        assert_eq!(
            said,
            [
                "the offline build failed (error: no matching package named `may` found); \
              building online"
            ]
        );

        let fake = FakeCargo::new(
            Err(NOT_CACHED),
            Err(
                "error: failed to download from `https://index.crates.io/config.json`\n\
                 Caused by:\n  [6] Could not resolve hostname\n",
            ),
        );
        let e = build_with(&fake, &mut Vec::new()).unwrap_err();
        assert!(
            e.starts_with(
                "tokio and may are not in the crate cache and the online build failed \
                 (error: failed to download from `https://index.crates.io/config.json`); \
                 fill the crate cache once with network: cargo fetch --manifest-path "
            ),
            "{e}"
        );
        assert!(e.ends_with("boot/compare/rust/Cargo.toml"), "{e}");
    }

    #[test]
    fn a_failing_compile_is_not_blamed_on_the_cache() {
        let compile = "error[E0425]: cannot find value `x` in this scope\n\
                       error: could not compile `gmp-compare-rust` (bin \"may-bench\")\n";
        let fake = FakeCargo::new(Err(compile), Err(compile));
        let e = build_with(&fake, &mut Vec::new()).unwrap_err();
        assert!(e.starts_with("cargo build of "), "{e}");
        assert!(
            e.ends_with(": error[E0425]: cannot find value `x` in this scope"),
            "{e}"
        );
        let missing = build(
            &fake,
            Path::new("/fake/cargo"),
            Path::new("/nonexistent/rust"),
            Path::new("/tmp/t"),
            &mut |_| {},
        )
        .unwrap_err();
        assert!(
            missing.starts_with("the tokio/may sources are missing"),
            "{missing}"
        );
    }

    #[test]
    fn locked_versions_are_read_from_the_lock_file() {
        let lock = "version = 4\n\n[[package]]\nname = \"tokio\"\nversion = \"1.54.1\"\n\
                    source = \"registry+https://github.com/rust-lang/crates.io-index\"\n\n\
                    [[package]]\nname = \"tokio-macros\"\nversion = \"2.0.0\"\n";
        assert_eq!(locked_version(lock, "tokio").as_deref(), Some("1.54.1"));
        assert_eq!(
            locked_version(lock, "tokio-macros").as_deref(),
            Some("2.0.0")
        );
        assert_eq!(locked_version(lock, "may"), None);
    }
}
