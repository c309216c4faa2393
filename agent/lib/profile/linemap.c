/* linemap.c: INI syntax pre-pass recording the line of each section and key. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile/linemap.h"
#include "util/util.h"

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

static void add(struct pvt_linemap *m, const char *sec, const char *key, int line)
{
	for (size_t i = 0; i < m->n; i++) {
		struct pvt_linemap_entry *x = &m->e[i];

		if (strcmp(x->section, sec) == 0 &&
		    ((!key && !x->key) || (key && x->key && strcmp(x->key, key) == 0))) {
			if (key)	/* iniparser keeps the last value */
				x->line = line;
			return;
		}
	}
	m->e = pvt_xrealloc(m->e, (m->n + 1) * sizeof(*m->e));
	m->e[m->n].section = pvt_xstrdup(sec);
	m->e[m->n].key = key ? pvt_xstrdup(key) : NULL;
	m->e[m->n].line = line;
	m->n++;
}

static bool valid_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_.-", *s))
			return false;
	return true;
}

static bool valid_key(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (isspace((unsigned char)*s) || strchr("[]:", *s))
			return false;
	return true;
}

int pvt_linemap_read(const char *path, const char *display, struct pvt_linemap *m,
		     struct pvt_err *e)
{
	FILE *f = fopen(path, "re");
	char *line = NULL, *logical = NULL, *section = NULL;
	size_t cap = 0, loglen = 0;
	int lineno = 0, start = 0, ret;
	ssize_t len;

	memset(m, 0, sizeof(*m));
	if (!f)
		return pvt_fail(e, errno, "%s: cannot open: %s", display, strerror(errno));
	while ((len = getline(&line, &cap, f)) >= 0) {
		char *s, *eq;
		bool cont;

		lineno++;
		if (!logical)
			start = lineno;
		/*
		 * iniparser reads a line into 1024 bytes with its newline (a
		 * continued line with what it continues): longer, and it gives
		 * up on the file without saying where.
		 */
		if (loglen + (size_t)len > PVT_INI_LINE_MAX + 1 ||
		    (loglen + (size_t)len == PVT_INI_LINE_MAX + 1 && line[len - 1] != '\n')) {
			ret = pvt_errf(e, "%s:%d: line longer than %d characters (iniparser's limit)",
				       display, start, PVT_INI_LINE_MAX);
			goto out;
		}
		/* iniparser drops trailing blanks, then a backslash continues the line */
		while (len > 0 && isspace((unsigned char)line[len - 1]))
			line[--len] = '\0';
		cont = len > 0 && line[len - 1] == '\\';
		if (cont)
			line[--len] = '\0';
		logical = pvt_xrealloc(logical, loglen + (size_t)len + 1);
		memcpy(logical + loglen, line, (size_t)len + 1);
		loglen += (size_t)len;
		if (cont)
			continue;
		s = pvt_strip(logical);
		if (!*s || *s == '#' || *s == ';')
			goto next;
		if (*s == '[') {
			size_t n = strlen(s);

			if (s[n - 1] != ']') {
				ret = pvt_errf(e, "%s:%d: malformed section header '%s' (expected [name])",
					 display, start, s);
				goto out;
			}
			s[n - 1] = '\0';
			s = pvt_strip(s + 1);
			if (!valid_name(s)) {
				ret = pvt_errf(e, "%s:%d: bad section name '[%s]' (letters, digits, '_', '.', '-')",
					 display, start, s);
				goto out;
			}
			lower(s);
			free(section);
			section = pvt_xstrdup(s);
			add(m, section, NULL, start);
			goto next;
		}
		eq = strchr(s, '=');
		if (!eq) {
			ret = pvt_errf(e, "%s:%d: expected 'key = value' or '[section]', got '%s'",
				 display, start, s);
			goto out;
		}
		*eq = '\0';
		s = pvt_strip(s);
		if (!valid_key(s)) {
			ret = pvt_errf(e, "%s:%d: bad key '%s'", display, start, s);
			goto out;
		}
		if (!section) {
			ret = pvt_errf(e, "%s:%d: key '%s' outside any [section]", display, start, s);
			goto out;
		}
		lower(s);
		add(m, section, s, start);
next:
		free(logical);
		logical = NULL;
		loglen = 0;
	}
	if (ferror(f)) {
		ret = pvt_fail(e, errno, "%s: read error: %s", display, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	free(line);
	free(logical);
	free(section);
	fclose(f);
	if (ret < 0)
		pvt_linemap_free(m);
	return ret;
}

int pvt_linemap_line(const struct pvt_linemap *m, const char *section, const char *key)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct pvt_linemap_entry *x = &m->e[i];

		if (strcmp(x->section, section) == 0 &&
		    ((!key && !x->key) || (key && x->key && strcmp(x->key, key) == 0)))
			return x->line;
	}
	return 0;
}

void pvt_linemap_free(struct pvt_linemap *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->e[i].section);
		free(m->e[i].key);
	}
	free(m->e);
	m->e = NULL;
	m->n = 0;
}
