// SPDX-License-Identifier: EUPL-1.2
#include "files.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "common/log.hpp"
#include "storage/errc.hpp"
#include "storage/types.hpp"

namespace jubes::storage::files {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view log_c = "storage";
// LMDB's meta page: a 16-byte page header, then the meta whose first field is this magic
// (MDB_MAGIC in mdb.c, not exported by lmdb.h), in host byte order.
constexpr std::uint32_t lmdb_magic = 0xBEEFC0DE;
constexpr std::size_t lmdb_magic_offset = 16;
constexpr std::string_view manifest_header = "jubes-backup 1";

struct fd_closer {
  int fd = -1;
  ~fd_closer() {
    if (fd >= 0) ::close(fd);
  }
};

jubes::error sys_error(const fs::path& p, const char* what) {
  std::string detail = p.string() + ": " + what + ": " + std::strerror(errno);
  log::error(log_c, "file_error", {{"path", p.string()}, {"op", what}, {"error", std::strerror(errno)}});
  return jubes::error{errc::io_error, std::move(detail)};
}

jubes::result<void> sync_path(const fs::path& p, int flags) {
  fd_closer f{::open(p.c_str(), flags | O_CLOEXEC)};
  if (f.fd < 0) return sys_error(p, "open");
  if (::fsync(f.fd) != 0) return sys_error(p, "fsync");
  return {};
}

/// Creates `p` with `content`, mode 0600, and syncs it.
jubes::result<void> write_synced(const fs::path& p, std::string_view content) {
  fd_closer f{::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)};
  if (f.fd < 0) return sys_error(p, "open");
  for (std::size_t done = 0; done < content.size();) {
    ssize_t n = ::write(f.fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return sys_error(p, "write");
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(f.fd) != 0) return sys_error(p, "fsync");
  return {};
}

/// SHA-256 of a whole file, hex. Streams: a store is gigabytes.
jubes::result<std::string> sha256_file(const fs::path& p) {
  fd_closer f{::open(p.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) return sys_error(p, "open");
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1)
    return fail(errc::io_error, "sha256: cannot initialise");
  std::vector<char> buf(1u << 20);
  for (;;) {
    ssize_t n = ::read(f.fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sys_error(p, "read");
    if (n == 0) break;
    EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<std::size_t>(n));
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned len = 0;
  EVP_DigestFinal_ex(ctx.get(), md.data(), &len);
  std::string hex;
  char two[3];
  for (unsigned i = 0; i < len; ++i) {
    std::snprintf(two, sizeof two, "%02x", md[i]);
    hex += two;
  }
  return hex;
}

/// Names in `dir` other than our flock file (which holds no data and may be left by any start).
std::vector<std::string> contents(const fs::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().filename() != "LOCK") names.push_back(it->path().filename().string());
  return names;
}

jubes::error refuse(errc e, const fs::path& dir, const char* event, std::string detail) {
  log::error(log_c, event, {{"dir", dir.string()}, {"detail", detail}});
  return jubes::error{e, std::move(detail)};
}

/// data.mdb exists: it must be a non-empty LMDB file (or, with `initialise`, an empty one goes).
jubes::result<found> preflight_existing(const fs::path& dir, const fs::path& data, bool initialise) {
  std::error_code ec;
  if (!fs::is_regular_file(data, ec))
    return refuse(errc::corrupt, dir, "data_not_a_file", data.string() + " is not a regular file");
  auto size = fs::file_size(data, ec);
  if (ec) return fail(errc::io_error, data.string() + ": " + ec.message());
  if (size == 0) {
    if (initialise) {
      log::warn(log_c, "initialise_over_empty_data", {{"dir", dir.string()}});
      if (!fs::remove(data, ec) || ec) return fail(errc::io_error, data.string() + ": cannot remove: " + ec.message());
      return found::new_store;
    }
    return refuse(errc::corrupt, dir, "data_empty",
                  data.string() +
                      " is empty: the store that was here is gone (a partial restore?). Restore a backup, or "
                      "initialise a new empty store explicitly (jubesctl init), which forgets every message");
  }
  std::uint32_t magic = 0;
  std::ifstream in(data, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(lmdb_magic_offset));
  in.read(reinterpret_cast<char*>(&magic), sizeof magic);
  if (!in || magic != lmdb_magic)
    return refuse(errc::corrupt, dir, "data_not_lmdb", data.string() + " is not an LMDB file (no LMDB meta page)");
  return found::existing;
}

}  // namespace

