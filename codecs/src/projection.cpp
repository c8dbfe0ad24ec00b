// SPDX-License-Identifier: EUPL-1.2
// Need-to-know projections: one pass over the UTF-8 message element, copying what the projection keeps
// byte for byte (codecs/projection.hpp). No parser objects, no allocation per element beyond the frame stack
// and the candidate buffers of a selected repeated record.
#include "codecs/projection.hpp"

#include <algorithm>

#include "codecs/errc.hpp"
#include "text.hpp"

namespace jubes::codecs {

namespace {

enum class selector : unsigned char { none, brp_gemeente };

struct node {
  std::string name;
  std::vector<std::uint32_t> children;  // indexes into impl::nodes
  bool whole = false;                   // the path ends here: keep the subtree as sent
  selector select = selector::none;     // keep one record of the repeated element
};

bool valid_step(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '-' || c == '.' || static_cast<unsigned char>(c) >= 0x80;
    if (!ok) return false;
  }
  return true;
}

}  // namespace

struct projection::impl {
  std::vector<node> nodes;  // [0] is the root
  std::vector<std::string> paths;

  std::uint32_t child(std::uint32_t n, std::string_view name) const noexcept {
    for (auto c : nodes[n].children)
      if (nodes[c].name == name) return c;
    return 0;  // 0 = no such child (the root is never a child)
  }
  std::uint32_t add(std::uint32_t n, std::string_view name) {
    if (auto c = child(n, name)) return c;
    nodes.push_back(node{std::string(name), {}, false, selector::none});
    const auto c = static_cast<std::uint32_t>(nodes.size() - 1);
    nodes[n].children.push_back(c);
    return c;
  }
};

bool projection::valid_path(std::string_view path) noexcept {
  if (path.ends_with(brp_gemeente_selector)) path.remove_suffix(brp_gemeente_selector.size());
  if (path.empty()) return false;
  for (;;) {
    const auto slash = path.find('/');
    if (!valid_step(path.substr(0, slash))) return false;
    if (slash == std::string_view::npos) return true;
    path.remove_prefix(slash + 1);
  }
}

jubes::result<projection> projection::make(std::span<const std::string> paths) {
  auto im = std::make_shared<impl>();
  im->nodes.push_back(node{});
  im->paths.assign(paths.begin(), paths.end());
  im->paths.emplace_back("stuurgegevens");
  std::sort(im->paths.begin(), im->paths.end());
  im->paths.erase(std::unique(im->paths.begin(), im->paths.end()), im->paths.end());
  for (const auto& full : im->paths) {
    if (!valid_path(full)) return jubes::fail(errc::schema_load_failed, "malformed projection path '" + full + "'");
    std::string_view p = full;
    selector sel = selector::none;
    if (p.ends_with(brp_gemeente_selector)) {
      p.remove_suffix(brp_gemeente_selector.size());
      sel = selector::brp_gemeente;
    }
    std::uint32_t n = 0;
    for (;;) {
      const auto slash = p.find('/');
      n = im->add(n, p.substr(0, slash));
      if (slash == std::string_view::npos) break;
      p.remove_prefix(slash + 1);
    }
    if (sel != selector::none) {
      if (im->nodes[n].select != selector::none && im->nodes[n].select != sel)
        return jubes::fail(errc::schema_load_failed, "two selectors on '" + full + "'");
      im->nodes[n].select = sel;
    } else {
      im->nodes[n].whole = true;
    }
  }
  // A selected record is kept whole (the selector picks which one).
  for (auto& n : im->nodes)
    if (n.select != selector::none) n.whole = true;
  projection p;
  p.impl_ = std::move(im);
  return p;
}

const std::vector<std::string>& projection::paths() const noexcept {
  return impl_->paths;
}

namespace {

enum class mode : unsigned char { partial, whole, drop };

struct frame {
  std::uint32_t node = 0;
  mode m = mode::partial;
  bool selected = false;  // this element is a candidate record of a selector: written to the candidate buffer
};

// The candidate records of the selected element under one parent: the best so far and the one being read.
struct selection {
  std::size_t parent_depth = 0;
  std::string best, current;
  std::string best_date;
  bool have_best = false;
  std::string date, dji;  // the current record's begindatum and djiInstelling
};

std::string_view local_name(std::string_view qname) noexcept {
  const auto colon = qname.find(':');
  return colon == std::string_view::npos ? qname : qname.substr(colon + 1);
}

bool name_char(char c) noexcept {
  return !(detail::is_xml_space(c) || c == '>' || c == '/' || c == '=' || c == '<');
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && detail::is_xml_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && detail::is_xml_space(s.back())) s.remove_suffix(1);
  return s;
}

