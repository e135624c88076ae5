// Invariant checks that stay on in release builds.
//
// DSIM_CHECK is for bugs, never for bad input: bad input is reported as a
// Diagnostic with a location (loader/config.h). The checks are cheap (one
// predictable branch), so they stay in the simulator's release build; there
// are no debug-only checks.
//
// A failed check throws InvariantViolation instead of aborting: the run that
// hit it ends with an error value that names the scenario, the seed and the
// simulated time (analysis/run.h), so `dsim run` prints how to reproduce it
// and exits 1, and a sweep records the failure and goes on with other points.
// The run's world is then discarded, never used again, so code between a check
// and the end of its event need not be exception-safe beyond freeing memory.
#pragma once

#include <stdexcept>

namespace dsim {

// A bug in dsim or in a model: an invariant did not hold.
class InvariantViolation : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

namespace detail {
// Out of line and cold, so that a check costs its branch only.
[[noreturn, gnu::cold, gnu::noinline]] void check_failed(const char* expr, const char* file, int line,
                                                         const char* msg);
}  // namespace detail

}  // namespace dsim

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
