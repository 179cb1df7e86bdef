# test_irq: a SysTick handler allocating while the main loop churns the heap,
# through the bare-metal lock. Cortex-M boards only (SysTick, PRIMASK).
test_irq_SRCS    := src/port/baremetal_lock.c
test_irq_CFLAGS  := -Isrc/port $(IRQ_MEASURE_CFLAGS)
test_irq_BOARDS  := $(CM_BOARDS)
test_irq_TIMEOUT := 60

# make irq-latency: the worst interrupt-masked time per call, in instructions.
# test_irq rebuilt with IRQ_MEASURE=1 under build/irqlat/<board> and run with
# -icount shift=8 (1 instruction = 256 ns of virtual time, exactly).
# IRQ_LAT_CONFIG=release (default) measures the allocator built with
# TH_DEBUG=0 (no hardening, no fill: what ships); debug measures the test build.
IRQ_LAT_BOARDS ?= $(CM_BOARDS)
IRQ_LAT_CONFIG ?= release
IRQ_LAT_LIB    := $(if $(filter release,$(IRQ_LAT_CONFIG)),-UTH_DEBUG -DTH_DEBUG=0)
.PHONY: irq-latency
irq-latency:
	$(Q)for b in $(IRQ_LAT_BOARDS); do \
	    $(MAKE) BOARD=$$b B=build/irqlat/$(IRQ_LAT_CONFIG)/$$b test_irq_LIB_CFLAGS='$(IRQ_LAT_LIB)' \
	        IRQ_MEASURE_CFLAGS='-DIRQ_MEASURE=1 -DIRQ_TOTAL=200000u -DIRQ_MIN_ISR_OPS=1u' \
	        build/irqlat/$(IRQ_LAT_CONFIG)/$$b/tests-qemu/test_irq.elf >/dev/null || exit 1; \
	    eval "$$($(MAKE) -s BOARD=$$b print-qemu-env)"; \
	    echo "== $$b ($(IRQ_LAT_CONFIG))"; \
	    out=$$(timeout 300 $$QEMU -machine $$QEMU_MACHINE $$QEMU_FLAGS -icount shift=8 \
	        -kernel build/irqlat/$(IRQ_LAT_CONFIG)/$$b/tests-qemu/test_irq.elf </dev/null 2>&1); \
	    st=$$?; printf '%s\n' "$$out" | tr -d '\r'; \
	    if [ $$st -ne 0 ] || ! printf '%s\n' "$$out" | grep -q '^PASS test_irq'; then \
	        echo "irq-latency: test_irq did not pass on $$b (QEMU status $$st)"; exit 1; fi; \
	done
