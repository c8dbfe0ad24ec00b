// SPDX-License-Identifier: EUPL-1.2
// The docs stay true: every ```sh block of README.md and docs/api.md runs against a real jubesd
// (development PKI, loopback), in the order of the files, from the repository root, with
// $JUBES_URL, $JUBES_OPS, $CERT_DIR and $JUBES_CONFIG set and jubesctl on the PATH. A block marked
// ```sh no-test (installing, systemd, the two commands of the README) is skipped; a file with no
// block to run fails the test. Each block runs under `set -eo pipefail`, with curl failing on HTTP
// errors, so a block whose example is wrong fails.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "support.hpp"

namespace jubes::e2e {
namespace {

struct block {
  std::string text;
  int line = 0;
};

/// The ```sh blocks of `file` that are to run (not `no-test`).
std::vector<block> sh_blocks(const fs::path& file, int& skipped) {
  std::ifstream in(file);
  std::vector<block> out;
  std::string line, indent;
  bool in_block = false, run_it = false;
  int n = 0;
  static const std::regex fence("^(\\s*)```(.*)$");
  std::smatch m;
  while (std::getline(in, line)) {
    ++n;
    if (std::regex_match(line, m, fence)) {
      if (in_block) {
        in_block = false;
        continue;
      }
      in_block = true;
      indent = m[1];
      const std::string info = m[2];
      run_it = info == "sh";
      if (info.rfind("sh ", 0) == 0 && info.find("no-test") != std::string::npos) ++skipped;
      if (run_it) out.push_back({"", n + 1});
      continue;
    }
    if (in_block && run_it) out.back().text += (line.rfind(indent, 0) == 0 ? line.substr(indent.size()) : line) + "\n";
  }
  return out;
}

TEST(docs, every_sh_block_of_the_readme_and_the_api_doc_runs_against_a_gateway) {
  temp_dir dir;
  const auto data = dir.path() / "data";
  const auto cfg = write_file(dir.path(), "jubes.yaml", test_config(data));
  jubesd d(cfg, data);
  ASSERT_TRUE(d.started()) << d.log();
  const std::string src = JUBES_SOURCE_DIR;
  const std::string bin = fs::path(JUBESCTL_PATH).parent_path().string();
  const std::string prelude =
      "set -eo pipefail\ncurl() { command curl -sS --fail-with-body \"$@\"; }\ncd '" + src + "'\n";
  for (const char* doc : {"README.md", "docs/api.md"}) {
    int skipped = 0;
    auto blocks = sh_blocks(src + "/" + doc, skipped);
    EXPECT_FALSE(blocks.empty()) << doc << ": no ```sh block to run";
    for (const auto& b : blocks) {
      auto script = write_file(dir.path(), "block.sh", prelude + b.text);
      auto r = run({"/usr/bin/env", "JUBES_URL=https://127.0.0.1:" + std::to_string(d.api_port()),
                    "JUBES_OPS=http://127.0.0.1:" + std::to_string(d.ops_port()), "CERT_DIR=" + pki().string(),
                    "JUBES_CONFIG=" + cfg.string(), "PATH=" + bin + ":/usr/bin:/bin", "/bin/bash", script.string()});
      EXPECT_EQ(r.exit_code, 0) << doc << ":" << b.line << ": the block failed:\n"
                                << b.text << "--- output:\n"
                                << r.output;
    }
    std::cout << doc << ": ran " << blocks.size() << " block(s), skipped " << skipped << " marked no-test\n";
  }
}

TEST(docs, the_metrics_list_of_the_api_doc_names_every_metric) {
  const std::string src = JUBES_SOURCE_DIR;
  const std::string names = slurp(src + "/common/include/common/metric_names.hpp");
  const std::string api = slurp(src + "/docs/api.md");
  static const std::regex metric("\"(jubes_[a-z_]+)\"");
  int n = 0;
  for (std::sregex_iterator it(names.begin(), names.end(), metric), end; it != end; ++it, ++n)
    EXPECT_NE(api.find("`" + (*it)[1].str()), std::string::npos) << (*it)[1] << " is not in docs/api.md";
  EXPECT_GT(n, 20);
}

}  // namespace
}  // namespace jubes::e2e
