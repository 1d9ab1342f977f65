//! `test-pingponghog`: Go's TestPingPongHog on one P.

use alloc::format;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU64, Ordering};

use super::{Verdict, need_procs};
use crate::prelude::*;

/// Go's TestPingPongHog: on one P, a pair of Gs handing a token back and
/// forth with a little work and a pair doing a lot of work per hand-off
/// must both progress (within a factor of 20).
pub fn run() -> Verdict {
    need_procs(1)?;
    let done: Chan<()> = Chan::new(0);
    let hog_chan: Chan<bool> = Chan::new(0);
    let light_chan: Chan<bool> = Chan::new(0);
    let hog_count = Arc::new(AtomicU64::new(0));
    let light_count = Arc::new(AtomicU64::new(0));
    let run = |limit: u64, counter: Arc<AtomicU64>, wake: Chan<bool>, done: Chan<()>| {
        move || {
            loop {
                let mut d = RecvCase::new(&done);
                let mut w = RecvCase::new(&wake);
                match select(&mut [&mut d, &mut w], true) {
                    Some(0) => return,
                    _ => {
                        for _ in 0..limit {
                            counter.fetch_add(1, Ordering::Relaxed);
                        }
                        wake.send(true);
                    }
                }
            }
        }
    };
    // Two Gs per pair: the hogs count to a million a turn, the light ones
    // to a thousand.
    for (limit, counter, wake) in [
        (1_000_000, &hog_count, &hog_chan),
        (1_000, &light_count, &light_chan),
    ] {
        for _ in 0..2 {
            go(run(limit, counter.clone(), wake.clone(), done.clone()));
        }
    }
    hog_chan.send(true);
    light_chan.send(true);
    sleep(300 * MS);
    done.close();
    hog_chan.recv();
    light_chan.recv();
    let (h, l) = (
        hog_count.load(Ordering::Relaxed),
        light_count.load(Ordering::Relaxed),
    );
    kprintln!(
        "pingponghog: hog count {h}, light count {l}, ratio {}",
        h as f64 / l.max(1) as f64
    );
    const FACTOR: u64 = 20;
    if h / FACTOR > l || l / FACTOR > h {
        return Err(format!(
            "hog/light = {h}/{l}, outside [1/{FACTOR}, {FACTOR}]"
        ));
    }
    Ok(())
}
