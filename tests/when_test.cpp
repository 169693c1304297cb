#include "gopool/when_all.hpp"
#include "gopool/when_any.hpp"
#include <doctest/doctest.h>
