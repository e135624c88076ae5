// dsim with one more model, `kind: explode` (explode_model.h), which fails an
// invariant: the command line's handling of an internal error, tested from
// outside as a user would meet it (cli_test.cpp, Cli.InternalErrorExitsOneWithTheSeed).
#include "dsim/cli/commands.h"
#include "explode_model.h"

int main(int argc, char** argv) {
  static const dsim::ModelRegistry models = dsim::testing::registry_with_explode();
  return dsim::cli_main(argc, argv, models);
}
