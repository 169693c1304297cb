// Command runtime measures, in Go, the runtime figures gopool_bench reports for gopool
// (benchmarks/runtime_bench.cpp): one switch (Gosched between two goroutines on one P), spawn +
// finish + WaitGroup join of an empty goroutine (one P, joined every 128), and the memory of a
// parked goroutine (VmRSS + VmPTE growth per goroutine), and the CPU per 10 ms sleep with n
// goroutines sleeping in a loop (as BM_SleepCycle). Run it beside gopool_bench:
//
//	go run . [-reps 5] [-parked 100000,1000000] [-sleepers 10000,25000,50000]
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
	"syscall"
	"time"
)

func median(xs []float64) float64 {
	sort.Float64s(xs)
	return xs[len(xs)/2]
}

// yieldNs: two goroutines calling Gosched on GOMAXPROCS(1); nanoseconds per switch.
func yieldNs(n int) float64 {
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	var stop int32
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		for atomic.LoadInt32(&stop) == 0 {
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
	atomic.StoreInt32(&stop, 1)
	wg.Wait()
	return float64(elapsed.Nanoseconds()) / float64(2*n)
}

// spawnJoinNs: go + run + finish + WaitGroup join of an empty goroutine, one P, joined every 128.
func spawnJoinNs(n int) float64 {
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	var wg sync.WaitGroup
	start := time.Now()
	for i := 1; i <= n; i++ {
		wg.Add(1)
		go func() { wg.Done() }()
		if i%128 == 0 {
			wg.Wait()
		}
	}
	wg.Wait()
	return float64(time.Since(start).Nanoseconds()) / float64(n)
}

func residentBytes() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	var kib int64
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := s.Text()
		if strings.HasPrefix(line, "VmRSS:") || strings.HasPrefix(line, "VmPTE:") {
			v, _ := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			kib += v
		}
	}
	return kib * 1024
}

// parkedBytes: memory per parked goroutine, n goroutines blocked on one WaitGroup.
func parkedBytes(n int) float64 {
	runtime.GC()
	before := residentBytes()
	var parked, finished sync.WaitGroup
	release := make(chan struct{})
	parked.Add(n)
	finished.Add(n)
	for i := 0; i < n; i++ {
		go func() {
			parked.Done()
			<-release
			finished.Done()
		}()
	}
	parked.Wait()
	after := residentBytes()
	close(release)
	finished.Wait()
	return float64(after-before) / float64(n)
}

func processCPU() time.Duration {
	var r syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &r); err != nil {
		panic(err)
	}
	return time.Duration(r.Utime.Nano() + r.Stime.Nano())
}

// sleepCycle: n goroutines, started once, each sleeping 10 ms in a loop; over a 500 ms window
// after a 200 ms warm-up, the process CPU per sleep and the sleeps per second.
func sleepCycle(n int) (cpuNsPerSleep, sleepsPerSec float64) {
	slept := make([]int32, n) // one each: no shared line
	total := func() (sum int64) {
		for i := range slept {
			sum += int64(atomic.LoadInt32(&slept[i]))
		}
		return sum
	}
	var stop atomic.Bool
	var finished sync.WaitGroup
	finished.Add(n)
	for i := 0; i < n; i++ {
		mine := &slept[i]
		go func() {
			for !stop.Load() {
				time.Sleep(10 * time.Millisecond)
				atomic.StoreInt32(mine, atomic.LoadInt32(mine)+1)
			}
			finished.Done()
		}()
	}
	time.Sleep(200 * time.Millisecond)
	before, cpuBefore, start := total(), processCPU(), time.Now()
	time.Sleep(500 * time.Millisecond)
	sleeps := float64(total() - before)
	cpu, secs := processCPU()-cpuBefore, time.Since(start).Seconds()
	stop.Store(true)
	finished.Wait()
	return float64(cpu.Nanoseconds()) / sleeps, sleeps / secs
}

func main() {
	reps := flag.Int("reps", 5, "repetitions; the median is printed")
	parked := flag.String("parked", "100000,1000000", "goroutine counts for the parked-memory figure")
	sleepers := flag.String("sleepers", "10000,25000,50000", "goroutine counts for the sleep-cycle figure")
	flag.Parse()
	var ys, ss []float64
	for r := 0; r < *reps; r++ {
		ys = append(ys, yieldNs(5_000_000))
		ss = append(ss, spawnJoinNs(2_000_000))
	}
	fmt.Printf("Go %s, GOMAXPROCS %d\n", runtime.Version(), runtime.GOMAXPROCS(0))
	fmt.Printf("Gosched switch:        %8.1f ns (median of %d)\n", median(ys), *reps)
	fmt.Printf("spawn + join:          %8.1f ns (median of %d)\n", median(ss), *reps)
	for _, f := range strings.Split(*parked, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			fmt.Fprintf(os.Stderr, "bad -parked count %q\n", f)
			os.Exit(2)
		}
		fmt.Printf("parked goroutine (%d): %8.0f bytes\n", n, parkedBytes(n))
	}
	for _, f := range strings.Split(*sleepers, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			fmt.Fprintf(os.Stderr, "bad -sleepers count %q\n", f)
			os.Exit(2)
		}
		cpu, rate := sleepCycle(n)
		fmt.Printf("sleep cycle (%d):      %8.1f ns CPU per sleep, %.2f M sleeps/s (ideal %.2f)\n",
			n, cpu, rate/1e6, float64(n)/1e4)
	}
}
