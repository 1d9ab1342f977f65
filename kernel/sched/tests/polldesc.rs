//! The poll descriptor's word, step by step (`src/polldesc.rs`; every
//! interleaving is in `loom_polldesc.rs`).

use gmp_sched::polldesc::{PollWord, Prepared};

#[test]
fn ready_before_the_reader_comes_is_consumed_without_parking() {
    let w = PollWord::new();
    assert_eq!(w.unblock(), None);
    assert_eq!(w.prepare(), Ok(Prepared::Ready));
    assert_eq!(w.prepare(), Ok(Prepared::Park));
}

#[test]
fn a_parked_reader_is_handed_to_the_poller() {
    let w = PollWord::new();
    assert_eq!(w.prepare(), Ok(Prepared::Park));
    assert!(w.commit(0x1000));
    assert_eq!(w.unblock(), Some(0x1000));
    assert_eq!(w.finish(), Ok(true));
}

#[test]
fn input_between_prepare_and_commit_aborts_the_park() {
    let w = PollWord::new();
    assert_eq!(w.prepare(), Ok(Prepared::Park));
    assert_eq!(w.unblock(), None, "nobody is parked yet");
    assert!(!w.commit(0x1000), "the park must be aborted");
    assert_eq!(w.finish(), Ok(true));
}

#[test]
fn a_second_waiter_is_refused() {
    let w = PollWord::new();
    assert_eq!(w.prepare(), Ok(Prepared::Park));
    assert!(w.commit(0x1000));
    assert_eq!(w.prepare(), Err(0x1000));
}

/// The race on real threads: a reader that finds no input and parks
/// (`std::thread::park`, standing for `gopark`) against a poller that makes
/// input available and readies whatever G the word hands it. 20,000
/// rounds, each with a fresh word; a lost wake-up leaves the reader parked
/// with nobody to ready it, and the round fails after 10 s naming itself.
/// (The abort path, input between `prepare` and `commit`, is rare here;
/// `input_between_prepare_and_commit_aborts_the_park` takes it step by
/// step.)
#[test]
fn a_reader_racing_the_poller_is_never_left_parked() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::{Duration, Instant};

    const ROUNDS: u64 = 20_000;
    const G: usize = 0x1000;
    struct Round {
        word: PollWord,
        input: AtomicBool,
        readied: AtomicBool,
    }
    let (mut parked, mut aborted) = (0u64, 0u64);
    for round in 0..ROUNDS {
        let r = Arc::new(Round {
            word: PollWord::new(),
            input: AtomicBool::new(false),
            readied: AtomicBool::new(false),
        });
        let reader = std::thread::current();
        let poller = {
            let r = r.clone();
            std::thread::spawn(move || {
                r.input.store(true, Ordering::SeqCst);
                if let Some(g) = r.word.unblock() {
                    assert_eq!(g, G);
                    r.readied.store(true, Ordering::SeqCst);
                    reader.unpark();
                }
            })
        };
        while !r.input.load(Ordering::SeqCst) {
            if r.word.prepare().expect("one reader") == Prepared::Park {
                if r.word.commit(G) {
                    parked += 1;
                    let since = Instant::now();
                    while !r.readied.swap(false, Ordering::SeqCst) {
                        assert!(
                            since.elapsed() < Duration::from_secs(10),
                            "round {round}: the reader was left parked (a lost wake-up)"
                        );
                        std::thread::park_timeout(Duration::from_millis(100));
                    }
                } else {
                    aborted += 1;
                }
                r.word.finish().expect("the word is not corrupted");
            }
        }
        poller.join().unwrap();
    }
    println!("{ROUNDS} rounds: {parked} parked and readied, {aborted} parks aborted");
}
