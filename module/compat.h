/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Types for tdxgmem's pure logic (range.c): the same source builds in the
 * kernel and, for the unit tests, in userspace.
 */
#ifndef _TDXGMEM_COMPAT_H
#define _TDXGMEM_COMPAT_H

#ifdef __KERNEL__
#include <linux/bitops.h>
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/types.h>

#define tdxgmem_popcount64(x)	hweight64(x)
#else
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

typedef __u64 u64;
typedef __u32 u32;
typedef __u8 u8;

#define BIT(n)		(1UL << (n))
#define BIT_ULL(n)	(1ULL << (n))

#define tdxgmem_popcount64(x)	__builtin_popcountll(x)
#endif

#endif /* _TDXGMEM_COMPAT_H */
