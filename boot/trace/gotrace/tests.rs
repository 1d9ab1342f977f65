//! Unit tests of the Go trace writer: the wire encoding, and what the
//! converter writes for the kernel's shapes, read back with a small decoder
//! of our own. (Go's own parser reads the same shapes in tests/gotrace/.)

use super::convert::syscall_losses;
use super::wire::{self, NO_THREAD, ev};
use super::*;
use gmp_sched::trace::{Queue, StopReason, VERSION};

fn uv(v: u64) -> Vec<u8> {
    let mut out = Vec::new();
    wire::uvarint(&mut out, v);
    out
}

#[test]
fn uvarint_is_leb128() {
    assert_eq!(uv(0), [0]);
    assert_eq!(uv(127), [0x7f]);
    assert_eq!(uv(128), [0x80, 0x01]);
    assert_eq!(uv(300), [0xac, 0x02]);
    let max = uv(u64::MAX);
    assert_eq!(max.len(), 10);
    assert_eq!(max[9], 0x01);
    assert!(max[..9].iter().all(|&b| b == 0xff));
}

/// Read an unsigned varint at `*i`.
fn read_uv(b: &[u8], i: &mut usize) -> u64 {
    let (mut v, mut shift) = (0u64, 0);
    loop {
        let byte = b[*i];
        *i += 1;
        v |= u64::from(byte & 0x7f) << shift;
        if byte < 0x80 {
            return v;
        }
        shift += 7;
    }
}

/// Arguments after the timestamp, per event type we write.
fn nargs(typ: u8) -> usize {
    match typ {
        ev::PROC_STOP | ev::GO_DESTROY | ev::GO_SYSCALL_END | ev::GO_SYSCALL_END_BLOCKED => 0,
        ev::PROC_STATUS | ev::PROC_START | ev::GO_START | ev::GO_STOP | ev::GO_BLOCK => 2,
        ev::GO_SYSCALL_BEGIN => 2,
        ev::PROC_STEAL | ev::GO_CREATE | ev::GO_UNBLOCK | ev::GO_STATUS => 3,
        t => panic!("unexpected event type {t}"),
    }
}

/// A decoded event: (type, absolute time, args).
type Dec = (u8, u64, Vec<u64>);

/// Decode our output: the frequency, the strings, each M's events.
struct Decoded {
    freq: u64,
    strings: Vec<String>,
    ms: std::collections::BTreeMap<u64, Vec<Dec>>,
    batch_sizes: Vec<usize>,
    /// The stack table in ID order (IDs from 1): each frame's PC and
    /// function name's string ID.
    stacks: Vec<Vec<(u64, u64)>>,
}

impl Decoded {
    /// Stack `id`'s frames as (PC, function name).
    fn stack(&self, id: u64) -> Vec<(u64, &str)> {
        self.stacks[id as usize - 1]
            .iter()
            .map(|&(pc, f)| (pc, self.strings[f as usize - 1].as_str()))
            .collect()
    }
}

