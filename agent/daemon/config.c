/* SPDX-License-Identifier: GPL-2.0-only */
/* config.c: /etc/pvtune/pvtuned.conf. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "profile/ini.h"
#include "profile/profile.h"

static int check_keys(const struct pvt_linemap *m, const char *file, struct pvt_err *e)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct pvt_linemap_entry *x = &m->e[i];

		if (strcmp(x->section, "daemon") != 0)
			return pvt_errf(e, "%s:%d: unknown section [%s] (known: daemon)", file,
					x->line, x->section);
		if (x->key && strcmp(x->key, "rollback") && strcmp(x->key, "udev_buffer_size") &&
		    strcmp(x->key, "default_profile") && strcmp(x->key, "qmp_sockets") && strcmp(x->key, "qmp_users") &&
		    strcmp(x->key, "qmp_timeout_ms") && strcmp(x->key, "writers"))
			return pvt_errf(e, "%s:%d: unknown key '%s' (known: rollback udev_buffer_size default_profile qmp_sockets qmp_users qmp_timeout_ms writers)",
					file, x->line, x->key);
	}
	return 0;
}

/*
 * [daemon] KEY, an integer from LO to HI (@unit, e.g. "bytes, ", leads the
 * range in the error). Returns 1 with *n set, 0 if the key is absent,
 * -EINVAL with an error naming the file and line if the value is bad.
 */
static int int_key(const struct pvt_ini *ini, const char *file,
		   const char *key, const char *unit, int64_t lo, int64_t hi, int64_t *n,
		   struct pvt_err *e)
{
	char full[64];
	const char *v;

	snprintf(full, sizeof(full), "daemon:%s", key);
	v = iniparser_getstring(ini->d, full, NULL);
	if (!v)
		return 0;
	if (!pvt_parse_i64(v, n) || *n < lo || *n > hi)
		return pvt_errf(e, "%s:%d: bad value '%s' for %s (%s%lld to %lld)", file,
				pvt_linemap_line(&ini->m, "daemon", key), v, key, unit, (long long)lo,
				(long long)hi);
	return 1;
}

int daemon_config_load(const struct pvt_ctx *ctx, const char *path, bool optional,
		       struct daemon_config *cfg, struct pvt_err *e)
{
	char *file = pvt_rooted(ctx->root, path);
	struct pvt_ini ini = {0};
	const char *v;
	int64_t n;
	int ret;

	*cfg = (struct daemon_config){ .rollback_on_exit = true, .udev_buffer_size = 1 << 20,
				       .qmp_sockets = pvt_xstrdup(PVT_DEFAULT_QMP_SOCKETS),
				       .qmp_users = pvt_xstrdup(""),
				       .qmp_timeout_ms = 5000, .writers = PVT_WRITERS_DEFAULT };
	if (!pvt_exists(ctx->root, path)) {
		if (optional)
			ret = 0;
		else if (strcmp(ctx->root, "/"))
			ret = pvt_fail(e, ENOENT, "--config %s: no such file: %s (a FILE given is resolved under --root %s)",
				       path, file, ctx->root);
		else
			ret = pvt_fail(e, ENOENT, "--config %s: no such file", path);
		free(file);
		return ret;
	}
	ret = pvt_ini_load(file, &ini, e);
	if (ret >= 0)
		ret = check_keys(&ini.m, file, e);
	if (ret < 0)
		goto out;
	v = iniparser_getstring(ini.d, "daemon:rollback", "auto");
	if (strcmp(v, "auto") == 0) {
		cfg->rollback_on_exit = true;
	} else if (strcmp(v, "not_on_exit") == 0) {
		cfg->rollback_on_exit = false;
	} else {
		ret = pvt_errf(e, "%s:%d: bad value '%s' for rollback (accepted: auto not_on_exit)",
			       file, pvt_linemap_line(&ini.m, "daemon", "rollback"), v);
		goto out;
	}
	ret = int_key(&ini, file, "udev_buffer_size", "bytes, ", 65536, 1 << 28, &n, e);
	if (ret < 0)
		goto out;
	if (ret > 0)
		cfg->udev_buffer_size = (int)n;
	v = iniparser_getstring(ini.d, "daemon:default_profile", "");
	if (*v) {
		ret = pvt_profile_name_check(v, e);
		if (ret < 0) {
			pvt_err_prefix(e, ret, "%s:%d: ", file,
				       pvt_linemap_line(&ini.m, "daemon", "default_profile"));
			goto out;
		}
		cfg->default_profile = pvt_xstrdup(v);
	}
	v = iniparser_getstring(ini.d, "daemon:qmp_sockets", NULL);
	if (v) {
		free(cfg->qmp_sockets);
		cfg->qmp_sockets = pvt_xstrdup(v);
	}
	v = iniparser_getstring(ini.d, "daemon:qmp_users", NULL);
	if (v) {
		free(cfg->qmp_users);
		cfg->qmp_users = pvt_xstrdup(v);
	}
	ret = int_key(&ini, file, "qmp_timeout_ms", "", 10, 600000, &n, e);
	if (ret < 0)
		goto out;
	if (ret > 0)
		cfg->qmp_timeout_ms = (int)n;
	ret = int_key(&ini, file, "writers", "", 1, 64, &n, e);
	if (ret < 0)
		goto out;
	if (ret > 0)
		cfg->writers = (unsigned)n;
	ret = 0;
out:
	pvt_ini_free(&ini);
	free(file);
	return ret;
}

void daemon_config_free(struct daemon_config *cfg)
{
	free(cfg->default_profile);
	cfg->default_profile = NULL;
	free(cfg->qmp_sockets);
	cfg->qmp_sockets = NULL;
	free(cfg->qmp_users);
	cfg->qmp_users = NULL;
}
