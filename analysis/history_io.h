// Reading operation histories from files into a LinHistory
// (analysis/lin_history.h), for the linearizability checker
// (analysis/linearizability.h) and `dsim history check FILE`.
//
// Three formats. In all of them a file is text: a NUL byte anywhere is an
// error; a UTF-8 byte-order mark at the start and a '\r' before each '\n' are
// ignored. Lines and columns in messages are 1-based; columns count bytes (a
// tab is one). A file with no operation at all is an error (an empty history
// is almost always the wrong file). Every operation remembers the line it was
// invoked on (LinOp::line). Operations are listed in the order they were
// invoked, except the synthetic writes of kDsim, listed first.
//
// kDsim — the JSON lines of `dsim run --history` (docs/HISTORY.md): one object
// per non-blank line with the fields client (string), op ("read" | "write"),
// key (integer >= 0), value (integer, or null where a read did not return
// one), invoke_ns and complete_ns (integers >= 0, complete_ns >= invoke_ns)
// and outcome ("ok" | "fail" | "unknown"); "index", if present, must be an
// integer >= 0 and is otherwise ignored, as are fields of other names (a
// field given twice is an error). The model is the register: a write's value
// is LinOp::arg, an ok read's value LinOp::result (an ok read and every write
// need an integer value; a failed or unknown read's value, null or not, is
// ignored). Times are the file's nanoseconds, kept as they are for every
// outcome (the checker reads nothing into the completion of a non-ok
// operation). Reads by the client "final" are ordinary ok reads.
//   Keys become their decimal text in LinHistory::keys, clients their names
// in LinHistory::clients, each interned in first-seen order — except that
// clients[0] is always kInitClient, then the file's in order.
//   THE INITIAL VALUE. A dsim register starts at 0, not nil, and 0 is also
// what a read of a key never written returns. That is written into the
// history itself: for every key (in LinHistory::keys order) the history
// holds first a synthetic write of 0 by the client kInitClient ("init"),
// invoked and completed at kDsimInitialTime (-1 ns, before any time a file
// may hold), outcome ok, LinOp::line 0. The checker needs no other initial
// value (LinOptions::initial may stay nil), and a counterexample may contain
// such a write: it is "init write 0".
//
// kJepsenLog — Jepsen's text log (jepsen.log, as in Knossos's data/ and
// Porcupine's test_data/jepsen/), one event per line:
//     INFO  jepsen.util - 3	:invoke	:cas	[1 2]
// A line is an EVENT when, after the first "jepsen.util" in it (followed by
// an optional ':', then blanks, then an optional '-' and blanks), its first
// field is an integer (the process) and its second field begins with ':'.
// Every other line is skipped: lines without "jepsen.util" ending there
// (other loggers, "jepsen.utils" included; blank lines), lines whose first
// non-blank character is '#' (the sample files' comments), jepsen.util
// messages whose first field is not an integer ("Relative time begins now")
// or whose second field does not begin with ':' ("12 nodes are slow"), and
// events whose process is a keyword (":nemesis"). Fields are separated by
// runs of tabs and/or spaces. An event is: process, type (:invoke | :ok |
// :fail | :info), function (:read | :write | :cas), then one EDN value (nil,
// an integer, [from to], :timed-out, ...; vectors may hold spaces), then
// optionally anything (the error Jepsen appends), which is ignored. A
// malformed event is an error at the field that is wrong. There is one register, the key "0"; clients are
// the process numbers' decimal text. The model is the register (kKv is an
// error).
//
// kJepsenEdn — Jepsen operations as EDN maps, one per line as Porcupine's
// test_data/kv/ has them:
//     {:process 0, :type :invoke, :f :append, :key "4", :value "x 0 1 y"}
// The file is read as a sequence of EDN forms, so a map may also span lines,
// and the whole sequence may be one vector [{...} {...}] (Knossos's data/
// files). The reader takes the EDN of such files: nil, true, false,
// integers (an N suffix allowed), other numbers, strings (escapes \" \\ \n \t
// \r \b \f \/ \uXXXX), keywords, symbols, characters, vectors, lists, maps,
// sets, tagged values (#inst "..."), #_ discards, ',' as blank and ';'
// comments — nested at most kEdnMaxDepth deep. Fields read: :process
// (integer; a keyword process such as :nemesis makes the map skipped),
// :type, :f, :key, :value and :time; others are ignored, as are maps'
// non-keyword keys. Model kKv: :f is :get | :put | :append, :key a string
// (an integer is taken as its decimal text; required on invocations, a
// completion's is ignored), a put's or append's :value a
// string, an ok get's :value a string (nil read as "", a key never written).
// Model kRegister (Knossos's cas-register files): :f is :read | :write |
// :cas with values as in kJepsenLog, :key optional (an integer or a string;
// absent: the key "0"). Without a model given, the first operation's :f
// decides: :read, :write or :cas mean kRegister, anything else kKv.
// Times: an integer :time on every operation's event (invocations and
// completions, nemesis maps aside) is used as the time in nanoseconds;
// otherwise (some or all without) the event order is.
//
// Pairing (kJepsenLog and kJepsenEdn): events are numbered 0, 1, 2, ... in
// file order (nemesis events and skipped lines not counted), and event i
// happens at time i, so no two events are at the same instant. Each
// process's :invoke is paired with that process's next completion: :ok
// (outcome ok), :fail (outcome fail, complete = its time) or :info (outcome
// unknown, complete = kTimeMax: it may take effect at any later time). An
// operation still open at the end of the file is unknown with complete =
// kTimeMax; so is one whose process invokes again before completing it
// (Jepsen never does that; tolerated). After an :info Jepsen retires the
// process number and the next operation comes from a new one; a number used
// again after its :info simply starts a new operation. The completion's :f
// must be the invocation's (else an error); a completion without an open
// invocation is an error. Values: a read's or get's result comes from its
// :ok completion (its invocation's value, usually nil, is ignored); a
// write's, cas's, put's or append's argument from its invocation (the
// completion's value is ignored); :fail and :info completions' values are
// ignored.
//
// Never throws for any content of `text` (only std::bad_alloc if memory is
// short); O(size of text) time, and memory O(operations) plus the longest
// form.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "dsim/analysis/lin_history.h"
#include "dsim/sim/time.h"

