#!/usr/bin/env bash
# Runs Debian's clang-tidy with the repository's .clang-tidy over the .cc files a change touches
# (or the whole tree), with the compile commands of a configured build. Any finding fails: the
# summary names file:line and the check. docs/lint.md says what CI runs and what it costs.
#
#   scripts/tidy.sh [-p BUILD_DIR] [-j JOBS] [--base REV | --all] [FILE...]
#
#   -p BUILD_DIR  a configured build with compile_commands.json (default: build, the release
#                 preset's); configuring is enough, nothing needs to be built
#   -j JOBS       clang-tidy processes at once (default: the number of cores)
#   --base REV    check the files that differ between REV and the work tree
#                 (default: $RAINCHECK_TIDY_BASE, else the merge-base with origin/main, or with
#                 main, when that is not HEAD itself, else HEAD~1: on main, the newest commit)
#   --all         check every .cc file under version control that the build compiles
#   FILE...       check these files (.cc, or .h: see below) instead
#   --list        print the files it would check, and check nothing
#
# A changed header brings in the .cc beside it, else the first .cc that includes it (or that
# includes a header that includes it), so the header is checked (HeaderFilterRegex in
# .clang-tidy) through one translation unit.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

build=build
jobs=$(nproc 2>/dev/null || echo 1)
base="${RAINCHECK_TIDY_BASE:-}"
all=0
list=0
files=()
while [ $# -gt 0 ]; do
  case "$1" in
    -p|-j|--base)
      [ $# -ge 2 ] || { echo "tidy: $1 needs a value" >&2; exit 2; }
      case "$1" in -p) build="$2" ;; -j) jobs="$2" ;; --base) base="$2" ;; esac
      shift 2 ;;
    -j[0-9]*) jobs="${1#-j}"; shift ;;
    --base=*) base="${1#--base=}"; shift ;;
    --all) all=1; shift ;;
    --list) list=1; shift ;;
    -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "tidy: unknown option $1 (see scripts/tidy.sh --help)" >&2; exit 2 ;;
    *) files+=("$1"); shift ;;
  esac
done

tidy=$(command -v clang-tidy || command -v clang-tidy-14 || true)
if [ -z "$tidy" ]; then
  echo "tidy: clang-tidy not found: scripts/setup.sh --deps-only installs it" >&2
  exit 2
fi
if [ ! -f "$build/compile_commands.json" ]; then
  echo "tidy: $build/compile_commands.json not found: configure it first" \
       "(cmake --preset release), or pass -p BUILD_DIR" >&2
  exit 2
fi
build=$(cd "$build" && pwd)

