#include "sim/check.h"

#include <string>

namespace dsim::detail {

void check_failed(const char* expr, const char* file, int line, const char* msg) {
  // The file as a path inside the source tree: the part from the layer's
  // folder on, so messages do not depend on where dsim was built.
  std::string where = file;
  std::size_t from = std::string::npos;
  for (const char* layer : {"/sim/", "/models/", "/loader/", "/analysis/", "/cli/", "/tests/"}) {
    const auto at = where.rfind(layer);
    if (at != std::string::npos && (from == std::string::npos || at > from)) from = at;
  }
  if (from != std::string::npos) where = where.substr(from + 1);
  std::string what = where + ":" + std::to_string(line) + ": check failed: " + expr;
  if (msg[0] != '\0') what += std::string(": ") + msg;
  throw InvariantViolation(what);
}

}  // namespace dsim::detail
