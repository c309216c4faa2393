/* SPDX-License-Identifier: GPL-2.0-only */
/* checks.c: the checks of a VM: cache=none (or a live reopen), the aio mode, x2APIC. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu/tune/checks.h"
#include "util/json.h"
#include "util/util.h"

static const char *cache_name(bool wb, bool direct, bool noflush)
{
	if (noflush)
		return "unsafe";
	if (direct)
		return wb ? "none" : "directsync";
	return wb ? "writeback" : "writethrough";
}

/*
 * live_cache_none: blockdev-reopen the drive's format node and its protocol
 * child with cache.direct on. Only nodes named by the user (-blockdev) can be
 * reopened; -drive's automatic names ("#block123") are refused by QEMU.
 * Returns NULL when the reopen was sent, else why not.
 */
static char *reopen_direct(struct job *j, json_object *ins, const char *key)
{
	const char *nn = pvt_json_text(ins, "node-name"), *drv = pvt_json_text(ins, "drv");
	const char *file = pvt_json_text(ins, "file");
	json_object *opts, *cache, *a, *fmt;
	const char *child = NULL, *child_drv = NULL;
	size_t n = j->nodes ? json_object_array_length(j->nodes) : 0;

	if (!nn || !drv || !file)
		return pvt_xstrdup("cannot reopen live: node unknown");
	if (nn[0] == '#')
		return pvt_xstrdup("cannot reopen live: defined with -drive (automatic node names); use -blockdev, or restart with cache=none");
	for (size_t i = 0; i < n && strcmp(drv, "file") && strcmp(drv, "host_device"); i++) {
		json_object *x = json_object_array_get_idx(j->nodes, i);
		const char *xd = pvt_json_text(x, "drv"), *xn = pvt_json_text(x, "node-name");
		const char *xf = pvt_json_text(x, "file");

		if (xd && xn && xf && strcmp(xn, nn) && strcmp(xf, file) == 0 &&
		    (!strcmp(xd, "file") || !strcmp(xd, "host_device"))) {
			child = xn;
			child_drv = xd;
		}
	}
	if (strcmp(drv, "file") && strcmp(drv, "host_device") && !child)
		return pvt_xstrdup("cannot reopen live: no file node found under the drive");
	opts = json_object_new_array();
	cache = json_tokener_parse("{\"direct\":true,\"no-flush\":false}");
	fmt = json_object_new_object();
	json_object_object_add(fmt, "driver", json_object_new_string(drv));
	json_object_object_add(fmt, "node-name", json_object_new_string(nn));
	if (child)
		json_object_object_add(fmt, "file", json_object_new_string(child));
	else
		json_object_object_add(fmt, "filename", json_object_new_string(file));
	json_object_object_add(fmt, "cache", json_object_get(cache));
	json_object_array_add(opts, fmt);
	if (child) {
		json_object *c = json_object_new_object();

		json_object_object_add(c, "driver", json_object_new_string(child_drv));
		json_object_object_add(c, "node-name", json_object_new_string(child));
		json_object_object_add(c, "filename", json_object_new_string(file));
		json_object_object_add(c, "cache", json_object_get(cache));
		json_object_array_add(opts, c);
	}
	json_object_put(cache);
	a = json_object_new_object();
	json_object_object_add(a, "options", opts);
	if (job_command(j, "blockdev-reopen", a, NULL, key, job_item_reply, NULL) < 0)
		return pvt_xstrdup("QMP connection closed");
	return NULL;
}

void tune_check_cache(struct job *j)
{
	enum pvt_status bad = j->cfg.cache == PVT_LVL_REQUIRE ? PVT_ST_MISMATCH : PVT_ST_WARN;
	size_t n = j->block ? json_object_array_length(j->block) : 0;
	bool any = false;

	if (!j->cfg.cache)
		return;
	if (!j->block) {
		job_add(j, "cache", "none", NULL, PVT_ST_NA, j->block_err ? j->block_err : "no block information");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		json_object *d = json_object_array_get_idx(j->block, i), *ins, *c, *name;
		bool direct, noflush;
		char *key, *note = NULL;
		const char *nm;

		if (!json_object_object_get_ex(d, "inserted", &ins)) {
			if (json_object_object_get_ex(d, "device", NULL))
				continue;	/* query-block: an empty drive */
			ins = d;		/* query-named-block-nodes */
		}
		if (!json_object_object_get_ex(ins, "cache", &c))
			continue;
		name = NULL;
		if (json_object_object_get_ex(d, "device", &name) && !*json_object_get_string(name))
			name = NULL;
		if (!name && !json_object_object_get_ex(d, "qdev", &name))
			json_object_object_get_ex(ins, "node-name", &name);
		nm = name ? json_object_get_string(name) : "?";
		any = true;
		direct = pvt_json_bool(c, "direct");
		noflush = pvt_json_bool(c, "no-flush");
		key = pvt_xasprintf("drive %s cache", nm);
		if ((!direct || noflush) && j->mode == PVT_QEMU_APPLY && j->cfg.live_cache_none) {
			char *why = reopen_direct(j, ins, key);

			if (!why) {
				job_add(j, key, "none", cache_name(pvt_json_bool(c, "writeback"), direct, noflush),
				    PVT_ST_CHANGED, "blockdev-reopen with cache.direct=on (not restored by off)");
				free(key);
				continue;
			}
			note = pvt_xasprintf("cache.direct=%s no-flush=%s: %s", direct ? "on" : "off",
					     noflush ? "on" : "off", why);
			free(why);
		} else if (!direct || noflush)
			note = pvt_xasprintf("cache.direct=%s no-flush=%s: start the drive with cache=none (cache.direct=on)%s",
					     direct ? "on" : "off", noflush ? "on" : "off",
					     j->cfg.live_cache_none ? "" : ", or set live_cache_none=1");
		job_add(j, key, "none", cache_name(pvt_json_bool(c, "writeback"), direct, noflush),
		    direct && !noflush ? PVT_ST_OK : bad, note);
		free(key);
		free(note);
	}
	if (!any)
		job_add(j, "cache", "none", NULL, PVT_ST_NA, "no drive with a medium");
}

