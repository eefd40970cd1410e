# The repository needs nothing outside itself: no code, build, script or README file reaches
# into a "shared" directory beside the checkout, or defines a macro or variable for it. Run as
#   cmake -DSOURCE=<source dir> -DWORK=<scratch dir> -P self_contained_test.cmake
# docs/ is not scanned: it may name that directory where it explains where data came from.
# The test data the suite uses lives in data/ (data/events/aws-samples/, data/capetown/).

# The patterns, spelt so that this file does not match itself.
set(parent_dir "..")
set(shared "SHARED")
set(patterns "${parent_dir}/shared" "RAINCHECK_${shared}_DIR" "-D${shared}=")

# Sources by name: build, code, script and README files.
set(source_name "(^|/)(CMakeLists\\.txt|CMakePresets\\.json|README\\.md|[^/]*\\.(cc|h|cmake|sh|py|mjs|js))$")

# scan(ROOT OUT): "path:line: pattern" for the first use of each pattern in each source file.
function(scan root out)
  file(GLOB top RELATIVE ${root} ${root}/* ${root}/.*)
  set(files "")
  foreach(entry ${top})
    # Build trees, dependencies and version control are not sources.
    if(entry MATCHES "^(build.*|\\.git|node_modules|dist|records.*|docs|\\.|\\.\\.)$")
      continue()
    endif()
    if(IS_DIRECTORY ${root}/${entry})
      file(GLOB_RECURSE found LIST_DIRECTORIES false ${root}/${entry}/*)
      list(APPEND files ${found})
    else()
      list(APPEND files ${root}/${entry})
    endif()
  endforeach()
  list(FILTER files INCLUDE REGEX "${source_name}")
  list(FILTER files EXCLUDE REGEX "/node_modules/")
  set(hits "")
  foreach(f ${files})
    file(READ ${f} content)
    foreach(p ${patterns})
      string(FIND "${content}" "${p}" at)
      if(NOT at EQUAL -1)
        string(SUBSTRING "${content}" 0 ${at} before)
        string(REGEX MATCHALL "\n" newlines "${before}")
        list(LENGTH newlines n)
        math(EXPR n "${n} + 1")
        file(RELATIVE_PATH rel ${root} ${f})
        string(APPEND hits "  ${rel}:${n}: ${p}\n")
      endif()
    endforeach()
  endforeach()
  set(${out} "${hits}" PARENT_SCOPE)
endfunction()

# First prove the scan finds what it must find, in a scratch tree.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK}/tests ${WORK}/cmake ${WORK}/docs ${WORK}/build/x)
file(WRITE ${WORK}/tests/a_test.cc "int x;\nconst char* p = \"${parent_dir}/shared/events/a.json\";\n")
file(WRITE ${WORK}/cmake/T.cmake "add_definitions(-DRAINCHECK_${shared}_DIR=x)\n")
file(WRITE ${WORK}/README.md "    raincheck train --data ${parent_dir}/shared/data/x.csv\n")
file(WRITE ${WORK}/docs/where.md "copied from ${parent_dir}/shared/data\n")
file(WRITE ${WORK}/build/x/gen.cc "\"${parent_dir}/shared\"\n")
scan(${WORK} selftest)
foreach(expected "tests/a_test.cc:2:" "cmake/T.cmake:1:" "README.md:1:")
  string(FIND "${selftest}" "${expected}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "the scan missed ${expected} in its own sample tree; it found:\n${selftest}")
  endif()
endforeach()
foreach(ignored "docs/where.md" "build/x/gen.cc")
  string(FIND "${selftest}" "${ignored}" at)
  if(NOT at EQUAL -1)
    message(FATAL_ERROR "the scan should skip ${ignored}; it found:\n${selftest}")
  endif()
endforeach()
file(REMOVE_RECURSE ${WORK})

# Then the real tree.
scan(${SOURCE} hits)
if(NOT hits STREQUAL "")
  message(FATAL_ERROR "These files reach outside the repository (use RAINCHECK_SOURCE_DIR and "
                      "a copy under data/ with its provenance):\n${hits}")
endif()
message(STATUS "no file reaches outside the repository")
