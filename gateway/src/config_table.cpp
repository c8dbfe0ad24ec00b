// SPDX-License-Identifier: EUPL-1.2
#include "config_table.hpp"

namespace jubes::gateway::detail {

namespace {
party_config& party(config& c) {
  return c.parties.back();
}
schema_set_config& schema(config& c) {
  return c.schemas.back();
}

constexpr double kMaxU32 = 4294967295.0;

}  // namespace

// The table: every key, its default, range and meaning, defined once. Defaults are YAML scalars
// parsed exactly as if they had been written in the file.
const std::vector<key_desc>& key_table() {
  using k = key_kind;
  static const std::vector<key_desc> t = {
      {{"listen", k::address, "0.0.0.0:8443", false, 0, 0,
        "The mutual-TLS API listener, HOST:PORT (port 0: any free port). Overridden by `--listen`."},
       [](config& c, const value& v) { c.listen = v.ep; }},
      {{"ops_listen", k::address, "127.0.0.1:9090", false, 0, 0,
        "The plain-HTTP ops listener (/healthz, /readyz, /metrics, /dashboard). Keep it on loopback: it "
        "has no authentication. Overridden by `--ops-listen`."},
       [](config& c, const value& v) { c.ops_listen = v.ep; }},
      {{"dashboard_dir", k::dir, "", false, 0, 0,
        "Directory of the dashboard's files (`index.html`, `app.js`, `style.css`, "
        "`node_modules/uplot/dist/`), served on the ops listener under /dashboard. Relative to the config "
        "file's directory. Empty: the installed copy, `<prefix>/share/jubes/dashboard` of the install prefix "
        "the binary was built for. When it holds no `index.html`, the gateway still starts, with a warning, "
        "and /dashboard answers 404."},
       [](config& c, const value& v) { c.dashboard_dir = v.s; }},
      {{"data_dir", k::path, "../data", false, 0, 0,
        "Directory of the store (`<data_dir>/store`, LMDB files) and, by default, of the PKI (`<data_dir>/pki`). "
        "Relative to the config file's "
        "directory; `--data-dir` (relative to the current directory) overrides it. Created if absent."},
       [](config& c, const value& v) { c.data_dir = v.s; }},
      {{"io_threads", k::integer, "0", false, 0, 256, "IO threads serving both listeners; 0 means one per core."},
       [](config& c, const value& v) { c.io_threads = static_cast<std::uint32_t>(v.i); }},
      {{"log_level", k::string, "info", false, 0, 0,
        "Lowest log level written: debug, info, warn or error. Overridden by `--log-level`; SIGUSR2 toggles "
        "debug on and back to this level."},
       [](config& c, const value& v) { c.log_level = v.s; }},
      {{"log_format", k::string, "text", false, 0, 0,
        "Format of every log line on stderr: `text` (`TIME LEVEL component event key=value ...`) or `json` "
        "(one JSON object per line: `time`, `level`, `component`, `event`, then the fields)."},
       [](config& c, const value& v) { c.log_format = v.s; }},
      {{"access_log", k::boolean, "false", false, 0, 0,
        "Also write a request-log line (event `request`) for every accepted API request: party, method, path, "
        "status, referentienummer, bytes, duration. Rejected requests always get one (`request_rejected`)."},
       [](config& c, const value& v) { c.access_log = v.b; }},
      {{"drain_timeout_ms", k::integer, "10000", false, 100, 600000,
        "On SIGTERM/SIGINT: how long in-flight requests may take before the process exits anyway."},
       [](config& c, const value& v) { c.drain_timeout_ms = static_cast<std::uint32_t>(v.i); }},

      {{"tls", k::section, "", false, 0, 0,
        "TLS files of the API listener. TLS 1.2 and 1.3 only; client certificates "
        "are required and verified against `tls.ca`."},
       nullptr},
      {{"tls.pki_dir", k::path, "", false, 0, 0,
        "Directory the tls.* files are relative to. Empty: `<data_dir>/pki` (where `scripts/dev-pki` puts them)."},
       [](config& c, const value& v) { c.pki_dir = v.s; }},
      {{"tls.ca", k::file, "ca.crt", false, 0, 0, "CA certificate(s) (PEM) that client certificates must chain to."},
       [](config& c, const value& v) { c.tls_ca = v.s; }},
      {{"tls.cert", k::file, "server.crt", false, 0, 0, "The server certificate chain (PEM)."},
       [](config& c, const value& v) { c.tls_cert = v.s; }},
      {{"tls.key", k::file, "server.key", false, 0, 0, "The server private key (PEM)."},
       [](config& c, const value& v) { c.tls_key = v.s; }},
      {{"tls.crl", k::file, "", false, 0, 0,
        "Optional CRL file (PEM); when set, revoked client certificates are refused."},
       [](config& c, const value& v) { c.tls_crl = v.s; }},

      {{"limits", k::section, "", false, 0, 0, "Limits that keep memory and threads bounded under any load."}, nullptr},
      {{"limits.max_body_bytes", k::integer, "10485760", false, 1024, 1073741824,
        "Largest request body; larger gets 413. Must hold the biggest re-integration plan (8 MiB base64)."},
       [](config& c, const value& v) { c.limits.max_body_bytes = static_cast<std::uint64_t>(v.i); }},
      {{"limits.max_header_bytes", k::integer, "16384", false, 1024, 1048576,
        "Largest request header block; larger gets 431."},
       [](config& c, const value& v) { c.limits.max_header_bytes = static_cast<std::uint32_t>(v.i); }},
      {{"limits.handshake_timeout_ms", k::integer, "3000", false, 100, 600000,
        "Time allowed for a TLS handshake. Short: until it completes, the connection is unauthenticated."},
       [](config& c, const value& v) { c.limits.handshake_timeout_ms = static_cast<std::uint32_t>(v.i); }},
      {{"limits.read_timeout_ms", k::integer, "10000", false, 100, 600000,
        "Time allowed to read one whole request once it has started; a client trickling bytes is cut off."},
       [](config& c, const value& v) { c.limits.read_timeout_ms = static_cast<std::uint32_t>(v.i); }},
      {{"limits.write_timeout_ms", k::integer, "10000", false, 100, 600000,
        "Progress timeout of a reply: the connection is cut when fewer than `limits.write_progress_bytes` of "
        "it were written in this long (a slow but live client fetches a 10 MiB message; a stalled one is cut)."},
       [](config& c, const value& v) { c.limits.write_timeout_ms = static_cast<std::uint32_t>(v.i); }},
      {{"limits.write_progress_bytes", k::integer, "65536", false, 1024, 16777216,
        "A reply is written in pieces of at most this many bytes, each within `limits.write_timeout_ms`; a reply "
        "larger than one piece is sent with chunked transfer encoding as it is produced."},
       [](config& c, const value& v) { c.limits.write_progress_bytes = static_cast<std::uint32_t>(v.i); }},
      {{"limits.idle_timeout_ms", k::integer, "30000", false, 100, 3600000,
        "A keep-alive connection with no request for this long is closed."},
       [](config& c, const value& v) { c.limits.idle_timeout_ms = static_cast<std::uint32_t>(v.i); }},
      {{"limits.max_connections", k::integer, "4096", false, 1, 1000000,
        "Open API connections in total; more are closed right after accept."},
       [](config& c, const value& v) { c.limits.max_connections = static_cast<std::uint32_t>(v.i); }},
      {{"limits.max_connections_per_party", k::integer, "256", false, 1, 1000000,
        "Open API connections per party; more are answered 503 and closed."},
       [](config& c, const value& v) { c.limits.max_connections_per_party = static_cast<std::uint32_t>(v.i); }},
      {{"limits.max_preauth_connections", k::integer, "1024", false, 1, 1000000,
        "API connections that have not completed a TLS handshake with a valid client certificate, in total "
        "(and never more than `max_connections` - `reserved_party_connections`). A new one beyond this closes "
        "the oldest, so idle sockets cannot lock parties out."},
       [](config& c, const value& v) { c.limits.max_preauth_connections = static_cast<std::uint32_t>(v.i); }},
      {{"limits.max_preauth_per_address", k::integer, "64", false, 1, 1000000,
        "Unauthenticated API connections per source IP address; a new one beyond this closes the oldest of "
        "that address."},
       [](config& c, const value& v) { c.limits.max_preauth_per_address = static_cast<std::uint32_t>(v.i); }},
      {{"limits.reserved_party_connections", k::integer, "256", false, 0, 1000000,
        "Of `max_connections`, this many are never used by unauthenticated connections: they stay free for "
        "parties. Must be less than `max_connections`."},
       [](config& c, const value& v) { c.limits.reserved_party_connections = static_cast<std::uint32_t>(v.i); }},
      {{"limits.rate_per_party", k::number, "50000", false, 0.001, 1e9,
        "Token-bucket refill rate per party, requests per second; over it gets 429 with Retry-After."},
       [](config& c, const value& v) { c.limits.rate_per_party = v.d; }},
      {{"limits.burst_per_party", k::integer, "100000", false, 1, kMaxU32, "Token-bucket size per party."},
       [](config& c, const value& v) { c.limits.burst_per_party = static_cast<std::uint32_t>(v.i); }},
      {{"limits.long_poll_max_wait_s", k::integer, "30", false, 0, 3600,
        "Upper bound of `wait` on GET /v1/outbox; larger values are clamped."},
       [](config& c, const value& v) { c.limits.long_poll_max_wait_s = static_cast<std::uint32_t>(v.i); }},
      {{"limits.max_batch", k::integer, "1000", false, 1, 100000, "Upper bound of `max` on GET /v1/outbox."},
       [](config& c, const value& v) { c.limits.max_batch = static_cast<std::uint32_t>(v.i); }},
      {{"limits.max_batch_bytes", k::integer, "4194304", false, 1024, 1073741824,
        "Most bytes of message bodies in one GET /v1/outbox batch (besides `limits.max_batch` entries). The "
        "first entry is always delivered, however large, so no message is stuck behind the cap; the reply's "
        "`X-Jubes-More: true` says that more entries are waiting."},
       [](config& c, const value& v) { c.limits.max_batch_bytes = static_cast<std::uint64_t>(v.i); }},
      {{"limits.validation_threads", k::integer, "1", false, 0, 256,
        "Threads that validate bodies of at least `limits.offload_body_bytes`, so that a large body does not "
        "hold up small requests on the IO threads. 0: every body is validated on its IO thread."},
       [](config& c, const value& v) { c.limits.validation_threads = static_cast<std::uint32_t>(v.i); }},
      {{"limits.offload_body_bytes", k::integer, "262144", false, 1024, 1073741824,
        "Bodies of at least this size are validated on the validation threads (see `limits.validation_threads`)."},
       [](config& c, const value& v) { c.limits.offload_body_bytes = static_cast<std::uint64_t>(v.i); }},

      {{"store", k::section, "", false, 0, 0, "The message store and its writer thread."}, nullptr},
      {{"store.backend", k::string, "lmdb", false, 0, 0,
        "Where messages are stored: `lmdb` (embedded, in `<data_dir>/store`; one gateway node) or `postgresql` "
        "(a PostgreSQL database that several gateway nodes may share, `store.postgresql.conninfo`; create its "
        "schema with `jubesctl db migrate`). See docs/storage.md."},
       [](config& c, const value& v) { c.store.backend = v.s; }},
      {{"store.postgresql", k::section, "", false, 0, 0, "The PostgreSQL backend (`store.backend: postgresql`)."},
       nullptr},
      {{"store.postgresql.conninfo", k::string, "", false, 0, 0,
        "libpq connection string, e.g. `host=db1,db2,db3 dbname=jubes user=jubes target_session_attrs=read-write` "
        "(several hosts: the first that accepts writes) or a `postgresql://` URI. Required with `store.backend: "
        "postgresql`. Keep passwords out of it: use ~/.pgpass or PGPASSFILE."},
       [](config& c, const value& v) { c.store.postgresql_conninfo = v.s; }},
      {{"store.map_size_bytes", k::integer, "17179869184", false, 1048576, 1099511627776.0,
        "LMDB map size: the most the store may hold; when full, ingest gets 507. (`lmdb` backend only.)"},
       [](config& c, const value& v) { c.store.map_size_bytes = static_cast<std::uint64_t>(v.i); }},
      {{"store.queue_capacity", k::integer, "8192", false, 1, 1000000,
        "Requests waiting for the writer; when full, ingest gets 503 with Retry-After."},
       [](config& c, const value& v) { c.store.queue_capacity = static_cast<std::uint32_t>(v.i); }},
      {{"store.max_group", k::integer, "512", false, 1, 100000,
        "Most requests committed in one group commit (one transaction). The `postgresql` backend uses at most "
        "100 of them per transaction."},
       [](config& c, const value& v) { c.store.max_group = static_cast<std::uint32_t>(v.i); }},
      {{"store.ready_max_used_percent", k::integer, "95", false, 1, 100,
        "/readyz answers 503 (not ready) once the store uses this percentage of `store.map_size_bytes`, so "
        "that a load balancer sends traffic elsewhere before ingest gets 507."},
       [](config& c, const value& v) { c.store.ready_max_used_percent = static_cast<std::uint32_t>(v.i); }},
      {{"store.verify_on_start", k::string, "structure", false, 0, 0,
        "How much of the store a forked child verifies before jubesd mounts it: `structure` walks every page "
        "LMDB can reach, so a store with garbage pages is refused with an error instead of crashing the process "
        "(0.3-2 s for 100,000 messages, 290 MB, in the page cache; a cold start reads the whole file once); `full` "
        "also checks every record and body hash (4-9 s for the same store); `none` trusts the file. "
        "docs/storage.md, \"Verification at start, measured\"."},
       [](config& c, const value& v) { c.store.verify_on_start = v.s; }},
      {{"store.compression", k::string, "zstd", false, 0, 0,
        "Compression of message bodies at rest, before they are encrypted: `zstd` (each group's bodies together) or "
        "`none`. Stores written with another setting stay readable. docs/storage.md, \"Bodies at rest\"."},
       [](config& c, const value& v) { c.store.compression = v.s; }},
      {{"store.encryption", k::section, "", false, 0, 0,
        "Encryption of message bodies at rest (AES-256-GCM under data keys wrapped by a key-encryption key, KEK). "
        "Neither key set: bodies are stored unencrypted, and a store holding encrypted bodies is refused. "
        "`jubesctl keys rotate` adds a data key. Both backends; on PostgreSQL every node needs the same KEK (the "
        "data keys are in the database's `data_keys` table)."},
       nullptr},
      {{"store.encryption.kek_file", k::path, "", false, 0, 0,
        "File holding the 32-byte KEK (raw, or 64 hex digits), mode 0600 or stricter; relative to `tls.pki_dir`. "
        "`scripts/dev-pki` makes `kek` for development. In production keep it off the data's disk and backups "
        "(e.g. a systemd credential, below). Missing, unreadable or wrong: jubesd refuses to start, naming it."},
       [](config& c, const value& v) { c.store.kek_file = v.s; }},
      {{"store.encryption.kek_credential", k::string, "", false, 0, 0,
        "Name of a systemd credential holding the KEK (`LoadCredential=NAME:/path` or `LoadCredentialEncrypted=` in "
        "the unit): read from `$CREDENTIALS_DIRECTORY/NAME`. Takes precedence over `kek_file`."},
       [](config& c, const value& v) { c.store.kek_credential = v.s; }},
      {{"store.durable", k::boolean, "true", false, 0, 0,
        "fsync each group commit. Only tests may turn this off: a receipt then no longer means durable."},
       [](config& c, const value& v) { c.store.durable = v.b; }},

      {{"retention", k::section, "", false, 0, 0, "How long data is kept (privacy law); `jubesctl purge` applies it."},
       nullptr},
      {{"retention.bodies_days", k::number, "180", false, 0.0001, 36500,
        "Message bodies are purged after this many days (fractions allowed: 0.0001 is 8.6 s, for tests such as "
        "scripts/soak)."},
       [](config& c, const value& v) { c.retention.bodies_days = v.d; }},
      {{"retention.dedup_extra_days", k::number, "30", false, 0, 36500,
        "Dedup records outlive their bodies by this many days, so late retries are still absorbed."},
       [](config& c, const value& v) { c.retention.dedup_extra_days = v.d; }},
      {{"retention.audit_days", k::number, "2555", false, 0.0001, 36500,
        "The audit trail (sent, received, read, forwarded) is kept this many days."},
       [](config& c, const value& v) { c.retention.audit_days = v.d; }},
      {{"retention.read_audit_window_s", k::integer, "3600", false, 0, 2592000,
        "Repeated `GET /v1/messages/{id}` of one message by one party are recorded in the audit trail once per "
        "this many seconds (the first read of each window), so re-reads cannot grow the trail without bound; 0 "
        "records every read."},
       [](config& c, const value& v) { c.retention.read_audit_window_s = static_cast<std::uint32_t>(v.i); }},
      {{"retention.audit_checkpoint_interval_s", k::integer, "3600", false, 0, 2592000,
        "Every this many seconds, when the audit trail grew, jubesd appends a `checkpoint` record naming the "
        "chain's head (seq and hash) and logs it as `audit_checkpoint`, so that shipped logs keep the head "
        "elsewhere (`jubesctl audit verify --from-checkpoint`); 0 disables it. docs/operations.md, \"Audit "
        "trail\"."},
       [](config& c, const value& v) { c.retention.audit_checkpoint_interval_s = static_cast<std::uint32_t>(v.i); }},
      {{"retention.interval_s", k::integer, "60", false, 1, 86400,
        "How often the background retention pass runs (it purges in small batches between ingest groups)."},
       [](config& c, const value& v) { c.retention.interval_s = static_cast<std::uint32_t>(v.i); }},

      {{"plausibility", k::section, "", false, 0, 0,
        "Plausibility of a notice's dates at ingest: an implausible notice is refused (400 StUF055 naming the "
        "field) and not stored. docs/MESSAGES.md, \"Plausibility\"."},
       nullptr},
      {{"plausibility.event_max_past_days", k::integer, "1826", false, 0, 36500,
        "The event date (`gebeurtenisdatum`) may lie at most this many days before today (Europe/Amsterdam): "
        "five years by default, for late notices and corrections of old ones."},
       [](config& c, const value& v) { c.plausibility.event_max_past_days = static_cast<std::uint32_t>(v.i); }},
      {{"plausibility.event_max_future_days", k::integer, "366", false, 0, 36500,
        "The event date may lie at most this many days after today: a planned release or leave is announced "
        "ahead."},
       [](config& c, const value& v) { c.plausibility.event_max_future_days = static_cast<std::uint32_t>(v.i); }},

      {{"routes_file", k::file, "routes.yaml", false, 0, 0,
        "The routing rules file, compiled at start and on SIGHUP / `jubesctl routes reload`, with the "
        "municipality table and the split municipalities file it names (`splits:`)."},
       [](config& c, const value& v) { c.routes_file = v.s; }},
      {{"gemeenten_file", k::file, "gemeenten.csv", false, 0, 0,
        "The municipality table (RvIG tabel 33): codes that exist and what merged codes became. Re-read with "
        "the routes (SIGHUP, `jubesctl routes reload`); a malformed table refuses the reload (file:line) and "
        "the table in service keeps serving."},
       [](config& c, const value& v) { c.gemeenten_file = v.s; }},

      {{"schemas", k::section_list, "", false, 0, 0,
        "The schema catalog: each set's XSD entry points are loaded into the grammar pool at start. A "
        "document whose root element no loaded schema declares is invalid."},
       [](config& c, const value&) { c.schemas.emplace_back(); }},
      {{"schemas[].name", k::string, "", true, 0, 0, "Name of the schema set, used in logs."},
       [](config& c, const value& v) { schema(c).name = v.s; }},
      {{"schemas[].entry_points", k::file_list, "", true, 0, 0, "XSD files of the set (relative to the config file)."},
       [](config& c, const value& v) { schema(c).entry_points.assign(v.list.begin(), v.list.end()); }},
      {{"schemas[].namespace", k::string, "\"*\"", false, 0, 0,
        "Target namespace of the root elements this set accepts; `*` accepts any."},
       [](config& c, const value& v) { schema(c).root_namespace = v.s; }},
      {{"schemas[].roots", k::string_list, "[\"*\"]", false, 0, 0,
        "Root element local names this set accepts; `*` accepts any global element its schemas declare."},
       [](config& c, const value& v) { schema(c).roots = v.list; }},
      {{"schemas[].handle_multiple_imports", k::boolean, "true", false, 0, 0,
        "xerces handle-multiple-imports; real StUF bundles need it."},
       [](config& c, const value& v) { schema(c).handle_multiple_imports = v.b; }},

      {{"municipalities_by_cn", k::boolean, "true", false, 0, 0,
        "Any client certificate with subject CN `gemeente:NNNN/BOX` (NNNN in the municipality table, BOX one of "
        "`municipal_boxes`) is the recipient party of that name, without a `parties` entry. 342 "
        "municipalities take part in BIJ."},
       [](config& c, const value& v) { c.municipalities_by_cn = v.b; }},
      {{"municipal_boxes", k::string_list, "[bij, reintegratie]", false, 0, 0,
        "The purpose-bound mailboxes of every municipality: `bij` for the officials mandated by the mayor (BIJ "
        "and 18b notices), `reintegratie` for aftercare staff (18a notices). A municipal certificate names one "
        "box (CN `gemeente:NNNN/BOX`, one certificate per box) and sees only that box; a CN without a box, or "
        "with another, names no party. The routes file must name one of these boxes for every municipal "
        "recipient. Empty: municipalities have no boxes (CN `gemeente:NNNN`)."},
       [](config& c, const value& v) { c.municipal_boxes = v.list; }},
      {{"parties", k::section_list, "", false, 0, 0,
        "The parties: which certificate names which party, and what it may do. A certificate that names no "
        "party gets 403 on every request."},
       [](config& c, const value&) { c.parties.emplace_back(); }},
      {{"parties[].id", k::string, "", true, 0, 0, "Party id, e.g. `tulp-gw`, `rvdk`, `gemeente:0363`, `operator`."},
       [](config& c, const value& v) { party(c).id = v.s; }},
      {{"parties[].role", k::string, "", true, 0, 0,
        "`source` (may POST messages), `recipient` (polls its outbox) or `operator` (admin API)."},
       [](config& c, const value& v) {
         party(c).role = v.s == "source"     ? party_role::source
                         : v.s == "operator" ? party_role::operator_
                                             : party_role::recipient;
       }},
      {{"parties[].subject_cn", k::string, "", false, 0, 0,
        "Certificate subject CN that names this party. Empty: the party id."},
       [](config& c, const value& v) { party(c).subject_cn = v.s; }},
      {{"parties[].oin", k::string, "", false, 0, 0,
        "PKIoverheid OIN (20 digits) in the certificate's subject serialNumber that names this party. "
        "Checked before the CN: a PKIoverheid certificate names the organisation by OIN, not by CN."},
       [](config& c, const value& v) { party(c).oin = v.s; }},
      {{"parties[].zender_organisatie", k::string, "", false, 0, 0,
        "Sources: the stuurgegevens/zender/organisatie every message of this party must carry."},
       [](config& c, const value& v) { party(c).zender_organisatie = v.s; }},
      {{"parties[].zender_applicatie", k::string, "", false, 0, 0,
        "Sources: the stuurgegevens/zender/applicatie every message of this party must carry."},
       [](config& c, const value& v) { party(c).zender_applicatie = v.s; }},
      {{"parties[].message_types", k::string_list, "", false, 0, 0,
        "Sources: message types (root element local names) the party may send; others get 403."},
       [](config& c, const value& v) { party(c).message_types = v.list; }},
  };
  return t;
}

const key_desc* find_key(std::string_view path) {
  for (const auto& k : key_table())
    if (k.info.path == path) return &k;
  return nullptr;
}

}  // namespace jubes::gateway::detail
