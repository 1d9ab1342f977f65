//! The first broken invariant of a torture run.
//!
//! Design note: many Gs (and the checker) may find a problem at once; only
//! the first report is kept, so the final `FAILURE:` line names the first
//! thing that went wrong rather than its consequences. Everyone polls
//! [`failed`] to stop early instead of waiting for Gs that will never come.

use alloc::string::String;
use core::sync::atomic::{AtomicBool, Ordering};

use crate::runtime::inspect::machine::IrqMutex;

static FAILED: AtomicBool = AtomicBool::new(false);
static FIRST: IrqMutex<Option<String>> = IrqMutex::new(None);

/// Record `why` unless something was recorded already.
pub fn fail(why: String) {
    let mut first = FIRST.lock();
    if first.is_none() {
        *first = Some(why);
        FAILED.store(true, Ordering::Release);
    }
}

/// Whether a failure was recorded.
pub fn failed() -> bool {
    FAILED.load(Ordering::Acquire)
}

/// The first failure, if any.
pub fn first() -> Option<String> {
    FIRST.lock().clone()
}
