#include "ai/worker.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include "ai/prompt.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "tables/table.h"
#include "telegram/log_limiter.h"

namespace topicdesk::ai {

namespace asio = boost::asio;
namespace json = boost::json;
using core::UnixMillis;

core::Event report_event(core::DialogId dialog, const Report& r) {
  core::Event e;
  e.kind = core::EventKind::kAiAnswered;
  e.dialog_id = dialog;
  e.date = core::unix_millis_now();
  e.update_id = r.request != 0 ? ai_update_id(r.request) : knowledge_update_id(e.date);
  json::object o{{"request", r.request}, {"outcome", r.outcome}};
  if (!r.answer.empty()) o["answer"] = r.answer;
  if (!r.failure.empty()) o["failure"] = r.failure;
  if (!r.detail.empty()) o["detail"] = r.detail;
  if (r.problem) {
    json::object args;
    for (const auto& [name, value] : r.problem->args) args[name] = value;
    o["problem"] = json::object{{"key", r.problem->key}, {"args", std::move(args)}};
  }
  if (r.tokens != 0) o["tokens"] = r.tokens;
  e.text = json::serialize(o);
  return e;
}

namespace {

core::Metric& calls_metric(std::string_view result) {
  return core::Metrics::global().counter(
      "topicdesk_ai_calls_total",
      "AI consultant requests by result (answer, escalate, no_knowledge, "
      "timeout, rate_limited, server_error, refused, malformed, network, budget)",
      fmt::format("result=\"{}\"", result));
}

std::int64_t utc_day(UnixMillis at) { return at / 86'400'000; }

}  // namespace

struct AiWorker::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::any_io_executor ex, store::Store& s, std::vector<AiConnection> c, WorkerOptions o, AddEvent a)
      : executor(ex),
        store(s),
        connections(std::move(c)),
        options(std::move(o)),
        add_event(std::move(a)),
        timer(ex),
        client(ex, options.server) {
    for (const auto& conn : connections) ids.push_back(conn.id);
  }

  asio::any_io_executor executor;
  store::Store& store;
  std::vector<AiConnection> connections;
  std::vector<core::ConnectionId> ids;
  WorkerOptions options;
  AddEvent add_event;
  asio::steady_timer timer;
  ChatClient client;
  int in_flight = 0;
  bool stopped = false;
  bool wake_pending = false;
  telegram::LogLimiter log_limiter{std::chrono::minutes(1), 3};
  core::Metric& in_flight_gauge =
      core::Metrics::global().gauge("topicdesk_ai_in_flight", "AI consultant calls in flight");

  const AiConnection* connection(core::ConnectionId id) const {
    for (const auto& c : connections) {
      if (c.id == id) return &c;
    }
    return nullptr;
  }

  void tick() {
    const int room = options.max_in_flight - in_flight;
    if (room <= 0 || stopped || ids.empty()) return;
    const UnixMillis now = core::unix_millis_now();
    const UnixMillis until = now + options.server.timeout.count() + options.claim_margin.count();
    std::vector<store::AiRequest> claimed;
    try {
      claimed = store.claim_ai_requests(ids, now, until, room);
    } catch (const std::exception& e) {
      log_limiter.log(spdlog::level::err, "store",
                      fmt::format("ai: the store failed ({}); retrying", e.what()));
      return;
    }
    for (auto& r : claimed) {
      ++in_flight;
      in_flight_gauge.set(in_flight);
      asio::co_spawn(executor, run(shared_from_this(), std::move(r)), asio::detached);
    }
  }

  static asio::awaitable<void> loop(std::shared_ptr<Impl> self) {
    while (!self->stopped) {
      self->wake_pending = false;
      self->tick();
      self->timer.expires_after(self->options.poll_interval);
      boost::system::error_code ec;
      co_await self->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  }

  void wake() {
    if (wake_pending) return;
    wake_pending = true;
    timer.cancel();
  }

  static asio::awaitable<void> run(std::shared_ptr<Impl> self, store::AiRequest request) {
    Report report;
    try {
      report = co_await self->answer(request);
    } catch (const std::exception& e) {
      report.outcome = "failed";
      report.failure = "network";
      report.detail = e.what();
    }
    report.request = request.id;
    calls_metric(report.outcome == "failed" ? report.failure : report.outcome).add(1);
    if (report.outcome == "failed") {
      self->log_limiter.log(spdlog::level::warn, "call:" + report.failure,
                            fmt::format("ai: request {} of dialog {} failed: {} ({})", request.id,
                                        request.dialog_id, report.failure, report.detail));
    }
    try {
      self->finish(request, report);
    } catch (const std::exception& e) {
      // The claim expires and the request is asked again.
      self->log_limiter.log(spdlog::level::err, "store",
                            fmt::format("ai: request {} could not be reported ({})", request.id, e.what()));
    }
    --self->in_flight;
    self->in_flight_gauge.set(self->in_flight);
    if (!self->stopped) self->wake();
  }

  asio::awaitable<Report> answer(const store::AiRequest& request) {
    Report report;
    const AiConnection* c = connection(request.connection_id);
    PromptInput input;
    input.model = options.model;
    if (c != nullptr) {
      input.instructions = tables::expand_references(
          c->instructions, c->language, [&](const std::string& table, const std::string& row) {
            return store.data_table_row(request.connection_id, table, row);
          });
    }
    input.kind = request.kind;
    input.question = request.question;
    input.passages = store.search_knowledge(request.connection_id, request.question, kPromptPassages);
    if (input.passages.empty() && request.kind != store::AiRequestKind::kAsk) {
      report.outcome = "no_knowledge";  // nothing to answer from: the engine hands over
      co_return report;
    }
    input.conversation = store.recent_dialog_history(request.dialog_id, kPromptMessages);
    const UnixMillis now = core::unix_millis_now();
    if (options.daily_tokens > 0 &&
        store.ai_usage(request.connection_id, utc_day(now)) >= options.daily_tokens) {
      report.outcome = "failed";
      report.failure = to_string(Failure::kBudget);
      report.detail = fmt::format("the daily budget of {} tokens is spent", options.daily_tokens);
      co_return report;
    }
    std::string body = chat_request_body(input);
    const std::size_t body_bytes = body.size();
    Completion completion = co_await client.complete(std::move(body));
    if (completion.failure != Failure::kNone) {
      report.outcome = "failed";
      report.failure = to_string(completion.failure);
      report.detail = completion.detail;
      co_return report;
    }
    report.tokens =
        completion.tokens > 0 ? completion.tokens : estimate_tokens(body_bytes + completion.text.size());
    store.add_ai_usage(request.connection_id, utc_day(core::unix_millis_now()), report.tokens);
    Reading reading = read_answer(completion.text);
    report.outcome = reading.escalate ? "escalate" : "answer";
    report.answer = reading.text;
    co_return report;
  }

  // The request is answered and the engine told, in one transaction; a request cancelled meanwhile
  // (an operator answered first) is left as it is.
  void finish(const store::AiRequest& claimed, const Report& report) {
    store.transaction([&] {
      auto r = store.ai_request(claimed.id);
      if (!r || r->status != store::AiRequestStatus::kRunning) return;
      r->status = store::AiRequestStatus::kAnswered;
      r->updated_at = core::unix_millis_now();
      store.update_ai_request(*r);
      add_event(r->connection_id, report_event(r->dialog_id, report));
    });
  }
};

