#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Static worst-case instruction bound of tinyheap's calls (`make bound`).

The bench (run.py) measures what its traces reach; this computes what no
input can exceed. It reads the linked Thumb code (objdump), builds each
function's control-flow graph, and takes the longest path from the entry to
a return, every instruction counting 1 (what QEMU's -icount and the bench
count; an instruction skipped by an IT block still counts), a call adding
its callee's bound. Loops are the only cycles, and every one must carry a
bound in the source, a comment on the loop's line or the line above it:

    /* loop bound: TH_NWORDS - 1 */

an integer C expression over the configuration (evaluated by compiling it
with the same flags), the most times the loop's body runs per entry. A
loop's cost is that many trips round its longest cycle, plus the way out.
TH_BOUND_N16 in an expression stands for the 16-byte units of data a call
copies or clears (realloc's move, calloc's zeroing): those bounds are
reported as A + B per 16 bytes.

With --worst, the bench firmware's constructed worst cases (bench.c, trace
`worst`: the paths named longest, built on purpose) run too; like the
--measured counts, none may exceed its bound.

Path-insensitive: every path of the graph is assumed possible, including
ones the data never allows (a fault report, then the success it excludes),
so the bound is safe and may be loose. Callbacks (lock, unlock, fault
handler, OOM hook) are excluded: each indirect call or indirect tail call
(`blx rN`, `bx rN`) counts one instruction. Fails on control flow it cannot
follow (a jump table, a write to pc) or a loop without a bound, so a change
that adds an unbounded loop to a call breaks `make check`.

usage: bound.py ELF CC "CFLAGS" [--worst BENCH_ELF] [--md] [--measured RAW...]
       bound.py --selftest ELF CC "CFLAGS"   (ELF: bound_selftest.c linked)
BOUND_PATH=th_malloc bound.py ...  also prints the calls on that function's
longest path, nested with each callee's bound (to see what sets a bound).
"""
import collections
import os
import re
import subprocess
import sys
import tempfile

OBJDUMP = os.environ.get("OBJDUMP", "arm-none-eabi-objdump")
ADDR2LINE = os.environ.get("ADDR2LINE", "arm-none-eabi-addr2line")
NM = os.environ.get("NM", "arm-none-eabi-nm")
COND = "eq|ne|cs|hs|cc|lo|mi|pl|vs|vc|hi|ls|ge|lt|gt|le"

# The calls bounded (O(1) in the contract), in README order.
CALLS = ["th_malloc", "th_free", "th_realloc", "th_calloc", "th_aligned_alloc",
         "th_usable_size", "th_persistent_alloc",
         # the O(1) inspection calls (tinyheap.h: "Time: constant")
         "th_free_bytes", "th_min_free_bytes", "th_largest_free", "th_reset_min_free"]


class BoundError(Exception):
    """What makes a bound impossible (or, for --measured, wrong)."""


def die(msg):
    raise BoundError(msg)


def disassemble(elf):
    """name -> [(addr, mnemonic, operands)], in address order."""
    out = subprocess.run([OBJDUMP, "-d", elf], capture_output=True, text=True, check=True).stdout
    funcs, cur = {}, None
    for ln in out.splitlines():
        m = re.match(r"^([0-9a-f]+) <([^>]+)>:$", ln)
        if m:
            cur = m.group(2)
            funcs[cur] = []
            continue
        m = re.match(r"^\s*([0-9a-f]+):\t[0-9a-f]{4}(?: [0-9a-f]{4})?\s*\t(\S+)\s*(.*)$", ln)
        if m and cur is not None:
            funcs[cur].append((int(m.group(1), 16), m.group(2), m.group(3)))
    return funcs


def branch_target(op):
    m = re.search(r"\b([0-9a-f]+) <([^>+]+)(\+0x[0-9a-f]+)?>", op)
    if not m:
        return None
    return int(m.group(1), 16), m.group(2), m.group(3) is not None


class Graph:
    """One function's instructions: succ[a] (addresses) and what a does."""

    def __init__(self, name, ins):
        self.name, self.entry = name, ins[0][0]
        self.succ, self.event = {}, {}
        itleft = 0
        for k, (a, mn, op) in enumerate(ins):
            nxt = [ins[k + 1][0]] if k + 1 < len(ins) else []
            in_it = itleft > 0
            itleft = itleft - 1 if itleft else 0
            if re.match(r"^it[te]{0,3}$", mn):
                itleft = len(mn) - 1
            base = re.sub(r"\.(n|w)$", "", mn)
            ev, succ = None, nxt
            if re.match(r"^b(%s)?$" % COND, base) or base in ("cbz", "cbnz"):
                t = branch_target(op)
                cond = base != "b" or in_it
                if t is None:
                    die("%s: branch without a target at %x: %s %s" % (name, a, mn, op))
                if t[1] != name:
                    if t[2]:
                        die("%s: branch into the middle of %s at %x" % (name, t[1], a))
                    ev, succ = ("tail", t[1]), (nxt if cond else [])
                else:
                    succ = [t[0]] + (nxt if cond else [])
            elif re.match(r"^bl(%s)?$" % COND, base):
                # bl, or a conditional bl in an IT block (blne: 4 letters, not
                # b + a condition); either way the callee's bound is added
                t = branch_target(op)
                if t is None or t[2]:
                    die("%s: call at %x: %s %s" % (name, a, mn, op))
                ev = ("call", t[1])
            elif base.startswith("blx"):
                ev = ("icall", op)
            elif base.startswith("bx"):
                # bx lr returns; bx rN is a tail call through a pointer (a
                # callback: counted as its one instruction, like blx)
                ev = ("ret", op) if op.strip() == "lr" else ("itail", op)
                succ = nxt if (in_it or base != "bx") else []
            elif re.match(r"^(pop|ldm)", base) and re.search(r"\bpc\b", op):
                ev, succ = ("ret", op), (nxt if in_it else [])
            elif re.match(r"^ldr(\.w)?$", base) and re.match(r"^\s*pc,\s*\[sp\],\s*#4$", op):
                # `ldr.w pc, [sp], #4`: a pop of the return address alone
                ev, succ = ("ret", op), (nxt if in_it else [])
            elif base in ("tbb", "tbh") or re.match(r"^\s*pc\b", op):
                die("%s: control flow not followed at %x: %s %s" % (name, a, mn, op))
            elif base in ("udf", "bkpt"):
                ev, succ = ("ret", op), []
            self.succ[a], self.event[a] = succ, ev


