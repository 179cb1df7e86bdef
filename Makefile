# tinyheap: build, test and run under QEMU.
#
#   make run          build tests-qemu/demo for $(BOARD) and run it under QEMU
#   make check        build and run every test on every board in $(BOARDS), plus
#                     the warning-clean src build, the -nostdlib link test and lint
#   make test-NAME    build and run one test on $(BOARD) (NAME: smoke or test_smoke)
#   make size         text/data/bss of each src/*.c object on every board (release flags)
#   make lint         cppcheck + clang-tidy on src/*.c and src/port/*.c, README's example
#   make misra        MISRA C:2012 (cppcheck's addon) against tests-qemu/misra-deviations.txt
#   make stack        worst-case stack of every public function per board (no recursion)
#   make bound        static worst-case instruction bound of every O(1) call (Cortex-M3, ARMv6-M)
#   make bound-check  the same, failing if a smoke run's count exceeds its bound
#   make bench        the allocator benchmark (README "Benchmarks"; rewrites its tables)
#   make bench-verify the bench's SysTick counts checked against a QEMU exec trace
#   make fuzz         libFuzzer on the host (FUZZ_SECONDS=300, FUZZ_RELEASE=1)
#   make fuzz-merge   add the inputs of the last fuzz run that reach new code to the corpus
#   make coverage     line and branch coverage of src/ (gcovr)
#   make analyze      GCC -fanalyzer on src/
#   make irq-latency  interrupt-masked time of every call, exact under -icount
#   make threads      one heap shared by four threads on the host, ThreadSanitizer
#   make headers-cxx  the public headers as C++11/17/20 (g++, clang++, arm-none-eabi-g++)
#   make all          library, tests and demo for $(BOARD)
#   make help         this list
#   make clean        remove build/
#
# A board (board/<board>/board.mk) MUST set:
#   ARCH_DIR      shared code + toolchain: board/common/cortex-m, board/common/x86, board/host
#   ARCH_FLAGS    CPU/ABI flags, used to compile and link
#   LDSCRIPT      its linker script (linker/<board>.ld); firmware only
#   QEMU          emulator binary (empty: the binary runs natively)
#   QEMU_MACHINE  value of -machine
#   QEMU_FLAGS    the rest of the command line (console, semihosting, exit device)
# and MAY set: QEMU_CPU (-cpu), QEMU_EXIT_PASS (QEMU status meaning pass; default 0).
# $(ARCH_DIR)/arch.mk then sets CC, AR, SIZE, BOARD_SRCS, TARGET_CFLAGS,
# TARGET_LDFLAGS, TARGET_LDLIBS, LINKTEST and LINKTEST_LDFLAGS.
#
# A user MAY set (command line, environment or config.mk):
#   BOARD=mps2-an385    board for all, run, test-NAME
#   BOARDS=...          boards make check and make size cover
#   SEED=n              PRNG seed for the tests (-DTEST_SEED=n)
#   TIMEOUT=30          seconds before a test counts as hung
#   JOBS=$(nproc)       parallel jobs for make check
#   V=1                 show full commands
#   CROSS=arm-none-eabi-  OPT=-Os -g  EXTRA_CFLAGS=
# Per-test settings (extra sources, flags, boards, timeouts): tests-qemu/tests.mk.

-include config.mk

BOARD   ?= mps2-an385
# The Cortex-M boards: every test and tool for Cortex-M only (the lock, the
# libc ports, the demo) runs on each, so a board added here gets them all.
CM_BOARDS  := microbit mps2-an385 mps2-an386 mps2-an505
ALL_BOARDS := $(CM_BOARDS) i386 host
BOARDS  ?= $(ALL_BOARDS)
TIMEOUT ?= 30
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
OPT     ?= -Os -g
V       ?= 0

MAKEFLAGS += --no-builtin-rules --no-print-directory
.SUFFIXES:
.DELETE_ON_ERROR:
.DEFAULT_GOAL := all

