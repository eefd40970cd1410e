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

# raincheck_defaults(TARGET): warnings (errors when RAINCHECK_WERROR), sanitizers when asked.
function(raincheck_defaults target)
  target_compile_options(${target} PRIVATE ${RAINCHECK_WARNINGS})
  if(RAINCHECK_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR})
  target_compile_definitions(${target} PRIVATE RAINCHECK_VERSION="${PROJECT_VERSION}")
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
  raincheck_defaults(${name})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main GTest::gmock)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  target_compile_definitions(${name} PRIVATE
    RAINCHECK_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    RAINCHECK_BINARY_DIR="${CMAKE_BINARY_DIR}")
  gtest_discover_tests(${name} DISCOVERY_MODE PRE_TEST
    PROPERTIES ENVIRONMENT "TZ=America/Santiago" ${ARG_PROPERTIES})
endfunction()
