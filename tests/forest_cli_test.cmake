# End-to-end test of `raincheck train | inspect | predict | evaluate`, run by ctest as
#   cmake -DRAINCHECK=... -DCAPETOWN=... -DMODELS=... -DWORK=... -P forest_cli_test.cmake
# Checks the determinism promise (same seed, --jobs 1 and 2: identical model bytes), the
# verbs' outputs and exit codes, and that damaged files are refused cleanly.

file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
# A shipped model and its training rows (data/models/CMakeLists.txt).
set(model ${MODELS}/seattle.rcf)
set(model_name seattle-daily)
get_filename_component(build_dir ${MODELS} DIRECTORY)
set(model_rows ${build_dir}/models-data/seattle_daily.csv)
set(capetown ${CAPETOWN})  # data/capetown/capetown_darksky_daily.csv
set(features apparentTemperature,cloudCover,dewPoint,humidity,ozone,pressure,temperature,uvIndex,visibility,windBearing,windGust,windSpeed)

function(run expected_code)
  execute_process(COMMAND ${RAINCHECK} ${ARGN} RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT code EQUAL expected_code)
    message(FATAL_ERROR "raincheck ${ARGN}\nexited ${code}, expected ${expected_code}\nstdout: ${out}\nstderr: ${err}")
  endif()
  set(out "${out}" PARENT_SCOPE)
  set(err "${err}" PARENT_SCOPE)
endfunction()

function(expect_contains haystack needle)
  string(FIND "${haystack}" "${needle}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "expected to find '${needle}' in:\n${haystack}")
  endif()
endfunction()

# Determinism: the same seed and data give the same bytes whatever --jobs.
foreach(jobs 1 2)
  run(0 train --data ${capetown} --features ${features} --label precipType=rain --label-ahead 1
      --grid "n_estimators=20 max_depth=8,9" --cv 3 --seed 42 --jobs ${jobs}
      --out ${WORK}/jobs${jobs}.rcf)
endforeach()
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${WORK}/jobs1.rcf ${WORK}/jobs2.rcf
                RESULT_VARIABLE differ)
if(NOT differ EQUAL 0)
  message(FATAL_ERROR "--jobs 1 and --jobs 2 gave different model files")
endif()
# --units from a small schema file.
file(WRITE ${WORK}/units.txt "# DarkSky 'us' units\nhumidity=fraction\npressure=hPa, windBearing=degree\n")
run(0 train --data ${capetown} --features humidity,pressure,windBearing --label precipType=rain
    --label-ahead 1 --grid "n_estimators=3 max_depth=3" --cv 0 --units @${WORK}/units.txt
    --out ${WORK}/units.rcf)
run(0 inspect ${WORK}/units.rcf)
expect_contains("${out}" "| pressure | hPa |")
expect_contains("${out}" "| windBearing | degree |")
file(READ ${WORK}/jobs1.card.json card1)
file(READ ${WORK}/jobs2.card.json card2)
if(NOT card1 STREQUAL card2)
  message(FATAL_ERROR "--jobs 1 and --jobs 2 gave different cards")
endif()
foreach(f jobs1.card.md jobs1.roc.svg jobs1.calibration.svg)
  if(NOT EXISTS ${WORK}/${f})
    message(FATAL_ERROR "train did not write ${f}")
  endif()
endforeach()

# inspect
run(0 inspect ${MODELS}/seattle.rcf)
expect_contains("${out}" "# Model card: seattle-daily 1.0")
expect_contains("${out}" "| temp_max | degC |")
expect_contains("${out}" "monthly climatology")
run(0 inspect --json ${MODELS}/seattle.rcf)
string(JSON name GET "${out}" name)
if(NOT name STREQUAL "seattle-daily")
  message(FATAL_ERROR "inspect --json: name is '${name}'")
endif()

