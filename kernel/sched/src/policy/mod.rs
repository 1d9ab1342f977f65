//! Scheduling policies: the decisions Go's scheduler makes at fixed
//! points, gathered in one value that can be swapped (sched_ext's idea,
//! applied to Go's scheduler).
//!
//! Design note: the *mechanism* — run queues, `runnext`, the global queue,
//! stealing, spinning Ms, sysmon's preemption — is the scheduler itself
//! and is not replaceable. A [`Policy`] only answers the questions the
//! mechanism asks at its decision points:
//!
//! | point (Go's function) | question | field |
//! |---|---|---|
//! | `runqput(gp, next)` | does a readied G go to `runnext` or the tail? | [`Policy::ready`], [`Policy::runnext_cap`] |
//! | `runqget` | does a G from `runnext` inherit the time slice? | [`Policy::runnext_inherits`] |
//! | `runqput` → `runqputslow` | how big is the local ring; how much spills? | [`Policy::runq_size`] (half of it spills) |
//! | `findRunnable`, `schedtick % 61` | how often is the global queue looked at first? | [`Policy::global_interval`] |
//! | `stealWork` / `runqgrab` | steal at all? from whom first? how much? `runnext` on which pass? | [`Policy::steal`], [`Policy::victims`], [`Policy::steal_amount`], [`Policy::steal_runnext`] |
//! | `findRunnable`, `2*nmspinning < procs-npidle` | may one more M spin? | [`Policy::spin_cap`] |
//! | `sysmon` → `retake`, `forcePreemptNS` | how long may a G keep its P? | [`Policy::timeslice_ns`] |
//! | `ready` → `wakep` | whom to wake for new work? | [`Policy::wake`] |
//!
//! A policy is plain data: every field is read with one load on the path
//! that asks, so swapping policies costs no dynamic dispatch and Go's
//! policy ([`go::policy`]) runs the code it ran before the seam existed.
//! The list is [`POLICIES`], built from `registry.rs`: a policy of one's
//! own is one file that defines `pub const fn policy() -> Policy` plus one row
//! there. The historical switches (`runnext=off`, `fairness61=off`,
//! `steal=off`, `spinning=off`, `forcepreempt=`) still apply, on top of
//! the chosen policy ([`Policy::with_switches`]).

use crate::options::BootOptions;

/// Where a G readied by the running G goes (`runqput`'s `next`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ready {
    /// Into `runnext`: it runs next, before the ring (Go, since 1.5).
    Runnext,
    /// At the tail of the ring, behind everything queued (FIFO).
    Tail,
}

/// How much a thief takes from a victim's ring.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StealAmount {
    /// Half, rounded up (Go's `runqgrab`, tokio's `steal_into`).
    Half,
    /// One G per steal.
    One,
}

/// The order in which a thief visits the other Ps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Victims {
    /// Go's `stealOrder`: a random start and a random coprime stride,
    /// drawn anew on each pass.
    Random,
    /// Nearest first by APIC topology: Ps held by Ms on the same core
    /// (SMT siblings), then the same package, then the rest, each group in
    /// order of APIC id distance.
    Nearest,
}

/// On which steal passes a victim's `runnext` may be taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StealRunnext {
    /// Only on the last of the four passes, after a pause (Go).
    LastPass,
    /// Never: `runnext` belongs to its P (tokio's LIFO slot before 1.51).
    Never,
    /// On every pass (tokio 1.51's stealable LIFO slot, #7431).
    EveryPass,
}

/// How many Ms may spin (look for work) at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpinCap {
    /// At most half the busy Ps (`2*nmspinning < procs-npidle`, Go).
    Half,
    /// At most one spinning M.
    One,
    /// No cap: every M that runs dry spins.
    All,
}

/// Whom new work wakes (`wakep`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wake {
    /// One spinning M, and only while none spins; a spinner that finds
    /// work wakes the next (Go: parallelism ramps up one M at a time).
    OneSpinner,
    /// A spinning M for every idle P, whether or not one spins already.
    EveryIdleP,
}

/// The answers a policy gives at the decision points (module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Where a readied G goes.
    pub ready: Ready,
    /// After this many Gs in a row run from `runnext` on a P, a readied G
    /// goes to the tail instead (tokio's `MAX_LIFO_POLLS_PER_TICK`); 0 =
    /// no cap (Go relies on the inherited time slice instead).
    pub runnext_cap: u32,
    /// A G run from `runnext` shares the current time slice (Go's
    /// `inheritTime`) instead of starting a new one.
    pub runnext_inherits: bool,
    /// The local ring's usable size, 2..=256; when it is full, half of it
    /// plus the new G go to the global queue (Go: 256, half).
    pub runq_size: u32,
    /// Every this many schedule ticks the global queue is looked at first;
    /// 0 = never (Go: 61).
    pub global_interval: u32,
    /// Idle Ms steal from other Ps.
    pub steal: bool,
    /// The order of victims.
    pub victims: Victims,
    /// How much is taken from a victim.
    pub steal_amount: StealAmount,
    /// When a victim's `runnext` may be taken.
    pub steal_runnext: StealRunnext,
    /// How many Ms may spin at once.
    pub spin_cap: SpinCap,
    /// How long a G may keep its P before sysmon preempts it, ns (Go's
    /// `forcePreemptNS`, 10 ms).
    pub timeslice_ns: u64,
    /// Whom new work wakes.
    pub wake: Wake,
}

