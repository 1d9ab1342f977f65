// The one list of workloads: `workload=NAME` (and `--workload NAME`)
// accepts exactly these names. One row per workload, in this form:
//
//     "name" => "folder/file.rs", reads_input: false:
//         "one line for --help";
//
// the name; the file that holds it (relative to this folder; it must
// define `pub fn run() -> Verdict`); whether its G reads console input
// (`true`: the runner connects its stdin to the guest's COM1, as
// `console` needs; with `false` COM1 receives nothing, so the run leaves
// the terminal alone);
// and one line for `--help`. Nothing else to edit: the kernel's dispatch
// (`workloads/mod.rs`), the boot-option parser's choices, the runner's
// `--help` and its choice of stdin (`gmp_sched::options`, which includes
// this very file) are all generated from these rows, so a row whose file
// or `run` is missing does not compile. Demos first (the order `--help`
// lists them in), then the reference answers of docs/LABS.md
// (`lab: ...`), the kernel halves of the QEMU tests (`test: ...`) and the
// history experiments (`experiment: ...`). See docs/WORKLOADS.md for
// writing one.
registry! {
    "boot" => "demos/boot.rs", reads_input: false:
        "bring every core online, each M with its P, and exit";
    "producer-consumer" => "demos/producer_consumer.rs", reads_input: false:
        "producers spawn G bursts that overflow to the global queue; consumers drain; idle Ms steal";
    "bounded-buffer" => "demos/bounded_buffer.rs", reads_input: false:
        "producers and consumers on one buffered channel, checked by a ledger (docs/WORKLOADS.md)";
    "sieve" => "demos/sieve.rs", reads_input: false:
        "concurrent prime sieve: a chain of filter Gs joined by channels";
    "fib" => "demos/fib.rs", reads_input: false:
        "recursive Fibonacci spawning a G per call: a spawn tree over all cores";
    "pingpong" => "demos/pingpong.rs", reads_input: false:
        "two Gs handing a token back and forth over channels";
    "leak" => "demos/leak.rs", reads_input: false:
        "Gs leaked on purpose (a forgotten receiver); the end-of-run report names them and their creator";
    "hog" => "demos/hog.rs", reads_input: false:
        "a G spinning in loop {} and the Gs it would starve: the preemption story";
    "sleepers" => "demos/sleepers.rs", reads_input: false:
        "many Gs sleeping on timers and waking up";
    "syscall" => "demos/syscall.rs", reads_input: false:
        "a G in a blocking call hands its P off so the other Gs keep running";
    "mutex" => "demos/mutex.rs", reads_input: false:
        "many Gs contending for one mutex";
    "resize" => "demos/resize.rs", reads_input: false:
        "GOMAXPROCS 4 -> 1 -> 8 -> 2 -> 4 while work flows: what procresize moves";
    "console" => "demos/console.rs", reads_input: true:
        "a shell on the serial console: go, ps, sched, preempt...; its G waits in the netpoller";
    "torture" => "torture/mod.rs", reads_input: false:
        "random mix of spawns, channels, sleeps and locks for duration=SECS, checked by a ledger";
    "bench" => "bench/mod.rs", reads_input: false:
        "in-kernel benchmarks (pick them with bench=LIST; one-P ones need procs=1)";
    "lab-pipeline" => "labs/pipeline.rs", reads_input: false:
        "lab: numbers through a pool of worker Gs and two bounded channels (docs/LABS.md)";
    "scaling" => "experiments/scaling.rs", reads_input: false:
        "fixed work on every core: core time per unit and its gap (needs --lockstep)";
    "tour-pc" => "tourney/pc.rs", reads_input: false:
        "tournament: one producer and one consumer per P on one buffered channel (POLICY-RESULT line)";
    "tour-fib" => "tourney/fib.rs", reads_input: false:
        "tournament: the fib(26) spawn tree over every core (POLICY-RESULT line)";
    "tour-server" => "tourney/server.rs", reads_input: false:
        "tournament: timer-woken handlers beside one CPU hog per P, golang/go#51071 (POLICY-RESULT line)";
    "tour-pipeline" => "tourney/pipeline.rs", reads_input: false:
        "tournament: token rings over unbuffered channels, where runnext matters (POLICY-RESULT line)";
    "tour-burst" => "tourney/burst.rs", reads_input: false:
        "tournament: one spawner, bursts of 64 short Gs only stealing spreads (POLICY-RESULT line)";
    "test-stw" => "checks/stw.rs", reads_input: false:
        "test: stop-the-world idle, busy and against loop {} hogs (preempted or waited for)";
    "test-ledger" => "checks/ledger_waves.rs", reads_input: false:
        "test: 100,000 Gs in waves plus nested spawn trees, each must run exactly once";
    "test-parallelism" => "checks/parallelism.rs", reads_input: false:
        "test: gomaxprocs Gs spin in lock-step, which only finishes if all Ps run at once";
    "test-yield" => "checks/yield_loops.rs", reads_input: false:
        "test: many Gs yielding in loops; every yield returns, counts exact";
    "test-procs" => "checks/procs_below_cores.rs", reads_input: false:
        "test: with procs below the core count, never more Ms hold Ps than procs";
    "test-hog" => "checks/preempt_hog.rs", reads_input: false:
        "test: with procs=1 a loop {} G does not starve another, unless preempt=coop|off";
    "test-pingponghog" => "checks/pingpong_hog.rs", reads_input: false:
        "test: Go's TestPingPongHog, a light and a heavy ping-pong pair share one P fairly";
    "test-sleep" => "checks/sleep.rs", reads_input: false:
        "test: sleeps never wake early; many sleepers all wake; timers fire with Ms parked";
    "test-chan" => "checks/channels.rs", reads_input: false:
        "test: channels (ping-pong, FIFO, close, select), the sieve and a Mutex counter";
    "test-mutex" => "checks/mutex_counter.rs", reads_input: false:
        "test: a Mutex-protected counter incremented from every P ends exact";
    "test-deadlock" => "checks/deadlock.rs", reads_input: false:
        "test: a deliberate deadlock must be reported as Go does";
    "test-closed-send" => "checks/closed_send.rs", reads_input: false:
        "test: a send on a closed channel panics the G";
    "test-syscall" => "checks/syscall_handoff.rs", reads_input: false:
        "test: a G in a blocking call hands its P to another M (needs procs < cores)";
    "test-leak" => "checks/leak.rs", reads_input: false:
        "test: after 100,000 Gs every frame, heap byte and G is accounted for";
    "test-getg" => "checks/getg.rs", reads_input: false:
        "test: Gs preempted and moved between cores always get themselves from getg (procs>=2)";
    "test-pause" => "checks/pause.rs", reads_input: false:
        "test: under --icount a pause ends the vCPU's turn (what chaos=N stands on; procs>=2)";
    "test-wire" => "checks/wire.rs", reads_input: false:
        "test: a G wired to its core (LockOSThread's counterpart) stays there (procs>=2)";
    "test-wire-drain" => "checks/wire_drain.rs", reads_input: false:
        "test: a G left on a wired core's P when its wired G waits still runs (procs>=2)";
    "test-fairness" => "experiments/fairness61.rs", reads_input: false:
        "experiment: a respawn chain vs a G in the global queue (procs=1 preempt=off runnext=off)";
    "test-timeslice" => "experiments/timeslice.rs", reads_input: false:
        "experiment: two hogs share one P; counts P hand-overs per forcepreempt (procs=1)";
    "test-runnext" => "experiments/runnext.rs", reads_input: false:
        "experiment: how many ring Gs run before a G readied by a send (procs=1 preempt=off)";
    "test-spinning" => "experiments/spinning.rs", reads_input: false:
        "experiment: two Ps run dry at once, 500 times; counts spinners refused (procs>=2)";
}
