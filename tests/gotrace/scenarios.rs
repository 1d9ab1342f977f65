//! Hand-written schedules: the shapes the kernel records, each read back
//! by Go's parser.

use gmp_sched::trace::{Event, Queue, StopReason};

use super::go::{check, count, goroutines, header};
use super::input::B;

/// Two cores, two Ps: main creates two Gs, blocks on a channel, is woken
/// by a G on the other P, one G is preempted and resumed, all end.
#[test]
fn create_block_unblock_preempt_across_two_ps() {
    let mut b = B::default();
    b.pstart(1_010, 0, 0)
        .create(1_020, 0, Some(0), 1, 0)
        .start(1_030, 0, 0, 1)
        .create(1_040, 0, Some(0), 2, 1)
        .enqueue(1_041, 0, Some(0), 2, Queue::Runnext)
        .create(1_050, 0, Some(0), 3, 1)
        .block(1_060, 0, 0, 1, 1)
        .mwake(1_065, 1, 1)
        .pstart(1_064, 1, 1)
        .start(1_070, 1, 1, 2)
        .start(1_072, 0, 0, 3)
        .unblock(1_080, 1, Some(1), 1, 2)
        .end(1_090, 1, 1, 2)
        .stop(1_100, 0, 0, 3, StopReason::Preempted)
        .start(1_110, 1, 1, 3)
        .start(1_111, 0, 0, 1)
        .stop(1_120, 1, 1, 3, StopReason::Yield)
        .start(1_130, 1, 1, 3)
        .end(1_140, 1, 1, 3)
        .pstop(1_150, 1, 1)
        .mpark(1_151, 1)
        .end(1_160, 0, 0, 1);
    let Some((c, listing)) = check("basic", &header(2, 2), &mut b.0) else {
        return;
    };
    assert!(!c.repairs.any(), "{:?}", c.repairs);
    assert_eq!(c.goroutines, 3);
    assert_eq!(
        goroutines(&listing).into_iter().collect::<Vec<_>>(),
        [1, 2, 3]
    );
}

/// A blocking call that keeps its P: the kernel records ProcStart of the
/// same P (acquirep) before GoSyscallEnd; Go sees one GoSyscallEnd.
#[test]
fn syscall_fast_path_keeps_the_p() {
    let mut b = B::default();
    b.pstart(1_010, 0, 0)
        .create(1_020, 0, Some(0), 1, 0)
        .start(1_030, 0, 0, 1)
        .sys_begin(1_040, 0, 0, 1)
        .pstart(1_050, 0, 0)
        .sys_end(1_051, 0, Some(0), 1)
        .sys_begin(1_060, 0, 0, 1)
        .pstart(1_070, 0, 0)
        .sys_end(1_071, 0, Some(0), 1)
        .end(1_080, 0, 0, 1);
    let Some((c, listing)) = check("syscall_fast", &header(1, 1), &mut b.0) else {
        return;
    };
    assert!(!c.repairs.any(), "{:?}", c.repairs);
    assert_eq!(count(&listing, "Running->Syscall"), 2, "{listing}");
    assert_eq!(count(&listing, "Syscall->Running"), 2, "{listing}");
    assert_eq!(
        count(&listing, "Idle->Running"),
        1,
        "one ProcStart: {listing}"
    );
}

/// sysmon hands the P of a blocking call to another core; the call
/// returns onto an idle P (fast path, another P) or onto none (the G is
/// queued and the core parks), or gets one in `exitsyscall0`.
#[test]
fn syscall_losing_its_p_to_sysmon() {
    let mut b = B::default();
    b.pstart(1_010, 0, 0)
        .create(1_020, 0, Some(0), 1, 0)
        .create(1_021, 0, Some(0), 2, 1)
        .create(1_022, 0, Some(0), 3, 1)
        .start(1_030, 0, 0, 1)
        // G1's call loses P0 to sysmon (core 2), core 1 takes P0 and runs G2.
        .sys_begin(1_040, 0, 0, 1)
        .handoff(1_050, 2, 0)
        .pstart(1_060, 1, 0)
        .mwake(1_061, 1, 0)
        .start(1_070, 1, 0, 2)
        // G1 returns onto idle P1 and runs on.
        .pstart(1_080, 0, 1)
        .sys_end(1_081, 0, Some(1), 1)
        // Again, and this time no P is free: G1 is queued, core 0 parks.
        .sys_begin(1_090, 0, 1, 1)
        .handoff(1_100, 2, 1)
        .pstart(1_110, 2, 1)
        .start(1_120, 2, 1, 3)
        .sys_end(1_130, 0, None, 1)
        .enqueue(1_131, 0, None, 1, Queue::Global)
        .mpark(1_132, 0)
        .end(1_140, 1, 0, 2)
        .start(1_150, 1, 0, 1)
        // A third call loses P0; exitsyscall0 then finds P0 idle again.
        .sys_begin(1_160, 1, 0, 1)
        .handoff(1_170, 2, 0)
        .sys_end(1_180, 1, None, 1)
        .pstart(1_181, 1, 0)
        .start(1_182, 1, 0, 1)
        .end(1_190, 1, 0, 1)
        .end(1_200, 2, 1, 3);
    let Some((c, listing)) = check("syscall_handoff", &header(3, 2), &mut b.0) else {
        return;
    };
    assert!(!c.repairs.any(), "{:?}", c.repairs);
    assert_eq!(count(&listing, "Running->Syscall"), 3, "{listing}");
    assert_eq!(count(&listing, "Syscall->Runnable"), 3, "{listing}");
    // Go shows a P in a call as Running; sysmon's core (2) stole three.
    let steals = listing
        .lines()
        .filter(|l| l.starts_with("M=2 ") && l.contains("ProcID=") && l.contains("Running->Idle"))
        .count();
    assert_eq!(steals, 3, "three steals: {listing}");
    assert_eq!(goroutines(&listing).len(), 3);
}

