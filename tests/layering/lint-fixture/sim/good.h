// Includes that cmake/check_layering.cmake accepts.
#include <vector>
#include "dsim/sim/time.h"
