#include "dsim/analysis/history.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <exception>
#include <iterator>
#include <ostream>
#include <optional>
#include <span>
#include <system_error>
#include <thread>

#include "dsim/analysis/linearizability.h"
#include "dsim/analysis/record.h"
#include "dsim/models/client.h"
#include "dsim/models/world.h"

namespace dsim {

void HistoryRecorder::attach(Bus& bus, const RunContext& ctx) {
  world_ = &ctx.world;
  bool any = false;
  for (const auto& c : ctx.spec.components)
    if (const auto* client = dynamic_cast<const ClientSpec*>(c.get()); client && client->config().mix) any = true;
  if (!any) return;  // no reads or writes: nothing to record
  attached_ = true;
  history_.limit = ctx.spec.history_limit;
  budget_ = ctx.spec.linearizability_budget;
  history_.ops.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(history_.limit, 1u << 16)));
  bus.subscribe<&HistoryRecorder::on_resolved>(*this);
  bus.subscribe<&HistoryRecorder::on_settled>(*this);
  settled_ = false;
  operations_ = 0;
}

std::uint32_t HistoryRecorder::client_index(ActorId client) {
  if (client >= index_of_actor_.size()) index_of_actor_.resize(client + 1, UINT32_MAX);
  std::uint32_t& i = index_of_actor_[client];
  if (i == UINT32_MAX) {
    i = static_cast<std::uint32_t>(history_.clients.size());
    history_.clients.push_back(world_->node_name(client));
    const int comp = world_->node(client).component;
    component_of_client_.push_back(comp >= 0 ? world_->component(static_cast<std::size_t>(comp)).name()
                                             : history_.clients.back());
  }
  return i;
}

void HistoryRecorder::on_resolved(const OperationResolved& e) {
  if (e.op == Operation::kRequest) return;
  ++operations_;
  if (history_.ops.size() >= history_.limit) {
    ++history_.dropped;
    return;
  }
  HistoryOp h;
  h.client = client_index(e.client);
  h.op = e.op;
  h.key = e.key;
  h.invoke = e.invoked;
  h.complete = e.completed;
  if (e.status == Status::kOk) {
    h.outcome = OpOutcome::kOk;
    // An ok read that brought back no value cannot be judged: unknown.
    if (!e.value) h.outcome = OpOutcome::kUnknown;
  } else {
    h.outcome = e.indeterminate ? OpOutcome::kUnknown : OpOutcome::kFail;
  }
  h.value = e.value.value_or(0);
  history_.ops.push_back(h);
}

void HistoryRecorder::on_settled(const StoreKeySettled& e) {
  settled_ = true;
  settled_at_ = e.at;
  if (!e.converged) ++unconverged_;
  HistoryOp h;
  h.op = Operation::kRead;
  h.key = e.key;
  h.value = e.value;
  h.invoke = e.at;
  h.complete = e.at;
  h.final_read = true;
  finals_.push_back(h);
}

namespace {

LinOp lin_op(const HistoryOp& h, std::uint32_t key) {
  LinOp op;
  op.key = key;
  op.client = h.client;
  op.invoke = h.invoke;
  op.complete = h.complete;
  op.outcome = h.outcome == OpOutcome::kOk ? LinOutcome::kOk
               : h.outcome == OpOutcome::kFail ? LinOutcome::kFail
                                               : LinOutcome::kUnknown;
  if (h.op == Operation::kWrite) {
    op.fn = LinFn::kWrite;
    op.arg = RegValue{static_cast<std::int64_t>(h.value), false};
  } else {
    op.fn = LinFn::kRead;
    if (op.outcome == LinOutcome::kOk) op.result = RegValue{static_cast<std::int64_t>(h.value), false};
  }
  return op;
}

// The history's reads and writes, one register per key (initial value 0),
// as (key, index) pairs sorted: grouped by key, in history order within one.
std::vector<std::pair<std::uint64_t, std::uint32_t>> ops_by_key(const History& history) {
  std::vector<std::pair<std::uint64_t, std::uint32_t>> by_key;
  by_key.reserve(history.ops.size());
  for (std::size_t i = 0; i < history.ops.size(); ++i)
    if (history.ops[i].op != Operation::kRequest) by_key.emplace_back(history.ops[i].key, static_cast<std::uint32_t>(i));
  std::sort(by_key.begin(), by_key.end());
  return by_key;
}

// Whether a key's operations (indices, in history order) all succeeded and
// the real-time order explains them (sequential_register_ok): false sends
// the key to the search.
bool sequential_key(const History& history, std::span<const std::pair<std::uint64_t, std::uint32_t>> group,
                    std::vector<SequentialOp>& scratch) {
  scratch.clear();
  for (const auto& [key, i] : group) {
    const HistoryOp& h = history.ops[i];
    if (h.outcome != OpOutcome::kOk) return false;
    scratch.push_back(SequentialOp{h.op == Operation::kWrite, RegValue{static_cast<std::int64_t>(h.value), false},
                                   h.invoke, h.complete});
  }
  return sequential_register_ok(scratch, RegValue{static_cast<std::int64_t>(kInitialValue), false});
}

}  // namespace

