// Command echo measures TCP echo ping-pong over loopback in Go, the counterpart of gopool's
// benchmarks/echo_bench.cpp: -conns client goroutines each write a -size byte message and wait
// for its echo, again and again, for -duration; the server runs one goroutine per connection
// that writes back what it reads. Client and server share the process, as in echo_bench.
// Prints the messages per second of each run and their median.
//
//	go run . [-conns 100] [-size 64] [-duration 5s] [-reps 3] [-procs 0]
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// serve echoes every byte a connection sends until it closes.
func serve(c net.Conn) {
	defer c.Close()
	buf := make([]byte, 4096)
	for {
		n, err := c.Read(buf)
		if err != nil {
			return
		}
		if _, err := c.Write(buf[:n]); err != nil {
			return
		}
	}
}

// run connects conns clients, lets them ping-pong for d, and returns messages per second.
func run(addr string, conns, size int, d time.Duration) (float64, error) {
	clients := make([]net.Conn, 0, conns)
	defer func() {
		for _, c := range clients {
			c.Close()
		}
	}()
	for i := 0; i < conns; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return 0, err
		}
		clients = append(clients, c)
	}
	var stop atomic.Bool
	var total atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for _, c := range clients {
		wg.Add(1)
		go func(c net.Conn) {
			defer wg.Done()
			msg := make([]byte, size)
			back := make([]byte, size)
			n := int64(0)
			for !stop.Load() {
				if _, err := c.Write(msg); err != nil {
					break
				}
				if _, err := io.ReadFull(c, back); err != nil {
					break
				}
				n++
			}
			total.Add(n)
		}(c)
	}
	time.Sleep(d)
	stop.Store(true)
	wg.Wait()
	elapsed := time.Since(start)
	return float64(total.Load()) / elapsed.Seconds(), nil
}

func main() {
	conns := flag.Int("conns", 100, "client connections")
	size := flag.Int("size", 64, "message size in bytes")
	duration := flag.Duration("duration", 5*time.Second, "length of one run")
	reps := flag.Int("reps", 3, "runs; the median is reported")
	procs := flag.Int("procs", 0, "GOMAXPROCS (0 = number of CPUs)")
	flag.Parse()
	if *conns < 1 || *size < 1 || *reps < 1 || *duration <= 0 || *procs < 0 {
		fmt.Fprintln(os.Stderr, "echo: -conns, -size, -reps and -duration must be positive")
		os.Exit(2)
	}
	if *procs > 0 {
		runtime.GOMAXPROCS(*procs)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "echo:", err)
		os.Exit(1)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go serve(c)
		}
	}()
	results := make([]float64, 0, *reps)
	for i := 0; i < *reps; i++ {
		r, err := run(ln.Addr().String(), *conns, *size, *duration)
		if err != nil {
			fmt.Fprintln(os.Stderr, "echo:", err)
			os.Exit(1)
		}
		fmt.Printf("go echo run %d: %.0f msgs/s\n", i+1, r)
		results = append(results, r)
	}
	sort.Float64s(results)
	fmt.Printf("go echo: conns=%d size=%d procs=%d median msgs_per_sec=%.0f\n", *conns, *size,
		runtime.GOMAXPROCS(0), results[len(results)/2])
}
