//! `--trace`: collecting the kernel's scheduler trace and converting it.
//!
//! Design note: QEMU writes the guest's second serial port (COM2) to
//! `<DIR>/trace.bin`; the kernel dumps its per-core event buffers there
//! when the workload ends. After QEMU exits, [`collect`] parses the dump
//! ([`dump`]) and writes one file per viewer next to it. Each output is one
//! `(name, bytes, how to open)` line in [`collect`], so adding a format is
//! adding a line. Nothing here runs while the guest runs: tracing costs the
//! guest only its recording, never host-side work.

pub mod dump;
pub mod gotrace;
pub mod html;
pub mod perfetto;
pub mod replay;

use std::fmt;
use std::path::{Path, PathBuf};

use dump::{Dump, DumpError};

/// Where `--trace` without `=DIR` (or a bare `trace=on`) puts its files,
/// relative to the current directory.
pub const DEFAULT_DIR: &str = "target/gmp-trace";
/// The raw dump QEMU writes from COM2.
pub const DUMP_FILE: &str = "trace.bin";

/// One file written, and how to look at it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Written {
    pub path: PathBuf,
    pub open: String,
}

/// What [`collect`] produced.
#[derive(Debug)]
pub struct Collected {
    pub dump: Dump,
    pub files: Vec<Written>,
    /// `trace.gotrace`'s path, as the files' paths are (relative to the
    /// current directory when `--trace`'s directory was).
    pub gotrace: PathBuf,
    /// Why some counter tracks are not in `trace.json`
    /// (perfetto/counters.rs).
    pub counters_left_out: Vec<String>,
}

/// Why the trace files could not be produced.
#[derive(Debug)]
pub enum TraceError {
    /// Reading the dump or writing an output failed.
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The dump is not a complete, valid dump.
    Dump { path: PathBuf, source: DumpError },
}

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TraceError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            TraceError::Dump { path, source } => write!(f, "{}: {source}", path.display()),
        }
    }
}

impl std::error::Error for TraceError {}

/// The dump's path inside `dir`.
pub fn dump_path(dir: &Path) -> PathBuf {
    dir.join(DUMP_FILE)
}

/// Event `k` (1-based, in the trace page's order: every core's events
/// merged by stamp) of the dump in `dir`: its raw stamp (TSC, under
/// `--icount` an instruction count) and what it is. For `--stop-at-event`.
pub fn event_stamp(dir: &Path, k: u64) -> Result<(u64, String), String> {
    let path = dump_path(dir);
    let bytes = std::fs::read(&path).map_err(|e| {
        format!(
            "--stop-at-event needs the trace of a previous run of the same command with --trace, \
             and {} cannot be read ({e}): run it once with --trace first",
            path.display()
        )
    })?;
    let dump = Dump::parse(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    let events = dump.events();
    let n = events.len() as u64;
    if k == 0 || k > n {
        return Err(format!(
            "--stop-at-event {k}: {} holds events 1 to {n}",
            path.display()
        ));
    }
    let e = &events[(k - 1) as usize];
    Ok((e.ts(), format!("{e:?}")))
}

/// Before a traced run: create `dir` and remove the previous run's files,
/// so a run that dies before its dump cannot leave stale outputs behind
/// that look like its own.
pub fn prepare_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for name in [DUMP_FILE, "trace.json", "trace.html", "trace.gotrace"] {
        match std::fs::remove_file(dir.join(name)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    Ok(())
}

/// After a traced run: parse `<dir>/trace.bin` and write the viewers'
/// files next to it.
pub fn collect(dir: &Path) -> Result<Collected, TraceError> {
    let path = dump_path(dir);
    let bytes = std::fs::read(&path).map_err(|source| TraceError::Io {
        path: path.clone(),
        source,
    })?;
    let dump = Dump::parse(&bytes).map_err(|source| TraceError::Dump {
        path: path.clone(),
        source,
    })?;
    let mut files = vec![Written {
        path,
        open: "the raw dump (format: kernel/sched/src/trace)".into(),
    }];
    let (json, counters_left_out) = perfetto::write(&dump);
    // One entry per output format.
    let outputs: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "trace.gotrace",
            {
                let names = crate::symbolize::Symbolizer::kernel();
                gotrace::write(&dump.header, &dump.events_with_stacks(), &|pc| {
                    names.frames(pc)
                })
            },
            "Go's execution trace, for `go tool trace` (Go >= 1.22; the command is the last line)",
        ),
        (
            "trace.json",
            json,
            "open https://ui.perfetto.dev and drag FILE in (or load it in chrome://tracing)",
        ),
        (
            "trace.html",
            html::write(&dump),
            "open file://ABS in a browser: the run queues replayed, step by step",
        ),
    ];
    for (name, bytes, open) in outputs {
        let path = dir.join(name);
        std::fs::write(&path, bytes).map_err(|source| TraceError::Io {
            path: path.clone(),
            source,
        })?;
        let abs = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        files.push(Written {
            open: open
                .replace("FILE", &path.display().to_string())
                .replace("ABS", &abs.display().to_string()),
            path,
        });
    }
    Ok(Collected {
        dump,
        gotrace: dir.join("trace.gotrace"),
        files,
        counters_left_out,
    })
}

