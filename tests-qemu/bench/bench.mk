# tinyheap bench: `make bench` and `make bench-smoke` (see tests-qemu/bench/README.md).
#
# Include from the top-level Makefile (`include tests-qemu/bench/bench.mk`),
# or run on its own from the repository root:
#   make -f tests-qemu/bench/bench.mk bench
#
#   make bench          every allocator x {Cortex-M3, Cortex-M0+}, 3 traces x 5 seeds,
#                       fill and code size; writes tests-qemu/bench/results/
#                       (results.md, results.json, *.png) and prints the table
#   make bench-smoke    one seed, 2000 steps, M3, tinyheap + newlib-nano; exits
#                       non-zero on a tag mismatch, an unrepeatable count, a
#                       crash or a hang (for make check)
#   make bench-verify   checks the SysTick counts against a QEMU exec trace
#   make bench-readme   splices results.md into README.md between the markers
#                       (make bench does it too, at the end)
#
# Every variable here starts with BENCH_ so it cannot clash with the
# including Makefile. Outputs go to build/bench/.
#
# User settings: BENCH_SEEDS (5), BENCH_STEPS (20000), BENCH_JOBS (nproc),
# BENCH_TIMEOUT (seconds per QEMU run, 120).

BENCH_DIR     := tests-qemu/bench
BENCH_B       := build/bench
BENCH_CROSS   ?= arm-none-eabi-
BENCH_CC      := $(BENCH_CROSS)gcc
BENCH_SEEDS   ?= 5
BENCH_STEPS   ?= 20000
BENCH_JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
BENCH_TIMEOUT ?= 120
BENCH_PYTHON  ?= python3
# Compile and link lines are shown with V=1 only (the runs' own lines always).
BENCH_Q       := $(if $(filter 1,$(V)),,@)

BENCH_TARGETS := m3 m0plus
BENCH_ARCH_m3     := -mcpu=cortex-m3 -mthumb
BENCH_ARCH_m0plus := -mcpu=cortex-m0plus -mthumb

BENCH_ALLOCS  := tinyheap tinyheap-notiny tinyheap-hardened tinyheap-small tinyheap-nolinks \
                 newlib-nano newlib picolibc

# Per allocator: kind (th: tinyheap from src/, libc: the libc's malloc),
# extra compile flags and the libc the image links against.
BENCH_KIND_tinyheap          := th
BENCH_KIND_tinyheap-notiny   := th
BENCH_KIND_tinyheap-hardened := th
BENCH_KIND_tinyheap-small    := th
BENCH_KIND_tinyheap-nolinks  := th
BENCH_KIND_newlib-nano       := libc
BENCH_KIND_newlib            := libc
BENCH_KIND_picolibc          := libc
BENCH_DEFS_tinyheap          := -DNDEBUG
BENCH_DEFS_tinyheap-notiny   := -DNDEBUG -DTH_TINY=0
BENCH_DEFS_tinyheap-hardened := -DNDEBUG -DTH_HARDEN=1
BENCH_DEFS_tinyheap-small    := -DNDEBUG -DTH_FAST_PATHS=0
BENCH_DEFS_tinyheap-nolinks  := -DNDEBUG -DTH_CHECK_LINKS=0
BENCH_DEFS_newlib-nano       :=
BENCH_DEFS_newlib            :=
BENCH_DEFS_picolibc          := -DBENCH_PICOLIBC
BENCH_SPECS_tinyheap          := --specs=nano.specs
BENCH_SPECS_tinyheap-notiny   := --specs=nano.specs
BENCH_SPECS_tinyheap-hardened := --specs=nano.specs
BENCH_SPECS_tinyheap-small    := --specs=nano.specs
BENCH_SPECS_tinyheap-nolinks  := --specs=nano.specs
BENCH_SPECS_newlib-nano       := --specs=nano.specs
BENCH_SPECS_newlib            :=
BENCH_SPECS_picolibc          := --specs=picolibc.specs

