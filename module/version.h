/* SPDX-License-Identifier: GPL-2.0 */
/* Kept equal to PACKAGE_VERSION in dkms.conf (checked by make lint). */
#define TDXGMEM_VERSION "0.1.0"
