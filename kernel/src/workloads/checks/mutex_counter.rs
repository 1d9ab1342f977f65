//! `test-mutex`: a Mutex-protected counter incremented from Gs on every P
//! ends exact.
use crate::prelude::*;

/// Run the check.
pub fn run() -> Verdict {
    super::common::mutex_counter::mutex_counter()
}
