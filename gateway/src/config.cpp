// SPDX-License-Identifier: EUPL-1.2
#include "gateway/config.hpp"

#include <arpa/inet.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <thread>

#include "config_table.hpp"
#include "config_text.hpp"
#include "gateway/errc.hpp"

namespace jubes::gateway {
namespace fs = std::filesystem;

namespace {
using detail::fmt_num;
using detail::kind_name;

using detail::find_key;
using detail::key_desc;
using detail::key_table;
using detail::value;

/// Thrown only inside load_config (never escapes it): the first error, already formatted.
struct refused {
  std::string message;
};

class loader {
 public:
  loader(config& c, std::string file) : cfg_(c), file_(std::move(file)) {}

  std::string at(const YAML::Mark& m) const {
    return file_ + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
  }
  [[noreturn]] void fail(const YAML::Mark& m, std::string_view key, std::string_view why) const {
    throw refused{at(m) + ": " + std::string(key) + ": " + std::string(why)};
  }

  // Applies the defaults of every key directly under `prefix` (a section path ending in "." or "[].").
  void defaults(std::string_view prefix) {
    for (const auto& k : key_table()) {
      auto p = k.info.path;
      if (p.substr(0, prefix.size()) != prefix) continue;
      auto rest = p.substr(prefix.size());
      if (rest.find('.') != std::string_view::npos || rest.find("[]") != std::string_view::npos) continue;
      if (k.info.kind == key_kind::section) {
        defaults(std::string(p) + ".");
        continue;
      }
      if (k.info.default_text.empty() && k.info.kind != key_kind::file && k.info.kind != key_kind::path &&
          k.info.kind != key_kind::string)
        continue;
      if (k.info.kind == key_kind::section_list) continue;
      YAML::Node n = YAML::Load(std::string(k.info.default_text.empty() ? "\"\"" : k.info.default_text));
      k.set(cfg_, convert(k, n, p));
    }
  }

  void section(const YAML::Node& node, std::string_view prefix) {
    if (!node.IsMap()) {
      // Name the section without its trailing "." / "[].".
      std::string_view name = prefix;
      while (!name.empty() && (name.back() == '.' || name.back() == ']' || name.back() == '[')) name.remove_suffix(1);
      fail(node.Mark(), name.empty() ? "(top level)" : name, "expected a mapping");
    }
    std::vector<std::string> seen;
    for (const auto& kv : node) {
      // Copies: yaml-cpp's iterator yields a proxy whose nodes die with it.
      const YAML::Node kn = kv.first;
      if (!kn.IsScalar()) fail(kn.Mark(), prefix, "key is not a scalar");
      std::string path = std::string(prefix) + kn.Scalar();
      for (const auto& s : seen)
        if (s == path) fail(kn.Mark(), path, "duplicate key");
      seen.push_back(path);
      const key_desc* k = find_key(path);
      if (!k) fail(kn.Mark(), path, "unknown key");
      const YAML::Node v = kv.second;
      cfg_.origins[path] = at(v.Mark());
      if (k->info.kind == key_kind::section) {
        if (v.IsNull()) continue;
        section(v, path + ".");
      } else if (k->info.kind == key_kind::section_list) {
        if (v.IsNull()) continue;
        if (!v.IsSequence()) fail(v.Mark(), path, "expected a list");
        for (const auto& item : v) {
          k->set(cfg_, value{});
          std::string item_prefix = path + "[].";
          defaults(item_prefix);
          section(item, item_prefix);
          required(item, item_prefix);
          check_item(item, path);
        }
      } else {
        k->set(cfg_, convert(*k, v, path));
      }
    }
  }

  void required(const YAML::Node& node, std::string_view prefix) {
    for (const auto& k : key_table()) {
      auto p = k.info.path;
      if (!k.info.required || p.substr(0, prefix.size()) != prefix) continue;
      auto rest = p.substr(prefix.size());
      if (rest.find('.') != std::string_view::npos) continue;
      if (!node[std::string(rest)]) fail(node.Mark(), p, "required key missing");
    }
  }