fn decode(b: &[u8]) -> Decoded {
    assert_eq!(&b[..16], wire::HEADER);
    let mut d = Decoded {
        freq: 0,
        strings: vec![],
        ms: Default::default(),
        batch_sizes: vec![],
        stacks: vec![],
    };
    let mut i = 16;
    while i < b.len() {
        assert_eq!(b[i], ev::EVENT_BATCH);
        i += 1;
        assert_eq!(read_uv(b, &mut i), wire::GEN);
        let m = read_uv(b, &mut i);
        let mut t = read_uv(b, &mut i);
        let size = read_uv(b, &mut i) as usize;
        d.batch_sizes.push(size);
        let data = &b[i..i + size];
        i += size;
        let mut j = 0;
        match data[0] {
            ev::FREQUENCY => {
                j = 1;
                d.freq = read_uv(data, &mut j);
            }
            ev::STRINGS => {
                j = 1;
                while j < data.len() {
                    assert_eq!(data[j], ev::STRING);
                    j += 1;
                    assert_eq!(read_uv(data, &mut j), d.strings.len() as u64 + 1);
                    let n = read_uv(data, &mut j) as usize;
                    d.strings
                        .push(String::from_utf8(data[j..j + n].to_vec()).unwrap());
                    j += n;
                }
            }
            ev::STACKS => {
                j = 1;
                while j < data.len() {
                    assert_eq!(data[j], ev::STACK);
                    j += 1;
                    assert_eq!(read_uv(data, &mut j), d.stacks.len() as u64 + 1);
                    let n = read_uv(data, &mut j);
                    let frames = (0..n)
                        .map(|_| {
                            let pc = read_uv(data, &mut j);
                            let func = read_uv(data, &mut j);
                            read_uv(data, &mut j); // file
                            read_uv(data, &mut j); // line
                            (pc, func)
                        })
                        .collect();
                    d.stacks.push(frames);
                }
            }
            _ => {
                assert_ne!(m, NO_THREAD);
                while j < data.len() {
                    let typ = data[j];
                    j += 1;
                    t += read_uv(data, &mut j);
                    let args = (0..nargs(typ)).map(|_| read_uv(data, &mut j)).collect();
                    d.ms.entry(m).or_default().push((typ, t, args));
                }
            }
        }
        assert_eq!(j, data.len());
    }
    d
}

fn hdr() -> Header {
    Header {
        version: VERSION,
        ncpu: 4,
        nprocs: 2,
        tsc_hz: 2_000_000_000,
        start_tsc: 1_000,
        end_tsc: 10_000,
    }
}

fn types(d: &Decoded, m: u64) -> Vec<u8> {
    d.ms[&m].iter().map(|e| e.0).collect()
}

fn ps(ts: u64, m: u32, p: u32) -> Event {
    Event::ProcStart { ts, m, p: Some(p) }
}
fn create(ts: u64, m: u32, p: u32, goid: u64) -> Event {
    Event::GoCreate {
        ts,
        m,
        p: Some(p),
        goid,
        parent: 0,
    }
}
fn start(ts: u64, m: u32, p: u32, goid: u64) -> Event {
    Event::GoStart {
        ts,
        m,
        p: Some(p),
        goid,
    }
}
fn sys_begin(ts: u64, m: u32, p: u32, goid: u64) -> Event {
    Event::GoSyscallBegin {
        ts,
        m,
        p: Some(p),
        goid,
    }
}
fn sys_end(ts: u64, m: u32, p: Option<u32>, goid: u64) -> Event {
    Event::GoSyscallEnd { ts, m, p, goid }
}

#[test]
fn header_frequency_and_relative_timestamps() {
    let evs = [ps(1_100, 0, 0), create(1_200, 0, 0, 1)];
    let c = convert(&hdr(), &evs);
    let d = decode(&c.bytes);
    assert_eq!(d.freq, 2_000_000_000);
    // ProcStatus + ProcStart at the ProcStart's time, GoCreate after.
    let times: Vec<u64> = d.ms[&0].iter().map(|e| e.1).collect();
    assert_eq!(times, [101, 101, 201]);
    assert_eq!(
        types(&d, 0),
        [ev::PROC_STATUS, ev::PROC_START, ev::GO_CREATE]
    );
    assert_eq!(c.goroutines, 1);
    assert!(!c.repairs.any());
}

/// M0 takes P0 and creates G1, which runs and enters a syscall (at 1_004);
/// the syscall tests differ in how it comes back.
fn g1_in_a_syscall() -> Vec<Event> {
    vec![
        ps(1_001, 0, 0),
        create(1_002, 0, 0, 1),
        start(1_003, 0, 0, 1),
        sys_begin(1_004, 0, 0, 1),
    ]
}

