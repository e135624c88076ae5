// A wrong-way include that must not compile (tests/CMakeLists.txt, Layering.*):
// no YAML below the loader.
#include <yaml-cpp/yaml.h>
