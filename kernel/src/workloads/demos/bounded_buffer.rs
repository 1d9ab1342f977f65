//! `bounded-buffer`: the classic producer–consumer problem, Go style —
//! N producers and M consumers share one buffered channel (the bounded
//! buffer), and a ledger proves every item was consumed exactly once.
//! This file is the complete example of docs/WORKLOADS.md.

use crate::prelude::*;

const PRODUCERS: usize = 4;
const CONSUMERS: usize = 3;
const ITEMS_EACH: usize = 2_000;
const CAPACITY: usize = 16;

pub fn run() -> Verdict {
    let buffer: Chan<usize> = Chan::new(CAPACITY);
    let ledger = Arc::new(Ledger::new(PRODUCERS * ITEMS_EACH));
    let producers = Arc::new(WaitGroup::new());
    let consumers = Arc::new(WaitGroup::new());
    producers.add(PRODUCERS as i64);
    for p in 0..PRODUCERS {
        let (buffer, done) = (buffer.clone(), producers.clone());
        go(move || {
            for i in 0..ITEMS_EACH {
                buffer.send(p * ITEMS_EACH + i); // blocks while the buffer is full
            }
            done.done();
        });
    }
    consumers.add(CONSUMERS as i64);
    for _ in 0..CONSUMERS {
        let (buffer, ledger, done) = (buffer.clone(), ledger.clone(), consumers.clone());
        go(move || {
            while let Some(item) = buffer.recv() {
                ledger.mark(item); // panics if an item arrives twice
            }
            done.done(); // the buffer is closed and drained
        });
    }
    producers.wait();
    buffer.close();
    consumers.wait();
    ledger.verify("items")?; // every item consumed, none twice
    kprintln!(
        "bounded-buffer: {PRODUCERS} producers, {CONSUMERS} consumers, {} items through a buffer of {CAPACITY}: each consumed exactly once",
        PRODUCERS * ITEMS_EACH
    );
    Ok(())
}
