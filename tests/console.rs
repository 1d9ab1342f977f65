//! The console workload driven by piped scripts: the netpoller delivers
//! COM1's input to a G parked on it, on one core and on four, on QEMU's
//! `pc` and `q35` machines (and UEFI when OVMF is installed).
//!
//! Design note: the runner writes a script to QEMU's stdin once the kernel
//! says it reads (`netpoll: COM1 input on`, boot/input.rs), exactly as it
//! forwards `echo '...' | cargo run -- --workload console`. Each test reads
//! the shell's answers from the serial log; the flood test sends 1 MiB of
//! pseudo-random bytes and compares the kernel's FNV-1a checksum with the
//! one computed here, so a lost, doubled or reordered byte fails it.

mod common;

use common::{boot, check, expect_line, line_with};
use gmp_metal::{Input, Outcome, Run, Verdict};

/// Boot the console on `smp` cores with `script` as its input.
fn console(base: Run, smp: &str, script: &[u8]) -> Outcome {
    let run = base
        .smp(smp)
        .boot_opt("workload=console")
        .input(Input::Bytes(script.to_vec()));
    let o = boot(run);
    check(
        &o,
        o.verdict == Verdict::Success && line_with(&o, "workload console: ok").is_some(),
        format!("the console on -smp {smp} did not end with `workload console: ok`"),
    );
    o
}

fn q35() -> Run {
    Run::new().qemu_args(["-machine", "q35"])
}

const SCRIPT: &[u8] = b"help\ngo 100 spin; sched\ngo 20 sleep 5; go 8 chan; go 10 yield\nps\nsched detail\nprocs 2; sched\nprocs 0\npreempt coop\npreempt async\nnetpoll\nexit\n";

/// What every run of [`SCRIPT`] must answer.
fn script_answers(o: &Outcome, procs: u32) {
    expect_line(o, &["netpoll: COM1 input on (ISA IRQ 4 -> GSI"]);
    expect_line(o, &["go N [spin|yield|sleep MS|chan]"]);
    expect_line(o, &["go: started 100 (100 by this console so far)"]);
    expect_line(o, &["go: started 10 (138 by this console so far)"]);
    expect_line(o, &["SCHED ", &format!("gomaxprocs={procs}")]);
    // ps: the header, the console's own G (created by the runtime's main
    // G) and Gs it created.
    expect_line(o, &["G  status", "wait reason", "created by"]);
    expect_line(o, &["      1  running", "runtime"]);
    expect_line(o, &["... and ", "more Gs"]);
    expect_line(o, &["P0: status="]);
    expect_line(
        o,
        &[&format!("procs: GOMAXPROCS {procs} -> {}", procs.min(2))],
    );
    expect_line(o, &[&format!("gomaxprocs={}", procs.min(2)), "SCHED "]);
    expect_line(o, &["console: procs 0: GOMAXPROCS is at least 1"]);
    expect_line(o, &["preempt: now coop"]);
    expect_line(o, &["preempt: now async"]);
    expect_line(o, &["console: bye"]);
    // The summary's netpoll line: every byte of the script came in, and
    // through COM1's interrupt. (Whether the shell ever parked depends on
    // timing: the whole script may be in before it reads again.)
    expect_line(
        o,
        &[
            "  netpoll: ",
            &format!("; input {} bytes, 0 FIFO overruns", SCRIPT.len()),
        ],
    );
    check(
        o,
        number_after(o, "COM1 interrupts ") > 0,
        "no COM1 interrupt was counted",
    );
}

/// The number right after `before` in the last line containing it.
fn number_after(o: &Outcome, before: &str) -> u64 {
    let line = o
        .lines()
        .filter(|l| l.contains(before))
        .last()
        .unwrap_or_default();
    let rest = line.split_once(before).map_or("", |(_, r)| r);
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    digits.parse().unwrap_or(0)
}

#[test]
fn a_script_on_one_core_of_a_pc() {
    let o = console(Run::new(), "1", SCRIPT);
    script_answers(&o, 1);
}

#[test]
fn a_script_on_four_cores_of_a_q35() {
    let o = console(q35(), "4", SCRIPT);
    script_answers(&o, 4);
}

#[test]
fn a_script_on_four_cores_of_a_pc_and_one_of_a_q35() {
    let o = console(Run::new(), "4", SCRIPT);
    script_answers(&o, 4);
    let o = console(q35(), "1", SCRIPT);
    script_answers(&o, 1);
}

#[test]
fn a_script_under_uefi() {
    if gmp_metal::Ovmf::find().is_err() {
        common::skip_or_fail("OVMF (UEFI firmware) not found");
        return;
    }
    let o = console(Run::new().uefi(true), "2", SCRIPT);
    script_answers(&o, 2);
}