  void check_item(const YAML::Node& item, std::string_view list) {
    if (list == "parties") {
      const auto& p = cfg_.parties.back();
      auto role = item["role"].as<std::string>("");
      if (role != "source" && role != "recipient" && role != "operator")
        fail(item["role"].Mark(), "parties[].role", "must be source, recipient or operator, not '" + role + "'");
      if (p.role == party_role::source && (p.zender_applicatie.empty() || p.message_types.empty()))
        fail(item.Mark(), "parties[]", "source party '" + p.id + "' needs zender_applicatie and message_types");
      if (p.subject_cn.empty()) cfg_.parties.back().subject_cn = p.id;
      cfg_.parties.back().origin = at(item.Mark());
      for (std::size_t i = 0; i + 1 < cfg_.parties.size(); ++i)
        if (cfg_.parties[i].id == p.id) fail(item["id"].Mark(), "parties[].id", "duplicate party '" + p.id + "'");
      check_identity(item);
    }
  }

  // Two entries with one certificate identity: the lookup would silently pick one of them, which can
  // hand one entry's rights (e.g. operator) to a certificate meant for the other.
  void check_identity(const YAML::Node& item) {
    const auto& p = cfg_.parties.back();
    for (std::size_t i = 0; i + 1 < cfg_.parties.size(); ++i) {
      const auto& q = cfg_.parties[i];
      if (q.subject_cn == p.subject_cn) {
        const YAML::Node at = item["subject_cn"] ? item["subject_cn"] : item["id"];
        fail(at.Mark(), "parties[].subject_cn",
             "party '" + p.id + "' has the certificate CN '" + p.subject_cn + "' of party '" + q.id + "'");
      }
      if (!p.oin.empty() && q.oin == p.oin)
        fail(item["oin"].Mark(), "parties[].oin",
             "party '" + p.id + "' has the OIN " + p.oin + " of party '" + q.id + "'");
    }
  }

  value convert(const key_desc& k, const YAML::Node& n, std::string_view path) const {
    value v;
    switch (k.info.kind) {
      case key_kind::string:
      case key_kind::path:
      case key_kind::file:
      case key_kind::dir:
        if (n.IsNull()) return v;
        v.s = scalar(k, n, path);
        check_choice(n, path, v.s);
        return v;
      case key_kind::integer:
        v.i = to_integer(k, n, path);
        return v;
      case key_kind::number:
        v.d = to_number(k, n, path);
        return v;
      case key_kind::boolean:
        v.b = to_boolean(k, n, path);
        return v;
      case key_kind::address: {
        std::string why;
        auto ep = parse_endpoint(scalar(k, n, path), why);
        if (!ep) fail(n.Mark(), path, why);
        v.ep = *ep;
        return v;
      }
      case key_kind::string_list:
      case key_kind::file_list:
        if (n.IsNull()) return v;
        if (!n.IsSequence()) fail(n.Mark(), path, "expected " + kind_name(k.info.kind));
        for (const auto& e : n) {
          if (!e.IsScalar()) fail(e.Mark(), path, "list element is not a string");
          v.list.push_back(e.Scalar());
        }
        return v;
      case key_kind::section:
      case key_kind::section_list:
        break;
    }
    return v;
  }

 private:
  std::string scalar(const key_desc& k, const YAML::Node& n, std::string_view path) const {
    if (!n.IsScalar()) fail(n.Mark(), path, "expected " + kind_name(k.info.kind));
    return n.Scalar();
  }

