//! Faults provoked on purpose (boot option `fault=`), so that tests can
//! check that every failure explains itself: the report names the core, the
//! G and what was hit, and the run fails cleanly (no triple fault, no hang).
//! None of these returns normally.

use alloc::string::String;
use core::hint::black_box;

use crate::prelude::*;
use gmp_sched::options::Fault;

/// Provoke `fault` on a fresh G (the faults that are not negative
/// controls: those are scheduler bugs switched on in `debug::Knobs` for
/// the selected workload, which must find them).
pub fn run(fault: Fault) -> Verdict {
    let wg = alloc::sync::Arc::new(WaitGroup::new());
    wg.add(1);
    let w = wg.clone();
    go(move || {
        provoke(fault);
        w.done();
    });
    wg.wait();
    Err(String::from("the provoked fault did not stop the run"))
}

#[inline(never)]
#[allow(unconditional_recursion)] // the point: recurse until the guard page
fn recurse(depth: u64) -> u64 {
    let mut pad = [0u8; 512];
    pad[(depth % 512) as usize] = depth as u8;
    black_box(&mut pad);
    recurse(depth + 1) + pad[7] as u64
}

#[inline(never)]
fn victim_code() -> u64 {
    black_box(42)
}

fn provoke(fault: Fault) {
    match fault {
        Fault::PanicG => panic!("deliberate panic in a G (fault=panic-g)"),
        Fault::PanicLate => {
            // Plenty of scheduling first, so a flight recorder wraps.
            for _ in 0..20 {
                let wg = alloc::sync::Arc::new(WaitGroup::new());
                wg.add(200);
                for _ in 0..200 {
                    let w = wg.clone();
                    go(move || w.done());
                }
                wg.wait();
            }
            let wg = alloc::sync::Arc::new(WaitGroup::new());
            wg.add(1);
            go(|| panic!("deliberate panic in a G after a busy run (fault=panic-late)"));
            wg.wait();
        }
        Fault::StackOverflow => {
            black_box(recurse(0));
        }
        Fault::Canary => {
            let gp = crate::runtime::inspect::g::getg().expect("on a G");
            // SAFETY: deliberately corrupts this G's own canary word (mapped,
            // reserved) to show that schedule() notices.
            unsafe { core::ptr::write_volatile(gp.canary_addr() as *mut u64, 0xdead_beef) };
            gosched();
        }
        Fault::DoubleFault => crate::runtime::inspect::machine::provoke_double_fault(),
        Fault::IrqsOff => {
            crate::runtime::inspect::machine::interrupts_disable();
            loop {
                core::hint::spin_loop();
            }
        }
        Fault::WriteCode => {
            let target = victim_code as *const () as *mut u8;
            // SAFETY: none — this write must fault (kernel code is read-only).
            unsafe { core::ptr::write_volatile(target, 0xc3) };
        }
        Fault::ExecStack => {
            let code = black_box([0xc3u8; 16]);
            // SAFETY: none — this call must fault (stacks are not executable).
            let f: extern "C" fn() = unsafe { core::mem::transmute(code.as_ptr()) };
            f();
        }
        Fault::Oom => loop {
            // Park Gs forever until memory runs out; malg reports it.
            let hold: Chan<()> = Chan::new(0);
            go(move || {
                let _ = hold.recv();
            });
        },
        Fault::ReadyTwice => ready_twice(),
        Fault::None
        | Fault::PanicAp
        | Fault::RunqLose
        | Fault::RunqDup
        | Fault::ResizeLose
        | Fault::WakeLose
        | Fault::GetgRace => {
            panic!("fault={fault} is not provoked on a G")
        }
    }
}

/// `fault=ready-twice`: the bug class of the torture failure of
/// 2026-12-02, on purpose. A G parks and is readied, runs and exits; then a
/// stale waker readies it again. `casgstatus` must refuse ("G0 is dead,
/// expected waiting") and the report must name the stale waker (the
/// backtrace) and show the G's last transitions (its history).
fn ready_twice() {
    use alloc::sync::Arc;
    use core::sync::atomic::{AtomicPtr, Ordering};

    use crate::runtime::inspect::g::{G, Gstatus, WaitReason};

    fn publish(gp: &G, slot: *const ()) -> bool {
        // SAFETY: `slot` is the `AtomicPtr` kept alive by `ready_twice`.
        let slot = unsafe { &*(slot as *const AtomicPtr<G>) };
        slot.store(gp as *const G as *mut G, Ordering::Release);
        true
    }
    let slot = Arc::new(AtomicPtr::<G>::new(core::ptr::null_mut()));
    let s = slot.clone();
    go(move || {
        crate::runtime::inspect::gopark(
            Some(publish),
            &*s as *const AtomicPtr<G> as *const (),
            WaitReason::Park,
        );
    });
    let victim = loop {
        let gp = slot.load(Ordering::Acquire);
        if !gp.is_null() {
            // SAFETY: Gs are never freed.
            break unsafe { &*gp };
        }
        gosched();
    };
    crate::runtime::inspect::goready(victim);
    while victim.status() != Gstatus::Gdead {
        gosched();
    }
    stale_waker(victim);
}

/// The second, stale wake-up (a named frame for the backtrace).
#[inline(never)]
fn stale_waker(victim: &'static crate::runtime::inspect::g::G) {
    crate::runtime::inspect::goready(black_box(victim));
}