/// The local ring's full size (`LocalRunQueue`'s default `N`).
pub const RUNQ_SIZE: u32 = 256;

impl Policy {
    /// The policy in force once the boot options' historical switches are
    /// applied on top of `self`: `runnext=off` puts readied Gs at the
    /// tail, `fairness61=off` never looks at the global queue first,
    /// `steal=off` stops stealing, `spinning=off` lets every M spin, and a
    /// `forcepreempt` other than Go's 10 ms sets the time slice.
    pub fn with_switches(self, o: &BootOptions) -> Policy {
        let mut p = self;
        if !o.runnext {
            p.ready = Ready::Tail;
        }
        if !o.fairness61 {
            p.global_interval = 0;
        }
        if !o.steal {
            p.steal = false;
        }
        if !o.spinning {
            p.spin_cap = SpinCap::All;
        }
        if o.forcepreempt_ns != go::policy().timeslice_ns {
            p.timeslice_ns = o.forcepreempt_ns;
        }
        p
    }

    /// Whether a readied G goes to `runnext`, given how many Gs in a row
    /// this P has run from `runnext` (`streak`).
    #[inline(always)]
    pub fn ready_to_runnext(&self, streak: u32) -> bool {
        self.ready == Ready::Runnext && (self.runnext_cap == 0 || streak < self.runnext_cap)
    }

    /// Whether pass `pass` (0-based) of `tries` may take a victim's
    /// `runnext`.
    pub fn steal_runnext_on(&self, pass: usize, tries: usize) -> bool {
        match self.steal_runnext {
            StealRunnext::LastPass => pass + 1 == tries,
            StealRunnext::Never => false,
            StealRunnext::EveryPass => true,
        }
    }

    /// The most Gs one steal takes.
    pub fn steal_max(&self) -> u32 {
        match self.steal_amount {
            StealAmount::Half => u32::MAX,
            StealAmount::One => 1,
        }
    }

    /// Whether one more M may start spinning (`nmspinning` spin now,
    /// `npidle` of `procs` Ps are idle).
    pub fn may_start_spinning(&self, nmspinning: u32, procs: u32, npidle: u32) -> bool {
        match self.spin_cap {
            SpinCap::Half => crate::spinning::may_start_spinning(nmspinning, procs, npidle),
            SpinCap::One => nmspinning == 0,
            SpinCap::All => true,
        }
    }

    /// Whether the global queue is looked at first on schedule tick `tick`.
    #[inline(always)]
    pub fn global_first(&self, tick: u64) -> bool {
        self.global_interval != 0 && tick.is_multiple_of(u64::from(self.global_interval))
    }

    /// The problems with the values, as one sentence; `Ok` if it is sound.
    pub fn check(&self) -> Result<(), &'static str> {
        if !(2..=RUNQ_SIZE).contains(&self.runq_size) {
            return Err("runq_size must be from 2 to 256");
        }
        if self.timeslice_ns < 100_000 {
            return Err("timeslice_ns must be at least 100 µs (sysmon's tick is 20 µs to 10 ms)");
        }
        Ok(())
    }
}

/// One registered policy.
#[derive(Debug)]
pub struct PolicyRow {
    /// The name `policy=` takes.
    pub name: &'static str,
    /// One line for `--help`.
    pub help: &'static str,
    /// Why it is worth comparing, and where it comes from (one paragraph).
    pub rationale: &'static str,
    /// The decisions (a function, so that a lab's unfinished policy can
    /// panic when it is chosen rather than when it is compiled).
    pub policy: fn() -> Policy,
}

/// Builds [`POLICIES`] and [`POLICY_CHOICES`] from `registry.rs`'s rows.
macro_rules! policies {
    ($( $name:literal => $file:ident : $help:literal; )*) => {
        $( pub mod $file; )*

        /// Every policy, in registry order; the first is the default.
        pub static POLICIES: &[PolicyRow] = &[ $( PolicyRow {
            name: $name,
            help: $help,
            rationale: $file::RATIONALE,
            policy: $file::policy,
        }, )* ];

        /// `(name, help)` of every policy, for the `policy=` option.
        pub static POLICY_CHOICES: &[(&str, &str)] = &[ $( ($name, $help), )* ];
    };
}

include!("registry.rs");

/// The policy called `name`.
pub fn find(name: &str) -> Option<&'static PolicyRow> {
    POLICIES.iter().find(|r| r.name == name)
}

#[cfg(test)]
mod tests;
