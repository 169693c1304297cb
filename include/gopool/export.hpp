// GOPOOL_API marks what libgopool exports, and the compilers gopool supports. Every public
// header includes this one first (directly or through another gopool header).
#pragma once

// The headers use std::source_location, which clang provides with libstdc++ from clang 16
// on; older clangs fail far inside the headers, so say it here first.
#if defined(__clang__) && __clang_major__ < 16
#error "gopool needs clang 16 or newer: this clang lacks std::source_location with libstdc++"
#endif

// A shared libgopool.so is built with hidden visibility: only declarations marked GOPOOL_API
// are exported from it. (A static libgopool.a keeps default visibility throughout.)
#define GOPOOL_API __attribute__((visibility("default")))
