// The one list of in-kernel benchmarks: `bench=NAME,...` (and the runner's
// `bench NAME...`) picks from exactly these, and runs them in this order.
// One row per benchmark, in this form:
//
//     "name" => module::function, procs: One, unit: Time, real_time_only: false:
//         "the desc= of its BENCH line";
//
// - the name, and the function that measures it and prints its `BENCH`
//   line (in `single.rs`, `multi.rs` or `latency.rs` of this folder);
// - `procs`: the boot it belongs to. `One`: only at procs=1 (the kernel
//   says BENCH-SKIP otherwise); `TwoOrMore`: only at procs>=2, booted on
//   every core; `EachUpToCores` and `PowersOfTwo`: at any procs, reported
//   as `<name>-<procs>`, and booted at every procs from 1 to the cores (a
//   speedup curve) or at 1, 2, 4, ... and the cores (percentiles);
// - `unit`: `Time` (instructions under `icount=on`, else ns), `Ns` (wall
//   time, whatever icount says) or `Bytes`;
// - `real_time_only`: the figure measures several vCPUs at once, so it
//   means nothing in instructions or in TCG time (the runner's table marks
//   it unless the run is in real time);
// - the one-line description the `BENCH` line carries (`desc="..."`).
//
// Nothing else lists benchmarks: the kernel's dispatch (`bench/mod.rs`)
// and, through `gmp_sched::options::BENCHES`, which includes this very
// file, the runner's boots, name checks and table are generated from these
// rows, so a row whose function is missing does not compile.
benches! {
    "switch-raw" => single::switch_raw, procs: One, unit: Time, real_time_only: false:
        "raw register switch between two contexts, no scheduler (per switch)";
    "gosched-pingpong" => single::gosched_pingpong, procs: One, unit: Time, real_time_only: false:
        "two Gs on one P yielding to each other via gosched (per switch)";
    "runnext-handoff" => single::runnext_handoff, procs: One, unit: Time, real_time_only: false:
        "G readies the other into runnext and parks, one P (per hand-off)";
    "chan-pingpong-1p" => single::chan_pingpong_1p, procs: One, unit: Time, real_time_only: false:
        "unbuffered channel ping-pong, one P (per one-way hand-off)";
    "spawn-cold" => single::spawn_cold, procs: One, unit: Time, real_time_only: false:
        "go f() + run + exit + WaitGroup, every G newly allocated (per G)";
    "spawn-warm" => single::spawn_warm, procs: One, unit: Time, real_time_only: false:
        "go f() + run + exit + WaitGroup, free lists warm (per G)";
    "preempt-latency" => single::preempt_latency, procs: One, unit: Time, real_time_only: false:
        "timer interrupt (sysmon decides) until the next G runs";
    "tick-idle" => single::tick_idle, procs: One, unit: Time, real_time_only: false:
        "timer interrupt + sysmon on a parked core with nothing to do";
    "mem-parked-g" => single::mem_parked_g, procs: One, unit: Bytes, real_time_only: false:
        "frame + heap bytes per G parked on a channel";
    "chan-pingpong-2p" => multi::chan_pingpong_2p, procs: TwoOrMore, unit: Time, real_time_only: true:
        "unbuffered channel ping-pong between Gs wired to two cores (per one-way hand-off, crossing Ps)";
    "wake-latency" => multi::wake_latency, procs: TwoOrMore, unit: Time, real_time_only: true:
        "wake IPI sent until the parked M runs again";
    "steal-latency" => multi::steal_latency, procs: TwoOrMore, unit: Time, real_time_only: true:
        "G made runnable on a busy P until another M runs it";
    "fib-procs" => multi::fib_procs, procs: EachUpToCores, unit: Ns, real_time_only: true:
        "wall time of the fib(24) spawn tree at this procs (real time only)";
    "sched-latency" => latency::sched_latency, procs: PowersOfTwo, unit: Time, real_time_only: true:
        "runnable to running per G in producer-consumer (p50, p99 of Go's time histogram)";
}
