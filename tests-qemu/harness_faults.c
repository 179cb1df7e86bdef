/* SPDX-License-Identifier: MIT */
/*
 * Fault recording for tests: a fault handler that counts instead of
 * trapping (the default handler traps when TH_DEBUG is 1). Separate from
 * harness.c so that only tests that call h_record_faults need libtinyheap.
 */
#include "harness.h"

unsigned    h_fault_count[TH_FAULT_COUNT];
th_fault    h_last_fault = TH_FAULT_COUNT;
const void *h_last_fault_ptr;
unsigned    h_total_faults;

static void record_fault(th_heap *h, th_fault kind, const void *ptr)
{
    (void)h;
    if ((unsigned)kind < (unsigned)TH_FAULT_COUNT) {
        h_fault_count[kind]++;
    }
    h_total_faults++;
    h_last_fault = kind;
    h_last_fault_ptr = ptr;
}

void h_record_faults(void)
{
    (void)th_set_fault_handler(record_fault);
}

bool h_check_catches(const th_heap *h, const char *what)
{
    h_reset_faults();
    bool caught = !th_check(h) && h_last_fault == TH_FAULT_CORRUPTION && h_last_fault_ptr != NULL;
    if (!caught) {
        h_printf("  not caught: %s\n", what);
    }
    return caught;
}

void h_reset_faults(void)
{
    for (unsigned i = 0; i < (unsigned)TH_FAULT_COUNT; i++) {
        h_fault_count[i] = 0;
    }
    h_total_faults = 0;
    h_last_fault = TH_FAULT_COUNT;
    h_last_fault_ptr = NULL;
}
