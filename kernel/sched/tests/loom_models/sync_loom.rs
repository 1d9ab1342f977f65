// The loom twin of `src/sync.rs`, included (with `include!`) into the `sync`
// module of each loom test crate; that module adds its own `BROKEN_RUNQ`.
// Same names, loom's model-checked types.

pub(crate) use loom::hint::spin_loop;
pub(crate) use loom::sync::atomic::{AtomicPtr, AtomicU32, Ordering};

/// loom's atomics cannot be built in a `const fn`: constructors stay plain.
macro_rules! maybe_const_fn {
    ($(#[$attr:meta])* $vis:vis fn $($rest:tt)*) => {
        $(#[$attr])* $vis fn $($rest)*
    };
}
pub(crate) use maybe_const_fn;

/// `N` null loom `AtomicPtr`s.
pub(crate) fn null_ptr_array<T, const N: usize>() -> [AtomicPtr<T>; N] {
    core::array::from_fn(|_| AtomicPtr::new(core::ptr::null_mut()))
}
