#include "dsim/analysis/history_io.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <cstddef>
#include <limits>
#include <nlohmann/json.hpp>
#include <new>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

namespace dsim {

const char* history_format_name(HistoryFormat f) {
  switch (f) {
    case HistoryFormat::kDsim: return "dsim";
    case HistoryFormat::kJepsenLog: return "jepsen-log";
    case HistoryFormat::kJepsenEdn: return "jepsen-edn";
  }
  return "?";
}

std::optional<HistoryFormat> history_format_from_name(std::string_view name) {
  if (name == "dsim") return HistoryFormat::kDsim;
  if (name == "jepsen-log") return HistoryFormat::kJepsenLog;
  if (name == "jepsen-edn") return HistoryFormat::kJepsenEdn;
  return std::nullopt;
}

std::string HistoryReadError::to_string() const {
  std::string out = file;
  if (line > 0) {
    out += ":" + std::to_string(line);
    if (column > 0) out += ":" + std::to_string(column);
  }
  out += ": ";
  out += message;
  return out;
}

namespace {

using Json = nlohmann::json;

// The first mistake, thrown inside the readers and returned by read_history.
struct ReadFail {
  std::size_t line = 0;
  std::size_t column = 0;
  std::string message;
};

[[noreturn]] void fail(std::size_t line, std::size_t column, std::string message) {
  throw ReadFail{line, column, std::move(message)};
}

int clamp_int(std::size_t v) { return v > static_cast<std::size_t>(INT_MAX) ? INT_MAX : static_cast<int>(v); }

std::uint32_t clamp_u32(std::size_t v) {
  return v > std::numeric_limits<std::uint32_t>::max() ? std::numeric_limits<std::uint32_t>::max()
                                                       : static_cast<std::uint32_t>(v);
}

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

std::string_view trim_left(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && is_blank(s[i])) ++i;
  return s.substr(i);
}

// At most `max` bytes of `s`, then "..." if it was longer.
std::string cut(std::string_view s, std::size_t max = 40) {
  if (s.size() <= max) return std::string(s);
  return std::string(s.substr(0, max)) + "...";
}

// Calls f(line number, line) for every line, without its '\n' and a '\r'
// before it. A final line without '\n' counts; an empty one after the last
// '\n' is passed too (and is blank).
template <class F>
void for_each_line(std::string_view text, F&& f) {
  std::size_t line = 1;
  std::size_t start = 0;
  while (true) {
    const std::size_t nl = text.find('\n', start);
    const std::size_t end = nl == std::string_view::npos ? text.size() : nl;
    std::string_view v = text.substr(start, end - start);
    if (!v.empty() && v.back() == '\r') v.remove_suffix(1);
    f(line, v);
    if (nl == std::string_view::npos) break;
    start = nl + 1;
    ++line;
  }
}

// Names to indices, in first-seen order.
class Interner {
 public:
  explicit Interner(std::vector<std::string>& names) : names_(names) {
    for (std::size_t i = 0; i < names_.size(); ++i) index_.emplace(names_[i], clamp_u32(i));
  }
  std::uint32_t intern(const std::string& name) {
    auto [it, inserted] = index_.try_emplace(name, clamp_u32(names_.size()));
    if (inserted) names_.push_back(name);
    return it->second;
  }

 private:
  std::vector<std::string>& names_;
  std::unordered_map<std::string, std::uint32_t> index_;
};

// ---- dsim: JSON lines --------------------------------------------------------

// The top-level fields of a JSON object's text, already known to be valid
// JSON: each key's raw text (escapes not decoded) and the offset of its value.
struct FieldPos {
  std::string_view raw_key;
  std::size_t key_offset = 0;
  std::size_t value_offset = 0;
};

bool json_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Returns the offset just past the string whose opening quote is at `i`.
std::size_t skip_json_string(std::string_view s, std::size_t i) {
  ++i;
  while (i < s.size() && s[i] != '"') i += s[i] == '\\' ? 2 : 1;
  return i < s.size() ? i + 1 : s.size();
}

std::vector<FieldPos> top_level_fields(std::string_view s) {
  std::vector<FieldPos> out;
  std::size_t i = 0;
  auto blanks = [&] {
    while (i < s.size() && json_blank(s[i])) ++i;
  };
  blanks();
  if (i >= s.size() || s[i] != '{') return out;
  ++i;
  while (true) {
    blanks();
    if (i >= s.size() || s[i] != '"') return out;
    FieldPos f;
    f.key_offset = i;
    const std::size_t end = skip_json_string(s, i);
    f.raw_key = s.substr(i + 1, end > i + 1 ? end - i - 2 : 0);
    i = end;
    blanks();
    if (i >= s.size() || s[i] != ':') return out;
    ++i;
    blanks();
    f.value_offset = i;
    out.push_back(f);
    int depth = 0;
    while (i < s.size()) {
      const char c = s[i];
      if (c == '"') {
        i = skip_json_string(s, i);
        continue;
      }
      if (c == '{' || c == '[') ++depth;
      if (c == '}' || c == ']') {
        if (depth == 0) break;
        --depth;
      }
      if (c == ',' && depth == 0) break;
      ++i;
    }
    if (i >= s.size() || s[i] != ',') return out;
    ++i;
  }
}

std::string decode_key(std::string_view raw) {
  if (raw.find('\\') == std::string_view::npos) return std::string(raw);
  try {
    std::string quoted;
    quoted.reserve(raw.size() + 2);
    quoted += '"';
    quoted += raw;
    quoted += '"';
    return Json::parse(quoted).get<std::string>();
  } catch (const Json::exception&) {
    return std::string(raw);
  }
}

// One top-level field's value, as the SAX parser reported it.
struct JField {
  enum class Type : std::uint8_t { kMissing, kNull, kBool, kNegative, kUnsigned, kFloat, kString, kObject, kArray };
  Type type = Type::kMissing;
  bool b = false;
  std::int64_t i = 0;   // kNegative
  std::uint64_t u = 0;  // kUnsigned
  std::string s;        // kString: the text; kFloat: the number as written
};

// "a string \"x\"", "null", "-3", "an object", ... for messages.
std::string describe_json(const JField& j) {
  switch (j.type) {
    case JField::Type::kMissing: return "nothing";
    case JField::Type::kNull: return "null";
    case JField::Type::kBool: return j.b ? "true" : "false";
    case JField::Type::kNegative: return std::to_string(j.i);
    case JField::Type::kUnsigned: return std::to_string(j.u);
    case JField::Type::kFloat: return cut(j.s);
    case JField::Type::kString: return "a string " + cut(Json(j.s).dump());
    case JField::Type::kObject: return "an object";
    case JField::Type::kArray: return "an array";
  }
  return "a value";
}

enum DsimField : std::uint8_t { kIndex, kClient, kOp, kKey, kValue, kInvokeNs, kCompleteNs, kOutcome, kDsimFields };
constexpr const char* kDsimFieldNames[kDsimFields] = {"index", "client",    "op",          "key",
                                                     "value", "invoke_ns", "complete_ns", "outcome"};

// Collects the top-level fields of one line's JSON value, without building
// a DOM (nlohmann's SAX interface): the known fields' values, whether the
// value is an object, the first duplicated key, the parse error.
class DsimSax {
 public:
  using number_integer_t = Json::number_integer_t;
  using number_unsigned_t = Json::number_unsigned_t;
  using number_float_t = Json::number_float_t;
  using string_t = Json::string_t;
  using binary_t = Json::binary_t;

