#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks that README.md's code examples are the code make check runs.

A fenced block right after a line `<!-- from: PATH -->` must equal, line for
line, the text of PATH between its `/* README:begin */` and
`/* README:end */` lines. Exit status 1 (with the first differing line) when
one does not, or when a marker names nothing; 0 otherwise.
Usage: readme-snippets.py [README.md]
"""
import re
import sys


def region(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    try:
        a = lines.index("/* README:begin */")
        b = lines.index("/* README:end */")
    except ValueError:
        sys.exit(f"readme-snippets: {path} has no README:begin/README:end lines")
    return lines[a + 1:b]


def main():
    readme = sys.argv[1] if len(sys.argv) > 1 else "README.md"
    lines = open(readme, encoding="utf-8").read().split("\n")
    found = 0
    for i, ln in enumerate(lines):
        m = re.fullmatch(r"<!-- from: (\S+) -->", ln.strip())
        if not m:
            continue
        found += 1
        if i + 1 >= len(lines) or not lines[i + 1].startswith("```"):
            sys.exit(f"readme-snippets: {readme}:{i + 1}: no code block after the marker")
        end = next((k for k in range(i + 2, len(lines)) if lines[k].startswith("```")), None)
        if end is None:
            sys.exit(f"readme-snippets: {readme}:{i + 2}: code block never closed")
        block, want = lines[i + 2:end], region(m.group(1))
        for k in range(max(len(block), len(want))):
            got = block[k] if k < len(block) else "<end of block>"
            exp = want[k] if k < len(want) else "<end of region>"
            if got != exp:
                sys.exit(f"readme-snippets: {readme}:{i + 3 + k} differs from {m.group(1)}:\n"
                         f"  README: {got}\n  source: {exp}")
        print(f"readme-snippets: {readme}:{i + 1}: {m.group(1)} ({len(want)} lines) matches")
    if found == 0:
        sys.exit(f"readme-snippets: no <!-- from: PATH --> marker in {readme}")


if __name__ == "__main__":
    main()
