// SPDX-License-Identifier: EUPL-1.2
// jubesctl: the admin CLI. Thin: everything is in gateway/src/ctl.cpp (see gateway/ctl.hpp).
#include <iostream>

#include "gateway/ctl.hpp"

int main(int argc, char** argv) {
  return jubes::gateway::run_ctl(argc, argv, std::cout, std::cerr);
}
