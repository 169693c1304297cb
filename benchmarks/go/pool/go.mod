module gopool/benchmarks/go/pool

go 1.19
