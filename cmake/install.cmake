# SPDX-License-Identifier: EUPL-1.2
# `cmake --install BUILD [--prefix P]` (docs/operations.md, "Install"). Standard paths from GNUInstallDirs:
#   <bindir>                          jubesd, jubesctl
#   <sysconfdir>/jubes/               jubes.yaml (the default configuration, paths made absolute for the
#                                     installed tree), routes.yaml, gemeenten.csv, bij-deelnemers.yaml,
#                                     gemeente-splitsingen.yaml
#   <datadir>/jubes/schemas/          the XSDs (conf/schemas)
#   <datadir>/jubes/examples/         the example messages (conf/examples)
#   <datadir>/jubes/dashboard/        the dashboard's files, uPlot from gateway/dashboard/node_modules
#   <datadir>/jubes/grafana/          jubes.json, the Grafana dashboard (conf/grafana)
#   <datadir>/jubes/prometheus/       jubes-alerts.yml, the alert rules, and their promtool unit tests
#   <docdir>/                         LICENSE, THIRD-PARTY-NOTICES.md, README.md, operations.md
#   JUBES_SYSTEMD_UNIT_DIR            jubesd.service; JUBES_SYSUSERS_DIR: jubes.conf (the `jubes` user)
# The store lives in /var/lib/jubes (the unit's StateDirectory=jubes), whatever the prefix.
# The configuration files are never overwritten: an existing file that differs from this version's is
# left alone and this version installed beside it as FILE.new (the install prints which).
# jubes.yaml and jubesd.service are written at install time, so that `--prefix` given to
# `cmake --install` is the prefix they name; DESTDIR is honoured (staging for a package).

set(JUBES_SYSTEMD_UNIT_DIR "lib/systemd/system" CACHE STRING
    "Where jubesd.service is installed (relative: under the install prefix)")
set(JUBES_SYSUSERS_DIR "lib/sysusers.d" CACHE STRING
    "Where the sysusers.d file that creates the jubes user is installed (relative: under the install prefix)")

install(TARGETS jubesd jubesctl RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

install(DIRECTORY conf/schemas/ DESTINATION ${CMAKE_INSTALL_DATADIR}/jubes/schemas)
install(DIRECTORY conf/examples/ DESTINATION ${CMAKE_INSTALL_DATADIR}/jubes/examples)
# Monitoring (docs/operations.md, "Monitoring and alerting"): data for Grafana and Prometheus, not
# configuration of jubesd; the test file beside the rules, so that `promtool test rules` runs there.
install(FILES conf/grafana/jubes.json DESTINATION ${CMAKE_INSTALL_DATADIR}/jubes/grafana)
install(FILES conf/prometheus/jubes-alerts.yml conf/prometheus/jubes-alerts.test.yml
        DESTINATION ${CMAKE_INSTALL_DATADIR}/jubes/prometheus)

# The dashboard: the allow-listed files of gateway/dashboard/src/dashboard.cpp, in the same layout.
# uPlot comes from `npm ci` in gateway/dashboard (scripts/install-deps); without it the install fails
# here, naming the missing file.
set(dash ${PROJECT_SOURCE_DIR}/gateway/dashboard)
install(FILES ${dash}/index.html ${dash}/app.js ${dash}/style.css ${dash}/parked.html ${dash}/parked.js DESTINATION ${CMAKE_INSTALL_DATADIR}/jubes/dashboard)
install(FILES ${dash}/node_modules/uplot/dist/uPlot.iife.min.js ${dash}/node_modules/uplot/dist/uPlot.min.css
        DESTINATION ${CMAKE_INSTALL_DATADIR}/jubes/dashboard/node_modules/uplot/dist)
install(FILES ${dash}/node_modules/uplot/LICENSE ${dash}/node_modules/uplot/package.json
        DESTINATION ${CMAKE_INSTALL_DATADIR}/jubes/dashboard/node_modules/uplot)

install(FILES LICENSE THIRD-PARTY-NOTICES.md README.md docs/operations.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

# Install-time generation (cmake/install_generate.cmake): the installed jubes.yaml, the other
# configuration files (never overwritten), the systemd unit and the sysusers.d file.
install(CODE "
set(JUBES_SOURCE_DIR \"${PROJECT_SOURCE_DIR}\")
set(JUBES_GEN_DIR \"${PROJECT_BINARY_DIR}/install-gen\")
set(JUBES_BINDIR \"${CMAKE_INSTALL_BINDIR}\")
set(JUBES_SYSCONFDIR \"${CMAKE_INSTALL_SYSCONFDIR}\")
set(JUBES_DATADIR \"${CMAKE_INSTALL_DATADIR}\")
set(JUBES_DOCDIR \"${CMAKE_INSTALL_DOCDIR}\")
set(JUBES_SYSTEMD_UNIT_DIR \"${JUBES_SYSTEMD_UNIT_DIR}\")
set(JUBES_SYSUSERS_DIR \"${JUBES_SYSUSERS_DIR}\")
include(\"${PROJECT_SOURCE_DIR}/cmake/install_generate.cmake\")
")
