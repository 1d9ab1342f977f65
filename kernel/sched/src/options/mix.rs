//! `mix=`: which of the torture workload's operations a run draws.
//!
//! Design note: the torture's strength is its mix (spawns, yields, sleeps,
//! channels, mutexes, parking, blocking calls, preemption-length spins,
//! stutters, GOMAXPROCS changes, stop-the-world checks), and so is its
//! weakness when a failure must be explained: a smaller mix that still
//! fails points at the operations that matter. `explore --shrink` drops
//! operations one at a time while the failure stays (docs/EXPLORE.md).
//! A worker still draws from the full table, so the numbers it draws do
//! not change meaning; a drawn operation the mix leaves out is skipped.

use core::fmt;

/// One operation of the torture workload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Op {
    Spawn,
    Yield,
    Sleep,
    Send,
    Select,
    Lock,
    Park,
    Ready,
    Syscall,
    Exit,
    Spin,
    Stutter,
    Resize,
    Check,
}

impl Op {
    /// Every operation, in the order `mix=` prints them.
    pub const ALL: [Op; 14] = [
        Op::Spawn,
        Op::Yield,
        Op::Sleep,
        Op::Send,
        Op::Select,
        Op::Lock,
        Op::Park,
        Op::Ready,
        Op::Syscall,
        Op::Exit,
        Op::Spin,
        Op::Stutter,
        Op::Resize,
        Op::Check,
    ];

    /// What the operation does, for `--help`.
    pub const fn description(self) -> &'static str {
        match self {
            Op::Spawn => "spawn child Gs (now and then a burst that overflows a run queue)",
            Op::Yield => "Gosched: to the global queue and back",
            Op::Sleep => "sleep 10 us to 1 ms (a timer on this P)",
            Op::Send => "send on a buffered or unbuffered channel",
            Op::Select => "select over channels, some with a default",
            Op::Lock => "take and release a sync.Mutex",
            Op::Park => "park in the round's parking lot until the waker readies it",
            Op::Ready => "ready a parked G from the parking lot",
            Op::Syscall => "a blocking call: the P is handed off if it lasts",
            Op::Exit => "end the worker early",
            Op::Spin => "spin, now and then long enough to be preempted",
            Op::Stutter => "pauses of the main G and workers at random moments",
            Op::Resize => "GOMAXPROCS changes at random moments (procresize)",
            Op::Check => "stop-the-world checks of where every G and P is",
        }
    }

    /// The operation's name in `mix=`.
    pub const fn name(self) -> &'static str {
        match self {
            Op::Spawn => "spawn",
            Op::Yield => "yield",
            Op::Sleep => "sleep",
            Op::Send => "send",
            Op::Select => "select",
            Op::Lock => "lock",
            Op::Park => "park",
            Op::Ready => "ready",
            Op::Syscall => "syscall",
            Op::Exit => "exit",
            Op::Spin => "spin",
            Op::Stutter => "stutter",
            Op::Resize => "resize",
            Op::Check => "check",
        }
    }

    fn bit(self) -> u16 {
        1 << self as u8
    }

    fn by_name(name: &str) -> Option<Op> {
        Op::ALL.into_iter().find(|op| op.name() == name)
    }
}

/// A set of operations: what a torture run draws.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Mix(u16);

/// One line, in `mix=`'s spelling.
impl fmt::Debug for Mix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Mix({self})")
    }
}

/// `(name, description)` of every operation, for `--help`.
pub const OPS: [(&str, &str); Op::ALL.len()] = {
    let mut t = [("", ""); Op::ALL.len()];
    let mut i = 0;
    while i < t.len() {
        t[i] = (Op::ALL[i].name(), Op::ALL[i].description());
        i += 1;
    }
    t
};

impl Mix {
    /// Every operation (the default, printed `all`).
    pub const ALL: Mix = Mix((1 << Op::ALL.len()) - 1);

    /// Parses `all` or a comma-separated list of operation names (at least
    /// one; repeats are allowed).
    pub fn parse(text: &str) -> Option<Mix> {
        if text == "all" {
            return Some(Mix::ALL);
        }
        let mut bits = 0;
        for name in text.split(',') {
            bits |= Op::by_name(name)?.bit();
        }
        Some(Mix(bits))
    }

    /// Whether the run draws `op`.
    #[inline(always)]
    pub fn has(self, op: Op) -> bool {
        self.0 & op.bit() != 0
    }

    /// This mix without `op`.
    pub fn without(self, op: Op) -> Mix {
        Mix(self.0 & !op.bit())
    }

    /// How many operations the mix holds.
    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// Whether the mix holds no operation.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// `all`, or the operations' names in [`Op::ALL`] order: the spelling
/// [`Mix::parse`] reads back.
impl fmt::Display for Mix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == Mix::ALL {
            return f.write_str("all");
        }
        let mut first = true;
        for op in Op::ALL.into_iter().filter(|&op| self.has(op)) {
            if !first {
                f.write_str(",")?;
            }
            f.write_str(op.name())?;
            first = false;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn all_and_lists_parse_and_print_back() {
        assert_eq!(Mix::parse("all"), Some(Mix::ALL));
        assert_eq!(Mix::ALL.len(), Op::ALL.len());
        let m = Mix::parse("send,spawn,send").unwrap();
        assert_eq!(m.len(), 2);
        assert!(m.has(Op::Spawn) && m.has(Op::Send) && !m.has(Op::Yield));
        assert_eq!(m.to_string(), "spawn,send");
        assert_eq!(Mix::parse(&m.to_string()), Some(m));
        let every: alloc::vec::Vec<&str> = Op::ALL.iter().map(|op| op.name()).collect();
        assert_eq!(Mix::parse(&every.join(",")), Some(Mix::ALL));
        assert_eq!(Mix::ALL.to_string(), "all");
    }

    #[test]
    fn unknown_or_empty_names_are_refused() {
        assert_eq!(Mix::parse("spawn,fly"), None);
        assert_eq!(Mix::parse(""), None);
        assert_eq!(Mix::parse("spawn,"), None);
        assert_eq!(Mix::parse("All"), None);
    }

    #[test]
    fn without_drops_one_operation_only() {
        let m = Mix::ALL.without(Op::Check);
        assert_eq!(m.len(), Op::ALL.len() - 1);
        assert!(!m.has(Op::Check) && m.has(Op::Resize));
        assert_eq!(
            m.to_string(),
            "spawn,yield,sleep,send,select,lock,park,ready,syscall,exit,spin,stutter,resize"
        );
        let none = Op::ALL.into_iter().fold(Mix::ALL, Mix::without);
        assert!(none.is_empty());
        assert_eq!(none.to_string(), "");
    }
}
