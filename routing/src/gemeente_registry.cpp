// SPDX-License-Identifier: EUPL-1.2
#include "routing/gemeente_registry.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "routing/errc.hpp"

namespace jubes::routing {
namespace {

bool is_digits(std::string_view s, std::size_t n) {
  return s.size() == n && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Splits one CSV line into fields. Fields may be quoted ("" is an escaped quote inside quotes).
// @return false if a quoted field is not closed on the line.
bool split_csv_line(std::string_view line, std::vector<std::string>& out) {
  out.clear();
  std::size_t i = 0;
  for (;;) {
    std::string field;
    if (i < line.size() && line[i] == '"') {
      ++i;
      for (;;) {
        if (i >= line.size()) return false;
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field += line[i++];
      }
      if (i < line.size() && line[i] != ',') return false;
    } else {
      while (i < line.size() && line[i] != ',') field += line[i++];
    }
    out.push_back(std::move(field));
    if (i >= line.size()) return true;
    ++i;  // the comma
  }
}

}  // namespace

int gemeente_registry::index_of(std::string_view code) noexcept {
  if (!is_digits(code, 4)) return -1;
  return (code[0] - '0') * 1000 + (code[1] - '0') * 100 + (code[2] - '0') * 10 + (code[3] - '0');
}

result<std::shared_ptr<const gemeente_registry>> gemeente_registry::load(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return jubes::fail(errc::io_error, file.string() + ": cannot open the municipality table");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return jubes::fail(errc::io_error, file.string() + ": cannot read the municipality table");
  return parse(ss.str(), file.filename().string());
}

result<std::shared_ptr<const gemeente_registry>> gemeente_registry::parse(std::string_view csv, std::string_view name) {
  std::shared_ptr<gemeente_registry> reg(new gemeente_registry());
  reg->by_code_.assign(10000, -1);
  auto fail = [&](std::size_t line_no, const std::string& why) {
    return jubes::fail(errc::bad_csv, std::string(name) + ":" + std::to_string(line_no) + ": " + why);
  };
  if (csv.size() >= 3 && csv.substr(0, 3) == "\xEF\xBB\xBF") csv.remove_prefix(3);  // UTF-8 BOM

  std::vector<std::string> cols;
  std::size_t line_no = 0;
  bool header_seen = false;
  while (!csv.empty()) {
    std::size_t nl = csv.find('\n');
    std::string_view line = csv.substr(0, nl);
    csv.remove_prefix(nl == std::string_view::npos ? csv.size() : nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    if (!split_csv_line(line, cols)) return fail(line_no, "unterminated or misplaced quote");
    if (!header_seen) {
      if (cols.size() < 5 || cols[0].rfind("92.10", 0) != 0 || cols[2].rfind("92.12", 0) != 0 ||
          cols[4].rfind("99.99", 0) != 0)
        return fail(line_no, "expected the RvIG table-33 header \"92.10 Gemeentecode\",...,\"99.99 Datum einde\"");
      header_seen = true;
      continue;
    }
    if (cols.size() < 5) return fail(line_no, "expected 5 columns, found " + std::to_string(cols.size()));
    for (std::size_t extra = 5; extra < cols.size(); ++extra)
      if (!cols[extra].empty()) return fail(line_no, "unexpected non-empty column " + std::to_string(extra + 1));
    const std::string& code = cols[0];
    int idx = index_of(code);
    if (idx < 0) return fail(line_no, "gemeentecode '" + code + "' is not four digits");
    if (reg->by_code_[idx] >= 0) return fail(line_no, "gemeentecode " + code + " appears twice");
    if (!cols[2].empty() && !is_digits(cols[2], 4))
      return fail(line_no, "nieuwe code '" + cols[2] + "' is not four digits");
    if (!cols[3].empty() && !is_digits(cols[3], 8))
      return fail(line_no, "datum ingang '" + cols[3] + "' is not yyyymmdd");
    if (!cols[4].empty() && !is_digits(cols[4], 8))
      return fail(line_no, "datum einde '" + cols[4] + "' is not yyyymmdd");
    reg->by_code_[idx] = static_cast<int>(reg->entries_.size());
    reg->entries_.push_back(entry{code, cols[1], cols[2], cols[4], -1});
  }
  if (!header_seen) return fail(line_no, "empty municipality table");

  // Resolve every code to today's municipality once, so that current() is a lookup. A chain longer
  // than the table must contain a loop; such codes resolve to nothing rather than hang.
  const std::size_t n = reg->entries_.size();
  for (std::size_t i = 0; i < n; ++i) {
    int at = static_cast<int>(i);
    std::size_t steps = 0;
    int result = -1;
    while (at >= 0 && steps++ <= n) {
      const entry& e = reg->entries_[at];
      if (e.end_date.empty()) {
        if (e.code != "0000" && e.code != "1999") result = at;
        break;
      }
      if (e.new_code.empty()) break;
      at = reg->by_code_[index_of(e.new_code)];
    }
    reg->entries_[i].current = result;
  }
  for (const entry& e : reg->entries_)
    if (e.current >= 0 && reg->entries_[e.current].code == e.code) reg->current_list_.push_back(e.code);
  std::sort(reg->current_list_.begin(), reg->current_list_.end());
  return std::shared_ptr<const gemeente_registry>(std::move(reg));
}

bool gemeente_registry::exists(std::string_view code) const noexcept {
  int idx = index_of(code);
  return idx >= 0 && by_code_[idx] >= 0;
}

std::optional<std::string_view> gemeente_registry::current(std::string_view code) const noexcept {
  int idx = index_of(code);
  if (idx < 0 || by_code_[idx] < 0) return std::nullopt;
  int cur = entries_[by_code_[idx]].current;
  if (cur < 0) return std::nullopt;
  return std::string_view(entries_[cur].code);
}

bool gemeente_registry::is_current(std::string_view code) const noexcept {
  auto c = current(code);
  return c && *c == code;
}

std::string_view gemeente_registry::new_code(std::string_view code) const noexcept {
  int idx = index_of(code);
  if (idx < 0 || by_code_[idx] < 0) return {};
  return entries_[by_code_[idx]].new_code;
}

std::string_view gemeente_registry::name(std::string_view code) const noexcept {
  int idx = index_of(code);
  if (idx < 0 || by_code_[idx] < 0) return {};
  return entries_[by_code_[idx]].name;
}

}  // namespace jubes::routing
