#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks that README.md's code examples and test tables are what make check runs.

A fenced block right after a line `<!-- from: PATH -->` must equal, line for
line, the text of PATH between its `/* README:begin */` and
`/* README:end */` lines. With --tables DIR, a table right after a line
`<!-- printed by: tests-qemu/NAME.c -->` must equal, line for line, the table
lines (those starting with `|`) that the host test DIR/tests-qemu/NAME.elf
prints; the test is run and must pass, and every test built in DIR/tests-qemu
needs such a table. Exit status 1 (with the first differing line) when one
does not, or when a marker names nothing; 0 otherwise.
Usage: readme-snippets.py [--tables DIR] [README.md]
"""
import os
import re
import subprocess
import sys


def region(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    try:
        a = lines.index("/* README:begin */")
        b = lines.index("/* README:end */")
    except ValueError:
        sys.exit(f"readme-snippets: {path} has no README:begin/README:end lines")
    return lines[a + 1:b]


def compare(readme, at, block, want, source):
    """Exits at the first line where block (README's, starting at line at) and want differ."""
    for k in range(max(len(block), len(want))):
        got = block[k] if k < len(block) else "<end of the README block>"
        exp = want[k] if k < len(want) else "<end of the source>"
        if got != exp:
            sys.exit(f"readme-snippets: {readme}:{at + k} differs from {source}:\n"
                     f"  README: {got}\n  source: {exp}")


def printed_table(exe):
    """The table lines a host test prints; the test must pass."""
    run = subprocess.run([exe], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         timeout=120, check=False)
    out = run.stdout.decode("utf-8", "replace").replace("\r", "").split("\n")
    if run.returncode != 0:
        sys.exit(f"readme-snippets: {exe} failed (status {run.returncode}):\n"
                 + "\n".join(out[-5:]))
    return [ln for ln in out if ln.startswith("|")]


def markers(readme, lines, pattern, name):
    """(line index, match) of each marker line; exits when there is none."""
    found = [(i, m) for i, m in
             ((i, re.fullmatch(pattern, ln.strip())) for i, ln in enumerate(lines)) if m]
    if not found:
        sys.exit(f"readme-snippets: no {name} marker in {readme}")
    return found


def check_tables(readme, lines, tables):
    built = sorted(f[:-4] for f in os.listdir(os.path.join(tables, "tests-qemu"))
                   if f.endswith(".elf"))
    found = markers(readme, lines, r"<!-- printed by: tests-qemu/(\w+)\.c -->",
                    "<!-- printed by: tests-qemu/NAME.c -->")
    shown = [m.group(1) for _, m in found]
    for name in built:
        if name not in shown:
            sys.exit(f"readme-snippets: {readme} has no table printed by {name} "
                     f"(built in {tables})")
    for i, m in found:
        end = i + 1
        while end < len(lines) and lines[end].startswith("|"):
            end += 1
        if end == i + 1:
            sys.exit(f"readme-snippets: {readme}:{i + 1}: no table after the marker")
        exe = os.path.join(tables, "tests-qemu", m.group(1) + ".elf")
        want = printed_table(exe)
        compare(readme, i + 2, lines[i + 1:end], want, exe)
        print(f"readme-snippets: {readme}:{i + 1}: table ({len(want)} lines) is what "
              f"{m.group(1)} prints")


def main():
    args = sys.argv[1:]
    tables = None
    if args[:1] == ["--tables"]:
        tables, args = args[1], args[2:]
    readme = args[0] if args else "README.md"
    lines = open(readme, encoding="utf-8").read().split("\n")
    for i, m in markers(readme, lines, r"<!-- from: (\S+) -->", "<!-- from: PATH -->"):
        if i + 1 >= len(lines) or not lines[i + 1].startswith("```"):
            sys.exit(f"readme-snippets: {readme}:{i + 1}: no code block after the marker")
        end = next((k for k in range(i + 2, len(lines)) if lines[k].startswith("```")), None)
        if end is None:
            sys.exit(f"readme-snippets: {readme}:{i + 2}: code block never closed")
        want = region(m.group(1))
        compare(readme, i + 3, lines[i + 2:end], want, m.group(1))
        print(f"readme-snippets: {readme}:{i + 1}: {m.group(1)} ({len(want)} lines) matches")
    if tables is not None:
        check_tables(readme, lines, tables)


if __name__ == "__main__":
    main()
