#include "support.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

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

std::filesystem::path source_dir() {
  return JUBES_SOURCE_DIR;
}
std::filesystem::path schema_dir() {
  return source_dir() / "conf" / "schemas" / "jubes";
}
std::filesystem::path examples_dir() {
  return source_dir() / "conf" / "examples";
}
std::filesystem::path stuf_dir() {
  return source_dir() / ".." / "shared" / "stuf";
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + p.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

const std::shared_ptr<const schema_catalog>& jubes_catalog() {
  auto& s = global();
  if (!s.catalog) {
    std::string error;
    auto cat = schema_catalog::load({jubes_schema_set(schema_dir()), replies_schema_set(schema_dir())}, error);
    if (!cat) throw std::runtime_error("loading the jubes catalog failed: " + error);
    s.catalog = *cat;
  }
  return s.catalog;
}

const std::unordered_set<std::string>& gemeentecodes() {
  static const std::unordered_set<std::string> codes = [] {
    std::unordered_set<std::string> c;
    std::ifstream in(source_dir() / ".." / "shared" / "data" / "rvig-tabel33-gemeenten.csv");
    std::string line;
    while (std::getline(in, line)) {
      if (line.size() > 6 && line[0] == '"' && line[5] == '"' && line[1] >= '0' && line[1] <= '9') {
        c.insert(line.substr(1, 4));
      }
    }
    if (c.empty()) {
      for (const char* k : {"0005", "0034", "0141", "0153", "0164", "0193", "0268", "0344", "0363", "0393", "0394",
                            "0518", "0599", "0855", "1525", "1966"}) {
        c.insert(k);
      }
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
