module gopool/benchmarks/compare/go

go 1.19