export TIDY="$tidy"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The changed files, relative to the repository's root.
if [ "$all" = 0 ] && [ ${#files[@]} -eq 0 ]; then
  if [ -z "$base" ]; then
    for upstream in origin/main main; do
      if git rev-parse -q --verify "$upstream^{commit}" >/dev/null; then
        mb=$(git merge-base "$upstream" HEAD || true)
        if [ -n "$mb" ] && [ "$mb" != "$(git rev-parse HEAD)" ]; then base=$mb; fi
        break
      fi
    done
    if [ -z "$base" ]; then
      if [ "$(git rev-parse --is-shallow-repository)" = true ]; then
        # A CI checkout of depth 1 has no parent to compare with: say so and check nothing,
        # rather than fail the build over the checkout's depth.
        echo "tidy: shallow clone, so the newest commit's parent is not here and the files it" \
             "changed are unknown: nothing checked (git fetch --deepen=1, or pass --base REV" \
             "or --all)" >&2
        exit 0
      fi
      if git rev-parse -q --verify 'HEAD~1^{commit}' >/dev/null; then
        base='HEAD~1'
      else
        all=1  # the first commit: every file is new
      fi
    fi
  fi
  if [ "$all" = 0 ]; then
    if ! git rev-parse -q --verify "$base^{commit}" >/dev/null; then
      echo "tidy: base revision '$base' not found" >&2
      exit 2
    fi
    echo "tidy: files changed since $(git rev-parse --short "$base") ($base)" >&2
    while IFS= read -r f; do files+=("$f"); done \
      < <(git diff --name-only --diff-filter=d "$base" -- '*.cc' '*.h')
  fi
fi

# compile_commands.json as clang-tidy needs it: unity batches (cli/) become one entry per
# source they include, generated sources and duplicates go, and flags clang does not know
# (GCC-only -f/-m options) are dropped. Writes the list of the files it can check.
git ls-files -- '*.cc' > "$work/tracked"
python3 - "$build/compile_commands.json" "$root" "$work" <<'EOF'
import json, os, re, shlex, subprocess, sys

db_path, root, work = sys.argv[1], sys.argv[2], sys.argv[3]
tracked = set(open(os.path.join(work, "tracked")).read().split())
entries = {}
for e in json.load(open(db_path)):
    args = e["arguments"] if "arguments" in e else shlex.split(e["command"])
    path = os.path.normpath(os.path.join(e["directory"], e["file"]))
    sources = [path]
    if "/Unity/unity_" in path:
        text = open(path).read()
        sources = re.findall(r'^#include "([^"]+)"', text, re.M)
    for src in sources:
        rel = os.path.relpath(src, root)
        if rel not in tracked or rel in entries:
            continue
        a = [src if x in (e["file"], path) else x for x in args]
        entries[rel] = {"directory": e["directory"], "file": src, "arguments": a}

# Flags clang rejects: each distinct -f/-m option is tried once with clang-tidy itself.
flags = sorted({x for e in entries.values() for x in e["arguments"][1:]
                if re.match(r"-[fm][a-zA-Z]", x)})
empty = os.path.join(work, "probe.cc")
open(empty, "w").close()
rejected = set()
for f in flags:
    r = subprocess.run([os.environ["TIDY"], "--checks=-*", empty, "--", "-std=c++20", f],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if r.returncode != 0:
        rejected.add(f)
if rejected:
    print("tidy: dropped flags clang does not know: " + " ".join(sorted(rejected)),
          file=sys.stderr)
for e in entries.values():
    e["arguments"] = [x for x in e["arguments"] if x not in rejected]
json.dump(list(entries.values()), open(os.path.join(work, "compile_commands.json"), "w"),
          indent=1)
open(os.path.join(work, "compilable"), "w").write("".join(r + "\n" for r in sorted(entries)))
EOF

mapfile -t compilable < "$work/compilable"
declare -A in_db=()
for f in "${compilable[@]}"; do in_db[$f]=1; done

# The translation units to check.
declare -A pick=()
if [ "$all" = 1 ]; then
  for f in "${compilable[@]}"; do pick[$f]=1; done
else
  for f in "${files[@]}"; do
    f=${f#./}
    case "$f" in
      *.cc)
        if [ -n "${in_db[$f]:-}" ]; then
          pick[$f]=1
        else
          echo "tidy: skipped $f: $build does not compile it" >&2
        fi ;;
      *.h) echo "$f" >> "$work/headers" ;;
      *) echo "tidy: skipped $f: not a .cc or .h file" >&2 ;;
    esac
  done
fi
# A header: the .cc beside it, else the first .cc that includes it (one in its own folder
# first), else the same for the headers that include it, nearest first.
if [ -s "$work/headers" ]; then
  while IFS= read -r unit; do pick[$unit]=1; done < <(python3 - "$work" <<'EOF'
import os, re, subprocess, sys

work = sys.argv[1]
in_db = set(open(os.path.join(work, "compilable")).read().split())
sources = subprocess.run(["git", "ls-files", "--", "*.cc", "*.h"], capture_output=True,
                         text=True, check=True).stdout.split()
includers = {}  # header -> the files that include it
for src in sources:
    if os.path.exists(src):
        text = open(src, errors="replace").read()
        for inc in re.findall(r'^\s*#\s*include\s+"([^"]+)"', text, re.M):
            includers.setdefault(inc, []).append(src)
for header in open(os.path.join(work, "headers")).read().split():
    seen, layer, unit = {header}, [header], None
    while layer and not unit:
        deeper = []
        for h in layer:
            users = sorted(includers.get(h, []),
                           key=lambda u: (os.path.dirname(u) != os.path.dirname(h), u))
            unit = next((u for u in [h[:-2] + ".cc"] + users if u in in_db), None)
            if unit:
                break
            deeper += [u for u in users if u.endswith(".h") and u not in seen]
            seen.update(deeper)
        layer = deeper
    if unit:
        print(unit)
    else:
        print(f"tidy: skipped {header}: no .cc that the build compiles includes it",
              file=sys.stderr)
EOF
  )
fi
if [ ${#pick[@]} -eq 0 ]; then
  echo "tidy: no C++ file to check" >&2
  exit 0
fi
printf '%s\n' "${!pick[@]}" | sort > "$work/units"
count=$(wc -l < "$work/units")
if [ "$list" = 1 ]; then cat "$work/units"; exit 0; fi
echo "tidy: $count file(s), $jobs at once, $tidy with $build" >&2

# One clang-tidy per file; each writes its diagnostics to its own log.
export WORK="$work"
check_one() {
  local f=$1 log rc=0 t TIMEFORMAT='%R %U %S'
  log="$WORK/log/${f//\//__}"
  { time "$TIDY" -p "$WORK" --quiet --extra-arg=-Wno-unknown-warning-option "$f" \
      > "$log" 2>&1 || rc=$?; } 2> "$log.time"
  # wall and CPU (user + system) seconds
  t=$(awk '{ printf "%.1f s, CPU %.1f s", $1, $2 + $3 }' "$log.time")
  awk -v f="$f" '{ print f, $1, $2 + $3 }' "$log.time" >> "$WORK/times"
  rm -f "$log.time"
  if [ "$rc" = 0 ]; then
    echo "tidy: $f ok ($t)" >&2
  else
    echo "tidy: $f FAILED ($t)" >&2
    grep -v -E '^[0-9]+ (warnings?|errors?)( and [0-9]+ errors?)? generated\.$' "$log" >&2 || true
    echo "$f" >> "$WORK/failed"
  fi
}
export -f check_one
mkdir -p "$work/log"
start=$(date +%s)
xargs -a "$work/units" -P "$jobs" -I{} bash -c 'check_one "$@"' _ {}
elapsed=$(( $(date +%s) - start ))
cost=$(awk '{ cpu += $3 } END { printf "%.0f s CPU, %.1f s per file", cpu, cpu / NR }' \
  "$work/times")

if [ ! -s "$work/failed" ]; then
  echo "tidy: $count file(s) clean in ${elapsed} s ($cost)" >&2
  exit 0
fi
# Each finding once (a header's finding shows in every file that includes it).
echo "tidy: findings (file:line: check):" >&2
cat "$work"/log/* | sed -n -E 's#^(/[^:]+|[^/:][^:]*):([0-9]+):[0-9]+: (warning|error): .* \[([^],]+)[],].*$#\1:\2: \4#p' \
  | sed "s#^$root/##" | sort -u >&2
echo "tidy: $(wc -l < "$work/failed") of $count file(s) failed in ${elapsed} s ($cost);" \
     "fix the code, or see docs/lint.md" >&2
exit 1
