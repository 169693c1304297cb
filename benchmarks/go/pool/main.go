// Command pool runs gopool's pool benchmarks (benchmarks/pool_bench.cpp and examples/ants_demo)
// in Go with the standard library only: raw goroutines, and goroutines capped by a channel
// semaphore (ants itself cannot be fetched offline). Run it on the same machine in the same
// session as gopool_bench to compare:
//
//	go run . [-tasks 1000000] [-capacity 50000] [-sleep 10ms] [-procs 2] [-reps 5]
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// statusKiB reads a field (VmHWM, VmRSS) of /proc/self/status in KiB, or -1.
func statusKiB(field string) int64 {
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
				n, _ := strconv.ParseInt(v[0], 10, 64)
				return n
			}
		}
	}
	return -1
}

// resetPeakRSS resets the kernel's peak-RSS mark (VmHWM).
func resetPeakRSS() {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

type result struct {
	wall           time.Duration
	peakRSSMiB     float64
	peakGoroutines int
}

// measure runs body while sampling live goroutines, and reports wall time and peak RSS.
func measure(body func()) result {
	runtime.GC()
	resetPeakRSS()
	var stop atomic.Bool
	var peak int64
	done := make(chan struct{})
	go func() {
		for !stop.Load() {
			if n := int64(runtime.NumGoroutine()); n > atomic.LoadInt64(&peak) {
				atomic.StoreInt64(&peak, n)
			}
			time.Sleep(2 * time.Millisecond)
		}
		close(done)
	}()
	start := time.Now()
	body()
	wall := time.Since(start)
	stop.Store(true)
	<-done
	return result{wall, float64(statusKiB("VmHWM")) / 1024, int(atomic.LoadInt64(&peak))}
}

// semaphoreSleep: tasks goroutines each sleeping nap, at most capacity alive (ants'
// BenchmarkSemaphore).
func semaphoreSleep(tasks, capacity int, nap time.Duration) {
	var wg sync.WaitGroup
	sema := make(chan struct{}, capacity)
	wg.Add(tasks)
	for i := 0; i < tasks; i++ {
		sema <- struct{}{}
		go func() {
			time.Sleep(nap)
			<-sema
			wg.Done()
		}()
	}
	wg.Wait()
}

// rawSleep: tasks raw goroutines each sleeping nap (ants' BenchmarkGoroutines).
func rawSleep(tasks int, nap time.Duration) {
	var wg sync.WaitGroup
	wg.Add(tasks)
	for i := 0; i < tasks; i++ {
		go func() {
			time.Sleep(nap)
			wg.Done()
		}()
	}
	wg.Wait()
}

// semaphorePost: tiny tasks through a semaphore of capacity goroutines (gopool's BM_PoolPost).
func semaphorePost(tasks, capacity int) {
	var wg sync.WaitGroup
	sema := make(chan struct{}, capacity)
	wg.Add(tasks)
	for i := 0; i < tasks; i++ {
		sema <- struct{}{}
		go func() {
			<-sema
			wg.Done()
		}()
	}
	wg.Wait()
}

// semaphoreSubmit: tiny tasks returning a value through a one-slot channel, all received in
// batches of 1000 (gopool's BM_PoolSubmit).
func semaphoreSubmit(tasks, capacity int) int {
	sema := make(chan struct{}, capacity)
	sum := 0
	futures := make([]chan int, 0, 1000)
	for i := 0; i < tasks; i++ {
		sema <- struct{}{}
		f := make(chan int, 1)
		go func() {
			f <- 1
			<-sema
		}()
		futures = append(futures, f)
		if len(futures) == cap(futures) {
			for _, f := range futures {
				sum += <-f
			}
			futures = futures[:0]
		}
	}
	for _, f := range futures {
		sum += <-f
	}
	return sum
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func main() {
	tasks := flag.Int("tasks", 1000000, "tasks of the sleep workload")
	capacity := flag.Int("capacity", 50000, "semaphore capacity of the sleep workload")
	nap := flag.Duration("sleep", 10*time.Millisecond, "how long each task sleeps")
	procs := flag.Int("procs", 2, "GOMAXPROCS for the tiny-task workloads (BM_PoolPost/Submit use 2 Ps)")
	reps := flag.Int("reps", 5, "repetitions; medians are reported")
	flag.Parse()

	fmt.Printf("Go %s, GOMAXPROCS %d (tiny tasks: %d), %d repetitions, medians\n",
		runtime.Version(), runtime.GOMAXPROCS(0), *procs, *reps)

	run := func(name string, body func()) result {
		var walls []time.Duration
		var last result
		peak := 0.0
		for i := 0; i < *reps; i++ {
			last = measure(body)
			walls = append(walls, last.wall)
			if last.peakRSSMiB > peak {
				peak = last.peakRSSMiB
			}
		}
		last.wall = median(walls)
		last.peakRSSMiB = peak
		fmt.Printf("%-44s %10.1f ms  peak RSS %7.1f MiB  peak goroutines %8d\n", name,
			float64(last.wall.Microseconds())/1000, last.peakRSSMiB, last.peakGoroutines)
		return last
	}

	run(fmt.Sprintf("semaphore: %d x sleep %v, capacity %d", *tasks, *nap, *capacity),
		func() { semaphoreSleep(*tasks, *capacity, *nap) })
	run(fmt.Sprintf("raw goroutines: %d x sleep %v", *tasks, *nap),
		func() { rawSleep(*tasks, *nap) })
	run("semaphore: 10000 x sleep 1ms, capacity 10000",
		func() { semaphoreSleep(10000, 10000, time.Millisecond) })

	old := runtime.GOMAXPROCS(*procs)
	const tiny = 2000000
	r := run(fmt.Sprintf("semaphore: %d empty tasks, capacity 10000", tiny),
		func() { semaphorePost(tiny, 10000) })
	fmt.Printf("%-44s %10.1f ns/task  (%.2f M tasks/s)\n", "  -> post equivalent",
		float64(r.wall.Nanoseconds())/tiny, tiny/r.wall.Seconds()/1e6)
	r = run(fmt.Sprintf("semaphore + result chan: %d tasks", tiny),
		func() { semaphoreSubmit(tiny, 10000) })
	fmt.Printf("%-44s %10.1f ns/task  (%.2f M tasks/s)\n", "  -> submit equivalent",
		float64(r.wall.Nanoseconds())/tiny, tiny/r.wall.Seconds()/1e6)
	runtime.GOMAXPROCS(old)
}