# Every verb sets the machine up first: tests-qemu/scripts/setup.sh installs what is
# missing (as root) or prints the apt-get line and fails; it is silent and fast when
# nothing is. It runs here, while make reads this file, so that it comes before any
# compile, also under -j and for verbs whose work is only file targets (make bench,
# make fuzz, make test-NAME). Once per command: TINYHEAP_SETUP_DONE, exported, keeps
# this Makefile's own sub-makes from running it again (a make started by another
# project's make still runs it), and so does a restart to read regenerated files.
# Not for clean, help and setup, nor for a dry run or a query (make -n, -q, -p: an
# IDE's or the shell's completion must not install packages).
NO_SETUP_GOALS := clean help setup print-qemu-env bench-clean
SETUP_LETTERS := $(filter-out -%,$(firstword $(MAKEFLAGS)))
SETUP_DRY_RUN := $(or $(findstring n,$(SETUP_LETTERS)),$(findstring q,$(SETUP_LETTERS)),\
                 $(findstring p,$(SETUP_LETTERS)),$(__BASH_MAKE_COMPLETION__))
ifeq ($(TINYHEAP_SETUP_DONE)$(MAKE_RESTARTS)$(SETUP_DRY_RUN),)
ifneq ($(filter-out $(NO_SETUP_GOALS),$(or $(MAKECMDGOALS),all)),)
SETUP_STATUS := $(shell bash tests-qemu/scripts/setup.sh >&2; echo $$?)
ifneq ($(SETUP_STATUS),0)
$(error setup failed (above); nothing was built)
endif
export TINYHEAP_SETUP_DONE := 1
endif
endif

ifeq ($(V),1)
Q   :=
msg  =
else
Q   := @
msg  = @printf '  %-4s %s\n' '$(1)' '$(2)'
endif

