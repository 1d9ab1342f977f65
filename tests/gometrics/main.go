// Command gometrics prints what the Go running it says about its
// runtime/metrics, for tests/metrics.rs to hold the kernel's --metrics
// file against: the Go version, then one line per metric of
// metrics.All() (name, kind, cumulative), then, for each histogram
// metric named on the command line, the bucket boundaries metrics.Read
// gives for it in this process.
//
//	go run tests/gometrics/main.go /sched/latencies:seconds
package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
)

func kind(k metrics.ValueKind) string {
	switch k {
	case metrics.KindUint64:
		return "KindUint64"
	case metrics.KindFloat64:
		return "KindFloat64"
	case metrics.KindFloat64Histogram:
		return "KindFloat64Histogram"
	}
	return "KindBad"
}

func main() {
	fmt.Printf("version %s\n", runtime.Version())
	for _, d := range metrics.All() {
		fmt.Printf("metric %s %s %t\n", d.Name, kind(d.Kind), d.Cumulative)
	}
	for _, name := range os.Args[1:] {
		s := []metrics.Sample{{Name: name}}
		metrics.Read(s)
		if s[0].Value.Kind() != metrics.KindFloat64Histogram {
			fmt.Fprintf(os.Stderr, "%s is not a histogram here\n", name)
			os.Exit(1)
		}
		var b []string
		for _, x := range s[0].Value.Float64Histogram().Buckets {
			b = append(b, strconv.FormatFloat(x, 'g', -1, 64))
		}
		fmt.Printf("buckets %s %s\n", name, strings.Join(b, " "))
	}
}
