/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * main.c: pvtuned, the tuning daemon. Reads its configuration, sets up the
 * manager's sd-event loop with signals and the systemd watchdog, starts the
 * front ends (bus.c, udev.c, host.c), applies the active profile and runs
 * the loop; on the way out restores the originals (rollback=auto).
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

#include "bus.h"
#include "host.h"
#include "log.h"
#include "manager.h"
#include "udev.h"
#include "util/util.h"

#define PVT_PID_FILE PVT_STATE_DIR "/pvtuned.pid"

static int on_term(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	struct manager *m = userdata;

	pvt_log(LOG_INFO, "signal %u: stopping", si->ssi_signo);
	/* VMs are restored over QMP, in the loop: it exits when they are done */
	if (m->cfg.rollback_on_exit && daemon_host_begin_exit(m))
		return 0;
	return sd_event_exit(sd_event_source_get_event(s), 0);
}

static int on_hup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	(void)s, (void)si;
	sd_notify(0, "RELOADING=1");
	pvt_log(LOG_INFO, "SIGHUP: re-applying the active profile");
	manager_apply_active(userdata);
	manager_vms(userdata, MANAGER_VM_APPLY);
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
		   "  -c, --config FILE  daemon configuration (default " PVT_DAEMON_CONF ",\n"
		   "                     under DIR with --root; a FILE given must exist)\n"
		   "  -U, --no-udev      do not watch for new disks\n");
}

static int setup(struct manager *m, bool udev)
{
	struct pvt_err e;
	sigset_t ss;
	int r;

	r = pvt_store_load(&m->ctx, &m->store, &e);
	if (r < 0) {
		pvt_log(LOG_ERR, "%s", e.msg);
		return r;
	}
	if (r > 0)	/* a corrupt store, moved aside: start without it */
		pvt_log(LOG_WARNING, "%s", e.msg);
	if (m->store.n)
		pvt_log(LOG_NOTICE, "%zu saved originals from an earlier run", m->store.n);
	r = sd_event_default(&m->event);
	if (r < 0) {
		pvt_log(LOG_ERR, "cannot create the event loop: %s", strerror(-r));
		return r;
	}
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGHUP);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	if ((r = sd_event_add_signal(m->event, NULL, SIGTERM, on_term, m)) < 0 ||
	    (r = sd_event_add_signal(m->event, NULL, SIGINT, on_term, m)) < 0 ||
	    (r = sd_event_add_signal(m->event, NULL, SIGHUP, on_hup, m)) < 0) {
		pvt_log(LOG_ERR, "cannot watch signals: %s", strerror(-r));
		return r;
	}
	/* pings WATCHDOG=1 at half of WatchdogSec when the unit asks for it */
	r = sd_event_set_watchdog(m->event, 1);
	if (r < 0)
		pvt_log(LOG_WARNING, "no watchdog pings: %s", strerror(-r));
	r = daemon_bus_start(m, &e);
	if (r < 0) {
		pvt_log(LOG_ERR, "%s", e.msg);
		return r;
	}
	r = udev ? daemon_udev_start(m, &e) : 0;
	if (r < 0) {
		pvt_log(LOG_ERR, "%s", e.msg);
		return r;
	}
	r = *m->cfg.qmp_sockets ? daemon_host_start(m, &e) : 0;
	if (r < 0) {
		pvt_log(LOG_ERR, "host mode: %s", e.msg);
		return r;
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
	struct manager m = {0};
	const char *root = NULL, *config = NULL;
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
	pvt_ctx_init(&m.ctx, root);
	if (!pvt_is_dir("/", m.ctx.root)) {
		pvt_log(LOG_ERR, "--root %s: not a directory", m.ctx.root);
		pvt_ctx_free(&m.ctx);
		return 2;
	}
	if (strcmp(m.ctx.root, "/") != 0)
		udev = false;
	/* --config FILE must exist (under the root); the default may be missing */
	if (daemon_config_load(&m.ctx, config ? config : PVT_DAEMON_CONF, !config, &m.cfg, &e) < 0) {
		pvt_log(LOG_ERR, "%s", e.msg);
		sd_notifyf(0, "STATUS=bad configuration: %s", e.msg);
		goto out;
	}
	m.ctx.writers = m.cfg.writers;
	m.ctx.host_mode = *m.cfg.qmp_sockets != '\0';
	if (setup(&m, udev) < 0)
		goto out;
	manager_apply_active(&m);
	pidfile(&m.ctx, true);
	sd_notify(0, "READY=1\nSTATUS=running");
	pvt_log(LOG_INFO, "ready (root %s, udev monitor %s)", m.ctx.root, udev ? "on" : "off");
	ret = sd_event_loop(m.event) < 0;
	sd_notify(0, "STOPPING=1");
	pidfile(&m.ctx, false);
	daemon_host_stop(&m);
	if (m.cfg.rollback_on_exit) {
		struct pvt_report rep = {0};

		if (manager_restore_all(&m, &rep))
			ret = 1;
		daemon_log_report("exit", &rep);
		pvt_log(LOG_INFO, "originals restored on exit (%zu items)", rep.n);
		pvt_report_free(&rep);
	}
out:
	daemon_host_stop(&m);
	daemon_udev_stop(&m);
	daemon_bus_stop(&m);
	m.event = sd_event_unref(m.event);
	pvt_store_free(&m.store);
	daemon_config_free(&m.cfg);
	pvt_ctx_free(&m.ctx);
	return ret;
}
