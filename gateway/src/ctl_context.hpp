// SPDX-License-Identifier: EUPL-1.2
#pragma once
// jubesctl's parts behind run_ctl (gateway/ctl.hpp): ctl.cpp holds the command table, the global
// flags and the output; the handlers live in ctl_store.cpp (store and backups), ctl_parked.cpp
// (parked messages) and ctl_routes.cpp (validation and routing). Every handler gets the context
// (configuration, store, the owning gateway) and its own arguments, and returns an `outcome`: the
// exit code, the text for stdout and the JSON document for --json. It never prints itself.
//
// Which gateway: for the LMDB store, the one that holds the data directory (the store's flock),
// found through DATA_DIR/jubesd.owner and confirmed by its GET /v1/admin/identity naming the same
// data directory and pid; none holds it: the store directly; anything else: refused (exit 5),
// never the address the configuration names. For PostgreSQL (no data directory to hold) the
// configured (or --listen) gateway, which must say it serves the PostgreSQL backend.
//
// Threading: main thread only.
#include <boost/json/value.hpp>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "gateway/client.hpp"
#include "gateway/config.hpp"
#include "pipeline.hpp"
#include "storage/store.hpp"

namespace jubes::gateway::ctl {
using detail::pipeline;
using detail::pipeline_options;
using detail::reroute_report;

/// jubesctl's exit codes (README "Commands", `jubesctl --help`, docs/operations.md).
enum exit_code : int { ok = 0, failed = 1, usage = 2, not_found = 3, partial = 4, refused = 5 };

/// What a command produced. On success `json` is the document `--json` prints; on failure `error`
/// is the one-line cause.
struct outcome {
  int code = ok;
  std::string text;
  boost::json::value json;
  std::string error;
};
outcome success(boost::json::value json, std::string text, int code = ok);
outcome failure(int code, std::string cause);

/// Thrown by the context's helpers to end the command with that outcome (caught in ctl.cpp).
struct stop {
  outcome o;
};
[[noreturn]] void stop_with(int code, std::string cause);

/// The arguments of one command after its name; flags are taken out as they are read.
class args {
 public:
  explicit args(std::vector<std::string> v) : v_(std::move(v)) {}
  /// Removes `--name` if present. @return whether it was
  bool flag(std::string_view name);
  /// Removes `--name VALUE`. @return VALUE, or nullopt; a missing VALUE stops with a usage error
  std::optional<std::string> option(std::string_view name);
  /// The positional arguments left; stops with a usage error unless there are exactly `n`.
  const std::vector<std::string>& exactly(std::size_t n, std::string_view synopsis);
  const std::vector<std::string>& rest() const { return v_; }

 private:
  std::vector<std::string> v_;
};

class context {
 public:
  explicit context(std::ostream& err) : err_(err) {}
  std::string config_file = "conf/jubes.yaml";
  config_overrides ov;
  bool progress = false;  ///< --progress: report progress on stderr even when it is not a terminal
  bool json = false;      ///< --json (the output is made in ctl.cpp; `audit` prints its own)
  std::string reason;     ///< --reason TEXT: recorded with the operator action in the audit trail

  /// The configuration (loaded once); stops with exit 1 if it is refused.
  const config& cfg();
  bool postgresql();
  std::ostream& err() { return err_; }

  /// The store for reading: LMDB read-only (works while jubesd runs) or PostgreSQL.
  std::unique_ptr<storage::backend> open_readonly();
  /// Where a command that changes state acts (see the header comment); stops with exit 5 (refused)
  /// if a process holds the data directory that is not a gateway owning it.
  enum class target { gateway, store };
  target locate();
  /// The LMDB store's options with its data-at-rest keys read (the KEK); stops with exit 1 if the
  /// KEK is missing or refused.
  storage::options lmdb();
  /// The LMDB store opened for writing, after locate() said `store`.
  std::unique_ptr<storage::store> open_exclusive();
  /// An admin request (JSON) to the gateway locate() found. @return the status and the document
  std::pair<unsigned, boost::json::value> admin(std::string_view method, const std::string& target);
  /// The pipeline of the configuration (validation and routes).
  pipeline& pipe();
  /// Who an offline action is recorded as: "os:<user>" (detail::os_identity).
  std::string operator_name() const;

 private:
  client operator_client(const std::string& host, std::uint16_t port);
  void check_identity(const std::string& where, long pid);

  std::ostream& err_;
  std::optional<config> cfg_;
  std::optional<client> gateway_;
  std::unique_ptr<pipeline> pipe_;
};

/// @return an outcome from the gateway's reply: its JSON on 2xx (text from `render`), otherwise
/// the cause with the exit code of the status (404: not found, 409/400/5xx: failed).
outcome from_gateway(unsigned status, const boost::json::value& j, const std::string& text);

// The handlers (the command table in ctl.cpp lists them).
outcome cmd_validate(context& c, args& a);
outcome cmd_route_explain(context& c, args& a);
outcome cmd_routes_reload(context& c, args& a);
outcome cmd_tls_reload(context& c, args& a);
outcome cmd_keys_rotate(context& c, args& a);
outcome cmd_outbox_list(context& c, args& a);
outcome cmd_outbox_late(context& c, args& a);
outcome cmd_stats(context& c, args& a);
outcome cmd_check(context& c, args& a);
outcome cmd_backup(context& c, args& a);
outcome cmd_backup_verify(context& c, args& a);
outcome cmd_restore(context& c, args& a);
outcome cmd_init(context& c, args& a);
outcome cmd_purge(context& c, args& a);
outcome cmd_db_migrate(context& c, args& a);
outcome cmd_parked_list(context& c, args& a);
outcome cmd_parked_show(context& c, args& a);
outcome cmd_parked_reroute(context& c, args& a);
outcome cmd_parked_assign(context& c, args& a);
outcome cmd_parked_close(context& c, args& a);
outcome cmd_audit_list(context& c, args& a);
outcome cmd_audit_verify(context& c, args& a);
outcome cmd_audit_checkpoint(context& c, args& a);

}  // namespace jubes::gateway::ctl
