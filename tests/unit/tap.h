/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal TAP for the userspace unit tests of tdxgmem's pure logic.
 * CHECK() records a failure and goes on; TEST() groups checks into one
 * TAP line.
 */
#ifndef TDXGMEM_UNIT_TAP_H
#define TDXGMEM_UNIT_TAP_H

#include <stdio.h>
#include <stdlib.h>

static int tap_n, tap_failed, tap_cur_failed;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		printf("#   %s:%d: CHECK(%s) failed\n",			\
		       __FILE__, __LINE__, #cond);			\
		tap_cur_failed = 1;					\
	}								\
} while (0)

#define CHECK_EQ(a, b) do {						\
	long long __a = (long long)(a), __b = (long long)(b);		\
	if (__a != __b) {						\
		printf("#   %s:%d: %s == %lld, want %s == %lld\n",	\
		       __FILE__, __LINE__, #a, __a, #b, __b);		\
		tap_cur_failed = 1;					\
	}								\
} while (0)

#define TEST(name) static void name(void)

#define RUN(name) do {							\
	tap_cur_failed = 0;						\
	name();								\
	tap_n++;							\
	tap_failed += tap_cur_failed;					\
	printf("%s %d %s\n", tap_cur_failed ? "not ok" : "ok", tap_n, #name); \
} while (0)

#define TAP_PLAN(n) printf("TAP version 13\n1..%d\n", (n))
#define TAP_DONE() return tap_failed ? EXIT_FAILURE : EXIT_SUCCESS

#endif
