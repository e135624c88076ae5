// A wrong-way include that must not compile (tests/CMakeLists.txt, Layering.*):
// analysis reads records and specs, not YAML.
#include "dsim/loader/scenario.h"
