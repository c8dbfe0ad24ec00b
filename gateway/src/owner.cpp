// SPDX-License-Identifier: EUPL-1.2
#include "owner.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "gateway/errc.hpp"

namespace jubes::gateway::detail {
namespace fs = std::filesystem;
namespace json = boost::json;

json::object to_json(const owner_record& r) {
  return json::object{{"pid", r.pid},           {"api", r.api},         {"ops", r.ops},
                      {"data_dir", r.data_dir}, {"backend", r.backend}, {"started", r.started}};
}

jubes::result<owner_record> owner_from_json(const json::value& v) {
  const auto* o = v.if_object();
  auto str = [&](const char* k) -> const json::string* { return o && o->contains(k) ? o->at(k).if_string() : nullptr; };
  const auto* pid = o && o->contains("pid") ? o->at("pid").if_int64() : nullptr;
  if (!pid || !str("api") || !str("data_dir") || !str("backend"))
    return jubes::fail(errc::bad_request, "owner record without pid, api, data_dir or backend");
  owner_record r;
  r.pid = static_cast<long>(*pid);
  r.api = std::string(*str("api"));
  r.data_dir = std::string(*str("data_dir"));
  r.backend = std::string(*str("backend"));
  if (str("ops")) r.ops = std::string(*str("ops"));
  if (str("started")) r.started = std::string(*str("started"));
  return r;
}

std::string canonical_dir(const fs::path& p) {
  std::error_code ec;
  auto c = fs::weakly_canonical(fs::absolute(p, ec), ec);
  return ec ? p.lexically_normal().string() : c.string();
}

jubes::result<void> write_owner(const fs::path& data_dir, const owner_record& r) {
  const auto file = data_dir / owner_file_name;
  const auto tmp = data_dir / (std::string(owner_file_name) + ".tmp");
  const std::string text = json::serialize(to_json(r)) + "\n";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  bool ok = fd >= 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  if (fd >= 0) ::close(fd);
  if (!ok || ::rename(tmp.c_str(), file.c_str()) != 0)
    return jubes::fail(errc::config_invalid, "cannot write " + file.string() + ": " + std::strerror(errno));
  return {};
}

void remove_owner(const fs::path& data_dir) {
  auto r = read_owner(data_dir);
  if (r && *r && (*r)->pid == static_cast<long>(::getpid())) {
    std::error_code ec;
    fs::remove(data_dir / owner_file_name, ec);
  }
}

jubes::result<std::optional<owner_record>> read_owner(const fs::path& data_dir) {
  const auto file = data_dir / owner_file_name;
  std::ifstream in(file);
  if (!in) {
    std::error_code ec;
    if (!fs::exists(file, ec)) return std::optional<owner_record>{};
    return jubes::fail(errc::not_found, "cannot read " + file.string());
  }
  std::ostringstream os;
  os << in.rdbuf();
  boost::system::error_code ec;
  auto v = json::parse(os.str(), ec);
  if (ec) return jubes::fail(errc::bad_request, file.string() + ": not JSON: " + ec.message());
  auto r = owner_from_json(v);
  if (!r) return jubes::fail(r.error().code, file.string() + ": " + r.error().message());
  return std::optional<owner_record>(std::move(*r));
}

}  // namespace jubes::gateway::detail
