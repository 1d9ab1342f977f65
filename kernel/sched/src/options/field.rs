//! How one `KEYS` row reads, writes, prints and describes its struct field.
//!
//! Design note: a row names its field through a pair of accessor functions
//! (`at!(procs)`) wrapped in the variant for the field's type, and the
//! variant also carries the range or choice list. So the value kind and the
//! field type are one thing: a row cannot say "duration" and point at a
//! `bool`, the compiler refuses it. The parser, the formatter, the "expected
//! ..." part of every error and the runner's `--help` all go through this
//! one enum, which is why adding a key is a table row plus a struct field.

use super::mix::{Mix, OPS, Op};
use super::value::{self, Duration, List, Size};
use super::{BootOptions, Fault, Preempt, SchedModel, TraceMode};
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// Reads and writes one field of [`BootOptions`].
#[derive(Debug)]
pub(crate) struct Access<T: 'static> {
    pub get: fn(&BootOptions) -> &T,
    pub get_mut: fn(&mut BootOptions) -> &mut T,
}

// Two fn pointers are always `Copy`; a derive would demand `T: Copy`.
impl<T> Clone for Access<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Access<T> {}

impl<T: PartialEq> Access<T> {
    fn same(&self, a: &BootOptions, b: &BootOptions) -> bool {
        (self.get)(a) == (self.get)(b)
    }
}

/// `at!(field)`: the [`Access`] pair for `BootOptions::field`.
macro_rules! at {
    ($field:ident) => {
        $crate::options::field::Access {
            get: |o| &o.$field,
            get_mut: |o| &mut o.$field,
        }
    };
}
pub(crate) use at;

/// The integer field types. `Opt*` fields also accept `auto` (= `None`).
#[derive(Debug, Clone, Copy)]
pub(crate) enum IntAt {
    U32(Access<u32>),
    U64(Access<u64>),
    OptU32(Access<Option<u32>>),
    OptU64(Access<Option<u64>>),
}

/// The fields that hold one name out of a fixed list.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ChoiceAt {
    /// A `&'static str` that points into the choice table itself.
    Name(Access<&'static str>),
    Preempt(Access<Preempt>),
    Sched(Access<SchedModel>),
    Fault(Access<Fault>),
    Trace(Access<TraceMode>),
}

/// What a row's value looks like and which field it lands in.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Field {
    /// Decimal integer in `min..=max`.
    Int {
        min: u64,
        max: u64,
        at: IntAt,
    },
    /// Duration in nanoseconds, `min..=max`.
    Duration {
        min: u64,
        max: u64,
        at: Access<u64>,
    },
    /// Size in bytes, a multiple of `align` in `min..=max`.
    Size {
        min: usize,
        max: usize,
        align: usize,
        at: Access<usize>,
    },
    Bool(Access<bool>),
    /// One of `choices` (name, one-line description).
    Choice {
        choices: &'static [(&'static str, &'static str)],
        at: ChoiceAt,
    },
    /// `all` or a comma-separated list of `what`.
    List {
        what: &'static str,
        at: Access<Vec<String>>,
    },
    /// `all` or a comma-separated list of torture operations.
    Mix(Access<Mix>),
}

/// The word for "not given: decide at boot" in `Opt*` integer fields.
pub(crate) const AUTO: &str = "auto";

fn in_range<T: PartialOrd>(v: T, min: T, max: T) -> Option<T> {
    (min <= v && v <= max).then_some(v)
}

impl Field {
    /// Parses `text` and stores it; `Err(())` means "not an allowed value"
    /// (the caller names the key and the allowed values).
    pub(crate) fn set(&self, o: &mut BootOptions, text: &str) -> Result<(), ()> {
        self.try_set(o, text).ok_or(())
    }

    fn try_set(&self, o: &mut BootOptions, text: &str) -> Option<()> {
        match *self {
            Field::Int { min, max, at } => {
                let auto = text == AUTO;
                let n = if auto {
                    None
                } else {
                    Some(in_range(value::parse_u64(text)?, min, max)?)
                };
                match (at, n) {
                    (IntAt::U32(a), Some(n)) => *(a.get_mut)(o) = u32::try_from(n).ok()?,
                    (IntAt::U32(_), None) => return None,
                    (IntAt::U64(a), Some(n)) => *(a.get_mut)(o) = n,
                    (IntAt::U64(_), None) => return None,
                    (IntAt::OptU32(a), n) => {
                        *(a.get_mut)(o) = n.map(u32::try_from).transpose().ok()?;
                    }
                    (IntAt::OptU64(a), n) => *(a.get_mut)(o) = n,
                }
            }
            Field::Duration { min, max, at } => {
                *(at.get_mut)(o) = in_range(value::parse_duration(text)?, min, max)?;
            }
            Field::Size {
                min,
                max,
                align,
                at,
            } => {
                let n = in_range(value::parse_size(text)?, min, max)?;
                *(at.get_mut)(o) = n.is_multiple_of(align).then_some(n)?;
            }
            Field::Bool(at) => *(at.get_mut)(o) = value::parse_bool(text)?,
            Field::Choice { choices, at } => {
                let (name, _) = choices.iter().find(|(name, _)| *name == text)?;
                match at {
                    ChoiceAt::Name(a) => *(a.get_mut)(o) = name,
                    ChoiceAt::Preempt(a) => *(a.get_mut)(o) = Preempt::from_name(name)?,
                    ChoiceAt::Sched(a) => *(a.get_mut)(o) = SchedModel::from_name(name)?,
                    ChoiceAt::Fault(a) => *(a.get_mut)(o) = Fault::from_name(name)?,
                    ChoiceAt::Trace(a) => *(a.get_mut)(o) = TraceMode::from_name(name)?,
                }
            }
            Field::List { at, .. } => *(at.get_mut)(o) = value::parse_list(text)?,
            Field::Mix(at) => *(at.get_mut)(o) = Mix::parse(text)?,
        }
        Some(())
    }

