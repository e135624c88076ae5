// Includes that cmake/check_layering.cmake must reject (Layering.lint_rejects).
#include "../analysis/run.h"
#include "dsim/loader/scenario.h"
#include <yaml-cpp/node/node.h>
#include "client.h"
#include "models/client.h"
