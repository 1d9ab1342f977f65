//! Writing the recorded trace to COM2, where the runner collects it.
//!
//! The recorder (`trace`) fills one buffer per core; this file is the
//! other end: once recording has stopped — at the end of the run, or at a
//! failure — it sends a header, one chunk per core (a flight recorder's
//! kept segments, oldest first, as one chunk) and a trailer, in the format
//! of `gmp_sched::trace`.

use core::sync::atomic::Ordering;

use gmp_sched::trace::{ChunkHeader, Header, TRAILER, VERSION};
use uart_16550::backend::PioBackend;
use uart_16550::{Config, Uart16550};

use super::trace::{BUFS, FLAGS, FLIGHT, NSEG, START_TSC, flight_segments};
use crate::arch::cpu;
use crate::runtime::objects::m;

const COM2: u16 = 0x2f8;

/// Write every buffer to COM2 (recording has stopped).
pub(super) fn write_dump() -> (u64, u64) {
    let flight = FLAGS.load(Ordering::Relaxed) & FLIGHT != 0;
    // SAFETY: COM2's ports belong to the trace dump; nothing else uses them.
    let mut uart =
        unsafe { Uart16550::<PioBackend>::new_port(COM2) }.expect("COM2 port range is valid");
    let _ = uart.init(Config::default());
    let ncpu = m::mcount();
    let header = Header {
        version: VERSION,
        ncpu: ncpu as u32,
        nprocs: crate::runtime::objects::sched::gomaxprocs(),
        tsc_hz: crate::arch::tsc::hz(),
        start_tsc: START_TSC.load(Ordering::Relaxed),
        end_tsc: cpu::rdtsc(),
    };
    uart.send_bytes_exact(&header.to_bytes());
    let (mut events, mut dropped) = (0, 0);
    for (i, b) in BUFS[..ncpu].iter().enumerate() {
        // (offset, len) of the parts that make up the chunk, in order.
        let mut parts = [(0usize, 0usize); NSEG];
        let mut nparts = 0;
        let (base_tsc, chunk_events) = if flight {
            let seg_cap = b.cap.load(Ordering::Relaxed) / NSEG;
            let mut n = 0;
            let mut first = None;
            for s in flight_segments(b) {
                first.get_or_insert(s);
                parts[nparts] = (s * seg_cap, b.seg_len[s].load(Ordering::Acquire));
                nparts += 1;
                n += b.seg_events[s].load(Ordering::Relaxed);
            }
            (b.seg_base[first.unwrap_or(0)].load(Ordering::Relaxed), n)
        } else {
            parts[0] = (0, b.len.load(Ordering::Acquire));
            nparts = 1;
            (
                b.base_ts.load(Ordering::Relaxed),
                b.events.load(Ordering::Relaxed),
            )
        };
        let len: usize = parts[..nparts].iter().map(|p| p.1).sum();
        let chunk = ChunkHeader {
            m: i as u32,
            events: chunk_events,
            dropped: b.dropped.load(Ordering::Relaxed),
            base_tsc,
            len: len as u64,
        };
        events += chunk.events;
        dropped += chunk.dropped;
        uart.send_bytes_exact(&chunk.to_bytes());
        for &(off, len) in &parts[..nparts] {
            if len > 0 {
                // SAFETY: bytes below a published length are complete and
                // no longer written (recording has stopped; a late writer
                // only writes above the length it published).
                let data = unsafe {
                    core::slice::from_raw_parts(b.data.load(Ordering::Relaxed).add(off), len)
                };
                uart.send_bytes_exact(data);
            }
        }
    }
    uart.send_bytes_exact(&TRAILER);
    (events, dropped)
}
