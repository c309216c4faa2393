/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fuzz_qmp.c: libFuzzer harness for QMP reply handling: the client's
 * parser and dispatch (lib/qemu/qmp.c) and the host-mode jobs' reply
 * handlers (lib/qemu/tune/: queries, pinning, polling, cache, x2APIC,
 * qemu-storage-daemon's fallback), run as pvtuned runs them.
 *
 * The harness plays QEMU on a socketpair (so the peer is this process, and
 * only its own threads may be pinned). After a fixed greeting, each input
 * line is answered in turn: a line "R <json>" becomes the return value of
 * the oldest command not yet answered ({"return": <json>, "id": ID}), a line
 * "E <class>" its error; any other line is sent as it is (garbage, events,
 * wrong ids). "$TID" in a line is this process's pid (its main thread, a
 * thread the jobs may pin). Three jobs run in turn (apply, verify, restore) while input
 * lasts; then the harness hangs up. Anything but an orderly end (a crash, a
 * leak, undefined behaviour, a job that never ends) is a finding.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "qemu/tune.h"
#include "fake.h"

#define GREETING "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}}, \"capabilities\": []}}\n"

static char root[] = "/tmp/pvtune-fuzz-qmp.XXXXXX";

struct run {
	sd_event *ev;
	struct pvt_qmp *q;
	int srv;
	char in[65536];		/* the client's commands, not yet answered */
	size_t inlen;
	long ids[256];		/* their ids, oldest first */
	size_t nids;
	int done;
	bool closed;
};

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* the temporary tree goes when the fuzzer exits */
static void cleanup(void)
{
	fake_rmtree(root);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *d;

	(void)argc, (void)argv;
	signal(SIGPIPE, SIG_IGN);
	if (!mkdtemp(root))
		exit(1);
	/* CPUs and NUMA nodes for iothread_cpus=auto */
	if (asprintf(&d, "mkdir -p %s/sys/devices/system/node/node0 && echo 0-1 >%s/sys/devices/system/cpu/online 2>/dev/null;"
		     "mkdir -p %s/sys/devices/system/cpu && echo 0-1 >%s/sys/devices/system/cpu/online && echo 0-1 >%s/sys/devices/system/node/node0/cpulist",
		     root, root, root, root, root) < 0 || system(d) != 0)
		exit(1);
	free(d);
	atexit(cleanup);
	return 0;
}

static void on_state(struct pvt_qmp *q, const char *why, void *ud)
{
	struct run *r = ud;

	(void)q;
	if (why)
		r->closed = true;
}

static void on_done(void *ud, const struct pvt_report *rep, size_t bad)
{
	(void)rep, (void)bad;
	((struct run *)ud)->done++;
}

/* Read what the client sent; remember each command's id. */
static void drain(struct run *r)
{
	for (;;) {
		char *nl;
		ssize_t n;

		sd_event_run(r->ev, 0);
		n = recv(r->srv, r->in + r->inlen, sizeof(r->in) - r->inlen - 1, MSG_DONTWAIT);
		if (n <= 0)
			break;
		r->inlen += (size_t)n;
		r->in[r->inlen] = 0;
		while ((nl = strchr(r->in, '\n'))) {
			char *p = strstr(r->in, "\"id\":");

			if (p && p < nl && r->nids < 256)
				r->ids[r->nids++] = strtol(p + 5, NULL, 10);
			r->inlen -= (size_t)(nl + 1 - r->in);
			memmove(r->in, nl + 1, r->inlen + 1);
		}
		if (r->inlen >= sizeof(r->in) - 1)
			r->inlen = 0;
	}
}

static void send_all(struct run *r, const char *s, size_t n)
{
	while (n && r->srv >= 0) {
		ssize_t w = send(r->srv, s, n, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (w < 0 && errno == EAGAIN) {
			drain(r);	/* the client reads meanwhile */
			continue;
		}
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* @l with each "$TID" replaced by our pid (a new string) */
static char *with_tid(const char *l, size_t len)
{
	char *out = malloc(len * 4 + 16), *o = out, pid[16];
	size_t pl = (size_t)snprintf(pid, sizeof(pid), "%d", (int)getpid());

	for (size_t i = 0; i < len;) {
		if (len - i >= 4 && memcmp(l + i, "$TID", 4) == 0) {
			memcpy(o, pid, pl);
			o += pl;
			i += 4;
		} else {
			*o++ = l[i++];
		}
	}
	*o = 0;
	return out;
}

static void line(struct run *r, const char *raw, size_t rawlen)
{
	char *l = with_tid(raw, rawlen), *msg = NULL;
	size_t len = strlen(l);
	long id = r->nids ? r->ids[0] : 0;
	int k = -1;

	if (len >= 2 && (l[0] == 'R' || l[0] == 'E') && l[1] == ' ') {
		if (r->nids)
			memmove(r->ids, r->ids + 1, --r->nids * sizeof(r->ids[0]));
		if (l[0] == 'R')
			k = asprintf(&msg, "{\"return\": %.*s, \"id\": %ld}\n", (int)len - 2, l + 2, id);
		else
			k = asprintf(&msg, "{\"error\": {\"class\": \"%.*s\", \"desc\": \"fuzz\"}, \"id\": %ld}\n",
				     (int)len - 2, l + 2, id);
	} else {
		k = asprintf(&msg, "%.*s\n", (int)len, l);
	}
	if (k > 0)
		send_all(r, msg, (size_t)k);
	free(msg);
	free(l);
	drain(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum pvt_qemu_mode modes[] = { PVT_QEMU_APPLY, PVT_QEMU_VERIFY, PVT_QEMU_RESTORE };
	const struct pvt_qmp_ops ops = { .state = on_state };
	struct run *r = calloc(1, sizeof(*r));
	struct pvt_qemu_saved saved = {0};
	struct pvt_qemu_cfg cfg;
	const char *text = (const char *)data;
	size_t off = 0;
	int sv[2], started = 0;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 || sd_event_new(&r->ev) < 0)
		abort();
	r->srv = sv[1];
	if (pvt_qmp_open_fd(r->ev, sv[0], "fuzz", 60ULL * 1000 * 1000, &ops, r, &r->q, NULL) < 0)
		abort();
	pvt_qemu_cfg_init(&cfg);
	cfg.io_set = cfg.io_auto = true;
	cfg.poll_max_ns = 4000;
	cfg.poll_grow = 2;
	cfg.cache = PVT_LVL_REQUIRE;
	cfg.live_cache_none = true;
	cfg.x2apic = PVT_LVL_PREFER;
	cfg.aio_level = PVT_LVL_PREFER;
	snprintf(cfg.aio, sizeof(cfg.aio), "native|io_uring");
	send_all(r, GREETING, strlen(GREETING));
	drain(r);
	while (off < size && !r->closed) {
		const char *nl = memchr(text + off, '\n', size - off);
		size_t len = nl ? (size_t)(nl - text - off) : size - off;

		if (started == r->done && started < 3 && pvt_qmp_ready(r->q)) {
			pvt_qemu_run(r->q, root, "vm", modes[started], &cfg, &saved,
				     "/run/pvtune/qemu/vm.json", on_done, r);
			started++;
			drain(r);
		}
		line(r, text + off, len);
		off += len + 1;
	}
	/* QEMU goes away: every job must still end, once */
	close(r->srv);
	r->srv = -1;
	for (int i = 0; i < 100 && r->done < started; i++)
		sd_event_run(r->ev, 1000);
	if (r->done != started)
		abort();
	pvt_qmp_free(r->q);
	pvt_qemu_saved_free(&saved);
	sd_event_unref(r->ev);
	free(r);
	return 0;
}
