#include "dsim/cli/output.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace dsim::cli {

std::string check_writable_location(const std::string& path) {
  std::error_code ec;
  const std::filesystem::path p(path);
  if (std::filesystem::is_directory(p, ec)) return "'" + path + "' is a directory";
  const std::filesystem::path dir = p.parent_path();
  if (!dir.empty() && !std::filesystem::is_directory(dir, ec))
    return "cannot write '" + path + "': the directory '" + dir.string() + "' does not exist";
  if (::access(dir.empty() ? "." : dir.c_str(), W_OK) != 0)
    return "cannot write '" + path + "': " + std::strerror(errno);
  return {};
}

std::string in_dir(const std::string& dir, const std::string& name) {
  return (std::filesystem::path(dir) / name).string();
}

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

double wall_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

Progress::Progress(bool enabled, std::string label) : enabled_(enabled), label_(std::move(label)) {}

Progress::~Progress() { done(); }

void Progress::update(Time now, Time duration, std::uint64_t events) {
  if (!enabled_) return;
  const double w = wall_seconds();
  if (w - last_wall_ < 0.1) return;
  last_wall_ = w;
  const double pct = duration > 0 ? 100.0 * static_cast<double>(std::min(now, duration)) / static_cast<double>(duration) : 100.0;
  std::fprintf(stderr, "\r%s: %5.1f%% of %.3g s simulated, %.1f M events", label_.c_str(), pct,
               static_cast<double>(duration) / 1e9, static_cast<double>(events) / 1e6);
  std::fflush(stderr);
  shown_ = true;
}

void Progress::done() {
  if (shown_) {
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
    shown_ = false;
  }
}

}  // namespace dsim::cli

namespace dsim::cli {

namespace fs = std::filesystem;

namespace {

std::string errno_text() { return std::strerror(errno); }

// The first bytes of a file (up to 4 KiB).
std::string head_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string buf(4096, '\0');
  in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
  buf.resize(static_cast<std::size_t>(in.gcount()));
  return buf;
}

bool process_alive(long pid) { return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM); }

// The PID at the end of a temporary's name after `marker`, or 0.
long pid_after(const std::string& name, const std::string& marker) {
  const std::size_t at = name.rfind(marker);
  if (at == std::string::npos) return 0;
  const std::string digits = name.substr(at + marker.size());
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 9) return 0;
  return std::stol(digits);
}

}  // namespace

bool replaceable(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return true;
  if (!fs::is_regular_file(path, ec)) return false;
  if (fs::file_size(path, ec) == 0 && !ec) return true;
  const std::string head = head_of(path);
  if (head.rfind("{\"traceEvents\":[", 0) == 0) return true;               // a trace
  if (head.find("\"schema\": \"dsim.summary/") != std::string::npos) return true;  // a summary
  if (head.rfind("time_s,sent,succeeded,", 0) == 0) return true;           // a time series
  if (head.rfind("kind,target,at_s,", 0) == 0) return true;                // faults.csv
  return false;
}

bool same_file(const std::string& a, const std::string& b) {
  std::error_code ec;
  return fs::exists(a, ec) && fs::exists(b, ec) && fs::equivalent(a, b, ec);
}

