// Runs the dsim executable as a user would and captures what it prints.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace dsim::testing {

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') q += "'\\''";
    else q += c;
  }
  return q + "'";
}

// Runs `<binary> <args>` from the source tree's root, stdin from /dev/null.
inline CommandResult run_program(const std::string& binary, const std::string& args) {
  static int counter = 0;
  const std::string err_file = ::testing::TempDir() + "dsim_stderr_" + std::to_string(::getpid()) + "_" +
                               std::to_string(counter++);
  const std::string cmd = "cd " + shell_quote(DSIM_SOURCE_DIR) + " && " + shell_quote(binary) + " " + args +
                          " </dev/null 2>" + shell_quote(err_file);
  CommandResult r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::ifstream e(err_file);
  std::stringstream ss;
  ss << e.rdbuf();
  r.err = ss.str();
  std::remove(err_file.c_str());
  return r;
}

// Runs `dsim <args>` as run_program does.
inline CommandResult run_dsim(const std::string& args) { return run_program(DSIM_BINARY, args); }

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace dsim::testing