/* The aio= modes on the process's command line (QEMU reports none over QMP). */
void tune_check_aio(struct job *j)
{
	enum pvt_status bad = j->cfg.aio_level == PVT_LVL_REQUIRE ? PVT_ST_MISMATCH : PVT_ST_WARN;
	pid_t pid = pvt_qmp_peer_pid(j->q);
	struct pvt_strv want = {0}, seen = {0};
	char path[64], buf[65536];
	FILE *f;
	size_t n;
	bool ok = true, drives = false;
	char *actual = NULL;

	if (!j->cfg.aio_level)
		return;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	f = pid > 0 ? fopen(path, "r") : NULL;
	if (!f) {
		job_add(j, "aio", j->cfg.aio, NULL, PVT_ST_NA, "cannot read the QEMU command line");
		return;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	pvt_strv_split(&want, j->cfg.aio, "|");
	for (size_t off = 0; off < n; off += strlen(buf + off) + 1) {
		const char *a = buf + off, *p;

		if (strstr(a, "file=") || strstr(a, "filename") || strstr(a, "driver=file") ||
		    strstr(a, "\"driver\":\"file\"") || strstr(a, "host_device"))
			drives = true;
		for (p = a; (p = strstr(p, "aio")); p += 3) {
			char v[16] = "";

			if (sscanf(p, "aio=%15[a-z_]", v) != 1 &&
			    sscanf(p, "aio\":\"%15[a-z_]", v) != 1 &&
			    sscanf(p, "aio\": \"%15[a-z_]", v) != 1)
				continue;
			if (!pvt_strv_contains(&seen, v))
				pvt_strv_push(&seen, v);
		}
	}
	if (!seen.n && drives)
		pvt_strv_push(&seen, "threads");	/* QEMU's default */
	for (size_t i = 0; i < seen.n; i++) {
		ok &= pvt_strv_contains(&want, seen.v[i]);
		char *t = pvt_xasprintf("%s%s%s", actual ? actual : "", actual ? "," : "", seen.v[i]);

		free(actual);
		actual = t;
	}
	if (!seen.n)
		job_add(j, "aio", j->cfg.aio, NULL, PVT_ST_NA, "no file-backed drive on the command line");
	else
		job_add(j, "aio", j->cfg.aio, actual, ok ? PVT_ST_OK : bad,
		    ok ? NULL : "set aio=native (with cache=none) or aio=io_uring on the drive");
	free(actual);
	pvt_strv_free(&want);
	pvt_strv_free(&seen);
}

static void on_x2apic(struct job_req *r, json_object *ret, const char *err, const char *cls)
{
	struct job *j = r->j;
	enum pvt_status bad = j->cfg.x2apic == PVT_LVL_REQUIRE ? PVT_ST_MISMATCH : PVT_ST_WARN;

	(void)cls;
	if (err)
		job_add(j, r->what, "on", NULL, PVT_ST_NA, err);
	else if (json_object_get_boolean(ret))
		job_add(j, r->what, "on", "on", PVT_ST_OK, NULL);
	else
		job_add(j, r->what, "on", "off", bad,
			"start QEMU with -cpu ...,+x2apic (KVM; TCG offers no x2APIC)");
}

static const struct pvt_json_type bool_t = { .type = json_type_boolean };

void tune_check_x2apic(struct job *j, json_object *cpu, int idx)
{
	const char *path = pvt_json_text(cpu, "qom-path");
	char *what;

	if (!j->cfg.x2apic || !path)
		return;
	what = pvt_xasprintf("vcpu %d x2apic", idx);
	/* if it cannot be sent, the connection has closed: the job reports that */
	job_command(j, "qom-get", job_qom_args(path, "x2apic"), &bool_t, what, on_x2apic, NULL);
	free(what);
}