// Runs the projection; `out` receives the result. False on malformed input.
bool run(std::string& out, std::string_view s, const projection::impl& im) {
  std::vector<frame> stack;
  stack.reserve(16);
  std::vector<selection> selections;
  std::string* target = &out;  // where kept bytes go (the candidate buffer inside a selected record)
  std::size_t sel_depth = 0;   // depth of the selected record being read (0: none)
  std::string_view capture;    // which field of the selected record the current text belongs to
  bool root_done = false;
  std::size_t p = 0;

  auto keeping = [&] { return !stack.empty() && stack.back().m == mode::whole; };

  while (p < s.size()) {
    if (s[p] != '<') {
      const auto e = s.find('<', p);
      if (e == std::string_view::npos) return false;
      const auto text = s.substr(p, e - p);
      if (stack.empty()) {
        if (!trim(text).empty()) return false;
      } else if (keeping()) {
        target->append(text);
        if (!capture.empty() && sel_depth != 0 && stack.size() == sel_depth + 1) {
          auto& sel = selections.back();
          (capture == "begindatum" ? sel.date : sel.dji).append(text);
        }
      }
      p = e;
      continue;
    }
    if (root_done) return false;
    if (s.compare(p, 4, "<!--") == 0) {
      const auto e = s.find("-->", p + 4);
      if (e == std::string_view::npos) return false;
      if (keeping()) target->append(s.substr(p, e + 3 - p));
      p = e + 3;
      continue;
    }
    if (s.compare(p, 9, "<![CDATA[") == 0) {
      const auto e = s.find("]]>", p + 9);
      if (e == std::string_view::npos) return false;
      if (keeping()) target->append(s.substr(p, e + 3 - p));
      p = e + 3;
      continue;
    }
    if (s.compare(p, 2, "<?") == 0) {
      const auto e = s.find("?>", p + 2);
      if (e == std::string_view::npos) return false;
      if (keeping()) target->append(s.substr(p, e + 2 - p));
      p = e + 2;
      continue;
    }
    if (s.compare(p, 2, "</") == 0) {
      const auto e = s.find('>', p + 2);
      if (e == std::string_view::npos || stack.empty()) return false;
      const auto tag = s.substr(p, e + 1 - p);
      const frame f = stack.back();
      if (f.m != mode::drop) {
        // The parent of a selection writes the best record before its own end tag.
        if (!selections.empty() && selections.back().parent_depth == stack.size()) {
          auto& sel = selections.back();
          if (sel.have_best) target->append(sel.best);
          selections.pop_back();
        }
        target->append(tag);
      }
      stack.pop_back();
      capture = {};
      if (f.selected) {
        // End of a candidate record: is it better than the best so far?
        auto& sel = selections.back();
        target = &out;  // a selection never lies inside another (a selected record is kept whole)
        const auto dji = trim(sel.dji);
        const auto date = trim(sel.date).substr(0, 10);
        if ((dji == "false" || dji == "0") && (!sel.have_best || date >= sel.best_date)) {
          sel.best.swap(sel.current);
          sel.best_date.assign(date);
          sel.have_best = true;
        }
        sel.current.clear();
        sel.date.clear();
        sel.dji.clear();
        sel_depth = 0;
      }
      p = e + 1;
      if (stack.empty()) root_done = true;
      continue;
    }
    if (s.compare(p, 2, "<!") == 0) return false;  // DOCTYPE: never in an accepted message
    // A start tag: find its end, skipping quoted attribute values.
    std::size_t q = p + 1;
    const std::size_t name_begin = q;
    while (q < s.size() && name_char(s[q])) ++q;
    const auto qname = s.substr(name_begin, q - name_begin);
    if (qname.empty()) return false;
    char quote = 0;
    while (q < s.size()) {
      const char c = s[q];
      if (quote) {
        if (c == quote) quote = 0;
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '>') {
        break;
      }
      ++q;
    }
    if (q >= s.size()) return false;
    const bool empty = s[q - 1] == '/';
    const auto tag = s.substr(p, q + 1 - p);
    p = q + 1;

    frame f;
    if (stack.empty()) {
      if (root_done) return false;
      f = {0, mode::partial, false};
    } else {
      const frame& parent = stack.back();
      if (parent.m == mode::drop) {
        f = {0, mode::drop, false};
      } else if (parent.m == mode::whole) {
        f = {0, mode::whole, false};
        if (sel_depth != 0 && stack.size() == sel_depth) {
          const auto ln = local_name(qname);
          capture = ln == "begindatum" || ln == "djiInstelling" ? ln : std::string_view{};
        }
      } else {
        const auto c = im.child(parent.node, local_name(qname));
        if (c == 0) {
          f = {0, mode::drop, false};
        } else if (im.nodes[c].select != selector::none) {
          if (selections.empty() || selections.back().parent_depth != stack.size())
            selections.push_back(selection{stack.size(), {}, {}, {}, false, {}, {}});
          f = {c, mode::whole, true};
          target = &selections.back().current;
          sel_depth = stack.size() + 1;
        } else {
          f = {c, im.nodes[c].whole ? mode::whole : mode::partial, false};
        }
      }
    }
    if (f.m != mode::drop) target->append(tag);
    if (empty) {
      if (f.selected) {
        // An empty record has neither a date nor djiInstelling false: never selected.
        selections.back().current.clear();
        target = &out;  // a selection never lies inside another (a selected record is kept whole)
        sel_depth = 0;
      }
      if (stack.empty()) root_done = true;
      continue;
    }
    stack.push_back(f);
  }
  return root_done && stack.empty();
}

}  // namespace

jubes::result<void> append_projected(std::string& out, std::string_view element, const projection& p) {
  const auto size = out.size();
  out.reserve(size + element.size());
  if (!run(out, element, *p.impl_)) {
    out.resize(size);
    return jubes::fail(errc::not_well_formed, "the message element cannot be projected");
  }
  return {};
}

}  // namespace jubes::codecs