/// FNV-1a, 64 bits, as the console's `sum` computes it.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// `n` pseudo-random bytes (xorshift64), every byte value included.
fn noise(n: usize, mut s: u64) -> Vec<u8> {
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 24) as u8
        })
        .collect()
}

fn flood(base: Run, smp: &str) {
    const N: usize = 1 << 20;
    let data = noise(N, 0x9e37_79b9_7f4a_7c15);
    let mut script = format!("sum {N}\n").into_bytes();
    script.extend_from_slice(&data);
    script.extend_from_slice(b"netpoll\nexit\n");
    let o = console(base, smp, &script);
    expect_line(
        &o,
        &[&format!(
            "sum: {N} bytes, fnv1a64 {:016x}, in ",
            fnv1a(&data)
        )],
    );
    // Input counted byte for byte, overruns reported (QEMU's UART holds
    // input back rather than overrun, so there are none to see here).
    expect_line(&o, &["  netpoll: ", " FIFO overruns"]);
    let bytes = number_after(&o, "; input ");
    check(
        &o,
        bytes == script.len() as u64,
        format!(
            "the kernel counted {bytes} input bytes, {} were sent",
            script.len()
        ),
    );
}

#[test]
fn a_1mib_flood_arrives_byte_for_byte_on_a_pc() {
    flood(Run::new(), "2");
}

#[test]
fn a_1mib_flood_arrives_byte_for_byte_on_a_q35() {
    flood(q35(), "1");
}

fn bad_input(base: Run, smp: &str) {
    let mut script = Vec::new();
    script.extend_from_slice(b"\n");
    script.extend_from_slice(b"frobnicate 3\n");
    script.extend_from_slice(&vec![b'x'; 10 * 1024]);
    script.extend_from_slice(b"\n");
    // Binary garbage (no line ends, no Ctrl-D, no backspace in it).
    script.extend(
        noise(300, 7)
            .into_iter()
            .filter(|&b| b >= 0x80 || matches!(b, 0x01 | 0x02 | 0x1b | 0x00)),
    );
    script.extend_from_slice(b"\n");
    script.extend_from_slice(b"go 99999999999\n");
    script.extend_from_slice(b"go 18446744073709551616\n");
    script.extend_from_slice(b"go three\n");
    script.extend_from_slice(b"preempt sometimes\n");
    script.extend_from_slice(b"sched\nexit\n");
    let o = console(base, smp, &script);
    expect_line(&o, &["console: empty line (type `help` for the commands)"]);
    expect_line(&o, &["console: unknown command `frobnicate` (type `help`)"]);
    expect_line(
        &o,
        &["console: ignored a line of 10240 bytes: a command line holds at most 256"],
    );
    expect_line(
        &o,
        &["console: ignored a line with ", "bytes that are not text"],
    );
    expect_line(
        &o,
        &["console: go 99999999999: not enough memory for that many Gs (room for about"],
    );
    expect_line(
        &o,
        &["console: N must be a whole number, not `18446744073709551616`"],
    );
    expect_line(&o, &["console: N must be a whole number, not `three`"]);
    expect_line(
        &o,
        &["console: unknown preemption mode `sometimes` (one of: async, coop, off)"],
    );
    // The shell went on after all of it.
    expect_line(&o, &["SCHED "]);
    expect_line(&o, &["console: bye"]);
}

#[test]
fn bad_input_gets_one_line_each_on_a_pc() {
    bad_input(Run::new(), "1");
}

#[test]
fn bad_input_gets_one_line_each_on_a_q35() {
    bad_input(q35(), "4");
}

