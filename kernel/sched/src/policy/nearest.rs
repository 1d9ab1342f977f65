//! `nearest`: steal from the nearest core first.

use super::{Policy, Victims};

pub const RATIONALE: &str = "Go's NUMA-aware scheduler design (Dmitry Vyukov, 2014, never shipped) \
and Linux's scheduling domains both prefer a victim that shares a cache. A thief here visits the \
Ps held by Ms on its own core's siblings, then its package, then the rest, by APIC id. QEMU has \
no caches to keep warm, so this measures only what the order costs in finding work: the fixed \
order makes thieves converge on the same victims where Go's random order spreads them.";

/// The decisions.
pub const fn policy() -> Policy {
    Policy {
        victims: Victims::Nearest,
        ..super::go::policy()
    }
}
