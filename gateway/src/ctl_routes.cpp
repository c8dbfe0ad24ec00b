// SPDX-License-Identifier: EUPL-1.2
// jubesctl's validation and routing commands: validate, route explain, routes reload (the command
// table is in ctl.cpp).
#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "codecs/errc.hpp"
#include "ctl_context.hpp"

namespace jubes::gateway::ctl {
namespace json = boost::json;

namespace {

bool read_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream o;
  o << in.rdbuf();
  out = o.str();
  return true;
}

/// One file's verdict: OK with its envelope, or the fault with line, column and element.
json::object verdict(pipeline& pipe, const std::string& file, std::string& text) {
  std::string body;
  if (!read_file(file, body)) {
    text += file + ": cannot read file\n";
    return json::object{{"file", file}, {"ok", false}, {"error", "cannot read file"}};
  }
  auto p = pipe.validate(body);
  if (!p) {
    const auto& r = p.error();
    const std::string code(codecs::to_string(static_cast<codecs::errc>(r.error.code.value())));
    text += file + ":" + std::to_string(r.line) + ":" + std::to_string(r.column) + ": " + code + ": " +
            r.error.message() + (r.element_path.empty() ? "" : " (at " + r.element_path + ")") + "\n";
    return json::object{{"file", file},
                        {"ok", false},
                        {"line", r.line},
                        {"column", r.column},
                        {"code", code},
                        {"error", r.error.message()},
                        {"element", r.element_path}};
  }
  const auto& env = p->env;
  text += file + ": OK type=" + env.message_type + " schema_set=" + env.schema_set + " berichtcode=" + env.berichtcode +
          " zender=" + env.zender_organisatie + "/" + env.zender_applicatie +
          " referentienummer=" + env.referentienummer + "\n";
  return json::object{{"file", file},
                      {"ok", true},
                      {"type", env.message_type},
                      {"schema_set", env.schema_set},
                      {"berichtcode", env.berichtcode},
                      {"zender", env.zender_organisatie + "/" + env.zender_applicatie},
                      {"referentienummer", env.referentienummer}};
}

}  // namespace

outcome cmd_validate(context& c, args& a) {
  pipeline_options o;
  o.load_routes = false;
  while (auto x = a.option("--xsd")) o.adhoc_xsds.emplace_back(*x);
  const auto& files = a.rest();
  if (files.empty()) stop_with(usage, "usage: validate [--xsd ENTRY.xsd]... FILE...");
  const config none;  // --xsd: the schemas given, no configuration
  auto pipe = pipeline::open(o.adhoc_xsds.empty() ? c.cfg() : none, o);
  if (!pipe) return failure(failed, pipe.error().message());
  std::string text;
  json::array all;
  std::size_t bad = 0;
  for (const auto& f : files) {
    auto v = verdict(**pipe, f, text);
    bad += v.at("ok").as_bool() ? 0 : 1;
    all.push_back(std::move(v));
  }
  auto out = success(json::object{{"files", std::move(all)}}, text);
  if (bad)
    out.code = failed, out.error = std::to_string(bad) + " of " + std::to_string(files.size()) + " file(s) refused";
  return out;
}

outcome cmd_route_explain(context& c, args& a) {
  const auto file = a.exactly(1, "route explain FILE")[0];
  std::string body;
  if (!read_file(file, body)) return failure(failed, file + ": cannot read file");
  auto text = c.pipe().explain(body);
  if (!text) {
    const auto& r = text.error();
    return failure(failed,
                   file + ":" + std::to_string(r.line) + ":" + std::to_string(r.column) + ": " + r.error.message());
  }
  return success(json::object{{"file", file}, {"explanation", *text}}, *text);
}

outcome cmd_routes_reload(context& c, args& a) {
  a.exactly(0, "routes reload");
  if (c.locate() == context::target::gateway) {
    auto [status, j] = c.admin("POST", "/v1/admin/routes/reload");
    std::string text;
    if (status == 200)
      text = "ok: routes version " + std::string(j.at("version").as_string()) + " (" + json::serialize(j.at("rules")) +
             " rules)\n";
    return from_gateway(status, j, text);
  }
  // No jubesd: nothing to reload, but say whether the file would load.
  auto t = c.pipe().routes()->table;
  json::object j{{"running", false},
                 {"file", c.cfg().routes_file.string()},
                 {"version", t->version()},
                 {"rules", t->rule_count()}};
  return success(j, "jubesd is not running; " + c.cfg().routes_file.string() + " compiles (version " + t->version() +
                        ", " + std::to_string(t->rule_count()) + " rules) and will be used at the next start\n");
}

}  // namespace jubes::gateway::ctl
