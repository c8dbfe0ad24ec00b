// SPDX-License-Identifier: EUPL-1.2
#include "pipeline.hpp"

#include <algorithm>

#include "common/recipient.hpp"
#include "gateway/errc.hpp"
#include "wiring.hpp"

namespace jubes::gateway::detail {

namespace {

// --- The gateway's only calls that load configuration files into the libraries ----------------

jubes::result<std::shared_ptr<const routing::gemeente_registry>> load_gemeenten(const std::filesystem::path& file) {
  auto g = routing::gemeente_registry::load(file);
  if (!g) return jubes::fail(g.error().code, "gemeenten_file: " + g.error().message());
  return *g;
}

jubes::result<std::shared_ptr<const codecs::schema_catalog>> load_catalog(
    const std::vector<codecs::schema_set_config>& sets) {
  if (sets.empty()) return jubes::fail(errc::config_invalid, "schemas: no schema set configured");
  auto c = codecs::schema_catalog::load(sets);
  if (!c) return jubes::fail(c.error().code, "schemas: " + c.error().message());
  return *c;
}

constexpr std::string_view k_mutatiesoort = "parameters/mutatiesoort";

jubes::result<std::shared_ptr<const route_snapshot>> compile_routes(const std::filesystem::path& file,
                                                                    const routing::compile_context& cctx) {
  // The table compiles against cctx.gemeenten; the snapshot carries it so that both swap together.
  auto t = routing::table::compile(file, cctx);
  if (!t) return jubes::fail(t.error().code, "routes_file: " + t.error().message());
  // Corrections and withdrawals (docs/MESSAGES.md): the pipeline reads parameters/mutatiesoort itself.
  std::vector<std::string> paths = (*t)->field_paths();
  int mutatie = (*t)->field_index(k_mutatiesoort);
  if (mutatie < 0) {
    mutatie = static_cast<int>(paths.size());
    paths.emplace_back(k_mutatiesoort);
  }
  // Plausibility (issue 13): the dates the pipeline checks before routing.
  std::vector<int> plausible;
  for (const auto& path : routing::plausibility::field_paths()) {
    auto at = std::find(paths.begin(), paths.end(), path);
    plausible.push_back(static_cast<int>(at - paths.begin()));
    if (at == paths.end()) paths.push_back(path);
  }
  route_snapshot snap{cctx.gemeenten, *t, codecs::field_set(paths), mutatie, std::move(plausible), {}, {}};
  for (const auto& spec : (*t)->projections()) {
    auto p = codecs::projection::make(spec.fields);
    if (!p)
      return jubes::fail(p.error().code, "routes_file: " + file.filename().string() + ":" + std::to_string(spec.line) +
                                             ": projection '" + spec.id + "': " + p.error().message());
    snap.projections.push_back(std::move(*p));
  }
  if (!snap.projections.empty()) {
    auto w = codecs::projection::make({});
    if (!w) return jubes::error(w.error());
    snap.withheld = std::move(*w);
  }
  return std::make_shared<const route_snapshot>(std::move(snap));
}

// ------------------------------------------------------------------------------------------------

std::atomic<std::uint64_t> next_instance{1};

// One validator per thread, bound to the pipeline it was made for (xerces parsers are not
// thread-safe; the locked grammar pool behind them is shared).
thread_local std::unique_ptr<codecs::validator> tl_validator;
thread_local std::uint64_t tl_owner = 0;

refusal from_fault(codecs::fault f) {
  refusal r(f.code, std::move(f.text));
  r.line = f.line;
  r.column = f.column;
  r.element_path = std::move(f.element_path);
  return r;
}

/// The party's allowed types and its configured zender. @return the refusal, or nullopt
std::optional<refusal> authorise(const party_config& party, const codecs::envelope& env) {
  if (std::find(party.message_types.begin(), party.message_types.end(), env.message_type) == party.message_types.end())
    return refusal(errc::type_not_allowed, "party " + party.id + " may not send message type " + env.message_type)
        .about(env);
  if (env.zender_organisatie != party.zender_organisatie || env.zender_applicatie != party.zender_applicatie)
    return refusal(errc::zender_mismatch,
                   "zender " + env.zender_organisatie + "/" + env.zender_applicatie + " is not party " + party.id)
        .about(env);
  return std::nullopt;
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

}  // namespace

pipeline::pipeline(const config& cfg, pipeline_options o)
    : cfg_(cfg),
      opts_(std::move(o)),
      instance_(next_instance.fetch_add(1)),
      plausible_(routing::plausibility_limits{static_cast<int>(cfg.plausibility.event_max_past_days),
                                              static_cast<int>(cfg.plausibility.event_max_future_days)}) {}

pipeline::~pipeline() {
  // This thread's validator before the catalog and xerces (other threads' died with their threads).
  if (tl_owner == instance_) {
    tl_validator.reset();
    tl_owner = 0;
  }
  routes_.store(nullptr);
  cctx_ = {};  // its schema_can_supply holds the catalog too
}

jubes::result<std::unique_ptr<pipeline>> pipeline::open(const config& cfg, pipeline_options o) {
  std::unique_ptr<pipeline> p(new pipeline(cfg, std::move(o)));
  p->xerces_.emplace();
  if (!p->opts_.adhoc_xsds.empty()) {
    auto cat = load_catalog({codecs::adhoc_schema_set(p->opts_.adhoc_xsds)});
    if (!cat) return cat.error();
    p->catalog_ = *cat;
    return p;
  }
  auto g = load_gemeenten(cfg.gemeenten_file);
  if (!g) return g.error();
  p->gemeenten_ = *g;
  if (auto r = check_parties(cfg, *p->gemeenten_); !r) return r.error();
  auto cat = load_catalog(schema_sets(cfg));
  if (!cat) return cat.error();
  p->catalog_ = *cat;
  if (!p->opts_.load_routes) return p;
  p->cctx_ = compile_context(cfg, p->catalog_, p->gemeenten_);
  auto snap = compile_routes(cfg.routes_file, p->cctx_);
  if (!snap) return snap.error();
  p->routes_.store(*snap);
  return p;
}

jubes::result<std::shared_ptr<const route_snapshot>> pipeline::reload_routes() {
  std::lock_guard lk(reload_mu_);
  // The municipality table is part of the snapshot: re-read it, check the configured municipal parties
  // against it, compile the routes against it; publish all of it at once, or nothing.
  auto g = load_gemeenten(cfg_.gemeenten_file);
  if (!g) return g.error();
  if (auto r = check_parties(cfg_, **g); !r) return r.error();
  auto cctx = compile_context(cfg_, catalog_, *g);
  auto snap = compile_routes(cfg_.routes_file, cctx);
  if (!snap) return snap.error();
  cctx_ = std::move(cctx);
  routes_.store(*snap);
  generation_.fetch_add(1);
  return *snap;
}

std::shared_ptr<const routing::gemeente_registry> pipeline::gemeenten() const {
  if (auto snap = routes()) return snap->gemeenten;
  return gemeenten_;
}

codecs::validator& pipeline::validator() const {
  if (!tl_validator || tl_owner != instance_) {
    codecs::semantic_options sem;
    // The table in service at each call: a reload swaps it (with the routes) under running validators.
    if (gemeenten_)
      sem.gemeentecode_exists = [this](std::string_view code) {
        auto g = gemeenten();
        return g && g->exists(code);
      };
    tl_validator = std::make_unique<codecs::validator>(catalog_, opts_.limits, sem);
    tl_owner = instance_;
  }
  return *tl_validator;
}

admission<codecs::parsed> pipeline::validate(std::string_view body) const {
  codecs::parsed p;
  codecs::fault f;
  if (!validator().parse(body, p, f)) return from_fault(std::move(f));
  return p;
}

admission<codecs::parsed> pipeline::validate(std::string_view body, const codecs::field_set& fields) const {
  codecs::parsed p;
  codecs::fault f;
  if (!validator().parse(body, fields, p, f)) return from_fault(std::move(f));
  return p;
}

namespace {
/// StUF mutatiesoort W or C: a correction, V: a withdrawal of the earlier notice named by
/// crossRefnummer (docs/MESSAGES.md, "Corrections and withdrawals"). @return the refusal, or nullopt
std::optional<refusal> mutation_of(const route_snapshot& snap, const codecs::parsed& p, storage::ingest_request& req) {
  const auto& vals = snap.mutatiesoort >= 0 && static_cast<std::size_t>(snap.mutatiesoort) < p.fields.size()
                         ? p.fields[snap.mutatiesoort]
                         : std::vector<std::string>{};
  const std::string soort = vals.empty() ? std::string("T") : vals.front();
  if (soort == "T") return std::nullopt;
  req.mutation_kind = soort == "V" ? storage::mutation::withdrawal : storage::mutation::correction;
  const std::string what = soort == "V" ? "a withdrawal (mutatiesoort V)" : "a correction (mutatiesoort " + soort + ")";
  auto refuse = [&](std::string why) {
    refusal r(errc::bad_request, what + why);
    r.about(p.env);
    return r;
  };
  if (p.env.cross_refnummer.empty())
    return refuse(" needs stuurgegevens/crossRefnummer: the referentienummer of the notice it concerns");
  if (p.env.cross_refnummer == p.env.referentienummer)
    return refuse(" cannot refer to itself (crossRefnummer = referentienummer)");
  req.cross_ref = p.env.cross_refnummer;
  return std::nullopt;
}
}  // namespace

std::optional<refusal> pipeline::implausible(const route_snapshot& snap, const codecs::parsed& p,
                                             std::int64_t now_ms) const {
  std::vector<const std::vector<std::string>*> values;
  for (int i : snap.plausibility_fields)
    values.push_back(static_cast<std::size_t>(i) < p.fields.size() ? &p.fields[static_cast<std::size_t>(i)] : nullptr);
  auto bad = plausible_.check(values, routing::plausibility::date_in_amsterdam(now_ms));
  if (!bad) return std::nullopt;
  refusal r(errc::implausible, "implausible " + bad->field + ": " + bad->reason);
  r.element_path = bad->field;
  r.about(p.env);
  return r;
}

admission<admitted> pipeline::admit(std::string body, const party_config& party, std::int64_t now_ms) const {
  auto snap = routes();
  auto parsed = validate(body, snap->fields);
  if (!parsed) return parsed.error();
  auto& env = parsed->env;
  if (auto r = authorise(party, env)) return std::move(*r);
  if (auto r = implausible(*snap, *parsed, now_ms)) return std::move(*r);
  auto d = snap->table->route(routing::facts{env.message_type, party.id, &parsed->fields});
  admitted a;
  a.request.party = party.id;
  a.request.referentienummer = env.referentienummer;
  a.request.message_type = env.message_type;
  a.request.body = std::move(body);
  // A partial delivery (issue 13) is delivered to the recipients found and parked for the missing one; a
  // message that no rule routes and none needs to (not BIJ-worthy) is stored without parking. (Decided before
  // the recipients are moved out of `d`: d.parked() looks at them.)
  const bool none = d.parked();
  a.partial = d.partial();
  a.request.unrouted = none && !d.unrouted_reason.empty();
  a.request.park_reason = a.request.unrouted ? d.unrouted_reason + ": " + d.park_reason
                          : none             ? std::move(d.park_reason)
                                             : std::move(d.partial_reason);
  a.request.recipients = std::move(d.recipients);
  a.request.route_version = std::move(d.table_version);
  a.request.matched_rules = std::move(d.matched_rules);
  a.request.received_at_ms = now_ms;
  a.request.deadline_ms = d.deadline_ms;
  a.request.at_risk_from_ms = d.at_risk_from_ms;
  if (auto r = mutation_of(*snap, *parsed, a.request)) return std::move(*r);
  a.parked = a.request.recipients.empty() && !a.request.unrouted;
  a.env = std::move(env);
  return a;
}

const codecs::projection* route_snapshot::view_for(std::string_view party, std::string_view message_type,
                                                   std::string_view source) const {
  if (party == source || projections.empty()) return nullptr;
  const auto who = recipient::parse(party);
  const auto* spec = table->projection_for(who ? who->kind() : std::string(party), message_type);
  if (!spec) return &*withheld;
  return &projections[static_cast<std::size_t>(spec - table->projections().data())];
}

admission<std::string> pipeline::explain(std::string_view body) const {
  auto snap = routes();
  auto p = validate(body, snap->fields);
  if (!p) return p.error();
  std::string source = source_for_zender(cfg_, p->env.zender_organisatie, p->env.zender_applicatie);
  return "source: " + (source.empty() ? std::string("(no party has this zender)") : source) + "\n" +
         snap->table->explain(routing::facts{p->env.message_type, source, &p->fields});
}

storage::entry_deadline pipeline::deadline_of(const storage::stored_message& m) const {
  if (m.purged) return {};
  auto snap = routes();
  auto parsed = validate(m.body, snap->fields);
  if (!parsed) return {};
  auto d = snap->table->route(routing::facts{m.message_type, m.source_party, &parsed->fields});
  return {d.deadline_ms, d.at_risk_from_ms};
}

jubes::result<reroute_plan> pipeline::plan_reroute(const storage::backend& s,
                                                   std::optional<std::uint64_t> only_id) const {
  std::vector<std::uint64_t> ids;
  if (only_id) {
    ids.push_back(*only_id);
  } else {
    auto parked = s.parked();
    if (!parked) return jubes::fail(parked.error(), "parked: " + parked.error().message());
    for (const auto& e : *parked) ids.push_back(e.message_id);
  }
  auto snap = routes();
  reroute_plan plan;
  for (auto id : ids) {
    auto& step = plan.steps.emplace_back();
    step.id = id;
    auto m = s.get(id);
    if (!m || !*m) {
      step.outcome = "not found";
      step.failed = true;
      continue;
    }
    const auto& msg = **m;
    auto parsed = msg.purged ? admission<codecs::parsed>(refusal(errc::gone)) : validate(msg.body, snap->fields);
    if (!parsed) {
      step.outcome = "cannot re-read the message";
      step.failed = true;
      continue;
    }
    auto d = snap->table->route(routing::facts{msg.message_type, msg.source_party, &parsed->fields});
    // A partial delivery stays parked while the table still cannot name its missing recipient; a message
    // parked without recipients goes to those the table finds now (the operator ordered it).
    if (d.parked() || (d.partial() && !msg.recipients.empty())) {
      step.outcome = "still unroutable: " + (d.parked() ? d.park_reason : d.partial_reason);
      step.still_parked = true;
      continue;
    }
    step.recipients = std::move(d.recipients);
    step.version = std::move(d.table_version);
    step.deadline = {d.deadline_ms, d.at_risk_from_ms};
  }
  return plan;
}

void pipeline::reroute(storage::backend& s, reroute_plan plan, std::function<void(reroute_report)> done) {
  // One submit at a time, each started by the previous one's completion (on the writer thread,
  // where store callbacks may submit): the store never sees more than one of these queued. The
  // step holds itself weakly; a pending completion holds it strongly, so nothing leaks.
  struct run {
    storage::backend& s;
    reroute_plan plan;
    std::function<void(reroute_report)> done;
    reroute_report report;
    std::size_t next = 0;
    void note(const reroute_plan::step& st, bool rerouted) {
      report.text += std::to_string(st.id) + ": " + st.outcome + "\n";
      report.items.push_back({st.id, st.outcome, rerouted});
      report.failed += st.failed ? 1 : 0;
      report.still_parked += st.still_parked ? 1 : 0;
    }
  };
  auto r = std::make_shared<run>(run{s, std::move(plan), std::move(done), {}, 0});
  auto step = std::make_shared<std::function<void()>>();
  *step = [r, weak = std::weak_ptr<std::function<void()>>(step)] {
    while (r->next < r->plan.steps.size()) {
      auto& st = r->plan.steps[r->next++];
      if (st.outcome.empty()) {
        auto after = [r, &st, self = weak.lock()](jubes::result<void> res) {
          st.outcome = res ? "rerouted to " + joined(st.recipients) : res.error().message();
          st.failed = !res;
          r->note(st, bool(res));
          (*self)();
        };
        r->s.submit_reroute(st.id, st.recipients, st.version, std::move(after), r->plan.by, st.deadline);
        return;
      }
      r->note(st, false);
    }
    if (r->plan.steps.empty()) r->report.text = "nothing parked\n";
    r->done(std::move(r->report));
  };
  (*step)();
}

}  // namespace jubes::gateway::detail
