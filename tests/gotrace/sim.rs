//! A small random scheduler that records what the kernel records.

use gmp_sched::trace::{Event, Queue, StopReason};

/// xorshift64*: deterministic, seedable.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SimP {
    Idle,
    Held(u32),
    Syscall(u32),
}

#[derive(Clone, Copy, Default)]
pub struct SimCore {
    p: Option<u32>,
    g: Option<u64>,
    /// In a blocking call entered holding this P.
    sys: Option<u32>,
}

/// A toy G/M/P scheduler recording what the kernel records, with
/// `ncpu` cores and `nprocs` Ps. Some Gs and Ps are busy before the first
/// event. Timestamps are `10 * step + jitter`, monotonic per core.
pub fn simulate(seed: u64, ncpu: u32, nprocs: u32, steps: u32, jitter: u64) -> Vec<Event> {
    let mut r = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut cores = vec![SimCore::default(); ncpu as usize];
    let mut ps = vec![SimP::Idle; nprocs as usize];
    let mut runnable: Vec<u64> = Vec::new();
    let mut waiting: Vec<u64> = Vec::new();
    let mut next_g = 1u64;
    // Before tracing: core 0 runs G1 on P0, a runnable and a waiting G.
    cores[0] = SimCore {
        p: Some(0),
        g: Some(1),
        sys: None,
    };
    ps[0] = SimP::Held(0);
    runnable.push(2);
    waiting.push(3);
    next_g = next_g.max(4);
    let mut last = vec![0u64; ncpu as usize];
    let mut out = Vec::new();
    for step in 0..steps {
        let c = r.below(ncpu as u64) as u32;
        let mut clock = |c: u32, r: &mut Rng| {
            let ts = (1_000 + 10 * step as u64 + r.below(jitter + 1)).max(last[c as usize]);
            last[c as usize] = ts;
            ts
        };
        let core = cores[c as usize];
        if let (Some(g), Some(sp)) = (core.g, core.sys) {
            if ps[sp as usize] == SimP::Syscall(c) && r.chance(40) {
                // sysmon (on core 0, from an interrupt) hands the P off.
                let ts = clock(0, &mut r);
                out.push(Event::Handoff {
                    ts,
                    m: 0,
                    p: Some(sp),
                });
                ps[sp as usize] = SimP::Idle;
            } else if r.chance(50) {
                let free = (0..nprocs).find(|&q| ps[q as usize] == SimP::Idle);
                let back = if ps[sp as usize] == SimP::Syscall(c) {
                    Some(sp)
                } else {
                    free
                };
                let ts = clock(c, &mut r);
                let cur = &mut cores[c as usize];
                cur.sys = None;
                if let Some(q) = back {
                    out.push(Event::ProcStart {
                        ts,
                        m: c,
                        p: Some(q),
                    });
                    out.push(Event::GoSyscallEnd {
                        ts,
                        m: c,
                        p: Some(q),
                        goid: g,
                    });
                    ps[q as usize] = SimP::Held(c);
                    cur.p = Some(q);
                } else {
                    out.push(Event::GoSyscallEnd {
                        ts,
                        m: c,
                        p: None,
                        goid: g,
                    });
                    out.push(Event::Enqueue {
                        ts,
                        m: c,
                        p: None,
                        goid: g,
                        queue: Queue::Global,
                    });
                    out.push(Event::MPark { ts, m: c });
                    cur.g = None;
                    runnable.push(g);
                }
            }
            continue;
        }
        let ts = clock(c, &mut r);
        let cur = &mut cores[c as usize];
        let Some(p) = cur.p else {
            if let Some(q) = (0..nprocs).find(|&q| ps[q as usize] == SimP::Idle) {
                ps[q as usize] = SimP::Held(c);
                cur.p = Some(q);
                out.push(Event::ProcStart {
                    ts,
                    m: c,
                    p: Some(q),
                });
                out.push(Event::MWake {
                    ts,
                    m: c,
                    p: Some(q),
                });
            }
            continue;
        };
        let sp = Some(p);
        let Some(g) = cur.g else {
            if !runnable.is_empty() && r.chance(70) {
                let g = runnable.swap_remove(r.below(runnable.len() as u64) as usize);
                cur.g = Some(g);
                out.push(Event::GoStart {
                    ts,
                    m: c,
                    p: sp,
                    goid: g,
                });
            } else if !waiting.is_empty() && r.chance(30) {
                // A timer fires from the idle loop.
                let g = waiting.swap_remove(r.below(waiting.len() as u64) as usize);
                out.push(Event::TimerFire {
                    ts,
                    m: c,
                    p: sp,
                    goid: g,
                });
                out.push(Event::GoUnblock {
                    ts,
                    m: c,
                    p: sp,
                    goid: g,
                    by: 0,
                });
                runnable.push(g);
            } else if r.chance(30) {
                out.push(Event::ProcStop { ts, m: c, p: sp });
                out.push(Event::MPark { ts, m: c });
                ps[p as usize] = SimP::Idle;
                cur.p = None;
            }
            continue;
        };
        match r.below(6) {
            0 if next_g < 200 => {
                out.push(Event::GoCreate {
                    ts,
                    m: c,
                    p: sp,
                    goid: next_g,
                    parent: g,
                });
                out.push(Event::Enqueue {
                    ts,
                    m: c,
                    p: sp,
                    goid: next_g,
                    queue: Queue::Runnext,
                });
                runnable.push(next_g);
                next_g += 1;
            }
            1 => {
                let reason = [
                    StopReason::Yield,
                    StopReason::Preempted,
                    StopReason::YieldLocal,
                ][r.below(3) as usize];
                out.push(Event::GoStop {
                    ts,
                    m: c,
                    p: sp,
                    goid: g,
                    reason,
                });
                cur.g = None;
                runnable.push(g);
            }
            2 => {
                out.push(Event::GoBlock {
                    ts,
                    m: c,
                    p: sp,
                    goid: g,
                    reason: r.below(10) as u8,
                });
                cur.g = None;
                waiting.push(g);
            }
            3 if !waiting.is_empty() => {
                let w = waiting.swap_remove(r.below(waiting.len() as u64) as usize);
                out.push(Event::GoUnblock {
                    ts,
                    m: c,
                    p: sp,
                    goid: w,
                    by: g,
                });
                runnable.push(w);
            }
            4 if r.chance(30) => {
                out.push(Event::GoEnd {
                    ts,
                    m: c,
                    p: sp,
                    goid: g,
                });
                cur.g = None;
            }
            5 => {
                out.push(Event::GoSyscallBegin {
                    ts,
                    m: c,
                    p: sp,
                    goid: g,
                });
                cur.sys = Some(p);
                cur.p = None;
                ps[p as usize] = SimP::Syscall(c);
            }
            _ => {}
        }
    }
    out.sort_by_key(Event::ts);
    out
}
