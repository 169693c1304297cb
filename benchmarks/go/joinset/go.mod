module gopool/benchmarks/go/joinset

go 1.19
