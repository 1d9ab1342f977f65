//! An interactive shell on the serial console: type to the running
//! scheduler. The shell is one G that blocks in the netpoller between
//! keystrokes (`read_byte`), so an idle machine halts until a key arrives.
//!
//! Commands (`help` lists them; several on one line with `;`):
//! `go N [spin|yield|sleep MS|chan]`, `ps`, `sched`, `sched detail`,
//! `procs N`, `preempt async|coop|off`, `trace start|stop`, `netpoll`,
//! `metrics` (Go's runtime/metrics of the scheduler, read now),
//! `sum N` (read N raw bytes and print their checksum: the flood test),
//! `exit` or `kill` (end the run, status 0). Bad input — an unknown
//! command, an empty line, a line longer than 256 bytes, bytes that are
//! not text, a count beyond memory — gets one line saying so, and the
//! shell goes on.

use core::sync::atomic::{AtomicU64, Ordering};

use crate::prelude::*;

/// The longest command line kept; the rest of a longer line is dropped.
const MAX_LINE: usize = 256;
/// The most Gs one `go` may ask for, memory permitting.
const MAX_GO: u64 = 1_000_000;
/// The most Gs `ps` lists one by one.
const PS_ROWS: usize = 40;

/// Gs the shell started, for its own lines.
static SPAWNED: AtomicU64 = AtomicU64::new(0);

pub fn run() -> Verdict {
    input_open();
    kprintln!("console: type `help` for the commands; `exit` ends the run");
    loop {
        kprint!("> ");
        let line = match edit_line() {
            Input::Line(l) => l,
            Input::End => return Ok(()),
            Input::Bad(why) => {
                kprintln!("console: {why}");
                continue;
            }
        };
        if line.trim().is_empty() {
            kprintln!("console: empty line (type `help` for the commands)");
            continue;
        }
        for cmd in line.split(';').map(str::trim).filter(|c| !c.is_empty()) {
            if let Flow::Exit = command(cmd) {
                kprintln!("console: bye");
                return Ok(());
            }
        }
    }
}

enum Input {
    Line(String),
    /// Ctrl-D on an empty line.
    End,
    Bad(String),
}

/// Read one line, echoing it as it is typed (a terminal in raw mode does
/// not echo): printable ASCII is kept, backspace erases, Enter (`\r` or
/// `\n`; `\r\n` counts once) ends it.
fn edit_line() -> Input {
    let mut line = String::new();
    let (mut dropped, mut binary) = (0usize, 0usize);
    let mut after_cr = false;
    loop {
        let b = read_byte();
        let was_cr = core::mem::replace(&mut after_cr, b == b'\r');
        match b {
            b'\n' if was_cr => {}
            b'\r' | b'\n' => break,
            0x04 if line.is_empty() => {
                kprintln!("exit");
                return Input::End;
            }
            0x08 | 0x7f => {
                if line.pop().is_some() {
                    kprint!("\x08 \x08");
                }
            }
            0x20..=0x7e if line.len() < MAX_LINE => {
                line.push(b as char);
                kprint!("{}", b as char);
            }
            0x20..=0x7e | b'\t' => dropped += 1,
            _ => binary += 1,
        }
    }
    kprintln!();
    if binary > 0 {
        return Input::Bad(format!(
            "ignored a line with {binary} bytes that are not text (only printable ASCII is understood)"
        ));
    }
    if dropped > 0 {
        return Input::Bad(format!(
            "ignored a line of {} bytes: a command line holds at most {MAX_LINE}",
            line.len() + dropped
        ));
    }
    Input::Line(line)
}

/// Gs listed by `dump`; the rest are counted.
const DUMP_LIMIT: usize = 200;

enum Flow {
    Go,
    Exit,
}

