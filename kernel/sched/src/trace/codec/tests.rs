//! Round trips and refusals of the event codec.

use super::super::*;
use alloc::vec::Vec;

fn all_kinds(ts: u64) -> Vec<Event> {
    let m = 3;
    let p = Some(2);
    alloc::vec![
        Event::GoCreate {
            ts,
            m,
            p,
            goid: 7,
            parent: 1
        },
        Event::GoStart {
            ts: ts + 1,
            m,
            p,
            goid: 7
        },
        Event::GoStop {
            ts: ts + 2,
            m,
            p,
            goid: 7,
            reason: StopReason::Preempted
        },
        Event::GoBlock {
            ts: ts + 3,
            m,
            p,
            goid: 7,
            reason: 4
        },
        Event::GoUnblock {
            ts: ts + 400,
            m,
            p: None,
            goid: 7,
            by: 0
        },
        Event::GoEnd {
            ts: ts + 70_000,
            m,
            p,
            goid: u64::MAX
        },
        Event::GoSyscallBegin {
            ts: ts + 70_001,
            m,
            p,
            goid: 9
        },
        Event::GoSyscallEnd {
            ts: ts + 80_000,
            m,
            p: None,
            goid: 9
        },
        Event::ProcStart {
            ts: ts + 80_001,
            m,
            p: Some(u32::MAX - 1)
        },
        Event::ProcStop {
            ts: ts + 80_002,
            m,
            p: Some(0)
        },
        Event::Enqueue {
            ts: ts + 80_003,
            m,
            p,
            goid: 11,
            queue: Queue::Global
        },
        Event::RunnextKick {
            ts: ts + 80_004,
            m,
            p,
            goid: 12
        },
        Event::Steal {
            ts: ts + 80_005,
            m,
            p,
            victim: 1,
            count: 128,
            runnext: true
        },
        Event::Overflow {
            ts: ts + 80_006,
            m,
            p,
            count: 129
        },
        Event::GlobalTake {
            ts: ts + 80_007,
            m,
            p,
            count: 33
        },
        Event::MPark { ts: ts + 80_008, m },
        Event::MWake {
            ts: ts + 9_000_000_000,
            m,
            p
        },
        Event::TimerFire {
            ts: ts + 9_000_000_001,
            m,
            p,
            goid: 5
        },
        Event::Handoff {
            ts: ts + 9_000_000_002,
            m,
            p
        },
        Event::Stack {
            ts: ts + 9_000_000_002,
            m,
            depth: 3,
            pcs: {
                let mut pcs = [0u32; crate::trace::STACK_MAX];
                pcs[..3].copy_from_slice(&[0x1234, u32::MAX, 7]);
                pcs
            },
        },
        Event::Stack {
            ts: ts + 9_000_000_003,
            m,
            depth: crate::trace::STACK_MAX as u8,
            pcs: [u32::MAX; crate::trace::STACK_MAX],
        },
        Event::StwBegin {
            ts: ts + 9_000_000_003,
            m,
            p,
            reason: StwReason::Gomaxprocs
        },
        Event::ProcsChange {
            ts: ts + 9_000_000_004,
            m,
            p,
            procs: 3
        },
        Event::StwEnd {
            ts: ts + 9_000_000_005,
            m,
            p
        },
        Event::NetpollReady {
            ts: ts + 9_000_000_006,
            m,
            p,
            goid: 6
        },
    ]
}

#[test]
fn a_stack_gives_its_kernel_addresses() {
    let stacks: Vec<Event> = all_kinds(0)
        .into_iter()
        .filter(|e| matches!(e, Event::Stack { .. }))
        .collect();
    let e = &stacks[0];
    let pcs: Vec<u64> = e.stack_pcs().collect();
    let base = crate::layout::KERNEL_BASE;
    assert_eq!(
        pcs,
        [base + 0x1234, base.wrapping_add(u32::MAX as u64), base + 7]
    );
    assert_eq!(all_kinds(0)[0].stack_pcs().count(), 0);
}

#[test]
fn the_longest_stack_fits_the_largest_encoding() {
    let e = all_kinds(0)
        .into_iter()
        .find(|e| matches!(e, Event::Stack { depth, .. } if *depth as usize == crate::trace::STACK_MAX))
        .unwrap();
    let mut buf = alloc::vec![0u8; encoded_len_max()];
    assert!(encode(&e, 0, &mut buf).is_some());
}

#[test]
fn every_kind_round_trips() {
    let base = 1_000;
    let events = all_kinds(base);
    let mut buf = alloc::vec![0u8; 4096];
    let mut at = 0;
    let mut prev = base;
    for e in &events {
        at += encode(e, prev, &mut buf[at..]).unwrap();
        prev = e.ts();
    }
    let got: Vec<Event> = Decoder::new(&buf[..at], 3, base)
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(got, events);
}

#[test]
fn short_buffer_writes_nothing() {
    let mut buf = [0xaau8; 8];
    assert_eq!(encode(&all_kinds(0)[0], 0, &mut buf), None);
    assert!(buf.iter().all(|&b| b == 0xaa));
}

#[test]
fn truncation_and_garbage_are_errors_not_panics() {
    let e = Event::Steal {
        ts: 5,
        m: 0,
        p: Some(1),
        victim: 2,
        count: 3,
        runnext: false,
    };
    let mut buf = [0u8; 128];
    let n = encode(&e, 0, &mut buf).unwrap();
    for cut in 1..n {
        let mut d = Decoder::new(&buf[..cut], 0, 0);
        assert!(
            matches!(d.next(), Some(Err(DecodeError::Truncated { .. }))),
            "cut at {cut}"
        );
        assert!(d.next().is_none(), "decoding stops after an error");
    }
    let mut d = Decoder::new(&[200, 0], 0, 0);
    assert_eq!(
        d.next(),
        Some(Err(DecodeError::UnknownKind {
            offset: 0,
            kind: 200
        }))
    );
    let overlong = [
        super::GO_START,
        0xff,
        0xff,
        0xff,
        0xff,
        0xff,
        0xff,
        0xff,
        0xff,
        0xff,
        0x7f,
    ];
    assert!(matches!(
        Decoder::new(&overlong, 0, 0).next(),
        Some(Err(DecodeError::BadField { .. }))
    ));
}

#[test]
fn headers_round_trip() {
    let h = Header {
        version: VERSION,
        ncpu: 4,
        nprocs: 2,
        tsc_hz: 2_000_000_000,
        start_tsc: 9,
        end_tsc: 99,
    };
    assert_eq!(Header::from_bytes(&h.to_bytes()), Some(h));
    let mut bad = h.to_bytes();
    bad[0] = b'X';
    assert_eq!(Header::from_bytes(&bad), None);
    let c = ChunkHeader {
        m: 3,
        events: 10,
        dropped: 2,
        base_tsc: 5,
        len: 77,
    };
    assert_eq!(ChunkHeader::from_bytes(&c.to_bytes()), Some(c));
}
