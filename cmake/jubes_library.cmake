# SPDX-License-Identifier: EUPL-1.2
# jubes_library(NAME
#               SRCS file.cpp...
#               [PUBLIC_DEPS target...]    needed by the library's public headers
#               [PRIVATE_DEPS target...]   needed only by its sources (third-party libraries as a rule)
#               [PUBLIC_DEFINES D...] [PRIVATE_DEFINES D...])
#
# One static library per top-level directory (model: redpanda's v_cc_library): target jubes_NAME,
# alias jubes::NAME, public headers in include/<dir>/, sources and private headers in src/ so that
# the compiler enforces the boundary. Call it from the directory's CMakeLists.txt.
function(jubes_library name)
  cmake_parse_arguments(L "" "" "SRCS;PUBLIC_DEPS;PRIVATE_DEPS;PUBLIC_DEFINES;PRIVATE_DEFINES" ${ARGN})
  if(NOT L_SRCS)
    message(FATAL_ERROR "jubes_library(${name}): no SRCS")
  endif()
  if(L_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "jubes_library(${name}): unknown arguments ${L_UNPARSED_ARGUMENTS}")
  endif()
  add_library(jubes_${name} STATIC ${L_SRCS})
  add_library(jubes::${name} ALIAS jubes_${name})
  set(inc PRIVATE src)
  if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/include)
    list(PREPEND inc PUBLIC include)
  endif()
  target_include_directories(jubes_${name} ${inc})
  target_link_libraries(jubes_${name} PUBLIC ${L_PUBLIC_DEPS} PRIVATE ${L_PRIVATE_DEPS})
  if(L_PUBLIC_DEFINES)
    target_compile_definitions(jubes_${name} PUBLIC ${L_PUBLIC_DEFINES})
  endif()
  if(L_PRIVATE_DEFINES)
    target_compile_definitions(jubes_${name} PRIVATE ${L_PRIVATE_DEFINES})
  endif()
endfunction()
