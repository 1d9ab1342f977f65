// Command godump blocks goroutines in the ways the kernel's goroutine
// dumps show them, then prints Go's own dump for tests/goroutines.rs to
// parse beside the kernel's: Go 1.27's goroutineleak profile at debug=2,
// which runs the leak-finding GC and then lists every goroutine in the
// layout of a traceback, the leaked ones marked "(leaked)".
package main

import (
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"time"
)

// first returns the first of three answers and forgets the other two:
// their goroutines block in the send for good (the forgotten receiver).
func first() int {
	answers := make(chan int)
	for replica := range 3 {
		go func(r int) { answers <- r }(replica)
	}
	return <-answers
}

func receiver(in chan int) { <-in }

func selector(a, b chan int) {
	select {
	case <-a:
	case <-b:
	}
}

// blockedAll reports whether runtime.Stack shows every goroutine blocked
// where this program puts it.
func blockedAll() bool {
	buf := make([]byte, 1<<20)
	s := string(buf[:runtime.Stack(buf, true)])
	return strings.Count(s, "[chan send") == 2 &&
		strings.Contains(s, "[chan receive]") &&
		strings.Contains(s, "[select]") &&
		strings.Contains(s, "[sync.Mutex.Lock]")
}

func main() {
	var mu sync.Mutex
	mu.Lock()
	go func() { mu.Lock() }()
	in, other := make(chan int), make(chan int)
	go receiver(in)
	go selector(in, other)
	first()
	for !blockedAll() {
		time.Sleep(time.Millisecond)
	}
	pprof.Lookup("goroutineleak").WriteTo(os.Stdout, 2)
	// Still in use: the goroutines blocked on them are not leaks.
	runtime.KeepAlive(&mu)
	runtime.KeepAlive(in)
	runtime.KeepAlive(other)
}
