//! The concurrent prime sieve from the Go tour, shared by `test-chan` and
//! the `sieve` demo.
use crate::prelude::*;

/// The concurrent prime sieve from the Go tour: a chain of filter Gs.
pub fn sieve(n: usize) -> Verdict {
    let primes = sieve_primes(n)?;
    check_primes(&primes)?;
    kprintln!(
        "sieve: the first {n} primes are right (last {})",
        primes[n - 1]
    );
    Ok(())
}

/// The first `n` primes from a generator G and one filter G per prime,
/// chained by unbuffered channels (the Gs are left blocked when done).
pub(crate) fn sieve_primes(n: usize) -> Result<Vec<u64>, alloc::string::String> {
    fn generate(ch: Chan<u64>) {
        let mut i = 2;
        loop {
            ch.send(i);
            i += 1;
        }
    }
    fn filter(input: Chan<u64>, out: Chan<u64>, prime: u64) {
        loop {
            let i = input.recv().expect("sieve channels never close");
            if !i.is_multiple_of(prime) {
                out.send(i);
            }
        }
    }
    let mut ch: Chan<u64> = Chan::new(0);
    {
        let ch = ch.clone();
        go(move || generate(ch));
    }
    let mut primes = Vec::with_capacity(n);
    for _ in 0..n {
        let prime = ch.recv().ok_or("sieve channel closed")?;
        primes.push(prime);
        let next: Chan<u64> = Chan::new(0);
        {
            let (input, out) = (ch.clone(), next.clone());
            go(move || filter(input, out, prime));
        }
        ch = next;
    }
    Ok(primes)
}

/// `primes` are the first primes, in order (checked by trial division).
pub(crate) fn check_primes(primes: &[u64]) -> Verdict {
    let expected: Vec<u64> = (2u64..)
        .filter(|&k| (2..k).take_while(|d| d * d <= k).all(|d| k % d != 0))
        .take(primes.len())
        .collect();
    if primes != expected {
        return Err(format!(
            "sieve produced {:?}...",
            &primes[..primes.len().min(10)]
        ));
    }
    Ok(())
}
