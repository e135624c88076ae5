// The dsim command line with one more kind of component, `cache`: run,
// validate and graph work on scenarios that use it.
//
//   custom_model run cache.yaml --json
#include "cache.h"
#include "dsim/cli/commands.h"
#include "dsim/loader/registry.h"

int main(int argc, char** argv) {
  dsim::ModelRegistry models = dsim::ModelRegistry::builtin();
  models.add("cache", "a cache with a hit ratio in front of a backend", &custom::parse_cache);
  return dsim::cli_main(argc, argv, models);
}
