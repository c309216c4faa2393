/*
 * pvtuned.c: the tuning daemon. An sd-event loop with the D-Bus interface,
 * the udev monitor, signals and the systemd watchdog; the active profile is
 * applied at start and to every disk that appears.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "daemon.h"
#include "engine/engine.h"
#include "log.h"
#include "ops/ops.h"

static int result_prio(const struct pvt_result *r)
{
	return r->st == PVT_ST_FAILED ? LOG_ERR :
	       r->st == PVT_ST_MISMATCH || r->st == PVT_ST_WARN ? LOG_WARNING :
	       r->st == PVT_ST_OK || r->st == PVT_ST_KEPT ? LOG_DEBUG : LOG_INFO;
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/*
 * One journal line per unit, device and priority ("pvbench: disk vda:
 * readahead: 128 -> 1024 (changed); nr_requests: ..."), not one per node:
 * a profile for many disks changes hundreds of nodes, and every line costs
 * journald a message.
 */
void daemon_log_report(const char *what, const struct pvt_report *rep)
{
	size_t i = 0;

	while (i < rep->n) {
		const struct pvt_result *r = &rep->r[i];
		int prio = result_prio(r);
		char *line = NULL;
		size_t len = 0, j;
		FILE *f;

		if (prio == LOG_DEBUG) {
			i++;
			continue;
		}
		f = open_memstream(&line, &len);
		if (!f)
			return;
		for (j = i; j < rep->n; j++) {
			const struct pvt_result *x = &rep->r[j];
			int p = result_prio(x);

			if (p == LOG_DEBUG)
				continue;
			if (p != prio || !same_str(x->unit, r->unit) || !same_str(x->device, r->device))
				break;
			fprintf(f, "%s%s: ", j == i ? "" : "; ",
				x->key ? x->key : x->path ? x->path : "");
			if (x->st == PVT_ST_RESTORED)
				fprintf(f, "restored to %s", x->expected ? x->expected : "?");
			else
				fprintf(f, "%s -> %s (%s)", x->actual ? x->actual : "?",
					x->expected ? x->expected : "?", pvt_status_name(x->st));
			if (x->note)
				fprintf(f, ": %s", x->note);
		}
		fclose(f);
		pvt_log(prio, "%s: %s%s%s: %s", what, r->unit ? r->unit : "-",
			r->device ? " " : "", r->device ? r->device : "", line ? line : "");
		free(line);
		i = j;
	}
}

struct pvt_store *daemon_store(struct daemon *d)
{
	struct pvt_store fresh;
	struct pvt_err e;

	if (pvt_store_load(&d->ctx, &fresh, &e) < 0) {
		pvt_log(LOG_WARNING, "keeping the store in memory: %s", e.msg);
		return &d->store;
	}
	pvt_store_free(&d->store);
	d->store = fresh;
	return &d->store;
}

static void apply_active(struct daemon *d)
{
	char *name = pvt_active_get(&d->ctx);
	struct pvt_report rep = {0};
	struct pvt_err e;
	int r;

	if (!name && d->cfg.default_profile)
		name = pvt_xstrdup(d->cfg.default_profile);
	if (!name) {
		pvt_log(LOG_INFO, "no active profile");
		return;
	}
	r = pvt_op_profile(&d->ctx, daemon_store(d), name, &rep, &e);
	if (r < 0) {
		pvt_log(LOG_ERR, "profile %s not applied: %s", name, e.msg);
	} else {
		daemon_log_report(name, &rep);
		pvt_log(LOG_INFO, "profile %s applied (%zu items, %zu changed, %zu failed)", name,
			rep.n, pvt_report_count(&rep, PVT_ST_CHANGED),
			pvt_report_count(&rep, PVT_ST_FAILED));
	}
	pvt_report_free(&rep);
	free(name);
}

static int on_term(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	struct daemon *d = userdata;

	pvt_log(LOG_INFO, "signal %u: stopping", si->ssi_signo);
	/* VMs are restored over QMP, in the loop: it exits when they are done */
	if (d->cfg.rollback_on_exit && daemon_host_begin_exit(d))
		return 0;
	return sd_event_exit(sd_event_source_get_event(s), 0);
}

static int on_hup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	(void)s, (void)si;
	sd_notify(0, "RELOADING=1");
	pvt_log(LOG_INFO, "SIGHUP: re-applying the active profile");
	apply_active(userdata);
	daemon_host_profile_changed(userdata);
	sd_notify(0, "READY=1");
	return 0;
}

