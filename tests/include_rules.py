#!/usr/bin/env python3
"""Checks every module's #include lines against the module table of docs/design.md.

The table is the Markdown table of docs/design.md whose header names the columns `folder`,
`may depend on` and `its tests may also use`. Each row is one top-level folder (`base/`); the
two dependency cells list folder names separated by commas (`base, http`), or `-` for none.
A source file (.cc, .h, .hpp, .c, .inc) under FOLDER/ may include its own folder and the
folders of `may depend on`; a test file (`*_test.cc`, `*_test.h`, or any file under a
`testing/` subfolder) may also include the folders of `its tests may also use`. Only quoted
includes whose first path component is a top-level folder of the tree are checked
(`#include "lambda/context.h"`); system and library includes (`<...>`) are not.

Usage: include_rules.py [--root DIR]   (DIR: the source tree, by default this file's parent's
parent). Exit status 0 when every include is allowed, 1 with one line per violation on
stderr (`file:line: includes X, which FOLDER/ may not depend on (docs/design.md)`), 2 when
the table cannot be read. Python 3 standard library only; reads each file once.
"""

import argparse
import os
import re
import sys

DESIGN = os.path.join("docs", "design.md")
SOURCE_SUFFIXES = (".cc", ".h", ".hpp", ".c", ".inc")
# Top-level folders that are never sources of the project: build trees, caches, VCS data.
SKIPPED_TOP = re.compile(r"^(\..*|build.*|node_modules|__pycache__)$")
SKIPPED_BELOW = {"node_modules", "__pycache__", ".git"}
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')

FOLDER_COLUMN = "folder"
DEPENDS_COLUMN = "may depend on"
TESTS_COLUMN = "its tests may also use"


class TableError(Exception):
    """docs/design.md has no usable module table."""


def _cells(line):
    """The cells of one Markdown table row, without the outer pipes, stripped."""
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|"):
        line = line[:-1]
    return [c.strip() for c in line.split("|")]


def _folder_name(cell):
    """`base/` or base/ or `base` -> base; '' when the cell is not one folder name."""
    name = cell.strip().strip("`").strip()
    if name.endswith("/"):
        name = name[:-1]
    return name if re.fullmatch(r"[A-Za-z0-9_.-]+", name) else ""


def _folder_list(cell, where):
    """'base, http' -> ['base', 'http']; '-' or '' -> []."""
    text = cell.strip()
    if text in ("", "-", "\u2014", "none"):
        return []
    names = []
    for part in text.split(","):
        name = _folder_name(part)
        if not name:
            raise TableError(f"{where}: '{part.strip()}' is not a folder name")
        names.append(name)
    return names


def parse_table(markdown, path=DESIGN):
    """The module table: {folder: (allowed folders, allowed for its tests)}.

    Raises TableError when there is no such table or a cell does not name folders."""
    lines = markdown.splitlines()
    for i, line in enumerate(lines):
        if not line.lstrip().startswith("|"):
            continue
        header = [c.lower() for c in _cells(line)]
        if FOLDER_COLUMN not in header or DEPENDS_COLUMN not in header:
            continue
        col_folder = header.index(FOLDER_COLUMN)
        col_deps = header.index(DEPENDS_COLUMN)
        col_tests = header.index(TESTS_COLUMN) if TESTS_COLUMN in header else None
        table = {}
        for n in range(i + 2, len(lines)):  # lines[i + 1] is the |---| separator
            row_line = lines[n]
            if not row_line.lstrip().startswith("|"):
                break
            row = _cells(row_line)
            where = f"{path}:{n + 1}"
            if len(row) != len(header):
                raise TableError(f"{where}: {len(row)} cells, the header has {len(header)}")
            folder = _folder_name(row[col_folder])
            if not folder:
                raise TableError(f"{where}: '{row[col_folder]}' is not one folder name")
            if folder in table:
                raise TableError(f"{where}: {folder}/ has a second row")
            deps = _folder_list(row[col_deps], where)
            tests = _folder_list(row[col_tests], where) if col_tests is not None else []
            table[folder] = (set(deps), set(tests))
        if not table:
            raise TableError(f"{path}:{i + 1}: the module table has no rows")
        for folder, (deps, tests) in table.items():
            for dep in sorted(deps | tests):
                if dep not in table:
                    raise TableError(f"{path}: {folder}/ may depend on {dep}/, which has no row")
        return table
    raise TableError(
        f"{path}: no table with the columns '{FOLDER_COLUMN}' and '{DEPENDS_COLUMN}'")


def is_test_file(relpath):
    """Test sources get the `its tests may also use` allowance."""
    base = os.path.basename(relpath)
    stem = os.path.splitext(base)[0]
    return stem.endswith("_test") or "testing" in relpath.split("/")[1:-1]


def source_files(root):
    """{top-level folder: [relative paths of its sources]}, sorted."""
    found = {}
    for top in sorted(os.listdir(root)):
        top_path = os.path.join(root, top)
        if SKIPPED_TOP.match(top) or not os.path.isdir(top_path) or os.path.islink(top_path):
            continue
        for dirpath, dirnames, filenames in os.walk(top_path):
            dirnames[:] = sorted(d for d in dirnames
                                 if d not in SKIPPED_BELOW and not d.startswith("."))
            for name in sorted(filenames):
                if name.endswith(SOURCE_SUFFIXES):
                    rel = os.path.relpath(os.path.join(dirpath, name), root)
                    found.setdefault(top, []).append(rel.replace(os.sep, "/"))
    return found


def check(root):
    """Every violation, as the lines to print. Raises TableError (and OSError) as they come."""
    design = os.path.join(root, DESIGN)
    with open(design, encoding="utf-8") as f:
        table = parse_table(f.read(), DESIGN)
    tops = {t for t in os.listdir(root) if os.path.isdir(os.path.join(root, t))}
    violations = []
    for folder, files in source_files(root).items():
        if folder not in table:
            violations.append(f"{folder}/: has C++ sources but no row in the module table "
                              f"of {DESIGN}")
            continue
        deps, test_deps = table[folder]
        for rel in files:
            allowed = deps | test_deps if is_test_file(rel) else deps
            with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
                for number, line in enumerate(f, start=1):
                    m = INCLUDE.match(line)
                    if not m:
                        continue
                    target = m.group(1)
                    first = target.split("/", 1)[0]
                    if "/" not in target or first not in tops or first == folder:
                        continue
                    if first not in allowed:
                        violations.append(f"{rel}:{number}: includes {target}, which {folder}/ "
                                          f"may not depend on ({DESIGN})")
    return violations


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("--root", default=default_root, help="the source tree")
    args = parser.parse_args(argv)
    try:
        violations = check(args.root)
    except (TableError, OSError) as e:
        print(f"include_rules: {e}", file=sys.stderr)
        return 2
    for v in violations:
        print(v, file=sys.stderr)
    if violations:
        print(f"include_rules: {len(violations)} violation(s) of the module table of {DESIGN}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