  void reset() {
    for (JField& f : fields_) f.type = JField::Type::kMissing;
    for (bool& b : seen_) b = false;
    others_.clear();
    depth_ = 0;
    current_ = nullptr;
    top_ = JField::Type::kMissing;
    duplicate_.clear();
    error_position_ = 0;
    error_.clear();
  }

  bool null() { return scalar(JField::Type::kNull); }
  bool boolean(bool v) {
    if (JField* f = target()) f->b = v;
    return scalar(JField::Type::kBool);
  }
  bool number_integer(number_integer_t v) {
    if (JField* f = target()) f->i = v;
    return scalar(v < 0 ? JField::Type::kNegative : JField::Type::kUnsigned, v < 0 ? 0 : static_cast<std::uint64_t>(v));
  }
  bool number_unsigned(number_unsigned_t v) { return scalar(JField::Type::kUnsigned, v); }
  bool number_float(number_float_t, const string_t& text) {
    if (JField* f = target()) f->s = text;
    return scalar(JField::Type::kFloat);
  }
  bool string(string_t& v) {
    if (JField* f = target()) f->s = v;
    return scalar(JField::Type::kString);
  }
  bool binary(binary_t&) { return scalar(JField::Type::kNull); }
  bool start_object(std::size_t) { return open(JField::Type::kObject); }
  bool end_object() { return close(); }
  bool start_array(std::size_t) { return open(JField::Type::kArray); }
  bool end_array() { return close(); }
  bool key(string_t& k) {
    if (depth_ != 1) return true;
    for (int f = 0; f < kDsimFields; ++f) {
      if (k != kDsimFieldNames[f]) continue;
      if (seen_[f]) {
        duplicate_ = k;
        return false;
      }
      seen_[f] = true;
      current_ = &fields_[f];
      return true;
    }
    if (!others_.insert(k).second) {
      duplicate_ = k;
      return false;
    }
    current_ = nullptr;
    return true;
  }
  bool parse_error(std::size_t position, const std::string&, const Json::exception& e) {
    error_position_ = position == 0 ? 1 : position;
    error_ = e.what();
    const std::size_t colon = error_.find(": ");
    if (colon != std::string::npos) error_ = error_.substr(colon + 2);
    return false;
  }

  const JField& field(DsimField f) const { return fields_[f]; }
  JField::Type top() const { return top_; }
  const std::string& duplicate() const { return duplicate_; }
  std::size_t error_position() const { return error_position_; }
  const std::string& error() const { return error_; }

 private:
  // The field a value at the current depth belongs to (nullptr: none kept).
  JField* target() { return depth_ == 1 ? current_ : nullptr; }
  bool scalar(JField::Type t, std::uint64_t u = 0) {
    if (depth_ == 0) top_ = t;
    if (JField* f = target()) {
      f->type = t;
      f->u = u;
    }
    return true;
  }
  bool open(JField::Type t) {
    scalar(t);
    ++depth_;
    return true;
  }
  bool close() {
    --depth_;
    return true;
  }

  JField fields_[kDsimFields];
  bool seen_[kDsimFields] = {};
  std::set<std::string> others_;  // other fields seen on this line (looked up, never iterated)
  int depth_ = 0;
  JField* current_ = nullptr;
  JField::Type top_ = JField::Type::kMissing;
  std::string duplicate_;
  std::size_t error_position_ = 0;
  std::string error_;
};

class DsimReader {
 public:
  explicit DsimReader(DsimSax& sax) : sax_(sax) {}

  // Parses one line; fails on bad JSON, anything but an object, or a key
  // given twice.
  void parse(std::size_t line, std::string_view text) {
    line_ = line;
    text_ = text;
    object_column_ = text.size() - trim_left(text).size() + 1;
    sax_.reset();
    const bool ok = Json::sax_parse(text.begin(), text.end(), &sax_);
    if (!sax_.duplicate().empty()) {
      // The second occurrence of the key.
      bool first = true;
      for (const FieldPos& f : top_level_fields(text_)) {
        if (decode_key(f.raw_key) != sax_.duplicate()) continue;
        if (!first) fail(line_, f.key_offset + 1, "field \"" + cut(sax_.duplicate()) + "\" given twice");
        first = false;
      }
      fail(line_, object_column_, "field \"" + cut(sax_.duplicate()) + "\" given twice");
    }
    if (!ok || sax_.error_position() != 0)
      fail(line_, std::min(sax_.error_position(), text_.size() + 1), "bad JSON: " + sax_.error());
    if (sax_.top() != JField::Type::kObject) {
      JField top;
      top.type = sax_.top();
      fail(line_, object_column_,
           "expected a JSON object {\"client\": ..., \"op\": ..., ...} per line, found " + describe_json(top));
    }
  }

