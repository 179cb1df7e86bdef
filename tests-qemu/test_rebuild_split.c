/* SPDX-License-Identifier: MIT */
/* test_rebuild in the release build with 4 KiB blocks (TH_MAX_BLOCK_LOG2=12),
 * so that a bank is split into pieces: one given again from another start
 * ends where it ended in its last piece only, and th_add_region must still
 * clear the old headers in every piece. */
#include "test_rebuild.c"
