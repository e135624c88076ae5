// The dsim command line as a function, so that a program can run it with its
// own models and recorders (the tests' build of dsim with a model that fails
// an invariant, tests/faulty_dsim.cpp). cli/main.cpp is the dsim executable:
// cli_main with the built-in registries.
//
// Exit codes, the same in every command: 0 success; 1 an internal error (a
// failed invariant, reported with the scenario, seed and simulated time) or
// an I/O error; 2 bad input (a scenario, an option), reported with its
// location; 3 a verdict or objective failed; 4 incomplete: the run stopped
// early (its budget, Ctrl-C or SIGTERM) and wrote what it measured, marked
// partial.
#pragma once

namespace dsim {
class ModelRegistry;
class RecorderRegistry;
}  // namespace dsim

namespace dsim::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitVerdict = 3;
inline constexpr int kExitIncomplete = 4;

struct CliConfig {
  const ModelRegistry* models = nullptr;        // default: ModelRegistry::builtin()
  const RecorderRegistry* recorders = nullptr;  // default: RecorderRegistry::builtin()
};

int cli_main(int argc, char** argv, const CliConfig& config = {});

}  // namespace dsim::cli

namespace dsim {

// The whole dsim command line (run, validate, graph, ...) for a program of
// one's own, with the kinds in `models`: a copy of ModelRegistry::builtin()
// with one's own added (examples/custom_model/, docs/LIBRARY.md).
int cli_main(int argc, char** argv, const ModelRegistry& models);

}  // namespace dsim