  // The column of field f's value (of the object if it is not there).
  std::size_t column(DsimField f) const {
    for (const FieldPos& p : top_level_fields(text_))
      if (decode_key(p.raw_key) == kDsimFieldNames[f]) return p.value_offset + 1;
    return object_column_;
  }

  const JField& get(DsimField f) const {
    const JField& j = sax_.field(f);
    if (j.type == JField::Type::kMissing)
      fail(line_, object_column_, std::string("missing field \"") + kDsimFieldNames[f] + "\"");
    return j;
  }
  bool has(DsimField f) const { return sax_.field(f).type != JField::Type::kMissing; }

  [[noreturn]] void wrong(DsimField f, const char* expected) const {
    fail(line_, column(f),
         std::string("field \"") + kDsimFieldNames[f] + "\" must be " + expected + ", found " + describe_json(get(f)));
  }

  const std::string& string_field(DsimField f) const {
    const JField& j = get(f);
    if (j.type != JField::Type::kString) wrong(f, "a string");
    return j.s;
  }
  std::uint64_t unsigned_field(DsimField f) const {
    const JField& j = get(f);
    if (j.type != JField::Type::kUnsigned) wrong(f, "an integer >= 0");
    return j.u;
  }
  Time time_field(DsimField f) const {
    const JField& j = get(f);
    if (j.type != JField::Type::kUnsigned || j.u > static_cast<std::uint64_t>(kTimeMax))
      wrong(f, "an integer number of nanoseconds >= 0");
    return static_cast<Time>(j.u);
  }
  // An integer in int64's range, or null (nullopt).
  std::optional<std::int64_t> value_field(DsimField f, const char* expected) const {
    const JField& j = get(f);
    if (j.type == JField::Type::kNull) return std::nullopt;
    if (j.type == JField::Type::kNegative) return j.i;
    constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    if (j.type == JField::Type::kUnsigned && j.u <= kMax)
      return static_cast<std::int64_t>(j.u);
    wrong(f, expected);
  }

 private:
  DsimSax& sax_;
  std::size_t line_ = 0;
  std::string_view text_;
  std::size_t object_column_ = 1;
};

LinHistory read_dsim(std::string_view text) {
  LinHistory h;
  h.model = LinModel::kRegister;
  h.clients.emplace_back(kInitClient);
  Interner clients(h.clients);
  Interner keys(h.keys);
  std::vector<LinOp> ops;
  DsimSax sax;
  DsimReader r(sax);
  for_each_line(text, [&](std::size_t line, std::string_view v) {
    if (trim_left(v).empty()) return;
    r.parse(line, v);
    if (r.has(kIndex) && r.get(kIndex).type != JField::Type::kUnsigned) r.wrong(kIndex, "an integer >= 0");
    LinOp op;
    op.line = clamp_u32(line);
    op.client = clients.intern(r.string_field(kClient));
    const std::string& kind = r.string_field(kOp);
    if (kind == "read") op.fn = LinFn::kRead;
    else if (kind == "write") op.fn = LinFn::kWrite;
    else fail(line, r.column(kOp), "unknown op \"" + cut(kind) + "\" (expected \"read\" or \"write\")");
    op.key = keys.intern(std::to_string(r.unsigned_field(kKey)));
    const std::string& outcome = r.string_field(kOutcome);
    if (outcome == "ok") op.outcome = LinOutcome::kOk;
    else if (outcome == "fail") op.outcome = LinOutcome::kFail;
    else if (outcome == "unknown") op.outcome = LinOutcome::kUnknown;
    else
      fail(line, r.column(kOutcome),
           "unknown outcome \"" + cut(outcome) + "\" (expected \"ok\", \"fail\" or \"unknown\")");
    if (op.fn == LinFn::kWrite) {
      const auto v = r.value_field(kValue, "an integer (the value written)");
      if (!v) r.wrong(kValue, "an integer (the value written)");
      op.arg = RegValue{*v, false};
    } else if (op.outcome == LinOutcome::kOk) {
      const auto v = r.value_field(kValue, "an integer (the value an ok read returned)");
      if (!v) r.wrong(kValue, "an integer (the value an ok read returned)");
      op.result = RegValue{*v, false};
    } else {
      (void)r.value_field(kValue, "an integer or null");
    }
    op.invoke = r.time_field(kInvokeNs);
    op.complete = r.time_field(kCompleteNs);
    if (op.complete < op.invoke)
      fail(line, r.column(kCompleteNs),
           "complete_ns (" + std::to_string(op.complete) + ") is before invoke_ns (" +
               std::to_string(op.invoke) + ")");
    ops.push_back(std::move(op));
  });
  if (ops.empty()) fail(0, 0, "no operations: expected JSON lines as `dsim run --history` writes them");
  h.ops.reserve(h.keys.size() + ops.size());
  for (std::size_t k = 0; k < h.keys.size(); ++k) {
    LinOp init;
    init.key = clamp_u32(k);
    init.client = 0;
    init.fn = LinFn::kWrite;
    init.outcome = LinOutcome::kOk;
    init.invoke = kDsimInitialTime;
    init.complete = kDsimInitialTime;
    init.arg = RegValue{0, false};
    init.line = 0;
    h.ops.push_back(std::move(init));
  }
  for (LinOp& op : ops) h.ops.push_back(std::move(op));
  return h;
}

// ---- EDN ----------------------------------------------------------------------

struct Edn {
  enum class Kind : std::uint8_t {
    kNil, kBool, kInt, kNumber, kString, kKeyword, kSymbol, kChar, kVector, kList, kSet, kMap, kTagged
  };
  Kind kind = Kind::kNil;
  bool flag = false;       // kBool
  std::int64_t i = 0;      // kInt
  std::string s;           // string (decoded), keyword (without ':'), symbol, number, tag
  std::vector<Edn> items;  // vector, list, set, map (key, value, key, value...), tagged (the value)
  std::size_t line = 0;
  std::size_t col = 0;
};

std::string describe(const Edn& v) {
  switch (v.kind) {
    case Edn::Kind::kNil: return "nil";
    case Edn::Kind::kBool: return v.flag ? "true" : "false";
    case Edn::Kind::kInt: return "the integer " + std::to_string(v.i);
    case Edn::Kind::kNumber: return "the number " + cut(v.s);
    case Edn::Kind::kString: return "a string \"" + cut(v.s) + "\"";
    case Edn::Kind::kKeyword: return "the keyword :" + cut(v.s);
    case Edn::Kind::kSymbol: return "the symbol " + cut(v.s);
    case Edn::Kind::kChar: return "a character";
    case Edn::Kind::kVector:
      return "a vector of " + std::to_string(v.items.size()) + (v.items.size() == 1 ? " element" : " elements");
    case Edn::Kind::kList: return "a list";
    case Edn::Kind::kSet: return "a set";
    case Edn::Kind::kMap: return "a map";
    case Edn::Kind::kTagged: return "a tagged value #" + cut(v.s);
  }
  return "a value";
}

// Reads EDN values from `text`, whose first byte is at (line, col0 + 1).
class EdnReader {
 public:
  EdnReader(std::string_view text, std::size_t line, std::size_t col0)
      : t_(text), line_(line), line_start_(-static_cast<std::ptrdiff_t>(col0)) {}

