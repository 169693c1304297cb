module gopool/benchmarks/go/echo

go 1.19
