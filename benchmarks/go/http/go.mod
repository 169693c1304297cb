module gopool/benchmarks/go/http

go 1.19
