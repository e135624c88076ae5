// Output helpers for the command line: atomic file writes and a progress line.
#pragma once

#include <string>

#include "dsim/sim/time.h"

namespace dsim::cli {

// Writes `content` to `path` atomically: to a temporary file in the same
// directory, flushed, then renamed over `path`, so a reader (or a killed run)
// never sees a half-written file. Returns an error message, empty on success.
std::string write_file_atomic(const std::string& path, const std::string& content);

// Creates `dir` if needed (not its parents: they must exist). Returns an
// error message or "".
std::string ensure_directory(const std::string& dir);

// Whether a file can be written at `path` later: its directory exists (or
// is the current one) and `path` is not a directory. An error message or "".
std::string check_writable_location(const std::string& path);

// `dir`/`name`, with one separator whatever `dir` ends with ("results/" too).
std::string in_dir(const std::string& dir, const std::string& name);

// A one-line progress display on stderr, only when stderr is a terminal.
class Progress {
 public:
  Progress(bool enabled, std::string label);
  ~Progress();
  void update(Time now, Time duration, std::uint64_t events);
  void done();

 private:
  bool enabled_;
  std::string label_;
  double last_wall_ = 0;
  bool shown_ = false;
};

bool stderr_is_terminal();
double wall_seconds();  // monotonic; for stderr messages only, never for results

}  // namespace dsim::cli
