// SPDX-License-Identifier: EUPL-1.2
// jubesctl's parked commands: list, show, reroute, assign, close (the command table is in ctl.cpp).
// Changes go through the gateway that owns the store (its operator endpoints), or to the store
// directly when no gateway holds it (context::locate).
#include <boost/json.hpp>
#include <future>

#include "admin_view.hpp"
#include "ctl_audit.hpp"
#include "ctl_context.hpp"
#include "storage/admin.hpp"

namespace jubes::gateway::ctl {
namespace json = boost::json;
using detail::to_json;
using detail::to_text;

namespace {

std::uint64_t message_id(const std::string& s) {
  std::uint64_t id = 0;
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos || s.size() > 19 ||
      (id = std::stoull(s)) == 0)
    stop_with(usage, "'" + s + "' is not a message id");
  return id;
}

/// Percent-encodes a query value.
template <class T>
jubes::result<T> wait(const std::function<void(storage::completion<T>)>& submit) {
  std::promise<jubes::result<T>> p;
  auto f = p.get_future();
  submit([&p](jubes::result<T> r) { p.set_value(std::move(r)); });
  return f.get();
}

/// The text of a reroute report from its JSON (the gateway's or our own).
std::string reroute_text(const json::value& j) {
  std::string out;
  for (const auto& m : j.at("messages").as_array())
    out += json::serialize(m.at("message_id")) + ": " + std::string(m.at("outcome").as_string()) + "\n";
  return out.empty() ? "nothing parked\n" : out;
}

/// Exit code of a reroute: 1 if any failed, 4 if any stays parked, else 0.
outcome reroute_outcome(const json::value& j) {
  auto o = success(j, reroute_text(j));
  const auto failed_n = j.at("failed").to_number<std::uint64_t>();
  const auto parked_n = j.at("still_parked").to_number<std::uint64_t>();
  if (failed_n)
    o.code = failed, o.error = std::to_string(failed_n) + " message(s) not rerouted";
  else if (parked_n)
    o.code = partial, o.error = std::to_string(parked_n) + " message(s) still parked";
  return o;
}

outcome decide(context& c, storage::park_decision d) {
  const bool assign = d.act == storage::park_decision::action::assign;
  if (c.locate() == context::target::gateway) {
    // The reason (c.reason, --reason) is appended by admin().
    std::string target = "/v1/admin/parked/" + std::to_string(d.message_id) +
                         (assign ? "/assign?to=" + detail::pct_encode(d.recipient) : "/close");
    auto [status, j] = c.admin("POST", target);
    std::string text;
    if (status == 200) {
      d.operator_party = std::string(j.at("operator").as_string());
      text = to_text(d, j.at("changed").as_bool());
    }
    return from_gateway(status, j, text);
  }
  d.operator_party = c.operator_name();
  if (assign && !detail::assignable(c.cfg(), c.pipe(), d.recipient))
    return failure(failed, "'" + d.recipient + "' is not a configured recipient or a municipality");
  auto s = c.open_exclusive();
  if (assign)
    if (auto m = s->get(d.message_id); m && *m) {
      if (auto gap = detail::projection_gap(c.pipe(), d.recipient, (*m)->message_type); !gap.empty())
        return failure(failed, gap);
      d.deadline = c.pipe().deadline_of(**m);  // from the message's own dates, as at ingest
    }
  auto r = wait<bool>([&](storage::completion<bool> done) { s->submit_park_decision(d, std::move(done)); });
  if (!r && r.error() == storage::errc::not_found)
    return failure(not_found, "parked message " + std::to_string(d.message_id) + ": not found");
  if (!r) return failure(failed, std::to_string(d.message_id) + ": " + r.error().message());
  return success(to_json(d, *r), to_text(d, *r));
}

}  // namespace

outcome cmd_parked_list(context& c, args& a) {
  a.exactly(0, "parked list");
  auto s = c.open_readonly();
  auto rows = storage::admin::parked_list(*s);
  if (!rows) return failure(failed, "parked list: " + rows.error().message());
  return success(to_json(*rows), storage::admin::to_text(*rows));
}

outcome cmd_parked_show(context& c, args& a) {
  const auto id = message_id(a.exactly(1, "parked show ID")[0]);
  auto s = c.open_readonly();
  auto v = detail::parked_show(*s, c.pipe(), id);
  if (!v) return failure(failed, "parked show: " + v.error().message());
  if (!*v) return failure(not_found, "parked message " + std::to_string(id) + ": not found");
  return success(to_json(**v), to_text(**v));
}

outcome cmd_parked_reroute(context& c, args& a) {
  const bool all = a.flag("--all");
  const auto& rest = a.exactly(all ? 0 : 1, "parked reroute ID|--all");
  std::optional<std::uint64_t> only;
  if (!all) only = message_id(rest[0]);
  if (c.locate() == context::target::gateway) {
    auto [status, j] = c.admin("POST", "/v1/admin/parked/reroute?" + (all ? std::string("all=1") : "id=" + rest[0]));
    if ((status == 200 || status == 409) && j.is_object() && j.as_object().contains("messages"))
      return reroute_outcome(j);
    return from_gateway(status, j, "");
  }
  auto s = c.open_exclusive();
  auto plan = c.pipe().plan_reroute(*s, only);
  if (!plan) return failure(failed, plan.error().message());
  plan->by = {c.operator_name(), c.reason};
  std::promise<reroute_report> done;
  auto fut = done.get_future();
  pipeline::reroute(*s, std::move(*plan), [&done](reroute_report r) { done.set_value(std::move(r)); });
  return reroute_outcome(to_json(fut.get()));
}

outcome cmd_parked_assign(context& c, args& a) {
  std::optional<std::string> reason;
  if (!c.reason.empty()) reason = c.reason;
  const auto& rest = a.exactly(2, "parked assign ID RECIPIENT --reason TEXT");
  if (!reason || reason->empty())
    stop_with(usage, "parked assign: --reason TEXT is required (it is kept in the audit trail)");
  return decide(c, {message_id(rest[0]), storage::park_decision::action::assign, rest[1], "", *reason, {}});
}

outcome cmd_parked_close(context& c, args& a) {
  std::optional<std::string> reason;
  if (!c.reason.empty()) reason = c.reason;
  const auto& rest = a.exactly(1, "parked close ID --reason TEXT");
  if (!reason || reason->empty())
    stop_with(usage, "parked close: --reason TEXT is required (it is kept in the audit trail)");
  return decide(c, {message_id(rest[0]), storage::park_decision::action::close, "", "", *reason, {}});
}

}  // namespace jubes::gateway::ctl
