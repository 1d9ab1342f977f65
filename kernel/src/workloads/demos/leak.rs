//! `leak`: Gs leaked on purpose — the forgotten receiver, the classic Go
//! leak — and the end-of-run report that names them.
//!
//! `first` asks every replica of a service at once and returns the first
//! answer (the "replicated search" of Go's concurrency talks). Each
//! replica's G sends its answer on an *unbuffered* channel; the caller
//! receives once and returns, so every slower replica blocks in its send
//! forever: nobody will ever receive again. Go 1.27's `goroutineleak`
//! profile finds such Gs (blocked on a channel no live G can reach); here
//! the end of the run lists every G still blocked on a channel or lock,
//! each in the layout of Go's traceback with the `created by` line naming
//! `first` and the line of its `go`. The fix is one number: a channel with
//! room for every answer, so each replica sends and exits; the demo runs
//! the fixed version first and shows that it leaves no G behind.
//!
//! What to look for: after the verdict's summary, `goroutineleak profile:
//! total 8` and eight `goroutine N [chan send (leaked)]:` blocks, created
//! by `...demos::leak::first` in goroutine 1.

use crate::prelude::*;

/// Queries asked, each of every replica.
const QUERIES: u64 = 4;
/// Replicas per query; all but the fastest leak in `first`.
const REPLICAS: u64 = 3;

/// One replica's answer to `query`, after a latency that grows with the
/// replica's number (replica 0 answers first).
fn search(replica: u64, query: u64) -> u64 {
    sleep((1 + replica) * 1_000_000);
    query * 100 + replica
}

/// The first answer to `query`, from replicas that send on a channel of
/// capacity `cap`. With `cap` 0 (unbuffered), a leak: once this returns,
/// every slower replica is blocked in its send for good. The fix is
/// `cap` = [`REPLICAS`]: room for every answer, so each replica sends and
/// exits whether anyone receives or not.
fn first(query: u64, cap: usize) -> u64 {
    let answers: Chan<u64> = Chan::new(cap);
    for replica in 0..REPLICAS {
        let answers = answers.clone();
        go(move || answers.send(search(replica, query)));
    }
    answers.recv().expect("the channel is never closed")
}

/// Wait until `done()` holds, polling every millisecond for at most 10 s
/// (of the kernel's clock): the replicas finish on their own time.
fn wait_for(what: &str, done: impl Fn() -> bool) -> Result<(), String> {
    for _ in 0..10_000 {
        if done() {
            return Ok(());
        }
        sleep(1_000_000);
    }
    Err(format!("{what} did not happen within 10 s"))
}

/// Run the demo.
pub fn run() -> Verdict {
    for query in 0..QUERIES {
        let a = first(query, REPLICAS as usize);
        if a % 100 >= REPLICAS {
            return Err(format!("query {query}: answer {a} from no replica"));
        }
    }
    // Every replica of the fixed version sends and exits.
    wait_for("the buffered replicas' exit", || num_goroutine() == 1)?;
    kprintln!(
        "leak: first(query, {REPLICAS}): {QUERIES} queries of {REPLICAS} replicas each over a buffered channel: no G left behind"
    );
    for query in 0..QUERIES {
        let a = first(query, 0);
        if a % 100 >= REPLICAS {
            return Err(format!("query {query}: answer {a} from no replica"));
        }
    }
    let leaked = (QUERIES * (REPLICAS - 1)) as usize;
    wait_for("the slower replicas' blocking sends", || {
        num_waiting(WaitReason::ChanSend) == leaked
    })?;
    kprintln!(
        "leak: first(query, 0): {QUERIES} queries of {REPLICAS} replicas each over an unbuffered channel: {} Gs blocked forever in `chan send` (listed at the end)",
        num_waiting(WaitReason::ChanSend)
    );
    if num_goroutine() != 1 + leaked {
        return Err(format!(
            "{} Gs alive, expected the main G and {leaked} leaked senders",
            num_goroutine()
        ));
    }
    Ok(())
}
