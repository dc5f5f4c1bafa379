// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "tdxgmem" (ABI and access rules:
 * uapi/linux/tdxgmem_netlink.h): its policies, commands and group, and
 * GET_STATS. Every command only reads; the handlers run without
 * genl_mutex (parallel_ops) and take the same locks as the ioctls.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <net/genetlink.h>

#include "netlink.h"
#include "range.h"
#include "tdxgmem_internal.h"
#include <uapi/linux/tdxgmem_netlink.h>

/*
 * Commands without attributes still get a policy, one that rejects every
 * attribute: 6.12 parses a request only when its command has one (7.x
 * fills in a reject-all policy itself), and unknown attributes must fail
 * on every kernel.
 */
static const struct nla_policy tdxgmem_nl_none_policy[TDXGMEM_A_PAD + 1] = {
	[TDXGMEM_A_UNSPEC]	= { .type = NLA_REJECT },
	[TDXGMEM_A_PAD]		= { .type = NLA_REJECT },
};

/* Attributes left out (TDXGMEM_A_PAD) are NLA_UNSPEC: strict parsing rejects them. */
static const struct nla_policy tdxgmem_nl_get_file_policy[TDXGMEM_A_EXTENTS_SIZE + 1] = {
	[TDXGMEM_A_FILE_ID]		= NLA_POLICY_MIN(NLA_U64, 1),
	[TDXGMEM_A_EXTENTS_OFFSET]	= { .type = NLA_U64 },
	[TDXGMEM_A_EXTENTS_SIZE]	= NLA_POLICY_MIN(NLA_U64, 1),
};

static int tdxgmem_nl_put_params(struct sk_buff *skb)
{
	struct nlattr *nest = nla_nest_start(skb, TDXGMEM_A_PARAMS);

	if (!nest ||
	    nla_put_u64_64bit(skb, TDXGMEM_PARAM_A_MAX_FILE_SIZE,
			      READ_ONCE(tdxgmem_max_file_size),
			      TDXGMEM_PARAM_A_PAD) ||
	    nla_put_u32(skb, TDXGMEM_PARAM_A_MEM_LIMIT_PCT,
			READ_ONCE(tdxgmem_mem_limit_pct)) ||
	    nla_put_u8(skb, TDXGMEM_PARAM_A_DIRECTMAP_RESOLVE,
		       tdxgmem_dm_allow_resolve))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int tdxgmem_nl_put_stats(struct sk_buff *skb)
{
	struct nlattr *nest = nla_nest_start(skb, TDXGMEM_A_STATS);
	unsigned int i;

	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < tdxgmem_nr_stats; i++)
		if (nla_put_u64_64bit(skb, tdxgmem_stat_descs[i].attr,
				      tdxgmem_stat_read(&tdxgmem_stat_descs[i]),
				      TDXGMEM_STAT_PAD))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* GET_STATS: the module as TDXGMEM_GET_CAPS and debugfs describe it. */
static int tdxgmem_nl_get_stats(struct sk_buff *skb, struct genl_info *info)
{
	struct tdxgmem_caps caps;
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &tdxgmem_nl_family, 0,
				TDXGMEM_CMD_GET_STATS);
	if (!hdr)
		goto too_big;
	tdxgmem_caps_fill(&caps);
	if (nla_put_u32(msg, TDXGMEM_A_API_VERSION, caps.api_version) ||
	    nla_put_string(msg, TDXGMEM_A_MODULE_VERSION, TDXGMEM_VERSION) ||
	    nla_put_u32(msg, TDXGMEM_A_DIRECTMAP_MODE, caps.directmap_mode) ||
	    nla_put_string(msg, TDXGMEM_A_DIRECTMAP_NAME,
			   tdxgmem_directmap_name()) ||
	    nla_put_u64_64bit(msg, TDXGMEM_A_SUPPORTED_FLAGS,
			      caps.supported_flags, TDXGMEM_A_PAD) ||
	    nla_put_u64_64bit(msg, TDXGMEM_A_PAGE_SIZES, caps.page_sizes,
			      TDXGMEM_A_PAD) ||
	    nla_put_u64_64bit(msg, TDXGMEM_A_MAX_FILE_SIZE, caps.max_file_size,
			      TDXGMEM_A_PAD) ||
	    nla_put_u64_64bit(msg, TDXGMEM_A_MEM_LIMIT_PAGES,
			      tdxgmem_mem_limit_pages(), TDXGMEM_A_PAD) ||
	    tdxgmem_nl_put_params(msg) || tdxgmem_nl_put_stats(msg))
		goto too_big;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

too_big:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/* Sorted by command, as genetlink wants. */
static const struct genl_split_ops tdxgmem_nl_ops[] = {
	{
		.cmd		= TDXGMEM_CMD_GET_STATS,
		.doit		= tdxgmem_nl_get_stats,
		.policy		= tdxgmem_nl_none_policy,
		.maxattr	= ARRAY_SIZE(tdxgmem_nl_none_policy) - 1,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= TDXGMEM_CMD_LIST_FILES,
		.start		= tdxgmem_nl_list_start,
		.dumpit		= tdxgmem_nl_list_files,
		.policy		= tdxgmem_nl_none_policy,
		.maxattr	= ARRAY_SIZE(tdxgmem_nl_none_policy) - 1,
		.flags		= GENL_CMD_CAP_DUMP,
	},
	{
		.cmd		= TDXGMEM_CMD_GET_FILE,
		.doit		= tdxgmem_nl_get_file,
		.policy		= tdxgmem_nl_get_file_policy,
		.maxattr	= ARRAY_SIZE(tdxgmem_nl_get_file_policy) - 1,
		.flags		= GENL_CMD_CAP_DO,
	},
};

static const struct genl_multicast_group tdxgmem_nl_mcgrps[] = {
	[TDXGMEM_NL_GRP_EVENTS] = {
		.name	= TDXGMEM_GENL_MCGRP_EVENTS,
		.flags	= GENL_MCAST_CAP_SYS_ADMIN,
	},
};

/*
 * netnsok: a caller in another network namespace (a containerised VMM)
 * may ask about the files its uid created; events go to the initial
 * namespace only (events.c).
 */
struct genl_family tdxgmem_nl_family = {
	.name		= TDXGMEM_GENL_NAME,
	.version	= TDXGMEM_GENL_VERSION,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.split_ops	= tdxgmem_nl_ops,
	.n_split_ops	= ARRAY_SIZE(tdxgmem_nl_ops),
	.mcgrps		= tdxgmem_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(tdxgmem_nl_mcgrps),
};

int tdxgmem_netlink_init(void)
{
	int ret = genl_register_family(&tdxgmem_nl_family);

	if (ret)
		pr_err("cannot register generic netlink family %s: %d\n",
		       TDXGMEM_GENL_NAME, ret);
	return ret;
}

void tdxgmem_netlink_exit(void)
{
	genl_unregister_family(&tdxgmem_nl_family);
}