void remove_stale_temporaries(const std::string& path) {
  const fs::path p = fs::path(path).lexically_normal();
  fs::path name = p.filename();
  fs::path parent = p.parent_path();
  if (name.empty()) {  // "results/"
    name = parent.filename();
    parent = parent.parent_path();
  }
  std::error_code ec;
  const fs::path where = parent.empty() ? fs::path(".") : parent;
  const std::string file_marker = name.string() + ".tmp-";
  const std::string dir_prefix = "." + name.string() + ".dsim-";
  for (fs::directory_iterator it(where, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string n = it->path().filename().string();
    long pid = 0;
    if (n.rfind(file_marker, 0) == 0) pid = pid_after(n, ".tmp-");
    else if (n.rfind(dir_prefix, 0) == 0) pid = pid_after(n, ".dsim-");
    if (pid > 0 && !process_alive(pid)) {
      std::error_code rm;
      fs::remove_all(it->path(), rm);
    }
  }
}

// ---- PendingFile ------------------------------------------------------------

PendingFile::PendingFile(std::string path) : path_(std::move(path)) {
  tmp_ = path_ + ".tmp-" + std::to_string(::getpid());
}

PendingFile::~PendingFile() {
  if (!committed_ && out_ != nullptr) {
    out_.reset();
    std::remove(tmp_.c_str());
  }
}

std::string PendingFile::open() {
  out_ = std::make_unique<std::ofstream>(tmp_, std::ios::binary | std::ios::trunc);
  if (!*out_) return "cannot write '" + path_ + "': " + errno_text();
  return {};
}

std::string PendingFile::commit() {
  out_->flush();
  const bool ok = static_cast<bool>(*out_);
  const int err = errno;
  out_->close();
  if (!ok || out_->fail()) {
    std::remove(tmp_.c_str());
    committed_ = true;
    return "cannot write '" + path_ + "': " + (err != 0 ? std::strerror(err) : "write failed");
  }
  // Durable before it replaces anything.
  const int fd = ::open(tmp_.c_str(), O_RDONLY);
  if (fd >= 0) {
    const int rc = ::fsync(fd);
    const int fsync_err = errno;
    ::close(fd);
    if (rc != 0) {
      std::remove(tmp_.c_str());
      committed_ = true;
      return "cannot write '" + path_ + "': " + std::strerror(fsync_err);
    }
  }
  committed_ = true;
  if (std::rename(tmp_.c_str(), path_.c_str()) != 0) {
    const int e = errno;
    std::remove(tmp_.c_str());
    return "cannot rename '" + tmp_ + "' to '" + path_ + "': " + std::strerror(e);
  }
  return {};
}

// ---- OutputDir --------------------------------------------------------------

OutputDir::OutputDir(std::string dir) : dir_(std::move(dir)) {
  fs::path p = fs::path(dir_).lexically_normal();
  if (!p.has_filename()) p = p.parent_path();  // "results/"
  std::error_code ec;
  // A link to a directory: the set goes where it points, the link stays.
  if (fs::is_symlink(p, ec) && fs::is_directory(p, ec)) p = fs::canonical(p, ec);
  dir_ = p.string();
  const fs::path parent = p.parent_path();
  staging_ = (parent / ("." + p.filename().string() + ".dsim-" + std::to_string(::getpid()))).string();
}

OutputDir::~OutputDir() {
  if (!committed_) {
    std::error_code ec;
    fs::remove_all(staging_, ec);
  }
}

std::string OutputDir::check(const std::vector<std::string>& names, bool force) {
  names_ = names;
  std::error_code ec;
  const fs::path p(dir_);
  const fs::path parent = p.parent_path();
  if (!parent.empty() && !fs::is_directory(parent, ec))
    return "cannot create '" + dir_ + "': the directory '" + parent.string() + "' does not exist";
  if (::access(parent.empty() ? "." : parent.c_str(), W_OK) != 0)
    return "cannot write in '" + (parent.empty() ? std::string(".") : parent.string()) + "': " + errno_text();
  if (fs::exists(p, ec)) {
    if (!fs::is_directory(p, ec)) return "'" + dir_ + "' exists and is not a directory";
    if (::access(p.c_str(), W_OK) != 0) return "cannot write in '" + dir_ + "': " + errno_text();
    if (!force)
      for (const auto& n : names)
        if (!replaceable(in_dir(dir_, n)))
          return "'" + in_dir(dir_, n) +
                 "' exists and is not a dsim output: move it away, choose another directory, or give --force to "
                 "replace it";
  }
  return {};
}

std::string OutputDir::open() {
  remove_stale_temporaries(dir_);
  for (const auto& n : names_) remove_stale_temporaries(in_dir(dir_, n));
  std::error_code ec;
  fs::remove_all(staging_, ec);
  if (!fs::create_directory(staging_, ec) || ec)
    return "cannot create directory '" + staging_ + "': " + (ec ? ec.message() : std::string("it exists"));
  return {};
}

std::string OutputDir::write(const std::string& name, const std::string& content) {
  PendingFile f(staging(name));
  if (auto err = f.open(); !err.empty()) return err;
  f.stream().write(content.data(), static_cast<std::streamsize>(content.size()));
  return f.commit();
}

std::string OutputDir::commit() {
  std::error_code ec;
  committed_ = true;
  if (!fs::exists(dir_, ec)) {
    if (std::rename(staging_.c_str(), dir_.c_str()) != 0) {
      const std::string err = errno_text();
      fs::remove_all(staging_, ec);
      return "cannot rename '" + staging_ + "' to '" + dir_ + "': " + err;
    }
    return {};
  }
  // Files of DIR this run did not write move into the new set first, so
  // that the exchange below loses nothing the user keeps there.
  for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path target = fs::path(staging_) / it->path().filename();
    std::error_code exists_ec;
    if (fs::exists(target, exists_ec)) continue;
    std::error_code mv;
    fs::rename(it->path(), target, mv);
    if (mv) {
      fs::remove_all(staging_, ec);
      return "cannot move '" + it->path().string() + "' into the new output set: " + mv.message();
    }
  }
  // One atomic step: the new set and the old one trade places.
  if (::renameat2(AT_FDCWD, staging_.c_str(), AT_FDCWD, dir_.c_str(), RENAME_EXCHANGE) != 0) {
    // A file system without the exchange: two renames, old set aside first.
    const std::string aside = staging_ + "-old";
    if (std::rename(dir_.c_str(), aside.c_str()) != 0 || std::rename(staging_.c_str(), dir_.c_str()) != 0) {
      const std::string err = errno_text();
      return "cannot put the new output set in place at '" + dir_ + "': " + err + " (it is in '" + staging_ + "')";
    }
    fs::remove_all(aside, ec);
    return {};
  }
  fs::remove_all(staging_, ec);  // now the previous run's outputs
  return {};
}

// ---- Interrupts -------------------------------------------------------------

namespace {

std::atomic<bool> g_interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free);

extern "C" void on_interrupt(int) {
  if (g_interrupted.exchange(true)) {
    static const char msg[] = "\ndsim: interrupted again: exiting at once\n";
    [[maybe_unused]] const ssize_t n = ::write(STDERR_FILENO, msg, sizeof msg - 1);
    ::_exit(130);
  }
}

}  // namespace

InterruptGuard::InterruptGuard() {
  g_interrupted.store(false);
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
}

InterruptGuard::~InterruptGuard() {
  struct sigaction sa {};
  sa.sa_handler = SIG_DFL;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
}

const std::atomic<bool>* InterruptGuard::flag() const { return &g_interrupted; }

std::string write_stdout(const std::string& text) {
  errno = 0;
  const bool ok = std::fwrite(text.data(), 1, text.size(), stdout) == text.size() && std::fflush(stdout) == 0 &&
                  !std::ferror(stdout);
  if (ok) return {};
  const int err = errno;
  std::clearerr(stdout);
  return std::string("cannot write to standard output: ") + (err != 0 ? std::strerror(err) : "write failed");
}

}  // namespace dsim::cli
