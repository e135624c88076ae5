// A public header that includes a private one: cmake/check_layering.cmake must reject it.
#include "dsim/cli/output.h"
