// A wrong-way include that must not compile (tests/CMakeLists.txt, Layering.*):
// no JSON below analysis.
#include <nlohmann/json.hpp>
