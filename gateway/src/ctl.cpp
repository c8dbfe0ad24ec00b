// SPDX-License-Identifier: EUPL-1.2
// jubesctl: the global flags, the command table, --help, and the output (text, or one JSON
// document with --json). The handlers are in ctl_store.cpp, ctl_parked.cpp and ctl_routes.cpp.
#include "gateway/ctl.hpp"

#include <boost/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "common/log.hpp"
#include "common/version.hpp"
#include "ctl_context.hpp"

namespace jubes::gateway {
using namespace ctl;

namespace {

using handler = outcome (*)(context&, args&);

/// One jubesctl command. ADDING A COMMAND is one line in kCommands below: write
/// `outcome cmd_x(context&, args&)` (in a ctl_*.cpp file, declared in ctl_context.hpp), return
/// success(json, text) or failure(code, cause), and list it here. `jubesctl --help` and
/// `jubesctl NAME --help` are made from this table.
struct command {
  std::string_view name;      ///< one or two words, e.g. "stats", "parked show"
  std::string_view synopsis;  ///< the arguments after the name
  std::string_view help;      ///< what it does, for `jubesctl NAME --help`
  handler run;
  bool needs_config = true;  ///< the configuration is loaded (and must be valid) before it runs
};

// clang-format off
constexpr command kCommands[] = {
  {"validate", "[--xsd ENTRY.xsd]... FILE...", "Validates each FILE as jubesd would (or against the given XSDs only): OK and its envelope, or the fault with line, column and element. Exit 1 if any is refused.", cmd_validate, false},
  {"route explain", "FILE", "Shows which rules of the configured routes file route the message in FILE, and why.", cmd_route_explain},
  {"routes reload", "", "Asks the gateway that owns the data directory to recompile its routes file (a bad file is refused and the old table keeps serving); with no gateway running, checks that the file compiles.", cmd_routes_reload},
  {"outbox list", "", "Head, cursor, backlog and age of the oldest unacknowledged entry of every outbox (read-only; works while jubesd runs).", cmd_outbox_list},
  {"outbox late", "[--recipient R] [--at T]", "Unacknowledged entries at risk of missing their legal deadline (within the lead time) or past it, per recipient (no contents), as the dashboard lists them; at T (ISO-8601 UTC) instead of now. Read-only; works while jubesd runs.", cmd_outbox_late},
  {"parked list", "", "The parked messages: id, source, referentienummer, type, acceptance time, reason (never their content).", cmd_parked_list},
  {"parked show", "ID", "One parked (or once parked) message: state, reason, the recipients the current routes would give it, and its history (who, when, why). Exit 3 if no such parked message.", cmd_parked_show},
  {"parked reroute", "ID|--all", "Routes parked messages with the current routes. Exit 4 if some stay parked (no rule routes them yet), 1 if some failed.", cmd_parked_reroute},
  {"parked assign", "ID RECIPIENT --reason TEXT", "Delivers a parked message once to RECIPIENT (a configured recipient or a municipality) and takes it off the parked list; audited with the operator and reason. Repeating it changes nothing. Exit 3 for an unknown id.", cmd_parked_assign},
  {"parked close", "ID --reason TEXT", "Takes a parked message off the parked list without delivering it; audited with the operator and reason. Exit 3 for an unknown id.", cmd_parked_close},
  {"backup verify", "DIR", "Checks that the backup in DIR is complete: its data.mdb matches its MANIFEST (size, SHA-256). Exit 3 if DIR holds no manifest.", cmd_backup_verify, false},
  {"backup", "DIR [--progress]", "Hot, consistent, compacting copy of the store into DIR (new or empty), with a MANIFEST; works while jubesd runs. Prints size and duration; progress on stderr when it is a terminal or with --progress.", cmd_backup},
  {"restore", "BACKUP [--force]", "Verifies BACKUP, then copies it into the store directory of --data-dir (or the configuration) under a temporary name and renames it into place. Refused (exit 5) while a gateway holds the directory; a directory that holds a store is refused unless --force, which keeps the old one aside as STORE.replaced-MS.", cmd_restore},
  {"check", "", "Integrity check of the store (in a child process, so a damaged store cannot crash jubesctl). Exit 1 if it finds problems.", cmd_check},
  {"db migrate", "", "Applies this build's PostgreSQL schema migrations (store.backend: postgresql).", cmd_db_migrate},
  {"init", "", "Makes a new, empty store where there is none or an emptied one (jubesd refuses to start on those: starting afresh forgets every dedup record).", cmd_init},
  {"purge", "", "Runs retention now: through the gateway that owns the store, or on the store directly when none runs.", cmd_purge},
  {"stats", "", "Counts and sizes of the store.", cmd_stats},
  {"keys rotate", "[--reencrypt]", "Makes a new data key (wrapped under the configured key-encryption key) that seals every new body from now on; older bodies stay readable under their own keys. --reencrypt re-seals older bodies with the new key (in the background on a running gateway; here before it returns, resumable). Audited (keys_rotated). LMDB only.", cmd_keys_rotate},
  {"tls reload", "", "Asks the gateway that owns the data directory to re-read its certificate, key, CA bundle and CRL (as SIGHUP does): new handshakes use them, open connections keep theirs, a bad file is refused and the old ones keep serving. With no gateway running, checks that the files load.", cmd_tls_reload},
  {"audit list", "[--message ID] [--party P] [--since T] [--until T] [--limit N]", "The audit trail, oldest first, filtered (T: ISO-8601, UTC). Read from the store directly (read-only), never through jubesd.", cmd_audit_list},
  {"audit verify", "[--from-checkpoint FILE]", "Proves the audit trail's hash chain intact (from its anchor, or from a checkpoint kept elsewhere, which must still match). Exit 1 naming the first broken record (hash mismatch, gap, reorder).", cmd_audit_verify},
  {"audit checkpoint", "", "Prints the audit chain's head (seq, hash, time) to keep elsewhere, for a later `audit verify --from-checkpoint`.", cmd_audit_checkpoint},
};
// clang-format on

constexpr const char* kGlobal =
    "usage: jubesctl [--config FILE] [--data-dir DIR] [--listen HOST:PORT] [--json] COMMAND [ARGS]\n";
constexpr const char* kTail =
    "\nglobal flags (anywhere on the line):\n"
    "  --config FILE     the configuration (default conf/jubes.yaml)\n"
    "  --data-dir DIR    overrides data_dir of the configuration\n"
    "  --listen H:P      PostgreSQL backend only: the gateway to ask (LMDB: the one owning the data dir)\n"
    "  --json            stdout is exactly one JSON document (also on failure: {\"error\", \"exit_code\"})\n"
    "  --reason TEXT     why: recorded with the operator action in the audit trail\n"
    "  --help, -h        this text; `jubesctl COMMAND --help`: that command's\n"
    "  --version         the version and git revision\n"
    "exit codes: 0 success, 1 operation failed, 2 usage, 3 not found, 4 partial (e.g. a reroute left\n"
    "messages parked), 5 refused: the data directory is held by a process that is not a gateway owning it\n";

std::string usage_text() {
  std::string s = kGlobal;
  s += "commands:\n";
  for (const auto& c : kCommands)
    s += "  " + std::string(c.name) + (c.synopsis.empty() ? "" : " ") + std::string(c.synopsis) + "\n";
  return s + kTail;
}

std::string help_text(const command& c) {
  return "usage: jubesctl [global flags] " + std::string(c.name) + (c.synopsis.empty() ? "" : " ") +
         std::string(c.synopsis) + "\n\n" + std::string(c.help) + "\n" + kTail;
}

/// The command named by the first one or two words of `words` (the longest match), or nullptr.
const command* find(const std::vector<std::string>& words, std::size_t& used) {
  const command* best = nullptr;
  for (const auto& c : kCommands) {
    const std::string_view n = c.name;
    const auto sp = n.find(' ');
    const bool two = sp != std::string_view::npos;
    if (words.empty() || words[0] != n.substr(0, sp)) continue;
    if (two && (words.size() < 2 || words[1] != n.substr(sp + 1))) continue;
    if (!best || two) best = &c, used = two ? 2 : 1;
  }
  return best;
}

struct cli {
  std::ostream& out;
  std::ostream& err;
  bool json = false, help = false, version = false;

