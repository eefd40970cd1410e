# Checks cmake/ReuseBuilt.cmake on a two-file project built by Ninja in scratch trees: a tree
# set to reuse another copies the other's output when it is current there, and makes the output
# itself when the other tree is out of date, missing, or not set. Run as
#   cmake -DSOURCE=<source dir> -DWORK=<scratch dir> -DNINJA=<ninja> -P reuse_built_test.cmake

file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK}/src)
# The "maker" turns input.txt into out/data.txt and counts its runs in runs.log.
file(WRITE ${WORK}/src/make.cmake [=[
file(READ ${IN} content)
file(WRITE ${OUT} "made from ${content}")
file(APPEND ${LOG} "ran in ${TREE}\n")
]=])
file(WRITE ${WORK}/src/input.txt "one")
file(WRITE ${WORK}/src/CMakeLists.txt "cmake_minimum_required(VERSION 3.25)
project(reuse_built_test NONE)
include([==[${SOURCE}/cmake/ReuseBuilt.cmake]==])
set(RAINCHECK_REUSE_BUILT_FROM \"\" CACHE PATH \"\")
set(script \${CMAKE_BINARY_DIR}/make-data.cmake)
raincheck_reuse_or_run_script(\${script} \"\${RAINCHECK_REUSE_BUILT_FROM}\" out/data.txt
  \${CMAKE_COMMAND} -DIN=\${CMAKE_SOURCE_DIR}/input.txt -DOUT=\${CMAKE_BINARY_DIR}/out/data.txt
  -DLOG=${WORK}/runs.log -DTREE=\${CMAKE_BINARY_DIR} -P \${CMAKE_SOURCE_DIR}/make.cmake)
add_custom_command(OUTPUT \${CMAKE_BINARY_DIR}/out/data.txt
  COMMAND \${CMAKE_COMMAND} -P \${script}
  DEPENDS \${CMAKE_SOURCE_DIR}/input.txt \${CMAKE_SOURCE_DIR}/make.cmake VERBATIM)
add_custom_target(data ALL DEPENDS \${CMAKE_BINARY_DIR}/out/data.txt)
")

# configure_and_build(TREE [REUSE_DIR]): configure WORK/TREE (reusing REUSE_DIR) and build it.
function(configure_and_build tree)
  set(reuse "")
  if(ARGC GREATER 1)
    set(reuse ${ARGV1})
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} -G Ninja -DCMAKE_MAKE_PROGRAM=${NINJA}
                          -DRAINCHECK_REUSE_BUILT_FROM=${reuse} -S ${WORK}/src -B ${WORK}/${tree}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "configuring ${tree} failed:\n${out}")
  endif()
  execute_process(COMMAND ${NINJA} -C ${WORK}/${tree}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "building ${tree} failed:\n${out}")
  endif()
endfunction()

# expect(TREE CONTENT RUNS): WORK/TREE/out/data.txt holds CONTENT; the maker ran RUNS times.
function(expect tree content runs what)
  file(READ ${WORK}/${tree}/out/data.txt got)
  if(NOT got STREQUAL content)
    message(FATAL_ERROR "${what}: ${tree}/out/data.txt is \"${got}\", expected \"${content}\"")
  endif()
  file(STRINGS ${WORK}/runs.log lines)
  list(LENGTH lines n)
  if(NOT n EQUAL runs)
    message(FATAL_ERROR "${what}: the maker ran ${n} times, expected ${runs}:\n${lines}")
  endif()
endfunction()

configure_and_build(release)
expect(release "made from one" 1 "a tree without reuse makes its output")

configure_and_build(dev ${WORK}/release)
expect(dev "made from one" 1 "a tree reusing a current tree copies, runs nothing")

# The input changes: the release tree is out of date, so dev makes its own output.
execute_process(COMMAND ${CMAKE_COMMAND} -E sleep 1.1)
file(WRITE ${WORK}/src/input.txt "two")
configure_and_build(dev ${WORK}/release)
expect(dev "made from two" 2 "a tree reusing an out-of-date tree makes its output")
file(READ ${WORK}/release/out/data.txt got)
if(NOT got STREQUAL "made from one")
  message(FATAL_ERROR "the reused tree was changed: its output is \"${got}\"")
endif()

# Up to date again there: reused again (the maker does not run in dev).
configure_and_build(release)
file(REMOVE ${WORK}/dev/out/data.txt)
configure_and_build(dev ${WORK}/release)
expect(dev "made from two" 3 "a tree reusing a tree made current again copies")

# A reuse directory that is not a build tree: dev makes its output.
file(REMOVE ${WORK}/dev/out/data.txt)
configure_and_build(dev ${WORK}/nowhere)
expect(dev "made from two" 4 "a tree reusing a missing tree makes its output")

file(REMOVE_RECURSE ${WORK})
message(STATUS "reuse of built outputs: copied when current, made otherwise")
