// SPDX-License-Identifier: EUPL-1.2
#include "record.hpp"

#include <cerrno>
#include <charconv>
#include <cinttypes>
#include <cstring>
#include <fstream>
#include <sstream>

namespace jubes::bench {

record_writer::~record_writer() {
  if (f_) std::fclose(f_);
}

namespace {
void write_header(std::FILE* f, const generator_options& o) {
  std::fprintf(f, "# jubes-bench record v2 seed=%" PRIu64 " plan_fraction=%.17g size=%zu templates=%" PRIu64 "\n",
               o.seed, o.plan_fraction, o.target_size, o.templates);
}
bool same(const generator_options& a, const generator_options& b) {
  return a.seed == b.seed && a.plan_fraction == b.plan_fraction && a.target_size == b.target_size &&
         a.templates == b.templates;
}
}  // namespace

bool record_writer::open(const std::string& path, const generator_options& o, std::string& error) {
  f_ = std::fopen(path.c_str(), "w");
  if (!f_) {
    error = path + ": " + std::strerror(errno);
    return false;
  }
  write_header(f_, o);
  last_ = o;
  std::fflush(f_);
  return true;
}

void record_writer::write(const outcome& o, const generator_options& g) {
  std::lock_guard lk(mu_);
  if (!f_) return;
  if (!same(g, last_)) {
    write_header(f_, g);
    last_ = g;
  }
  std::fprintf(f_, "%s %" PRIu64 " %s %d %s ", o.party.c_str(), o.slot, o.referentienummer.c_str(), o.status,
               o.message_id.empty() ? "-" : o.message_id.c_str());
  if (o.receipt)
    std::fprintf(f_, "%016" PRIx64, o.receipt);
  else
    std::fputs("-", f_);
  std::fprintf(f_, " %016" PRIx64, o.body);
  if (!o.target.empty()) std::fprintf(f_, " %s", o.target.c_str());
  if (o.amends) std::fprintf(f_, " %s=%" PRIu64, o.amends->kind == 'V' ? "withdraws" : "corrects", o.amends->of);
  std::fputc('\n', f_);
  // One line per outcome reaches the kernel at once: a crash of this process loses at most the line
  // being written. (No fsync: the record survives a gateway crash, which is what it is for.)
  std::fflush(f_);
}

namespace {

/// Reads a v2 header line's generator options. @return false (error set to the bad value) on a bad one
bool read_header(const std::string& l, generator_options& g, std::string& error) {
  std::istringstream h(l.substr(24));
  std::string kv;
  while (h >> kv) {
    auto eq = kv.find('=');
    if (eq == std::string::npos) continue;
    std::string k = kv.substr(0, eq), v = kv.substr(eq + 1);
    try {
      if (k == "seed") g.seed = std::stoull(v);
      if (k == "plan_fraction") g.plan_fraction = std::stod(v);
      if (k == "size") g.target_size = std::stoull(v);
      if (k == "templates") g.templates = std::stoull(v);
    } catch (...) {
      error = "bad header value " + kv;
      return false;
    }
  }
  return true;
}

/// Reads one outcome line. @return false (error set to the cause) on a malformed one
bool read_outcome(const std::string& l, outcome& o, std::string& error) {
  std::istringstream ls(l);
  std::string id, receipt, body;
  if (!(ls >> o.party >> o.slot >> o.referentienummer >> o.status >> id >> receipt >> body) ||
      source_index(o.party) < 0) {
    error = "malformed outcome line";
    return false;
  }
  if (id != "-") o.message_id = id;
  for (std::string extra; ls >> extra;) {  // optional: the node, an amendment
    const bool corrects = extra.rfind("corrects=", 0) == 0, withdraws = extra.rfind("withdraws=", 0) == 0;
    if (!corrects && !withdraws) {
      o.target = extra;
      continue;
    }
    amendment am{withdraws ? 'V' : 'C', 0};
    const std::string v = extra.substr(extra.find('=') + 1);
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), am.of);
    if (v.empty() || ec != std::errc{} || p != v.data() + v.size()) {
      error = "malformed " + extra;
      return false;
    }
    o.amends = am;
  }
  try {
    if (receipt != "-") o.receipt = std::stoull(receipt, nullptr, 16);
    o.body = std::stoull(body, nullptr, 16);
  } catch (...) {
    error = "malformed fingerprint";
    return false;
  }
  return true;
}

}  // namespace

bool read_record(const std::string& path, record_file& out, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = path + ": cannot open: " + std::strerror(errno);
    return false;
  }
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const bool complete_last = !all.empty() && all.back() == '\n';
  std::vector<std::string> lines;
  std::istringstream ss(all);
  for (std::string line; std::getline(ss, line);) lines.push_back(line);
  bool header = false;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string at = path + ":" + std::to_string(i + 1) + ": ";
    const std::string& l = lines[i];
    if (i + 1 == lines.size() && !complete_last) break;  // torn last line
    if (l.empty()) continue;
    if (l.rfind("# jubes-bench record v1 ", 0) == 0) {
      error = at + "a record v1 (an older jubes-bench, whose generator and fingerprints differ): record it again";
      return false;
    }
    if (l.rfind("# jubes-bench record v2 ", 0) == 0) {
      generator_options g;
      if (!read_header(l, g, error)) return error = at + error, false;
      out.generators.push_back(g);
      header = true;
      continue;
    }
    if (l[0] == '#') continue;
    if (!header) {
      error = at + "not a jubes-bench record (no '# jubes-bench record v2' header)";
      return false;
    }
    outcome o;
    if (!read_outcome(l, o, error)) return error = at + error, false;
    o.gen = out.generators.size() - 1;
    out.outcomes.push_back(std::move(o));
  }
  if (!header) {
    error = path + ": empty or not a jubes-bench record";
    return false;
  }
  return true;
}

}  // namespace jubes::bench