class Bounder:
    def __init__(self, elf, cc, cflags, n16):
        self.elf, self.cc, self.cflags, self.n16 = elf, cc, cflags, n16
        self.funcs = disassemble(elf)
        self.memo = {}
        self.calls = {}
        self.loops = []  # (function, header, source, bound, cycle)
        self.indirect = set()
        self.expr_cache = {}

    # ---- loop bounds from the source -------------------------------------------
    def source_of(self, addr):
        """Innermost (file, line) of an address (inlined code included)."""
        out = subprocess.run([ADDR2LINE, "-i", "-e", self.elf, "%x" % addr], capture_output=True,
                             text=True, check=True).stdout.splitlines()
        m = re.match(r"^(.*):(\d+)", out[0]) if out else None
        if not m or m.group(1) == "??":
            die("no line information at %x (build with -g)" % addr)
        return m.group(1), int(m.group(2))

    def loop_annotation(self, path, line):
        """The bound expression of the innermost loop statement of `path`
        whose body contains `line`."""
        with open(path) as f:
            src = f.read().splitlines()
        best = None
        for i, text in enumerate(src):
            if not re.match(r"^\s*(for|while)\s*\(|^\s*do\s*\{", text):
                continue
            # the statement runs from line i to the brace that closes its body
            depth, end, opened = 0, None, False
            for j in range(i, len(src)):
                for ch in src[j]:
                    if ch == "{":
                        depth, opened = depth + 1, True
                    elif ch == "}":
                        depth -= 1
                        if opened and depth == 0:
                            end = j
                            break
                if end is not None:
                    break
            if end is not None and i + 1 <= line <= end + 1:
                if best is None or i > best[0]:
                    best = (i, end)
        if best is None:
            die("%s:%d: a loop header outside any loop statement" % (path, line))
        i = best[0]
        for cand in (src[i], src[i - 1] if i > 0 else ""):
            m = re.search(r"/\*\s*loop bound:\s*(.*?)\s*\*/", cand)
            if m:
                return "%s:%d" % (os.path.basename(path), i + 1), m.group(1)
        die("%s:%d: loop without a `/* loop bound: ... */` comment" % (path, i + 1))

    def evaluate(self, expr):
        """Value of a bound expression under the build's configuration."""
        key = (expr, self.n16)
        if key in self.expr_cache:
            return self.expr_cache[key]
        with tempfile.TemporaryDirectory() as td:
            c = os.path.join(td, "b.c")
            o = os.path.join(td, "b.o")
            with open(c, "w") as f:
                f.write('#include "th_internal.h"\n#define TH_BOUND_N16 %du\n'
                        "char th_bound_value[(%s) + 1u];\n" % (self.n16, expr))
            r = subprocess.run([self.cc] + self.cflags.split() + ["-c", c, "-o", o],
                               capture_output=True, text=True)
            if r.returncode != 0:
                die("cannot evaluate loop bound `%s`: %s" % (expr, r.stderr.strip()[:300]))
            out = subprocess.run([NM, "-S", o], capture_output=True, text=True, check=True).stdout
        m = re.search(r"^[0-9a-f]+ ([0-9a-f]+) \w th_bound_value$", out, re.M)
        if not m:
            die("cannot evaluate loop bound `%s`" % expr)
        v = int(m.group(1), 16) - 1
        self.expr_cache[key] = v
        return v

    # ---- longest path ----------------------------------------------------------
    def cost(self, name, chain=()):
        if name in self.memo:
            return self.memo[name]
        if name in chain:
            die("recursion through %s" % " -> ".join(chain + (name,)))
        if name not in self.funcs or not self.funcs[name]:
            die("%s: called but not in the image" % name)
        g = Graph(name, self.funcs[name])
        # depth-first: back edges (to a node on the stack) and a reverse postorder
        back, state, order = set(), {g.entry: 1}, []
        stack = [(g.entry, iter(g.succ[g.entry]))]
        while stack:
            n, it = stack[-1]
            for s in it:
                if s not in g.succ:
                    die("%s: branch to %x, not an instruction" % (name, s))
                if state.get(s) == 1:
                    back.add((n, s))
                elif s not in state:
                    state[s] = 1
                    stack.append((s, iter(g.succ[s])))
                    break
            else:
                state[n] = 2
                order.append(n)
                stack.pop()
        topo = order[::-1]
        pos = {n: i for i, n in enumerate(topo)}
        w = {}
        for n in topo:
            ev = g.event[n]
            w[n] = 1
            if ev and ev[0] in ("call", "tail"):
                w[n] += self.cost(ev[1], chain + (name,))
            elif ev and ev[0] in ("icall", "itail"):
                self.indirect.add(name)
        # loops, innermost (smallest body) first: the header's weight grows by
        # bound x the longest trip round the loop
        preds = collections.defaultdict(set)
        for n in topo:
            for s in g.succ[n]:
                preds[s].add(n)
        latches = collections.defaultdict(set)
        for u, h in back:
            latches[h].add(u)
        bodies = {}
        for h, us in latches.items():
            body, work = {h}, list(us)
            while work:
                x = work.pop()
                if x not in body:
                    body.add(x)
                    work.extend(preds[x])
            bodies[h] = body
        for h in sorted(bodies, key=lambda x: (len(bodies[x]), x)):
            where, expr = self.loop_annotation(*self.source_of(h))
            trips = self.evaluate(expr)
            best = {h: w[h]}
            for n in sorted(bodies[h], key=lambda x: pos[x]):
                if n not in best:
                    continue
                for s in g.succ[n]:
                    if s in bodies[h] and s != h and (n, s) not in back:
                        best[s] = max(best.get(s, 0), best[n] + w[s])
            cycle = max(best[u] for u in latches[h] if u in best)
            w[h] += trips * cycle
            self.loops.append((name, h, where, expr, trips, cycle))
        dist, came, res, last = {g.entry: w[g.entry]}, {}, 0, g.entry
        for n in topo:
            if n not in dist:
                continue
            ev = g.event[n]
            if (not g.succ[n] or (ev and ev[0] in ("ret", "tail", "itail"))) and dist[n] > res:
                res, last = dist[n], n
            for s in g.succ[n]:
                if (n, s) not in back and dist[n] + w[s] > dist.get(s, 0):
                    dist[s], came[s] = dist[n] + w[s], n
        path = [last]
        while path[-1] in came:
            path.append(came[path[-1]])
        self.calls[name] = [g.event[n][1] for n in reversed(path)
                            if g.event[n] and g.event[n][0] in ("call", "tail")]
        self.memo[name] = res
        return res

    def show_path(self, name, depth=0):
        """The calls on the longest path, nested (bound.py --path)."""
        print("%s%s %d" % ("  " * depth, name, self.memo[name]))
        for c in self.calls[name]:
            self.show_path(c, depth + 1)


