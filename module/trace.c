// SPDX-License-Identifier: GPL-2.0
/* Defines tdxgmem's tracepoints (tdxgmem_trace.h). */
#define CREATE_TRACE_POINTS
#include "tdxgmem_trace.h"