LinResult check_run_history(const History& history, std::uint64_t budget, LinHistory& searched, unsigned threads) {
  return check_run_history(history, ops_by_key(history), budget, searched, threads);
}

LinResult check_run_history(const History& history, std::span<const std::pair<std::uint64_t, std::uint32_t>> by_key,
                            std::uint64_t budget, LinHistory& searched, unsigned threads) {
  searched = LinHistory{};
  searched.model = LinModel::kRegister;
  searched.clients = history.clients;
  std::uint64_t easy_keys = 0, easy_ops = 0;
  std::vector<SequentialOp> scratch;
  for (std::size_t j = 0; j < by_key.size();) {
    std::size_t end = j;
    while (end < by_key.size() && by_key[end].first == by_key[j].first) ++end;
    const std::span<const std::pair<std::uint64_t, std::uint32_t>> group(by_key.data() + j, end - j);
    if (group.size() <= std::min<std::uint64_t>(budget, kSequentialMaxOps) && sequential_key(history, group, scratch)) {
      ++easy_keys;
      easy_ops += group.size();
    } else {
      const auto key = static_cast<std::uint32_t>(searched.keys.size());
      searched.keys.push_back(std::to_string(group.front().first));
      for (const auto& [k, i] : group) searched.ops.push_back(lin_op(history.ops[i], key));
    }
    j = end;
  }
  LinOptions lo;
  lo.budget = budget;
  lo.initial = RegValue{0, false};
  lo.threads = threads;  // keys are checked independently: the verdict is the same on any number
  LinResult r = check_linearizable(searched, lo);
  r.keys_checked += easy_keys;
  r.ops_checked += easy_ops;
  r.states_explored += easy_ops;
  return r;
}

