// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Private: the snapshot's operator panels (docs/dashboard.md): totals read from the store (they
// survive a restart), store use against capacity, connections and TLS, per-source ingest rates and
// the full backlog table. Only figures and party ids: no message contents can reach them.
#include <boost/json.hpp>

#include "metrics_index.hpp"

namespace jubes::dashboard::detail {

/// Fills the parts of `cur` that the panels' rates are computed from.
void read_panels(const index& ix, snapshot_builder::reading& cur);

/// Adds "store_totals", "capacity" (into "store"), "connections", "tls", "sources" and "backlog".
/// @param prev the previous reading (nullptr on a stream's first snapshot: rates are null)
/// @param dt seconds between the two readings
void put_panels(boost::json::object& o, const index& ix, const snapshot_builder::reading& cur,
                const snapshot_builder::reading* prev, double dt);

}  // namespace jubes::dashboard::detail
