# Tests of the sync area (pool/sync): one executable per concept.
gopool_add_test(future_test)
gopool_add_test(chan_test)
gopool_add_test(select_test)
gopool_add_test(mutex_test)
gopool_add_test(semaphore_test)
gopool_add_test(ticker_test)
gopool_add_test(context_test)
gopool_add_test(leak_seeds_test)