  int emit(const outcome& o) {
    if (o.code == ok || (o.error.empty() && !o.json.is_null())) {
      if (json)
        out << boost::json::serialize(o.json) << "\n";
      else
        out << o.text;
      return o.code;
    }
    if (json) {
      boost::json::object doc = o.json.is_object() ? o.json.as_object() : boost::json::object{};
      doc["error"] = o.error;
      doc["exit_code"] = o.code;
      out << boost::json::serialize(doc) << "\n";
    } else {
      out << o.text;
    }
    err << "jubesctl: " << o.error << "\n";
    return o.code;
  }

  /// Takes the global flags out of `a` (they may stand anywhere). @return false on a usage error
  bool globals(std::vector<std::string>& a, context& c, std::string& bad) {
    std::vector<std::string> rest;
    for (std::size_t i = 0; i < a.size(); ++i) {
      const auto& x = a[i];
      const bool valued = x == "--config" || x == "--data-dir" || x == "--listen" || x == "--reason";
      if (valued && i + 1 >= a.size()) return bad = x + " needs a value", false;
      if (x == "--config")
        c.config_file = a[++i];
      else if (x == "--data-dir")
        c.ov.data_dir = a[++i];
      else if (x == "--listen")
        c.ov.listen = a[++i];
      else if (x == "--reason")
        c.reason = a[++i];
      else if (x == "--json")
        json = c.json = true;
      else if (x == "--help" || x == "-h")
        help = true;
      else if (x == "--version")
        version = true;
      else
        rest.push_back(x);
    }
    a = std::move(rest);
    return true;
  }

  int run(std::vector<std::string> a) {
    context c(err);
    c.ov.require_tls_files = false;
    std::string bad;
    if (!globals(a, c, bad)) return emit(failure(usage, bad + "\n" + usage_text()));
    if (version) return out << version_line("jubesctl") << "\n", ok;
    std::size_t used = 0;
    const command* cmd = find(a, used);
    if (help && (!cmd || a.empty())) return out << usage_text(), ok;
    if (a.empty()) return err << usage_text(), usage;
    if (!cmd) return emit(failure(usage, "unknown command '" + a[0] + "'; `jubesctl --help` lists them"));
    if (help) return out << help_text(*cmd), ok;
    args rest(std::vector<std::string>(a.begin() + static_cast<std::ptrdiff_t>(used), a.end()));
    try {
      if (cmd->needs_config) (void)c.cfg();
      return emit(cmd->run(c, rest));
    } catch (const stop& s) {
      return emit(s.o);
    }
  }
};

}  // namespace

int run_ctl(int argc, char** argv, std::ostream& out, std::ostream& err) {
  // A successful command is silent on stderr: the libraries' info lines (store open, backup) are
  // not for jubesctl's user; errors come back as results and are printed as one line.
  log::set_level(log::level::error);
  std::vector<std::string> args(argv + 1, argv + argc);
  cli c{out, err};
  try {
    return c.run(std::move(args));
  } catch (const std::exception& e) {
    return c.emit(failure(failed, e.what()));
  }
}

}  // namespace jubes::gateway