#[test]
fn fast_path_syscall_drops_the_procstart_and_keeps_the_p() {
    let mut evs = g1_in_a_syscall();
    evs.extend([ps(1_005, 0, 0), sys_end(1_005, 0, Some(0), 1)]);
    let c = convert(&hdr(), &evs);
    let d = decode(&c.bytes);
    assert_eq!(
        types(&d, 0),
        [
            ev::PROC_STATUS,
            ev::PROC_START,
            ev::GO_CREATE,
            ev::GO_START,
            ev::GO_SYSCALL_BEGIN,
            ev::GO_SYSCALL_END
        ]
    );
    // ProcStart is P0's seq 1, the syscall its seq 2; G1's start is seq 1.
    assert_eq!(d.ms[&0][1].2, [0, 1]);
    assert_eq!(d.ms[&0][3].2, [1, 1]);
    assert_eq!(d.ms[&0][4].2, [2, 0]);
    assert!(!c.repairs.any());
}

#[test]
fn handoff_is_a_procsteal_and_the_call_ends_blocked() {
    let mut evs = g1_in_a_syscall();
    evs.extend([
        Event::Handoff {
            ts: 1_010,
            m: 2,
            p: Some(0),
        },
        ps(1_020, 0, 1),
        sys_end(1_020, 0, Some(1), 1),
    ]);
    assert_eq!(
        syscall_losses(&evs).into_iter().collect::<Vec<_>>(),
        [3],
        "the Handoff belongs to the call at index 3"
    );
    let c = convert(&hdr(), &evs);
    let d = decode(&c.bytes);
    // sysmon's core steals P0 (seq 3) from M0.
    assert_eq!(d.ms[&2], [(ev::PROC_STEAL, 11, vec![0, 3, 0])]);
    assert_eq!(
        types(&d, 0)[4..],
        [
            ev::GO_SYSCALL_BEGIN,
            ev::PROC_STATUS,
            ev::PROC_START,
            ev::GO_SYSCALL_END_BLOCKED,
            ev::GO_START
        ]
    );
    // G1 starts again: its seq 2.
    assert_eq!(d.ms[&0].last().unwrap().2, [1, 2]);
    assert!(!c.repairs.any());
}

#[test]
fn first_sight_gets_a_status() {
    let evs = [
        Event::GoBlock {
            ts: 1_001,
            m: 1,
            p: Some(1),
            goid: 7,
            reason: 5,
        },
        Event::GoUnblock {
            ts: 1_002,
            m: 0,
            p: None,
            goid: 8,
            by: 0,
        },
    ];
    let c = convert(&hdr(), &evs);
    let d = decode(&c.bytes);
    // P1 running on M1, G7 running on M1, then the block ("sleep").
    assert_eq!(d.ms[&1][0].2, [1, 1]);
    assert_eq!(d.ms[&1][1], (ev::GO_STATUS, 2, vec![7, 1, 2]));
    assert_eq!(d.ms[&1][2].0, ev::GO_BLOCK);
    assert_eq!(d.strings[d.ms[&1][2].2[0] as usize - 1], "sleep");
    // G8 waiting (on no M), then unblocked with seq 1.
    assert_eq!(d.ms[&0][0], (ev::GO_STATUS, 3, vec![8, NO_THREAD, 4]));
    assert_eq!(d.ms[&0][1], (ev::GO_UNBLOCK, 3, vec![8, 1, 0]));
    assert_eq!(c.goroutines, 2);
}

#[test]
fn queue_events_have_no_go_counterpart() {
    let evs = [
        Event::Enqueue {
            ts: 1_001,
            m: 0,
            p: Some(0),
            goid: 1,
            queue: Queue::Global,
        },
        Event::MPark { ts: 1_002, m: 0 },
    ];
    let c = convert(&hdr(), &evs);
    assert_eq!(c.skipped, 2);
    assert!(decode(&c.bytes).ms.is_empty());
}