void HistoryRecorder::finish(const RunContext& ctx, RunRecord& out) {
  if (!attached_) return;
  ConsistencyRecord c;
  c.operations = operations_;
  c.recorded = history_.ops.size();
  c.history_limit = history_.limit;
  // (key, index) pairs sorted: for the final reads and the linearizability
  // check, neither of which a run stopped early has.
  std::vector<std::pair<std::uint64_t, std::uint32_t>> by_key;
  if (!out.partial) {
    by_key = ops_by_key(history_);
    // Final reads: every key the store holds (in key order, as published),
    // and the keys writes touched that no replica holds: still their
    // initial value. Only keys the clients' history touched: the store may
    // hold others (a PBS probe's), whose values no recorded write wrote.
    std::vector<std::uint64_t> written, touched;
    for (std::size_t j = 0; j < by_key.size();) {
      const std::uint64_t k = by_key[j].first;
      bool write = false;
      for (; j < by_key.size() && by_key[j].first == k; ++j) {
        const HistoryOp& h = history_.ops[by_key[j].second];
        write = write || (h.op == Operation::kWrite && h.outcome != OpOutcome::kFail);
      }
      touched.push_back(k);
      if (write) written.push_back(k);
    }
    const Time at = settled_ ? settled_at_ : out.end;
    std::vector<HistoryOp> missing;
    std::size_t f = 0;
    for (const std::uint64_t k : written) {
      while (f < finals_.size() && finals_[f].key < k) ++f;
      if (f < finals_.size() && finals_[f].key == k) continue;
      HistoryOp h;
      h.op = Operation::kRead;
      h.key = k;
      h.value = kInitialValue;
      h.invoke = at;
      h.complete = at;
      h.final_read = true;
      missing.push_back(h);
    }
    std::vector<HistoryOp> held;
    for (const HistoryOp& h : finals_)
      if (std::binary_search(touched.begin(), touched.end(), h.key)) held.push_back(h);
    std::vector<HistoryOp> all;
    all.reserve(held.size() + missing.size());
    std::merge(held.begin(), held.end(), missing.begin(), missing.end(), std::back_inserter(all),
               [](const HistoryOp& a, const HistoryOp& b) { return a.key < b.key; });
    const auto final_client = static_cast<std::uint32_t>(history_.clients.size());
    history_.clients.push_back("final");
    component_of_client_.push_back("final");
    for (HistoryOp& h : all) h.client = final_client;
    c.final_reads = all.size();
    c.settled = true;
    // The final reads come last, in key order: merged into by_key.
    std::vector<std::pair<std::uint64_t, std::uint32_t>> finals_by_key;
    finals_by_key.reserve(all.size());
    for (std::size_t i = 0; i < all.size(); ++i)
      finals_by_key.emplace_back(all[i].key, static_cast<std::uint32_t>(history_.ops.size() + i));
    std::vector<std::pair<std::uint64_t, std::uint32_t>> merged;
    merged.reserve(by_key.size() + finals_by_key.size());
    std::merge(by_key.begin(), by_key.end(), finals_by_key.begin(), finals_by_key.end(), std::back_inserter(merged));
    by_key = std::move(merged);
    history_.ops.insert(history_.ops.end(), all.begin(), all.end());
  }
  c.unconverged_keys = unconverged_;
  c.clients = component_of_client_;
  // Stale reads and lost writes on another core while this one checks
  // linearizability: both only read the history.
  std::optional<std::thread> stale_thread;
  std::exception_ptr stale_error;
  try {
    stale_thread.emplace([this, &c, &stale_error] {
      try {
        c.figures = check_stale_and_lost(history_.ops);
      } catch (...) {
        stale_error = std::current_exception();
      }
    });
  } catch (const std::system_error&) {
    c.figures = check_stale_and_lost(history_.ops);  // no thread to be had
  }
  struct Join {
    std::optional<std::thread>& t;
    ~Join() {
      if (t && t->joinable()) t->join();
    }
  } join{stale_thread};
  if (history_.dropped > 0 || out.partial) {
    // Operations missing (past the limit, or in flight when the run
    // stopped) can leave reads of values no recorded write wrote: no verdict.
    LinearizabilityRecord l;
    l.verdict = "unknown";
    l.budget = budget_;
    l.incomplete = true;
    c.linearizability = std::move(l);
  } else {
    LinHistory lin;
    const LinResult r = check_run_history(history_, by_key, budget_, lin, ctx.threads);
    LinearizabilityRecord l;
    l.verdict = verdict_name(r.verdict);
    l.keys_checked = r.keys_checked;
    l.keys_unknown = r.keys_unknown;
    l.keys_not_linearizable = r.keys_not_linearizable;
    l.states_explored = r.states_explored;
    l.budget = budget_;
    if (r.counterexample_key) {
      l.counterexample_key = lin.keys[*r.counterexample_key];
      l.counterexample_minimal = r.per_key[*r.counterexample_key].counterexample_minimal;
      // A counterexample that could not be minimised within the budget may
      // be long: the first kMaxCounterexample operations are kept.
      std::vector<std::size_t> shown(r.counterexample.begin(),
                                     r.counterexample.begin() +
                                         static_cast<std::ptrdiff_t>(std::min(r.counterexample.size(), kMaxCounterexample)));
      l.counterexample_size = r.counterexample.size();
      for (const std::size_t i : shown) {
        const LinOp& op = lin.ops[i];
        LinearizabilityRecord::Op o;
        o.client = lin.clients[op.client];
        o.op = op.fn == LinFn::kWrite ? "write" : "read";
        if (op.fn == LinFn::kWrite) o.value = static_cast<std::uint64_t>(op.arg.v);
        else if (op.outcome == LinOutcome::kOk) o.value = static_cast<std::uint64_t>(op.result.v);
        o.invoke = op.invoke;
        o.complete = op.complete;
        o.outcome = op.outcome == LinOutcome::kOk ? "ok" : op.outcome == LinOutcome::kFail ? "fail" : "unknown";
        l.counterexample.push_back(o);
      }
      l.timeline = render_timeline(lin, shown);
    }
    c.linearizability = std::move(l);
  }
  if (stale_thread) stale_thread->join();
  if (stale_error) std::rethrow_exception(stale_error);
  c.truncated = history_.dropped > 0;
  out.consistency = c;
  out.history = std::make_shared<const History>(std::move(history_));
  history_ = History{};
  finals_.clear();
}

