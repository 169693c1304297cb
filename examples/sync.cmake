# Examples of the sync area (channels, select, Context). Their runs are registered as tests in
# tests/sync.cmake.
gopool_add_example(prime_sieve)
