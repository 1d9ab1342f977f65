//! `test-wire`: a wired G (`wire`, Go's LockOSThread counterpart) runs on
//! its core and nowhere else, through everything that switches it out —
//! yields, sleeps, channel waits, preemption — while the other Gs keep
//! running on the other cores; and Gs queued on the wired core's P when its
//! G waits are not stranded there. Meanwhile the main G changes GOMAXPROCS
//! (down to 1 and back): the wired M keeps its P through each stop
//! (`stw::wired_stop_in_place`), and a resize never destroys it.

use crate::prelude::*;

const ROUNDS: u32 = 300;

pub fn run() -> Verdict {
    if gomaxprocs(0) < 2 {
        return Err(format!(
            "test-wire needs procs >= 2 (got {})",
            gomaxprocs(0)
        ));
    }
    let ping: Chan<u32> = Chan::new(0);
    let pong: Chan<u32> = Chan::new(0);
    let report: Chan<Result<u32, String>> = Chan::new(1);
    {
        let (ping, pong, report) = (ping.clone(), pong.clone(), report.clone());
        go(move || {
            let home = wire();
            let mut strays = 0;
            for i in 0..ROUNDS {
                match i % 4 {
                    0 => gosched(),
                    1 => sleep(MS / 10),
                    2 => {
                        // Spin past a time slice: preempted, if preemption is on.
                        let end = nanotime() + 12 * MS;
                        while nanotime() < end {
                            core::hint::spin_loop();
                        }
                    }
                    _ => {
                        // Ready a plain G onto this core's P, then wait on
                        // a channel: the plain G must run elsewhere.
                        let to_me = pong.clone();
                        go(move || to_me.send(i));
                        let _ = pong.recv();
                        ping.send(i);
                    }
                }
                if this_m() != home {
                    strays += 1;
                }
            }
            unwire();
            report.send(if strays == 0 {
                Ok(home)
            } else {
                Err(format!(
                    "the wired G ran {strays} times off its core M{home}"
                ))
            });
        });
    }
    // The other side of the channel waits, on whatever core it lands.
    let procs = gomaxprocs(0);
    for i in 0..ROUNDS / 4 {
        let _ = ping.recv();
        if i % 15 == 7 {
            // The wired G's P survives (the runtime keeps enough Ps and
            // says so); the rest come back on the next step.
            gomaxprocs(if i % 30 == 7 { 1 } else { procs });
        }
    }
    gomaxprocs(procs);
    let home = report.recv().ok_or("no report")??;
    kprintln!(
        "wire: a G wired to M{home} stayed there through {ROUNDS} yields, sleeps, preemptions and channel waits"
    );
    Ok(())
}