  std::size_t line() const { return line_; }
  std::size_t col() const { return static_cast<std::size_t>(static_cast<std::ptrdiff_t>(pos_) - line_start_) + 1; }
  bool at_end() const { return pos_ >= t_.size(); }
  char peek() const { return t_[pos_]; }
  void advance() { ++pos_; }

  // Skips blanks, commas, ';' comments and #_ discarded forms.
  void skip_blank(int depth) {
    while (pos_ < t_.size()) {
      const char c = t_[pos_];
      if (c == '\n') {
        ++pos_;
        newline();
      } else if (is_blank(c) || c == ',') {
        ++pos_;
      } else if (c == ';') {
        while (pos_ < t_.size() && t_[pos_] != '\n') ++pos_;
      } else if (c == '#' && pos_ + 1 < t_.size() && t_[pos_ + 1] == '_') {
        pos_ += 2;
        (void)read(depth + 1);  // the discarded form (it must still be well formed)
      } else {
        return;
      }
    }
  }

  Edn read(int depth) {
    // Checked first: skip_blank reads the forms #_ discards one level deeper.
    if (depth > kEdnMaxDepth)
      fail(line_, col(), "values nested more than " + std::to_string(kEdnMaxDepth) + " deep");
    skip_blank(depth);
    Edn v;
    v.line = line_;
    v.col = col();
    if (pos_ >= t_.size()) fail(line_, col(), "unexpected end of input: expected a value");
    const char c = t_[pos_];
    switch (c) {
      case '"': read_string(v); return v;
      case '{': read_seq(v, Edn::Kind::kMap, '}', depth); return v;
      case '[': read_seq(v, Edn::Kind::kVector, ']', depth); return v;
      case '(': read_seq(v, Edn::Kind::kList, ')', depth); return v;
      case '}':
      case ']':
      case ')': fail(line_, col(), std::string("unexpected '") + c + "': nothing to close");
      case '#': read_dispatch(v, depth); return v;
      case '\\': {
        ++pos_;
        if (pos_ >= t_.size() || delimiter(t_[pos_]))
          fail(v.line, v.col, "a '\\' without a character after it");
        ++pos_;
        (void)token();
        v.kind = Edn::Kind::kChar;
        return v;
      }
      case ':': {
        ++pos_;
        v.s = std::string(token());
        if (v.s.empty()) fail(v.line, v.col, "a ':' without a keyword name after it");
        v.kind = Edn::Kind::kKeyword;
        return v;
      }
      default: break;
    }
    if (static_cast<unsigned char>(c) < 0x20)
      fail(line_, col(), "unexpected control character (byte " + std::to_string(static_cast<unsigned char>(c)) + ")");
    const std::string_view tok = token();
    const bool digit0 = tok[0] >= '0' && tok[0] <= '9';
    const bool signed_digit = (tok[0] == '+' || tok[0] == '-') && tok.size() > 1 && tok[1] >= '0' && tok[1] <= '9';
    if (digit0 || signed_digit) {
      read_number(v, tok);
      return v;
    }
    if (tok == "nil") {
      v.kind = Edn::Kind::kNil;
    } else if (tok == "true" || tok == "false") {
      v.kind = Edn::Kind::kBool;
      v.flag = tok == "true";
    } else {
      v.kind = Edn::Kind::kSymbol;
      v.s = std::string(tok);
    }
    return v;
  }

 private:
  static bool delimiter(char c) {
    return c == '\n' || is_blank(c) || c == ',' || c == '(' || c == ')' || c == '[' || c == ']' || c == '{' ||
           c == '}' || c == '"' || c == ';';
  }

  void newline() {
    ++line_;
    line_start_ = static_cast<std::ptrdiff_t>(pos_);
  }

  // The characters up to the next delimiter (at least the current one).
  std::string_view token() {
    const std::size_t start = pos_;
    while (pos_ < t_.size() && !delimiter(t_[pos_])) ++pos_;
    return t_.substr(start, pos_ - start);
  }

