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

// One pass over the message element: kept bytes are appended to `out`, dropped subtrees skipped, and the
// candidate records of a selector buffered until their parent ends. One method per kind of markup.
class projector {
 public:
  projector(std::string& out, const projection::impl& im) : out_(out), im_(im), target_(&out) { stack_.reserve(16); }

  /// False on malformed input.
  bool run(std::string_view s) {
    std::size_t p = 0;
    while (p < s.size()) {
      if (s[p] != '<') {
        if (!text(s, p)) return false;
      } else if (root_done_) {
        return false;
      } else if (s.compare(p, 4, "<!--") == 0) {
        if (!verbatim(s, p, 4, "-->")) return false;
      } else if (s.compare(p, 9, "<![CDATA[") == 0) {
        if (!verbatim(s, p, 9, "]]>")) return false;
      } else if (s.compare(p, 2, "<?") == 0) {
        if (!verbatim(s, p, 2, "?>")) return false;
      } else if (s.compare(p, 2, "</") == 0) {
        if (!end_tag(s, p)) return false;
      } else if (s.compare(p, 2, "<!") == 0) {
        return false;  // DOCTYPE: never in an accepted message
      } else if (!start_tag(s, p)) {
        return false;
      }
    }
    return root_done_ && stack_.empty();
  }

 private:
  bool keeping() const { return !stack_.empty() && stack_.back().m == mode::whole; }

  bool text(std::string_view s, std::size_t& p) {
    const auto e = s.find('<', p);
    if (e == std::string_view::npos) return false;
    const auto t = s.substr(p, e - p);
    if (stack_.empty()) {
      if (!trim(t).empty()) return false;
    } else if (keeping()) {
      target_->append(t);
      if (!capture_.empty() && sel_depth_ != 0 && stack_.size() == sel_depth_ + 1) {
        auto& sel = selections_.back();
        (capture_ == "begindatum" ? sel.date : sel.dji).append(t);
      }
    }
    p = e;
    return true;
  }

  // A comment, CDATA section or processing instruction: kept as it is inside a kept subtree.
  bool verbatim(std::string_view s, std::size_t& p, std::size_t open_len, std::string_view close) {
    const auto e = s.find(close, p + open_len);
    if (e == std::string_view::npos) return false;
    if (keeping()) target_->append(s.substr(p, e + close.size() - p));
    p = e + close.size();
    return true;
  }

  bool end_tag(std::string_view s, std::size_t& p) {
    const auto e = s.find('>', p + 2);
    if (e == std::string_view::npos || stack_.empty()) return false;
    const frame f = stack_.back();
    if (f.m != mode::drop) {
      // The parent of a selection writes the best record before its own end tag.
      if (!selections_.empty() && selections_.back().parent_depth == stack_.size()) {
        auto& sel = selections_.back();
        if (sel.have_best) target_->append(sel.best);
        selections_.pop_back();
      }
      target_->append(s.substr(p, e + 1 - p));
    }
    stack_.pop_back();
    capture_ = {};
    if (f.selected) end_of_candidate();
    p = e + 1;
    if (stack_.empty()) root_done_ = true;
    return true;
  }

  // End of a candidate record: is it better than the best so far?
  void end_of_candidate() {
    auto& sel = selections_.back();
    target_ = &out_;  // a selection never lies inside another (a selected record is kept whole)
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
    sel_depth_ = 0;
  }

  bool start_tag(std::string_view s, std::size_t& p) {
    // Find the tag's end, skipping quoted attribute values.
    std::size_t q = p + 1;
    const std::size_t name_begin = q;
    while (q < s.size() && name_char(s[q])) ++q;
    const auto qname = s.substr(name_begin, q - name_begin);
    if (qname.empty()) return false;
    char quote = 0;
    for (; q < s.size(); ++q) {
      const char c = s[q];
      if (quote) {
        if (c == quote) quote = 0;
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '>') {
        break;
      }
    }
    if (q >= s.size()) return false;
    const bool empty = s[q - 1] == '/';
    const auto tag = s.substr(p, q + 1 - p);
    p = q + 1;

    const frame f = frame_of(qname);
    if (f.m != mode::drop) target_->append(tag);
    if (empty) {
      if (f.selected) {
        // An empty record has neither a date nor djiInstelling false: never selected.
        selections_.back().current.clear();
        target_ = &out_;
        sel_depth_ = 0;
      }
      if (stack_.empty()) root_done_ = true;
      return true;
    }
    stack_.push_back(f);
    return true;
  }

  // What happens to an element named `qname` under the current one: dropped, kept whole, kept in part
  // (its children decide), or a candidate record of a selector.
  frame frame_of(std::string_view qname) {
    if (stack_.empty()) return {0, mode::partial, false};
    const frame& parent = stack_.back();
    if (parent.m == mode::drop) return {0, mode::drop, false};
    if (parent.m == mode::whole) {
      if (sel_depth_ != 0 && stack_.size() == sel_depth_) {
        const auto ln = local_name(qname);
        capture_ = ln == "begindatum" || ln == "djiInstelling" ? ln : std::string_view{};
      }
      return {0, mode::whole, false};
    }
    const auto c = im_.child(parent.node, local_name(qname));
    if (c == 0) return {0, mode::drop, false};
    if (im_.nodes[c].select == selector::none) return {c, im_.nodes[c].whole ? mode::whole : mode::partial, false};
    if (selections_.empty() || selections_.back().parent_depth != stack_.size())
      selections_.push_back(selection{stack_.size(), {}, {}, {}, false, {}, {}});
    target_ = &selections_.back().current;
    sel_depth_ = stack_.size() + 1;
    return {c, mode::whole, true};
  }

  std::string& out_;
  const projection::impl& im_;
  std::vector<frame> stack_;
  std::vector<selection> selections_;
  std::string* target_;        // where kept bytes go (the candidate buffer inside a selected record)
  std::size_t sel_depth_ = 0;  // depth of the selected record being read (0: none)
  std::string_view capture_;   // which field of the selected record the current text belongs to
  bool root_done_ = false;
};

}  // namespace

jubes::result<void> append_projected(std::string& out, std::string_view element, const projection& p) {
  const auto size = out.size();
  out.reserve(size + element.size());
  if (!projector(out, *p.impl_).run(element)) {
    out.resize(size);
    return jubes::fail(errc::not_well_formed, "the message element cannot be projected");
  }
  return {};
}

}  // namespace jubes::codecs
