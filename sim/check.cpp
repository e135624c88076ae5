#include "dsim/sim/check.h"

#include <string>

namespace dsim::detail {

void check_failed(const char* expr, const char* file, int line, const char* msg) {
  // `file` is a path inside the source tree ("models/client.cpp"): the build
  // maps the tree's prefix away (-fmacro-prefix-map, CMakeLists.txt).
  std::string what = std::string(file) + ":" + std::to_string(line) + ": check failed: " + expr;
  if (msg[0] != '\0') what += std::string(": ") + msg;
  throw InvariantViolation(what);
}

}  // namespace dsim::detail
