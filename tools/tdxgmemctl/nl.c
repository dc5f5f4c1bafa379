// SPDX-License-Identifier: GPL-2.0
/*
 * tdxgmemctl: libnl plumbing. Replies are parsed leniently (attributes
 * this build does not know are skipped, so newer modules work); errors
 * carry the kernel's extended-ack message when there is one.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "nl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* The state of one request while its replies come in. */
struct ctl_req {
	ctl_reply_fn fn;
	void *arg;
	int err;		/* 0, or -errno from the kernel or a handler */
	bool done;
	char *why;		/* the extended ack's message, if any */
	size_t whylen;
};

/* libnl's errors are its own numbers: the few that matter, as errno. */
static int ctl_errno(int nlerr)
{
	switch (-nlerr) {
	case NLE_PERM:
	case NLE_NOACCESS:
		return -EPERM;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_INVAL:
		return -EINVAL;
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	case NLE_INTR:
		return -EINTR;
	case NLE_SEQ_MISMATCH:
	case NLE_MSG_TRUNC:
	case NLE_MSG_TOOSHORT:
	case NLE_PARSE_ERR:
		return -EPROTO;
	default:
		return -EIO;
	}
}

int ctl_connect(struct ctl *c)
{
	int one = 1;

	c->sk = nl_socket_alloc();
	if (!c->sk)
		return -ENOMEM;
	if (genl_connect(c->sk))
		return -EIO;
	/* Replies of any size (MSG_PEEK), and the kernel's error messages. */
	nl_socket_enable_msg_peek(c->sk);
	setsockopt(nl_socket_get_fd(c->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	c->family = genl_ctrl_resolve(c->sk, TDXGMEM_GENL_NAME);
	return c->family < 0 ? -ENOENT : 0;
}

void ctl_close(struct ctl *c)
{
	nl_socket_free(c->sk);
	c->sk = NULL;
}

int ctl_fd(struct ctl *c)
{
	return nl_socket_get_fd(c->sk);
}

struct nl_msg *ctl_msg(struct ctl *c, uint8_t cmd, bool dump)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (msg && !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, c->family, 0,
				dump ? NLM_F_DUMP : 0, cmd,
				TDXGMEM_GENL_VERSION)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

static int ctl_valid(struct nl_msg *msg, void *arg)
{
	struct ctl_req *r = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[TDXGMEM_A_MAX + 1];
	int err;

	if (genlmsg_parse(nlh, 0, tb, TDXGMEM_A_MAX, NULL)) {
		r->err = -EPROTO;
		r->done = true;
		return NL_STOP;
	}
	err = r->fn ? r->fn(nlh, tb, r->arg) : 0;
	if (err) {
		r->err = err;
		r->done = true;
		return NL_STOP;
	}
	return NL_OK;
}

static int ctl_finish(struct nl_msg *msg, void *arg)
{
	((struct ctl_req *)arg)->done = true;
	return NL_STOP;
}

/* The NLMSGERR_ATTR_MSG of an error, if the kernel sent one. */
static void ctl_ext_ack(struct nlmsgerr *e, struct ctl_req *r)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off = sizeof(*e);

	if (!r->why || !(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(e->msg);
	if (off >= nlh->nlmsg_len - NLMSG_HDRLEN ||
	    nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)e + off),
		      nlh->nlmsg_len - NLMSG_HDRLEN - off, NULL))
		return;
	if (tb[NLMSGERR_ATTR_MSG])
		ctl_str(tb[NLMSGERR_ATTR_MSG], r->why, r->whylen);
}

static int ctl_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct ctl_req *r = arg;

	r->err = e->error;
	r->done = true;
	if (e->error)
		ctl_ext_ack(e, r);
	return NL_STOP;
}

static struct nl_cb *ctl_cb(struct ctl_req *r)
{
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);

	if (!cb)
		return NULL;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, ctl_valid, r);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, ctl_finish, r);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, ctl_finish, r);
	nl_cb_err(cb, NL_CB_CUSTOM, ctl_error, r);
	return cb;
}

