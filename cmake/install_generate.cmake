# SPDX-License-Identifier: EUPL-1.2
# Runs at install time (included by cmake_install.cmake, see cmake/install.cmake), where
# CMAKE_INSTALL_PREFIX is the prefix of this install (`cmake --install --prefix P` included).
# Input: JUBES_SOURCE_DIR, JUBES_GEN_DIR, JUBES_BINDIR, JUBES_SYSCONFDIR, JUBES_DATADIR, JUBES_DOCDIR,
# JUBES_SYSTEMD_UNIT_DIR, JUBES_SYSUSERS_DIR (as GNUInstallDirs gives them: relative to the prefix
# or absolute).

# GNUInstallDirs' rule: relative dirs are under the prefix; sysconfdir of the prefix /usr is /etc.
function(jubes_full out dir kind)
  if(IS_ABSOLUTE "${dir}")
    set(full "${dir}")
  elseif(kind STREQUAL "sysconf" AND CMAKE_INSTALL_PREFIX STREQUAL "/usr")
    set(full "/${dir}")
  else()
    set(full "${CMAKE_INSTALL_PREFIX}/${dir}")
  endif()
  set(${out} "${full}" PARENT_SCOPE)
endfunction()
jubes_full(bindir "${JUBES_BINDIR}" plain)
jubes_full(confdir "${JUBES_SYSCONFDIR}/jubes" sysconf)
jubes_full(datadir "${JUBES_DATADIR}/jubes" plain)
jubes_full(docdir "${JUBES_DOCDIR}" plain)
jubes_full(unitdir "${JUBES_SYSTEMD_UNIT_DIR}" plain)
jubes_full(sysusersdir "${JUBES_SYSUSERS_DIR}" plain)
set(statedir "/var/lib/jubes")  # systemd's StateDirectory=jubes

# Replaces `from` by `to` in `var`, failing loudly when conf/jubes.yaml no longer has `from`: the
# install test (tests/packaging) then fails rather than shipping a configuration with stale paths.
macro(jubes_replace var from to)
  string(FIND "${${var}}" "${from}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "install: conf/jubes.yaml has no '${from}'; update cmake/install_generate.cmake")
  endif()
  string(REPLACE "${from}" "${to}" ${var} "${${var}}")
endmacro()

file(READ "${JUBES_SOURCE_DIR}/conf/jubes.yaml" yaml)
jubes_replace(yaml "# Check without starting: jubesd --check-config --config conf/jubes.yaml"
              "# Installed by `cmake --install`: the store in ${statedir} (the systemd unit's StateDirectory),\n# the TLS files in ${statedir}/pki (see docs/operations.md, \"Install\").\n# Check without starting: jubesd --check-config --config ${confdir}/jubes.yaml")
jubes_replace(yaml "data_dir: ../data " "data_dir: ${statedir} ")
jubes_replace(yaml "dashboard_dir: ../gateway/dashboard  # the source tree's; the installed configuration names the installed copy"
              "dashboard_dir: ${datadir}/dashboard")
jubes_replace(yaml "entry_points: [schemas/" "entry_points: [${datadir}/schemas/")
file(MAKE_DIRECTORY "${JUBES_GEN_DIR}")
file(WRITE "${JUBES_GEN_DIR}/jubes.yaml" "${yaml}")

# Configuration files: installed when absent or identical; one that differs (edited by the operator,
# or from an earlier version) stays, and this version goes beside it as FILE.new.
foreach(f "${JUBES_GEN_DIR}/jubes.yaml" "${JUBES_SOURCE_DIR}/conf/routes.yaml" "${JUBES_SOURCE_DIR}/conf/gemeenten.csv"
        "${JUBES_SOURCE_DIR}/conf/bij-deelnemers.yaml" "${JUBES_SOURCE_DIR}/conf/gemeente-splitsingen.yaml")
  get_filename_component(name "${f}" NAME)
  set(dest "$ENV{DESTDIR}${confdir}/${name}")
  if(EXISTS "${dest}")
    file(SHA256 "${dest}" have)
    file(SHA256 "${f}" want)
    if(NOT have STREQUAL want)
      message(STATUS "Kept: ${dest} (it differs from this version's); this version is ${dest}.new")
      file(COPY_FILE "${f}" "${dest}.new")
      continue()
    endif()
  endif()
  file(INSTALL DESTINATION "${confdir}" TYPE FILE FILES "${f}")
endforeach()

# The systemd unit and the sysusers.d entry, naming this prefix's binary and configuration.
set(JUBESD "${bindir}/jubesd")
set(JUBES_CONFIG "${confdir}/jubes.yaml")
set(JUBES_DOCS "${docdir}/operations.md")
configure_file("${JUBES_SOURCE_DIR}/packaging/systemd/jubesd.service.in" "${JUBES_GEN_DIR}/jubesd.service" @ONLY)
file(INSTALL DESTINATION "${unitdir}" TYPE FILE FILES "${JUBES_GEN_DIR}/jubesd.service")
file(INSTALL DESTINATION "${sysusersdir}" TYPE FILE RENAME jubes.conf FILES
     "${JUBES_SOURCE_DIR}/packaging/systemd/jubes.sysusers")