# tinyheap: every src/th_*.c except th_default.c (it needs the linker's
# th_heap_start/th_heap_size; the bench calls th_init on its own arena).
BENCH_TH_SRCS  = $(filter-out src/th_default.c,$(wildcard src/th_*.c))
BENCH_TH_DEPS  = $(wildcard src/*.h src/*.c)
BENCH_COMMON   := startup.c bench.c mem.c
BENCH_CFLAGS   := -Os -std=c11 -ffunction-sections -fdata-sections -ffreestanding \
                  -Wall -Wextra -g -Isrc -I$(BENCH_DIR)
BENCH_LDFLAGS  := -nostartfiles -Wl,--gc-sections -Wl,--no-warn-rwx-segments \
                  -T $(BENCH_DIR)/bench.ld

# bound.elf: size.elf's image with every O(1) call of the contract kept
# (bound.py bounds them all).
BENCH_BOUND_CALLS := th_malloc th_free th_realloc th_calloc th_aligned_alloc th_usable_size \
                     th_persistent_alloc th_free_bytes th_min_free_bytes th_largest_free \
                     th_reset_min_free
BENCH_BOUND_KEEP  := $(foreach f,$(BENCH_BOUND_CALLS),-Wl,-u,$(f))

# $(call bench_rules,target,alloc)
define bench_rules
BENCH_O_$(1)_$(2) := $(BENCH_B)/$(1)/$(2)
BENCH_CF_$(1)_$(2) := $(BENCH_ARCH_$(1)) $(BENCH_SPECS_$(2)) $(BENCH_CFLAGS) $(BENCH_DEFS_$(2)) \
    -DBENCH_NAME='"$(2)"' $(if $(filter th,$(BENCH_KIND_$(2))),-DBENCH_TINYHEAP)
BENCH_ALLOC_OBJS_$(1)_$(2) = $(if $(filter th,$(BENCH_KIND_$(2))),\
    $(patsubst src/%.c,$(BENCH_B)/$(1)/$(2)/%.o,$(BENCH_TH_SRCS)),$(BENCH_B)/$(1)/$(2)/sbrk.o)

$(BENCH_B)/$(1)/$(2)/%.o: src/%.c $(BENCH_TH_DEPS) $(BENCH_DIR)/bench.mk
	@mkdir -p $$(@D)
	$$(BENCH_Q)$$(BENCH_CC) $$(BENCH_CF_$(1)_$(2)) -c $$< -o $$@
$(BENCH_B)/$(1)/$(2)/%.o: $(BENCH_DIR)/%.c $(BENCH_DIR)/bench.h $(BENCH_TH_DEPS) $(BENCH_DIR)/bench.mk
	@mkdir -p $$(@D)
	$$(BENCH_Q)$$(BENCH_CC) $$(BENCH_CF_$(1)_$(2)) -c $$< -o $$@

$(BENCH_B)/$(1)/$(2)/bench.elf: $$(addprefix $(BENCH_B)/$(1)/$(2)/,$(BENCH_COMMON:.c=.o) \
        alloc_$(BENCH_KIND_$(2)).o) $$(BENCH_ALLOC_OBJS_$(1)_$(2)) $(BENCH_DIR)/bench.ld
	$$(BENCH_Q)$$(BENCH_CC) $(BENCH_ARCH_$(1)) $(BENCH_SPECS_$(2)) $(BENCH_LDFLAGS) \
	    -Wl,-Map=$$(@:.elf=.map) -o $$@ $$(filter %.o,$$^) -lgcc
$(BENCH_B)/$(1)/$(2)/size.elf: $$(addprefix $(BENCH_B)/$(1)/$(2)/,startup.o mem.o size_main.o) \
        $$(BENCH_ALLOC_OBJS_$(1)_$(2)) $(BENCH_DIR)/bench.ld
	$$(BENCH_Q)$$(BENCH_CC) $(BENCH_ARCH_$(1)) $(BENCH_SPECS_$(2)) $(BENCH_LDFLAGS) \
	    -Wl,-Map=$$(@:.elf=.map) -o $$@ $$(filter %.o,$$^) -lgcc
$(BENCH_B)/$(1)/$(2)/bound.elf: $$(addprefix $(BENCH_B)/$(1)/$(2)/,startup.o mem.o size_main.o) \
        $$(BENCH_ALLOC_OBJS_$(1)_$(2)) $(BENCH_DIR)/bench.ld
	$$(BENCH_Q)$$(BENCH_CC) $(BENCH_ARCH_$(1)) $(BENCH_SPECS_$(2)) $(BENCH_LDFLAGS) \
	    $(BENCH_BOUND_KEEP) -o $$@ $$(filter %.o,$$^) -lgcc
endef
$(foreach t,$(BENCH_TARGETS),$(foreach a,$(BENCH_ALLOCS),$(eval $(call bench_rules,$(t),$(a)))))

BENCH_ELFS := $(foreach t,$(BENCH_TARGETS),$(foreach a,$(BENCH_ALLOCS),\
                $(BENCH_B)/$(t)/$(a)/bench.elf $(BENCH_B)/$(t)/$(a)/size.elf))
BENCH_SMOKE_ELFS := $(BENCH_B)/m3/tinyheap/bench.elf $(BENCH_B)/m3/newlib-nano/bench.elf

BENCH_RUN = $(BENCH_PYTHON) $(BENCH_DIR)/run.py --build $(BENCH_B) --jobs $(BENCH_JOBS) \
            --timeout $(BENCH_TIMEOUT)

# ---- make bound: static worst-case instruction bounds (bound.py) ----------
# Every O(1) call of tinyheap's default, TH_TINY=0 and TH_HARDEN=1 builds, Cortex-M3 and
# ARMv6-M. `bound` compares them with the constructed worst cases (bench.c,
# trace `worst`) and the counts of the last `make bench` (build/bench/work/raw),
# if any; `bound-check` (a make check entry) with the constructed cases and a
# smoke run of its own: no count may exceed its bound.
BENCH_BOUND_ALLOCS := tinyheap tinyheap-notiny tinyheap-hardened
BENCH_BOUND_ELFS   := $(foreach t,$(BENCH_TARGETS),$(foreach a,$(BENCH_BOUND_ALLOCS),\
                        $(BENCH_B)/$(t)/$(a)/bound.elf))
BENCH_BOUND_RUN     = $(BENCH_PYTHON) $(BENCH_DIR)/bound.py $(BENCH_B)/$(1)/$(2)/bound.elf \
                      $(BENCH_CC) "$(BENCH_ARCH_$(1)) $(BENCH_CFLAGS) $(BENCH_DEFS_$(2))" \
                      $(if $(filter tinyheap,$(2)),--worst $(BENCH_B)/$(1)/$(2)/bench.elf) $(3)
BENCH_WORST_ELFS   := $(foreach t,$(BENCH_TARGETS),$(BENCH_B)/$(t)/tinyheap/bench.elf)

.PHONY: bound bound-check
bound: $(BENCH_BOUND_ELFS) $(BENCH_WORST_ELFS)
	@$(foreach t,$(BENCH_TARGETS),$(foreach a,$(BENCH_BOUND_ALLOCS),\
	    echo "== $(t) $(a)" && $(call BENCH_BOUND_RUN,$(t),$(a),--md --measured \
	    $(wildcard $(BENCH_B)/work/raw/$(t)_$(a)_*_[0-9]*_[0-9]*.txt)) &&)) true
$(BENCH_B)/bound-selftest.elf: $(BENCH_DIR)/bound_selftest.c $(BENCH_DIR)/bench.mk
	@mkdir -p $(@D)
	$(BENCH_Q)$(BENCH_CC) $(BENCH_ARCH_m3) $(BENCH_CFLAGS) -nostdlib -nostartfiles -Wl,-e,st_start \
	    -Wl,--gc-sections $< -o $@
bound-check: $(BENCH_BOUND_ELFS) $(BENCH_SMOKE_ELFS) $(BENCH_WORST_ELFS) $(BENCH_B)/bound-selftest.elf
	$(BENCH_PYTHON) $(BENCH_DIR)/bound.py --selftest $(BENCH_B)/bound-selftest.elf $(BENCH_CC) \
	    "$(BENCH_ARCH_m3) $(BENCH_CFLAGS)"
	$(BENCH_RUN) --smoke --out $(BENCH_B)/bound-smoke --work $(BENCH_B)/bound-smoke >/dev/null
	$(foreach t,$(BENCH_TARGETS),$(foreach a,$(BENCH_BOUND_ALLOCS),\
	    $(call BENCH_BOUND_RUN,$(t),$(a),$(if $(filter m3/tinyheap,$(t)/$(a)),\
	    --measured $(BENCH_B)/bound-smoke/raw/m3_tinyheap_*_1_2000.txt)) &&)) true

.PHONY: bench bench-build bench-smoke bench-verify bench-readme bench-clean
bench-build: $(BENCH_ELFS)
bench: $(BENCH_ELFS)
	$(BENCH_RUN) --seeds $(BENCH_SEEDS) --steps $(BENCH_STEPS) --out $(BENCH_DIR)/results \
	    --work $(BENCH_B)/work
	$(BENCH_PYTHON) $(BENCH_DIR)/splice_readme.py README.md $(BENCH_DIR)/results/results.md
bench-smoke: $(BENCH_SMOKE_ELFS)
	$(BENCH_RUN) --smoke --out $(BENCH_B)/smoke --work $(BENCH_B)/smoke
bench-verify: $(BENCH_B)/m3/tinyheap/bench.elf $(BENCH_B)/m3/newlib-nano/bench.elf \
              $(BENCH_B)/m0plus/tinyheap/bench.elf $(BENCH_B)/m3/newlib/bench.elf \
              $(BENCH_B)/m3/picolibc/bench.elf
	$(BENCH_PYTHON) $(BENCH_DIR)/verify_trace.py $(BENCH_B)/m3/tinyheap/bench.elf \
	    th_malloc th_free th_realloc mixed 1 300
	$(BENCH_PYTHON) $(BENCH_DIR)/verify_trace.py $(BENCH_B)/m0plus/tinyheap/bench.elf \
	    th_malloc th_free th_realloc rtos 1 300
	$(BENCH_PYTHON) $(BENCH_DIR)/verify_trace.py $(BENCH_B)/m3/newlib-nano/bench.elf \
	    malloc free realloc mixed 1 300
	$(BENCH_PYTHON) $(BENCH_DIR)/verify_trace.py $(BENCH_B)/m3/newlib/bench.elf \
	    malloc free realloc mixed 2 300
	$(BENCH_PYTHON) $(BENCH_DIR)/verify_trace.py $(BENCH_B)/m3/picolibc/bench.elf \
	    malloc free realloc rtos 1 300
bench-readme:
	$(BENCH_PYTHON) $(BENCH_DIR)/splice_readme.py README.md $(BENCH_DIR)/results/results.md
bench-clean:
	rm -rf $(BENCH_B)
