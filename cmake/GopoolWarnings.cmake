# gopool_set_warnings(target): the project's warning set; -Werror when GOPOOL_WERROR is on (CI).
function(gopool_set_warnings target)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic>
    $<$<AND:$<COMPILE_LANGUAGE:CXX>,$<BOOL:${GOPOOL_WERROR}>>:-Werror>)
endfunction()
