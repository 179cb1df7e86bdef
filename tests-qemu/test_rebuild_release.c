/* SPDX-License-Identifier: MIT */
/* test_rebuild in the release build (TH_DEBUG=0: no fill patterns), where
 * th_init itself must clear the old heap's headers. */
#include "test_rebuild.c"
