//! tokio's counterparts of gmp-metal's in-kernel benchmarks, each on a
//! current-thread runtime: tokio's one-thread scheduler is the fair
//! opponent of one P (GOMAXPROCS=1, `procs=1`), with no work stealing and
//! no cross-thread wake-ups in the figure. Only the `rt` and `sync`
//! features: no I/O or timer driver, so the runtime never polls epoll.
//!
//! - `yield-pingpong N`: two tasks calling `task::yield_now` in turn; N
//!   yields in all (as Go's `runtime.Gosched` ping-pong).
//! - `chan-pingpong N`: a token back and forth between two tasks over two
//!   `mpsc` channels of capacity 1 (tokio has no unbuffered channel; with
//!   one slot, every send finds the receiver parked and wakes it, and the
//!   sender then parks in its own receive): N one-way hand-offs, one task
//!   switch each (as the unbuffered channel ping-pong). A one-way stream
//!   through one such channel is not the same operation: the sender fills
//!   the slot and parks on the next value, so every value costs two
//!   switches (callgrind, same build: 1,633 instructions per value
//!   against 1,000 per ping-pong hand-off).
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

const OPS: &[&str] = &["yield-pingpong", "chan-pingpong", "spawn", "mem-parked"];

fn main() {
    let (op, n) = args("tokio-bench", OPS);
    let rt = runtime();
    match op.as_str() {
        "yield-pingpong" => report(&op, n, rt.block_on(yield_pingpong(n))),
        "chan-pingpong" => report(&op, n, rt.block_on(chan_pingpong(n))),
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

async fn chan_pingpong(n: u64) -> std::time::Duration {
    let per = n / 2;
    let (ping_tx, mut ping_rx) = mpsc::channel::<u64>(1);
    let (pong_tx, mut pong_rx) = mpsc::channel::<u64>(1);
    let start = Instant::now();
    let echo = task::spawn(async move {
        for _ in 0..per {
            let v = ping_rx.recv().await.expect("the sender outlives the echo");
            pong_tx
                .send(v)
                .await
                .expect("the receiver outlives the echo");
        }
    });
    let player = task::spawn(async move {
        for j in 0..per {
            ping_tx.send(j).await.expect("the echo is running");
            let back = pong_rx.recv().await.expect("the echo is running");
            assert_eq!(back, j, "the token came back changed");
        }
    });
    player.await.expect("the task does not panic");
    echo.await.expect("the task does not panic");
    start.elapsed()
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
