/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pool of freed 2 MiB blocks and 1 GiB ranges (pool.c).
 */
#ifndef _TDXGMEM_POOL_H
#define _TDXGMEM_POOL_H

#include <linux/types.h>

struct page;

int tdxgmem_pool_init(void);
void tdxgmem_pool_exit(void);
bool tdxgmem_pool_put(struct page *page, unsigned int order,
		      unsigned long gen);
struct page *tdxgmem_pool_get(int nid, unsigned int order, unsigned long *gen);
bool tdxgmem_pool_release_all(void);

#endif /* _TDXGMEM_POOL_H */
