//! `go`: Go 1.27's own policy, the default (runtime/proc.go).

use super::{Policy, Ready, SpinCap, StealAmount, StealRunnext, Victims, Wake};

pub const RATIONALE: &str = "The baseline. A G readied by the running G goes to runnext and \
inherits its time slice (Go 1.5, so a producer and its consumer hand off like a coroutine); the \
local ring holds 256 and spills half to the global queue; every 61st schedule looks at the \
global queue first; a thief visits the Ps in a random coprime order, takes half of a ring, and \
takes runnext only on the last of four passes after a 3 µs pause; at most half the busy Ps have \
a spinning M (the cap golang/go#16476 calls chosen with blind intuition); sysmon preempts after \
10 ms; `wakep` starts one spinner only while none spins. Source: runtime/proc.go.";

/// The decisions.
pub const fn policy() -> Policy {
    Policy {
        ready: Ready::Runnext,
        runnext_cap: 0,
        runnext_inherits: true,
        runq_size: 256,
        global_interval: 61,
        steal: true,
        victims: Victims::Random,
        steal_amount: StealAmount::Half,
        steal_runnext: StealRunnext::LastPass,
        spin_cap: SpinCap::Half,
        timeslice_ns: 10_000_000,
        wake: Wake::OneSpinner,
    }
}