namespace dsim {

enum class HistoryFormat : std::uint8_t { kDsim, kJepsenLog, kJepsenEdn };

// "dsim", "jepsen-log", "jepsen-edn" (the --format values).
const char* history_format_name(HistoryFormat f);
// The inverse of history_format_name; nullopt for any other text.
std::optional<HistoryFormat> history_format_from_name(std::string_view name);

// The client of kDsim histories' synthetic initial writes, and their time.
inline constexpr const char* kInitClient = "init";
inline constexpr Time kDsimInitialTime = -1;
// How deep EDN values may nest (a vector in a map is 2).
inline constexpr int kEdnMaxDepth = 64;

struct HistoryReadError {
  std::string file;
  int line = 0;    // 1-based; 0: the file as a whole
  int column = 0;  // 1-based, in bytes; 0: the line as a whole
  std::string message;

  // "file:line:col: message" ("file:line: message" without a column,
  // "file: message" without a line).
  std::string to_string() const;
};

// Reads `text`, the whole content of a history file (`file` names it in
// messages), in `format`. `model`: kDsim and kJepsenLog are registers
// (nullopt or kRegister; kKv is an error); kJepsenEdn is as above.
std::variant<LinHistory, HistoryReadError> read_history(std::string_view text, const std::string& file,
                                                        HistoryFormat format,
                                                        std::optional<LinModel> model = std::nullopt);

// The format of `text`, guessed from its first line that is neither blank
// nor a comment (first non-blank character '#' or ';'): a JSON object
// ('{' then '"') is kDsim; an EDN map ('{' then ':') or a vector of them
// ('[' then '{' or ':', or '[' alone) kJepsenEdn; a line containing
// "jepsen." or beginning with a log level (INFO, WARN, DEBUG, ERROR, TRACE,
// FATAL) kJepsenLog. nullopt otherwise, and for text without such a line.
std::optional<HistoryFormat> sniff_history_format(std::string_view text);

}  // namespace dsim
