#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Runs the tinyheap bench firmware under QEMU and writes the results.

Called by bench.mk (`make bench`, `make bench-smoke`) after the firmware is
built under build/bench/<target>/<allocator>/{bench,size}.elf.

Every QEMU run is done twice; the two outputs must be byte-identical (the
counts are exact, so any difference is a failure). Any non-zero exit, ERR
line, missing DONE line or timeout is a failure, and so is a tag mismatch
(the firmware exits with ERR). On failure the script exits 1.

Outputs (--out): results.md (also printed), results.json, *.png (gnuplot);
--work (build/bench/work): raw/ with every run's output, plotdata/.
"""
import argparse
import concurrent.futures as cf
import datetime
import json
import math
import os
import re
import shutil
import subprocess
import sys

ALLOCS = ["tinyheap", "tinyheap-notiny", "tinyheap-hardened", "tinyheap-small",
          "tinyheap-nolinks", "newlib-nano", "newlib", "picolibc"]
LABEL = {
    "tinyheap": "tinyheap",
    "tinyheap-notiny": "tinyheap, TH_TINY=0",
    "tinyheap-hardened": "tinyheap, TH_HARDEN=1",
    "tinyheap-small": "tinyheap, TH_FAST_PATHS=0",
    "tinyheap-nolinks": "tinyheap, TH_CHECK_LINKS=0",
    "newlib-nano": "newlib-nano malloc",
    "newlib": "newlib malloc (dlmalloc)",
    "picolibc": "picolibc malloc",
}
TARGETS = ["m3", "m0plus"]
TLABEL = {"m3": "Cortex-M3", "m0plus": "Cortex-M0+"}
TRACES = ["tiny", "rtos", "mixed"]
OPS = ["malloc", "free", "realloc"]
FILL_SIZES = [1, 4, 8, 12, 16, 24, 32, 100]
ARENA = 65536
PEERS = ["newlib-nano", "newlib", "picolibc"]
# Arena starts within a 512-byte page at which tinyheap's capacity is also
# measured (Cortex-M3, every trace and seed; 0 is the main run).
PLACES = [64, 128, 192, 256, 320, 384, 448]

QEMU = ["qemu-system-arm", "-machine", "mps2-an385", "-display", "none", "-monitor", "none",
        "-serial", "none", "-icount", "shift=8", "-chardev", "stdio,id=con"]


def die(msg):
    print("bench: FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


# ---- running ------------------------------------------------------------------------

def qemu_once(elf, args, timeout):
    sh = "enable=on,target=native,chardev=con,arg=bench" + "".join(",arg=" + a for a in args)
    cmd = ["timeout", "--kill-after=5", str(timeout)] + QEMU + [
        "-semihosting-config", sh, "-kernel", elf]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                           timeout=timeout + 15)
    except subprocess.TimeoutExpired:
        return 124, "", "python timeout"
    return p.returncode, p.stdout, p.stderr


def run_job(job):
    """job: (target, alloc, args, elf, timeout). Runs twice, checks, returns output."""
    target, alloc, args, elf, timeout = job
    what = "%s/%s %s" % (target, alloc, " ".join(args))
    outs = []
    for _ in range(2):
        rc, out, err = qemu_once(elf, args, timeout)
        if rc == 124:
            return what, None, "hang: no exit within %d s" % timeout
        if rc != 0:
            errs = [l for l in out.splitlines() if l.startswith("ERR")]
            return what, None, "exit status %d: %s %s" % (rc, "; ".join(errs), err.strip()[-300:])
        if "DONE ok" not in out:
            return what, None, "no DONE line"
        outs.append(out)
    if outs[0] != outs[1]:
        return what, None, "counts not repeatable: two runs of the same image differ"
    return what, outs[0], None


def parse(out):
    r = {"hist": {op: {} for op in OPS}, "max": {}, "n": {}}
    for ln in out.splitlines():
        p = ln.split()
        if not p:
            continue
        if p[0] == "H":
            for kv in p[2:]:
                v, c = kv.split(":")
                r["hist"][p[1]][int(v)] = r["hist"][p[1]].get(int(v), 0) + int(c)
        elif p[0] == "M":
            kv = dict(x.split("=") for x in p[2:])
            r["max"][p[1]] = int(kv["max"])
            r["n"][p[1]] = int(kv["n"])
        elif p[0] in ("CAP", "FILL", "CAL"):
            r[p[0].lower()] = {k: int(v) if v.isdigit() else v
                               for k, v in (x.split("=") for x in p[1:] if "=" in x)}
    # the histogram clamps at 16383; the exact max comes from the M line
    for op in OPS:
        h = r["hist"][op]
        if h and max(h) >= 16383 and r["max"].get(op, 0) > 16383:
            c = h.pop(16383)
            h[r["max"][op]] = h.get(r["max"][op], 0) + c
    return r


# ---- statistics ---------------------------------------------------------------------

def hist_merge(hs):
    m = {}
    for h in hs:
        for v, c in h.items():
            m[v] = m.get(v, 0) + c
    return m


def stats(h):
    n = sum(h.values())
    if n == 0:
        return None
    vals = sorted(h.items())

    def pct(q):
        k = math.ceil(q * n)
        acc = 0
        for v, c in vals:
            acc += c
            if acc >= k:
                return v
        return vals[-1][0]
    return {"n": n, "mean": sum(v * c for v, c in vals) / n, "p50": pct(0.5), "p99": pct(0.99),
            "max": vals[-1][0], "min": vals[0][0]}


# ---- code size (map files) ----------------------------------------------------------

EXCLUDE = ("startup.o", "mem.o", "size_main.o")


def code_size(mapfile):
    """Sums input sections by class, excluding the probe's own objects."""
    text = data = bss = 0
    members = {}
    out_sec = None
    pending = None
    started = False
    with open(mapfile) as f:
        for ln in f:
            ln = ln.rstrip("\n")
            if ln.startswith("Linker script and memory map"):
                started = True
                continue
            if not started:
                continue
            m = re.match(r"^(\.\S+)(\s|$)", ln)
            if m:
                out_sec = m.group(1)
                continue
            if pending is not None:
                m = re.match(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$", ln)
                name, pending = pending, None
                if m:
                    add = (name, int(m.group(2), 16), m.group(3))
                else:
                    continue
            else:
                m = re.match(r"^ (\.\S+|COMMON)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$", ln)
                if m:
                    add = (m.group(1), int(m.group(3), 16), m.group(4))
                else:
                    m = re.match(r"^ (\.\S+|COMMON)$", ln)
                    if m:
                        pending = m.group(1)
                    continue
            name, size, fname = add
            if size == 0 or fname.endswith(EXCLUDE) or "linker stubs" in fname:
                continue
            if out_sec in (".text", ".ARM.exidx", ".tdata", ".rodata"):
                text += size
            elif out_sec == ".data":
                data += size
            elif out_sec in (".bss", ".tbss"):
                bss += size
            else:
                continue
            short = re.sub(r"^.*/", "", fname)
            members[short] = members.get(short, 0) + size
    return {"text": text, "data": data, "bss": bss, "members": members}


# ---- output -------------------------------------------------------------------------

def fmt(x, nd=0):
    if x is None:
        return "–"
    if nd == 0:
        return str(int(round(x)))
    return ("%." + str(nd) + "f") % x


def spread(vals, nd=1, pct=False):
    if not vals:
        return "–"
    f = (lambda v: fmt(100.0 * v / ARENA, nd)) if pct else (lambda v: fmt(v, nd))
    lo, hi = min(vals), max(vals)
    return f(lo) if f(lo) == f(hi) else "%s–%s" % (f(lo), f(hi))


def split_table(w, agg_t, allocs):
    """Where the arena went at the first failure, from th_get_stats at that
    moment: payload (what the trace holds), rounding (usable bytes beyond the
    request), metadata (headers, slab bookkeeping, the heap's own state:
    everything neither usable nor free) and free memory. The ceiling is the
    payload the grow phase would reach if nothing were free at the failure:
    the bound this cost model puts on the capacity, whatever the fit."""
    rows = [(a, tr, agg_t[a][tr]["cap_split"]) for a in allocs for tr in TRACES
            if agg_t[a][tr]["cap_split"]]
    if not rows:
        return
    w("Where the 64 KiB went at that failure (`th_get_stats` read by the bench right after it; "
      "min–max over seeds, in bytes). *Rounding*: usable bytes beyond the requests; *metadata*: "
      "block headers, slab bookkeeping and the heap's own state; *ceiling*: the payload if "
      "nothing were left free, 65536 − rounding − metadata, the most any fit policy could "
      "reach with this per-object cost.")
    w("")
    w("| allocator | trace | payload | rounding | metadata | free (largest) | failing request | ceiling |")
    w("|---|---|---:|---:|---:|---:|---:|---:|")
    for a, tr, sp in rows:
        col = lambda i: [x[i] for x in sp]
        ceil = [ARENA - x[1] - x[2] for x in sp]
        w("| %s | %s | %s | %s | %s | %s (%s) | %s | %s%% |" % (
            LABEL[a], tr, spread(col(0), 0), spread(col(1), 0), spread(col(2), 0),
            spread(col(3), 0), spread(col(4), 0), spread(col(5), 0), spread(ceil, 1, True)))
    w("")


def gnuplot(script, cwd):
    if shutil.which("gnuplot") is None:
        print("bench: gnuplot not found, plots skipped", file=sys.stderr)
        return
    p = subprocess.run(["gnuplot"], input=script, text=True, cwd=cwd, capture_output=True)
    if p.returncode != 0:
        die("gnuplot failed: " + p.stderr[-500:])


def make_plots(res, out, work, targets, allocs, traces):
    plotdir = os.path.abspath(os.path.join(work, "plotdata"))
    os.makedirs(plotdir, exist_ok=True)
    pngs = []
    for t in targets:
        for op in ("malloc", "free"):
            series = []
            for a in allocs:
                h = hist_merge(res["runs"][t][a][tr][s]["hist"][op]
                               for tr in traces for s in res["runs"][t][a][tr])
                n = sum(h.values())
                if n == 0:
                    continue
                fn = os.path.join(plotdir, "cdf_%s_%s_%s.dat" % (op, t, a))
                acc = 0
                with open(fn, "w") as f:
                    for v, c in sorted(h.items()):
                        f.write("%d %.6f\n" % (v, acc / n))
                        acc += c
                        f.write("%d %.6f\n" % (v, acc / n))
                series.append((a, fn))
            png = "cdf_%s_%s.png" % (op, t)
            plots = ", ".join("'%s' using 1:2 with lines lw 2 title '%s'" % (fn, LABEL[a])
                              for a, fn in series)
            gnuplot("""set terminal pngcairo noenhanced size 900,560 font ',10'
set output '%s'
set title '%s instructions per call, %s, all traces and seeds (exact, QEMU -icount)'
set xlabel 'instructions per call (log scale)'
set ylabel 'fraction of calls'
set logscale x
set grid
set key bottom right
set yrange [0:1.02]
plot %s
""" % (png, op, TLABEL[t], plots), out)
            pngs.append(png)
    # capacity bars (M3, mean over seeds, error bars min..max)
    t = targets[0]
    fn = os.path.join(plotdir, "capacity_%s.dat" % t)
    with open(fn, "w") as f:
        f.write("alloc " + " ".join(traces) + "\n")
        for a in allocs:
            row = []
            for tr in traces:
                caps = [100.0 * r["cap"]["payload"] / ARENA for r in res["runs"][t][a][tr].values()]
                row.append("%.2f" % (sum(caps) / len(caps)))
            f.write('"%s" %s\n' % (LABEL[a], " ".join(row)))
    png = "capacity.png"
    gnuplot("""set terminal pngcairo noenhanced size 1000,560 font ',10'
set output '%s'
set title 'Live payload when the first allocation fails, %% of the 64 KiB arena (mean over seeds)'
set style data histogram
set style histogram cluster gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set yrange [0:105]
set ylabel '%% of arena'
set grid ytics
set key top left
set xtics rotate by -20
plot '%s' using 2:xtic(1) title col, '' using 3 title col, '' using 4 title col
""" % (png, fn), out)
    pngs.append(png)
    return pngs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build/bench")
    ap.add_argument("--out", default="tests-qemu/bench/results")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--steps", type=int, default=20000)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--timeout", type=int, default=120)
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--work", default="build/bench/work", help="raw outputs and plot data")
    o = ap.parse_args()

    if o.smoke:
        targets, allocs, seeds, steps, fills = ["m3"], ["tinyheap", "newlib-nano"], 1, 2000, [8]
    else:
        targets, allocs, seeds, steps, fills = TARGETS, ALLOCS, o.seeds, o.steps, FILL_SIZES
    os.makedirs(o.out, exist_ok=True)
    rawdir = os.path.join(o.work, "raw")
    os.makedirs(rawdir, exist_ok=True)

    jobs = []
    for t in targets:
        for a in allocs:
            elf = os.path.join(o.build, t, a, "bench.elf")
            if not os.path.exists(elf):
                die("missing " + elf)
            for tr in TRACES:
                for s in range(1, seeds + 1):
                    jobs.append((t, a, [tr, str(s), str(steps)], elf, o.timeout))
            for sz in fills:
                jobs.append((t, a, ["fill", str(sz)], elf, o.timeout))
            if t == "m3" and a == "tinyheap" and not o.smoke:
                for at in PLACES:
                    for tr in TRACES:
                        for s in range(1, seeds + 1):
                            jobs.append((t, a, [tr, str(s), str(steps), "at=%d" % at], elf,
                                         o.timeout))

    t0 = datetime.datetime.now()
    res = {"runs": {t: {a: {tr: {} for tr in TRACES} for a in allocs} for t in targets},
           "fill": {t: {a: {} for a in allocs} for t in targets},
           "place": {at: {tr: {} for tr in TRACES} for at in PLACES}}
    errors = []
    with cf.ThreadPoolExecutor(max_workers=max(1, o.jobs)) as ex:
        futs = {ex.submit(run_job, j): j for j in jobs}
        for fu in cf.as_completed(futs):
            t, a, args, _, _ = futs[fu]
            what, out, err = fu.result()
            if err:
                errors.append("%s: %s" % (what, err))
                continue
            with open(os.path.join(rawdir, "%s_%s_%s.txt" % (t, a, "_".join(args))), "w") as f:
                f.write(out)
            r = parse(out)
            if args[0] == "fill":
                res["fill"][t][a][int(args[1])] = r["fill"]
            elif len(args) > 3:
                res["place"][int(args[3][3:])][args[0]][int(args[1])] = r["cap"]["payload"]
            else:
                res["runs"][t][a][args[0]][int(args[1])] = r
    elapsed = (datetime.datetime.now() - t0).total_seconds()
    if errors:
        for e in sorted(errors):
            print("bench: FAIL: " + e, file=sys.stderr)
        die("%d of %d runs failed" % (len(errors), len(jobs)))

    # every image must agree on the op stream: the same number of mallocs,
    # frees and reallocs attempted per trace and seed is not guaranteed (a
    # failed malloc skips its free), but the calibration must be sane.
    for t in targets:
        for a in allocs:
            for tr in TRACES:
                for s, r in res["runs"][t][a][tr].items():
                    if r["cal"].get("nop100") != "ok":
                        die("%s/%s: calibration line missing" % (t, a))

    if o.smoke:
        for a in allocs:
            for tr in TRACES:
                r = res["runs"]["m3"][a][tr][1]
                st = stats(r["hist"]["malloc"])
                sf = stats(r["hist"]["free"])
                print("bench-smoke: m3 %-12s %-5s malloc mean %6.1f max %5d  free mean %6.1f "
                      "max %5d  capacity %5.1f%%" % (a, tr, st["mean"], st["max"], sf["mean"],
                                                     r["max"]["free"],
                                                     100.0 * r["cap"]["payload"] / ARENA))
        print("bench-smoke: OK: %d runs, each twice with identical counts, no tag mismatch "
              "(%.1f s)" % (len(jobs), elapsed))
        return

    # ---- code size
    sizes = {t: {a: code_size(os.path.join(o.build, t, a, "size.map")) for a in allocs}
             for t in targets}

    # ---- aggregate
    agg = {}
    for t in targets:
        agg[t] = {}
        for a in allocs:
            agg[t][a] = {}
            for tr in TRACES:
                rs = dict(sorted(res["runs"][t][a][tr].items()))  # by seed
                d = {}
                for op in OPS:
                    d[op] = stats(hist_merge(r["hist"][op] for r in rs.values()))
                    d[op + "_seed_means"] = [stats(r["hist"][op])["mean"] for r in rs.values()
                                             if stats(r["hist"][op])]
                d["fail_insns"] = [r["cap"]["grow_fail_insns"] for r in rs.values()]
                d["fail_max"] = max(r["cap"]["fail_max"] for r in rs.values())
                d["churn_fails"] = [r["cap"]["fails"] - 1 for r in rs.values()]
                d["realloc_fails"] = [r["cap"]["realloc_fails"] for r in rs.values()]
                d["capacity"] = [r["cap"]["payload"] for r in rs.values()]
                d["cap_blocks"] = [r["cap"]["blocks"] for r in rs.values()]
                # The allocator's own view at that failure (tinyheap only):
                # per seed, (payload, rounding, metadata, free, largest, request).
                d["cap_split"] = [
                    (c["payload"], c["in_use"] - c["payload"], ARENA - c["in_use"] - c["free"],
                     c["free"], c["largest"], c["fail_req"])
                    for c in (r["cap"] for r in rs.values()) if "in_use" in c]
                agg[t][a][tr] = d

    # ---- git / date
    def git(*args):
        try:
            return subprocess.run(["git"] + list(args), capture_output=True, text=True,
                                  check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return "unknown"
    rev = git("rev-parse", "--short", "HEAD")
    dirty = git("status", "--porcelain", "--", "src")
    revs = rev + (" (src/ modified)" if dirty and dirty != "unknown" else "")
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")

    md = []
    w = md.append
    w("## Allocator benchmark (`make bench`)")
    w("")
    w("Generated %s from commit `%s`; %d seeds x %d steps per trace, 64 KiB arena for every "
      "allocator; %d QEMU runs, each run twice with byte-identical results (%.0f s)."
      % (date, revs, seeds, steps, len(jobs), elapsed))
    w("")
    w("Instruction counts are exact: QEMU `-icount shift=8` with SysTick read by the guest "
      "around each call, calibrated against an empty function measured the same way "
      "(checked against routines of known length in every run and against a QEMU "
      "`-singlestep -d exec,nochain` trace). A count covers the callee from its first "
      "instruction to its return, callees included. **Cortex-M0+**: the ARMv6-M build "
      "(`-mcpu=cortex-m0plus -mthumb -Os`) runs on the mps2-an385 board, because QEMU's only "
      "M0 board (microbit) has 16 KiB of RAM, too little for a 64 KiB arena; ARMv6-M code "
      "is valid ARMv7-M code and a call's instruction count is a property of the code path, "
      "not of the core.")
    w("")

    # targets table
    th = "tinyheap"
    tg = []

    def cap_min(a, tr, t="m3"):
        return min(agg[t][a][tr]["capacity"]) / ARENA * 100.0

    def worst(a, op, t="m3"):
        v = max(agg[t][a][tr][op]["max"] for tr in TRACES if agg[t][a][tr][op])
        if op == "malloc":
            v = max(v, max(agg[t][a][tr]["fail_max"] for tr in TRACES))
        return v

    def mean(a, op, t="m3"):
        return max(agg[t][a][tr][op]["mean"] for tr in TRACES if agg[t][a][tr][op])

    def best_peer(fn, better_low):
        vals = [(fn(p), p) for p in PEERS if p in allocs]
        v, p = (min if better_low else max)(vals)
        return v, p

    def row(name, val, target, ok, peer_txt, measured_peer):
        tg.append((name, val, target, ok, peer_txt, measured_peer))

    if th in allocs and "m3" in targets:
        for tr, goal, peer in (("tiny", 85, "73.5% (umm_malloc)"), ("rtos", 96, "94.9%"),
                               ("mixed", 96, "96.1%")):
            v = cap_min(th, tr)
            pv, pn = best_peer(lambda p: cap_min(p, tr), False)
            row("live payload when the first allocation fails, %s trace (worst seed)" % tr,
                "%.1f%%" % v, "≥ %d%%" % goal, v >= goal, peer, "%.1f%% (%s)" % (pv, pn))
        v = worst(th, "malloc")
        pv, pn = best_peer(lambda p: worst(p, "malloc"), True)
        row("malloc worst, any trace (Cortex-M3, failing calls included)", str(v), "≤ 120",
            v <= 120, "117 (o1heap); 379 (newlib dlmalloc)", "%d (%s)" % (pv, pn))
        v = mean(th, "malloc")
        pv, pn = best_peer(lambda p: mean(p, "malloc"), True)
        row("malloc mean, worst trace (Cortex-M3)", "%.1f" % v, "≤ 60", v <= 60,
            "80 (o1heap); 51 (newlib dlmalloc)", "%.1f (%s)" % (pv, pn))
        v = worst(th, "free")
        pv, pn = best_peer(lambda p: worst(p, "free"), True)
        row("free worst, any trace (Cortex-M3)", str(v), "≤ 100", v <= 100, "71–91",
            "%d (%s)" % (pv, pn))
        v = mean(th, "free")
        pv, pn = best_peer(lambda p: mean(p, "free"), True)
        row("free mean, worst trace (Cortex-M3)", "%.1f" % v, "≤ 50", v <= 50, "52",
            "%.1f (%s)" % (pv, pn))
        if "m0plus" in targets:
            v = worst(th, "malloc", "m0plus")
            pv, pn = best_peer(lambda p: worst(p, "malloc", "m0plus"), True)
            row("malloc worst on Cortex-M0+ (ARMv6-M build)", str(v), "≤ 220", v <= 220,
                "245 (o1heap)", "%d (%s)" % (pv, pn))
        v = sizes["m3"][th]["text"]
        pv, pn = best_peer(lambda p: sizes["m3"][p]["text"], True)
        row("code: init+malloc+free+realloc linked, tiny on (Cortex-M3 text)", "%d B" % v,
            "≤ 1024 B", v <= 1024, "384 B heap_4", "%d B (%s)" % (pv, pn))
        if "tinyheap-notiny" in allocs:
            v = sizes["m3"]["tinyheap-notiny"]["text"]
            row("same, tiny off (TH_TINY=0)", "%d B" % v, "≤ 600 B", v <= 600, "608 B o1heap",
                "%d B (%s)" % (pv, pn))
        if 8 in res["fill"]["m3"][th]:
            v = res["fill"]["m3"][th][8]["blocks"]
            pv, pn = best_peer(lambda p: res["fill"]["m3"][p][8]["blocks"], False)
            row("8-byte objects that fit in 64 KiB", str(v), "≥ 7000", v >= 7000,
                "4096 (newlib-nano)", "%d (%s)" % (pv, pn))
        w("### tinyheap against its targets (default configuration, Cortex-M3 unless noted)")
        w("")
        w("| figure | tinyheap | target | met? | best peer (cited) | best libc measured here |")
        w("|---|---:|---:|:---:|---|---|")
        for name, val, target, ok, peer, mp in tg:
            w("| %s | %s | %s | %s | %s | %s |" % (name, val, target,
                                                  "**met**" if ok else "**not met**", peer, mp))
        w("")
        nmet = sum(1 for x in tg if x[3])
        w("%d of %d targets met." % (nmet, len(tg)))
        w("")

    # capacity
    t = "m3" if "m3" in targets else targets[0]
    w("### Capacity: live payload when the first allocation fails (%% of 65536 B, %s)" % TLABEL[t])
    w("")
    w("Min–max over %d seeds; the grow phase after the churn allocates with the trace's size "
      "mix until the first failure." % seeds)
    w("")
    w("| allocator | tiny | rtos | mixed | blocks live at failure (tiny / rtos / mixed) |")
    w("|---|---:|---:|---:|---|")
    for a in allocs:
        w("| %s | %s | %s | %s | %s |" % (
            LABEL[a], *(spread(agg[t][a][tr]["capacity"], 1, True) for tr in TRACES),
            " / ".join(spread(agg[t][a][tr]["cap_blocks"], 0) for tr in TRACES)))
    w("")
    for t2 in targets[1:]:
        diff = [(a, tr) for a in allocs for tr in TRACES
                if agg[t2][a][tr]["capacity"] != agg[t][a][tr]["capacity"]]
        if diff:
            w("%s capacities differ from %s for: %s (see results.json)." % (
                TLABEL[t2], TLABEL[t], ", ".join("%s/%s" % d for d in diff)))
        else:
            w("%s capacities are identical to %s's." % (TLABEL[t2], TLABEL[t]))
        w("")
    split_table(w, agg[t], [a for a in allocs if a in ("tinyheap", "tinyheap-notiny")])
    if t == "m3" and "tinyheap" in allocs and all(res["place"][at][TRACES[0]] for at in PLACES):
        wcap = {tr: [min(agg[t]["tinyheap"][tr]["capacity"])] +
                 [min(res["place"][at][tr].values()) for at in PLACES] for tr in TRACES}
        w("Where the arena starts within a 512-byte page moves tinyheap's slabs against its "
          "blocks. The runs above start it on a page boundary; started at each of %s bytes "
          "into the page instead (same traces and seeds), the worst seed's capacity is %s "
          "(tiny / rtos / mixed, min–max over the %d starts)." % (
              ", ".join(str(x) for x in [0] + PLACES), " / ".join(
                  spread(wcap[tr], 1, True) + "%" for tr in TRACES), len(PLACES) + 1))
        w("")

    # instruction tables
    for t in targets:
        w("### Instructions per call, %s (`%s -mthumb -Os`)" % (
            TLABEL[t], "-mcpu=cortex-m3" if t == "m3" else "-mcpu=cortex-m0plus"))
        w("")
        w("Pooled over all seeds (churn, grow and teardown calls); mean shown with the "
          "min–max of the per-seed means. \"fail\" is the malloc that ended the grow phase "
          "(min–max over seeds).")
        w("")
        w("| allocator | trace | malloc mean | p50 | p99 | max | fail | free mean | p50 | p99 "
          "| max | realloc mean | p50 | p99 | max |")
        w("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for a in allocs:
            for tr in TRACES:
                d = agg[t][a][tr]
                cells = []
                for op in OPS:
                    s = d[op]
                    if s is None:
                        cells += ["–"] * 4
                    else:
                        cells += ["%.1f (%s)" % (s["mean"], spread(d[op + "_seed_means"], 1)),
                                  fmt(s["p50"]), fmt(s["p99"]), fmt(s["max"])]
                    if op == "malloc":
                        cells.append(spread(d["fail_insns"], 0))
                w("| %s | %s | %s |" % (LABEL[a], tr, " | ".join(cells)))
        w("")

    # hardening cost
    if th in allocs and "tinyheap-hardened" in allocs:
        w("### Cost of hardening (TH_HARDEN=1 vs default)")
        w("")
        w("| target | malloc mean | malloc max | free mean | free max | code text |")
        w("|---|---:|---:|---:|---:|---:|")
        for t in targets:
            hd = "tinyheap-hardened"
            w("| %s | %.1f → %.1f | %d → %d | %.1f → %.1f | %d → %d | %d → %d B (+%d) |" % (
                TLABEL[t], mean(th, "malloc", t), mean(hd, "malloc", t), worst(th, "malloc", t),
                worst(hd, "malloc", t), mean(th, "free", t), mean(hd, "free", t),
                worst(th, "free", t), worst(hd, "free", t), sizes[t][th]["text"],
                sizes[t][hd]["text"], sizes[t][hd]["text"] - sizes[t][th]["text"]))
        w("")
        w("Means are the worst trace's mean; max over all traces and seeds (malloc max "
          "includes failing calls).")
        w("")

    # fill
    t = "m3"
    w("### Fill: same-size mallocs until the first failure (64 KiB, %s)" % TLABEL[t])
    w("")
    w("Each cell: blocks that fit / footprint per block (65536 / blocks, B) / minimum stride "
      "between consecutive addresses (B) / alignment delivered (largest power of two "
      "dividing every address, capped at 16).")
    w("")
    w("| size | " + " | ".join(LABEL[a] for a in allocs) + " |")
    w("|---:|" + "---:|" * len(allocs))
    for sz in FILL_SIZES:
        cells = []
        for a in allocs:
            f = res["fill"][t][a].get(sz)
            cells.append("–" if f is None else "%d / %.1f / %d / %d" % (
                f["blocks"], ARENA / f["blocks"] if f["blocks"] else 0, f["stride"], f["align"]))
        w("| %d | %s |" % (sz, " | ".join(cells)))
    w("")

    # code size
    w("### Code size: init + malloc + free + realloc linked with `--gc-sections` (bytes)")
    w("")
    w("Everything the four calls pull into the image: the allocator's objects, and for the "
      "libc allocators the libc members (`malloc`/`_malloc_r`/`_sbrk_r`, locks, errno, "
      "impure data) plus the bench's bounded `_sbrk`/`sbrk`; memcpy/memset/memmove are not "
      "counted (every firmware has them). The 64 KiB arena is not counted.")
    w("")
    w("| allocator | " + " | ".join("%s text | data | bss" % TLABEL[t] for t in targets) + " |")
    w("|---|" + "---:|---:|---:|" * len(targets))
    for a in allocs:
        w("| %s | %s |" % (LABEL[a], " | ".join(
            "%d | %d | %d" % (sizes[t][a]["text"], sizes[t][a]["data"], sizes[t][a]["bss"])
            for t in targets)))
    w("")

    # notes on failures in the churn phase
    notes = []
    for t in targets:
        for a in allocs:
            for tr in TRACES:
                cf_ = agg[t][a][tr]["churn_fails"]
                rf = agg[t][a][tr]["realloc_fails"]
                if max(cf_) > 0 or max(rf) > 0:
                    notes.append("%s %s %s: %s failed mallocs and %s failed reallocs during "
                                 "the churn phase (slots left empty, later ops on them skipped)"
                                 % (TLABEL[t], LABEL[a], tr, spread(cf_, 0), spread(rf, 0)))
    if notes:
        w("Churn-phase failures:")
        w("")
        for n in notes:
            w("- " + n)
        w("")

    pngs = make_plots(res, o.out, o.work, targets, allocs, TRACES)
    w("### Plots")
    w("")
    for p in pngs:
        w("![%s](%s)" % (p[:-4], p))
    w("")

    text = "\n".join(md)
    with open(os.path.join(o.out, "results.md"), "w") as f:
        f.write(text)
    js = {
        "date": date, "git": rev, "src_modified": bool(dirty and dirty != "unknown"),
        "seeds": seeds, "steps": steps, "arena": ARENA, "elapsed_s": elapsed,
        "method": "qemu-system-arm -machine mps2-an385 -icount shift=8, SysTick; "
                  "insns = round(ticks*40000/(1000*256)); measured - empty + 1",
        "targets": [{"figure": n, "value": v, "target": g, "met": ok, "best_peer_issue": p,
                     "best_libc_measured": mp} for n, v, g, ok, p, mp in tg],
        "runs": {t: {a: {tr: {
            "capacity_bytes": agg[t][a][tr]["capacity"],
            "capacity_blocks": agg[t][a][tr]["cap_blocks"],
            "capacity_split": agg[t][a][tr]["cap_split"],
            "grow_fail_insns": agg[t][a][tr]["fail_insns"],
            "fail_max_insns": agg[t][a][tr]["fail_max"],
            "churn_fails": agg[t][a][tr]["churn_fails"],
            "realloc_fails": agg[t][a][tr]["realloc_fails"],
            **{op: agg[t][a][tr][op] for op in OPS},
            **{op + "_seed_means": agg[t][a][tr][op + "_seed_means"] for op in OPS},
            "histograms_by_seed": {str(s): res["runs"][t][a][tr][s]["hist"]
                                   for s in sorted(res["runs"][t][a][tr])},
        } for tr in TRACES} for a in allocs} for t in targets},
        "fill": {t: {a: {str(k): v for k, v in sorted(res["fill"][t][a].items())}
                     for a in allocs} for t in targets},
        "code_size": sizes,
        "capacity_by_place": {str(at): {tr: [v for _, v in sorted(res["place"][at][tr].items())]
                                        for tr in TRACES} for at in PLACES},
        "plots": pngs,
    }
    with open(os.path.join(o.out, "results.json"), "w") as f:
        json.dump(js, f, separators=(",", ":"))
    print(text)
    print("bench: wrote %s/results.md, results.json and %d plots (%.0f s of QEMU runs)"
          % (o.out, len(pngs), elapsed))


if __name__ == "__main__":
    main()
