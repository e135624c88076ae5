// Output helpers for the command line: outputs that appear only complete and
// never replace what the user wrote, checked stdout, interrupts, a progress line.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
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

// Removes temporaries a killed dsim left beside `path`: regular files named
// `path`.tmp-PID whose process is no longer running. Nothing else.
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

// The files of --out DIR as one set, marked complete by a manifest written
// last (manifest.json: each file's name, size and FNV-1a 64 digest, with the
// scenario, seed and whether the run was partial). open() first removes the
// previous manifest, so from then until commit() DIR holds no manifest: a
// reader that finds none, or a file that does not match it, knows the set is
// incomplete (a run killed while writing). Each file is itself written to a
// temporary and renamed. DIR's other files are never touched; temporaries a
// killed run left (`NAME.tmp-PID` of the set's names, PID no longer running)
// are removed.
class OutputDir {
 public:
  explicit OutputDir(std::string dir);
  OutputDir(const OutputDir&) = delete;
  OutputDir& operator=(const OutputDir&) = delete;

  static constexpr const char* kManifest = "manifest.json";

  // Checks before a run that DIR can take the files `names` (and the
  // manifest): DIR is a writable directory, or absent with a writable
  // parent; each of those files is replaceable() unless `force`. An error
  // message or "".
  std::string check(const std::vector<std::string>& names, bool force);
  // Creates DIR if needed (not its parents), removes stale temporaries and
  // the previous manifest. An error message or "".
  std::string open();
  // Writes `content` as DIR/`name` (a temporary, then a rename) and lists it
  // in the manifest. An error message or "".
  std::string write(const std::string& name, const std::string& content);
  // Lists DIR/`name`, written by someone else (the trace), in the manifest.
  std::string add(const std::string& name);
  // Writes the manifest: the set is complete. `about` (an object) gives its
  // other fields: scenario, seed, partial. An error message or "".
  std::string commit(const nlohmann::ordered_json& about);
  const std::string& dir() const { return dir_; }

 private:
  struct Listed {
    std::string name;
    std::uint64_t bytes;
    std::uint64_t digest;
  };
  std::string dir_;
  std::vector<std::string> names_;
  std::vector<Listed> listed_;
};

// FNV-1a, 64 bits: the manifest's digest of a file's bytes.
std::uint64_t fnv1a64(std::string_view bytes, std::uint64_t h = 0xcbf29ce484222325ULL);

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
