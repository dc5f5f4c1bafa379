// SPDX-License-Identifier: GPL-2.0
/* struct folio_batch lives in <linux/folio_batch.h> (7.x; was pagevec.h). */
#include <linux/folio_batch.h>

void conftest_folio_batch(struct folio_batch *fb);
void conftest_folio_batch(struct folio_batch *fb)
{
	folio_batch_init(fb);
}
