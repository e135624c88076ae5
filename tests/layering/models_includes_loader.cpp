// A wrong-way include that must not compile (tests/CMakeLists.txt, Layering.*):
// models are plain specs and runtime; reading YAML is the loader's job.
#include "dsim/loader/config.h"