/// Tracing starts mid-run: a G running, one runnable, one waiting, one in a
/// blocking call with its P and one whose P was taken, a P held by an idle
/// core, a P in a call on a core never seen.
#[test]
fn gs_and_ps_that_exist_before_tracing() {
    let mut b = B::default();
    b.block(1_010, 0, 0, 5, 5)
        .unblock(1_015, 1, Some(1), 5, 7)
        .start(1_020, 0, 0, 6)
        .sys_end(1_025, 2, Some(2), 8)
        .sys_end(1_026, 3, None, 9)
        .stop(1_030, 1, 1, 7, StopReason::Yield)
        .start(1_035, 1, 1, 5)
        .end(1_040, 2, 2, 8)
        .pstop(1_060, 4, 3)
        .handoff(1_070, 0, 4)
        .start(1_080, 2, 2, 9)
        .create(1_090, 0, Some(0), 10, 6)
        .end(1_100, 0, 0, 6);
    let Some((c, listing)) = check("preexisting", &header(5, 5), &mut b.0) else {
        return;
    };
    assert!(!c.repairs.any(), "{:?}", c.repairs);
    assert_eq!(
        goroutines(&listing).into_iter().collect::<Vec<_>>(),
        [5, 6, 7, 8, 9, 10]
    );
    assert_eq!(c.goroutines, 6);
}

/// The clocks of two cores disagree: a G is readied before (by the clock)
/// it blocks, a P is started before (by the clock) the other core let it
/// go. The merge waits for the other core; nothing needs repairing.
#[test]
fn skewed_clocks_are_reordered_not_repaired() {
    let mut b = B::default();
    b.pstart(1_010, 0, 0)
        .create(1_020, 0, Some(0), 1, 0)
        .create(1_021, 0, Some(0), 2, 0)
        .pstart(1_022, 1, 1)
        .start(1_030, 0, 0, 1)
        .start(1_031, 1, 1, 2)
        .unblock(1_195, 1, Some(1), 1, 2)
        .block(1_200, 0, 0, 1, 2)
        .stop(1_210, 1, 1, 2, StopReason::Yield)
        .pstart(1_295, 1, 0)
        .pstop(1_290, 1, 1)
        .pstop(1_300, 0, 0)
        .start(1_310, 1, 0, 1)
        .end(1_320, 1, 0, 1);
    // Core 1 stops P1 at 1_290 and starts P0 at 1_295 (its clock is
    // monotonic), before core 0 stops P0 at 1_300.
    let Some((c, _)) = check("skew", &header(2, 2), &mut b.0) else {
        return;
    };
    assert!(!c.repairs.any(), "{:?}", c.repairs);
}

/// Input Go cannot take as it is (events lost from a full buffer): the
/// output is still a trace Go accepts, and the repairs are counted.
#[test]
fn contradictory_input_is_repaired_and_counted() {
    let mut b = B::default();
    b.pstart(1_010, 0, 0)
        .create(1_020, 0, Some(0), 1, 0)
        .create(1_021, 0, Some(0), 1, 0) // created twice
        .start(1_030, 0, 0, 1)
        .start(1_040, 1, 1, 1) // runs on two cores; P1 never started
        .block(1_050, 1, 1, 1, 1)
        .unblock(1_060, 0, Some(0), 2, 0) // readies a G that never blocks
        .start(1_070, 0, 0, 2)
        .pstart(1_080, 0, 0) // P0 started twice
        .sys_end(1_090, 0, Some(0), 2) // leaves a call it never entered
        .handoff(1_100, 1, 0) // takes a P not in a call
        .end(1_110, 0, 0, 3); // a G never seen, ending
    b.0.push(Event::GoBlock {
        ts: 1_120,
        m: 2,
        p: None,
        goid: 2,
        reason: 1,
    }); // no P at all
    let Some((c, listing)) = check("repairs", &header(3, 2), &mut b.0) else {
        return;
    };
    assert!(c.repairs.dropped > 0, "{:?}", c.repairs);
    assert!(c.repairs.any());
    assert!(!goroutines(&listing).is_empty());
}

/// No events at all: still a valid (empty) trace.
#[test]
fn empty_input() {
    let _ = check("empty", &header(1, 1), &mut []);
}