/* /run/pvtune/pvtuned.pid: tells the udev rules that pvtuned is running. */
static void pidfile(const struct pvt_ctx *ctx, bool create)
{
	struct pvt_err e;
	char *pid;

	if (!create) {
		char *p = pvt_rooted(ctx->root, PVT_PID_FILE);

		unlink(p);
		free(p);
		return;
	}
	pid = pvt_xasprintf("%d\n", (int)getpid());
	if (pvt_write_atomic(ctx->root, PVT_PID_FILE, pid, &e) < 0)
		pvt_log(LOG_WARNING, "%s", e.msg);
	free(pid);
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: pvtuned [--root DIR] [--config FILE] [--no-udev]\n"
		   "  -r, --root DIR     resolve every system path under DIR (also $PVTUNE_ROOT);\n"
		   "                     the udev monitor is off unless DIR is /\n"
		   "  -c, --config FILE  daemon configuration (default " PVT_DAEMON_CONF ")\n"
		   "  -U, --no-udev      do not watch for new disks\n");
}

static int setup(struct daemon *d, bool udev)
{
	struct pvt_err e;
	sigset_t ss;

	if (pvt_store_load(&d->ctx, &d->store, &e) < 0) {
		pvt_log(LOG_ERR, "%s", e.msg);
		return -1;
	}
	if (d->store.n)
		pvt_log(LOG_NOTICE, "%zu saved originals from an earlier run", d->store.n);
	if (sd_event_default(&d->event) < 0)
		return -1;
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGHUP);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	if (sd_event_add_signal(d->event, NULL, SIGTERM, on_term, d) < 0 ||
	    sd_event_add_signal(d->event, NULL, SIGINT, on_term, d) < 0 ||
	    sd_event_add_signal(d->event, NULL, SIGHUP, on_hup, d) < 0)
		return -1;
	/* pings WATCHDOG=1 at half of WatchdogSec when the unit asks for it */
	sd_event_set_watchdog(d->event, 1);
	if (daemon_bus_start(d, &e) < 0) {
		pvt_log(LOG_ERR, "%s", e.msg);
		return -1;
	}
	if (udev && daemon_udev_start(d, &e) < 0) {
		pvt_log(LOG_ERR, "%s", e.msg);
		return -1;
	}
	if (*d->cfg.qmp_sockets && daemon_host_start(d, &e) < 0) {
		pvt_log(LOG_ERR, "host mode: %s", e.msg);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "config", required_argument, NULL, 'c' },
		{ "no-udev", no_argument, NULL, 'U' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct daemon d = {0};
	const char *root = NULL, *config = PVT_DAEMON_CONF;
	bool udev = true;
	struct pvt_err e;
	int c, ret = 1;

	/*
	 * The engine's writer threads allocate a few strings each: one malloc
	 * arena for all keeps them from leaving an arena per thread resident.
	 */
	mallopt(M_ARENA_MAX, 1);

	while ((c = getopt_long(argc, argv, "r:c:Uh", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': root = optarg; break;
		case 'c': config = optarg; break;
		case 'U': udev = false; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	pvt_ctx_init(&d.ctx, root);
	if (strcmp(d.ctx.root, "/") != 0)
		udev = false;
	if (daemon_config_load(&d.ctx, config, &d.cfg, &e) < 0) {
		pvt_log(LOG_ERR, "%s", e.msg);
		sd_notifyf(0, "STATUS=bad configuration: %s", e.msg);
		goto out;
	}
	d.ctx.writers = d.cfg.writers;
	if (setup(&d, udev) < 0)
		goto out;
	apply_active(&d);
	pidfile(&d.ctx, true);
	sd_notify(0, "READY=1\nSTATUS=running");
	pvt_log(LOG_INFO, "ready (root %s, udev monitor %s)", d.ctx.root, udev ? "on" : "off");
	ret = sd_event_loop(d.event) < 0;
	sd_notify(0, "STOPPING=1");
	pidfile(&d.ctx, false);
	daemon_host_stop(&d);
	if (d.cfg.rollback_on_exit) {
		struct pvt_report rep = {0};

		if (pvt_engine_rollback(&d.ctx, daemon_store(&d), NULL, NULL, &rep))
			ret = 1;
		daemon_log_report("exit", &rep);
		pvt_log(LOG_INFO, "originals restored on exit (%zu items)", rep.n);
		pvt_report_free(&rep);
	}
out:
	daemon_host_stop(&d);
	daemon_udev_stop(&d);
	d.bus = sd_bus_flush_close_unref(d.bus);
	d.event = sd_event_unref(d.event);
	pvt_store_free(&d.store);
	daemon_config_free(&d.cfg);
	pvt_ctx_free(&d.ctx);
	return ret;
}
