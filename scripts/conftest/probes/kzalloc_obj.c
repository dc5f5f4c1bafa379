// SPDX-License-Identifier: GPL-2.0
/* kzalloc_obj() typed allocation helper (7.x). */
#include <linux/slab.h>

struct conftest_kzalloc_obj_s {
	int a;
};

void *conftest_kzalloc_obj(void);
void *conftest_kzalloc_obj(void)
{
	struct conftest_kzalloc_obj_s *p = kzalloc_obj(*p, GFP_KERNEL);

	return p;
}
