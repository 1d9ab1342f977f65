//! Console input for workloads: `read`, `read_byte`, `read_line`, on top
//! of the netpoller.
//!
//! Design note: a reading G that finds no input parks in the netpoller
//! (`netpoll::read`), as a Go program's `os.Stdin.Read` parks in Go's. Bytes
//! come from the console's input ring in chunks into one buffer here, under
//! a runtime `Mutex` (a parking lock), which also makes readers take turns:
//! the netpoller's descriptor has room for one waiting G, like Go's.

use alloc::vec::Vec;

use crate::runtime::gsync::mutex::Mutex;
use crate::runtime::scheduler::netpoll;

struct Buffered {
    buf: [u8; 256],
    at: usize,
    end: usize,
    /// The last line ended with `\r`: a `\n` right after it belongs to it.
    after_cr: bool,
}

impl Buffered {
    /// The next byte, parking until there is one.
    fn next(&mut self) -> u8 {
        if self.at == self.end {
            self.end = netpoll::read(&mut self.buf);
            self.at = 0;
        }
        self.at += 1;
        self.buf[self.at - 1]
    }
}

static INPUT: Mutex<Buffered> = Mutex::new(Buffered {
    buf: [0; 256],
    at: 0,
    end: 0,
    after_cr: false,
});

/// Turn console input on now (the netpoller routes COM1's interrupt and
/// says so on the console); the first read does it otherwise.
pub fn input_open() {
    netpoll::open();
}

/// Read at least one byte of console input into `buf` (parking until
/// there is some); returns how many.
pub fn read(buf: &mut [u8]) -> usize {
    let mut input = INPUT.lock();
    let mut n = 0;
    while n < buf.len() && input.at < input.end {
        buf[n] = input.buf[input.at];
        input.at += 1;
        n += 1;
    }
    if n > 0 || buf.is_empty() {
        return n;
    }
    netpoll::read(buf)
}

/// One byte of console input, parking until there is one.
pub fn read_byte() -> u8 {
    INPUT.lock().next()
}

/// A line of console input, without its end: `\n`, `\r` (what Enter sends
/// from a terminal in raw mode) or `\r\n`.
#[derive(Debug, Default)]
pub struct Line {
    /// The line's first `max` bytes.
    pub bytes: Vec<u8>,
    /// Bytes past `max` that were read and dropped.
    pub dropped: usize,
}

/// Read up to the next line end, keeping at most `max` bytes (the rest of a
/// longer line is read and counted in `dropped`), parking while there is
/// no input.
pub fn read_line(max: usize) -> Line {
    let mut input = INPUT.lock();
    let mut line = Line::default();
    loop {
        let b = input.next();
        let after_cr = core::mem::replace(&mut input.after_cr, b == b'\r');
        match b {
            b'\n' if after_cr && line.bytes.is_empty() && line.dropped == 0 => {}
            b'\n' | b'\r' => break,
            b if line.bytes.len() < max => line.bytes.push(b),
            _ => line.dropped += 1,
        }
    }
    line
}
