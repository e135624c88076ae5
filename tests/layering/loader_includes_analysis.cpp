// A wrong-way include that must not compile (tests/CMakeLists.txt, Layering.*):
// the loader produces specs; it never runs or reports them.
#include "dsim/analysis/run.h"
