//! What the kernel's figures are measured in, and why: the honest-units
//! story of `gmp-metal bench`.
//!
//! Design note: the same TSC reading means three different things depending
//! on how QEMU runs. Under `-icount shift=0,sleep=off` one instruction is
//! one virtual nanosecond, so the TSC counts instructions — deterministic,
//! and comparable with callgrind's counts of host programs. Under plain TCG
//! it is emulated time, which says how fast QEMU emulates, not what the
//! code costs. Under KVM it is real time on the host CPU — the truth on
//! real hardware virtualisation, but on a host that is itself a VM with a
//! paravirtual /dev/kvm it is thousands of times too slow. The runner picks
//! the unit from how it ran QEMU (not from what the kernel claims), says
//! why, and only compares like with like.

use serde::{Deserialize, Serialize};

use super::kernel_output::Unit;
use crate::accel::Accel;

/// How the kernel's times are to be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Timebase {
    /// TCG with icount: instructions.
    Instructions,
    /// TCG with icount and `--lockstep`: instructions on each core's own
    /// clock (`arch::lockstep` in the kernel), so N cores work in parallel.
    Lockstep,
    /// TCG without icount: emulated nanoseconds.
    EmulatedNs,
    /// KVM: real nanoseconds.
    RealNs,
}

impl Timebase {
    pub fn of(accel: Accel, icount: bool, lockstep: bool) -> Timebase {
        match (accel, icount, lockstep) {
            (Accel::Kvm, _, _) => Timebase::RealNs,
            (Accel::Tcg, _, true) => Timebase::Lockstep,
            (Accel::Tcg, true, false) => Timebase::Instructions,
            (Accel::Tcg, false, false) => Timebase::EmulatedNs,
        }
    }

    /// The unit a time figure of the kernel is in.
    pub fn unit(self) -> Unit {
        match self {
            Timebase::Instructions | Timebase::Lockstep => Unit::Insn,
            Timebase::EmulatedNs | Timebase::RealNs => Unit::Ns,
        }
    }

    /// The unit of a figure the kernel printed in `printed`: a time under
    /// icount is instructions (1 instruction = 1 virtual ns), whatever the
    /// kernel called it; bytes and counts stay what they are.
    pub fn read(self, printed: Unit) -> Unit {
        match printed {
            Unit::Insn | Unit::Ns => self.unit(),
            other => other,
        }
    }

    /// One sentence: the unit and why.
    pub fn why(self) -> &'static str {
        match self {
            Timebase::Instructions => {
                "instructions: QEMU runs with -icount shift=0,sleep=off, so one instruction is one \
                 virtual nanosecond and the guest TSC counts executed instructions, the same on every \
                 run; comparable with callgrind's counts of the host programs"
            }
            Timebase::Lockstep => {
                "instructions on per-core clocks: under -icount with --lockstep each core counts \
                 the instructions it executed itself and the cores take turns within one quantum \
                 of each other, so N cores run in parallel as N cores of one instruction per ns \
                 would (no caches, no memory latency: docs/BENCH.md)"
            }
            Timebase::EmulatedNs => {
                "ns of emulated time: TCG without icount runs the guest at QEMU's emulation speed, \
                 so these say how fast QEMU emulates, not what the code costs on hardware; use \
                 --icount for instruction counts, or --accel kvm on real hardware for real time"
            }
            Timebase::RealNs => {
                "ns of real time: KVM runs the guest on the host CPU; real only with hardware \
                 virtualisation (on a host that is itself a VM, /dev/kvm may be paravirtual and \
                 thousands of times slower, which these figures would show)"
            }
        }
    }

    /// Whether times are real (so time ratios with native programs mean
    /// something).
    pub fn is_real_time(self) -> bool {
        self == Timebase::RealNs
    }

    /// Whether cores run in parallel in this timebase, so speedups and
    /// cross-core latencies mean something: real time, or lockstep's
    /// per-core clocks.
    pub fn is_parallel(self) -> bool {
        matches!(self, Timebase::RealNs | Timebase::Lockstep)
    }
}

/// Said next to figures that measure parallel behaviour.
pub const REAL_TIME_ONLY: &str = "meaningful only in real time";

/// Why a real-time-only figure means little in this run, if it does.
pub fn real_time_caveat(tb: Timebase) -> Option<&'static str> {
    match tb {
        Timebase::Instructions => Some(
            "under icount all vCPUs take turns on one host thread, so cross-core latencies and \
             speedups measure that round-robin",
        ),
        Timebase::EmulatedNs => Some(
            "multi-threaded TCG gives an upper bound at emulation speed; real KVM gives the truth",
        ),
        Timebase::RealNs | Timebase::Lockstep => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_unit_follows_how_qemu_ran() {
        assert_eq!(
            Timebase::of(Accel::Tcg, true, false),
            Timebase::Instructions
        );
        assert_eq!(Timebase::of(Accel::Tcg, false, false), Timebase::EmulatedNs);
        assert_eq!(Timebase::of(Accel::Kvm, false, false), Timebase::RealNs);
        // --lockstep implies icount; its times are per-core instructions,
        // and its speedups and cross-core latencies count.
        assert_eq!(Timebase::of(Accel::Tcg, true, true), Timebase::Lockstep);
        assert_eq!(Timebase::Lockstep.read(Unit::Ns), Unit::Insn);
        assert!(Timebase::Lockstep.is_parallel() && !Timebase::Lockstep.is_real_time());
        assert!(!Timebase::Instructions.is_parallel());
        assert!(real_time_caveat(Timebase::Lockstep).is_none());
        assert_eq!(Timebase::Instructions.read(Unit::Ns), Unit::Insn);
        assert_eq!(Timebase::EmulatedNs.read(Unit::Insn), Unit::Ns);
        assert_eq!(Timebase::Instructions.read(Unit::Bytes), Unit::Bytes);
        assert!(real_time_caveat(Timebase::Instructions).is_some());
        assert!(real_time_caveat(Timebase::RealNs).is_none());
        assert!(Timebase::RealNs.is_real_time());
    }
}