  void read_number(Edn& v, std::string_view tok) {
    std::string_view digits = tok;
    if (!digits.empty() && digits.back() == 'N') digits.remove_suffix(1);
    bool negative = false;
    if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) {
      negative = digits[0] == '-';
      digits.remove_prefix(1);
    }
    bool all_digits = !digits.empty();
    for (char d : digits) all_digits = all_digits && d >= '0' && d <= '9';
    if (!all_digits) {
      v.kind = Edn::Kind::kNumber;
      v.s = std::string(tok);
      return;
    }
    std::uint64_t mag = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), mag);
    const std::uint64_t limit =
        static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) + (negative ? 1 : 0);
    if (ec != std::errc() || end != digits.data() + digits.size() || mag > limit)
      fail(v.line, v.col, "integer " + cut(tok) + " out of range (64 bits)");
    v.kind = Edn::Kind::kInt;
    v.i = negative ? static_cast<std::int64_t>(0 - mag) : static_cast<std::int64_t>(mag);
  }

  void read_string(Edn& v) {
    ++pos_;
    v.kind = Edn::Kind::kString;
    while (true) {
      if (pos_ >= t_.size()) fail(v.line, v.col, "unterminated string: no '\"' closes the one here");
      const char c = t_[pos_];
      if (c == '"') {
        ++pos_;
        return;
      }
      if (c == '\\') {
        const std::size_t el = line_, ec = col();
        ++pos_;
        if (pos_ >= t_.size()) fail(v.line, v.col, "unterminated string: no '\"' closes the one here");
        const char e = t_[pos_++];
        switch (e) {
          case '"': v.s += '"'; break;
          case '\\': v.s += '\\'; break;
          case '/': v.s += '/'; break;
          case 'n': v.s += '\n'; break;
          case 't': v.s += '\t'; break;
          case 'r': v.s += '\r'; break;
          case 'b': v.s += '\b'; break;
          case 'f': v.s += '\f'; break;
          case 'u': read_unicode(v.s, el, ec); break;
          default:
            fail(el, ec,
                 std::string("unknown escape '\\") + (static_cast<unsigned char>(e) < 0x20 ? '?' : e) +
                     "' in a string (expected \\\", \\\\, \\n, \\t, \\r, \\b, \\f, \\/ or \\uXXXX)");
        }
        continue;
      }
      v.s += c;
      ++pos_;
      if (c == '\n') newline();
    }
  }

  unsigned hex4(std::size_t el, std::size_t ec) {
    if (pos_ + 4 > t_.size()) fail(el, ec, "a \\u escape needs four hexadecimal digits");
    unsigned code = 0;
    for (int k = 0; k < 4; ++k) {
      const char h = t_[pos_++];
      unsigned d = 0;
      if (h >= '0' && h <= '9') d = static_cast<unsigned>(h - '0');
      else if (h >= 'a' && h <= 'f') d = static_cast<unsigned>(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F') d = static_cast<unsigned>(h - 'A' + 10);
      else fail(el, ec, "a \\u escape needs four hexadecimal digits");
      code = code * 16 + d;
    }
    return code;
  }

  void read_unicode(std::string& out, std::size_t el, std::size_t ec) {
    unsigned code = hex4(el, ec);
    if (code >= 0xDC00 && code <= 0xDFFF) fail(el, ec, "a \\u escape of a lone low surrogate");
    if (code >= 0xD800 && code <= 0xDBFF) {
      if (pos_ + 2 > t_.size() || t_[pos_] != '\\' || t_[pos_ + 1] != 'u')
        fail(el, ec, "a \\u escape of a high surrogate not followed by a low one");
      pos_ += 2;
      const unsigned low = hex4(el, ec);
      if (low < 0xDC00 || low > 0xDFFF) fail(el, ec, "a \\u escape of a high surrogate not followed by a low one");
      code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
    }
    if (code < 0x80) {
      out += static_cast<char>(code);
    } else if (code < 0x800) {
      out += static_cast<char>(0xC0 | (code >> 6));
      out += static_cast<char>(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
      out += static_cast<char>(0xE0 | (code >> 12));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (code >> 18));
      out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code & 0x3F));
    }
  }

  static const char* seq_name(Edn::Kind k) {
    switch (k) {
      case Edn::Kind::kMap: return "map";
      case Edn::Kind::kVector: return "vector";
      case Edn::Kind::kList: return "list";
      default: return "set";
    }
  }

  // A collection from its opening character (one or, for a set, two) to `close`.
  void read_seq(Edn& v, Edn::Kind kind, char close, int depth) {
    v.kind = kind;
    pos_ += kind == Edn::Kind::kSet ? 2 : 1;
    while (true) {
      skip_blank(depth + 1);
      if (pos_ >= t_.size())
        fail(v.line, v.col,
             std::string("unterminated ") + seq_name(kind) + ": no '" + close + "' closes the one opened here");
      const char c = t_[pos_];
      if (c == close) {
        ++pos_;
        break;
      }
      if (c == '}' || c == ']' || c == ')')
        fail(line_, col(),
             std::string("unexpected '") + c + "' in a " + seq_name(kind) + " opened at line " +
                 std::to_string(v.line) + ", column " + std::to_string(v.col) + " (expected '" + close + "')");
      v.items.push_back(read(depth + 1));
    }
    if (kind == Edn::Kind::kMap && v.items.size() % 2 != 0) {
      const Edn& k = v.items.back();
      fail(k.line, k.col, "a map's key without a value: " + describe(k));
    }
  }

  void read_dispatch(Edn& v, int depth) {
    if (pos_ + 1 >= t_.size()) fail(v.line, v.col, "a '#' without anything after it");
    const char n = t_[pos_ + 1];
    if (n == '{') {
      read_seq(v, Edn::Kind::kSet, '}', depth);
      return;
    }
    if (n == '#') {  // ##Inf, ##NaN
      pos_ += 2;
      v.kind = Edn::Kind::kNumber;
      v.s = "##" + std::string(token());
      return;
    }
    ++pos_;
    if (delimiter(n)) fail(v.line, v.col, "a '#' without a tag after it");
    v.s = std::string(token());
    v.kind = Edn::Kind::kTagged;
    v.items.push_back(read(depth + 1));
  }

  std::string_view t_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
  std::ptrdiff_t line_start_ = 0;  // offset of the current line's first byte (negative: before the text)
};

// ---- Jepsen: pairing invocations and completions ---------------------------------

enum class EvType : std::uint8_t { kInvoke, kOk, kFail, kInfo };

std::optional<EvType> ev_type(std::string_view keyword) {  // without ':'
  if (keyword == "invoke") return EvType::kInvoke;
  if (keyword == "ok") return EvType::kOk;
  if (keyword == "fail") return EvType::kFail;
  if (keyword == "info") return EvType::kInfo;
  return std::nullopt;
}

const char* fn_keyword(LinFn fn) {
  switch (fn) {
    case LinFn::kRead: return ":read";
    case LinFn::kWrite: return ":write";
    case LinFn::kCas: return ":cas";
    case LinFn::kGet: return ":get";
    case LinFn::kPut: return ":put";
    case LinFn::kAppend: return ":append";
  }
  return ":?";
}

