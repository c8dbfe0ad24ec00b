// SPDX-License-Identifier: EUPL-1.2
#include "testing/testing.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace jubes::testing {

temp_dir::temp_dir(std::string_view tag) {
  std::string tmpl = (fs::temp_directory_path() / ("jubes-" + std::string(tag) + "-XXXXXX")).string();
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp " + tmpl + ": " + std::strerror(errno));
  path_ = tmpl;
}

temp_dir::~temp_dir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + p.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

fs::path write_file(const fs::path& dir, std::string_view name, std::string_view text) {
  fs::create_directories(dir);
  auto p = dir / name;
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) throw std::runtime_error("cannot write " + p.string());
  return p;
}

fs::path source_dir() {
  return fs::path(JUBES_SOURCE_DIR);
}

fs::path shared_dir() {
  return source_dir().parent_path() / "shared";
}

fs::path shared_path(std::string_view rel) {
  auto p = shared_dir() / rel;
  if (!fs::exists(p))
    ADD_FAILURE() << "shared test material missing: " << p
                  << " (the repository expects ../shared beside it; see DEVELOPERS.md)";
  return p;
}

}  // namespace jubes::testing
