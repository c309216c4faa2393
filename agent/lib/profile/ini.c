/* ini.c: an INI file read by iniparser, with linemap's lines (see ini.h). */
#include <string.h>

#include "profile/ini.h"

static int quiet(const char *fmt, ...)
{
	(void)fmt;
	return 0;
}

int pvt_ini_load(const char *path, struct pvt_ini *ini, struct pvt_err *e)
{
	int r;

	memset(ini, 0, sizeof(*ini));
	r = pvt_linemap_read(path, path, &ini->m, e);
	if (r < 0)
		return r;
	iniparser_set_error_callback(quiet);
	ini->d = iniparser_load(path);
	if (!ini->d) {
		pvt_linemap_free(&ini->m);
		return pvt_errf(e, "%s: cannot be parsed as INI", path);
	}
	return 0;
}

void pvt_ini_free(struct pvt_ini *ini)
{
	if (ini->d)
		iniparser_freedict(ini->d);
	ini->d = NULL;
	pvt_linemap_free(&ini->m);
}