std::optional<LinFn> model_fn(LinModel model, std::string_view keyword) {  // without ':'
  if (model == LinModel::kRegister) {
    if (keyword == "read") return LinFn::kRead;
    if (keyword == "write") return LinFn::kWrite;
    if (keyword == "cas") return LinFn::kCas;
  } else {
    if (keyword == "get") return LinFn::kGet;
    if (keyword == "put") return LinFn::kPut;
    if (keyword == "append") return LinFn::kAppend;
  }
  return std::nullopt;
}

std::string unknown_fn_message(LinModel model, std::string_view keyword) {
  return "unknown function :" + cut(keyword) +
         (model == LinModel::kRegister ? " (expected :read, :write or :cas: the register model)"
                                       : " (expected :get, :put or :append: the kv model)");
}

struct Event {
  std::size_t line = 0, col = 0;  // the event's start (a map's '{', a log line's process)
  std::int64_t process = 0;
  EvType type = EvType::kInvoke;
  std::size_t type_line = 0, type_col = 0;
  LinFn fn = LinFn::kRead;
  std::size_t fn_line = 0, fn_col = 0;
  const Edn* value = nullptr;  // nullptr: not given
  std::string key;
  bool has_time = false;
  Time time = 0;
};

class JepsenBuilder {
 public:
  explicit JepsenBuilder(LinModel model) { h_.model = model; }
  JepsenBuilder(const JepsenBuilder&) = delete;  // the interners refer to h_
  JepsenBuilder& operator=(const JepsenBuilder&) = delete;

  void add(const Event& e) {
    const Time t = static_cast<Time>(times_.size());
    times_.push_back(e.time);
    all_timed_ = all_timed_ && e.has_time;
    if (e.type == EvType::kInvoke) {
      invoke(e, t);
      return;
    }
    auto it = open_.find(e.process);
    if (it == open_.end())
      fail(e.type_line, e.type_col,
           std::string("a :") + type_name(e.type) + " completion of process " + std::to_string(e.process) +
               " without an invocation (no :invoke of that process is open)");
    LinOp& op = h_.ops[it->second];
    if (op.fn != e.fn)
      fail(e.fn_line, e.fn_col,
           "process " + std::to_string(e.process) + " completes " + fn_keyword(e.fn) +
               ", but the operation it invoked at line " + std::to_string(op.line) + " is " + fn_keyword(op.fn));
    open_.erase(it);
    switch (e.type) {
      case EvType::kOk:
        op.outcome = LinOutcome::kOk;
        op.complete = t;
        result(op, e);
        break;
      case EvType::kFail:
        op.outcome = LinOutcome::kFail;
        op.complete = t;
        break;
      default:  // :info
        op.outcome = LinOutcome::kUnknown;
        op.complete = kTimeMax;
        break;
    }
  }

  LinHistory finish(const char* none_message) {
    if (h_.ops.empty()) fail(0, 0, none_message);
    // Open operations are already unknown, never completed.
    if (all_timed_) {
      for (LinOp& op : h_.ops) {
        op.invoke = times_[static_cast<std::size_t>(op.invoke)];
        if (op.complete != kTimeMax) op.complete = times_[static_cast<std::size_t>(op.complete)];
      }
    }
    return std::move(h_);
  }

 private:
  static const char* type_name(EvType t) {
    switch (t) {
      case EvType::kInvoke: return "invoke";
      case EvType::kOk: return "ok";
      case EvType::kFail: return "fail";
      case EvType::kInfo: return "info";
    }
    return "?";
  }

  static std::size_t value_line(const Event& e) { return e.value != nullptr ? e.value->line : e.line; }
  static std::size_t value_col(const Event& e) { return e.value != nullptr ? e.value->col : e.col; }

  [[noreturn]] static void wrong_value(const Event& e, const std::string& what) {
    fail(value_line(e), value_col(e),
         std::string("the value of ") + fn_keyword(e.fn) + " must be " + what + ", found " +
             (e.value != nullptr ? describe(*e.value) : std::string("no value")));
  }

  static bool reg_value(const Edn* v, RegValue& out) {
    if (v == nullptr) return false;
    if (v->kind == Edn::Kind::kNil) {
      out = RegValue{};
      return true;
    }
    if (v->kind == Edn::Kind::kInt) {
      out = RegValue{v->i, false};
      return true;
    }
    return false;
  }

  void invoke(const Event& e, Time t) {
    if (auto it = open_.find(e.process); it != open_.end()) {
      // Invoked again before completing: the earlier one never completed.
      open_.erase(it);
    }
    LinOp op;
    op.key = keys_.intern(e.key);
    op.client = clients_.intern(std::to_string(e.process));
    op.fn = e.fn;
    op.outcome = LinOutcome::kUnknown;
    op.invoke = t;
    op.complete = kTimeMax;
    op.line = clamp_u32(e.line);
    switch (e.fn) {
      case LinFn::kWrite:
        if (!reg_value(e.value, op.arg)) wrong_value(e, "an integer or nil");
        break;
      case LinFn::kCas: {
        const Edn* v = e.value;
        if (v == nullptr || v->kind != Edn::Kind::kVector || v->items.size() != 2 ||
            !reg_value(&v->items[0], op.arg) || !reg_value(&v->items[1], op.arg2))
          wrong_value(e, "a vector [from to] of two integers (or nil)");
        break;
      }
      case LinFn::kPut:
      case LinFn::kAppend:
        if (e.value == nullptr || e.value->kind != Edn::Kind::kString) wrong_value(e, "a string");
        op.text = e.value->s;
        break;
      default: break;  // reads and gets: the invocation's value says nothing
    }
    open_[e.process] = h_.ops.size();
    h_.ops.push_back(std::move(op));
  }

