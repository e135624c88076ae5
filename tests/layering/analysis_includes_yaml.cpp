// A wrong-way include that must not compile (tests/CMakeLists.txt, Layering.*):
// analysis reads specs, never YAML.
#include <yaml-cpp/yaml.h>
