#!/usr/bin/env bash
# Runs every experiment of docs/EXPERIMENTS.md and prints the lines its
# tables are made from. Usage: bash docs/run-experiments.sh [section...]
# Sections: gm fairness hog runnext spinning timeslice seed netpoll (default: all).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --release
run() { cargo run -q --release -- "$@" 2>/dev/null; }
pick() { grep -E "$1" || true; }
sections=("$@"); [ ${#sections[@]} -eq 0 ] && sections=(gm fairness hog runnext spinning timeslice seed netpoll)
for s in "${sections[@]}"; do
  case "$s" in
    gm)
      for smp in 1 2 4 8; do for model in gmp gm; do
        echo "== gm: --smp $smp workload=producer-consumer sched=$model"
        run --smp "$smp" workload=producer-consumer "sched=$model" | pick 'workload producer-consumer: ok|sched.lock|^  all '
      done; done ;;
    fairness)
      for f in on off; do
        echo "== fairness: --smp 1 workload=test-fairness procs=1 preempt=off runnext=off fairness61=$f"
        run --smp 1 workload=test-fairness procs=1 preempt=off runnext=off "fairness61=$f" | pick '^fairness:'
      done ;;
    hog)
      for p in async coop off; do
        echo "== hog: --smp 1 workload=test-hog procs=1 preempt=$p"
        run --smp 1 workload=test-hog procs=1 "preempt=$p" | pick '^hog:|preemptions'
      done ;;
    runnext)
      for r in on off; do
        echo "== runnext: --icount --smp 1 workload=bench procs=1 bench=runnext-handoff,chan-pingpong-1p,gosched-pingpong runnext=$r"
        run --icount --smp 1 workload=bench procs=1 bench=runnext-handoff,chan-pingpong-1p,gosched-pingpong "runnext=$r" | pick '^BENCH '
        echo "== runnext: --icount --smp 1 workload=test-runnext procs=1 preempt=off runnext=$r"
        run --icount --smp 1 workload=test-runnext procs=1 preempt=off "runnext=$r" | pick '^runnext:'
      done ;;
    spinning)
      for sp in on off; do
        echo "== spinning: --smp 4 workload=producer-consumer spinning=$sp"
        run --smp 4 workload=producer-consumer "spinning=$sp" | pick 'workload producer-consumer: ok|steal misses|^  all '
        echo "== spinning: --smp 4 workload=bench procs=4 bench=wake-latency,steal-latency spinning=$sp"
        run --smp 4 workload=bench procs=4 bench=wake-latency,steal-latency "spinning=$sp" | pick '^BENCH '
        for smp in 4 8; do
          echo "== spinning: --smp $smp workload=test-spinning spinning=$sp"
          run --smp "$smp" workload=test-spinning "spinning=$sp" | pick '^spinning:|test-spinning: ok'
        done
      done ;;
    timeslice)
      for f in 1ms 2ms 5ms 10ms 20ms 50ms 100ms; do
        echo "== timeslice: --smp 1 workload=test-timeslice procs=1 forcepreempt=$f"
        run --smp 1 workload=test-timeslice procs=1 "forcepreempt=$f" | pick '^timeslice:|preemptions'
      done
      echo "== timeslice: --smp 1 workload=test-timeslice procs=1 forcepreempt=2ms preempt=coop"
      run --smp 1 workload=test-timeslice procs=1 forcepreempt=2ms preempt=coop | pick '^timeslice:' ;;
    seed)
      for seed in 1 2 1; do
        echo "== seed: --smp 4 workload=producer-consumer seed=$seed"
        run --smp 4 workload=producer-consumer "seed=$seed" | pick 'first steal pass'
      done ;;
    netpoll)
      # Keystrokes 100 ms apart into the console (dev kernel: the console
      # reads its terminal through the runner, which pipes them on as they
      # come); the summary says how long each took from COM1's interrupt to
      # the reading G running, by who found the G.
      keys() { sleep 5; [ -n "$1" ] && echo "$1"; sleep 1; for _ in $(seq 40); do echo sched; sleep 0.1; done; echo exit; }
      for smp in 1 4; do for load in "" "go 8 spin" "go 16 sleep 1"; do
        echo "== netpoll: --smp $smp workload=console, load: ${load:-none}"
        keys "$load" | cargo run -q -- --smp "$smp" workload=console 2>/dev/null | pick 'netpoll latency|  netpoll: '
      done; done ;;
    *) echo "unknown section $s" >&2; exit 2 ;;
  esac
done