#[test]
fn long_streams_are_cut_into_batches_of_at_most_64k() {
    let mut evs = vec![ps(1_001, 0, 0), create(1_002, 0, 0, 1)];
    let mut ts = 1_003;
    for _ in 0..20_000 {
        evs.push(start(ts, 0, 0, 1));
        evs.push(Event::GoStop {
            ts: ts + 1,
            m: 0,
            p: Some(0),
            goid: 1,
            reason: StopReason::Preempted,
        });
        ts += 2;
    }
    let c = convert(&hdr(), &evs);
    let d = decode(&c.bytes);
    assert!(d.batch_sizes.iter().all(|&s| s <= wire::MAX_BATCH));
    assert!(d.batch_sizes.len() > 3, "{:?}", d.batch_sizes);
    assert_eq!(d.ms[&0].len(), 3 + 40_000);
    // Sequence numbers run on across batches.
    assert_eq!(d.ms[&0][d.ms[&0].len() - 2].2, [1, 20_000]);
    let times: Vec<u64> = d.ms[&0].iter().map(|e| e.1).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
}

#[test]
fn contradictions_are_counted() {
    let evs = [
        ps(1_001, 0, 0),
        create(1_002, 0, 0, 1),
        create(1_003, 0, 0, 1),
    ];
    let c = convert(&hdr(), &evs);
    assert_eq!(c.repairs.dropped, 1);
    assert_eq!(c.repairs.notes.len(), 1);
    assert!(c.repairs.notes[0].contains("already exists"));
}

#[test]
fn a_g_named_as_its_own_creator_is_created_once() {
    let evs = [Event::GoCreate {
        ts: 1_001,
        m: 0,
        p: Some(0),
        goid: 4,
        parent: 4,
    }];
    let c = convert(&hdr(), &evs);
    let d = decode(&c.bytes);
    assert_eq!(
        types(&d, 0),
        [ev::PROC_STATUS, ev::GO_CREATE],
        "no GoStatus for the creator: it is the G being created"
    );
    assert_eq!(c.goroutines, 1);
}

/// A [`Event::Stack`] on core `m` of `pcs` (absolute addresses).
fn stack(ts: u64, m: u32, pcs: &[u64]) -> Event {
    let mut offs = [0u32; gmp_sched::trace::STACK_MAX];
    for (o, pc) in offs.iter_mut().zip(pcs) {
        *o = (pc - gmp_sched::layout::KERNEL_BASE) as u32;
    }
    Event::Stack {
        ts,
        m,
        depth: pcs.len() as u8,
        pcs: offs,
    }
}

/// Return addresses of a creator's stack and the functions they lie in.
const GO: u64 = gmp_sched::layout::KERNEL_BASE + 0x100;
const SITE: u64 = gmp_sched::layout::KERNEL_BASE + 0x200;
const CALLER: u64 = gmp_sched::layout::KERNEL_BASE + 0x300;
const GOSTART: u64 = gmp_sched::layout::KERNEL_BASE + 0x400;
/// In a closure that calls `go`, inlined into the G entry that runs it.
const INLINED: u64 = gmp_sched::layout::KERNEL_BASE + 0x500;

const FIB_GO: &str = "gmp_kernel::workloads::ENTRIES::workload::fib_go";
const CLOSURE: &str = "gmp_kernel::workloads::ENTRIES::workload::run::{closure#1}";
const CALL_CLOSURE: &str = "gmp_kernel::runtime::scheduler::newproc::call_closure::<gmp_kernel::workloads::ENTRIES::workload::run::{closure#1}>";

/// The functions inlined at `pc`, innermost first, as the runner's
/// symbolizer gives them.
fn kernel_names(pc: u64) -> Vec<Frame> {
    let funcs: &[&str] = match pc {
        GO => &[
            "gmp_kernel::runtime::scheduler::newproc::newproc1::<{closure}>",
            "gmp_kernel::runtime::scheduler::newproc::go::<{closure}>",
        ],
        SITE => &[FIB_GO],
        CALLER => &["gmp_kernel::workloads::ENTRIES::workload::run"],
        GOSTART => &["gmp_kernel::runtime::scheduler::newproc::gostart"],
        INLINED => &[CLOSURE, CALL_CLOSURE],
        _ => &["unknown"],
    };
    funcs
        .iter()
        .map(|f| Frame {
            pc,
            func: f.to_string(),
            file: "kernel/src/x.rs".into(),
            line: 1,
        })
        .collect()
}

