// Invariant checks that stay on in release builds.
//
// DSIM_CHECK is for bugs, never for bad input: bad input is reported as a
// Diagnostic with a location (see models/config.h). The checks are cheap
// (one predictable branch), so they stay in the simulator's release build.
#pragma once

#include <cstdio>
#include <cstdlib>

namespace dsim::detail {
[[noreturn]] inline void check_failed(const char* expr, const char* file, int line, const char* msg) {
  std::fprintf(stderr, "dsim: internal error: %s:%d: check failed: %s%s%s\n", file, line, expr,
               msg[0] != '\0' ? ": " : "", msg);
  std::fprintf(stderr, "dsim: this is a bug in dsim; please report it with the scenario and seed\n");
  std::abort();
}
}  // namespace dsim::detail

#define DSIM_CHECK(expr)                                                       \
  do {                                                                         \
    if (!(expr)) [[unlikely]]                                                  \
      ::dsim::detail::check_failed(#expr, __FILE__, __LINE__, "");             \
  } while (false)

#define DSIM_CHECK_MSG(expr, msg)                                              \
  do {                                                                         \
    if (!(expr)) [[unlikely]]                                                  \
      ::dsim::detail::check_failed(#expr, __FILE__, __LINE__, (msg));          \
  } while (false)