fn command(cmd: &str) -> Flow {
    let words: Vec<&str> = cmd.split_whitespace().collect();
    let result = match words.as_slice() {
        ["help"] => {
            help();
            Ok(())
        }
        ["exit"] | ["kill"] | ["quit"] => return Flow::Exit,
        ["go", rest @ ..] => go_cmd(rest),
        ["ps"] => {
            ps();
            Ok(())
        }
        ["dump"] => {
            let n = goroutine_dump(DUMP_LIMIT);
            kprintln!("dump: {n} goroutines");
            Ok(())
        }
        ["sched"] => {
            kprint!("{}", schedtrace_now(false));
            Ok(())
        }
        ["sched", "detail"] => {
            kprint!("{}", schedtrace_now(true));
            Ok(())
        }
        ["procs", n] => procs(n),
        ["preempt", mode] => set_preempt(mode).map(|m| kprintln!("preempt: now {m}")),
        ["policy"] => {
            kprintln!("policy: {} (docs/POLICIES.md)", policy_name());
            Ok(())
        }
        ["policy", name] => set_policy(name).map(|old| {
            kprintln!("policy: now {name} (was {old}; the world was stopped for the change)")
        }),
        ["trace", "start"] => trace_recording(true)
            .map(|()| kprintln!("trace: recording"))
            .map_err(String::from),
        ["trace", "stop"] => trace_recording(false)
            .map(|()| kprintln!("trace: paused (the files are written when the run ends)"))
            .map_err(String::from),
        ["netpoll"] => {
            kprint!("{}", netpoll_report());
            Ok(())
        }
        ["metrics"] => {
            kprint!("{}", metrics_report());
            Ok(())
        }
        ["sum", n] => sum(n),
        [name, ..] if is_command(name) => Err(format!(
            "`{cmd}`: wrong arguments (type `help` for how `{name}` is used)"
        )),
        [name, ..] => Err(format!("unknown command `{name}` (type `help`)")),
        [] => Ok(()),
    };
    if let Err(why) = result {
        kprintln!("console: {why}");
    }
    Flow::Go
}

const HELP: &[(&str, &str)] = &[
    ("help", "this list"),
    (
        "go N [spin|yield|sleep MS|chan]",
        "start N Gs that spin, yield, sleep MS ms in a loop, or pass a token round a ring of channels (default spin)",
    ),
    (
        "ps",
        "list the Gs: id, status, wait reason, M/P, created by",
    ),
    (
        "dump",
        "every G's stack, as Go's traceback prints it (stops the world)",
    ),
    ("sched", "Go's schedtrace line"),
    ("sched detail", "schedtrace with every P, M and G"),
    (
        "procs N",
        "change GOMAXPROCS (stops the world; at most the core count)",
    ),
    ("preempt async|coop|off", "change the preemption mode"),
    (
        "policy [NAME]",
        "show or change the scheduling policy (stops the world; names: docs/POLICIES.md)",
    ),
    (
        "trace start|stop",
        "resume or pause the trace (needs --trace; files written at the end)",
    ),
    (
        "netpoll",
        "the netpoller's counters and interrupt-to-G latency",
    ),
    (
        "metrics",
        "Go's runtime/metrics of the scheduler (/sched/...), as --metrics writes them",
    ),
    (
        "sum N",
        "read N raw bytes and print their count and checksum",
    ),
    ("exit, kill", "end the run (status 0)"),
];

fn is_command(name: &str) -> bool {
    HELP.iter()
        .any(|(c, _)| c.split([' ', ',']).next() == Some(name))
        || name == "kill"
}

fn help() {
    kprintln!("commands (several on one line: separate them with `;`):");
    for (c, what) in HELP {
        kprintln!("  {c:<32} {what}");
    }
}

fn number(s: &str, what: &str) -> Result<u64, String> {
    s.parse::<u64>()
        .map_err(|_| format!("{what} must be a whole number, not `{s}`"))
}

