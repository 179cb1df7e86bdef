# Quality gates beyond the tests: coverage, GCC's static analyzer, and their
# (and the fuzzer's) entries in make check. Included by the Makefile, after
# tests-qemu/fuzz/fuzz.mk.
#
#   make coverage   host build of src/ with --coverage; runs every host test
#                   and replays the fuzz corpus, then gcovr reports line and
#                   branch coverage of src/th_*.c (text summary on stdout,
#                   HTML in build/coverage/index.html). Fails under
#                   COV_MIN_LINES / COV_MIN_BRANCHES percent.
#   make analyze    gcc -fanalyzer on src/*.c (debug and release configs) and
#                   on the bare-metal ports with arm-none-eabi-gcc; warnings
#                   are errors. Suppressions, each with its reason, below.
#
# make check runs build/quality/results/{fuzz,analyze,coverage}.res (the
# "quality" target of the summary).

COV_MIN_LINES    ?= 95
COV_MIN_BRANCHES ?= 90
COV_DIR          := build/coverage
GCOVR            ?= gcovr

.PHONY: coverage coverage-tests coverage-fuzz analyze

# The host board's tests, rebuilt under build/coverage with --coverage
# instead of the sanitizers (B and ARCH_FLAGS overridden on the sub-make's
# command line; each test still gets its own N_LIB_CFLAGS library).
# TH_FAST_PATHS=0: the option only forces functions inline, and gcov counts
# every inlined copy's branches apart, so coverage is measured on one copy
# of each function (the same source lines and branches). The self-tests'
# verdicts are not shown: xfail_unaligned expects UBSan, which this build
# replaces with --coverage (make check runs them with the sanitizers).
COV_FLAGS := --coverage -DTH_FAST_PATHS=0
coverage-tests:
	$(Q)rm -rf $(COV_DIR)
	$(Q)$(MAKE) -k BOARD=host B=$(COV_DIR) OPT='-O0 -g' ARCH_FLAGS='$(COV_FLAGS)' board-check \
	    >/dev/null || true
	$(Q)cat $(COV_DIR)/results/*.res | grep -v ' selftest/' | sed 's/^/  /'

# The fuzz target without libFuzzer, replaying the committed corpus.
COV_FUZZ := $(COV_DIR)/fuzz/fuzz_replay
coverage-fuzz: coverage-tests
	@mkdir -p $(COV_DIR)/fuzz
	$(Q)cd $(COV_DIR)/fuzz && for f in $(FUZZ_SRCS); do \
	    gcc -std=c11 -O0 -g $(COV_FLAGS) -DFUZZ_STANDALONE -I$(CURDIR)/src $(TEST_DEFS) \
	        -c $(CURDIR)/$$f -o $$(basename $$f .c).o || exit 1; done
	$(Q)gcc --coverage $(COV_DIR)/fuzz/*.o -o $(COV_FUZZ)
	$(Q)$(COV_FUZZ) $(FUZZ_SEEDS)

coverage: coverage-fuzz
	$(Q)$(GCOVR) -r . --filter 'src/th_.*\.c' --exclude-unreachable-branches \
	    --gcov-ignore-parse-errors --print-summary \
	    --txt $(COV_DIR)/coverage.txt --html-details $(COV_DIR)/index.html \
	    --fail-under-line $(COV_MIN_LINES) --fail-under-branch $(COV_MIN_BRANCHES) $(COV_DIR)

# ---- make analyze ---------------------------------------------------------------
# No suppressions.
ANALYZE_FLAGS := -std=c11 -O1 -fanalyzer -Werror -Wall -Wextra -ffreestanding -Isrc -Isrc/port
ANALYZE_HOST  := $(LIB_SRCS) $(filter %/baremetal_lock.c,$(PORT_SRCS))
ANALYZE_ARM   := $(filter %/baremetal_lock.c %/newlib_nano.c,$(PORT_SRCS))

analyze:
	$(Q)set -e; $(foreach f,$(ANALYZE_HOST),$(foreach cfg,debug release,\
	    gcc $(ANALYZE_FLAGS) $(if $(filter debug,$(cfg)),$(TEST_DEFS),-DNDEBUG -DTH_PRIVATE=) \
	        $(ANALYZE_SUPPRESS_$(f)) -c $(f) -o /dev/null;))
	$(Q)set -e; $(foreach f,$(ANALYZE_ARM),\
	    arm-none-eabi-gcc -mcpu=cortex-m0plus -mthumb $(ANALYZE_FLAGS) $(TEST_DEFS) \
	        -c $(f) -o /dev/null;)
	@echo "analyze: gcc -fanalyzer clean on $(words $(ANALYZE_HOST)) host and $(words $(ANALYZE_ARM)) Cortex-M files"

# ---- make check entries ---------------------------------------------------------

QUALITY_ENTRIES := fuzz fuzz-release fuzz-split analyze coverage
QUALITY_RES     := $(QUALITY_ENTRIES:%=build/quality/results/%.res)

check-boards: $(QUALITY_RES)

build/quality/results/expected: FORCE
	@mkdir -p $(@D) && echo '$(QUALITY_ENTRIES)' >$@
build/quality/results/fuzz.res: FORCE | build/quality/results/expected
	$(Q)$(ENTRY) --result $@ --board quality --entry fuzz -- $(MAKE) fuzz-check
build/quality/results/fuzz-release.res: FORCE | build/quality/results/expected
	$(Q)$(ENTRY) --result $@ --board quality --entry fuzz-release -- $(MAKE) fuzz-release-check
build/quality/results/fuzz-split.res: FORCE | build/quality/results/expected
	$(Q)$(ENTRY) --result $@ --board quality --entry fuzz-split -- $(MAKE) fuzz-split-check
build/quality/results/analyze.res: FORCE | build/quality/results/expected
	$(Q)$(ENTRY) --result $@ --board quality --entry analyze -- $(MAKE) analyze
build/quality/results/coverage.res: FORCE | build/quality/results/expected
	$(Q)$(ENTRY) --result $@ --board quality --entry coverage -- $(MAKE) coverage