  void result(LinOp& op, const Event& e) {
    if (op.fn == LinFn::kRead) {
      if (!reg_value(e.value, op.result)) wrong_value(e, "an integer or nil (the value read)");
    } else if (op.fn == LinFn::kGet) {
      if (e.value != nullptr && e.value->kind == Edn::Kind::kNil) op.text_result.clear();
      else if (e.value != nullptr && e.value->kind == Edn::Kind::kString) op.text_result = e.value->s;
      else wrong_value(e, "a string (the value read) or nil");
    }
  }

  LinHistory h_;
  Interner keys_{h_.keys};
  Interner clients_{h_.clients};
  std::unordered_map<std::int64_t, std::size_t> open_;  // process -> its open operation in h_.ops
  std::vector<Time> times_;                             // by event number: the file's :time
  bool all_timed_ = true;
};

// ---- Jepsen: the text log ----------------------------------------------------

bool word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
}

bool log_blank(char c) { return c == ' ' || c == '\t'; }

bool integer_text(std::string_view s) {
  if (!s.empty() && s[0] == '-') s.remove_prefix(1);
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// Handles one line: skipped unless it is an event (history_io.h).
void read_log_line(JepsenBuilder& b, std::size_t line, std::string_view v) {
  const std::string_view lead = trim_left(v);
  if (lead.empty() || lead[0] == '#') return;
  static constexpr std::string_view kMarker = "jepsen.util";
  const std::size_t m = v.find(kMarker);
  if (m == std::string_view::npos) return;
  std::size_t p = m + kMarker.size();
  if (p < v.size() && word_char(v[p])) return;  // jepsen.utils, jepsen.util.foo: another logger
  if (p < v.size() && v[p] == ':') ++p;
  auto blanks = [&] {
    while (p < v.size() && log_blank(v[p])) ++p;
  };
  auto field = [&] {
    const std::size_t s = p;
    while (p < v.size() && !log_blank(v[p])) ++p;
    return v.substr(s, p - s);
  };
  blanks();
  if (p < v.size() && v[p] == '-' && (p + 1 == v.size() || log_blank(v[p + 1]))) {
    ++p;
    blanks();
  }
  const std::size_t process_at = p;
  const std::string_view process = field();
  if (!integer_text(process)) return;  // a message, or a :nemesis event
  blanks();
  if (p >= v.size() || v[p] != ':') return;  // a message that begins with a number

  Event e;
  e.line = e.type_line = e.fn_line = line;
  e.col = process_at + 1;
  const auto [end, ec] = std::from_chars(process.data(), process.data() + process.size(), e.process);
  if (ec != std::errc() || end != process.data() + process.size())
    fail(line, process_at + 1, "process number " + cut(process) + " out of range (64 bits)");

  const std::size_t type_at = p;
  const std::string_view type = field();
  const auto t = ev_type(type.substr(1));
  if (!t) fail(line, type_at + 1, "unknown type " + cut(type) + " (expected :invoke, :ok, :fail or :info)");
  e.type = *t;
  e.type_col = type_at + 1;

  blanks();
  const std::size_t fn_at = p;
  const std::string_view fn = field();
  if (fn.empty())
    fail(line, fn_at + 1, "missing function after " + std::string(type) + " (expected :read, :write or :cas)");
  if (fn[0] != ':' || fn.size() == 1)
    fail(line, fn_at + 1, "expected a function keyword (:read, :write or :cas), found " + cut(fn));
  const auto f = model_fn(LinModel::kRegister, fn.substr(1));
  if (!f) fail(line, fn_at + 1, unknown_fn_message(LinModel::kRegister, fn.substr(1)));
  e.fn = *f;
  e.fn_col = fn_at + 1;

  blanks();
  if (p >= v.size())
    fail(line, p + 1, "missing value after " + std::string(fn) + " (nil, an integer, [from to], :timed-out, ...)");
  EdnReader reader(v.substr(p), line, p);
  const Edn value = reader.read(1);  // whatever follows (Jepsen's error) is ignored
  e.value = &value;
  e.key = "0";
  b.add(e);
}

LinHistory read_jepsen_log(std::string_view text) {
  JepsenBuilder b(LinModel::kRegister);
  for_each_line(text, [&](std::size_t line, std::string_view v) { read_log_line(b, line, v); });
  return b.finish(
      "no operations: expected Jepsen log lines such as \"INFO  jepsen.util - 3\t:invoke\t:read\tnil\"");
}

// ---- Jepsen: EDN maps ----------------------------------------------------------

class EdnHistoryReader {
 public:
  EdnHistoryReader(std::string_view text, std::optional<LinModel> model) : reader_(text, 1, 0), model_(model) {}

  LinHistory read() {
    while (true) {
      reader_.skip_blank(0);
      if (reader_.at_end()) break;
      if (reader_.peek() == '[') {  // Knossos: one vector of maps
        const std::size_t line = reader_.line(), col = reader_.col();
        reader_.advance();
        while (true) {
          reader_.skip_blank(1);
          if (reader_.at_end()) fail(line, col, "unterminated vector: no ']' closes the one opened here");
          if (reader_.peek() == ']') {
            reader_.advance();
            break;
          }
          operation(reader_.read(1));
        }
      } else {
        operation(reader_.read(0));
      }
    }
    if (!builder_) fail(0, 0, "no operations: expected EDN maps such as {:process 0, :type :invoke, :f :get, ...}");
    return builder_->finish("no operations");
  }

 private:
  void operation(const Edn& m) {
    if (m.kind != Edn::Kind::kMap)
      fail(m.line, m.col,
           "expected a map {:process ..., :type ..., :f ..., :value ...} for each operation, found " + describe(m));
    static constexpr const char* kFields[] = {"process", "type", "f", "key", "value", "time"};
    const Edn* fields[6] = {};
    for (std::size_t i = 0; i + 1 < m.items.size(); i += 2) {
      const Edn& k = m.items[i];
      if (k.kind != Edn::Kind::kKeyword) continue;
      for (int f = 0; f < 6; ++f) {
        if (k.s != kFields[f]) continue;
        if (fields[f] != nullptr) fail(k.line, k.col, "key :" + k.s + " given twice in this map");
        fields[f] = &m.items[i + 1];
      }
    }
    const Edn* process = fields[0];
    const Edn* type = fields[1];
    const Edn* f = fields[2];
    const Edn* key = fields[3];
    const Edn* time = fields[5];
    if (process == nullptr) fail(m.line, m.col, "missing :process in this map");
    if (process->kind == Edn::Kind::kKeyword) return;  // :nemesis
    if (process->kind != Edn::Kind::kInt)
      fail(process->line, process->col,
           ":process must be an integer (or a keyword such as :nemesis), found " + describe(*process));
    Event e;
    e.line = m.line;
    e.col = m.col;
    e.process = process->i;
    if (type == nullptr) fail(m.line, m.col, "missing :type in this map");
    const auto t = type->kind == Edn::Kind::kKeyword ? ev_type(type->s) : std::nullopt;
    if (!t)
      fail(type->line, type->col,
           (type->kind == Edn::Kind::kKeyword ? "unknown :type :" + cut(type->s)
                                               : ":type must be a keyword, found " + describe(*type)) +
               " (expected :invoke, :ok, :fail or :info)");
    e.type = *t;
    e.type_line = type->line;
    e.type_col = type->col;
    if (f == nullptr) fail(m.line, m.col, "missing :f in this map");
    if (f->kind != Edn::Kind::kKeyword)
      fail(f->line, f->col, ":f must be a keyword such as :get or :read, found " + describe(*f));
    if (!model_) {
      model_ = (f->s == "read" || f->s == "write" || f->s == "cas") ? LinModel::kRegister : LinModel::kKv;
    }
    if (!builder_) builder_.emplace(*model_);
    const auto fn = model_fn(*model_, f->s);
    if (!fn) fail(f->line, f->col, unknown_fn_message(*model_, f->s));
    e.fn = *fn;
    e.fn_line = f->line;
    e.fn_col = f->col;
    e.value = fields[4];
    if (key == nullptr) {
      if (*model_ == LinModel::kKv && e.type == EvType::kInvoke)
        fail(m.line, m.col, "missing :key in this map (the kv model needs one)");
      e.key = "0";
    } else if (key->kind == Edn::Kind::kString) {
      e.key = key->s;
    } else if (key->kind == Edn::Kind::kInt) {
      e.key = std::to_string(key->i);
    } else {
      fail(key->line, key->col, ":key must be a string or an integer, found " + describe(*key));
    }
    if (time != nullptr) {
      if (time->kind != Edn::Kind::kInt)
        fail(time->line, time->col, ":time must be an integer (nanoseconds), found " + describe(*time));
      e.has_time = true;
      e.time = time->i;
    }
    builder_->add(e);
  }

  EdnReader reader_;
  std::optional<LinModel> model_;
  std::optional<JepsenBuilder> builder_;
};

// ---- The file as a whole -----------------------------------------------------

// Strips a byte-order mark and refuses NUL bytes.
std::string_view text_body(std::string_view text) {
  static constexpr std::string_view kBom = "\xEF\xBB\xBF";
  if (text.substr(0, kBom.size()) == kBom) text.remove_prefix(kBom.size());
  const std::size_t nul = text.find('\0');
  if (nul != std::string_view::npos) {
    const std::string_view before = text.substr(0, nul);
    std::size_t line = 1, line_start = 0;
    for (std::size_t i = 0; i < before.size(); ++i) {
      if (before[i] == '\n') {
        ++line;
        line_start = i + 1;
      }
    }
    fail(line, nul - line_start + 1, "a NUL byte: this is not a text file");
  }
  return text;
}

}  // namespace

