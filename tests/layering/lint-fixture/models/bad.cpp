// Includes that cmake/check_layering.cmake must reject (Layering.lint_rejects).
#include "../analysis/run.h"
#include "loader/scenario.h"
#include <yaml-cpp/node/node.h>
#include "client.h"
