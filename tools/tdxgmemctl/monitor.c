// SPDX-License-Identifier: GPL-2.0
/*
 * tdxgmemctl monitor: the "events" group, one line per event (human or
 * JSON), until interrupted, --count events, or --timeout.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tdxgmemctl.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

struct monitor {
	const struct opts *o;
	long seen;
};

static const char *event_name(uint32_t type)
{
	static const char *const names[TDXGMEM_EVENT_MAX + 1] = {
		[TDXGMEM_EVENT_FILE_CREATED] = "file_created",
		[TDXGMEM_EVENT_FILE_RELEASED] = "file_released",
		[TDXGMEM_EVENT_QUARANTINE] = "quarantine",
		[TDXGMEM_EVENT_HWPOISON] = "hwpoison",
		[TDXGMEM_EVENT_DIRECTMAP_FAILURE] = "directmap_failure",
		[TDXGMEM_EVENT_MEM_LIMIT] = "mem_limit",
	};

	return type <= TDXGMEM_EVENT_MAX && names[type] ? names[type] :
	       "unknown";
}

static const char *cause_name(uint32_t cause)
{
	return cause == TDXGMEM_QUARANTINE_CONSUMER ? "consumer" :
	       cause == TDXGMEM_QUARANTINE_DIRECTMAP ? "directmap" : "unknown";
}

static const char *op_name(uint32_t op)
{
	return op == TDXGMEM_DIRECTMAP_OP_ZAP ? "zap" :
	       op == TDXGMEM_DIRECTMAP_OP_RESTORE ? "restore" : "unknown";
}

static void event_json(uint32_t type, struct nlattr **ev, struct nlattr **tb)
{
	struct file_info fi;
	char e[32];
	struct json j;

	if (!json_begin(&j, stdout))
		return;
	json_obj(&j, NULL);
	json_str(&j, "event", event_name(type));
	json_u64(&j, "type", type);
	json_s64(&j, "timestamp", time(NULL));
	if (ev[TDXGMEM_EVENT_A_FILE_ID])
		json_u64(&j, "file_id", ctl_u64(ev[TDXGMEM_EVENT_A_FILE_ID]));
	if (ev[TDXGMEM_EVENT_A_OFFSET])
		json_u64(&j, "offset", ctl_u64(ev[TDXGMEM_EVENT_A_OFFSET]));
	if (ev[TDXGMEM_EVENT_A_SIZE])
		json_u64(&j, "size", ctl_u64(ev[TDXGMEM_EVENT_A_SIZE]));
	if (ev[TDXGMEM_EVENT_A_PAGES])
		json_u64(&j, "pages", ctl_u64(ev[TDXGMEM_EVENT_A_PAGES]));
	if (ev[TDXGMEM_EVENT_A_CAUSE])
		json_str(&j, "cause",
			 cause_name(ctl_u32(ev[TDXGMEM_EVENT_A_CAUSE])));
	if (ev[TDXGMEM_EVENT_A_DIRECTMAP_OP])
		json_str(&j, "op",
			 op_name(ctl_u32(ev[TDXGMEM_EVENT_A_DIRECTMAP_OP])));
	if (ev[TDXGMEM_EVENT_A_ERROR]) {
		json_s64(&j, "error", ctl_s32(ev[TDXGMEM_EVENT_A_ERROR]));
		json_str(&j, "error_name",
			 errno_str(ctl_s32(ev[TDXGMEM_EVENT_A_ERROR]), e,
				   sizeof(e)));
	}
	if (ev[TDXGMEM_EVENT_A_HELD_PAGES])
		json_u64(&j, "held_pages",
			 ctl_u64(ev[TDXGMEM_EVENT_A_HELD_PAGES]));
	if (ev[TDXGMEM_EVENT_A_LIMIT_PAGES])
		json_u64(&j, "limit_pages",
			 ctl_u64(ev[TDXGMEM_EVENT_A_LIMIT_PAGES]));
	json_u64(&j, "dropped", ctl_u64(ev[TDXGMEM_EVENT_A_DROPPED]));
	if (!file_parse(tb[TDXGMEM_A_FILE], &fi)) {
		json_obj(&j, "file");
		file_json_fields(&j, &fi);
		json_end_obj(&j);
	}
	json_end_obj(&j);
	json_finish(&j);
}

static void event_print(uint32_t type, struct nlattr **ev, struct nlattr **tb)
{
	char line[512], s[FMT_SIZE_LEN], e[32], who[160], flags[128];
	struct file_info fi;
	size_t n = 0;
	time_t now = time(NULL);
	struct tm tm;

#define ADD(...) (n += snprintf(line + n, n < sizeof(line) ? sizeof(line) - n : 0, __VA_ARGS__))
	localtime_r(&now, &tm);
	strftime(line, sizeof(line), "%H:%M:%S ", &tm);
	n = strlen(line);
	ADD("%-18s", event_name(type));
	if (ev[TDXGMEM_EVENT_A_FILE_ID])
		ADD(" file %" PRIu64, ctl_u64(ev[TDXGMEM_EVENT_A_FILE_ID]));
	if (ev[TDXGMEM_EVENT_A_OFFSET])
		ADD(" offset 0x%" PRIx64, ctl_u64(ev[TDXGMEM_EVENT_A_OFFSET]));
	if (ev[TDXGMEM_EVENT_A_SIZE])
		ADD(" size %s", fmt_size(ctl_u64(ev[TDXGMEM_EVENT_A_SIZE]), s));
	if (ev[TDXGMEM_EVENT_A_DIRECTMAP_OP])
		ADD(" op %s", op_name(ctl_u32(ev[TDXGMEM_EVENT_A_DIRECTMAP_OP])));
	if (ev[TDXGMEM_EVENT_A_PAGES])
		ADD(" pages %" PRIu64, ctl_u64(ev[TDXGMEM_EVENT_A_PAGES]));
	if (ev[TDXGMEM_EVENT_A_CAUSE])
		ADD(" cause %s", cause_name(ctl_u32(ev[TDXGMEM_EVENT_A_CAUSE])));
	if (ev[TDXGMEM_EVENT_A_HELD_PAGES])
		ADD(" held %s", fmt_size(ctl_u64(ev[TDXGMEM_EVENT_A_HELD_PAGES]) *
					 4096, s));
	if (ev[TDXGMEM_EVENT_A_LIMIT_PAGES])
		ADD(" limit %s", fmt_size(ctl_u64(ev[TDXGMEM_EVENT_A_LIMIT_PAGES]) *
					  4096, s));
	if (ev[TDXGMEM_EVENT_A_ERROR])
		ADD(" error %s", errno_str(ctl_s32(ev[TDXGMEM_EVENT_A_ERROR]),
					   e, sizeof(e)));
	if (!file_parse(tb[TDXGMEM_A_FILE], &fi)) {
		flags_str(fi.flags, flags, sizeof(flags));
		file_identity_str(&fi, who, sizeof(who));
		ADD(" size %s flags %s %s", fmt_size(fi.size, s), flags, who);
	}
	if (ev[TDXGMEM_EVENT_A_DROPPED])
		ADD(" (%" PRIu64 " earlier events dropped)",
		    ctl_u64(ev[TDXGMEM_EVENT_A_DROPPED]));
#undef ADD
	puts(line);
	fflush(stdout);
}

static int monitor_event(struct nlmsghdr *nlh, struct nlattr **tb, void *arg)
{
	struct nlattr *ev[TDXGMEM_EVENT_A_MAX + 1];
	struct genlmsghdr *g = nlmsg_data(nlh);
	struct monitor *m = arg;
	uint32_t type;

	if (g->cmd != TDXGMEM_CMD_EVENT ||
	    ctl_nested(ev, TDXGMEM_EVENT_A_MAX, tb[TDXGMEM_A_EVENT]))
		return stop;
	type = ctl_u32(ev[TDXGMEM_EVENT_A_TYPE]);
	if (m->o->json)
		event_json(type, ev, tb);
	else
		event_print(type, ev, tb);
	m->seen++;
	return stop || (m->o->count && m->seen >= m->o->count);
}

int cmd_monitor(struct ctl *c, const struct opts *o)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct monitor m = { .o = o };
	int err;

	err = ctl_join_events(c);
	if (err)
		return fail("monitor", err,
			    err == -EPERM ? "joining the events group needs CAP_SYS_ADMIN" :
			    NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* Tells a script (and a person) that nothing from now on is missed. */
	fprintf(stderr, "tdxgmemctl: listening for tdxgmem events\n");
	err = ctl_listen(c, monitor_event, &m, o->timeout_ms);
	if (err < 0 && !(err == -EINTR && stop))
		return fail("monitor", err, NULL);
	return EXIT_OK;
}
