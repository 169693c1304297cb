module gopool/benchmarks/go/errgroup

go 1.19