std::variant<LinHistory, HistoryReadError> read_history(std::string_view text, const std::string& file,
                                                        HistoryFormat format, std::optional<LinModel> model) {
  try {
    const std::string_view body = text_body(text);
    switch (format) {
      case HistoryFormat::kDsim:
        if (model == LinModel::kKv)
          fail(0, 0, "dsim histories are reads and writes of integer registers: the kv model does not apply");
        return read_dsim(body);
      case HistoryFormat::kJepsenLog:
        if (model == LinModel::kKv)
          fail(0, 0, "Jepsen logs are histories of one register (read, write, cas): the kv model does not apply");
        return read_jepsen_log(body);
      case HistoryFormat::kJepsenEdn: {
        EdnHistoryReader r(body, model);
        return r.read();
      }
    }
    fail(0, 0, "unknown history format");
  } catch (const ReadFail& f) {
    return HistoryReadError{file, clamp_int(f.line), clamp_int(f.column), f.message};
  } catch (const Json::exception& e) {  // not expected: every JSON access is checked first
    return HistoryReadError{file, 0, 0, std::string("JSON: ") + e.what()};
  }
}

std::optional<HistoryFormat> sniff_history_format(std::string_view text) {
  static constexpr std::string_view kBom = "\xEF\xBB\xBF";
  if (text.substr(0, kBom.size()) == kBom) text.remove_prefix(kBom.size());
  std::optional<HistoryFormat> found;
  bool decided = false;
  for_each_line(text, [&](std::size_t, std::string_view v) {
    if (decided) return;
    v = trim_left(v);
    if (v.empty() || v[0] == '#' || v[0] == ';') return;
    decided = true;
    auto next_after = [&](std::size_t i) -> char {
      ++i;
      while (i < v.size() && (is_blank(v[i]) || v[i] == ',')) ++i;
      return i < v.size() ? v[i] : '\0';
    };
    if (v[0] == '{') {
      const char n = next_after(0);
      if (n == '"') found = HistoryFormat::kDsim;
      else if (n == ':') found = HistoryFormat::kJepsenEdn;
      return;
    }
    if (v[0] == '[') {
      const char n = next_after(0);
      if (n == '{' || n == ':' || n == '\0') found = HistoryFormat::kJepsenEdn;
      return;
    }
    if (v.find("jepsen.") != std::string_view::npos) {
      found = HistoryFormat::kJepsenLog;
      return;
    }
    for (std::string_view level : {"INFO", "WARN", "DEBUG", "ERROR", "TRACE", "FATAL"}) {
      if (v.substr(0, level.size()) == level) {
        found = HistoryFormat::kJepsenLog;
        return;
      }
    }
  });
  return found;
}

}  // namespace dsim
