// SPDX-License-Identifier: EUPL-1.2
// The dashboard behind the ops listener's hook: the allow-listed files, the /events snapshots and
// the parked view's list (/dashboard/parked.json: ids, source, type, reason and time; never contents)
// and the late view (/dashboard/late.json, the gateway's late_view: never contents either).
#include <boost/json.hpp>
#include <fstream>
#include <mutex>
#include <sstream>
#include <unordered_map>

#include "dashboard/dashboard.hpp"

namespace jubes::dashboard {
namespace json = boost::json;

namespace {
constexpr std::string_view kJson = "application/json; charset=utf-8";

/// The parked view's list: at most `max_parked_shown` entries (the oldest), and the total.
std::string parked_json(const parked_list& list) {
  json::object o;
  o["schema"] = "jubes.parked.v1";
  o["total"] = list.total;
  json::array entries;
  for (std::size_t i = 0; i < list.rows.size() && i < max_parked_shown; ++i) {
    const auto& r = list.rows[i];
    entries.push_back(json::object{{"id", r.message_id},
                                   {"source", r.source},
                                   {"type", r.message_type},
                                   {"reason", r.reason},
                                   {"accepted_at", r.accepted_at_ms}});
  }
  o["shown"] = entries.size();
  o["entries"] = std::move(entries);
  return json::serialize(o);
}
}  // namespace

struct ops_handler::impl {
  std::filesystem::path root;
  std::function<std::string()> render;
  parked_source parked;
  json_source late;
  std::mutex mu;
  std::unordered_map<std::string, std::string> files;  // path -> content, read on first use
  snapshot_builder builder;
  std::chrono::steady_clock::time_point last_at{};
  std::string last_json;
};

ops_handler::ops_handler(std::filesystem::path root, std::function<std::string()> render_metrics, parked_source parked,
                         json_source late)
    : impl_(std::make_unique<impl>()) {
  impl_->late = std::move(late);
  impl_->root = std::move(root);
  impl_->render = std::move(render_metrics);
  impl_->parked = std::move(parked);
}

ops_handler::~ops_handler() = default;

std::optional<ops_handler::reply> ops_handler::handle(std::string_view method, std::string_view target) {
  if (method != "GET" && method != "HEAD") return std::nullopt;
  std::string_view path = target.substr(0, target.find('?'));
  if (path == "/events") {
    std::lock_guard lk(impl_->mu);
    auto now = std::chrono::steady_clock::now();
    // One shared reading per ~second: viewers reconnecting at any pace all see rates over ~1 s.
    if (impl_->last_json.empty() || now - impl_->last_at >= std::chrono::milliseconds(900)) {
      impl_->last_json = impl_->builder.next(impl_->render(), std::chrono::system_clock::now());
      impl_->last_at = now;
    }
    return reply{200, std::string(sse_content_type), "retry: 500\n" + sse_frame(impl_->last_json)};
  }
  if (path == "/dashboard/parked.json") {
    // Outside the mutex: a store read must not hold up the snapshots.
    if (!impl_->parked) return reply{503, "text/plain; charset=utf-8", "parked list not available\n"};
    auto rows = impl_->parked(max_parked_shown);
    if (!rows) return reply{503, "text/plain; charset=utf-8", "parked list: " + rows.error().message() + "\n"};
    return reply{200, std::string(kJson), parked_json(*rows)};
  }
  if (path == "/dashboard/late.json") {
    // Outside the mutex, as the parked list.
    if (!impl_->late) return reply{503, "text/plain; charset=utf-8", "late view not available\n"};
    auto doc = impl_->late();
    if (!doc) return reply{503, "text/plain; charset=utf-8", "late view: " + doc.error().message() + "\n"};
    return reply{200, std::string(kJson), std::move(*doc)};
  }
  auto a = find_asset(impl_->root, target);
  if (!a) return std::nullopt;
  std::lock_guard lk(impl_->mu);
  auto key = a->file.string();
  auto it = impl_->files.find(key);
  if (it == impl_->files.end()) {
    std::ifstream in(a->file, std::ios::binary);
    if (!in) return reply{404, "text/plain; charset=utf-8", "dashboard file missing: " + key + "\n"};
    std::ostringstream ss;
    ss << in.rdbuf();
    it = impl_->files.emplace(key, ss.str()).first;
  }
  return reply{200, std::string(a->content_type), it->second};
}

}  // namespace jubes::dashboard
