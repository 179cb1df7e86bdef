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

A tail call (the caller's frame released before it jumps: `b.w` on ARM,
`jmp` on x86) does not stack the callee's frames on the caller's. With
$OBJDUMP set, the object file next to each .ci is read for the relocation
of every call site; an edge every one of whose sites is a jump counts as a
tail call (shown as `>>`). Without it, every call is counted as nested.

usage: [OBJDUMP=objdump] stack.py BOARD file.ci...
"""
import os
import re
import subprocess
import sys

TAIL_RELOCS = {"R_ARM_THM_JUMP24", "R_ARM_THM_JUMP19", "R_ARM_THM_JUMP11", "R_ARM_JUMP24"}
CALL_RELOCS = {"R_ARM_THM_CALL", "R_ARM_CALL"}
X86_RELOCS = {"R_386_PC32", "R_386_PLT32", "R_X86_64_PC32", "R_X86_64_PLT32"}

NODE = re.compile(r'node: \{ title: "([^"]+)" label: "([^"]*)"')
EDGE = re.compile(r'edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"')
INDIRECT_OK = {"th_raise", "th_report", "th_oom", "walk_blocks", "refuse", "free_marks"}
# The public functions: those src/tinyheap.h declares.
HEADER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src", "tinyheap.h")
with open(HEADER, encoding="utf-8") as _f:
    PUBLIC = set(re.findall(r"^[a-z_][a-z_0-9 ]*[ *](th_[a-z0-9_]+)\(", _f.read(), re.M))
if len(PUBLIC) < 10:
    sys.exit("stack.py: read only %d public functions from %s" % (len(PUBLIC), HEADER))


def is_public(fn):
    return fn in PUBLIC


def short(title):
    return title.rsplit(":", 1)[-1]


def call_sites(obj, objdump):
    """(caller, callee) -> set of "call"/"tail", from the object's relocations."""
    out = subprocess.run([objdump, "-dr", obj], capture_output=True, text=True,
                         check=True).stdout
    sites, fn, last = {}, None, ""
    for ln in out.splitlines():
        m = re.match(r"^[0-9a-f]+ <([^>]+)>:$", ln)
        if m:
            # a function's cold part (GCC's fn.cold) runs in fn's frame: its
            # calls are fn's, so a bl there keeps fn's edge nested
            fn = re.sub(r"\.cold(\.\d+)?$", "", m.group(1))
            continue
        m = re.match(r"^\s+[0-9a-f]+:\s+(R_\w+)\s+([\w.$]+)", ln)
        if m and fn is not None:
            rel, sym = m.group(1), m.group(2)
            if rel in CALL_RELOCS:
                how = "call"
            elif rel in TAIL_RELOCS:
                how = "tail"
            elif rel in X86_RELOCS and last.startswith("call"):
                how = "call"
            elif rel in X86_RELOCS and last.startswith("j"):
                how = "tail"
            else:
                continue  # data: literal pools, addresses taken
            sites.setdefault((fn, sym), set()).add(how)
            continue
        m = re.match(r"^\s+[0-9a-f]+:\t(?:[0-9a-f]{2,8} ?)+\s*\t(\S+)", ln)
        if m:
            last = m.group(1)
    return sites


def main():
    board, files = sys.argv[1], sys.argv[2:]
    objdump = os.environ.get("OBJDUMP", "")
    sites = {}
    if objdump:
        for path in files:
            sites.update(call_sites(path[:-3] + ".o", objdump))
        if not any("call" in how for how in sites.values()):
            print("no call site read from the objects: objdump's format changed?")
            return 1

    def tail(fn, callee):
        return sites.get((fn, callee)) == {"tail"}
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
        best, chain = frame.get(fn, 0), [fn]
        for callee in sorted(calls.get(fn, ())):
            if callee == "__indirect_call":
                continue  # lock, fault handler, OOM hook: the application's frames
            if callee not in frame:
                continue  # libgcc helpers (__clzsi2 ...): leaf routines
            d, c = depth(callee)
            if tail(fn, callee):
                d, c = d, [fn + " >"] + c  # fn's frame is gone before the jump
            else:
                d, c = frame.get(fn, 0) + d, [fn] + c
            if d > best:
                best, chain = d, c
        active.discard(fn)
        memo[fn] = (best, chain)
        return memo[fn]

    try:
        rows = []
        for fn in sorted(frame):
            if fn.startswith("th_"):  # a recursion through any of them fails
                d, chain = depth(fn)
                rows.append((fn, d, chain))
    except RecursionError as e:
        print("recursion through", e)
        return 1
    missing = sorted(PUBLIC - set(frame))
    if missing:
        print("stack.py: no frame read for", " ".join(missing))
        return 1
    print(f"worst-case stack in bytes on {board} (callbacks excluded)")
    for fn, d, chain in rows:
        if not is_public(fn):
            continue
        print(f"  {fn:22s} {d:4d}   {' > '.join(chain).replace(' > > ', ' >> ')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
