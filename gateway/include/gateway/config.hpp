// SPDX-License-Identifier: EUPL-1.2
#pragma once
// The gateway configuration: a YAML file (conf/jubes.yaml) read once at start with yaml-cpp.
//
// Every key is described ONCE, in the table returned by config_keys() (config.cpp): its path, type,
// default, range and meaning. Loading applies the table's defaults, then the file, then the
// command-line overrides, then checks files and cross-references. docs/configuration.md is generated
// from the same table (`jubesd --print-config-doc`); a test keeps the two in sync.
//
// Relative paths in the file resolve against the directory of the config file. `--data-dir` on the
// command line resolves against the current directory. tls.* files resolve against tls.pki_dir,
// which defaults to <data_dir>/pki.
//
// Lifecycle: a `config` is a plain value, built by load_config() at start and on nothing else;
// after start it is only read (any thread).
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace jubes::gateway {

/// host:port of a listener. Port 0 means "any free port" (tests); the bound port is logged.
struct endpoint {
  std::string host;
  std::uint16_t port = 0;
  /// @return "host:port", with brackets around an IPv6 host.
  std::string text() const;
  /// @return true for 127.0.0.0/8 and ::1
  bool loopback() const;
};

/// Parses "ADDRESS:PORT" or "[V6]:PORT" (a numeric address, not a host name). @return nullopt with
/// `why` set on error.
std::optional<endpoint> parse_endpoint(std::string_view s, std::string& why);

enum class party_role { source, recipient, operator_ };
std::string_view to_string(party_role r);

/// One party: who may connect with which certificate and do what.
struct party_config {
  std::string id;          // e.g. "tulp-gw", "gemeente:0363", "operator"
  std::string subject_cn;  // certificate subject CN naming this party (default: id)
  std::string oin;         // PKIoverheid OIN (subject serialNumber), optional
  party_role role = party_role::recipient;
  std::string zender_organisatie;  // sources: the zender the message must carry
  std::string zender_applicatie;
  std::vector<std::string> message_types;  // sources: allowed root element local names
  std::string origin;                      // "file:line:col" of the entry, for errors after load
};

/// One schema set of the catalog: the XSD entry points loaded into the grammar pool.
struct schema_set_config {
  std::string name;
  std::vector<std::filesystem::path> entry_points;  // absolute after load
  std::string root_namespace;                       // "*": any
  std::vector<std::string> roots;                   // root local names; "*": any the schemas declare
  bool handle_multiple_imports = true;
};

struct limits_config {
  std::uint64_t max_body_bytes = 0;
  std::uint32_t max_header_bytes = 0;
  std::uint32_t handshake_timeout_ms = 0;
  std::uint32_t read_timeout_ms = 0;
  std::uint32_t write_timeout_ms = 0;
  std::uint32_t idle_timeout_ms = 0;
  std::uint32_t max_connections = 0;
  std::uint32_t max_connections_per_party = 0;
  std::uint32_t max_preauth_connections = 0;     // before a valid client certificate; oldest evicted
  std::uint32_t max_preauth_per_address = 0;     // the same, per source IP address
  std::uint32_t reserved_party_connections = 0;  // of max_connections, never used before authentication
  double rate_per_party = 0;                     // tokens per second
  std::uint32_t burst_per_party = 0;
  std::uint32_t long_poll_max_wait_s = 0;
  std::uint32_t max_batch = 0;
  std::uint64_t max_batch_bytes = 0;       // bodies in one poll batch (the first entry always goes)
  std::uint32_t write_progress_bytes = 0;  // a reply is written in pieces of this size, each within write_timeout_ms
  std::uint32_t validation_threads = 0;    // the pool that validates large bodies off the IO threads
  std::uint64_t offload_body_bytes = 0;    // bodies from this size on are validated on that pool
};

struct store_config {
  std::string backend = "lmdb";     // "lmdb" (embedded, <data_dir>/store) or "postgresql"
  std::string postgresql_conninfo;  // libpq connection string (backend postgresql)
  std::uint64_t map_size_bytes = 0;
  std::uint32_t queue_capacity = 0;
  std::uint32_t max_group = 0;
  bool durable = true;
  std::uint32_t ready_max_used_percent = 0;   // /readyz is 503 from this percentage of map_size_bytes
  std::string verify_on_start = "structure";  // none, structure or full (storage::open_check)
  std::string compression = "zstd";           // zstd or none (bodies at rest)
  std::filesystem::path kek_file;             // KEK file, resolved against pki_dir
  std::string kek_credential;                 // systemd credential name ($CREDENTIALS_DIRECTORY/NAME)
};

struct retention_config {
  double bodies_days = 0;  // fractions of a day allowed (scripts/soak runs retention in seconds)
  double dedup_extra_days = 0;
  double audit_days = 0;
  std::uint32_t read_audit_window_s = 3600;  // repeated reads of a message by one party: one audit record per window
  std::uint32_t interval_s = 0;              // how often the background purge runs
  std::uint32_t audit_checkpoint_interval_s = 3600;  // periodic audit chain checkpoints; 0: none
};

/// Plausibility of a notice's dates at ingest (routing/plausibility.hpp, docs/MESSAGES.md).
struct plausibility_config {
  std::uint32_t event_max_past_days = 1826;   // gebeurtenisdatum at most this many days before today
  std::uint32_t event_max_future_days = 366;  // ... and at most this many days after today
};

struct config {
  std::filesystem::path file;  // the config file itself (absolute)
  endpoint listen;
  endpoint ops_listen;
  std::filesystem::path data_dir;
  std::filesystem::path pki_dir;
  std::filesystem::path tls_ca, tls_cert, tls_key, tls_crl;  // tls_crl empty: none
  std::uint32_t io_threads = 0;                              // resolved: never 0 after load
  limits_config limits;
  store_config store;
  retention_config retention;
  plausibility_config plausibility;
  std::vector<party_config> parties;
  bool municipalities_by_cn = false;  // any CN gemeente:NNNN/BOX is a recipient party
  /// The mailboxes of every municipality (issue 13): a certificate names one (CN gemeente:NNNN/BOX), the routes
  /// name them. Empty: municipalities have no boxes (CN gemeente:NNNN).
  std::vector<std::string> municipal_boxes{"bij", "reintegratie"};
  std::vector<schema_set_config> schemas;
  std::filesystem::path routes_file;
  std::filesystem::path gemeenten_file;
  std::filesystem::path dashboard_dir;  // absolute after load; the installed assets when not set
  std::string log_level;                // debug, info, warn, error
  std::string log_format;               // text, json
  bool access_log = false;              // a request-log line per accepted API request too
  std::uint32_t drain_timeout_ms = 0;

  /// Where each key was set: "file:line:col", for error messages after load (e.g. a bad route file).
  std::map<std::string, std::string, std::less<>> origins;
  /// @return origin of `key` or "<file> (default)".
  std::string where(std::string_view key) const;
};

/// Command-line overrides (PRODUCT.md "Operator interface").
struct config_overrides {
  std::optional<std::string> data_dir;
  std::optional<std::string> listen;
  std::optional<std::string> ops_listen;
  std::optional<std::string> log_level;  ///< --log-level: debug, info, warn or error
  /// jubesctl sets false: it serves no TLS, and only its admin calls need the CA (checked when used).
  bool require_tls_files = true;
};

/// Loads, defaults, overrides and checks the configuration. Never throws.
/// @param file the YAML file
/// @param ov command-line overrides
/// @return the config, or the first error found: errc::config_invalid (gateway/errc.hpp) with the
///         detail "file:line:col: key.path: reason"
jubes::result<config> load_config(const std::filesystem::path& file, const config_overrides& ov = {});

/// Everything start would refuse, without starting: loads the municipality table and the schemas,
/// compiles the routes file (and the lists it names) exactly as start does, and checks every
/// `gemeente:NNNN` party against the municipality table. `jubesd --check-config` and start both call it.
/// @return errc::config_invalid (or the library's error) with "file:line:col: key: cause"
jubes::result<void> check_config(const config& cfg);

/// Settings that work but that an operator should know about at start ("store.durable: false ...").
/// @return one line per warning, each naming the file position and the key
std::vector<std::string> config_warnings(const config& cfg);

/// The type of a configuration key, for the descriptor table.
enum class key_kind {
  section,
  section_list,
  string,
  integer,
  number,
  boolean,
  address,
  path,
  file,
  dir,
  string_list,
  file_list
};

/// One row of the key table. Paths use "." between sections and "[]." into list items.
struct key_info {
  std::string_view path;
  key_kind kind;
  std::string_view default_text;  // empty: no default (optional unless `required`)
  bool required;
  double min, max;  // integer/number range
  std::string_view doc;
};

/// @return every configuration key, in documentation order.
std::vector<key_info> config_keys();

/// @return docs/configuration.md, generated from config_keys().
std::string config_doc_markdown();

}  // namespace jubes::gateway
