// Reads a client's load over time: `rate: {points | diurnal}`, `bursts`,
// `users: {points}` and `replay: file.csv` (models/rate_schedule.h,
// models/arrival_trace.h); fields: scenarios/README.md, "Load over time".
#include "dsim/loader/builtin_parsers.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "dsim/sim/units.h"

namespace dsim {

namespace {

// A point [time, value]: a list of two.
std::pair<ConfigNode, ConfigNode> point_parts(const ConfigNode& item, const char* example) {
  const std::vector<ConfigNode> parts = item.is_list() ? item.as_list() : std::vector<ConfigNode>{};
  if (parts.size() != 2)
    item.fail(std::string("each point is a list of two, [time, value], e.g. ") + example + ", got " +
              (item.is_list() ? "a list of " + std::to_string(parts.size()) : item.describe()));
  return {parts[0], parts[1]};
}

// The points of a schedule, with their times strictly increasing.
std::vector<RateSchedule::Point> read_points(const ConfigNode& node, bool users) {
  const char* example = users ? "[10m, 200]" : "[10m, 2000/s]";
  if (!node.is_list() || node.as_list().empty())
    node.fail(std::string("must be a list of points [time, ") + (users ? "users" : "rate") + "], e.g. [[0s, " +
              (users ? "20" : "200/s") + "], " + example + "], got " + node.describe());
  std::vector<RateSchedule::Point> points;
  for (const ConfigNode& item : node.as_list()) {
    const auto [at_node, value_node] = point_parts(item, example);
    RateSchedule::Point p;
    p.at = at_node.non_negative_duration();
    if (p.at > kMaxConfigDuration) at_node.fail("must be at most 50 years");
    if (!points.empty() && p.at <= points.back().at)
      at_node.fail("times must increase from point to point: " + units::format_duration(p.at) +
                   " is not after the previous point's " + units::format_duration(points.back().at));
    if (users) {
      p.rate = value_node.as_number();
      if (!(p.rate >= 0) || p.rate > 10'000'000)
        value_node.fail("must be a number of users from 0 to 10,000,000, got " + value_node.describe());
    } else {
      p.rate = value_node.as_rate();
      if (!(p.rate > 0)) value_node.fail("must be a positive rate, got " + value_node.describe());
      if (p.rate > 1e15) value_node.fail("must be at most 10^15 per second, got " + value_node.describe());
    }
    points.push_back(p);
  }
  return points;
}

RateSchedule read_diurnal(const ConfigNode& node) {
  MapReader r(node);
  RateSchedule::Diurnal d;
  const ConfigNode mean = r.require("mean", "the average rate over a period, e.g. mean: 1000/s");
  d.mean = mean.as_rate();
  if (!(d.mean > 0) || d.mean > 1e15) mean.fail("must be a positive rate (at most 10^15 per second), got " + mean.describe());
  const ConfigNode amp = r.require("amplitude", "how far the rate swings either side of the mean, e.g. amplitude: 60%");
  d.amplitude = amp.as_fraction();
  if (!(d.amplitude >= 0) || d.amplitude > 1)
    amp.fail("must be a share of the mean from 0 to 100% (above 100% the rate would go negative), got " +
             amp.describe());
  if (auto p = r.get("period")) {
    d.period = p->positive_duration();
    if (d.period < kSecond || d.period > kMaxConfigDuration)
      p->fail("must be from 1s to 50 years (a curve that repeats within a second is no load schedule), got " +
              p->describe());
  }
  if (auto p = r.get("peak_at")) {
    d.peak_at = p->non_negative_duration();
    if (d.peak_at >= d.period)
      p->fail("must be within the period (" + units::format_duration(d.period) + "), got " + p->describe());
  } else if (d.peak_at >= d.period) {
    d.peak_at = 0;  // the default 14h does not fit a shorter period: peak at its start
  }
  r.finish();
  return RateSchedule::diurnal(d);
}

// Reads one field of a CSV line, without spaces around it.
// Without spaces around it, and unquoted ("3" is 3, as RFC 4180 writes it).
std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

struct CsvField {
  std::string_view text;
  int column = 1;  // 1-based, where the text starts
};

std::vector<CsvField> split_csv(std::string_view line) {
  std::vector<CsvField> fields;
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = line.find(',', start);
    const std::string_view raw = line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    const std::string_view t = trim(raw);
    const std::size_t lead = t.empty() ? 0 : static_cast<std::size_t>(t.data() - raw.data());
    fields.push_back(CsvField{t, static_cast<int>(start + lead + 1)});
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return fields;
}

// A time in a trace: seconds as a plain number, or a duration with its unit.
std::optional<Time> trace_time(std::string_view text) {
  units::Parsed p = units::parse_number(text);
  if (p.ok()) p.value *= 1e9;
  else p = units::parse_duration(text);
  if (!p.ok() || !std::isfinite(p.value) || p.value < 0 || p.value > static_cast<double>(kMaxConfigDuration))
    return std::nullopt;
  return static_cast<Time>(std::llround(p.value));
}

constexpr std::size_t kMaxTraceArrivals = 50'000'000;

}  // namespace

RateSchedule read_rate_schedule(const ConfigNode& node) {
  MapReader r(node);
  auto points = r.get("points");
  auto diurnal = r.get("diurnal");
  if (points && diurnal) diurnal->fail("give either points or diurnal, not both", true);
  if (!points && !diurnal)
    node.fail("a rate over time needs points (e.g. points: [[0s, 200/s], [10m, 2000/s]]) or diurnal (e.g. "
              "diurnal: {mean: 1000/s, amplitude: 60%})");
  RateSchedule s = points ? RateSchedule::points(read_points(*points, false)) : read_diurnal(*diurnal);
  r.finish();
  return s;
}

RateSchedule read_user_schedule(const ConfigNode& node) {
  MapReader r(node);
  const ConfigNode points = r.require("points", "the users over time, e.g. points: [[0s, 20], [10m, 200]]");
  r.finish();
  std::vector<RateSchedule::Point> p = read_points(points, true);
  const bool anyone = std::any_of(p.begin(), p.end(), [](const RateSchedule::Point& x) { return x.rate >= 1; });
  if (!anyone) points.fail("never reaches one user: give at least one point of 1 or more");
  return RateSchedule::points(std::move(p));
}

std::vector<ConfigNode> read_bursts(const ConfigNode& node, RateSchedule& schedule) {
  if (!node.is_list())
    node.fail("must be a list of bursts, e.g. [{at: 5m, for: 30s, factor: 5}], got " + node.describe());
  std::vector<ConfigNode> starts;
  for (const ConfigNode& item : node.as_list()) {
    MapReader r(item);
    RateSchedule::Burst b;
    const ConfigNode at = r.require("at", "when the burst begins, e.g. at: 5m");
    b.at = at.non_negative_duration();
    const ConfigNode length = r.require("for", "how long it lasts, e.g. for: 30s");
    b.length = length.positive_duration();
    const ConfigNode factor = r.require("factor", "what the rate is multiplied by meanwhile, e.g. factor: 5");
    b.factor = factor.as_number();
    if (!(b.factor > 0) || b.factor > 1e6) factor.fail("must be a positive number (at most 10^6), got " + factor.describe());
    r.finish();
    schedule.add_burst(b);
    starts.push_back(at);
  }
  return starts;
}

std::shared_ptr<const ArrivalTrace> read_arrival_trace(const ConfigNode& node) {
  const std::string written = node.as_string();
  if (written.empty()) node.fail("must name a CSV file of arrival times, e.g. replay: arrivals.csv");
  const std::string path = node.resolve_path(written);
  std::error_code ec;
  if (std::filesystem::exists(path, ec) && !std::filesystem::is_regular_file(path, ec))
    node.fail("the trace '" + written + "' is not a regular file; give a CSV file of arrival times");
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const std::string why = std::strerror(errno);
    node.fail("cannot open the trace '" + written + "'" + (path != written ? " (" + path + ")" : "") + ": " + why +
              "; a relative path is taken from the scenario file's folder");
  }
  auto trace = std::make_shared<ArrivalTrace>();
  trace->source = path;
  auto fail_at = [&](int line, int column, const std::string& message) {
    throw DiagnosticError(Diagnostic{path, line, column, node.path(), message});
  };
  // Columns: time, then key, then operation; or as a header names them.
  int time_col = 0, key_col = 1, op_col = 2;
  bool first = true;
  bool any_key = false;
  int line_no = 0;
  int lacks_op_line = 0;
  std::string line;
  while (std::getline(in, line)) {
    ++line_no;
    if (line_no == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);  // a UTF-8 byte order mark
    if (line.find('\0') != std::string::npos) fail_at(line_no, 1, "not a text file: it contains a NUL byte");
    const std::string_view view = trim(line);
    if (view.empty() || view.front() == '#') continue;
    const std::vector<CsvField> fields = split_csv(line);
    if (first) {
      first = false;
      if (!trace_time(fields[0].text)) {
        // A header: which column is which.
        time_col = key_col = op_col = -1;
        for (std::size_t i = 0; i < fields.size(); ++i) {
          std::string name(fields[i].text);
          std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
          int* col = name == "time" || name == "at" || name == "timestamp" ? &time_col
                     : name == "key"                                     ? &key_col
                     : name == "op" || name == "operation"               ? &op_col
                                                                         : nullptr;
          if (col == nullptr) continue;  // a column dsim does not read
          if (*col >= 0)
            fail_at(line_no, fields[i].column,
                    "the header names column '" + std::string(fields[i].text) + "' a second time (it is column " +
                        std::to_string(*col + 1) + " already)");
          *col = static_cast<int>(i);
        }
        if (time_col < 0)
          fail_at(line_no, fields[0].column,
                  "'" + std::string(fields[0].text) +
                      "' is neither an arrival time nor a header naming a time column; a line is time[,key[,op]] "
                      "(time in seconds, e.g. 0.25, or with a unit, e.g. 250ms), or a header such as time,key,op");
        continue;
      }
    }
    auto field = [&](int col) -> const CsvField* {
      return col >= 0 && static_cast<std::size_t>(col) < fields.size() && !fields[static_cast<std::size_t>(col)].text.empty()
                 ? &fields[static_cast<std::size_t>(col)]
                 : nullptr;
    };
    ArrivalTrace::Arrival a;
    const CsvField* t = field(time_col);
    if (t == nullptr) fail_at(line_no, 1, "no arrival time on this line; a line is time[,key[,op]]");
    const std::optional<Time> at = trace_time(t->text);
    if (!at)
      fail_at(line_no, t->column,
              "'" + std::string(t->text) +
                  "' is not an arrival time: give seconds since the start of the run (e.g. 0.25) or a duration "
                  "with its unit (e.g. 250ms), from 0 to 50 years");
    a.at = *at;
    if (!trace->arrivals.empty() && a.at < trace->arrivals.back().at)
      fail_at(line_no, t->column,
              "arrival times go backwards: " + units::format_duration(a.at) + " after " +
                  units::format_duration(trace->arrivals.back().at) + "; sort the trace by time");
    if (const CsvField* k = field(key_col)) {
      std::uint64_t key = 0;
      const char* end = k->text.data() + k->text.size();
      const auto [ptr, ec] = std::from_chars(k->text.data(), end, key);
      if (ec != std::errc() || ptr != end || key >= kMaxKeyCount)
        fail_at(line_no, k->column,
                "key '" + std::string(k->text) + "' must be a whole number from 0 to " +
                    std::to_string(kMaxKeyCount - 1) +
                    " (a line is time[,key[,op]]; a header line such as time,op gives other columns)");
      a.key = key;
      any_key = true;
    }
    if (const CsvField* o = field(op_col)) {
      std::string op(o->text);
      std::transform(op.begin(), op.end(), op.begin(), [](unsigned char c) { return std::tolower(c); });
      if (op == "read" || op == "r" || op == "get") a.op = Operation::kRead;
      else if (op == "write" || op == "w" || op == "put" || op == "set") a.op = Operation::kWrite;
      else
        fail_at(line_no, o->column,
                "unknown operation '" + std::string(o->text) + "'" + did_you_mean(op, {"read", "write"}) +
                    "; valid: read (or r, get), write (or w, put, set)");
    } else if (lacks_op_line == 0) {
      lacks_op_line = line_no;
    }
    if (a.op != Operation::kRequest) trace->has_operations = true;
    if (trace->has_operations && lacks_op_line != 0)
      fail_at(lacks_op_line, 1,
              "this arrival names no operation while others do: give every arrival its operation (read or "
              "write), or none");
    if (trace->arrivals.size() == kMaxTraceArrivals)
      fail_at(line_no, 1, "the trace has more than " + std::to_string(kMaxTraceArrivals) + " arrivals, over dsim's limit");
    trace->arrivals.push_back(a);
  }
  if (in.bad()) node.fail("could not read the trace '" + written + "': " + std::strerror(errno));
  if (trace->arrivals.empty())
    fail_at(std::max(line_no, 1), 1, "the trace has no arrivals; a line is time[,key[,op]], e.g. 0.25,17,read");
  if (any_key && !trace->has_operations)
    node.fail("the trace '" + written + "' gives keys but no operations: a key belongs to a read or a write "
              "(time,key,op)");
  return trace;
}

double busiest_second(const ArrivalTrace& trace) {
  std::size_t best = 0;
  std::size_t lo = 0;
  const auto& a = trace.arrivals;
  for (std::size_t hi = 0; hi < a.size(); ++hi) {
    while (a[hi].at - a[lo].at >= kSecond) ++lo;
    best = std::max(best, hi - lo + 1);
  }
  return static_cast<double>(best);
}

}  // namespace dsim
