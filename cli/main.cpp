// dsim: the command line (cli/commands.h). A thin layer over the library.
#include "dsim/cli/commands.h"

int main(int argc, char** argv) { return dsim::cli::cli_main(argc, argv); }
