# cmake -DNINJA=ninja -DBUILD=build -P setup_target_test.cmake
# The target scripts/setup.sh builds (raincheck_runtime) reaches the tools, the function, the
# gazetteer and the models, and no test or benchmark: a newcomer waits only for what runs.
execute_process(COMMAND ${NINJA} -C ${BUILD} -t inputs raincheck_runtime
  OUTPUT_VARIABLE inputs RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "ninja -t inputs raincheck_runtime failed (${rc})")
endif()
# (Inputs of its build edges: the two executables' objects, whatever unity batch holds the
# verbs, the data a model is trained on.)
foreach(wanted "cli/CMakeFiles/raincheck.dir/" "bootstrap.dir/bootstrap_main.cc.o" "seattle_daily.csv")
  string(FIND "${inputs}" "${wanted}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "raincheck_runtime does not build ${wanted}")
  endif()
endforeach()
string(REGEX MATCHALL "[^\n]*(_test|_bench|gtest|benchmark)[^\n]*" unwanted "${inputs}")
if(unwanted)
  message(FATAL_ERROR "raincheck_runtime builds tests or benchmarks: ${unwanted}")
endif()