/// The GoCreate events' (new G, start stack, creator stack) arguments.
fn creates(d: &Decoded) -> Vec<(u64, u64, u64)> {
    d.ms.values()
        .flatten()
        .filter(|e| e.0 == ev::GO_CREATE)
        .map(|e| (e.2[0], e.2[1], e.2[2]))
        .collect()
}

#[test]
fn go_create_names_the_start_function_past_the_spawn_machinery() {
    let evs = [
        ps(1_001, 0, 0),
        create(1_002, 0, 0, 2),
        stack(1_002, 0, &[GO, SITE, CALLER, GOSTART]),
        create(1_003, 0, 0, 3),
        stack(1_003, 0, &[GO, SITE, SITE, CALLER, GOSTART]),
    ];
    let c = convert_with_stacks(&hdr(), &evs, &kernel_names);
    assert!(!c.repairs.any(), "{:?}", c.repairs);
    let d = decode(&c.bytes);
    let cr = creates(&d);
    assert_eq!(cr.len(), 2);
    for &(g, start, creator) in &cr {
        assert_eq!(
            d.stack(start),
            [(SITE, FIB_GO)],
            "G{g}'s start stack: one frame, the function that called go"
        );
        assert_eq!(
            d.stack(creator)[0].0,
            GO,
            "G{g}'s creator stack is kept whole"
        );
    }
    assert_eq!(
        cr[0].1, cr[1].1,
        "one start stack for Gs from one go call site"
    );
    assert_ne!(cr[0].2, cr[1].2, "their creators' stacks differ");
}

#[test]
fn a_g_without_a_creator_frame_outside_the_runtime_gets_no_start_stack() {
    let evs = [
        ps(1_001, 0, 0),
        create(1_002, 0, 0, 2),
        stack(1_002, 0, &[GO, GOSTART]),
        create(1_003, 0, 0, 3),
    ];
    let c = convert_with_stacks(&hdr(), &evs, &kernel_names);
    let d = decode(&c.bytes);
    let cr = creates(&d);
    assert_eq!(cr[0].1, 0, "every frame is spawn machinery: no start stack");
    assert_ne!(cr[0].2, 0, "but the creator's stack is written");
    assert_eq!((cr[1].1, cr[1].2), (0, 0), "no stack recorded: neither");
}

#[test]
fn a_closure_inlined_into_the_g_entry_names_its_gs_at_an_address_of_its_own() {
    let evs = [
        ps(1_001, 0, 0),
        create(1_002, 0, 0, 2),
        stack(1_002, 0, &[GO, INLINED, GOSTART]),
    ];
    let c = convert_with_stacks(&hdr(), &evs, &kernel_names);
    let d = decode(&c.bytes);
    let (_, start, creator) = creates(&d)[0];
    assert_eq!(d.stack(start), [(INLINED - 1, CLOSURE)]);
    assert_eq!(
        d.stack(creator)[1],
        (INLINED, CALL_CLOSURE),
        "the creator's stack names each address by the function it is physically in"
    );
}

#[test]
fn spawn_machinery_is_the_runtimes_newproc_and_trace_recorder() {
    assert!(start::is_spawn(
        "gmp_kernel::runtime::scheduler::newproc::go::<gmp_kernel::runtime::start::runtime_main>"
    ));
    assert!(start::is_spawn("gmp_kernel::runtime::diag::trace::record"));
    assert!(!start::is_spawn("gmp_kernel::runtime::start::start_m0"));
    assert!(!start::is_spawn(FIB_GO));
    let at = |pcs: &[u64]| start::start_frame(pcs, kernel_names).map(|f| (f.pc, f.func));
    assert_eq!(at(&[GO, SITE, CALLER]), Some((SITE, FIB_GO.into())));
    assert_eq!(at(&[SITE, CALLER]), Some((SITE, FIB_GO.into())));
    assert_eq!(at(&[GO, INLINED]), Some((INLINED - 1, CLOSURE.into())));
    assert_eq!(at(&[GO, GOSTART]), None);
    assert_eq!(at(&[]), None);
}
