// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Private: jubesctl's `tls` commands (ctl.cpp dispatches to them).
#include <ostream>

#include "gateway/client.hpp"
#include "gateway/config.hpp"

namespace jubes::gateway::detail {

/// `jubesctl tls reload`: asks the running jubesd (POST /v1/admin/tls/reload, as `operator`) to
/// re-read its certificate, key, CA bundle and CRL. Prints the reply: what is in use now, or why
/// the old files stay. When no jubesd answers, says whether the files of `cfg` would load.
/// @return 0 when jubesd took the new files; 1 otherwise, with a one-line cause on `err`
int ctl_tls_reload(const config& cfg, client& operator_client, std::ostream& out, std::ostream& err);

}  // namespace jubes::gateway::detail
