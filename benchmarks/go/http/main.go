// Command http is the Go counterpart of gopool's examples/http_server for the load comparison
// (benchmarks/http_load.sh): net/http with the same routes and bodies, every handler behind a
// semaphore of the same capacity that answers 503 at once when full (a buffered channel tried
// without waiting), as the gopool server's nonblocking pool does.
//
//	go run . [-host 127.0.0.1] [-port 8080] [-capacity 1000] [-procs 0]
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"time"
)

const (
	maxSleepMs = 60000
	maxSpinUs  = 10000000
)

var refused atomic.Int64

// queryNumber reads an unsigned query parameter no larger than max; ok is false when malformed.
func queryNumber(r *http.Request, key string, max uint64) (v uint64, ok bool) {
	s, present := r.URL.Query()[key]
	if !present {
		return 0, true
	}
	n, err := strconv.ParseUint(s[0], 10, 32)
	if err != nil || n > max {
		return 0, false
	}
	return n, true
}

func text(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprint(w, body)
}

// handle: "/" greets, "/work?sleep_ms=N&spin_us=M" sleeps then spins, others 404; GET and HEAD only.
func handle(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" && r.URL.Path != "/work" {
		text(w, http.StatusNotFound, "404 page not found\n")
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		text(w, http.StatusMethodNotAllowed, "method not allowed\n")
		return
	}
	if r.URL.Path == "/" {
		text(w, http.StatusOK, "Hello, World!\n")
		return
	}
	sleepMs, ok1 := queryNumber(r, "sleep_ms", maxSleepMs)
	spinUs, ok2 := queryNumber(r, "spin_us", maxSpinUs)
	if !ok1 || !ok2 {
		text(w, http.StatusBadRequest, fmt.Sprintf("sleep_ms must be 0..%d and spin_us 0..%d\n", maxSleepMs, maxSpinUs))
		return
	}
	if sleepMs > 0 {
		time.Sleep(time.Duration(sleepMs) * time.Millisecond)
	}
	if spinUs > 0 {
		until := time.Now().Add(time.Duration(spinUs) * time.Microsecond)
		for time.Now().Before(until) {
		}
	}
	text(w, http.StatusOK, fmt.Sprintf("work done: slept %d ms, spun %d us\n", sleepMs, spinUs))
}

func main() {
	host := flag.String("host", "127.0.0.1", "address to listen on")
	port := flag.Int("port", 8080, "port, 0 = any free one")
	capacity := flag.Int("capacity", 1000, "handlers running at once; more requests get 503")
	procs := flag.Int("procs", 0, "GOMAXPROCS (0 = number of CPUs)")
	flag.Parse()
	if *capacity < 1 || *port < 0 || *port > 65535 || *procs < 0 {
		fmt.Fprintln(os.Stderr, "http: bad -capacity, -port or -procs")
		os.Exit(2)
	}
	if *procs > 0 {
		runtime.GOMAXPROCS(*procs)
	}
	sem := make(chan struct{}, *capacity)
	limited := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case sem <- struct{}{}:
			defer func() { <-sem }()
			handle(w, r)
		default:
			refused.Add(1)
			text(w, http.StatusServiceUnavailable, "server busy: every handler slot is taken\n")
		}
	})
	mux := http.NewServeMux()
	mux.HandleFunc("/stats", func(w http.ResponseWriter, r *http.Request) {
		text(w, http.StatusOK, fmt.Sprintf("goroutines %d, refused %d, in use %d of %d\n",
			runtime.NumGoroutine(), refused.Load(), len(sem), cap(sem)))
	})
	mux.Handle("/", limited)
	ln, err := net.Listen("tcp", net.JoinHostPort(*host, strconv.Itoa(*port)))
	if err != nil {
		fmt.Fprintln(os.Stderr, "http:", err)
		os.Exit(1)
	}
	fmt.Printf("go_http_server: listening on %s (capacity %d, procs %d)\n", ln.Addr(), *capacity,
		runtime.GOMAXPROCS(0))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 60 * time.Second, IdleTimeout: 60 * time.Second}
	if err := srv.Serve(ln); err != nil {
		fmt.Fprintln(os.Stderr, "http:", err)
		os.Exit(1)
	}
}
