/* SPDX-License-Identifier: MIT */
/*
 * The whole interface between a board and the test harness.
 *
 * A board provides board_putc() and board_exit(); its start-up code (reset
 * handler, multiboot entry or host main) calls h_run(), which the harness
 * provides. Nothing else of a board is visible to tests.
 */
#ifndef BOARD_H
#define BOARD_H

/* Writes one character to the board's console (semihosting on Cortex-M,
 * debugcon port 0xE9 on x86, stdout on the host). Output may be buffered up
 * to the next newline; board_exit() flushes it. */
void board_putc(char c);

/* Ends the program: code 0 is a pass, anything else a failure (clamped to 1
 * so that 256 failures cannot read as a pass). Never returns. */
_Noreturn void board_exit(int code);

/* Harness entry point, called by the board's start-up code once memory is
 * initialised: prints the seed, runs the test, prints PASS/FAIL, exits. */
_Noreturn void h_run(void);

#endif /* BOARD_H */
