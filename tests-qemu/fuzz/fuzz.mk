# Fuzzing (host, clang + libFuzzer + ASan + UBSan). Included by the Makefile.
#
#   make fuzz [FUZZ_SECONDS=300] [FUZZ_JOBS=1]   long run; new inputs go to
#                  build/fuzz/corpus (a working copy), crashes to build/fuzz/artifacts
#   make fuzz-check   replays the committed corpus, then a short fixed-seed run
#                  (FUZZ_CHECK_RUNS executions, -seed=1): part of make check
#   make fuzz-merge   minimises build/fuzz/corpus into the committed seed corpus
#   make fuzz-release-check   fuzz-check with the allocator built for release
#                  (TH_DEBUG=0: no hardening, no fill): the shipped paths
#   make fuzz FUZZ_RELEASE=1  the long run on the release build
#   make fuzz-split-check     fuzz-check with the largest block cut to 4 KiB
#                  and 8 region slots (FUZZ_SPLIT_DEFS), so that every region
#                  over about 4.5 KiB is split into regions of its own
#   make fuzz FUZZ_SPLIT=1    the long run on that build
#
# The target, tests-qemu/fuzz/fuzz_heap.c, links src/*.c built with the test
# flags (TH_DEBUG=1: hardening and fill patterns on), minus th_default.c
# (it needs the linker-defined region).

FUZZ_CC         ?= clang
FUZZ_SECONDS    ?= 300
FUZZ_JOBS       ?= 1
FUZZ_CHECK_RUNS ?= 12000
FUZZ_DIR        := build/fuzz
FUZZ_BIN        := $(FUZZ_DIR)/fuzz_heap
FUZZ_SEEDS      := tests-qemu/fuzz/corpus
FUZZ_SRCS       := $(filter-out src/th_default.c,$(LIB_SRCS)) tests-qemu/fuzz/fuzz_heap.c
FUZZ_CFLAGS     := -std=c11 -g -O1 -Wall -Wextra -Werror -fsanitize=fuzzer,address,undefined \
                   -fno-sanitize-recover=all -fno-omit-frame-pointer -Isrc $(TEST_DEFS) \
                   $(FUZZ_EXTRA_CFLAGS)

# The same target with the allocator built as firmware ships it, and the
# debug one with regions split into pieces (th_region.c, add_pieces).
FUZZ_REL_BIN    := $(FUZZ_DIR)/fuzz_heap_release
FUZZ_REL_CFLAGS := $(filter-out -DTH_DEBUG=1,$(FUZZ_CFLAGS)) -DTH_DEBUG=0
FUZZ_SPLIT_DEFS := -DTH_MAX_BLOCK_LOG2=12 -DTH_MAX_REGIONS=8
FUZZ_SPLIT_BIN  := $(FUZZ_DIR)/fuzz_heap_split

.PHONY: fuzz fuzz-build fuzz-check fuzz-release-check fuzz-split-check fuzz-merge

# The three builds differ only in their flags.
FUZZ_FLAGS_fuzz_heap         = $(FUZZ_CFLAGS)
FUZZ_FLAGS_fuzz_heap_release = $(FUZZ_REL_CFLAGS)
FUZZ_FLAGS_fuzz_heap_split   = $(FUZZ_CFLAGS) $(FUZZ_SPLIT_DEFS)
fuzz-build: $(FUZZ_BIN)
$(FUZZ_BIN) $(FUZZ_REL_BIN) $(FUZZ_SPLIT_BIN): $(FUZZ_SRCS) $(wildcard src/*.h) tests-qemu/fuzz/fuzz.mk
	@mkdir -p $(@D)
	$(call msg,FUZZ,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS_$(notdir $@)) $(FUZZ_SRCS) -o $@

FUZZ_RUN := $(if $(FUZZ_SPLIT),$(FUZZ_SPLIT_BIN),$(if $(FUZZ_RELEASE),$(FUZZ_REL_BIN),$(FUZZ_BIN)))
fuzz: $(FUZZ_RUN)
	@mkdir -p $(FUZZ_DIR)/corpus $(FUZZ_DIR)/artifacts
	$(Q)cp -n $(FUZZ_SEEDS)/* $(FUZZ_DIR)/corpus/ 2>/dev/null || true
	$(Q)cd $(FUZZ_DIR) && ./$(notdir $(FUZZ_RUN)) -max_total_time=$(FUZZ_SECONDS) -jobs=$(FUZZ_JOBS) \
	    -workers=$(FUZZ_JOBS) -print_final_stats=1 -artifact_prefix=artifacts/ corpus \
	    $(FUZZ_ARGS)

# make check's runs of each build: the committed corpus replayed, then
# FUZZ_CHECK_RUNS fixed-seed executions in a scratch corpus of its own.
fuzz-check: $(FUZZ_BIN)
fuzz-release-check: $(FUZZ_REL_BIN)
fuzz-split-check: $(FUZZ_SPLIT_BIN)
fuzz-check fuzz-release-check fuzz-split-check:
	@rm -rf $(FUZZ_DIR)/scratch-$@ && mkdir -p $(FUZZ_DIR)/scratch-$@ $(FUZZ_DIR)/artifacts
	$(Q)$(firstword $^) -runs=0 -artifact_prefix=$(FUZZ_DIR)/artifacts/ $(FUZZ_SEEDS)
	$(Q)$(firstword $^) -seed=1 -runs=$(FUZZ_CHECK_RUNS) -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_DIR)/artifacts/ $(FUZZ_DIR)/scratch-$@ $(FUZZ_SEEDS)

fuzz-merge: $(FUZZ_BIN)
	@mkdir -p $(FUZZ_SEEDS)
	$(Q)$(FUZZ_BIN) -merge=1 -max_len=512 $(FUZZ_SEEDS) $(FUZZ_DIR)/corpus
