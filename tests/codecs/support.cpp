// SPDX-License-Identifier: EUPL-1.2
#include "support.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string_view>

namespace jubes::codecs::test {
namespace {

struct state {
  std::unique_ptr<xerces_guard> guard;
  std::shared_ptr<const schema_catalog> catalog;
};
state& global() {
  static state s;
  return s;
}

class xerces_environment final : public ::testing::Environment {
 public:
  void SetUp() override { global().guard = std::make_unique<xerces_guard>(); }
  void TearDown() override {
    global().catalog.reset();
    global().guard.reset();
  }
};

[[maybe_unused]] ::testing::Environment* const env = ::testing::AddGlobalTestEnvironment(new xerces_environment);

}  // namespace

std::filesystem::path schema_dir() {
  return source_dir() / "conf" / "schemas" / "jubes";
}
std::filesystem::path examples_dir() {
  return source_dir() / "conf" / "examples";
}
std::filesystem::path stuf_dir() {
  return jubes::testing::shared_path("stuf");
}

const std::shared_ptr<const schema_catalog>& jubes_catalog() {
  auto& s = global();
  if (!s.catalog) {
    auto cat = schema_catalog::load(
        {jubes_schema_set(schema_dir()), replies_schema_set(schema_dir()), outbox_schema_set(schema_dir())});
    if (!cat) throw std::runtime_error("loading the jubes catalog failed: " + cat.error().message());
    s.catalog = *cat;
  }
  return s.catalog;
}

const std::unordered_set<std::string>& gemeentecodes() {
  static const std::unordered_set<std::string> codes = [] {
    std::unordered_set<std::string> c;
    const std::string csv = read_file(jubes::testing::shared_path("data/rvig-tabel33-gemeenten.csv"));
    std::size_t at = 0;
    while (at < csv.size()) {
      std::size_t nl = csv.find('\n', at);
      if (nl == std::string::npos) nl = csv.size();
      const std::string_view line(csv.data() + at, nl - at);
      if (line.size() > 6 && line[0] == '"' && line[5] == '"' && line[1] >= '0' && line[1] <= '9')
        c.emplace(line.substr(1, 4));
      at = nl + 1;
    }
    return c;
  }();
  return codes;
}

semantic_options test_semantics() {
  semantic_options o;
  o.gemeentecode_exists = [](std::string_view code) { return gemeentecodes().count(std::string(code)) != 0; };
  return o;
}

}  // namespace jubes::codecs::test
