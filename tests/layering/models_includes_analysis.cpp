// A wrong-way include that must not compile (tests/CMakeLists.txt, Layering.*):
// models publish events; they never include a recorder or a report.
#include "dsim/analysis/run.h"