    /// Prints the field's value in its canonical spelling.
    pub(crate) fn fmt_value(&self, o: &BootOptions, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn opt<T: fmt::Display>(v: Option<T>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match v {
                Some(v) => write!(f, "{v}"),
                None => f.write_str(AUTO),
            }
        }
        match self {
            Field::Int { at, .. } => match at {
                IntAt::U32(a) => write!(f, "{}", (a.get)(o)),
                IntAt::U64(a) => write!(f, "{}", value::Fixed20(*(a.get)(o))),
                IntAt::OptU32(a) => opt(*(a.get)(o), f),
                IntAt::OptU64(a) => opt(*(a.get)(o), f),
            },
            Field::Duration { at, .. } => write!(f, "{}", Duration(*(at.get)(o))),
            Field::Size { at, .. } => write!(f, "{}", Size(*(at.get)(o))),
            Field::Bool(at) => f.write_str(value::bool_str(*(at.get)(o))),
            Field::Choice { at, .. } => f.write_str(match at {
                ChoiceAt::Name(a) => (a.get)(o),
                ChoiceAt::Preempt(a) => (a.get)(o).as_str(),
                ChoiceAt::Sched(a) => (a.get)(o).as_str(),
                ChoiceAt::Fault(a) => (a.get)(o).as_str(),
                ChoiceAt::Trace(a) => (a.get)(o).as_str(),
            }),
            Field::List { at, .. } => write!(f, "{}", List((at.get)(o))),
            Field::Mix(at) => write!(f, "{}", (at.get)(o)),
        }
    }

    /// Whether `a` and `b` hold the same value in this field.
    pub(crate) fn same(&self, a: &BootOptions, b: &BootOptions) -> bool {
        match self {
            Field::Int { at, .. } => match at {
                IntAt::U32(x) => x.same(a, b),
                IntAt::U64(x) => x.same(a, b),
                IntAt::OptU32(x) => x.same(a, b),
                IntAt::OptU64(x) => x.same(a, b),
            },
            Field::Duration { at, .. } => at.same(a, b),
            Field::Size { at, .. } => at.same(a, b),
            Field::Bool(at) => at.same(a, b),
            Field::Choice { at, .. } => match at {
                ChoiceAt::Name(x) => x.same(a, b),
                ChoiceAt::Preempt(x) => x.same(a, b),
                ChoiceAt::Sched(x) => x.same(a, b),
                ChoiceAt::Fault(x) => x.same(a, b),
                ChoiceAt::Trace(x) => x.same(a, b),
            },
            Field::List { at, .. } => at.same(a, b),
            Field::Mix(at) => at.same(a, b),
        }
    }

    /// The placeholder shown in `--help`: `procs=N`, `tick=DURATION`, ...
    pub(crate) fn value_name(&self) -> &'static str {
        match self {
            Field::Int { .. } => "N",
            Field::Duration { .. } => "DURATION",
            Field::Size { .. } => "SIZE",
            Field::Bool(_) => "on|off",
            Field::Choice { .. } => "NAME",
            Field::List { .. } | Field::Mix(_) => "LIST",
        }
    }

    /// The allowed values as a phrase that follows "expected ".
    pub(crate) fn fmt_allowed(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Field::Int { min, max, at } => {
                write!(f, "an integer from {min} to {max}")?;
                if !matches!(at, IntAt::U32(_) | IntAt::U64(_)) {
                    write!(f, ", or {AUTO}")?;
                }
                Ok(())
            }
            Field::Duration { min, max, .. } => write!(
                f,
                "a duration from {} to {}, unit ns, us, ms or s (e.g. {})",
                Duration(min),
                Duration(max),
                Duration(min),
            ),
            Field::Size {
                min, max, align, ..
            } => write!(
                f,
                "a multiple of {2} from {0} to {1}, in bytes or with K, KiB, M or MiB (e.g. {3})",
                Size(min),
                Size(max),
                Size(align),
                Size(min),
            ),
            Field::Bool(_) => f.write_str("on or off (also 1/0, true/false)"),
            Field::Choice { choices, .. } => {
                f.write_str("one of ")?;
                for (i, (name, _)) in choices.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    f.write_str(name)?;
                }
                Ok(())
            }
            Field::List { what, .. } => write!(
                f,
                "{} or a comma-separated list of {what} (letters, digits, - _ .)",
                value::LIST_ALL
            ),
            Field::Mix(_) => {
                write!(f, "{} or a comma-separated list of: ", value::LIST_ALL)?;
                for (i, op) in Op::ALL.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    f.write_str(op.name())?;
                }
                Ok(())
            }
        }
    }

    /// The choice table of a `Choice` row, the operations of `mix`; empty
    /// for other kinds.
    pub(crate) fn choices(&self) -> &'static [(&'static str, &'static str)] {
        match self {
            Field::Choice { choices, .. } => choices,
            Field::Mix(_) => &OPS,
            _ => &[],
        }
    }
}