def measured_max(paths):
    """Largest count per call in raw bench outputs (M lines; CAP for the failing malloc)."""
    mx = collections.defaultdict(int)
    for p in paths:
        with open(p) as f:
            for ln in f:
                q = ln.split()
                kv = dict(x.partition("=")[::2] for x in q[1:])
                if len(q) >= 3 and q[0] == "M" and kv.get("max", "").isdigit():
                    mx[q[1]] = max(mx[q[1]], int(kv["max"]))
                elif q and q[0] == "CAP" and kv.get("fail_max", "").isdigit():
                    mx["malloc"] = max(mx["malloc"], int(kv["fail_max"]))
    return mx


def selftest(elf, cc, cflags):
    """The tool's own test: a bounded loop is bounded and its bound grows
    with its trip count; a loop without a bound and a recursion are refused."""
    b0, b1 = Bounder(elf, cc, cflags, 0), Bounder(elf, cc, cflags, 1)
    a, per16 = b0.cost("st_bounded"), b1.cost("st_bounded") - b0.cost("st_bounded")
    if not (a > 0 and per16 > 0):
        die("selftest: st_bounded gave %d + %d per trip" % (a, per16))
    # the caller adds its own instructions to the callee's bound
    if Bounder(elf, cc, cflags, 0).cost("st_caller") <= a:
        die("selftest: a call did not add its callee's bound")
    for fn, why in (("st_unbounded", "loop without"), ("st_recursive", "recursion")):
        try:
            Bounder(elf, cc, cflags, 0).cost(fn)
        except BoundError as e:
            if why not in str(e):
                die("selftest: %s refused for the wrong reason: %s" % (fn, e))
            continue
        die("selftest: %s was given a bound" % fn)
    print("bound: selftest OK (st_bounded %d + %d per trip; unbounded loop and recursion refused)"
          % (a, per16))


