gopool_add_example(hello)
