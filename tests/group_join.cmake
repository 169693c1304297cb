# Tests of JoinSet and the future combinators (when_all, when_any, then, get/wait with a Context).
gopool_add_test(join_set_test)
gopool_add_test(when_test)
