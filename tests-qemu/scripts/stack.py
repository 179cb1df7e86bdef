#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Worst-case stack use of every public tinyheap function.

Reads the .ci files GCC writes with -fcallgraph-info=su (one per src/*.c),
joins them into one call graph and prints, for each th_* function that the
public header declares, the deepest chain of frames below it. Fails when
the graph is empty (GCC's format changed, or no file was read), has a cycle
(recursion) or a frame of dynamic size, or when a call through a pointer is
made anywhere but where the application's callbacks are called: the lock
and unlock (inlined into every public function), the fault handler
(th_raise, th_report), the OOM hook (th_oom) and th_walk's callback
(walk_blocks), plus the two helpers that take the lock themselves (refuse,
free_marks). Those callbacks' own stack use is the application's.

usage: stack.py BOARD file.ci...
"""
import re
import sys

NODE = re.compile(r'node: \{ title: "([^"]+)" label: "([^"]*)"')
EDGE = re.compile(r'edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"')
PUBLIC = re.compile(r'^th_[a-z_]+$')
INDIRECT_OK = {"th_raise", "th_report", "th_oom", "walk_blocks", "refuse", "free_marks"}
# th_* names that are internal, not the public header's.
INTERNAL = ("th_gen_", "th_tiny_", "th_page_", "th_bin_", "th_region_", "th_raise",
            "th_report", "th_oom", "th_note", "th_fill", "th_filled", "th_slab", "th_seal",
            "th_lk", "th_at", "th_addr", "th_kind", "th_bsize", "th_mk", "th_lock",
            "th_unlock")


def is_public(fn):
    return bool(PUBLIC.match(fn)) and not fn.startswith(INTERNAL)


def short(title):
    return title.rsplit(":", 1)[-1]


def main():
    board, files = sys.argv[1], sys.argv[2:]
    frame, kind, calls = {}, {}, {}
    for path in files:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for title, label in NODE.findall(text):
            m = re.search(r"\\n(\d+) bytes \(([\w,]+)\)", label)
            if m:
                name = short(title)
                frame[name] = int(m.group(1))
                kind[name] = m.group(2)
        for src, dst in EDGE.findall(text):
            calls.setdefault(short(src), set()).add(short(dst))
    if not frame:
        print("no call-graph nodes read from", len(files), "file(s): GCC's .ci format changed?")
        return 1
    bad = [n for n, k in kind.items() if k not in ("static", "dynamic,bounded")]
    if bad:
        print("unbounded stack frames:", ", ".join(sorted(bad)))
        return 1
    stray = sorted(fn for fn, cs in calls.items() if "__indirect_call" in cs and
                   not is_public(fn) and fn not in INDIRECT_OK)
    if stray:
        print("calls through a pointer outside the documented callbacks:", ", ".join(stray))
        return 1
    memo, active = {}, set()

    def depth(fn):
        if fn in memo:
            return memo[fn]
        if fn in active:
            raise RecursionError(fn)
        active.add(fn)
        best, chain = 0, []
        for callee in sorted(calls.get(fn, ())):
            if callee == "__indirect_call":
                continue  # lock, fault handler, OOM hook: the application's frames
            if callee not in frame:
                continue  # libgcc helpers (__clzsi2 ...): leaf routines
            d, c = depth(callee)
            if d > best:
                best, chain = d, c
        active.discard(fn)
        memo[fn] = (frame.get(fn, 0) + best, [fn] + chain)
        return memo[fn]

    try:
        rows = []
        for fn in sorted(frame):
            if PUBLIC.match(fn):
                d, chain = depth(fn)
                rows.append((fn, d, chain))
    except RecursionError as e:
        print("recursion through", e)
        return 1
    print(f"worst-case stack in bytes on {board} (callbacks excluded)")
    for fn, d, chain in rows:
        if not is_public(fn):
            continue
        print(f"  {fn:22s} {d:4d}   {' > '.join(chain)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
