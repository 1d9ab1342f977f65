//! `test-chan`: channels (ping-pong, FIFO, close, select), the sieve and a
//! Mutex counter.

use alloc::format;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use crate::prelude::*;
use crate::workloads::common::mutex_counter::mutex_counter;
use crate::workloads::common::sieve::sieve;

/// Channels: cross-core unbuffered ping-pong, buffered FIFO, close, select
/// with default and fairness, a prime sieve, WaitGroup and Mutex.
pub fn run() -> Verdict {
    // Unbuffered ping-pong between two Gs, likely on different Ms.
    let ping: Chan<u64> = Chan::new(0);
    let pong: Chan<u64> = Chan::new(0);
    let ms_seen = Arc::new(AtomicU64::new(0));
    {
        let (ping, pong, ms_seen) = (ping.clone(), pong.clone(), ms_seen.clone());
        go(move || {
            while let Some(v) = ping.recv() {
                ms_seen.fetch_or(1 << (this_m() % 64), Ordering::Relaxed);
                pong.send(v + 1);
            }
        });
    }
    const ROUNDS: u64 = 5_000;
    let mut v = 0;
    for _ in 0..ROUNDS {
        ping.send(v);
        v = pong.recv().ok_or("pong closed")?;
    }
    ping.close();
    if v != ROUNDS {
        return Err(format!("ping-pong ended at {v}, expected {ROUNDS}"));
    }
    kprintln!("chan: {ROUNDS} unbuffered round trips ok");

    // Buffered FIFO.
    let c: Chan<u32> = Chan::new(16);
    {
        let c = c.clone();
        go(move || {
            for i in 0..1_000 {
                c.send(i);
            }
            c.close();
        });
    }
    let mut expect = 0;
    while let Some(i) = c.recv() {
        if i != expect {
            return Err(format!("buffered channel delivered {i}, expected {expect}"));
        }
        expect += 1;
    }
    if expect != 1_000 {
        return Err(format!(
            "buffered channel delivered {expect} values, expected 1000"
        ));
    }
    kprintln!("chan: buffered FIFO of 1000 values in order, then closed");

    // Close: buffered values drain first, then receivers see closed.
    let c: Chan<u32> = Chan::new(4);
    c.send(1);
    c.send(2);
    c.close();
    if (c.recv(), c.recv(), c.recv(), c.recv()) != (Some(1), Some(2), None, None) {
        return Err("close did not drain then report closed".into());
    }
    // A receiver blocked at close time wakes with "closed".
    let c: Chan<u32> = Chan::new(0);
    let got = Arc::new(AtomicUsize::new(9));
    let wg = Arc::new(WaitGroup::new());
    wg.add(1);
    {
        let (c, got, wg) = (c.clone(), got.clone(), wg.clone());
        go(move || {
            got.store(c.recv().map_or(0, |_| 1), Ordering::Relaxed);
            wg.done();
        });
    }
    sleep(2 * MS);
    c.close();
    wg.wait();
    if got.load(Ordering::Relaxed) != 0 {
        return Err("a blocked receiver did not see the close".into());
    }
    kprintln!("chan: close drains buffered values, then receivers (blocked or not) see closed");

    // Select with default.
    let a: Chan<u32> = Chan::new(1);
    let mut ra = RecvCase::new(&a);
    if select(&mut [&mut ra], false).is_some() {
        return Err("select with default took an empty channel".into());
    }
    a.send(7);
    let mut ra = RecvCase::new(&a);
    if select(&mut [&mut ra], false) != Some(0) || ra.take() != Some(7) {
        return Err("select with default missed a ready value".into());
    }
    // Fairness: two always-ready channels are chosen about equally.
    let x: Chan<u8> = Chan::new(1);
    let y: Chan<u8> = Chan::new(1);
    let mut counts = [0u32; 2];
    const PICKS: u32 = 4_000;
    for _ in 0..PICKS {
        let _ = x.try_send(0);
        let _ = y.try_send(1);
        let mut rx = RecvCase::new(&x);
        let mut ry = RecvCase::new(&y);
        let i = select(&mut [&mut rx, &mut ry], true).ok_or("blocking select returned none")?;
        counts[i] += 1;
    }
    kprintln!(
        "chan: select picked x {} times, y {} times out of {PICKS}",
        counts[0],
        counts[1]
    );
    if counts.iter().any(|&c| c < PICKS * 2 / 5) {
        return Err(format!("select is unfair: {counts:?}"));
    }
    // A blocking select woken by a send on one of several channels.
    let s1: Chan<u32> = Chan::new(0);
    let s2: Chan<u32> = Chan::new(0);
    {
        let s2 = s2.clone();
        go(move || {
            sleep(MS);
            s2.send(42);
        });
    }
    let mut r1 = RecvCase::new(&s1);
    let mut r2 = RecvCase::new(&s2);
    let i = select(&mut [&mut r1, &mut r2], true);
    if i != Some(1) || r2.take() != Some(42) {
        return Err(format!("blocking select returned {i:?}"));
    }
    // A send case fires when a receiver arrives.
    let s3: Chan<u32> = Chan::new(0);
    {
        let s3 = s3.clone();
        go(move || {
            sleep(MS);
            let _ = s3.recv();
        });
    }
    let mut sc = SendCase::new(&s3, 5);
    if select(&mut [&mut sc], true) != Some(0) {
        return Err("blocking send case did not fire".into());
    }
    kprintln!("chan: select with default, fairness, blocking receive and send cases ok");

    sieve(100)?;
    mutex_counter()?;
    Ok(())
}