def main():
    try:
        if sys.argv[1:2] == ["--selftest"]:
            selftest(*sys.argv[2:5])
        else:
            run()
    except BoundError as e:
        print("bound: FAIL: %s" % e, file=sys.stderr)
        sys.exit(1)


def constructed_worst(elf):
    """The bench firmware's constructed worst cases (bench.c, trace `worst`):
    call -> instructions."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import run as bench_run  # pylint: disable=import-outside-toplevel
    rc, out, err = bench_run.qemu_once(elf, ["worst"], 120)
    m = re.search(r"^W (.*)$", out, re.M)
    if rc != 0 or not m:
        die("worst-case run of %s failed (%d): %s" % (elf, rc, (out + err)[-300:]))
    kv = dict(x.split("=") for x in m.group(1).split())
    return {"malloc": max(int(kv["malloc_retry"]), int(kv["malloc_slab"])),
            "free": int(kv["free_release"])}


def run():
    args = sys.argv[1:]
    md = "--md" in args
    args = [a for a in args if a != "--md"]
    worst = {}
    if "--worst" in args:
        k = args.index("--worst")
        worst = constructed_worst(args[k + 1])
        args = args[:k] + args[k + 2:]
    raws = []
    if "--measured" in args:
        k = args.index("--measured")
        raws, args = args[k + 1:], args[:k]
    elf, cc, cflags = args[0], args[1], args[2]
    b0 = Bounder(elf, cc, cflags, 0)
    b1 = Bounder(elf, cc, cflags, 1)
    rows = []
    for c in CALLS:
        if c not in b0.funcs:
            die("%s is not linked into %s" % (c, elf))
        a = b0.cost(c)
        per16 = b1.cost(c) - a
        rows.append((c, a, per16))
    mx = measured_max(raws) if raws else {}
    bad = []
    for c, a, per16 in rows:
        op = c[3:]
        # the bench's reallocs copy at most 2047 bytes (mixed trace)
        lim = a + per16 * (2048 // 16)
        for what, got in (("measured", mx.get(op)), ("constructed", worst.get(op))):
            if got is not None and got > lim:
                bad.append("%s: %s %d > bound %d" % (c, what, got, lim))
    if md:
        print("| call | bound (instructions) | constructed worst | measured max (`make bench`) |")
        print("|---|---:|---:|---:|")
    for c, a, per16 in rows:
        b = "%d" % a + (" + %d per 16 bytes" % per16 if per16 else "")
        m, w = mx.get(c[3:]), worst.get(c[3:])
        if md:
            print("| `%s` | %s | %s | %s |" % (c, b, w if w is not None else "–",
                                              m if m is not None else "–"))
        else:
            print("bound: %-20s %-28s%s%s" % (c, b, "  constructed %d" % w if w is not None else "",
                                              "  measured max %d" % m if m is not None else ""))
    if not md:
        for name, h, where, expr, trips, cycle in sorted(set(b0.loops)):
            print("bound:   loop in %s at %x (%s): %s = %d trips x %d" % (name, h, where, expr,
                                                                          trips, cycle))
        print("bound: callbacks excluded (one instruction each) in: %s" %
              ", ".join(sorted(b0.indirect)))
    if "BOUND_PATH" in os.environ:
        b0.show_path(os.environ["BOUND_PATH"])
    if bad:
        die("; ".join(bad))


if __name__ == "__main__":
    main()
