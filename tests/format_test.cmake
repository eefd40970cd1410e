# Every C++ file of the repository is formatted as .clang-format says (Debian's clang-format);
# a diff fails with the files named and the command that fixes them. Run as
#   cmake -DSOURCE=<source dir> -DCLANG_FORMAT=<clang-format> -P format_test.cmake

cmake_policy(SET CMP0007 NEW)

if(NOT CLANG_FORMAT)
  message(FATAL_ERROR "clang-format not found: scripts/setup.sh --deps-only installs it")
endif()

# The files under version control when this is a git checkout (so that untracked scratch files
# do not count), otherwise every .cc and .h outside build trees and dependencies.
set(files "")
if(EXISTS ${SOURCE}/.git)
  execute_process(COMMAND git ls-files -- "*.cc" "*.h" WORKING_DIRECTORY ${SOURCE}
                  OUTPUT_VARIABLE listed RESULT_VARIABLE rc)
  if(rc EQUAL 0)
    string(REPLACE "\n" ";" files "${listed}")
  endif()
endif()
if(NOT files)
  file(GLOB_RECURSE files RELATIVE ${SOURCE} ${SOURCE}/*.cc ${SOURCE}/*.h)
  list(FILTER files EXCLUDE REGEX "^(build[^/]*|node_modules|\\.git)/")
endif()
list(FILTER files EXCLUDE REGEX "^$")
set(present "")
foreach(f ${files})
  if(EXISTS ${SOURCE}/${f})  # deleted in the work tree, not yet in the index
    list(APPEND present ${f})
  endif()
endforeach()
set(files ${present})
list(LENGTH files count)
if(count EQUAL 0)
  message(FATAL_ERROR "no C++ files found under ${SOURCE}")
endif()

# One clang-format run over every file; its diagnostics name each file that differs.
execute_process(COMMAND ${CLANG_FORMAT} --style=file --dry-run --Werror ${files}
                WORKING_DIRECTORY ${SOURCE} RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE diag)
set(bad "")
if(NOT rc EQUAL 0)
  string(REGEX MATCHALL "[^\n:]+:[0-9]+:[0-9]+: error" hits "${diag}")
  foreach(hit ${hits})
    string(REGEX REPLACE ":[0-9]+:[0-9]+: error$" "" f "${hit}")
    list(APPEND bad ${f})
  endforeach()
  list(REMOVE_DUPLICATES bad)
  if(NOT bad)
    message(FATAL_ERROR "clang-format failed: ${diag}")
  endif()
endif()

if(bad)
  list(JOIN bad " " joined)
  message(FATAL_ERROR "not formatted as .clang-format says: ${joined}\n"
          "fix: clang-format -i ${joined}")
endif()
message(STATUS "${count} C++ files formatted as .clang-format says")