  /// Keys whose value is one of a few words: anything else is refused naming them.
  void check_choice(const YAML::Node& n, std::string_view path, const std::string& s) const {
    struct choice {
      std::string_view path;
      std::vector<std::string_view> words;
    };
    static const choice kChoices[] = {
        {"log_level", {"debug", "info", "warn", "error"}},
        {"log_format", {"text", "json"}},
        {"store.verify_on_start", {"none", "structure", "full"}},
        {"store.compression", {"zstd", "none"}},
        {"store.backend", {"lmdb", "postgresql"}},
    };
    for (const auto& c : kChoices) {
      if (c.path != path) continue;
      if (std::find(c.words.begin(), c.words.end(), s) != c.words.end()) return;
      std::string list;
      for (std::size_t i = 0; i < c.words.size(); ++i)
        (list += i == 0 ? "" : i + 1 == c.words.size() ? " or " : ", ") += c.words[i];
      fail(n.Mark(), path, "must be " + list + ", not '" + s + "'");
    }
  }

  void check_range(const key_desc& k, const YAML::Node& n, std::string_view path, double x,
                   const std::string& s) const {
    if (x < k.info.min || x > k.info.max)
      fail(n.Mark(), path, "value " + s + " out of range [" + fmt_num(k.info.min) + ", " + fmt_num(k.info.max) + "]");
  }

  std::int64_t to_integer(const key_desc& k, const YAML::Node& n, std::string_view path) const {
    const std::string s = scalar(k, n, path);
    std::int64_t x = 0;
    try {
      std::size_t used = 0;
      x = std::stoll(s, &used, 10);
      if (used != s.size()) throw std::invalid_argument("trailing");
    } catch (const std::exception&) {
      fail(n.Mark(), path, "expected an integer, not '" + s + "'");
    }
    check_range(k, n, path, static_cast<double>(x), s);
    return x;
  }

  double to_number(const key_desc& k, const YAML::Node& n, std::string_view path) const {
    const std::string s = scalar(k, n, path);
    double x = 0;
    try {
      std::size_t used = 0;
      x = std::stod(s, &used);
      if (used != s.size() || !std::isfinite(x)) throw std::invalid_argument("trailing");
    } catch (const std::exception&) {
      fail(n.Mark(), path, "expected a number, not '" + s + "'");
    }
    check_range(k, n, path, x, s);
    return x;
  }

  bool to_boolean(const key_desc& k, const YAML::Node& n, std::string_view path) const {
    const std::string s = scalar(k, n, path);
    if (s == "true" || s == "yes" || s == "on") return true;
    if (s == "false" || s == "no" || s == "off") return false;
    fail(n.Mark(), path, "expected true or false, not '" + s + "'");
    return false;
  }

