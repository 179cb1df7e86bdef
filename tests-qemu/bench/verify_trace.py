#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Independent check of the bench's instruction counts (targets.md §4 (e)).

Runs one small verbose bench under `-singlestep -d exec,nochain` (one Trace
line per executed instruction), counts the instructions from each measured
call's entry (the allocator's malloc/free/realloc symbol) to the return to
the call site in m_malloc/m_free/m_realloc, and compares them, in order,
with the counts the firmware printed from SysTick (the `SEQ` lines).

The SysTick counts come from a normal run (-icount shift=8, `v`); the trace
comes from a second run of the same op stream without -icount (`v x`), since
with -icount QEMU logs one instruction twice each time its 65536-instruction
budget runs out mid-block.

usage: verify_trace.py ELF ENTRY_MALLOC ENTRY_FREE ENTRY_REALLOC TRACE SEED STEPS
"""
import re
import subprocess
import sys
import tempfile
import os

NM = os.environ.get("NM", "arm-none-eabi-nm")
OBJDUMP = os.environ.get("OBJDUMP", "arm-none-eabi-objdump")


def symbols(elf):
    syms = {}
    for ln in subprocess.run([NM, elf], capture_output=True, text=True, check=True).stdout.splitlines():
        p = ln.split()
        if len(p) == 3:
            syms[p[2]] = int(p[0], 16) & ~1
    return syms


def blx_site(elf, fn):
    dis = subprocess.run([OBJDUMP, "-d", elf], capture_output=True, text=True, check=True).stdout
    m = re.search(r"<%s>:\n(.*?)\n\n" % fn, dis, re.S)
    for ln in m.group(1).splitlines():
        if re.search(r"\tblx\t", ln):
            return int(ln.split(":")[0], 16)
    raise SystemExit("no blx in " + fn)


def insn_table(elf):
    """pc -> (length in bytes, mnemonic) from objdump."""
    dis = subprocess.run([OBJDUMP, "-d", elf], capture_output=True, text=True, check=True).stdout
    tab = {}
    for ln in dis.splitlines():
        m = re.match(r"^\s*([0-9a-f]+):\t([0-9a-f]{4})(?: ([0-9a-f]{4}))?\s*\t(\S+)", ln)
        if m:
            tab[int(m.group(1), 16)] = (4 if m.group(3) else 2, m.group(4))
    return tab


def main():
    elf, e_m, e_f, e_r, trace, seed, steps = sys.argv[1:8]
    base = ["timeout", "300", "qemu-system-arm", "-machine", "mps2-an385", "-display", "none",
            "-monitor", "none", "-serial", "none", "-chardev", "stdio,id=con", "-kernel", elf]
    sh = "enable=on,target=native,chardev=con,arg=bench,arg=%s,arg=%s,arg=%s,arg=v" % (trace, seed, steps)
    counted = subprocess.run(base + ["-icount", "shift=8", "-semihosting-config", sh],
                             capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if counted.returncode != 0:
        raise SystemExit("qemu (counted run) failed: %d %s" % (counted.returncode, counted.stdout[-500:]))
    qemu = base + ["-semihosting-config", sh + ",arg=x"]
    syms = symbols(elf)
    entry = {syms[e_m]: "malloc", syms[e_f]: "free", syms[e_r]: "realloc"}
    sites = {blx_site(elf, f) for f in ("m_malloc", "m_free", "m_realloc")}
    itab = insn_table(elf)
    with tempfile.TemporaryDirectory() as td:
        log = os.path.join(td, "trace.log")
        out = subprocess.run(qemu + ["-singlestep", "-d", "exec,nochain", "-D", log],
                             capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
        if out.returncode != 0:
            raise SystemExit("qemu failed: %d %s" % (out.returncode, out.stdout[-500:]))
        fw = []
        for ln in counted.stdout.splitlines():
            p = ln.split()
            if p and p[0] == "SEQ":
                fw.append((p[1].replace("failmalloc", "malloc"), int(p[2])))
        tr = []
        state = 0  # 0 idle, 1 after blx, 2 inside the allocator, 3 wrapper epilogue
        prev = 0
        end = 0
        ret = 0
        op = None
        n = 0
        pcre = re.compile(r"\[[0-9a-f]+/([0-9a-f]+)/")
        with open(log) as f:
            for ln in f:
                m = pcre.search(ln)
                if not m:
                    continue
                pc = int(m.group(1), 16)
                if state == 0:
                    if pc in sites:
                        state, ret = 1, pc + 2
                elif state == 1:
                    if pc in entry:
                        # the allocator returns to the instruction after the call
                        # that entered it: the call site in m_*, or, when an
                        # adapter wrapper calls it with bl (ARMv6-M has no long
                        # tail call), the wrapper's next instruction
                        ln_, mn = itab[prev]
                        end = prev + ln_ if mn in ("bl", "blx") else ret
                        state, op, n = 2, entry[pc], 1
                    elif pc == ret:
                        state = 0  # a calibration call
                    # else: wrapper instructions before the allocator's entry
                elif state == 2:
                    if pc == end:
                        tr.append((op, n))
                        state = 0
                        if pc != ret:
                            state = 3  # wrapper epilogue, then back at the site
                    else:
                        n += 1
                elif state == 3:
                    if pc == ret:
                        state = 0
                prev = pc
    if len(fw) != len(tr):
        raise SystemExit("FAIL: firmware printed %d calls, trace has %d" % (len(fw), len(tr)))
    bad = [(i, a, b) for i, (a, b) in enumerate(zip(fw, tr)) if a != b]
    if bad:
        for i, a, b in bad[:10]:
            print("mismatch at call %d: firmware %s, trace %s" % (i, a, b))
        raise SystemExit("FAIL: %d of %d calls differ" % (len(bad), len(fw)))
    by = {}
    for op, c in tr:
        by.setdefault(op, []).append(c)
    print("OK: %d calls identical (%s)" % (len(fw), ", ".join(
        "%s %d, %d..%d" % (k, len(v), min(v), max(v)) for k, v in sorted(by.items()))))


if __name__ == "__main__":
    main()