/// `printf ... | gmp-metal --workload console --trace=DIR`: the binary
/// forwards its piped stdin once the kernel reads, and the trace records
/// the G the netpoller readied (`NetpollReady`, then its `GoUnblock`).
#[test]
fn piped_stdin_through_the_binary_and_netpoll_readies_in_the_trace() {
    use std::io::Write;
    use std::process::{Command, Stdio};

    use gmp_metal::trace::dump::Dump;
    use gmp_sched::trace::Event;

    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("console-trace");
    let _ = std::fs::remove_dir_all(&dir);
    // 64 KiB for `sum`: the shell drains its 4 KiB ring faster than
    // QEMU's 16-byte FIFO refills it, so it parks and is readied.
    let data = noise(64 * 1024, 3);
    let mut script = format!("sum {}\n", data.len()).into_bytes();
    script.extend_from_slice(&data);
    script.extend_from_slice(b"trace stop\ntrace start\nexit\n");
    let _slot = common::qemu_slot();
    let mut child = Command::new(env!("CARGO_BIN_EXE_gmp-metal"))
        .args(["--smp", "2", "--workload", "console"])
        .arg(format!("--trace={}", dir.display()))
        .arg(format!("--timeout={}", common::boot_timeout().as_secs()))
        .env_remove("GMP_QEMU")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the gmp-metal binary runs");
    let mut stdin = child.stdin.take().expect("piped stdin");
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&script);
    });
    let out = child.wait_with_output().expect("the run ends");
    let _ = writer.join();
    let serial = String::from_utf8_lossy(&out.stdout);
    let tail: Vec<&str> = serial.lines().rev().take(40).collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    let story = format!(
        "status {:?}\nstderr: {}\nserial tail:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr),
        tail.join("\n")
    );
    assert!(out.status.success(), "the run failed: {story}");
    let want = format!("sum: {} bytes, fnv1a64 {:016x}", data.len(), fnv1a(&data));
    assert!(serial.contains(&want), "no `{want}`: {story}");
    assert!(
        serial.contains("trace: paused"),
        "no `trace: paused`: {story}"
    );
    assert!(
        serial.contains("trace: recording"),
        "no `trace: recording`: {story}"
    );
    let bytes = std::fs::read(dir.join("trace.bin")).expect("the trace dump exists");
    let events = Dump::parse(&bytes).expect("the dump parses").events();
    let readied: Vec<u64> = events
        .iter()
        .filter_map(|e| match *e {
            Event::NetpollReady { goid, .. } => Some(goid),
            _ => None,
        })
        .collect();
    assert!(
        !readied.is_empty(),
        "no NetpollReady event in {} events: {story}",
        events.len()
    );
    assert!(
        readied.iter().all(|&g| g == 1),
        "the netpoller readied {readied:?}, but only the console's G1 reads"
    );
    let html = std::fs::read_to_string(dir.join("trace.html")).expect("trace.html exists");
    assert!(
        html.contains("netpoll: input readies G"),
        "the HTML page has no netpoll event text"
    );
}

/// A pseudo-terminal: the master side (the "user") and its settings.
struct Terminal {
    master: std::fs::File,
    /// The settings before the runner started.
    before: (libc::tcflag_t, libc::tcflag_t, libc::tcflag_t),
    seen: std::sync::Arc<std::sync::Mutex<String>>,
}

/// `termios` flags as (input, output, local) for comparing.
fn settings(fd: i32) -> (libc::tcflag_t, libc::tcflag_t, libc::tcflag_t) {
    // SAFETY: termios is plain data; tcgetattr fills it.
    let mut t: libc::termios = unsafe { std::mem::zeroed() };
    // SAFETY: `fd` is our terminal's descriptor.
    assert_eq!(unsafe { libc::tcgetattr(fd, &mut t) }, 0);
    (t.c_iflag, t.c_oflag, t.c_lflag)
}

impl Terminal {
    fn fd(&self) -> i32 {
        use std::os::fd::AsRawFd;
        self.master.as_raw_fd()
    }

