// A wrong-way include that must not compile (tests/CMakeLists.txt, Layering.*):
// only cli/ parses command lines.
#include <CLI/CLI.hpp>
