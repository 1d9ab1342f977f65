//! The atomics the lock-free run queue is built from, named in one place.
//!
//! Design note: `runq.rs` and `glist.rs` reach their atomics only through
//! `crate::sync`. The loom tests (`tests/loom.rs`) include those two source
//! files into a test crate whose own `sync` module re-exports loom's
//! model-checked types instead, so the code loom explores is exactly the code
//! the kernel runs — not a copy that could drift.
//!
//! loom's atomics cannot be built in a `const fn`, while the kernel wants
//! `LocalRunQueue::new()` to be `const` (Ps in statics). Constructors are
//! therefore written through [`maybe_const_fn!`]: it adds `const` here and
//! nothing in the loom crate. Likewise [`null_ptr_array`] builds the ring of
//! slots (an inline-const array here, `array::from_fn` under loom).
//!
//! `BROKEN_RUNQ` is the switch for the deliberately broken queue (cargo
//! feature `broken-runq`): a negative control proving that the host tests
//! can tell a correct queue from a wrong one. (The kernel's `fault=runq-dup`
//! reaches the same bug through `runqsteal_broken`, chosen at the call.)

pub(crate) use core::hint::spin_loop;
pub(crate) use core::sync::atomic::{AtomicPtr, AtomicU32, AtomicUsize, Ordering};

/// True when the crate was built with the `broken-runq` feature: `runqgrab`
/// then claims its batch with a plain store to `runqhead` instead of the
/// compare-and-swap, so two consumers can take the same Gs. Only for proving
/// that the tests (and the kernel's torture tests) detect a broken queue.
pub const BROKEN_RUNQ: bool = cfg!(feature = "broken-runq");

/// Writes `fn` items as `const fn` (the loom build's twin writes them plain).
macro_rules! maybe_const_fn {
    ($(#[$attr:meta])* $vis:vis fn $($rest:tt)*) => {
        $(#[$attr])* $vis const fn $($rest)*
    };
}
pub(crate) use maybe_const_fn;

maybe_const_fn! {
    /// `N` null `AtomicPtr`s: the empty ring of a local run queue.
    pub(crate) fn null_ptr_array<T, const N: usize>() -> [AtomicPtr<T>; N] {
        [const { AtomicPtr::new(core::ptr::null_mut()) }; N]
    }
}