# predict: one line per row, in order, after the header.
run(0 predict --model ${MODELS}/seattle.rcf --data ${MODELS}/../models-data/seattle_daily.csv)
string(REGEX MATCHALL "\n" newlines "${out}")
list(LENGTH newlines lines)
if(NOT lines EQUAL 1462)
  message(FATAL_ERROR "predict printed ${lines} lines, expected 1462 (header + 1461 rows)")
endif()
string(SUBSTRING "${out}" 0 23 header)
if(NOT header STREQUAL "prediction,probability\n")
  message(FATAL_ERROR "predict header is '${header}'")
endif()
if(NOT out MATCHES "^prediction,probability\n([01],[01]\\.[0-9]+\n)+$")
  message(FATAL_ERROR "predict output is not prediction,probability lines")
endif()

# evaluate: the model's own label by default.
run(0 evaluate --model ${MODELS}/seattle.rcf --data ${MODELS}/../models-data/seattle_daily.csv)
expect_contains("${out}" "1460 rows")
expect_contains("${out}" "| this forest |")
run(0 evaluate --json --model ${MODELS}/seattle.rcf --data ${MODELS}/../models-data/seattle_daily.csv)
string(JSON n GET "${out}" n)
if(NOT n EQUAL 1460)
  message(FATAL_ERROR "evaluate --json: n is ${n}")
endif()

# A CSV without a model feature: the error names it.
file(WRITE ${WORK}/lacking.csv "precipitation,temp_max,temp_min,season_cos,season_sin\n1,2,3,1,0\n")
run(1 predict --model ${MODELS}/seattle.rcf --data ${WORK}/lacking.csv)
expect_contains("${err}" "'wind'")
# A bad row: the error names its line.
file(WRITE ${WORK}/bad.csv "precipitation,temp_max,temp_min,wind,season_cos,season_sin\n1,2,3,4,1,0\n1,2,x,4,1,0\n")
run(1 predict --model ${MODELS}/seattle.rcf --data ${WORK}/bad.csv)
expect_contains("${err}" "line 3")

# Damaged model files are refused with a clear message, never a crash.
file(WRITE ${WORK}/foreign.rcf "PK\x03\x04 not a model")
run(1 inspect ${WORK}/foreign.rcf)
expect_contains("${err}" "not a raincheck model")
file(SIZE ${MODELS}/seattle.rcf size)
math(EXPR half "${size} / 2")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy ${MODELS}/seattle.rcf ${WORK}/truncated.rcf)
execute_process(COMMAND truncate -s ${half} ${WORK}/truncated.rcf RESULT_VARIABLE tcode)
if(NOT tcode EQUAL 0)
  message(FATAL_ERROR "cannot truncate a copy of the model")
endif()
run(1 predict --model ${WORK}/truncated.rcf --data ${MODELS}/../models-data/seattle_daily.csv)
expect_contains("${err}" "truncated")
run(1 inspect ${WORK}/does-not-exist.rcf)
expect_contains("${err}" "does not exist")

# --home: the card's home, shown by inspect and listed by models ls.
file(MAKE_DIRECTORY ${WORK}/homes)
run(0 train --data ${capetown} --features humidity,pressure --label precipType=rain --label-ahead 1
    --grid "n_estimators=5 max_depth=3" --cv 0 --home "Cape Town,-33.92,18.42"
    --applies-within-km 100 --out ${WORK}/homes/cape.rcf)
run(0 inspect ${WORK}/homes/cape.rcf)
expect_contains("${out}" "- place: Cape Town (-33.9200, 18.4200)")
expect_contains("${out}" "- applies within: 100 km")
run(0 models ls ${MODELS})  # every shipped model loads
expect_contains("${out}" "seattle.rcf")
run(0 models ls ${WORK}/homes)
expect_contains("${out}" "cape.rcf")
expect_contains("${out}" "100 km")
run(2 train --data ${capetown} --features humidity --label precipType=rain --home "Cape Town,-95,18"
    --out ${WORK}/homes/bad.rcf)
expect_contains("${err}" "latitude")

