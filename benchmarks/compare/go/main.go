// Command go is Go's side of gopool's comparison program (benchmarks/compare/compare.py): one
// workload per process, run once untimed at size WARMUP, then once timed at size N, printing
// one JSON line. Standard library only.
//
//	go build -o compare_go . && ./compare_go WORKLOAD N [WARMUP]
//
// Workloads: yield, pingpong and sieve on GOMAXPROCS(1); post_inside (empty tasks through a
// channel semaphore of 10 000, the Go counterpart of a pool's post), submit (the same with a
// one-slot result channel per task, received in batches of 1000), sleep1ms (n x 1 ms through a
// semaphore of 10 000) and sleep10ms (n x 10 ms through a semaphore of 50 000, ants'
// BenchmarkSemaphore; with the peak RSS) on GOMAXPROCS(2).
package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type figure struct {
	value      float64
	unit       string
	peakRSSMiB float64 // < 0: not measured
}

func perItemNs(d time.Duration, items float64) figure {
	return figure{float64(d.Nanoseconds()) / items, "ns", -1}
}

func millionsPerSecond(d time.Duration, items float64) figure {
	return figure{items / d.Seconds() / 1e6, "M/s", -1}
}

func milliseconds(d time.Duration) figure {
	return figure{float64(d.Microseconds()) / 1e3, "ms", -1}
}

// statusKiB reads a field (VmHWM, VmRSS) of /proc/self/status in KiB, or -1.
func statusKiB(field string) float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := s.Text()
		if strings.HasPrefix(line, field+":") {
			v := strings.Fields(strings.TrimPrefix(line, field+":"))
			if len(v) > 0 {
				n, _ := strconv.ParseFloat(v[0], 64)
				return n
			}
		}
	}
	return -1
}

// yield: two goroutines calling Gosched on one P; ns per switch (two per iteration).
func yield(n int) figure {
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		for !stop.Load() {
			runtime.Gosched()
		}
		wg.Done()
	}()
	runtime.Gosched()
	start := time.Now()
	for i := 0; i < n; i++ {
		runtime.Gosched()
	}
	elapsed := time.Since(start)
	stop.Store(true)
	wg.Wait()
	return perItemNs(elapsed, 2*float64(n))
}

// pingPong: unbuffered round trips between two goroutines; ns per round trip.
func pingPong(n int) figure {
	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v
		}
	}()
	sum := 0
	start := time.Now()
	for i := 0; i < n; i++ {
		ping <- i
		sum += <-pong
	}
	elapsed := time.Since(start)
	close(ping)
	if sum != n*(n-1)/2 {
		panic("ping-pong lost a value")
	}
	return perItemNs(elapsed, float64(n))
}

// sieve: the Go documentation's concurrent prime sieve up to the n-th prime, shutting the chain
// down as gopool's does (the generator stops on done, each filter closes its output, the rest
// is drained).
func sieve(n int) int {
	var wg sync.WaitGroup
	done := make(chan struct{})
	ch := make(chan int)
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(ch)
		for i := 2; ; i++ {
			select {
			case ch <- i:
			case <-done:
				return
			}
		}
	}()
	prime := 0
	in := ch
	for k := 0; k < n; k++ {
		prime = <-in
		out := make(chan int)
		wg.Add(1)
		go func(in <-chan int, out chan<- int, p int) {
			defer wg.Done()
			for v := range in {
				if v%p != 0 {
					out <- v
				}
			}
			close(out)
		}(in, out, prime)
		in = out
	}
	close(done)
	for range in {
	}
	wg.Wait()
	return prime
}

func primeSieve(n int) figure {
	start := time.Now()
	p := sieve(n)
	elapsed := time.Since(start)
	if n == 5000 && p != 48611 {
		panic("wrong 5000th prime")
	}
	return milliseconds(elapsed)
}

// semaphoreTasks: n goroutines running task, at most capacity alive, all awaited.
func semaphoreTasks(n, capacity int, task func()) time.Duration {
	var wg sync.WaitGroup
	sema := make(chan struct{}, capacity)
	wg.Add(n)
	start := time.Now()
	for i := 0; i < n; i++ {
		sema <- struct{}{}
		go func() {
			task()
			<-sema
			wg.Done()
		}()
	}
	wg.Wait()
	return time.Since(start)
}

// submit: tasks returning 1 through a one-slot channel each, capped by a semaphore of 10 000,
// received in batches of 1000.
func submit(n int) figure {
	sema := make(chan struct{}, 10000)
	sum := 0
	futures := make([]chan int, 0, 1000)
	getAll := func() {
		for _, f := range futures {
			sum += <-f
		}
		futures = futures[:0]
	}
	start := time.Now()
	for i := 0; i < n; i++ {
		sema <- struct{}{}
		f := make(chan int, 1)
		go func() {
			f <- 1
			<-sema
		}()
		futures = append(futures, f)
		if len(futures) == cap(futures) {
			getAll()
		}
	}
	getAll()
	elapsed := time.Since(start)
	if sum != n {
		panic("submit lost a result")
	}
	return millionsPerSecond(elapsed, float64(n))
}

func main() {
	usage := "usage: compare_go WORKLOAD N [WARMUP]\n" +
		"  workloads: yield pingpong sieve post_inside submit sleep1ms sleep10ms\n"
	if len(os.Args) >= 2 && (os.Args[1] == "--help" || os.Args[1] == "-h") {
		fmt.Print(usage)
		return
	}
	if len(os.Args) < 3 || len(os.Args) > 4 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	workload := os.Args[1]
	n, err := strconv.Atoi(os.Args[2])
	if err != nil || n <= 0 {
		fmt.Fprintf(os.Stderr, "compare_go: N must be a positive integer, got %q\n", os.Args[2])
		os.Exit(2)
	}
	warmup := 0
	if len(os.Args) == 4 {
		warmup, err = strconv.Atoi(os.Args[3])
		if err != nil || warmup < 0 {
			fmt.Fprintf(os.Stderr, "compare_go: WARMUP must be a non-negative integer, got %q\n", os.Args[3])
			os.Exit(2)
		}
	}
	var body func(int) figure
	procs := 2
	switch workload {
	case "yield":
		body, procs = yield, 1
	case "pingpong":
		body, procs = pingPong, 1
	case "sieve":
		body, procs = primeSieve, 1
	case "post_inside":
		body = func(n int) figure {
			return millionsPerSecond(semaphoreTasks(n, 10000, func() {}), float64(n))
		}
	case "submit":
		body = submit
	case "sleep1ms":
		body = func(n int) figure {
			return milliseconds(semaphoreTasks(n, 10000, func() { time.Sleep(time.Millisecond) }))
		}
	case "sleep10ms":
		body = func(n int) figure {
			f := milliseconds(semaphoreTasks(n, 50000, func() { time.Sleep(10 * time.Millisecond) }))
			f.peakRSSMiB = statusKiB("VmHWM") / 1024
			return f
		}
	default:
		fmt.Fprintf(os.Stderr, "go: workload '%s' is not supported\n", workload)
		os.Exit(3)
	}
	runtime.GOMAXPROCS(procs)
	if warmup > 0 {
		body(warmup)
	}
	runtime.GC()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // peak RSS from here on
	f := body(n)
	fmt.Printf(`{"system": "go", "workload": "%s", "n": %d, "value": %.6g, "unit": "%s"`, workload, n, f.value, f.unit)
	if f.peakRSSMiB >= 0 {
		fmt.Printf(`, "peak_rss_mib": %.1f`, f.peakRSSMiB)
	}
	fmt.Println("}")
}