jubes::result<found> preflight(const fs::path& dir, bool initialise, bool read_only) {
  const fs::path data = dir / data_name;
  std::error_code ec;
  if (fs::exists(data, ec)) return preflight_existing(dir, data, initialise && !read_only);
  if (ec) return fail(errc::io_error, data.string() + ": " + ec.message());
  if (read_only) return refuse(errc::not_found, dir, "no_store", "no store in " + dir.string());
  if (initialise) return found::new_store;
  auto names = contents(dir);
  if (names.empty()) return found::new_store;  // a fresh directory: the first start of a gateway
  std::string listed;
  for (std::size_t i = 0; i < names.size() && i < 4; ++i) listed += (i ? ", " : "") + names[i];
  const bool marked = fs::exists(dir / marker_name, ec);
  return refuse(
      errc::not_found, dir, "no_data_file",
      "no " + std::string(data_name) + " in " + dir.string() + ", which is not empty (" + listed + ")" +
          (marked ? "; it held a jubes store" : "") +
          ": refusing to create a new store here. Restore a backup, or initialise explicitly (jubesctl init)");
}

jubes::result<void> check_size(MDB_env* env, const fs::path& dir) {
  MDB_envinfo info{};
  MDB_stat st{};
  if (int rc = mdb_env_info(env, &info); rc != 0) return fail(errc::io_error, mdb_strerror(rc));
  if (int rc = mdb_env_stat(env, &st); rc != 0) return fail(errc::io_error, mdb_strerror(rc));
  // Size after the meta: a live file only grows, and pages are written before the meta names them.
  const fs::path data = dir / data_name;
  struct stat sb {};
  if (::stat(data.c_str(), &sb) != 0) return sys_error(data, "stat");
  const std::uint64_t need = (static_cast<std::uint64_t>(info.me_last_pgno) + 1) * st.ms_psize;
  const auto have = static_cast<std::uint64_t>(sb.st_size);
  if (have >= need) return {};
  log::error(log_c, "data_truncated", {{"dir", dir.string()}, {"bytes", have}, {"needed", need}});
  return fail(errc::corrupt, data.string() + " is truncated: " + std::to_string(have) + " bytes, its meta page names " +
                                 std::to_string(info.me_last_pgno + 1) + " pages of " + std::to_string(st.ms_psize) +
                                 " (" + std::to_string(need) + " bytes). A partial copy or restore? Restore a backup");
}

jubes::result<void> ensure_marker(const fs::path& dir) {
  std::error_code ec;
  if (fs::exists(dir / marker_name, ec)) return {};
  auto r = write_synced(dir / marker_name,
                        "This directory holds a jubes store (data.mdb). Without data.mdb it is not a new store: "
                        "see docs/storage.md, \"Damaged stores\".\n");
  if (!r) return r;
  return sync_path(dir, O_RDONLY | O_DIRECTORY);
}

bool has_manifest(const fs::path& dir) {
  std::error_code ec;
  return fs::exists(dir / manifest_name, ec);
}

