// Output helpers for the command line: outputs that appear only complete and
// never replace what the user wrote, checked stdout, interrupts, a progress line.
#pragma once

#include <atomic>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "dsim/sim/time.h"

namespace dsim::cli {

// Whether a file can be written at `path` later: its directory exists (or
// is the current one) and `path` is not a directory. An error message or "".
std::string check_writable_location(const std::string& path);

// `dir`/`name`, with one separator whatever `dir` ends with ("results/" too).
std::string in_dir(const std::string& dir, const std::string& name);

// Whether `path` may be replaced by a dsim output without --force: it does
// not exist, is empty, or is itself something dsim writes (a summary, a time
// series or faults CSV, a trace), recognised by its first bytes.
bool replaceable(const std::string& path);

// Whether two paths name the same existing file.
bool same_file(const std::string& a, const std::string& b);

// Removes temporaries a killed dsim left beside `path` (`path`.tmp-PID files
// and .NAME.dsim-PID directories of processes no longer running).
void remove_stale_temporaries(const std::string& path);

// A file that appears at `path` only once complete: written to
// `path`.tmp-PID, then flushed, synced and renamed over `path` by commit().
// Destroyed uncommitted, it removes the temporary.
class PendingFile {
 public:
  explicit PendingFile(std::string path);
  ~PendingFile();
  PendingFile(const PendingFile&) = delete;
  PendingFile& operator=(const PendingFile&) = delete;

  // Creates the temporary. An error message or "".
  std::string open();
  std::ostream& stream() { return *out_; }
  // An error message (a failed write, a full disk) or "".
  std::string commit();

 private:
  std::string path_;
  std::string tmp_;
  std::unique_ptr<std::ofstream> out_;
  bool committed_ = false;
};

// The files of --out DIR as one set: written into a staging directory beside
// DIR (.NAME.dsim-PID), then put in place by one rename (an atomic exchange
// when DIR exists), so that a reader or a kill never sees files of two runs
// together. Files in DIR that the run does not write are moved into the new
// set, never lost; the previous run's outputs go. Destroyed uncommitted, it
// removes the staging directory.
class OutputDir {
 public:
  explicit OutputDir(std::string dir);
  ~OutputDir();
  OutputDir(const OutputDir&) = delete;
  OutputDir& operator=(const OutputDir&) = delete;

  // Checks before a run that DIR can take the files `names`: its parent
  // exists and is writable, DIR is a directory or absent, and each of its
  // files of those names is replaceable() (unless `force`). An error
  // message or "".
  std::string check(const std::vector<std::string>& names, bool force);
  // Creates the staging directory, after removing temporaries killed runs
  // left (of the names given to check()). An error message or "".
  std::string open();
  // Where `name` is written before commit().
  std::string staging(const std::string& name) const { return in_dir(staging_, name); }
  // Writes `content` as `name` in the staging directory. An error or "".
  std::string write(const std::string& name, const std::string& content);
  // Puts the set in place. An error message or "".
  std::string commit();
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  std::string staging_;
  std::vector<std::string> names_;
  bool committed_ = false;
};

// Ctrl-C and SIGTERM while a run is in progress: the first sets the flag
// (the run stops at its next check and writes what it has, exit 4); a second
// exits at once (status 130). The handlers are installed for the lifetime
// of this object.
class InterruptGuard {
 public:
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;
  const std::atomic<bool>* flag() const;
  bool interrupted() const { return flag()->load(); }
};

// Writes `text` to stdout and flushes it; an error message (a closed pipe,
// a full disk) or "".
std::string write_stdout(const std::string& text);

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
