module gopool/benchmarks/go/runtime

go 1.19