fn go_cmd(args: &[&str]) -> Result<(), String> {
    let (n, kind) = match args {
        [n] => (number(n, "N")?, Kind::Spin),
        [n, "spin"] => (number(n, "N")?, Kind::Spin),
        [n, "yield"] => (number(n, "N")?, Kind::Yield),
        [n, "chan"] => (number(n, "N")?, Kind::Chan),
        [n, "sleep", ms] => (number(n, "N")?, Kind::Sleep(number(ms, "MS")?)),
        _ => return Err(String::from("usage: go N [spin|yield|sleep MS|chan]")),
    };
    let room = spawn_room();
    if n > MAX_GO.min(room) {
        return Err(format!(
            "go {n}: not enough memory for that many Gs (room for about {} more now)",
            MAX_GO.min(room)
        ));
    }
    spawn(n, kind);
    let total = SPAWNED.fetch_add(n, Ordering::Relaxed) + n;
    kprintln!("go: started {n} ({total} by this console so far)");
    Ok(())
}

#[derive(Clone, Copy)]
enum Kind {
    Spin,
    Yield,
    Sleep(u64),
    Chan,
}

fn spawn(n: u64, kind: Kind) {
    match kind {
        Kind::Spin => (0..n).for_each(|_| {
            go(|| {
                loop {
                    core::hint::spin_loop();
                }
            })
        }),
        Kind::Yield => (0..n).for_each(|_| {
            go(|| {
                loop {
                    gosched();
                }
            })
        }),
        Kind::Sleep(ms) => (0..n).for_each(|_| {
            go(move || {
                loop {
                    sleep(ms.max(1) * MS);
                }
            })
        }),
        Kind::Chan => {
            if n == 0 {
                return;
            }
            // A ring: G i receives on link i and sends on link i+1; one
            // token goes round forever.
            let links: Vec<Chan<u64>> = (0..n).map(|_| Chan::new(1)).collect();
            links[0].send(0);
            for i in 0..n as usize {
                let (rx, tx) = (links[i].clone(), links[(i + 1) % n as usize].clone());
                go(move || {
                    while let Some(t) = rx.recv() {
                        tx.send(t + 1);
                    }
                })
            }
        }
    }
}

fn ps() {
    let gs = goroutines();
    kprintln!(
        "{:>7}  {:<9} {:<14} {:>5} {:>5}  created by",
        "G",
        "status",
        "wait reason",
        "M",
        "P"
    );
    let opt = |v: Option<u32>| v.map_or(String::from("-"), |v| v.to_string());
    for g in gs.iter().take(PS_ROWS) {
        kprintln!(
            "{:>7}  {:<9} {:<14} {:>5} {:>5}  {}",
            g.goid,
            g.status,
            if g.waitreason.is_empty() {
                "-"
            } else {
                &g.waitreason
            },
            opt(g.m),
            opt(g.p),
            match g.parent {
                0 => String::from("runtime"),
                p => format!("G{p}"),
            }
        );
    }
    if gs.len() > PS_ROWS {
        kprintln!(
            "... and {} more Gs ({} in all)",
            gs.len() - PS_ROWS,
            gs.len()
        );
    }
}

/// `procs N`: Go's `runtime.GOMAXPROCS(N)` (a stop-the-world resize; N
/// past the core count is clamped, and the runtime says so).
fn procs(n: &str) -> Result<(), String> {
    let n = number(n, "N")?;
    if n == 0 {
        return Err(String::from("procs 0: GOMAXPROCS is at least 1"));
    }
    let old = gomaxprocs(u32::try_from(n).unwrap_or(u32::MAX));
    kprintln!("procs: GOMAXPROCS {old} -> {}", gomaxprocs(0));
    Ok(())
}

/// FNV-1a, 64 bits: what `sum` prints and the flood test recomputes.
fn fnv1a(h: u64, bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(h, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

fn sum(n: &str) -> Result<(), String> {
    let n = number(n, "N")?;
    let (mut got, mut h) = (0u64, 0xcbf2_9ce4_8422_2325u64);
    let mut buf = [0u8; 512];
    let t0 = nanotime();
    while got < n {
        let want = (n - got).min(buf.len() as u64) as usize;
        let k = read(&mut buf[..want]);
        h = fnv1a(h, &buf[..k]);
        got += k as u64;
    }
    let ms = (nanotime() - t0) / MS;
    kprintln!("sum: {got} bytes, fnv1a64 {h:016x}, in {ms} ms");
    Ok(())
}