jubes::result<void> verify_backup(const fs::path& dir) {
  std::ifstream in(dir / manifest_name);
  if (!in) return fail(errc::not_found, dir.string() + ": no " + manifest_name + " (not a complete backup)");
  std::string header, name, sha;
  std::uint64_t size = 0;
  std::getline(in, header);
  in >> name >> size >> sha;
  if (header != manifest_header || name != data_name || sha.size() != 64)
    return fail(errc::corrupt, (dir / manifest_name).string() + ": not a jubes backup manifest");
  std::error_code ec;
  auto have = fs::file_size(dir / data_name, ec);
  if (ec || have != size)
    return fail(errc::corrupt, dir.string() + ": data.mdb has " +
                                   (ec ? ec.message() : std::to_string(have) + " bytes") + ", the manifest says " +
                                   std::to_string(size));
  auto hash = sha256_file(dir / data_name);
  if (!hash) return hash.error();
  if (*hash != sha) return fail(errc::corrupt, dir.string() + ": data.mdb does not match the SHA-256 in its manifest");
  return {};
}

jubes::result<void> retire_manifest(const fs::path& dir) {
  std::error_code ec;
  fs::rename(dir / manifest_name, dir / (std::string(manifest_name) + ".restored"), ec);
  if (ec) return fail(errc::io_error, dir.string() + ": cannot retire the manifest: " + ec.message());
  return sync_path(dir, O_RDONLY | O_DIRECTORY);
}

namespace {

/// Makes the copied store private (it holds BSNs), synced, described by a manifest written last.
jubes::result<void> seal_backup(const fs::path& tmp) {
  const fs::path data = tmp / data_name;
  if (::chmod(data.c_str(), 0600) != 0) return sys_error(data, "chmod");
  if (auto r = sync_path(data, O_RDONLY); !r) return r;
  std::error_code ec;
  auto size = fs::file_size(data, ec);
  if (ec) return fail(errc::io_error, data.string() + ": " + ec.message());
  auto hash = sha256_file(data);
  if (!hash) return hash.error();
  std::string m = std::string(manifest_header) + "\n" + data_name + " " + std::to_string(size) + " " + *hash + "\n";
  // Written aside and renamed: a kill leaves no manifest or a whole one, never half of one.
  const fs::path part = tmp / (std::string(manifest_name) + ".part");
  if (auto r = write_synced(part, m); !r) return r;
  fs::rename(part, tmp / manifest_name, ec);
  if (ec) return fail(errc::io_error, (tmp / manifest_name).string() + ": " + ec.message());
  return sync_path(tmp, O_RDONLY | O_DIRECTORY);
}

}  // namespace

fs::path partial_path(const fs::path& dir) {
  const fs::path parent = dir.parent_path().empty() ? fs::path(".") : dir.parent_path();
  return parent / ("." + dir.filename().string() + ".partial-" + std::to_string(::getpid()));
}

jubes::result<void> write_backup(const fs::path& dir, const std::function<jubes::result<void>(const fs::path&)>& copy) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_empty(dir, ec))
    return refuse(errc::invalid_argument, dir, "backup_target_not_empty", dir.string() + " exists and is not empty");
  const fs::path parent = dir.parent_path().empty() ? fs::path(".") : dir.parent_path();
  fs::create_directories(parent, ec);
  if (ec) return fail(errc::io_error, parent.string() + ": " + ec.message());
  const fs::path tmp = partial_path(dir);
  fs::remove_all(tmp, ec);  // a leftover of an earlier process with our pid
  if (::mkdir(tmp.c_str(), 0700) != 0 || ::chmod(tmp.c_str(), 0700) != 0) return sys_error(tmp, "mkdir");
  auto done = copy(tmp);
  if (done) done = seal_backup(tmp);
  // rename(2) replaces an empty directory; the backup appears complete or not at all.
  if (done && ::rename(tmp.c_str(), dir.c_str()) != 0) done = sys_error(dir, "rename");
  if (done) done = sync_path(parent, O_RDONLY | O_DIRECTORY);
  if (!done) {
    fs::remove_all(tmp, ec);
    return done;
  }
  log::info(log_c, "backup", {{"dir", dir.string()}});
  return {};
}

}  // namespace jubes::storage::files
