# Runs one libFuzzer target for a fixed time on a copy of its seed corpus (the source tree is
# never written), then prints libFuzzer's final statistics. Fails when the target found a crash,
# a leak, a timeout or an out-of-memory input; the input is kept in WORK as crash-*, leak-*, ...
#   cmake -DFUZZER=path -DCORPUS=seed-dir -DWORK=scratch-dir -DSECONDS=n -P run_fuzzer.cmake
foreach(var FUZZER CORPUS WORK SECONDS)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_fuzzer.cmake: -D${var}= is missing")
  endif()
endforeach()
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}/corpus")
file(GLOB seeds "${CORPUS}/*")
file(COPY ${seeds} DESTINATION "${WORK}/corpus")
execute_process(
  COMMAND "${FUZZER}" -max_total_time=${SECONDS} -print_final_stats=1 -timeout=10
          -rss_limit_mb=2048 -artifact_prefix=${WORK}/ "${WORK}/corpus"
  RESULT_VARIABLE rc
  OUTPUT_VARIABLE out
  ERROR_VARIABLE out)
file(WRITE "${WORK}/fuzz.log" "${out}")
string(REGEX MATCHALL "stat::[a-z_]+: *[0-9]+" stats "${out}")
get_filename_component(name "${FUZZER}" NAME)
string(REPLACE ";" ", " stats "${stats}")
message("${name}: ${stats}")
if(NOT rc EQUAL 0)
  message("${out}")
  message(FATAL_ERROR "${name} failed (exit ${rc}); the input is in ${WORK}, the log in "
                      "${WORK}/fuzz.log")
endif()
