# SPDX-License-Identifier: EUPL-1.2
# All third-party dependencies, found once. Every one comes from a Debian 12 package that
# scripts/install-deps installs.

# Debian 12's default Boost is 1.74; we need 1.81 (libboost1.81-dev) for Asio/Beast awaitables.
find_package(Boost 1.81.0 EXACT REQUIRED CONFIG COMPONENTS json)
find_package(OpenSSL 3 REQUIRED)
find_package(XercesC 3.2 REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(Threads REQUIRED)

# A library Debian ships without a CMake package: NAME::NAME from its header and library file.
function(jubes_import_library name header)
  string(TOUPPER ${name} up)
  find_path(${up}_INCLUDE_DIR ${header} REQUIRED)
  find_library(${up}_LIBRARY ${name} REQUIRED)
  add_library(${name}::${name} UNKNOWN IMPORTED GLOBAL)
  set_target_properties(${name}::${name} PROPERTIES
    IMPORTED_LOCATION ${${up}_LIBRARY}
    INTERFACE_INCLUDE_DIRECTORIES ${${up}_INCLUDE_DIR})
endfunction()

jubes_import_library(lmdb lmdb.h)

# zstd (libzstd-dev): compression of bodies at rest (storage/body_codec.hpp).
jubes_import_library(zstd zstd.h)

if(JUBES_BUILD_TESTS)
  find_package(GTest REQUIRED)
  include(GoogleTest)
endif()
if(JUBES_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()

# yaml-cpp 0.7 on Debian exports the target as `yaml-cpp`.
if(NOT TARGET yaml-cpp::yaml-cpp)
  add_library(yaml-cpp::yaml-cpp ALIAS yaml-cpp)
endif()
