//! tokio's counterparts of gmp-metal's in-kernel benchmarks, each on a
//! current-thread runtime: tokio's one-thread scheduler is the fair
//! opponent of one P (GOMAXPROCS=1, `procs=1`), with no work stealing and
//! no cross-thread wake-ups in the figure. Only the `rt` and `sync`
//! features: no I/O or timer driver, so the runtime never polls epoll.
//!
//! - `yield-pingpong N`: two tasks calling `task::yield_now` in turn; N
//!   yields in all (as Go's `runtime.Gosched` ping-pong).
//! - `chan-handoff N`: N values through an `mpsc` channel of capacity 1
//!   from one task to another, so every value waits for the receiver: N
//!   one-way hand-offs (as the unbuffered channel ping-pong).
//! - `spawn N`: `tokio::spawn` of an empty task, then awaiting its
//!   `JoinHandle`, N times one after another (as `go f()` + `WaitGroup`).
//! - `mem-parked N`: N tasks each awaiting a `oneshot` receiver; the
//!   growth of the resident set per task (as parked goroutines).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use gmp_compare_rust::{args, report, report_mem, rss_bytes};
use tokio::runtime::{Builder, Runtime};
use tokio::sync::{mpsc, oneshot};
use tokio::task;

const OPS: &[&str] = &["yield-pingpong", "chan-handoff", "spawn", "mem-parked"];

fn main() {
    let (op, n) = args("tokio-bench", OPS);
    let rt = runtime();
    match op.as_str() {
        "yield-pingpong" => report(&op, n, rt.block_on(yield_pingpong(n))),
        "chan-handoff" => report(&op, n, rt.block_on(chan_handoff(n))),
        "spawn" => report(&op, n, rt.block_on(spawn(n))),
        "mem-parked" => rt.block_on(mem_parked(n)),
        _ => unreachable!("args() accepts only OPS"),
    }
}

/// The current-thread runtime, with no drivers.
fn runtime() -> Runtime {
    Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime needs no resources that can fail")
}

async fn yield_pingpong(n: u64) -> std::time::Duration {
    let per = n / 2;
    let start = Instant::now();
    let side = || {
        task::spawn(async move {
            for _ in 0..per {
                task::yield_now().await;
            }
        })
    };
    let (a, b) = (side(), side());
    a.await.expect("the task does not panic");
    b.await.expect("the task does not panic");
    start.elapsed()
}

async fn chan_handoff(n: u64) -> std::time::Duration {
    let (tx, mut rx) = mpsc::channel::<u64>(1);
    let start = Instant::now();
    let receiver = task::spawn(async move {
        let mut sum = 0u64;
        while let Some(v) = rx.recv().await {
            sum = sum.wrapping_add(v);
        }
        sum
    });
    let sender = task::spawn(async move {
        for i in 0..n {
            tx.send(i).await.expect("the receiver outlives the sender");
        }
    });
    sender.await.expect("the task does not panic");
    let sum = receiver.await.expect("the task does not panic");
    let d = start.elapsed();
    assert_eq!(sum, (0..n).fold(0u64, u64::wrapping_add), "values lost");
    d
}

async fn spawn(n: u64) -> std::time::Duration {
    let start = Instant::now();
    for _ in 0..n {
        task::spawn(async {})
            .await
            .expect("the task does not panic");
    }
    start.elapsed()
}

/// Tasks that have started and are about to park.
static STARTED: AtomicU64 = AtomicU64::new(0);

async fn mem_parked(n: u64) {
    // The senders are part of what a parked task costs: without one, no
    // one could wake it.
    let mut senders = Vec::with_capacity(n as usize);
    let before = rss_bytes();
    for _ in 0..n {
        let (tx, rx) = oneshot::channel::<()>();
        senders.push(tx);
        task::spawn(async move {
            STARTED.fetch_add(1, Ordering::Relaxed);
            let _ = rx.await;
        });
    }
    // Let every task run up to its await.
    while STARTED.load(Ordering::Relaxed) < n {
        task::yield_now().await;
    }
    let after = rss_bytes();
    report_mem("mem-parked", n, before, after);
    drop(senders);
}
