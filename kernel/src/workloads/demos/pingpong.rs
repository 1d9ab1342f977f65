//! `pingpong`: two Gs bounce a counter over a pair of unbuffered channels;
//! each hop adds one. Every round trip is two park/ready pairs, so this is
//! the scheduler's hand-off path in its purest form.
//!
//! Each round, both Gs note the P they run on. With `procs=1` the two share
//! P0 and every wake-up goes through the runnext slot; with more Ps Go's
//! design still keeps the pair on one P most of the time (the readied G
//! goes to the waker's runnext, so an idle P finds nothing to steal), but
//! a hop can cross Ps when the other P steals the woken G.
//!
//! What to look for: the result line splits the round trips into "same P"
//! and "different Ps"; the summary's `runnext runs` is close to two per
//! round trip (each hop readies the other G into runnext).

use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use crate::prelude::*;
use crate::workloads::common::id_set;

/// Round trips.
const ROUNDS: u64 = 5_000;

/// Run the demo.
pub fn run() -> Verdict {
    let ping: Chan<u64> = Chan::new(0);
    let pong: Chan<u64> = Chan::new(0);
    let done: Chan<(u64, u64, u64)> = Chan::new(1);
    let pong_p = Arc::new(AtomicU32::new(u32::MAX));
    let ponger_ps = Arc::new(AtomicU64::new(0));
    {
        // The ponger: receive n, send n+1, until the channel closes.
        let (ping, pong, pong_p, ponger_ps) = (
            ping.clone(),
            pong.clone(),
            pong_p.clone(),
            ponger_ps.clone(),
        );
        go(move || {
            let mut expect = 0;
            while let Some(n) = ping.recv() {
                if n != expect {
                    panic!("pingpong: ponger got {n}, expected {expect}");
                }
                let p = this_p();
                pong_p.store(p, Ordering::Relaxed);
                ponger_ps.fetch_or(1 << (p % 64), Ordering::Relaxed);
                expect = n + 2;
                pong.send(n + 1);
            }
        });
    }
    let pinger_ps = Arc::new(AtomicU64::new(0));
    {
        // The pinger: send n, receive n+1, send n+2, ...
        let (ping, pong, done, pong_p, pinger_ps) = (
            ping.clone(),
            pong.clone(),
            done.clone(),
            pong_p.clone(),
            pinger_ps.clone(),
        );
        go(move || {
            let (mut n, mut same, mut cross) = (0u64, 0u64, 0u64);
            for _ in 0..ROUNDS {
                ping.send(n);
                n = pong.recv().expect("pong stays open") + 1;
                let p = this_p();
                pinger_ps.fetch_or(1 << (p % 64), Ordering::Relaxed);
                if pong_p.load(Ordering::Relaxed) == p {
                    same += 1;
                } else {
                    cross += 1;
                }
            }
            ping.close();
            done.send((n, same, cross));
        });
    }
    let (n, same, cross) = done.recv().ok_or("done channel closed")?;
    kprintln!(
        "pingpong: {ROUNDS} round trips, counter at {n}; both Gs on the same P in {same} rounds, on different Ps in {cross}; pinger ran on Ps {}, ponger on Ps {}",
        id_set(pinger_ps.load(Ordering::Relaxed)),
        id_set(ponger_ps.load(Ordering::Relaxed))
    );
    if n != 2 * ROUNDS {
        return Err(format!("the counter ended at {n}, expected {}", 2 * ROUNDS));
    }
    if same + cross != ROUNDS {
        return Err(format!(
            "{same} + {cross} rounds counted, expected {ROUNDS}"
        ));
    }
    Ok(())
}
