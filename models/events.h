// What the built-in models publish, for recorders to observe (sim/bus.h).
//
// Each struct is one kind of observed event, published on the simulation's
// bus at the simulated instant it happens, in the order it happens. Recorders
// (analysis/recorder.h) subscribe to the kinds they need: request metrics to
// operations, fault impact to faults, backend health and operations, the
// tracer to operations and handled requests, and later histories, cost and
// checkers. A model never knows who listens.
//
// Nodes are named by their actor id; a recorder maps an id to its component
// and replica through the World (models/world.h). Events are passed by
// reference for the duration of the call only: copy what you keep. Fields
// that point to text (string_view, span) point into the run's own state and
// are valid during the call.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "dsim/models/operation.h"
#include "dsim/models/status.h"
#include "dsim/sim/event_queue.h"
#include "dsim/sim/time.h"

namespace dsim {

// A closed-loop client's user, or none (open loop).
inline constexpr std::uint32_t kNoUser = UINT32_MAX;


// Operations are numbered per client replica from 0 in the order they are
// invoked: (client, op_id) names one operation in all three events below,
// as a history checker pairs an invocation with its completion.

// A client sent the first attempt of an operation (models/client.h).
struct OperationInvoked {
  ActorId client = 0;            // the client replica
  std::uint64_t op_id = 0;
  std::uint32_t user = kNoUser;  // the closed-loop user, if any
  Operation op = Operation::kRequest;
  std::uint64_t key = 0;
  // The value to write (stores); absent for reads and plain requests. A
  // history needs it here: a write whose outcome is unknown may have taken effect.
  std::optional<std::uint64_t> value;
  Time at = 0;
};

// A client sent a further attempt of an operation invoked at `invoked`.
struct OperationRetried {
  ActorId client = 0;
  std::uint64_t op_id = 0;
  Time invoked = 0;
  Time at = 0;
  std::uint32_t attempt = 0;  // 2 for the first retry
};

// An operation ended: it succeeded, or failed for good (after its retries).
// Every invoked operation resolves exactly once, before the run ends.
struct OperationResolved {
  ActorId client = 0;
  std::uint64_t op_id = 0;
  std::uint32_t user = kNoUser;
  Operation op = Operation::kRequest;
  std::uint64_t key = 0;
  // The value written, or read, and the version it carried (a leaderless
  // store's last-writer-wins timestamp, ns of the writer's clock); absent for
  // plain requests, whose models set neither, and for failed reads.
  std::optional<std::uint64_t> value;
  std::optional<std::int64_t> version;
  Time invoked = 0;    // first attempt sent
  Time completed = 0;  // resolution
  Status status = Status::kOk;
  std::uint32_t attempts = 1;
  bool responded = false;  // an answer arrived (false: the client gave up waiting)
  // Failed, but it may have taken effect: an attempt timed out (a write may
  // have reached some replicas). A history records it as "unknown"; a
  // failure without it never reached anything that could apply it ("fail").
  bool indeterminate = false;
};

// A balancer relayed a backend's answer (or its own timeout) to the caller.
struct RequestProxied {
  ActorId balancer = 0;
  ActorId backend = 0;
  ActorId origin = 0;  // the client replica the request came from
  Time arrived = 0;  // at the balancer
  Time done = 0;     // relayed
  Status status = Status::kOk;
};

// A server answered a request: it arrived, waited, a worker took it at
// `started`, and it was answered at `done` (after any downstream calls).
struct RequestHandled {
  ActorId server = 0;
  ActorId origin = 0;  // the client replica the request came from
  Time arrived = 0;
  Time started = 0;
  Time done = 0;
  Status status = Status::kOk;
};

// A balancer's health checks marked a backend down (up = false) or up again.
struct BackendHealthChanged {
  ActorId balancer = 0;
  ActorId backend = 0;
  Time at = 0;
  bool up = false;
};

// A replica stopped (crashed or killed: its work is lost) or started again.
struct ReplicaStateChanged {
  ActorId node = 0;
  Time at = 0;
  bool up = false;
  // Down and refusing connections (killed: the host answers for the dead
  // process) rather than silent (crashed).
  bool refusing = false;
};

// A fault (a scheduled one, or a random failure of a replica) began. `id`
// numbers faults in the order they begin, from 0; FaultEnded names it.
struct FaultBegan {
  std::size_t id = 0;
  std::string_view kind;    // as written: "crash", "partition", ...; "failure" for random failures
  std::string_view target;  // as reported: "app-1", "[[clients, lb], [app-1]]"
  Time at = 0;
  std::optional<Time> until;           // when it is scheduled to end, if it does
  std::span<const ActorId> affected;   // the nodes it names, sorted, distinct
};

struct FaultEnded {
  std::size_t id = 0;
  Time at = 0;
};

// A PBS probe's read (models/pbs_probe.h): at `t` after the commit of the
// last of a trial's versions, it returned that version (behind = 0), or one
// `behind` versions older (behind = versions written: the initial value).
struct ProbeObserved {
  ActorId probe = 0;
  std::uint64_t trial = 0;
  Time t = 0;
  std::uint32_t behind = 0;
  std::uint32_t versions = 1;  // written in the trial
  bool failed = false;         // the read failed (timeout, unavailable)
};

// A PBS probe's trial whose writes did not all commit: not read.
struct ProbeTrialFailed {
  ActorId probe = 0;
  std::uint64_t trial = 0;
};

// A node of a replicated store began leading an epoch (elected, or the
// initial leader at time 0), or stopped leading it: stepped down, fenced (cut
// off from a majority), deposed (it heard of a newer epoch) or crashed.
// Published by models with a leader (leader_follower, raft).
struct LeaderChanged {
  ActorId node = 0;
  std::uint64_t epoch = 0;
  bool leading = true;
  // "initial", "elected", "fenced", "deposed", "crashed" ("check quorum":
  // raft's fencing)
  std::string_view reason;
  Time at = 0;
  std::string_view era = "epoch";  // what the model calls its epochs: raft's are terms
};

// An autoscaled service's sync changed its replica count
// (models/autoscaling.h): from `from` to `to` replicas starting or ready,
// on the ready replicas' measured utilisation; `recommended` is what the
// measurement alone asked for, before stabilisation and rate limits.
struct ReplicasScaled {
  ActorId node = 0;  // the service's first replica: which service
  Time at = 0;
  std::int64_t from = 0;
  std::int64_t to = 0;
  std::int64_t recommended = 0;
  double utilization = 0;
};

// A replica of an autoscaled service was created ("created": starting),
// began serving ("ready": it joins its callers' rotation), began draining
// ("draining": it left the rotation and finishes what it has) or was
// removed ("removed"). `replicas`: how many exist after it (starting,
// ready or draining: what is billed).
struct ReplicaStageChanged {
  ActorId node = 0;
  Time at = 0;
  std::string_view stage;
  std::int64_t replicas = 0;
};

// A raft node stood for election in `term` (models/replicated_store.h).
struct ElectionStarted {
  ActorId node = 0;
  std::uint64_t term = 0;
  Time at = 0;
};

// A raft leader of `term` moved its commit index to `index`.
struct EntriesCommitted {
  ActorId node = 0;
  std::uint64_t term = 0;
  std::uint64_t index = 0;
  Time at = 0;
};

// A raft node's log changed: it appended an entry (index, term) — a leader
// its own, a follower the leader's —, or dropped its entries after
// `index` (a follower whose log conflicted with the leader's: term 0), or
// installed a snapshot ending at (index, term) in place of its log before
// it (`snapshot`). What Raft's log-matching and leader-completeness
// properties are checked against; published only when observed.
struct LogChanged {
  ActorId node = 0;
  std::uint64_t index = 0;
  std::uint64_t term = 0;
  enum class Kind : std::uint8_t { kAppended, kTruncated, kSnapshot } kind = Kind::kAppended;
  Time at = 0;
};

// A raft node applied a committed log entry to its state machine (a write,
// or a new leader's empty entry). Raft's state-machine safety: every node
// applies the same entry at each index.
struct LogEntryApplied {
  ActorId node = 0;
  std::uint64_t index = 0;
  std::uint64_t term = 0;
  std::uint64_t key = 0;
  std::uint64_t value = 0;
  bool noop = false;
  Time at = 0;
};

// A store settled at the end of the run (ComponentInstance::settle): one
// event per key any of its nodes holds, in key order, with the value a read
// of every replica then returns (the newest) and whether the key's
// replicas agree. A history records each as a read by the client "final".
struct StoreKeySettled {
  ActorId store = 0;  // the store's first node
  std::uint64_t key = 0;
  std::uint64_t value = 0;
  std::int64_t version = 0;
  bool converged = true;
  Time at = 0;
};

}  // namespace dsim
