#!/usr/bin/env python3
"""Unit tests of tests/include_rules.py on small fake trees in a temporary directory."""

import io
import os
import sys
import tempfile
import unittest
from contextlib import redirect_stderr

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import include_rules  # noqa: E402

DESIGN = """# fake: design

Some prose with a | pipe that is no table.

| folder | what | may depend on | its tests may also use |
|---|---|---|---|
| `base/` | status, clock | - | tests |
| lower/ | uses base | base | tests, upper |
| upper/ | the top | base, lower | tests |
| tests/ | fakes | base, lower, upper | - |

After the table.
"""


class FakeTree:
    def __init__(self, files):
        self._dir = tempfile.TemporaryDirectory(prefix="include_rules_test.")
        self.root = self._dir.name
        for rel, text in files.items():
            path = os.path.join(self.root, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)

    def run(self):
        out = io.StringIO()
        with redirect_stderr(out):
            code = include_rules.main(["--root", self.root])
        return code, out.getvalue()

    def close(self):
        self._dir.cleanup()


def tree(extra=None, design=DESIGN):
    files = {
        "docs/design.md": design,
        "base/status.h": '#include <string>\n#include "base/clock.h"\n',
        "base/clock.h": "",
        "lower/thing.cc": '#include "lower/thing.h"\n#include "base/status.h"\n',
        "lower/thing.h": "",
        "upper/top.cc": '#include "lower/thing.h"\n  #  include "base/clock.h"\n',
        "tests/fakes/fake.h": '#include "upper/top.h"\n',
        # A build tree beside the sources is not read.
        "build/gen/generated.cc": '#include "upper/top.h"\n',
    }
    files.update(extra or {})
    return FakeTree(files)


class IncludeRulesTest(unittest.TestCase):
    def check(self, extra=None, design=DESIGN):
        t = tree(extra, design)
        try:
            return t.run()
        finally:
            t.close()

    def test_a_tree_that_keeps_the_table_passes(self):
        code, err = self.check()
        self.assertEqual(err, "")
        self.assertEqual(code, 0)

    def test_an_include_the_table_does_not_allow_fails_with_file_and_line(self):
        code, err = self.check({
            "lower/bad.cc": '// lower reaches up\n#include <vector>\n#include "upper/top.h"\n',
        })
        self.assertEqual(code, 1)
        self.assertIn("lower/bad.cc:3: includes upper/top.h, which lower/ may not depend on "
                      "(docs/design.md)", err)
        self.assertEqual(err.count(" may not depend on "), 1, err)

    def test_every_violation_is_listed(self):
        code, err = self.check({
            "base/a.h": '#include "lower/thing.h"\n#include "upper/top.h"\n',
            "upper/b.cc": '#include "tests/fakes/fake.h"\n',
        })
        self.assertEqual(code, 1)
        self.assertIn("base/a.h:1: includes lower/thing.h, which base/ may not", err)
        self.assertIn("base/a.h:2: includes upper/top.h, which base/ may not", err)
        self.assertIn("upper/b.cc:1: includes tests/fakes/fake.h, which upper/ may not", err)
        self.assertIn("3 violation(s)", err)

    def test_test_files_get_their_own_allowance_and_no_more(self):
        code, err = self.check({
            "lower/thing_test.cc": '#include "tests/fakes/fake.h"\n#include "upper/top.h"\n',
            "lower/testing/helper_main.cc": '#include "upper/top.h"\n',
        })
        self.assertEqual((code, err), (0, ""))
        code, err = self.check({"base/clock_test.cc": '#include "upper/top.h"\n'})
        self.assertEqual(code, 1)
        self.assertIn("base/clock_test.cc:1: includes upper/top.h, which base/ may not", err)
        # The allowance is for tests only: the same include in a library file fails.
        code, err = self.check({"lower/uses_tests.cc": '#include "tests/fakes/fake.h"\n'})
        self.assertEqual(code, 1)
        self.assertIn("lower/uses_tests.cc:1: includes tests/fakes/fake.h", err)

    def test_a_folder_with_sources_and_no_row_fails(self):
        code, err = self.check({"newmod/x.cc": '#include "base/status.h"\n'})
        self.assertEqual(code, 1)
        self.assertIn("newmod/: has C++ sources but no row", err)

    def test_includes_that_name_no_top_level_folder_are_not_checked(self):
        code, err = self.check({
            "tests/import_test.cc": '#include "support/process.h"\n#include "nlohmann/json.hpp"\n',
            "lower/local.cc": '#include "thing.h"\n',
        })
        self.assertEqual((code, err), (0, ""))

    def test_a_table_naming_an_unknown_folder_is_refused(self):
        design = DESIGN.replace("| base, lower | tests |", "| base, lowr | tests |")
        code, err = self.check(design=design)
        self.assertEqual(code, 2)
        self.assertIn("upper/ may depend on lowr/, which has no row", err)

    def test_prose_in_the_dependency_column_is_refused(self):
        design = DESIGN.replace("| base, lower | tests |", "| base, the lower half | tests |")
        code, err = self.check(design=design)
        self.assertEqual(code, 2)
        self.assertIn("'the lower half' is not a folder name", err)

    def test_no_table_is_an_error_not_a_pass(self):
        code, err = self.check(design="# design\n\nNo table here.\n")
        self.assertEqual(code, 2)
        self.assertIn("no table with the columns 'folder' and 'may depend on'", err)

    def test_the_table_parser_reads_backticks_slashes_and_dashes(self):
        table = include_rules.parse_table(DESIGN)
        self.assertEqual(sorted(table), ["base", "lower", "tests", "upper"])
        self.assertEqual(table["base"], (set(), {"tests"}))
        self.assertEqual(table["lower"], ({"base"}, {"tests", "upper"}))
        self.assertEqual(table["tests"], ({"base", "lower", "upper"}, set()))


if __name__ == "__main__":
    unittest.main()
