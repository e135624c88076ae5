// A wrong-way include that must not compile (tests/CMakeLists.txt, Layering.*):
// the engine knows nothing of models.
#include "dsim/models/component.h"