static_assert(kDefaultLinBudget == kDefaultLinearizabilityBudget, "one default budget");

LinHistory to_lin_history(const History& history) {
  LinHistory lin;
  lin.model = LinModel::kRegister;
  lin.clients = history.clients;
  // One sort of (key, operation) pairs numbers the keys and places each
  // operation's key at once.
  const auto by_key = ops_by_key(history);
  std::vector<std::uint32_t> key_of(history.ops.size(), 0);
  for (std::size_t j = 0; j < by_key.size(); ++j) {
    if (j == 0 || by_key[j].first != by_key[j - 1].first) lin.keys.push_back(std::to_string(by_key[j].first));
    key_of[by_key[j].second] = static_cast<std::uint32_t>(lin.keys.size() - 1);
  }
  lin.ops.reserve(by_key.size());
  for (std::size_t i = 0; i < history.ops.size(); ++i)
    if (history.ops[i].op != Operation::kRequest) lin.ops.push_back(lin_op(history.ops[i], key_of[i]));
  return lin;
}

namespace {
template <class T>
void put_number(std::string& s, T v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  s.append(buf, r.ptr);
}

void put_string(std::string& s, const std::string& v) {
  s += '"';
  for (const char ch : v) {
    if (ch == '"' || ch == '\\') {
      s += '\\';
      s += ch;
    } else if (static_cast<unsigned char>(ch) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(ch)));
      s += buf;
    } else {
      s += ch;
    }
  }
  s += '"';
}
}  // namespace

void write_history_jsonl(const History& history, std::ostream& out) {
  std::vector<std::string> names;
  names.reserve(history.clients.size());
  for (const auto& c : history.clients) {
    std::string q;
    put_string(q, c);
    names.push_back(std::move(q));
  }
  std::string line;
  std::uint64_t index = 0;
  for (const HistoryOp& h : history.ops) {
    line.clear();
    line += "{\"index\":";
    put_number(line, index++);
    line += ",\"client\":";
    line += h.client < names.size() ? names[h.client] : std::string("\"?\"");
    line += ",\"op\":\"";
    line += operation_name(h.op);
    line += "\",\"key\":";
    put_number(line, h.key);
    line += ",\"value\":";
    const bool has_value = h.op == Operation::kWrite || h.outcome == OpOutcome::kOk || h.final_read;
    if (has_value) put_number(line, h.value);
    else line += "null";
    line += ",\"invoke_ns\":";
    put_number(line, h.invoke);
    line += ",\"complete_ns\":";
    put_number(line, h.complete);
    line += ",\"outcome\":\"";
    line += h.outcome == OpOutcome::kOk ? "ok" : h.outcome == OpOutcome::kFail ? "fail" : "unknown";
    line += "\"}\n";
    out.write(line.data(), static_cast<std::streamsize>(line.size()));
  }
}

}  // namespace dsim
