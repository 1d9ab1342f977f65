//! `boot`: every core comes online, each M with its P, the runtime starts
//! its main G — and the main G returns at once. The smallest run, used to
//! time bring-up and to check that every topology boots.

use crate::prelude::*;

/// Nothing to do: getting here is the point.
pub fn run() -> Verdict {
    Ok(())
}
