//! The two option values that the scheduler branches on: how a running G is
//! preempted, and which scheduler model runs.
//!
//! Design note: these are enums rather than names because the kernel
//! `match`es on them in hot paths and a new mode must be handled everywhere
//! (the compiler checks that). Each enum's `CHOICES` table is built from
//! `ALL` at compile time, so the names the parser accepts, the names it
//! prints and the `--help` descriptions cannot drift apart.

use core::fmt;

/// How sysmon stops a G that has run longer than `forcepreempt`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Preempt {
    /// The timer interrupt switches the G out wherever it is (Go's async
    /// preemption, which Go does with a signal).
    Async,
    /// Sysmon only sets the G's preempt flag; the G yields when it next
    /// checks the flag at a safe point (Go before 1.14).
    Coop,
    /// Never preempt: a G runs until it blocks, yields or exits.
    Off,
}

impl Preempt {
    /// Every mode, in the order `--help` lists them.
    pub const ALL: [Preempt; 3] = [Preempt::Async, Preempt::Coop, Preempt::Off];
    /// `(name, description)` for every mode: the `preempt=` choice table.
    pub const CHOICES: [(&'static str, &'static str); 3] = {
        let mut table = [("", ""); 3];
        let mut i = 0;
        while i < table.len() {
            table[i] = (Self::ALL[i].as_str(), Self::ALL[i].describe());
            i += 1;
        }
        table
    };

    /// The option value: `async`, `coop` or `off`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Preempt::Async => "async",
            Preempt::Coop => "coop",
            Preempt::Off => "off",
        }
    }

    /// One line for `--help`.
    pub const fn describe(self) -> &'static str {
        match self {
            Preempt::Async => "the timer interrupt switches a G out wherever it is running",
            Preempt::Coop => {
                "sysmon sets the G's preempt flag; the G yields at its next safe point"
            }
            Preempt::Off => "no preemption: a G runs until it blocks, yields or exits",
        }
    }

    /// The mode named `name`, if any.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == name)
    }
}

impl fmt::Display for Preempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which scheduler runs the Gs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SchedModel {
    /// Go 1.1 and later: a P per core with its own run queue, work stealing.
    Gmp,
    /// Go 1.0: no Ps, one global run queue behind one lock.
    Gm,
}

impl SchedModel {
    /// Every model, in the order `--help` lists them.
    pub const ALL: [SchedModel; 2] = [SchedModel::Gmp, SchedModel::Gm];
    /// `(name, description)` for every model: the `sched=` choice table.
    pub const CHOICES: [(&'static str, &'static str); 2] = {
        let mut table = [("", ""); 2];
        let mut i = 0;
        while i < table.len() {
            table[i] = (Self::ALL[i].as_str(), Self::ALL[i].describe());
            i += 1;
        }
        table
    };

    /// The option value: `gmp` or `gm`.
    pub const fn as_str(self) -> &'static str {
        match self {
            SchedModel::Gmp => "gmp",
            SchedModel::Gm => "gm",
        }
    }

    /// One line for `--help`.
    pub const fn describe(self) -> &'static str {
        match self {
            SchedModel::Gmp => "Go 1.1+: per-P local run queues, runnext, work stealing",
            SchedModel::Gm => "Go 1.0: one global run queue behind one lock, no Ps",
        }
    }

    /// The model named `name`, if any.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == name)
    }
}

impl fmt::Display for SchedModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
