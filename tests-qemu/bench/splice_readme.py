#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Splices the bench results into README.md between the markers
<!-- bench:begin --> and <!-- bench:end -->, only if both exist; and, between
<!-- glance:begin --> and <!-- glance:end -->, the short comparison table of
README's first section, made from results.json next to results.md.

usage: splice_readme.py README.md tests-qemu/bench/results/results.md

Image links in results.md are relative to the results directory; they are
rewritten relative to the README's directory. Exits 0 without touching the
README when the markers are missing (and says so).
"""
import json
import os
import re
import sys

BEGIN = "<!-- bench:begin -->"
END = "<!-- bench:end -->"
GLANCE_BEGIN = "<!-- glance:begin -->"
GLANCE_END = "<!-- glance:end -->"
TRACES = ("tiny", "rtos", "mixed")
GLANCE_ALLOCS = (("tinyheap", "tinyheap"), ("newlib-nano", "newlib-nano"),
                 ("newlib", "newlib (dlmalloc)"), ("picolibc", "picolibc"))


def glance(js):
    """The comparison table of README's first section, from results.json."""
    runs, code, fill = js["runs"], js["code_size"], js["fill"]

    def worst(t, a, op):
        r = runs[t][a]
        v = max(r[tr][op]["max"] for tr in TRACES)
        return max(v, max(r[tr]["fail_max_insns"] for tr in TRACES)) if op == "malloc" else v

    def mean(t, a, op):
        return max(runs[t][a][tr][op]["mean"] for tr in TRACES)

    def cap(a):
        return " / ".join("%.1f" % (min(runs["m3"][a][tr]["capacity_bytes"]) / js["arena"] * 100)
                          for tr in TRACES)

    rows = [
        ("flash: init + malloc + free + realloc, Cortex-M3 (bytes)",
         lambda a: "%d" % code["m3"][a]["text"] +
         (" (%d with `TH_TINY=0`)" % code["m3"]["tinyheap-notiny"]["text"]
          if a == "tinyheap" else "")),
        ("heap in live data when the first malloc fails, worst seed: tiny / rtos / mixed trace (%)",
         cap),
        ("8-byte objects that fit in 64 KiB", lambda a: "%d" % fill["m3"][a]["8"]["blocks"]),
        ("malloc, instructions on Cortex-M3: mean (worst trace) / most seen",
         lambda a: "%.0f / %d" % (mean("m3", a, "malloc"), worst("m3", a, "malloc"))),
        ("free, instructions on Cortex-M3: mean (worst trace) / most seen",
         lambda a: "%.0f / %d" % (mean("m3", a, "free"), worst("m3", a, "free"))),
        ("malloc, most instructions seen on Cortex-M0+",
         lambda a: "%d" % worst("m0plus", a, "malloc")),
    ]
    out = ["| `make bench`, 64 KiB heap | " + " | ".join(n for _, n in GLANCE_ALLOCS) + " |",
           "|---|" + "---:|" * len(GLANCE_ALLOCS)]
    for name, fn in rows:
        out.append("| %s | %s |" % (name, " | ".join(fn(a) for a, _ in GLANCE_ALLOCS)))
    return "\n".join(out)


def splice(text, begin, end, body):
    b, e = text.find(begin), text.find(end)
    if b < 0 or e < 0 or e < b:
        return None
    return text[:b + len(begin)] + "\n" + body + "\n" + text[e:]


def main():
    readme, results = sys.argv[1], sys.argv[2]
    with open(readme) as f:
        text = f.read()
    if text.find(BEGIN) < 0 or text.find(END) < text.find(BEGIN):
        print("splice_readme: markers %s / %s not found in %s: nothing done" % (BEGIN, END, readme))
        return 0
    with open(results) as f:
        body = f.read().strip()
    rel = os.path.relpath(os.path.dirname(os.path.abspath(results)),
                          os.path.dirname(os.path.abspath(readme)))
    body = re.sub(r"\]\((?!https?:|/)([^)]+)\)", lambda m: "](%s/%s)" % (rel, m.group(1)), body)
    # demote headings by one level so they nest under the README's section
    body = re.sub(r"^(#{2,5}) ", lambda m: "#" + m.group(1) + " ", body, flags=re.M)
    new = splice(text, BEGIN, END, body)
    js_path = os.path.join(os.path.dirname(results), "results.json")
    if os.path.exists(js_path):
        with open(js_path) as f:
            with_glance = splice(new, GLANCE_BEGIN, GLANCE_END, glance(json.load(f)))
        new = with_glance if with_glance is not None else new
    if new != text:
        with open(readme, "w") as f:
            f.write(new)
        print("splice_readme: updated %s" % readme)
    else:
        print("splice_readme: %s already up to date" % readme)
    return 0


if __name__ == "__main__":
    sys.exit(main())
