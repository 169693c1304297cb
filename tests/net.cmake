# Tests of gopool::net and the HTTP example.
gopool_add_test(tcp_test)
