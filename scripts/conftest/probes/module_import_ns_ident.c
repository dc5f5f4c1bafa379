// SPDX-License-Identifier: GPL-2.0
/* MODULE_IMPORT_NS() takes an identifier (before 6.13), not a string. */
#include <linux/module.h>

MODULE_IMPORT_NS(TDXGMEM_CONFTEST);
