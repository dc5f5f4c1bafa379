// SPDX-License-Identifier: GPL-2.0
/* mapping_set_inaccessible() keeps migration and compaction off the pages. */
#include <linux/pagemap.h>

void conftest_mapping_set_inaccessible(struct address_space *m);
void conftest_mapping_set_inaccessible(struct address_space *m)
{
	mapping_set_inaccessible(m);
}
