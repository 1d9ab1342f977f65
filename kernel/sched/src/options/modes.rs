//! The option values the kernel branches on: how a running G is preempted,
//! which scheduler model runs, and which fault (if any) is provoked.
//!
//! Design note: these are enums rather than names because the kernel
//! `match`es on them (some in hot paths) and a new value must be handled
//! everywhere (the compiler checks that); nothing compares option strings
//! at run time. Each enum is declared with its names and `--help` lines in
//! one table by [`named_enum!`](crate::named_enum), which derives `ALL`, the
//! parser's `CHOICES`, `as_str`, `describe`, `from_name` and `Display` from
//! it, so the names the parser accepts, the names it prints and the
//! descriptions cannot drift apart.

crate::named_enum! {
    /// How sysmon stops a G that has run longer than `forcepreempt`.
    pub enum Preempt {
        /// The timer interrupt switches the G out wherever it is (Go's async
        /// preemption, which Go does with a signal).
        Async => "async": "the timer interrupt switches a G out wherever it is running",
        /// Sysmon only sets the G's preempt flag; the G yields when it next
        /// checks the flag at a safe point (Go before 1.14).
        Coop => "coop": "sysmon sets the G's preempt flag; the G yields at its next safe point",
        /// Never preempt: a G runs until it blocks, yields or exits.
        Off => "off": "no preemption: a G runs until it blocks, yields or exits",
    }
}

crate::named_enum! {
    /// Which scheduler runs the Gs.
    pub enum SchedModel {
        /// Go 1.1 and later: a P per core with its own run queue, work stealing.
        Gmp => "gmp": "Go 1.1+: per-P local run queues and work stealing (runnext since Go 1.5)",
        /// Go 1.0: no Ps, one global run queue behind one lock.
        Gm => "gm": "Go 1.0: one global run queue behind one lock, no Ps",
    }
}

crate::named_enum! {
    /// What `trace=` records.
    pub enum TraceMode {
        Off => "off": "no trace",
        /// Every event, into per-core buffers dumped when the run ends.
        On => "on": "record every scheduler event, dumped when the run ends",
        /// Go's flight recorder: the last `flight` KiB of events per core in
        /// a ring, dumped when the run ends or fails.
        Flight => "flight": "keep only the last `flight` KiB of events per core, dumped at the end or on a failure",
    }
}

crate::named_enum! {
    /// A fault provoked on purpose (`fault=`), so tests can check that every
    /// failure explains itself — and negative controls, deliberate
    /// scheduler bugs that the torture workload must catch.
    pub enum Fault {
        None => "none": "no fault",
        PanicAp => "panic-ap": "an application processor panics on purpose",
        PanicG => "panic-g": "a G panics",
        PanicLate => "panic-late": "a G panics after 20 rounds of 200 spawned Gs (a long trace before the failure)",
        StackOverflow => "stack-overflow": "a G recurses until it hits its stack's guard page",
        Canary => "canary": "a G overwrites its stack canary, which schedule() checks",
        DoubleFault => "double-fault": "a #GP whose handler is missing: a double fault on its IST stack",
        IrqsOff => "irqs-off": "a G disables interrupts and spins: the watchdog must catch the core",
        WriteCode => "write-code": "a G writes to kernel code (read-only)",
        ExecStack => "exec-stack": "a G jumps into its stack (not executable)",
        Oom => "oom": "Gs are spawned and parked until memory runs out",
        ReadyTwice => "ready-twice": "a G that exited is readied again: casgstatus must name the stale waker",
        RunqLose => "runq-lose": "negative control: runqput loses a G on overflow (with workload=torture, which must fail)",
        RunqDup => "runq-dup": "negative control: runqgrab claims Gs with a plain store (with workload=torture, which must fail)",
        ResizeLose => "resize-lose": "negative control: procresize drops a G of each P it destroys (workload=torture must fail)",
        WakeLose => "wake-lose": "negative control: the torture's park lot loses a wake-up (torture must report the stall)",
        GetgRace => "getg-race": "negative control: semacquire's getg takes two loads, M then curg (the bug of 44690ea)",
    }
}

impl Fault {
    /// Whether this is a deliberate scheduler bug switched on for the
    /// selected workload (which must then find it), rather than a fault
    /// provoked on a G of its own.
    pub const fn is_negative_control(self) -> bool {
        matches!(
            self,
            Fault::RunqLose
                | Fault::RunqDup
                | Fault::ResizeLose
                | Fault::WakeLose
                | Fault::GetgRace
        )
    }
}
