#include <doctest/doctest.h>

#include <gopool/wait_group.hpp>