    /// Wait until the terminal has shown `what`.
    fn wait_for(&self, what: &str, secs: u64) {
        let t = std::time::Instant::now();
        while !self.seen.lock().unwrap().contains(what) {
            assert!(
                t.elapsed() < std::time::Duration::from_secs(secs),
                "no `{what}` on the terminal; it showed:\n{}",
                self.seen.lock().unwrap()
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}

/// The runner with `args`, started on a new pseudo-terminal that is its
/// controlling terminal (so Ctrl-C on it is a SIGINT to the runner and
/// QEMU, as in a shell).
fn on_terminal(args: &[String]) -> (std::process::Child, Terminal) {
    use std::io::Read;
    use std::os::fd::{FromRawFd, OwnedFd};
    use std::os::unix::process::CommandExt;
    use std::process::{Command, Stdio};

    let (master, slave) = {
        let (mut m, mut s) = (0, 0);
        // SAFETY: openpty fills two descriptors, which we then own.
        let rc = unsafe {
            libc::openpty(
                &mut m,
                &mut s,
                std::ptr::null_mut(),
                std::ptr::null(),
                std::ptr::null(),
            )
        };
        assert_eq!(rc, 0, "openpty failed");
        // SAFETY: both descriptors are fresh from openpty and owned here.
        unsafe { (std::fs::File::from_raw_fd(m), OwnedFd::from_raw_fd(s)) }
    };
    let before = {
        use std::os::fd::AsRawFd;
        settings(master.as_raw_fd())
    };
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_gmp-metal"));
    cmd.args(args)
        .env_remove("GMP_QEMU")
        .stdin(Stdio::from(slave.try_clone().unwrap()))
        .stdout(Stdio::from(slave.try_clone().unwrap()))
        .stderr(Stdio::from(slave));
    // SAFETY: between fork and exec only async-signal-safe calls: a new
    // session, then the terminal on stdin as its controlling terminal.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY as _, 0) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let child = cmd.spawn().expect("the gmp-metal binary runs");
    let seen = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    {
        let (seen, mut master) = (seen.clone(), master.try_clone().unwrap());
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = master.read(&mut buf) {
                if n == 0 {
                    break;
                }
                seen.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
    }
    (
        child,
        Terminal {
            master,
            before,
            seen,
        },
    )
}

/// The console on a terminal: QEMU gets it in raw mode (no echo, no line
/// editing), a typed `sched` and Enter (`\r`) is answered, Ctrl-C ends the
/// run, and the terminal's settings afterwards are the ones from before.
#[test]
fn typing_on_a_terminal_and_ctrl_c_restore_the_terminal() {
    use std::io::Write;
    let _slot = common::qemu_slot();
    let args: Vec<String> = vec![
        "--smp".into(),
        "2".into(),
        "--workload".into(),
        "console".into(),
        format!("--timeout={}", common::boot_timeout().as_secs()),
    ];
    let (mut child, mut term) = on_terminal(&args);
    term.wait_for("netpoll: COM1 input on", 240);
    let raw = settings(term.fd());
    assert_eq!(
        raw.2 & (libc::ICANON | libc::ECHO),
        0,
        "QEMU did not put the terminal in raw mode"
    );
    for b in b"sched\r" {
        term.master.write_all(&[*b]).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    term.wait_for("SCHED ", 60);
    term.master.write_all(b"\x03").unwrap();
    let status = child.wait().expect("the runner ends");
    term.wait_for("runner: interrupted (Ctrl-C)", 10);
    assert_eq!(
        status.code(),
        Some(gmp_metal::exit::QEMU_OTHER),
        "exit status after Ctrl-C"
    );
    assert_eq!(
        settings(term.fd()),
        term.before,
        "the terminal's settings were not restored"
    );
}

/// QEMU killed at the timeout cannot put the terminal back itself (it is
/// killed with SIGKILL: here its CPU is held stopped with `-S`, so the
/// kernel cannot answer the runner's NMI and end QEMU cleanly); the
/// runner must restore the settings it saved.
#[test]
fn a_run_killed_at_the_timeout_restores_the_terminal() {
    let _slot = common::qemu_slot();
    let args: Vec<String> = [
        "--smp",
        "1",
        "--workload",
        "console",
        "--timeout=8",
        "--",
        "-S",
    ]
    .map(String::from)
    .to_vec();
    let (mut child, term) = on_terminal(&args);
    let status = child.wait().expect("the runner ends");
    assert_eq!(
        status.code(),
        Some(gmp_metal::exit::TIMEOUT),
        "exit status at the timeout; the terminal showed:\n{}",
        term.seen.lock().unwrap()
    );
    assert_eq!(
        settings(term.fd()),
        term.before,
        "the terminal's settings were not restored after QEMU was killed"
    );
}

/// `metrics`: Go's runtime/metrics names with the values of the moment
/// (docs/METRICS.md); the latency histogram only when the run keeps it
/// (`metrics=on`, which also prints the METRIC lines at the end).
#[test]
fn metrics_prints_gos_names_with_live_values() {
    let o = console(Run::new(), "2", b"metrics\ngo 10 sleep 5\nmetrics\nexit\n");
    expect_line(&o, &["/sched/gomaxprocs:threads = 2"]);
    expect_line(&o, &["/sched/threads/total:threads = 2"]);
    expect_line(&o, &["/sched/pauses/total/other:seconds = 0 samples"]);
    expect_line(&o, &["/sync/mutex/wait/total:seconds = "]);
    expect_line(
        &o,
        &["(/sched/latencies:seconds is kept only when the run was booted with metrics=on"],
    );
    // The last reading counts the console's own G and its ten sleepers,
    // which sleep in a loop and never exit.
    let live = number_after(&o, "/sched/goroutines:goroutines = ");
    check(
        &o,
        live >= 11,
        format!("{live} live Gs after `go 10 sleep 5`"),
    );
    let created = number_after(&o, "/sched/goroutines-created:goroutines = ");
    check(&o, created >= 11, format!("{created} Gs created"));
    check(
        &o,
        line_with(&o, "METRIC ").is_none(),
        "METRIC lines without metrics=on",
    );

    let o = console(
        Run::new().boot_opt("metrics=on"),
        "2",
        b"go 10 yield\nprocs 1\nmetrics\nexit\n",
    );
    expect_line(
        &o,
        &[
            "/sched/latencies:seconds = ",
            " samples; p50 < ",
            ", p99 < ",
        ],
    );
    expect_line(&o, &["/sched/gomaxprocs:threads = 1"]);
    expect_line(
        &o,
        &["/sched/pauses/total/other:seconds = 1 samples; p50 < "],
    );
    expect_line(&o, &["METRIC /sched/gomaxprocs:threads 1"]);
}