/*
 * Send @msg (freed) and hand every reply to @fn until the ack, the end of
 * the dump or an error. *@why gets the kernel's explanation of an error.
 * Return: 0 or -errno.
 */
int ctl_request(struct ctl *c, struct nl_msg *msg, ctl_reply_fn fn, void *arg,
		char *why, size_t whylen)
{
	struct ctl_req r = { .fn = fn, .arg = arg, .why = why,
			     .whylen = whylen };
	struct nl_cb *cb;
	int err;

	if (why && whylen)
		why[0] = '\0';
	if (!msg)
		return -ENOMEM;
	cb = ctl_cb(&r);
	if (!cb) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	err = nl_send_auto(c->sk, msg);
	nlmsg_free(msg);
	while (err >= 0 && !r.done)
		err = nl_recvmsgs(c->sk, cb);
	nl_cb_put(cb);
	if (r.err)
		return r.err;
	return err < 0 ? ctl_errno(err) : 0;
}

/* Join the "events" group: 0, -EPERM without CAP_SYS_ADMIN, -ENOENT. */
int ctl_join_events(struct ctl *c)
{
	int grp = genl_ctrl_resolve_grp(c->sk, TDXGMEM_GENL_NAME,
					TDXGMEM_GENL_MCGRP_EVENTS);
	int err;

	if (grp < 0)
		return -ENOENT;
	err = nl_socket_add_membership(c->sk, grp);
	return err ? ctl_errno(err) : 0;
}

static int64_t ctl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int ctl_no_seq_check(struct nl_msg *msg, void *arg)
{
	return NL_OK;
}

/*
 * Hand each event to @fn until it returns non-zero or @timeout_ms (< 0:
 * never) have passed in all. Return: 0 (timeout), @fn's value, or -errno.
 */
int ctl_listen(struct ctl *c, ctl_reply_fn fn, void *arg, int timeout_ms)
{
	struct ctl_req r = { .fn = fn, .arg = arg };
	struct pollfd p = { .fd = nl_socket_get_fd(c->sk), .events = POLLIN };
	int64_t deadline = ctl_now_ms() + timeout_ms;
	struct nl_cb *cb = ctl_cb(&r);
	int err = 0, n, wait = timeout_ms;

	if (!cb)
		return -ENOMEM;
	/* Events are not answers: they carry no sequence number of ours. */
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, ctl_no_seq_check, NULL);
	while (!r.done) {
		if (timeout_ms >= 0) {
			wait = (int)(deadline - ctl_now_ms());
			if (wait < 0)
				wait = 0;
		}
		n = poll(&p, 1, wait);
		if (n < 0) {
			err = -errno;
			break;
		}
		if (!n)
			break;
		err = nl_recvmsgs(c->sk, cb);
		if (err < 0) {
			err = ctl_errno(err);
			break;
		}
		err = 0;
	}
	nl_cb_put(cb);
	return r.err ? r.err : err;
}

int ctl_nested(struct nlattr **tb, int max, struct nlattr *nest)
{
	if (!nest) {
		memset(tb, 0, (max + 1) * sizeof(*tb));
		return -1;
	}
	return nla_parse_nested(tb, max, nest, NULL) ? -1 : 0;
}

uint64_t ctl_u64(struct nlattr *a)
{
	return a && nla_len(a) >= 8 ? nla_get_u64(a) : 0;
}

uint32_t ctl_u32(struct nlattr *a)
{
	return a && nla_len(a) >= 4 ? nla_get_u32(a) : 0;
}

uint8_t ctl_u8(struct nlattr *a)
{
	return a && nla_len(a) >= 1 ? nla_get_u8(a) : 0;
}

int32_t ctl_s32(struct nlattr *a)
{
	return (int32_t)ctl_u32(a);
}

void ctl_str(struct nlattr *a, char *buf, size_t len)
{
	size_t n = a ? (size_t)nla_len(a) : 0;

	if (n >= len)
		n = len - 1;
	if (n)
		memcpy(buf, nla_data(a), n);
	buf[n] = '\0';
	/* Attributes carry their own NUL; stop at the first one. */
	buf[strnlen(buf, n)] = '\0';
}