AiWorker::AiWorker(asio::any_io_executor executor, store::Store& store, std::vector<AiConnection> connections,
                   WorkerOptions options, AddEvent add_event)
    : impl_(std::make_shared<Impl>(std::move(executor), store, std::move(connections), std::move(options),
                                   std::move(add_event))) {}

AiWorker::~AiWorker() { stop(); }

void AiWorker::start() { asio::co_spawn(impl_->executor, Impl::loop(impl_), asio::detached); }

void AiWorker::stop() {
  impl_->stopped = true;
  impl_->timer.cancel();
}

void AiWorker::notify() { impl_->wake(); }

void AiWorker::set_connection(AiConnection connection) {
  auto& connections = impl_->connections;
  auto it = std::ranges::find(connections, connection.id, &AiConnection::id);
  if (it != connections.end()) {
    *it = std::move(connection);
    return;
  }
  impl_->ids.push_back(connection.id);
  connections.push_back(std::move(connection));
  impl_->wake();  // its requests already waiting
}

void AiWorker::remove_connection(core::ConnectionId id) {
  std::erase_if(impl_->connections, [id](const AiConnection& c) { return c.id == id; });
  std::erase(impl_->ids, id);
}

int AiWorker::in_flight() const { return impl_->in_flight; }

}  // namespace topicdesk::ai
