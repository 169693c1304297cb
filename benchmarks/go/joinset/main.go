// Command joinset runs gopool's BM_JoinSetFanOut (benchmarks/join_bench.cpp) in Go with the
// standard library only: tiny goroutines, at most capacity alive (gopool's pool of 10000), each
// sending its result into a channel that the spawner drains once every task is started, the
// pattern a JoinSet replaces. Run it on the same machine in the same session as gopool_bench to
// compare:
//
//	go run . [-tasks 100000] [-capacity 10000] [-procs 2] [-reps 5]
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"sort"
	"time"
)

// fanOut starts tasks goroutines (at most capacity alive at once), each returning its index
// through results, then receives every result; it returns their sum.
func fanOut(tasks, capacity int) int {
	sema := make(chan struct{}, capacity)
	results := make(chan int, tasks) // a JoinSet keeps every finished result: never blocks
	for i := 0; i < tasks; i++ {
		sema <- struct{}{}
		go func(i int) {
			results <- i
			<-sema
		}(i)
	}
	sum := 0
	for i := 0; i < tasks; i++ {
		sum += <-results
	}
	return sum
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func main() {
	tasks := flag.Int("tasks", 100000, "tiny tasks per repetition")
	capacity := flag.Int("capacity", 10000, "most goroutines alive at once")
	procs := flag.Int("procs", 2, "GOMAXPROCS (BM_JoinSetFanOut runs at 2 Ps)")
	reps := flag.Int("reps", 5, "repetitions; the median is reported")
	flag.Parse()
	if *tasks <= 0 || *capacity <= 0 || *procs <= 0 || *reps <= 0 {
		fmt.Fprintln(os.Stderr, "joinset: -tasks, -capacity, -procs and -reps must be positive")
		os.Exit(2)
	}

	runtime.GOMAXPROCS(*procs)
	fmt.Printf("Go %s, GOMAXPROCS %d, %d repetitions, medians\n",
		runtime.Version(), runtime.GOMAXPROCS(0), *reps)

	want := *tasks * (*tasks - 1) / 2
	var walls []time.Duration
	for r := 0; r < *reps; r++ {
		runtime.GC()
		start := time.Now()
		if got := fanOut(*tasks, *capacity); got != want {
			fmt.Fprintf(os.Stderr, "joinset: sum %d, want %d\n", got, want)
			os.Exit(1)
		}
		walls = append(walls, time.Since(start))
	}
	wall := median(walls)
	fmt.Printf("%-44s %10.1f ms\n",
		fmt.Sprintf("fan-out: %d tasks, results via chan, cap %d", *tasks, *capacity),
		float64(wall.Microseconds())/1000)
	fmt.Printf("%-44s %10.1f ns/task  (%.2f M tasks/s)\n", "  -> JoinSet fan-out equivalent",
		float64(wall.Nanoseconds())/float64(*tasks), float64(*tasks)/wall.Seconds()/1e6)
}