/// The shell command that opens the Go trace at `path` in Go's own
/// viewer, runnable as printed from the directory the runner ran in: the
/// path quoted for the shell, and `./` before a relative path that would
/// otherwise read as a flag.
pub fn go_tool_trace_command(path: &Path) -> String {
    let path = if path.to_string_lossy().starts_with('-') {
        Path::new(".").join(path)
    } else {
        path.to_path_buf()
    };
    format!(
        "go tool trace {}",
        crate::qemu::shell_quote(path.as_os_str())
    )
}

/// Go's string for the kernel's wait reason `code` (the one table in
/// `gmp_sched::waitreason`); "unknown" for a code it does not know.
pub fn wait_reason(code: u8) -> &'static str {
    match gmp_sched::waitreason::WaitReason::from_u8(code) {
        gmp_sched::waitreason::WaitReason::Zero => "unknown",
        r => r.as_str(),
    }
}

/// The runner's summary lines for a collected trace (without a prefix).
pub fn summary(c: &Collected) -> Vec<String> {
    let d = &c.dump;
    let span_ms = (d.ns_since_start(d.header.end_tsc)) / 1e6;
    let mut lines = vec![format!(
        "{} events from {} cores ({} Ps) over {:.3} ms, {} dropped",
        d.event_count(),
        d.header.ncpu,
        d.header.nprocs,
        span_ms,
        d.dropped()
    )];
    lines.extend(d.drop_warnings());
    for w in &c.files {
        lines.push(format!("wrote {} — {}", w.path.display(), w.open));
    }
    for why in &c.counters_left_out {
        lines.push(format!("trace.json leaves out {why}"));
    }
    // Last, so it is the line a reader finds at the end of the run.
    lines.push(format!(
        "open it in Go's trace viewer: {}",
        go_tool_trace_command(&c.gotrace)
    ));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use gmp_sched::trace::{ChunkHeader, Event, Header, TRAILER, VERSION, encode};

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("gmp-trace-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    /// A one-core dump holding one event, with `dropped` losses.
    fn one_event_dump(dropped: u64) -> Vec<u8> {
        let h = Header {
            version: VERSION,
            ncpu: 1,
            nprocs: 1,
            tsc_hz: 1_000_000,
            start_tsc: 0,
            end_tsc: 2_000,
        };
        let mut buf = [0u8; 128];
        let n = encode(&Event::MPark { ts: 5, m: 0 }, 0, &mut buf).unwrap();
        let c = ChunkHeader {
            m: 0,
            events: 1,
            dropped,
            base_tsc: 0,
            len: n as u64,
        };
        let mut b = h.to_bytes().to_vec();
        b.extend_from_slice(&c.to_bytes());
        b.extend_from_slice(&buf[..n]);
        b.extend_from_slice(&TRAILER);
        b
    }

    #[test]
    fn the_go_command_quotes_what_the_shell_would_split_or_read_as_a_flag() {
        let cmd = |p: &str| go_tool_trace_command(Path::new(p));
        assert_eq!(
            cmd("target/gmp-trace/trace.gotrace"),
            "go tool trace target/gmp-trace/trace.gotrace"
        );
        assert_eq!(
            cmd("/tmp/my runs/trace.gotrace"),
            "go tool trace '/tmp/my runs/trace.gotrace'"
        );
        assert_eq!(cmd("-x/trace.gotrace"), "go tool trace ./-x/trace.gotrace");
    }

    #[test]
    fn collect_writes_every_file_and_reports_drops() {
        let dir = scratch("collect");
        prepare_dir(&dir).unwrap();
        std::fs::write(dump_path(&dir), one_event_dump(3)).unwrap();
        let c = collect(&dir).unwrap();
        let names: Vec<String> = c
            .files
            .iter()
            .map(|w| w.path.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            ["trace.bin", "trace.gotrace", "trace.json", "trace.html"]
        );
        for w in &c.files {
            assert!(std::fs::metadata(&w.path).unwrap().len() > 0);
        }
        let lines = summary(&c);
        assert_eq!(
            lines[0],
            "1 events from 1 cores (1 Ps) over 2.000 ms, 3 dropped"
        );
        assert!(lines[1].starts_with("3 events dropped on M0"), "{lines:?}");
        assert!(lines.iter().any(|l| l.contains("file:///")), "{lines:?}");
        let go = format!(
            "open it in Go's trace viewer: go tool trace {}",
            dir.join("trace.gotrace").display()
        );
        assert_eq!(lines.last(), Some(&go), "{lines:?}");
        // The next run's preparation clears them all.
        prepare_dir(&dir).unwrap();
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
        let e = collect(&dir).unwrap_err();
        assert!(matches!(e, TraceError::Io { .. }), "{e}");
        std::fs::write(dump_path(&dir), b"").unwrap();
        let e = collect(&dir).unwrap_err().to_string();
        assert!(e.ends_with("the trace dump is empty: the kernel did not reach its dump, which it writes when the workload ends"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