ifeq ($(wildcard board/$(BOARD)/board.mk),)
$(error unknown BOARD '$(BOARD)': expected one of $(notdir $(wildcard board/*/board.mk)))
endif
QEMU_CPU       :=
QEMU_EXIT_PASS := 0
include board/$(BOARD)/board.mk
include $(ARCH_DIR)/arch.mk

B := build/$(BOARD)
R := $(B)/results

# ---- Flags -----------------------------------------------------------------

WARNINGS := -std=c11 -Wall -Wextra -Werror -pedantic -Wconversion -Wsign-conversion \
            -Wshadow -Wundef -Wcast-align -Wdouble-promotion -Wswitch-enum -Wtype-limits \
            -Wmissing-prototypes -Wstrict-prototypes -Wmissing-declarations \
            -Wredundant-decls -Wpointer-arith -Wvla -fno-common
INCLUDES  := -Isrc -Iboard -Itests-qemu
TEST_DEFS := -DTH_PRIVATE= -DTH_DEBUG=1
SEED_DEF  := $(if $(SEED),-DTEST_SEED=$(SEED))
CFLAGS     = $(ARCH_FLAGS) $(TARGET_CFLAGS) $(OPT) $(WARNINGS) -ffunction-sections \
             -fdata-sections $(INCLUDES) $(EXTRA_CFLAGS)
LINK       = $(CC) $(ARCH_FLAGS) $(TARGET_LDFLAGS)

# Rebuild everything when the flags change, and the tests when SEED does.
$(shell mkdir -p $(B))
FLAGS_SIG := $(CC) $(CFLAGS) $(TEST_DEFS) $(BOARD_CFLAGS) $(TARGET_LDFLAGS) $(TARGET_LDLIBS) \
             $(foreach v,$(filter PER_FILE_CFLAGS_%,$(.VARIABLES)),$(v)=$($(v)))
ifneq ($(file <$(B)/.flags),$(FLAGS_SIG))
$(file >$(B)/.flags,$(FLAGS_SIG))
endif
ifneq ($(file <$(B)/.seed),seed=$(SEED))
$(file >$(B)/.seed,seed=$(SEED))
endif

# ---- Sources and discovery -------------------------------------------------

LIB_SRCS    := $(sort $(wildcard src/*.c))
PORT_SRCS   := $(sort $(wildcard src/port/*.c))
LIB_OBJS    := $(LIB_SRCS:%.c=$(B)/%.o)
LIB         := $(B)/libtinyheap.a
BOARD_OBJS  := $(addsuffix .o,$(basename $(BOARD_SRCS:%=$(B)/%)))
HARNESS_OBJS := $(B)/tests-qemu/harness.o $(B)/tests-qemu/harness_faults.o
HARNESS     := $(B)/libharness.a

TEST_SRCS   := $(sort $(wildcard tests-qemu/test_*.c))
SELF_SRCS   := $(sort $(wildcard tests-qemu/selftest/*.c))
DEMO_SRC    := tests-qemu/demo/demo.c
TEST_NAMES  := $(basename $(notdir $(TEST_SRCS)))
SELF_NAMES  := $(basename $(notdir $(SELF_SRCS)))
ALL_NAMES   := $(TEST_NAMES) $(SELF_NAMES) demo

include tests-qemu/tests.mk
-include $(filter-out tests-qemu/tests.mk,$(wildcard tests-qemu/*.mk tests-qemu/selftest/*.mk))
# Fuzzing, coverage, static analysis (make fuzz, coverage, analyze; entries of make check).
-include tests-qemu/fuzz/fuzz.mk tests-qemu/quality/quality.mk
$(foreach n,$(SELF_NAMES),$(eval $(n)_XFAIL ?= 1))

src_of  = $(or $(filter %/$(1).c,$(TEST_SRCS) $(SELF_SRCS) $(DEMO_SRC)),$(error no test named $(1)))
elf_of  = $(B)/$(basename $(call src_of,$(1))).elf
runs_on = $(if $($(1)_BOARDS),$(filter $(BOARD),$($(1)_BOARDS)),$(BOARD))
# The library a test links: none, its private build, or the board's.
lib_of  = $(if $(filter 1,$($(1)_NOLIB)),,$(if $($(1)_LIB_CFLAGS),$(B)/x/$(1)/libtinyheap.a,$(LIB)))

# ---- Compile rules ---------------------------------------------------------

# src/ (and private copies of it) is freestanding.
freestanding = $(if $(findstring /src/,$@),-ffreestanding)

define compile_c
	@mkdir -p $(@D)
	$(call msg,CC,$<)
	$(Q)$(CC) $(CFLAGS) $(XCFLAGS) $(freestanding) $(PER_FILE_CFLAGS_$<) -MMD -MP -c $< -o $@
endef

$(B)/%.o: %.c $(B)/.flags
	$(compile_c)

$(B)/%.o: %.S $(B)/.flags
	@mkdir -p $(@D)
	$(call msg,AS,$<)
	$(Q)$(CC) $(ARCH_FLAGS) $(TARGET_CFLAGS) $(OPT) -MMD -MP -c $< -o $@

$(B)/src/%.o: XCFLAGS = $(TEST_DEFS)
$(B)/board/%.o: XCFLAGS = $(BOARD_CFLAGS)

$(LIB): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(HARNESS): $(HARNESS_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

# Per-test rules: the test's own unit gets TEST_NAME, SEED and -Dmain;
# its extra sources and private library live under $(B)/x/<name>/. Both
# are built again when the test's own .mk (its flags) changes.
define test_rules
$(B)/$(basename $(2)).o: $(B)/.seed $(wildcard $(basename $(2)).mk)
$(B)/$(basename $(2)).o: XCFLAGS = $(TEST_DEFS) -Dmain=h_test_main -DTEST_NAME='"$(1)"' \
    -DBOARD_NAME='"$(BOARD)"' $(SEED_DEF) $$($(1)_CFLAGS)
$(B)/x/$(1)/%.o: XCFLAGS = $(TEST_DEFS) $$($(1)_LIB_CFLAGS) $$($(1)_CFLAGS)
$(B)/x/$(1)/%.o: %.c $(B)/.flags $(B)/.seed $(wildcard $(basename $(2)).mk)
	$$(compile_c)
$(B)/x/$(1)/libtinyheap.a: $(LIB_SRCS:%.c=$(B)/x/$(1)/%.o)
	$$(call msg,AR,$$@)
	$(Q)rm -f $$@ && $$(AR) rcs $$@ $$^
$(B)/$(basename $(2)).elf: $(B)/$(basename $(2)).o $(patsubst %.c,$(B)/x/$(1)/%.o,$($(1)_SRCS)) \
    $(BOARD_OBJS) $(HARNESS) $(call lib_of,$(1)) $(wildcard linker/*.ld)
	$$(call msg,LD,$$@)
	$(Q)$$(LINK) $$(filter %.o,$$^) $(HARNESS) $(call lib_of,$(1)) $(TARGET_LDLIBS) -o $$@
endef
$(foreach n,$(ALL_NAMES),$(eval $(call test_rules,$(n),$(call src_of,$(n)))))

-include $(shell find $(B) -name '*.d' 2>/dev/null)

# ---- Verbs ------------------------------------------------------------------

build/lint/results/bench-smoke.res: FORCE
	$(Q)$(ENTRY) --result $@ --board lint --entry bench-smoke -- $(MAKE) bench-smoke

build/lint/results/stack.res: FORCE
	$(Q)$(ENTRY) --result $@ --board lint --entry stack -- $(MAKE) stack

# After bench-smoke: both build the same smoke images, each in a make of its own.
build/lint/results/bound.res: FORCE | build/lint/results/bench-smoke.res
	$(Q)$(ENTRY) --result $@ --board lint --entry bound -- $(MAKE) bound-check

.PHONY: stack stack-board threads lint-threads headers-cxx headers-cxx-board lint-headers-cxx misra lint-misra
.PHONY: all lib base run check check-boards size size-objs size-board lint lint-cppcheck lint-clang-tidy lint-readme lint-setup \
        clean setup board-check FORCE print-qemu-env $(addprefix check-board-,$(BOARDS))

all: $(LIB) $(foreach n,$(ALL_NAMES),$(if $(call runs_on,$(n)),$(call elf_of,$(n))))
lib: $(LIB)
base: $(BOARD_OBJS) $(HARNESS)

setup:
	$(Q)bash tests-qemu/scripts/setup.sh

# Environment for tests-qemu/scripts/run-test.sh.
RUN_ENV = QEMU='$(QEMU)' QEMU_MACHINE='$(QEMU_MACHINE)' QEMU_CPU='$(QEMU_CPU)' \
          QEMU_FLAGS='$(QEMU_FLAGS)' QEMU_EXIT_PASS='$(QEMU_EXIT_PASS)'
print-qemu-env:
	@printf '%s\n' "$(RUN_ENV)"

run:
	$(Q)case "$(ARCH_DIR)" in board/common/cortex-m) ;; *) \
	    echo "make run: the demo runs on Cortex-M boards only (it uses newlib-nano), not on $(BOARD);" \
	    "the Cortex-M boards are $(CM_BOARDS): try BOARD=mps2-an385, or make check BOARDS=$(BOARD)" >&2; \
	    exit 2;; esac
	$(Q)$(MAKE) BOARD=$(BOARD) $(call elf_of,demo)
	$(Q)$(RUN_ENV) tests-qemu/scripts/run-test.sh --show --timeout $(TIMEOUT) \
	    $(BOARD) $(call elf_of,demo)

# make test-smoke / make test-test_smoke / make test-xfail_hang
test-%: FORCE
	$(Q)$(MAKE) BOARD=$(BOARD) $(call elf_of,$(or $(filter $*,$(ALL_NAMES)),test_$*))
	$(Q)$(RUN_ENV) tests-qemu/scripts/run-test.sh --show \
	    --timeout $(or $($(or $(filter $*,$(ALL_NAMES)),test_$*)_TIMEOUT),$(TIMEOUT)) \
	    $(BOARD) $(call elf_of,$(or $(filter $*,$(ALL_NAMES)),test_$*))

# ---- make check ---------------------------------------------------------------
# Every entry (a build, a link test, a lint pass, a test on a board) writes one
# result line to a .res file and prints it; recipes never fail, so everything
# runs. tests-qemu/scripts/summary.sh then tallies and sets the exit status.

check:
	$(Q)rm -rf $(addsuffix /results,$(addprefix build/,$(BOARDS))) build/lint/results \
	    build/quality/results
	$(Q)start=$$(date +%s); \
	$(MAKE) -j$(JOBS) -k check-boards; \
	tests-qemu/scripts/summary.sh $$start $(BOARDS) lint $(if $(QUALITY_RES),quality)

# Checks that are not per board, tallied under "lint".
LINT_ENTRIES := cppcheck clang-tidy misra stack bench-smoke bound readme threads headers-cxx setup
check-boards: $(addprefix check-board-,$(BOARDS)) $(LINT_ENTRIES:%=build/lint/results/%.res)
$(LINT_ENTRIES:%=build/lint/results/%.res): | build/lint/results/expected
build/lint/results/expected: FORCE
	@mkdir -p $(@D) && echo '$(LINT_ENTRIES)' >$@
$(addprefix check-board-,$(BOARDS)): check-board-%:
	$(Q)$(MAKE) BOARD=$* board-check

ENTRY = tests-qemu/scripts/check-entry.sh
BOARD_TESTS := $(foreach n,$(TEST_NAMES) $(SELF_NAMES),$(if $(call runs_on,$(n)),$(n)))
BOARD_ENTRIES := build-harness build-src $(if $(filter yes,$(LINKTEST)),link-nostdlib) \
                 $(if $(filter board/host,$(ARCH_DIR)),build-src-clang) $(BOARD_TESTS) \
                 $(if $(filter board/common/cortex-m,$(ARCH_DIR)),consumer-make consumer-cmake \
                      consumer-cxx consumer-picolibc consumer-cmake-picolibc)

board-check: $(BOARD_ENTRIES:%=$(R)/%.res)

$(R)/expected: FORCE
	@mkdir -p $(@D) && echo '$(BOARD_ENTRIES)' >$@

$(R)/build-harness.res: FORCE | $(R)/expected
	$(Q)$(ENTRY) --result $@ --board $(BOARD) --entry build:harness -- \
	    $(MAKE) BOARD=$(BOARD) base
# The consumer firmware (README "Using tinyheap in a firmware"), built from
# scratch with its Makefile and with CMake, its C++ twin (main_cxx.cpp,
# README "From C++") and its picolibc twin (main_picolibc.c, README "As
# picolibc's malloc", with the Makefile and with CMake), and run under QEMU on the boards whose memory map its
# app.ld (or picolibc.ld's --defsym) describes (the MPS2 AN385/AN386).
CONSUMER_RUN = $(filter mps2-an385 mps2-an386,$(BOARD))
$(R)/consumer-make.res $(R)/consumer-cmake.res $(R)/consumer-cxx.res \
$(R)/consumer-picolibc.res $(R)/consumer-cmake-picolibc.res: $(R)/consumer-%.res: FORCE \
    | $(R)/expected
	$(Q)$(ENTRY) --result $@ --board $(BOARD) --entry consumer:$* -- env $(RUN_ENV) \
	    tests-qemu/scripts/build-consumer.sh $* $(B)/consumer-$* '$(ARCH_FLAGS)' $(CONSUMER_RUN)
$(R)/build-src.res: FORCE | $(R)/expected
	$(Q)$(ENTRY) --result $@ --board $(BOARD) --entry build:src --need-files '$(LIB_SRCS)' -- \
	    $(MAKE) BOARD=$(BOARD) lib
$(R)/build-src-clang.res: FORCE | $(R)/expected
	$(Q)$(ENTRY) --result $@ --board $(BOARD) --entry build:src-clang --need-files '$(LIB_SRCS)' -- \
	    clang $(WARNINGS) -ffreestanding $(TEST_DEFS) -Isrc -fsyntax-only $(LIB_SRCS)
$(R)/link-nostdlib.res: FORCE | $(R)/build-src.res
	$(Q)$(ENTRY) --result $@ --board $(BOARD) --entry link:nostdlib --needs $(R)/build-src.res -- \
	    $(MAKE) BOARD=$(BOARD) $(B)/linktest.elf
$(foreach n,$(BOARD_TESTS),$(eval $(R)/$(n).res: FORCE | $(R)/build-harness.res \
    $(if $(call lib_of,$(n)),$(R)/build-src.res)))
$(BOARD_TESTS:%=$(R)/%.res): $(R)/%.res:
	$(Q)$(RUN_ENV) $(ENTRY) --result $@ --board $(BOARD) \
	    --entry $(if $(filter $*,$(SELF_NAMES)),selftest/)$* \
	    --needs $(R)/build-harness.res $(if $(call lib_of,$*),--needs $(R)/build-src.res) \
	    --run $(call elf_of,$*) --timeout $(or $($*_TIMEOUT),$(TIMEOUT)) \
	    $(if $(filter 1,$($*_XFAIL)),--xfail) \
	    $(if $($*_XFAIL_EXPECT),--xfail-expect '$($*_XFAIL_EXPECT)') -- $(MAKE) BOARD=$(BOARD) $(call elf_of,$*)

# The -nostdlib link test: libtinyheap.a + libgcc, nothing else.
$(B)/tests-qemu/linktest/linktest.o: XCFLAGS = $(TEST_DEFS) -ffreestanding
$(B)/linktest.elf: $(B)/tests-qemu/linktest/linktest.o $(LIB)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ARCH_FLAGS) $(LINKTEST_LDFLAGS) $^ -lgcc -o $@

# ---- make lint --------------------------------------------------------------------

LINT_SRCS := $(LIB_SRCS) $(PORT_SRCS)
LINT_DEFS := -std=c11 -Isrc $(TEST_DEFS) -ffreestanding
TIDY_OKS  := $(LINT_SRCS:%=build/lint/tidy/%.ok)
# Ports are linted against the headers they are built with: newlib-nano's
# (Debian's libnewlib-dev paths), picolibc's and the FreeRTOS stand-in
# kernel headers.
LINT_PORT_INCS := -Itests-qemu/freertos -Isrc/port
LINT_FLAGS_src/port/newlib_nano.c := --target=arm-none-eabi -mcpu=cortex-m3 -mthumb \
    -isystem /usr/include/newlib/nano -isystem /usr/include/newlib
LINT_FLAGS_src/port/picolibc.c := --target=arm-none-eabi -mcpu=cortex-m3 -mthumb \
    -isystem /usr/lib/picolibc/arm-none-eabi/include
LINT_FLAGS_src/port/freertos_heap.c := $(LINT_PORT_INCS)

lint: lint-cppcheck lint-clang-tidy lint-readme
# README's code examples are the code tests run (tests-qemu/test_example.c), and
# its bad-input and corruption tables are the ones those tests print: they are
# built for the host in a directory of their own (make check runs the host
# board's tests alongside) and run again.
README_TABLE_TESTS := test_badinput test_corrupt
README_TABLES      := build/lint/readme-host
lint-readme:
	$(Q)$(MAKE) -s BOARD=host B=$(README_TABLES) $(README_TABLE_TESTS:%=$(README_TABLES)/tests-qemu/%.elf)
	$(Q)python3 tests-qemu/scripts/readme-snippets.py --tables $(README_TABLES) README.md
# What a machine without a package gets from setup.sh and the make verbs, shown as a
# user who is not root with qemu-system-arm left off PATH (nothing is installed).
lint-setup:
	$(Q)tests-qemu/scripts/check-setup.sh
lint-cppcheck:
	$(Q)test -n "$(LINT_SRCS)" || { echo "lint: no src/*.c or src/port/*.c files"; exit 1; }
	$(call msg,CPPC,$(LINT_SRCS))
	$(Q)cppcheck --quiet --std=c11 --enable=warning,style,portability --error-exitcode=1 \
	    --inline-suppr -Isrc $(LINT_PORT_INCS) $(TEST_DEFS) -D__GNUC__=12 $(LINT_SRCS)
# MISRA C:2012 with cppcheck's addon, against the deviation record
# tests-qemu/misra-deviations.txt (README "MISRA C:2012").
misra lint-misra:
	$(Q)tests-qemu/scripts/misra.sh
lint-clang-tidy: $(TIDY_OKS)
	$(Q)test -n "$(LINT_SRCS)" || { echo "lint: no src/*.c or src/port/*.c files"; exit 1; }
build/lint/tidy/%.ok: % .clang-tidy $(wildcard src/*.h src/port/*.h)
	@mkdir -p $(@D)
	$(call msg,TIDY,$<)
	$(Q)out=$$(clang-tidy --quiet $< -- $(LINT_DEFS) $(LINT_FLAGS_$<) 2>&1); st=$$?; \
	    if [ -n "$$out" ]; then printf '%s\n' "$$out" | grep -v '^[0-9]* warnings\{0,1\} generated\.$$' || true; fi; \
	    [ $$st -eq 0 ] && touch $@

build/lint/results/%.res: FORCE
	$(Q)$(ENTRY) --result $@ --board lint --entry $* -- $(MAKE) lint-$*

# ---- make threads -------------------------------------------------------------------
# tests-qemu/threads/threads.c: four POSIX threads on one heap whose lock slot
# is a recursive mutex, built with ThreadSanitizer, against the debug and the
# release allocator; then the release build with the lock slot empty, where
# TSan must report a race (the test can see a missing lock).

THREADS_SRCS  := $(filter-out src/th_default.c,$(LIB_SRCS)) tests-qemu/threads/threads.c
THREADS_FLAGS := -fsanitize=thread -O1 -g -pthread $(WARNINGS) -Isrc
build/threads/debug: DEFS = $(TEST_DEFS)
build/threads/release: DEFS = -DNDEBUG -DTH_DEBUG=0
build/threads/debug build/threads/release: $(THREADS_SRCS) $(wildcard src/*.h) Makefile
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(or $(HOST_CC),gcc) $(THREADS_FLAGS) $(DEFS) $(THREADS_SRCS) -o $@
threads lint-threads: build/threads/debug build/threads/release
	$(Q)tests-qemu/scripts/run-tsan.sh build/threads/debug $(SEED)
	$(Q)tests-qemu/scripts/run-tsan.sh build/threads/release $(SEED)
	$(Q)tests-qemu/scripts/run-tsan.sh --race build/threads/release nolock $(SEED)

# ---- make headers-cxx ---------------------------------------------------------------
# The public headers compiled as C++11, C++17 and C++20 with strict warnings as
# errors (tests-qemu/scripts/check-headers-cxx.sh): host g++ and clang++, and
# arm-none-eabi-g++ with the flags of every Cortex-M board, whatever BOARDS says.

headers-cxx lint-headers-cxx:
	$(Q)tests-qemu/scripts/check-headers-cxx.sh g++
	$(Q)tests-qemu/scripts/check-headers-cxx.sh clang++
	$(Q)for b in $(filter-out host,$(ALL_BOARDS)); do $(MAKE) BOARD=$$b headers-cxx-board || exit 1; done
headers-cxx-board:
	$(Q)$(if $(filter board/common/cortex-m,$(ARCH_DIR)),tests-qemu/scripts/check-headers-cxx.sh \
	    $(CROSS)g++ $(ARCH_FLAGS),:)

# ---- make stack ---------------------------------------------------------------------
# Worst-case stack of every public function from GCC's call graph
# (-fcallgraph-info=su, release flags); fails on recursion or dynamic frames.

STACK_CIS := $(LIB_SRCS:%.c=$(B)/stack/%.ci)
$(B)/stack/%.ci: %.c $(B)/.flags
	@mkdir -p $(@D)
	$(Q)$(CC) $(filter-out -fsanitize% -g,$(ARCH_FLAGS)) $(TARGET_CFLAGS) -Os -ffreestanding \
	    -ffunction-sections -DNDEBUG -Isrc -fcallgraph-info=su -c $< -o $(@:.ci=.o) \
	    -dumpbase $(@:.ci=)
# Every firmware board, whatever BOARDS says (so `make check BOARDS=host` still
# checks stacks on real targets instead of nothing).
STACK_BOARDS := $(filter-out host,$(ALL_BOARDS))
stack:
	$(Q)for b in $(STACK_BOARDS); do $(MAKE) BOARD=$$b stack-board || exit 1; done
stack-board: $(STACK_CIS)
	$(Q)OBJDUMP=$(patsubst %gcc,%objdump,$(firstword $(CC))) python3 tests-qemu/scripts/stack.py \
	    $(BOARD) $(STACK_CIS)

# ---- make size ----------------------------------------------------------------------
# Release objects (-Os, NDEBUG so TH_DEBUG=0, no sanitizers) under $(B)/release/.

REL_OBJS := $(LIB_SRCS:%.c=$(B)/release/%.o)
$(B)/release/%.o: %.c $(B)/.flags
	@mkdir -p $(@D)
	$(call msg,CC,$<)
	$(Q)$(CC) $(filter-out -fsanitize% -g,$(ARCH_FLAGS)) $(TARGET_CFLAGS) -Os $(WARNINGS) \
	    -ffunction-sections -fdata-sections -ffreestanding -DNDEBUG -Isrc -MMD -MP -c $< -o $@

size:
	$(Q)test -n "$(REL_OBJS)" || { echo "size: no src/*.c files"; exit 1; }
	$(Q)for b in $(BOARDS); do $(MAKE) -j$(JOBS) BOARD=$$b size-objs >/dev/null || exit 1; done
	$(Q)printf '%-12s %-22s %8s %8s %8s\n' target object text data bss
	$(Q)for b in $(BOARDS); do $(MAKE) BOARD=$$b size-board || exit 1; done
size-objs: $(REL_OBJS)
size-board: $(REL_OBJS)
	$(Q)$(SIZE) -B $(REL_OBJS) | awk -v b=$(BOARD) 'NR > 1 { n = split($$6, p, "/"); \
	    printf "%-12s %-22s %8d %8d %8d\n", b, p[n], $$1, $$2, $$3; t += $$1; d += $$2; s += $$3 } \
	    END { printf "%-12s %-22s %8d %8d %8d\n", b, "total", t, d, s }'

clean:
	$(Q)rm -rf build

# The header comment of this file, up to the board variables.
.PHONY: help
help:
	@sed -n '3,/^# A board/{/^# A board/d;s/^# \{0,1\}//;p}' Makefile

include tests-qemu/bench/bench.mk

FORCE:
