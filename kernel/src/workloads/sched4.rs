//! Self-checking tests of preemption, time, channels, locks and blocking
//! calls (the kernel side of `tests/runtime.rs`).

use alloc::format;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use gmp_sched::options::Preempt;

use super::{Verdict, need_procs};
use crate::arch::percpu;
use crate::kprintln;
use crate::runtime::syscall::blocking_call_until;
use crate::runtime::time::nanotime;
use crate::runtime::{
    Chan, Mutex, RecvCase, SendCase, WaitGroup, go, gosched, sched, select, sleep,
};

const MS: u64 = 1_000_000;

/// With one P, a G spinning without ever calling the runtime must not keep
/// another G from running — unless preemption is `coop` or `off`.
pub fn hog() -> Verdict {
    need_procs(1)?;
    let mode = crate::options::get().preempt;
    let victim_ran = Arc::new(AtomicBool::new(false));
    let hog_saw_victim = Arc::new(AtomicBool::new(false));
    let spins = Arc::new(AtomicU64::new(0));
    let hog_started = Arc::new(AtomicBool::new(false));
    let wg = Arc::new(WaitGroup::new());
    wg.add(2);
    {
        let (victim_ran, hog_saw_victim, spins, wg, hog_started) = (
            victim_ran.clone(),
            hog_saw_victim.clone(),
            spins.clone(),
            wg.clone(),
            hog_started.clone(),
        );
        go(move || {
            // The hog: no runtime calls at all, like `for {}` in Go. It gives
            // up after 2 s so that the starving modes still finish.
            hog_started.store(true, Ordering::Release);
            let start = nanotime();
            let mut n = 0u64;
            while !victim_ran.load(Ordering::Relaxed) && nanotime() - start < 2_000 * MS {
                n += 1;
            }
            spins.store(n, Ordering::Relaxed);
            hog_saw_victim.store(victim_ran.load(Ordering::Relaxed), Ordering::Relaxed);
            wg.done();
        });
    }
    // Let the hog take the P; we come back only if someone preempts it (or
    // once it gives up). Sleep until it has really started, however slowly
    // the host runs us.
    while !hog_started.load(Ordering::Acquire) {
        sleep(MS);
    }
    {
        let (victim_ran, wg) = (victim_ran.clone(), wg.clone());
        go(move || {
            victim_ran.store(true, Ordering::Relaxed);
            wg.done();
        });
    }
    wg.wait();
    let saw = hog_saw_victim.load(Ordering::Relaxed);
    kprintln!(
        "hog: preempt={} victim ran while the hog was spinning: {} (hog spun {} times)",
        mode.as_str(),
        if saw { "yes" } else { "no" },
        spins.load(Ordering::Relaxed)
    );
    match (mode, saw) {
        (Preempt::Async, true) | (Preempt::Coop, false) | (Preempt::Off, false) => Ok(()),
        (Preempt::Async, false) => {
            Err("the hog starved its victim despite async preemption".into())
        }
        (_, true) => Err(format!(
            "the victim ran during the hog with preempt={}",
            mode.as_str()
        )),
    }
}

/// Go's TestPingPongHog: on one P, a pair of Gs handing a token back and
/// forth with a little work and a pair doing a lot of work per hand-off
/// must both progress (within a factor of 20).
pub fn ping_pong_hog() -> Verdict {
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
    for _ in 0..2 {
        go(run(
            1_000_000,
            hog_count.clone(),
            hog_chan.clone(),
            done.clone(),
        ));
    }
    for _ in 0..2 {
        go(run(
            1_000,
            light_count.clone(),
            light_chan.clone(),
            done.clone(),
        ));
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

/// Sleeps never wake early; many sleepers on every core all wake; a sleeper
/// wakes even when every M is parked.
pub fn sleepers() -> Verdict {
    for d in [MS, 5 * MS, 20 * MS] {
        let t0 = nanotime();
        sleep(d);
        let slept = nanotime() - t0;
        if slept < d {
            return Err(format!("sleep({d} ns) returned after {slept} ns"));
        }
        kprintln!("sleep: asked {} us, slept {} us", d / 1000, slept / 1000);
    }
    const N: usize = 400;
    let durations = (0..N).map(|i| (1 + (i as u64 * 7919) % 30) * MS).collect();
    let o = sleep_crowd(durations);
    if o.early != 0 {
        return Err(format!("{} sleepers woke early", o.early));
    }
    kprintln!(
        "sleep: {N} sleepers (1-30 ms) all woke, none early; oversleep mean {} us, max {} us (tick {} us)",
        o.total_ns / N as u64 / 1000,
        o.max_ns / 1000,
        crate::arch::timer::tick_ns() / 1000
    );
    // Everyone parked: only sysmon's tick can notice the timer.
    let t0 = nanotime();
    sleep(50 * MS);
    kprintln!(
        "sleep: with every M parked, a 50 ms sleep woke after {} us",
        (nanotime() - t0) / 1000
    );
    Ok(())
}

/// What a crowd of sleepers measured: how many woke early, and how much
/// later than asked the others woke (ns).
pub(crate) struct Oversleep {
    pub early: usize,
    pub min_ns: u64,
    pub total_ns: u64,
    pub max_ns: u64,
}

/// One G per entry of `durations` sleeps that long; returns once all woke.
pub(crate) fn sleep_crowd(durations: Vec<u64>) -> Oversleep {
    let n = durations.len();
    let durations = Arc::new(durations);
    let wg = Arc::new(WaitGroup::new());
    let early = Arc::new(AtomicUsize::new(0));
    let over = Arc::new(AtomicU64::new(0));
    let worst = Arc::new(AtomicU64::new(0));
    let best = Arc::new(AtomicU64::new(u64::MAX));
    wg.add(n as i64);
    for i in 0..n {
        let (durations, wg, early, over, worst, best) = (
            durations.clone(),
            wg.clone(),
            early.clone(),
            over.clone(),
            worst.clone(),
            best.clone(),
        );
        go(move || {
            let d = durations[i];
            let t0 = nanotime();
            sleep(d);
            let slept = nanotime() - t0;
            if slept < d {
                early.fetch_add(1, Ordering::Relaxed);
            }
            let o = slept.saturating_sub(d);
            over.fetch_add(o, Ordering::Relaxed);
            worst.fetch_max(o, Ordering::Relaxed);
            best.fetch_min(o, Ordering::Relaxed);
            wg.done();
        });
    }
    wg.wait();
    Oversleep {
        early: early.load(Ordering::Relaxed),
        min_ns: best.load(Ordering::Relaxed),
        total_ns: over.load(Ordering::Relaxed),
        max_ns: worst.load(Ordering::Relaxed),
    }
}

/// Channels: cross-core unbuffered ping-pong, buffered FIFO, close, select
/// with default and fairness, a prime sieve, WaitGroup and Mutex.
pub fn channels() -> Verdict {
    // Unbuffered ping-pong between two Gs, likely on different Ms.
    let ping: Chan<u64> = Chan::new(0);
    let pong: Chan<u64> = Chan::new(0);
    let ms_seen = Arc::new(AtomicU64::new(0));
    {
        let (ping, pong, ms_seen) = (ping.clone(), pong.clone(), ms_seen.clone());
        go(move || {
            while let Some(v) = ping.recv() {
                ms_seen.fetch_or(1 << (percpu::this_m_id() % 64), Ordering::Relaxed);
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

/// The concurrent prime sieve from the Go tour: a chain of filter Gs.
pub fn sieve(n: usize) -> Verdict {
    let primes = sieve_primes(n)?;
    check_primes(&primes)?;
    kprintln!(
        "sieve: the first {n} primes are right (last {})",
        primes[n - 1]
    );
    Ok(())
}

/// The first `n` primes from a generator G and one filter G per prime,
/// chained by unbuffered channels (the Gs are left blocked when done).
pub(crate) fn sieve_primes(n: usize) -> Result<Vec<u64>, alloc::string::String> {
    fn generate(ch: Chan<u64>) {
        let mut i = 2;
        loop {
            ch.send(i);
            i += 1;
        }
    }
    fn filter(input: Chan<u64>, out: Chan<u64>, prime: u64) {
        loop {
            let i = input.recv().expect("sieve channels never close");
            if !i.is_multiple_of(prime) {
                out.send(i);
            }
        }
    }
    let mut ch: Chan<u64> = Chan::new(0);
    {
        let ch = ch.clone();
        go(move || generate(ch));
    }
    let mut primes = Vec::with_capacity(n);
    for _ in 0..n {
        let prime = ch.recv().ok_or("sieve channel closed")?;
        primes.push(prime);
        let next: Chan<u64> = Chan::new(0);
        {
            let (input, out) = (ch.clone(), next.clone());
            go(move || filter(input, out, prime));
        }
        ch = next;
    }
    Ok(primes)
}

/// `primes` are the first primes, in order (checked by trial division).
pub(crate) fn check_primes(primes: &[u64]) -> Verdict {
    let expected: Vec<u64> = (2u64..)
        .filter(|&k| (2..k).take_while(|d| d * d <= k).all(|d| k % d != 0))
        .take(primes.len())
        .collect();
    if primes != expected {
        return Err(format!(
            "sieve produced {:?}...",
            &primes[..primes.len().min(10)]
        ));
    }
    Ok(())
}

/// A Mutex-protected counter incremented from Gs on every P ends exact.
pub fn mutex_counter() -> Verdict {
    let procs = sched::gomaxprocs() as usize;
    let gs = procs * 4;
    const INCS: u64 = 2_000;
    let counter = Arc::new(Mutex::new(0u64));
    let wg = Arc::new(WaitGroup::new());
    wg.add(gs as i64);
    for _ in 0..gs {
        let (counter, wg) = (counter.clone(), wg.clone());
        go(move || {
            for i in 0..INCS {
                let mut c = counter.lock();
                *c += 1;
                if i % 64 == 0 {
                    // Hold the lock across a yield now and then: contention.
                    gosched();
                }
                drop(c);
            }
            wg.done();
        });
    }
    wg.wait();
    let total = *counter.lock();
    if total != gs as u64 * INCS {
        return Err(format!(
            "mutex counter is {total}, expected {}",
            gs as u64 * INCS
        ));
    }
    kprintln!("mutex: {gs} Gs incremented a shared counter {INCS} times each: {total}, exact");
    Ok(())
}

/// A deliberate deadlock: the main G waits on a channel nobody will ever
/// send on. `checkdead` must report it (this workload never returns).
pub fn deadlock() -> Verdict {
    let c: Chan<u32> = Chan::new(0);
    let _ = c.recv();
    Err("a receive on an abandoned channel returned".into())
}

/// Send on a closed channel panics the G with Go's message.
pub fn closed_send() -> Verdict {
    let c: Chan<u32> = Chan::new(1);
    c.close();
    c.send(1);
    Err("send on a closed channel returned".into())
}

/// A G in a long blocking call loses its P; the other Gs keep running on it.
pub fn syscall_handoff() -> Verdict {
    let procs = sched::gomaxprocs();
    if procs as usize >= crate::runtime::m::mcount() {
        return Err(format!(
            "this test needs procs below the core count (procs={procs})"
        ));
    }
    let in_call = Arc::new(AtomicBool::new(false));
    let blocker_p = Arc::new(AtomicU64::new(u64::MAX));
    let ran_on_blocker_p = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let wg = Arc::new(WaitGroup::new());
    const WORKERS: usize = 8;
    wg.add(WORKERS as i64 + 1);
    for _ in 0..WORKERS {
        let (in_call, blocker_p, ran, stop, wg) = (
            in_call.clone(),
            blocker_p.clone(),
            ran_on_blocker_p.clone(),
            stop.clone(),
            wg.clone(),
        );
        go(move || {
            while !stop.load(Ordering::Relaxed) {
                let my_p = percpu::this_m().p().map_or(u64::MAX, |pp| pp.id as u64);
                if in_call.load(Ordering::Relaxed) && my_p == blocker_p.load(Ordering::Relaxed) {
                    ran.fetch_add(1, Ordering::Relaxed);
                }
                gosched();
            }
            wg.done();
        });
    }
    let handoffs_before: u64 = sched::allp()
        .iter()
        .map(|pp| pp.stats.handoffs.load(Ordering::Relaxed))
        .sum();
    {
        let (in_call, blocker_p, stop, wg, ran_probe) = (
            in_call.clone(),
            blocker_p.clone(),
            stop.clone(),
            wg.clone(),
            ran_on_blocker_p.clone(),
        );
        go(move || {
            let my_p = percpu::this_m().p().map_or(u64::MAX, |pp| pp.id as u64);
            blocker_p.store(my_p, Ordering::Relaxed);
            in_call.store(true, Ordering::Release);
            // Block until other Gs have been seen running on our P (the
            // evidence of the hand-off), or give up after 10 s.
            blocking_call_until(|| ran_probe.load(Ordering::Relaxed) > 100, 10_000 * MS);
            in_call.store(false, Ordering::Release);
            stop.store(true, Ordering::Relaxed);
            wg.done();
        });
    }
    wg.wait();
    let handoffs: u64 = sched::allp()
        .iter()
        .map(|pp| pp.stats.handoffs.load(Ordering::Relaxed))
        .sum::<u64>()
        - handoffs_before;
    let ran = ran_on_blocker_p.load(Ordering::Relaxed);
    kprintln!(
        "syscall: a blocking call on P{}; sysmon handed off {handoffs} P(s); other Gs ran {ran} times on that P meanwhile",
        blocker_p.load(Ordering::Relaxed)
    );
    if handoffs == 0 || ran == 0 {
        return Err("the blocked G's P was not handed to other Gs".into());
    }
    Ok(())
}
