// Command errgroup runs gopool's task-group benchmark (BM_TaskGroupFanOut in
// benchmarks/group_bench.cpp) in Go: 100 000 tiny tasks through an error group limited to
// 1000 at once. golang.org/x/sync cannot be fetched offline, so the group is written here
// with the standard library, in the shape of x/sync's errgroup (a channel semaphore for
// SetLimit, a sync.WaitGroup for Wait, a sync.Once for the first error). Run it on the same
// machine in the same session as gopool_bench to compare:
//
//	go run . [-tasks 100000] [-limit 1000] [-procs 2] [-reps 5]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// group: tasks working on one job. The first task to fail records its error and cancels the
// group's context; wait returns that error once every task has returned.
type group struct {
	slots     chan struct{} // nil: no limit; else one token per running task
	running   sync.WaitGroup
	firstOnce sync.Once
	first     error
	cancel    context.CancelFunc
}

// withContext: a group whose context is cancelled by the first failure or by wait.
func withContext(parent context.Context) (*group, context.Context) {
	ctx, cancel := context.WithCancel(parent)
	return &group{cancel: cancel}, ctx
}

// setLimit: at most n tasks at once; n < 0 removes the limit. Not while tasks run.
func (g *group) setLimit(n int) {
	if n < 0 {
		g.slots = nil
		return
	}
	if g.slots != nil && len(g.slots) > 0 {
		panic("errgroup: limit changed while tasks are running")
	}
	g.slots = make(chan struct{}, n)
}

// do starts f in a goroutine, first waiting for a slot when the group is at its limit.
func (g *group) do(f func() error) {
	if g.slots != nil {
		g.slots <- struct{}{}
	}
	g.running.Add(1)
	go func() {
		defer g.release()
		if err := f(); err != nil {
			g.firstOnce.Do(func() {
				g.first = err
				if g.cancel != nil {
					g.cancel()
				}
			})
		}
	}()
}

func (g *group) release() {
	if g.slots != nil {
		<-g.slots
	}
	g.running.Done()
}

// wait blocks until every task has returned, cancels the context and returns the first error.
func (g *group) wait() error {
	g.running.Wait()
	if g.cancel != nil {
		g.cancel()
	}
	return g.first
}

// fanOut: tasks tiny tasks through a group limited to limit, as BM_TaskGroupFanOut.
func fanOut(tasks, limit int) (int64, error) {
	g, ctx := withContext(context.Background())
	g.setLimit(limit)
	var sum int64
	for i := 0; i < tasks; i++ {
		g.do(func() error {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			atomic.AddInt64(&sum, 1)
			return nil
		})
	}
	err := g.wait()
	return sum, err
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func main() {
	tasks := flag.Int("tasks", 100000, "tiny tasks per run")
	limit := flag.Int("limit", 1000, "the group's limit (tasks at once)")
	procs := flag.Int("procs", 2, "GOMAXPROCS (BM_TaskGroupFanOut uses 2 Ps)")
	reps := flag.Int("reps", 5, "repetitions; the median is reported")
	flag.Parse()
	if *tasks <= 0 || *limit == 0 || *reps <= 0 {
		fmt.Fprintln(os.Stderr, "errgroup: -tasks and -reps must be positive, -limit non-zero")
		os.Exit(2)
	}

	runtime.GOMAXPROCS(*procs)
	fmt.Printf("Go %s, GOMAXPROCS %d, %d repetitions, medians\n",
		runtime.Version(), runtime.GOMAXPROCS(0), *reps)

	var walls []time.Duration
	for i := 0; i < *reps; i++ {
		runtime.GC()
		start := time.Now()
		sum, err := fanOut(*tasks, *limit)
		walls = append(walls, time.Since(start))
		if err != nil || sum != int64(*tasks) {
			fmt.Fprintln(os.Stderr, "errgroup: wrong result:", sum, "tasks ran, error", err)
			os.Exit(1)
		}
	}
	wall := median(walls)
	name := fmt.Sprintf("errgroup: %d tiny tasks, limit %d", *tasks, *limit)
	fmt.Printf("%-44s %10.1f ms\n", name, float64(wall.Microseconds())/1000)
	fmt.Printf("%-44s %10.1f ns/task  (%.2f M tasks/s)\n", "  -> TaskGroup fan-out equivalent",
		float64(wall.Nanoseconds())/float64(*tasks), float64(*tasks)/wall.Seconds()/1e6)
}
