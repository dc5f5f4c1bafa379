// SPDX-License-Identifier: GPL-2.0
/* Defines tdxgmem's tracepoints (tdxgmem_trace.h). */
#define CREATE_TRACE_POINTS
#include "tdxgmem_trace.h"

/* For checkers of freed memory (the test-only kvmsim). */
EXPORT_TRACEPOINT_SYMBOL_GPL(tdxgmem_pool_put);