  config& cfg_;
  std::string file_;
};

}  // namespace

std::string endpoint::text() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

std::optional<endpoint> parse_endpoint(std::string_view s, std::string& why) {
  endpoint ep;
  std::string_view port;
  if (!s.empty() && s.front() == '[') {
    auto close = s.find(']');
    if (close == std::string_view::npos || close + 1 >= s.size() || s[close + 1] != ':') {
      why = "expected [IPV6]:PORT, not '" + std::string(s) + "'";
      return std::nullopt;
    }
    ep.host = std::string(s.substr(1, close - 1));
    port = s.substr(close + 2);
  } else {
    auto colon = s.rfind(':');
    if (colon == std::string_view::npos || colon == 0) {
      why = "expected HOST:PORT, not '" + std::string(s) + "'";
      return std::nullopt;
    }
    ep.host = std::string(s.substr(0, colon));
    port = s.substr(colon + 1);
  }
  if (port.empty() || port.size() > 6 || port.find_first_not_of("0123456789") != std::string_view::npos) {
    why = "port '" + std::string(port) + "' is not a number";
    return std::nullopt;
  }
  long p = std::stol(std::string(port));
  if (p < 0 || p > 65535) {
    why = "port " + std::string(port) + " out of range [0, 65535]";
    return std::nullopt;
  }
  ep.port = static_cast<std::uint16_t>(p);
  // The listeners bind to a numeric address: a host name would only fail later, at bind, and
  // --check-config would have called it OK.
  unsigned char raw[16];
  int family = ep.host.find(':') != std::string::npos ? AF_INET6 : AF_INET;
  if (inet_pton(family, ep.host.c_str(), raw) != 1) {
    why = "'" + ep.host + "' is not an IP address (expected ADDRESS:PORT, e.g. 127.0.0.1:9090)";
    return std::nullopt;
  }
  return ep;
}

bool endpoint::loopback() const {
  if (host.find(':') != std::string::npos) return host == "::1";
  return host.rfind("127.", 0) == 0;
}

std::string_view to_string(party_role r) {
  switch (r) {
    case party_role::source:
      return "source";
    case party_role::recipient:
      return "recipient";
    case party_role::operator_:
      return "operator";
  }
  return "?";
}

std::string config::where(std::string_view key) const {
  auto it = origins.find(key);
  if (it != origins.end()) return it->second;
  return file.string() + " (default)";
}

std::vector<key_info> config_keys() {
  std::vector<key_info> out;
  for (const auto& k : key_table()) out.push_back(k.info);
  return out;
}

namespace {

/// Applies the command-line overrides (PRODUCT.md "Operator interface"). Throws refused.
void apply_overrides(config& c, const config_overrides& ov, const fs::path& base) {
  if (ov.data_dir) {
    c.data_dir = fs::absolute(*ov.data_dir);
    c.origins["data_dir"] = "--data-dir";
  } else if (c.data_dir.is_relative()) {
    c.data_dir = base / c.data_dir;
  }
  c.data_dir = c.data_dir.lexically_normal();
  std::string why;
  if (ov.listen) {
    auto ep = parse_endpoint(*ov.listen, why);
    if (!ep) throw refused{"--listen: " + why};
    c.listen = *ep;
    c.origins["listen"] = "--listen";
  }
  if (ov.ops_listen) {
    auto ep = parse_endpoint(*ov.ops_listen, why);
    if (!ep) throw refused{"--ops-listen: " + why};
    c.ops_listen = *ep;
    c.origins["ops_listen"] = "--ops-listen";
  }
  if (ov.log_level) {
    if (*ov.log_level != "debug" && *ov.log_level != "info" && *ov.log_level != "warn" && *ov.log_level != "error")
      throw refused{"--log-level: must be debug, info, warn or error, not '" + *ov.log_level + "'"};
    c.log_level = *ov.log_level;
    c.origins["log_level"] = "--log-level";
  }
}

/// Resolves every path key and checks that the files exist, then the cross-key rules. Throws refused.
void resolve_files(config& c, const config_overrides& ov, const fs::path& base) {
  // Paths: tls.* against the PKI dir, everything else against the config file's directory.
  if (c.pki_dir.empty())
    c.pki_dir = c.data_dir / "pki";
  else if (c.pki_dir.is_relative())
    c.pki_dir = base / c.pki_dir;
  auto must_exist = [&](fs::path& p, const fs::path& rel_to, std::string_view key, bool optional) -> bool {
    if (p.empty()) {
      if (optional) return true;
      throw refused{c.where(key) + ": " + std::string(key) + ": required file not set"};
    }
    if (p.is_relative()) p = rel_to / p;
    p = p.lexically_normal();
    std::error_code ec;
    if (!fs::is_regular_file(p, ec))
      throw refused{c.where(key) + ": " + std::string(key) + ": file not found: " + p.string()};
    return true;
  };
  if (ov.require_tls_files) {
    must_exist(c.tls_ca, c.pki_dir, "tls.ca", false);
    must_exist(c.tls_cert, c.pki_dir, "tls.cert", false);
    must_exist(c.tls_key, c.pki_dir, "tls.key", false);
    must_exist(c.tls_crl, c.pki_dir, "tls.crl", true);
  } else {
    for (auto* p : {&c.tls_ca, &c.tls_cert, &c.tls_key, &c.tls_crl})
      if (!p->empty() && p->is_relative()) *p = (c.pki_dir / *p).lexically_normal();
  }
  // The KEK is read when the store opens (a missing one refused there, naming the file).
  if (!c.store.kek_file.empty() && c.store.kek_file.is_relative())
    c.store.kek_file = (c.pki_dir / c.store.kek_file).lexically_normal();
  // The dashboard is not needed to serve messages: a missing one is a warning (config_warnings), not
  // a refusal. Not set: the installed copy (JUBES_DASHBOARD_DIR, gateway/CMakeLists.txt).
  if (c.dashboard_dir.empty())
    c.dashboard_dir = JUBES_DASHBOARD_DIR;
  else if (c.dashboard_dir.is_relative())
    c.dashboard_dir = base / c.dashboard_dir;
  c.dashboard_dir = c.dashboard_dir.lexically_normal();
  must_exist(c.routes_file, base, "routes_file", false);
  must_exist(c.gemeenten_file, base, "gemeenten_file", false);
  for (auto& s : c.schemas)
    for (auto& e : s.entry_points) must_exist(e, base, "schemas[].entry_points", false);

  if (c.io_threads == 0) c.io_threads = std::max(1u, std::thread::hardware_concurrency());
  if (c.listen.port != 0 && c.listen.port == c.ops_listen.port && c.listen.host == c.ops_listen.host)
    throw refused{c.where("ops_listen") + ": ops_listen: same address as listen"};
  if (c.limits.reserved_party_connections >= c.limits.max_connections)
    throw refused{c.where("limits.reserved_party_connections") +
                  ": limits.reserved_party_connections: must be less than limits.max_connections (" +
                  std::to_string(c.limits.max_connections) + ")"};
  if (c.limits.burst_per_party < 1) throw refused{c.where("limits.burst_per_party") + ": must be >= 1"};
  if (c.store.backend == "postgresql" && c.store.postgresql_conninfo.empty())
    throw refused{c.where("store.backend") +
                  ": store.postgresql.conninfo: required with store.backend: postgresql (a libpq connection string)"};
}

}  // namespace

jubes::result<config> load_config(const fs::path& file, const config_overrides& ov) {
  config c;
  std::error_code fec;
  c.file = fs::absolute(file, fec);
  std::string fname = file.string();
  loader l(c, fname);
  try {
    if (!fs::is_regular_file(file, fec))
      return jubes::fail(errc::config_invalid, fname + ": cannot read configuration file");
    l.defaults("");
    YAML::Node root;
    try {
      root = YAML::LoadFile(fname);
    } catch (const YAML::ParserException& e) {
      return jubes::fail(errc::config_invalid, l.at(e.mark) + ": (syntax): " + e.msg);
    } catch (const YAML::BadFile&) {
      return jubes::fail(errc::config_invalid, fname + ": cannot read configuration file");
    }
    if (!root.IsNull()) l.section(root, "");

    const fs::path base = c.file.parent_path();
    apply_overrides(c, ov, base);
    resolve_files(c, ov, base);
  } catch (const refused& r) {
    return jubes::fail(errc::config_invalid, r.message);
  } catch (const YAML::Exception& e) {
    return jubes::fail(errc::config_invalid, l.at(e.mark) + ": " + e.msg);
  } catch (const std::exception& e) {
    return jubes::fail(errc::config_invalid, fname + ": " + e.what());
  }
  return c;
}

namespace detail {

std::string kind_name(key_kind k) {
  switch (k) {
    case key_kind::section:
      return "section";
    case key_kind::section_list:
      return "list of sections";
    case key_kind::string:
      return "string";
    case key_kind::integer:
      return "integer";
    case key_kind::number:
      return "number";
    case key_kind::boolean:
      return "boolean";
    case key_kind::address:
      return "HOST:PORT";
    case key_kind::path:
      return "path";
    case key_kind::file:
      return "file";
    case key_kind::dir:
      return "directory";
    case key_kind::string_list:
      return "list of strings";
    case key_kind::file_list:
      return "list of files";
  }
  return "?";
}

std::string fmt_num(double d) {
  if (std::floor(d) == d && std::fabs(d) < 1e18) return std::to_string(static_cast<std::int64_t>(d));
  std::ostringstream o;
  o << d;
  return o.str();
}

}  // namespace detail

}  // namespace jubes::gateway
