//! A spin lock that keeps interrupts disabled while it is held.
//!
//! Interrupts are disabled *before* spinning, so a holder can never be
//! interrupted on its own core by a handler that wants the same lock, and the
//! previous interrupt state is restored when the guard drops (so nested
//! `IrqMutex`es compose: only the outermost guard re-enables interrupts).

use core::ops::{Deref, DerefMut};

use crate::arch::cpu;

/// A `spin::Mutex` whose guard also holds interrupts off on this core.
pub struct IrqMutex<T> {
    inner: spin::mutex::SpinMutex<T>,
}

/// Guard of an [`IrqMutex`]; restores the interrupt flag on drop.
pub struct IrqMutexGuard<'a, T> {
    guard: Option<spin::mutex::SpinMutexGuard<'a, T>>,
    were_enabled: bool,
}

impl<T> IrqMutex<T> {
    /// A new unlocked mutex.
    pub const fn new(value: T) -> Self {
        Self {
            inner: spin::mutex::SpinMutex::new(value),
        }
    }

    /// Disable interrupts on this core, then take the lock.
    #[inline]
    pub fn lock(&self) -> IrqMutexGuard<'_, T> {
        let were_enabled = cpu::interrupts_disable_save();
        IrqMutexGuard {
            guard: Some(self.inner.lock()),
            were_enabled,
        }
    }

    /// Take the lock on a core whose interrupts are already off (g0, or a G
    /// that disabled them): the flag is neither saved nor restored, which
    /// saves the `pushf`/`cli` and the check on release. Calling it with
    /// interrupts on is a bug (caught by the debug assertion in tests).
    #[inline]
    pub fn try_lock_irqs_off(&self) -> Option<IrqMutexGuard<'_, T>> {
        debug_assert!(
            !cpu::interrupts_enabled(),
            "IrqMutex::try_lock_irqs_off with interrupts on"
        );
        self.inner.try_lock().map(|guard| IrqMutexGuard {
            guard: Some(guard),
            were_enabled: false,
        })
    }

    /// [`IrqMutex::lock`] for a core whose interrupts are already off; see
    /// [`IrqMutex::try_lock_irqs_off`].
    #[inline]
    pub fn lock_irqs_off(&self) -> IrqMutexGuard<'_, T> {
        debug_assert!(
            !cpu::interrupts_enabled(),
            "IrqMutex::lock_irqs_off with interrupts on"
        );
        IrqMutexGuard {
            guard: Some(self.inner.lock()),
            were_enabled: false,
        }
    }

    /// Take the lock if it is free; interrupts stay as they were on failure.
    #[inline]
    pub fn try_lock(&self) -> Option<IrqMutexGuard<'_, T>> {
        let were_enabled = cpu::interrupts_disable_save();
        match self.inner.try_lock() {
            Some(guard) => Some(IrqMutexGuard {
                guard: Some(guard),
                were_enabled,
            }),
            None => {
                cpu::interrupts_restore(were_enabled);
                None
            }
        }
    }

    /// Whether some core holds the lock right now (a hint for diagnostics).
    pub fn is_locked(&self) -> bool {
        self.inner.is_locked()
    }

    /// Take the lock without touching the interrupt flag and without a
    /// guard: for code that holds several locks at once with interrupts
    /// already off (`select`).
    ///
    /// # Safety
    /// Interrupts must be off, and the caller must pair this with
    /// [`IrqMutex::raw_unlock`] and not use the data except through
    /// [`IrqMutex::raw_data`] while holding it.
    #[inline]
    pub unsafe fn raw_lock(&self) {
        core::mem::forget(self.inner.lock());
    }

    /// Release a lock taken with [`IrqMutex::raw_lock`].
    ///
    /// # Safety
    /// This core must hold the lock through `raw_lock`.
    #[inline]
    pub unsafe fn raw_unlock(&self) {
        // SAFETY: the caller holds the lock through `raw_lock`.
        unsafe { self.inner.force_unlock() };
    }

    /// The protected data, for a holder of a raw lock.
    ///
    /// # Safety
    /// This core must hold the lock through `raw_lock`; no other reference
    /// to the data may be live.
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn raw_data(&self) -> &mut T {
        // SAFETY: the caller holds the lock, so access is exclusive.
        unsafe { &mut *self.inner.as_mut_ptr() }
    }

    /// Release a lock whose guard was turned into a park token by
    /// [`IrqMutexGuard::keep_locked_for_park`]. Interrupts are left alone.
    ///
    /// # Safety
    /// The lock must be held by a guard that was kept locked for a park, and
    /// nothing may use that guard's data any more.
    #[inline]
    pub unsafe fn unlock_after_park(&self) {
        // SAFETY: the caller guarantees the lock is held and its guard gone.
        unsafe { self.inner.force_unlock() };
    }
}

impl<'a, T> IrqMutexGuard<'a, T> {
    /// Keep the lock held past this guard, for `gopark`'s unlock function
    /// to release on g0 after the G is switched out. Returns whether
    /// interrupts were enabled before the lock was taken, which the parking
    /// G restores when it resumes.
    #[inline]
    pub fn keep_locked_for_park(mut self) -> bool {
        let were = self.were_enabled;
        if let Some(g) = self.guard.take() {
            core::mem::forget(g);
        }
        self.were_enabled = false;
        were
    }
}

impl<T> Deref for IrqMutexGuard<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        self.guard.as_ref().expect("guard present until drop")
    }
}

impl<T> DerefMut for IrqMutexGuard<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        self.guard.as_mut().expect("guard present until drop")
    }
}

impl<T> Drop for IrqMutexGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        // Release the lock first, then restore interrupts: the other order
        // would let an interrupt on this core find the lock still held.
        drop(self.guard.take());
        cpu::interrupts_restore(self.were_enabled);
    }
}
