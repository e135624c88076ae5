// Includes that cmake/check_layering.cmake accepts.
#include <vector>
#include "sim/time.h"
