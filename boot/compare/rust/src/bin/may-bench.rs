//! may's counterparts of gmp-metal's in-kernel benchmarks: stackful
//! coroutines on one worker thread (`set_workers(1)`, as GOMAXPROCS=1 and
//! `procs=1`), each operation run inside a coroutine so that every wait is
//! a coroutine park on that worker, never an OS thread's.
//!
//! - `yield-pingpong N`: two coroutines calling `coroutine::yield_now` in
//!   turn; N yields in all (as Go's `runtime.Gosched` ping-pong).
//! - `chan-pingpong N`: a token back and forth over two `sync::mpsc`
//!   channels (may's channels are unbounded, so a one-way stream would not
//!   wait; the ping-pong makes every message wake a parked receiver): N
//!   one-way hand-offs (as the unbuffered channel ping-pong).
//! - `spawn N`: spawn an empty coroutine and join it, N times one after
//!   another (as `go f()` + `WaitGroup`).
//! - `mem-parked N`: N coroutines each parked in `recv` on a channel of its
//!   own; the growth of the resident set per coroutine (as parked
//!   goroutines). Each coroutine stack is a mapping of its own with a guard
//!   page, two of the kernel's `vm.max_map_count` (65530 by default) each,
//!   so N stays well below 32,000.

use std::time::{Duration, Instant};

use gmp_compare_rust::{args, report, report_mem, rss_bytes};
use may::coroutine;
use may::sync::mpsc;

const OPS: &[&str] = &["yield-pingpong", "chan-pingpong", "spawn", "mem-parked"];

fn main() {
    let (op, n) = args("may-bench", OPS);
    may::config().set_workers(1);
    match op.as_str() {
        "yield-pingpong" => report(&op, n, in_coroutine(move || yield_pingpong(n))),
        "chan-pingpong" => report(&op, n, in_coroutine(move || chan_pingpong(n))),
        "spawn" => report(&op, n, in_coroutine(move || spawn_join(n))),
        "mem-parked" => mem_parked(n),
        _ => unreachable!("args() accepts only OPS"),
    }
}

/// Spawns `f` as a coroutine on the one worker.
fn go<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> coroutine::JoinHandle<T> {
    // SAFETY: may's two conditions for a coroutine: it must not use
    // thread-local storage, which a coroutine moved between workers would
    // see change (every closure here touches none, and with one worker
    // nothing moves), and it must fit its stack (the default 32 KiB; these
    // closures are loops over a few locals and channel calls).
    unsafe { coroutine::spawn(f) }
}

/// Runs `f` in a coroutine and waits for it from this thread.
fn in_coroutine<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    go(f).join().expect("the coroutine does not panic")
}

fn yield_pingpong(n: u64) -> Duration {
    let per = n / 2;
    let start = Instant::now();
    let side = || {
        go(move || {
            for _ in 0..per {
                coroutine::yield_now();
            }
        })
    };
    let (a, b) = (side(), side());
    a.join().expect("the coroutine does not panic");
    b.join().expect("the coroutine does not panic");
    start.elapsed()
}

fn chan_pingpong(n: u64) -> Duration {
    let per = n / 2;
    let (ping_tx, ping_rx) = mpsc::channel::<u64>();
    let (pong_tx, pong_rx) = mpsc::channel::<u64>();
    let start = Instant::now();
    let echo = go(move || {
        for _ in 0..per {
            let v = ping_rx.recv().expect("the sender outlives the echo");
            pong_tx.send(v).expect("the receiver outlives the echo");
        }
    });
    for j in 0..per {
        ping_tx.send(j).expect("the echo is running");
        let back = pong_rx.recv().expect("the echo is running");
        assert_eq!(back, j, "the token came back changed");
    }
    echo.join().expect("the coroutine does not panic");
    start.elapsed()
}

fn spawn_join(n: u64) -> Duration {
    let start = Instant::now();
    for _ in 0..n {
        go(|| {}).join().expect("the coroutine does not panic");
    }
    start.elapsed()
}

fn mem_parked(n: u64) {
    // Start the scheduler and its worker first: their memory is not a
    // parked coroutine's.
    in_coroutine(|| {});
    // The senders are part of what a parked coroutine costs: without one,
    // no one could wake it.
    let mut senders = Vec::with_capacity(n as usize);
    let before = rss_bytes();
    let senders = in_coroutine(move || {
        // Each coroutine says it has started on this channel. (Not a
        // yield loop: may puts new coroutines on a global queue that its
        // worker reads only when the local queue is empty, so a coroutine
        // yielding until the others start would keep them from starting.)
        let (started_tx, started_rx) = mpsc::channel::<()>();
        for _ in 0..n {
            let (tx, rx) = mpsc::channel::<()>();
            senders.push(tx);
            let started = started_tx.clone();
            // The handle is dropped: a parked coroutine needs none.
            go(move || {
                started.send(()).expect("the spawner waits for every start");
                drop(started);
                let _ = rx.recv();
            });
        }
        for _ in 0..n {
            started_rx.recv().expect("every coroutine starts");
        }
        senders
    });
    let after = rss_bytes();
    report_mem("mem-parked", n, before, after);
    drop(senders);
}
