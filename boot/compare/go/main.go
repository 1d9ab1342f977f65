// Command gobench runs, on the host, the Go counterparts of gmp-metal's
// in-kernel benchmarks, so `gmp-metal bench --compare` can set the two side
// by side.
//
// Design note: one operation per process, its iteration count from the
// command line, and nothing else done between start-up and exit. The runner
// counts instructions by running the same operation at two counts under
// callgrind and dividing the difference, so whatever start-up costs
// cancels; it times the operation from the figure printed here, which
// covers the loop alone. Every result is one line:
//
//	HOSTBENCH op=<name> n=<ops> ns_per_op=<float> [key=value...]
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"time"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: gobench OP N [ARGS...]")
		fmt.Fprintln(os.Stderr, "ops: gosched-pingpong runnext-handoff chan-pingpong-1p chan-pingpong-2p spawn mem-parked-g fib (N = fib argument, then CUTOFF PROCS)")
		os.Exit(2)
	}
	op := os.Args[1]
	n, err := strconv.Atoi(os.Args[2])
	if err != nil || n < 2 {
		fmt.Fprintf(os.Stderr, "gobench: N must be an integer >= 2, got %q\n", os.Args[2])
		os.Exit(2)
	}
	switch op {
	case "gosched-pingpong":
		report(op, n, goschedPingPong(n))
	case "runnext-handoff":
		report(op, n, runnextHandoff(n))
	case "chan-pingpong-1p":
		report(op, n, chanPingPong(n, 1))
	case "chan-pingpong-2p":
		report(op, n, chanPingPong(n, 2))
	case "spawn":
		report(op, n, spawn(n))
	case "mem-parked-g":
		memParkedG(n)
	case "fib":
		fibTree(n, intArg(3, 0), intArg(4, 1))
	default:
		fmt.Fprintf(os.Stderr, "gobench: unknown op %q\n", op)
		os.Exit(2)
	}
}

func intArg(i, def int) int {
	if len(os.Args) <= i {
		return def
	}
	v, err := strconv.Atoi(os.Args[i])
	if err != nil {
		fmt.Fprintf(os.Stderr, "gobench: argument %d must be an integer, got %q\n", i, os.Args[i])
		os.Exit(2)
	}
	return v
}

func report(op string, n int, d time.Duration) {
	fmt.Printf("HOSTBENCH op=%s n=%d ns_per_op=%.3f\n", op, n, float64(d.Nanoseconds())/float64(n))
}

// goschedPingPong: two goroutines on one P, each calling runtime.Gosched in
// a loop, so every call switches to the other through the run queue. n is
// the number of switches.
func goschedPingPong(n int) time.Duration {
	runtime.GOMAXPROCS(1)
	var wg sync.WaitGroup
	per := n / 2
	wg.Add(2)
	start := time.Now()
	for i := 0; i < 2; i++ {
		go func() {
			for j := 0; j < per; j++ {
				runtime.Gosched()
			}
			wg.Done()
		}()
	}
	wg.Wait()
	return time.Since(start)
}

// runnextHandoff: a goroutine readies the other and parks, on one P. Go
// code cannot call ready/park itself; a sync.Mutex used as a semaphore does
// exactly that: Unlock with a waiter readies it into runnext (semrelease ->
// goready), Lock on a held mutex parks (semacquire). n is the number of
// hand-offs.
func runnextHandoff(n int) time.Duration {
	runtime.GOMAXPROCS(1)
	var a, b sync.Mutex
	a.Lock()
	b.Lock()
	var wg sync.WaitGroup
	per := n / 2
	wg.Add(2)
	start := time.Now()
	go func() { // B: waits for its turn on b, hands the turn back on a
		for j := 0; j < per; j++ {
			b.Lock()
			a.Unlock()
		}
		wg.Done()
	}()
	go func() { // A: hands the turn to B on b, waits for it back on a
		for j := 0; j < per; j++ {
			b.Unlock()
			a.Lock()
		}
		wg.Done()
	}()
	wg.Wait()
	return time.Since(start)
}

// chanPingPong: a token goes back and forth over two unbuffered channels.
// n is the number of one-way hand-offs.
func chanPingPong(n, procs int) time.Duration {
	runtime.GOMAXPROCS(procs)
	ping := make(chan int)
	pong := make(chan int)
	per := n / 2
	done := make(chan struct{})
	go func() {
		for j := 0; j < per; j++ {
			pong <- (<-ping)
		}
		close(done)
	}()
	start := time.Now()
	for j := 0; j < per; j++ {
		ping <- j
		<-pong
	}
	<-done
	return time.Since(start)
}

// spawn: go f() + WaitGroup, one goroutine at a time, on one P: spawn, run,
// exit, and the spawner wakes up. After the first, the free G list is warm.
func spawn(n int) time.Duration {
	runtime.GOMAXPROCS(1)
	var wg sync.WaitGroup
	f := func() { wg.Done() }
	start := time.Now()
	for j := 0; j < n; j++ {
		wg.Add(1)
		go f()
		wg.Wait()
	}
	return time.Since(start)
}

// memParkedG: n goroutines blocked on one channel; the growth of stack and
// heap in use, divided by n, is the memory of one parked goroutine.
func memParkedG(n int) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	block := make(chan struct{})
	var started sync.WaitGroup
	started.Add(n)
	for j := 0; j < n; j++ {
		go func() {
			started.Done()
			<-block
		}()
	}
	started.Wait()
	runtime.GC()
	runtime.ReadMemStats(&after)
	stack := float64(after.StackInuse-before.StackInuse) / float64(n)
	heap := (float64(after.HeapInuse) - float64(before.HeapInuse)) / float64(n)
	fmt.Printf("HOSTBENCH op=mem-parked-g n=%d bytes_per_g=%.1f stack_per_g=%.1f heap_per_g=%.1f\n",
		n, stack+heap, stack, heap)
	close(block)
}

// fibTree: the wall time of fib(n) computed as a spawn tree, the same
// shape as the kernel's: below the cutoff a call is sequential; at or above
// it, fib(n-1) runs in a new goroutine that sends its result on a channel
// of capacity 1 while the caller computes fib(n-2) itself.
func fibTree(n, cutoff, procs int) {
	runtime.GOMAXPROCS(procs)
	start := time.Now()
	v := fibSpawn(uint64(n), uint64(cutoff))
	d := time.Since(start)
	if v != fibSeq(uint64(n)) {
		fmt.Fprintf(os.Stderr, "gobench: fib(%d) = %d is wrong\n", n, v)
		os.Exit(1)
	}
	fmt.Printf("HOSTBENCH op=fib n=%d ns_per_op=%d procs=%d cutoff=%d value=%d\n",
		n, d.Nanoseconds(), procs, cutoff, v)
}

func fibSeq(n uint64) uint64 {
	if n < 2 {
		return n
	}
	return fibSeq(n-1) + fibSeq(n-2)
}

func fibSpawn(n, cutoff uint64) uint64 {
	if n < cutoff || n < 2 {
		return fibSeq(n)
	}
	ch := make(chan uint64, 1)
	go func() { ch <- fibSpawn(n-1, cutoff) }()
	b := fibSpawn(n-2, cutoff)
	return <-ch + b
}
