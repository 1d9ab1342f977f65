//! `test-closed-send`: a send on a closed channel panics the G.
use crate::prelude::*;

/// Send on a closed channel panics the G with Go's message.
pub fn run() -> Verdict {
    let c: Chan<u32> = Chan::new(1);
    c.close();
    c.send(1);
    Err("send on a closed channel returned".into())
}
