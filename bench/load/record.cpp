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

bool read_record(const std::string& path, record_file& out, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = path + ": cannot open: " + std::strerror(errno);
    return false;
  }
  std::string line;
  std::size_t n = 0;
  bool header = false;
  std::vector<std::string> lines;
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  bool complete_last = !all.empty() && all.back() == '\n';
  std::istringstream ss(all);
  while (std::getline(ss, line)) lines.push_back(line);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    n = i + 1;
    const std::string& l = lines[i];
    if (i + 1 == lines.size() && !complete_last) break;  // torn last line
    if (l.empty()) continue;
    if (l[0] == '#') {
      if (l.rfind("# jubes-bench record v1 ", 0) == 0) {
        error = path + ":" + std::to_string(n) +
                ": a record v1 (an older jubes-bench, whose generator and fingerprints differ): record it again";
        return false;
      }
      if (l.rfind("# jubes-bench record v2 ", 0) == 0) {
        std::istringstream h(l.substr(24));
        generator_options g;
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
            error = path + ":" + std::to_string(n) + ": bad header value " + kv;
            return false;
          }
        }
        out.generators.push_back(g);
        header = true;
      }
      continue;
    }
    if (!header) {
      error = path + ":" + std::to_string(n) + ": not a jubes-bench record (no '# jubes-bench record v2' header)";
      return false;
    }
    std::istringstream ls(l);
    outcome o;
    std::string id, receipt, body;
    if (!(ls >> o.party >> o.slot >> o.referentienummer >> o.status >> id >> receipt >> body) ||
        source_index(o.party) < 0) {
      error = path + ":" + std::to_string(n) + ": malformed outcome line";
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
        error = path + ":" + std::to_string(n) + ": malformed " + extra;
        return false;
      }
      o.amends = am;
    }
    o.gen = out.generators.size() - 1;
    try {
      if (receipt != "-") o.receipt = std::stoull(receipt, nullptr, 16);
      o.body = std::stoull(body, nullptr, 16);
    } catch (...) {
      error = path + ":" + std::to_string(n) + ": malformed fingerprint";
      return false;
    }
    out.outcomes.push_back(std::move(o));
  }
  if (!header) {
    error = path + ": empty or not a jubes-bench record";
    return false;
  }
  return true;
}

}  // namespace jubes::bench