# --refit (the default with a test set) ships a model fit on every row, --no-refit the one the
# held-out metrics describe; the cards say which. Without a test set: out-of-bag metrics.
foreach(refit --refit --no-refit)
  run(0 train --data ${capetown} --features ${features} --label precipType=rain --label-ahead 1
      --grid "n_estimators=10 max_depth=5" --cv 0 --test-fraction 0.2 ${refit}
      --out ${WORK}/refit${refit}.rcf)
  expect_contains("${out}" "held-out (")
  file(READ ${WORK}/refit${refit}.card.json card)
  string(JSON refit_${refit} GET "${card}" training refit)
  string(JSON rows_${refit} GET "${card}" training rows)
  string(JSON describes_${refit} GET "${card}" evaluation describes)
endforeach()
if(NOT refit_--refit STREQUAL "ON" OR NOT refit_--no-refit STREQUAL "OFF" OR
   NOT rows_--refit GREATER rows_--no-refit)
  message(FATAL_ERROR "refit cards: ${refit_--refit} ${rows_--refit}, ${refit_--no-refit} ${rows_--no-refit}")
endif()
expect_contains("${describes_--refit}" "refit on all ${rows_--refit} rows")
expect_contains("${describes_--no-refit}" "the shipped model")
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${WORK}/refit--refit.rcf ${WORK}/refit--no-refit.rcf
                RESULT_VARIABLE differ)
if(differ EQUAL 0)
  message(FATAL_ERROR "--refit and --no-refit wrote the same model")
endif()
run(0 train --data ${capetown} --features ${features} --label precipType=rain --label-ahead 1
    --grid "n_estimators=10 max_depth=5" --cv 0 --test-fraction 0 --out ${WORK}/oob.rcf)
expect_contains("${out}" "out-of-bag (")
file(READ ${WORK}/oob.card.json card)
string(JSON rows GET "${card}" evaluation rows)
string(JSON perm_rows GET "${card}" importances permutation_rows)
if(NOT rows STREQUAL "out-of-bag" OR NOT perm_rows STREQUAL "out-of-bag")
  message(FATAL_ERROR "--test-fraction 0: evaluation on '${rows}', importances on '${perm_rows}'")
endif()

# Training data that cannot be used: one line naming the row or column, exit 1.
file(WRITE ${WORK}/ragged.csv "a,b,y\n1,2,0\n3,4\n5,6,1\n")
file(WRITE ${WORK}/cell.csv "a,b,y\n1,2,0\n3,x,1\n5,6,1\n")
file(WRITE ${WORK}/empty.csv "")
set(one_class "a,b,y\n")
foreach(i RANGE 1 20)
  string(APPEND one_class "${i},${i},1\n")
endforeach()
file(WRITE ${WORK}/one_class.csv "${one_class}")
foreach(case "ragged;line 3" "cell;column 'b'" "empty;empty" "one_class;label column 'y' has one class")
  list(GET case 0 name)
  list(GET case 1 expected)
  run(1 train --data ${WORK}/${name}.csv --features a,b --label y --cv 0 --out ${WORK}/bad.rcf)
  expect_contains("${err}" "${expected}")
  string(REGEX MATCHALL "\n" lines "${err}")
  list(LENGTH lines n)
  if(NOT n EQUAL 1)
    message(FATAL_ERROR "${name}.csv: expected one line, got:\n${err}")
  endif()
endforeach()
# An --out that cannot be written is a usage error found before the data is read (the data
# file does not exist either).
run(2 train --data ${WORK}/no-such.csv --features a,b --label y --out ${WORK}/no-such-dir/m.rcf)
expect_contains("${err}" "no-such-dir")
run(2 train --data ${WORK}/no-such.csv --features a,b --label y --out ${WORK})
expect_contains("${err}" "is a directory")

# Usage errors exit 2.
run(2 train --data ${capetown} --features humidity --label precipType=rain --metric f1 --out ${WORK}/x.rcf)
run(2 predict --model ${MODELS}/seattle.rcf)
message(STATUS "forest CLI test passed")
