#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Splices the bench results into README.md between the markers
<!-- bench:begin --> and <!-- bench:end -->, only if both exist.

usage: splice_readme.py README.md tests-qemu/bench/results/results.md

Image links in results.md are relative to the results directory; they are
rewritten relative to the README's directory. Exits 0 without touching the
README when the markers are missing (and says so).
"""
import os
import re
import sys

BEGIN = "<!-- bench:begin -->"
END = "<!-- bench:end -->"


def main():
    readme, results = sys.argv[1], sys.argv[2]
    with open(readme) as f:
        text = f.read()
    b, e = text.find(BEGIN), text.find(END)
    if b < 0 or e < 0 or e < b:
        print("splice_readme: markers %s / %s not found in %s: nothing done" % (BEGIN, END, readme))
        return 0
    with open(results) as f:
        body = f.read().strip()
    rel = os.path.relpath(os.path.dirname(os.path.abspath(results)),
                          os.path.dirname(os.path.abspath(readme)))
    body = re.sub(r"\]\((?!https?:|/)([^)]+)\)", lambda m: "](%s/%s)" % (rel, m.group(1)), body)
    # demote headings by one level so they nest under the README's section
    body = re.sub(r"^(#{2,5}) ", lambda m: "#" + m.group(1) + " ", body, flags=re.M)
    new = text[:b + len(BEGIN)] + "\n" + body + "\n" + text[e:]
    if new != text:
        with open(readme, "w") as f:
            f.write(new)
        print("splice_readme: updated %s" % readme)
    else:
        print("splice_readme: %s already up to date" % readme)
    return 0


if __name__ == "__main__":
    sys.exit(main())
