# Helpers that give every target of ours the same flags, and make adding a test one line.

include(${CMAKE_CURRENT_LIST_DIR}/ReuseBuilt.cmake)
# The dev preset sets it to the release tree: the shipped models and the gazetteer index come
# out byte-identical in every build, so a build takes them from there when they are current
# there instead of making them again (cmake/ReuseBuilt.cmake).
set(RAINCHECK_REUSE_BUILT_FROM "" CACHE PATH
    "A build tree of these sources to copy the shipped models and gazetteer index from")

set(RAINCHECK_WARNINGS
  -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow
  -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual
  -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)

# Precompiled headers: nlohmann/json.hpp costs ~2.6 s of CPU (3.2 s in the dev build) in each
# of ~100 translation units, gtest/gmock ~2.4 s in each test's. Each is compiled once per build
# tree and reused by every target (docs/benchmarks.md, "Build time"). GCC only: the release
# and dev builds are GCC's; clang (the fuzz preset) checks a reused header's command line more
# strictly, and its fuzz targets add flags of their own. RAINCHECK_PCH=OFF to compare.
option(RAINCHECK_PCH "Precompile nlohmann/json (and gtest for the tests) once per build" ON)
set(RAINCHECK_PCH_HEADERS <nlohmann/json.hpp> <string> <vector> <map> <optional> <memory>)
# ccache caches compiles that use a precompiled header only with this sloppiness (its manual,
# "Precompiled headers"); without it every such compile would miss.
if(RAINCHECK_PCH AND CMAKE_CXX_COMPILER_LAUNCHER MATCHES "ccache$")
  set(CMAKE_CXX_COMPILER_LAUNCHER ${CMAKE_COMMAND} -E env
      CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
      ${CMAKE_CXX_COMPILER_LAUNCHER})
endif()

# raincheck_pch_target(NAME HEADERS...): an object library whose only job is to compile the
# precompiled header the other targets reuse, with the flags every target of ours has.
function(raincheck_pch_target name)
  add_library(${name} OBJECT ${PROJECT_SOURCE_DIR}/cmake/pch.cc)
  raincheck_flags(${name})
  target_link_libraries(${name} PRIVATE nlohmann_json::nlohmann_json)
  target_precompile_headers(${name} PRIVATE ${ARGN})
endfunction()

# raincheck_use_pch(TARGET PCH_TARGET): TARGET reuses PCH_TARGET's precompiled header.
function(raincheck_use_pch target pch)
  if(NOT RAINCHECK_PCH OR NOT CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    return()
  endif()
  if(NOT TARGET ${pch})
    if(pch STREQUAL "raincheck_pch")
      raincheck_pch_target(raincheck_pch ${RAINCHECK_PCH_HEADERS})
    else()
      raincheck_pch_target(${pch} ${RAINCHECK_PCH_HEADERS} <gtest/gtest.h> <gmock/gmock.h>)
      target_link_libraries(${pch} PRIVATE GTest::gtest GTest::gmock)
    endif()
  endif()
  target_precompile_headers(${target} REUSE_FROM ${pch})
endfunction()

# raincheck_flags(TARGET): warnings (errors when RAINCHECK_WERROR), the include root, the
# version. Sanitizers, when asked, apply to every target (below).
function(raincheck_flags target)
  target_compile_options(${target} PRIVATE ${RAINCHECK_WARNINGS})
  if(RAINCHECK_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR})
  target_compile_definitions(${target} PRIVATE RAINCHECK_VERSION="${PROJECT_VERSION}")
endfunction()

# raincheck_defaults(TARGET [PCH_TARGET]): raincheck_flags plus the shared precompiled header
# (raincheck_pch unless named).
function(raincheck_defaults target)
  raincheck_flags(${target})
  set(pch raincheck_pch)
  if(ARGC GREATER 1)
    set(pch ${ARGV1})
  endif()
  raincheck_use_pch(${target} ${pch})
endfunction()

if(RAINCHECK_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

# raincheck_library(NAME SOURCES... [DEPS libs...])
function(raincheck_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  raincheck_defaults(${name})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()

# raincheck_test(NAME SOURCES... [DEPS libs...] [PROPERTIES name value...]): one GoogleTest
# executable, its tests discovered when ctest runs (so building never runs a test binary).
# PROPERTIES are set on every discovered test (single values only, e.g. FIXTURES_REQUIRED;
# ENVIRONMENT is taken).
function(raincheck_test name)
  if(NOT RAINCHECK_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PROPERTIES" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  raincheck_defaults(${name} raincheck_test_pch)
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main GTest::gmock)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  target_compile_definitions(${name} PRIVATE
    RAINCHECK_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    RAINCHECK_BINARY_DIR="${CMAKE_BINARY_DIR}")
  gtest_discover_tests(${name} DISCOVERY_MODE PRE_TEST
    PROPERTIES ENVIRONMENT "TZ=America/Santiago" ${ARG_PROPERTIES})
endfunction()
