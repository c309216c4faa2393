/* daemon_config.c: /etc/pvtune/pvtuned.conf. */
#include <iniparser.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "linemap.h"
#include "profile.h"

static int silent(const char *fmt, ...)
{
	(void)fmt;
	return 0;
}

static int check_keys(const struct pvt_linemap *m, const char *file, struct pvt_err *e)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct pvt_linemap_entry *x = &m->e[i];

		if (strcmp(x->section, "daemon") != 0)
			return pvt_errf(e, "%s:%d: unknown section [%s] (known: daemon)", file,
					x->line, x->section);
		if (x->key && strcmp(x->key, "rollback") && strcmp(x->key, "udev_buffer_size") &&
		    strcmp(x->key, "default_profile") && strcmp(x->key, "qmp_sockets") &&
		    strcmp(x->key, "qmp_timeout_ms") && strcmp(x->key, "writers"))
			return pvt_errf(e, "%s:%d: unknown key '%s' (known: rollback udev_buffer_size default_profile qmp_sockets qmp_timeout_ms writers)",
					file, x->line, x->key);
	}
	return 0;
}

int daemon_config_load(const struct pvt_ctx *ctx, const char *path, struct daemon_config *cfg,
		       struct pvt_err *e)
{
	char *file = pvt_rooted(ctx->root, path);
	struct pvt_linemap m = {0};
	dictionary *d = NULL;
	const char *v;
	int ret = -1;

	*cfg = (struct daemon_config){ .rollback_on_exit = true, .udev_buffer_size = 1 << 20,
				       .qmp_sockets = pvt_xstrdup(PVT_DEFAULT_QMP_SOCKETS),
				       .qmp_timeout_ms = 5000, .writers = PVT_WRITERS_DEFAULT };
	if (!pvt_exists(ctx->root, path)) {
		free(file);
		return 0;
	}
	if (pvt_linemap_read(file, file, &m, e) < 0 || check_keys(&m, file, e) < 0)
		goto out;
	iniparser_set_error_callback(silent);
	d = iniparser_load(file);
	if (!d) {
		pvt_errf(e, "%s: cannot be parsed as INI", file);
		goto out;
	}
	v = iniparser_getstring(d, "daemon:rollback", "auto");
	if (strcmp(v, "auto") == 0) {
		cfg->rollback_on_exit = true;
	} else if (strcmp(v, "not_on_exit") == 0) {
		cfg->rollback_on_exit = false;
	} else {
		pvt_errf(e, "%s:%d: bad value '%s' for rollback (accepted: auto not_on_exit)", file,
			 pvt_linemap_line(&m, "daemon", "rollback"), v);
		goto out;
	}
	v = iniparser_getstring(d, "daemon:udev_buffer_size", NULL);
	if (v) {
		int64_t n;

		if (!pvt_parse_i64(v, &n) || n < 65536 || n > (1 << 28)) {
			pvt_errf(e, "%s:%d: bad value '%s' for udev_buffer_size (bytes, 65536 to 268435456)",
				 file, pvt_linemap_line(&m, "daemon", "udev_buffer_size"), v);
			goto out;
		}
		cfg->udev_buffer_size = (int)n;
	}
	v = iniparser_getstring(d, "daemon:default_profile", "");
	if (*v) {
		if (pvt_profile_name_check(v, e) < 0) {
			pvt_err_prefix(e, "%s:%d: ", file,
				       pvt_linemap_line(&m, "daemon", "default_profile"));
			goto out;
		}
		cfg->default_profile = pvt_xstrdup(v);
	}
	v = iniparser_getstring(d, "daemon:qmp_sockets", NULL);
	if (v) {
		free(cfg->qmp_sockets);
		cfg->qmp_sockets = pvt_xstrdup(v);
	}
	v = iniparser_getstring(d, "daemon:qmp_timeout_ms", NULL);
	if (v) {
		int64_t n;

		if (!pvt_parse_i64(v, &n) || n < 10 || n > 600000) {
			pvt_errf(e, "%s:%d: bad value '%s' for qmp_timeout_ms (10 to 600000)", file,
				 pvt_linemap_line(&m, "daemon", "qmp_timeout_ms"), v);
			goto out;
		}
		cfg->qmp_timeout_ms = (int)n;
	}
	v = iniparser_getstring(d, "daemon:writers", NULL);
	if (v) {
		int64_t n;

		if (!pvt_parse_i64(v, &n) || n < 1 || n > 64) {
			pvt_errf(e, "%s:%d: bad value '%s' for writers (1 to 64)", file,
				 pvt_linemap_line(&m, "daemon", "writers"), v);
			goto out;
		}
		cfg->writers = (unsigned)n;
	}
	ret = 0;
out:
	if (d)
		iniparser_freedict(d);
	pvt_linemap_free(&m);
	free(file);
	return ret;
}

void daemon_config_free(struct daemon_config *cfg)
{
	free(cfg->default_profile);
	cfg->default_profile = NULL;
	free(cfg->qmp_sockets);
	cfg->qmp_sockets = NULL;
}
