/* SPDX-License-Identifier: GPL-2.0-only */
/* linemap.c: INI syntax pre-pass recording the line of each section and key. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
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

/* Where a syntax error goes: the list (and the lines to skip), or the first one fails. */
struct reader {
	struct pvt_linemap *m;
	struct pvt_errs *all;	/* NULL: stop at the first */
	struct pvt_err *e;
	int nerr;
};

static void skip_lines(struct pvt_linemap *m, int from, int to)
{
	for (int l = from; l <= to; l++) {
		m->skip = pvt_xrealloc(m->skip, (m->nskip + 1) * sizeof(*m->skip));
		m->skip[m->nskip++] = l;
	}
}

/* A syntax error on lines @from..@to: 0 to go on (collecting), else -EINVAL. */
static int syntax_error(struct reader *r, int from, int to, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int syntax_error(struct reader *r, int from, int to, const char *fmt, ...)
{
	struct pvt_err tmp;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp.msg, sizeof(tmp.msg), fmt, ap);
	va_end(ap);
	r->nerr++;
	if (!r->all)
		return pvt_errf(r->e, "%s", tmp.msg);
	pvt_errs_add(r->all, -EINVAL, &tmp);
	skip_lines(r->m, from, to);
	return 0;
}

static int read_lines(const char *path, const char *display, struct reader *r)
{
	struct pvt_linemap *m = r->m;
	FILE *f = fopen(path, "re");
	char *line = NULL, *logical = NULL, *section = NULL;
	size_t cap = 0, loglen = 0;
	int lineno = 0, start = 0, ret = 0;
	bool lost = false;	/* keys under a malformed header belong to no section */
	ssize_t len;

	memset(m, 0, sizeof(*m));
	if (!f)
		return pvt_fail(r->e, errno, "%s: cannot open: %s", display, strerror(errno));
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
			int end = lineno;

			/* the rest of this logical line goes with it */
			while (len > 0 && line[len - 1] == '\n')
				line[--len] = '\0';
			while (len > 0 && isspace((unsigned char)line[len - 1]))
				line[--len] = '\0';
			while (len > 0 && line[len - 1] == '\\' && (len = getline(&line, &cap, f)) >= 0) {
				lineno++;
				end = lineno;
				while (len > 0 && isspace((unsigned char)line[len - 1]))
					line[--len] = '\0';
			}
			ret = syntax_error(r, start, end, "%s:%d: line longer than %d characters (iniparser's limit)",
					   display, start, PVT_INI_LINE_MAX);
			if (ret < 0)
				goto out;
			goto next;
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

			free(section);
			section = NULL;
			lost = true;
			if (s[n - 1] != ']') {
				ret = syntax_error(r, start, lineno, "%s:%d: malformed section header '%s' (expected [name])",
						   display, start, s);
				if (ret < 0)
					goto out;
				goto next;
			}
			s[n - 1] = '\0';
			s = pvt_strip(s + 1);
			if (!valid_name(s)) {
				ret = syntax_error(r, start, lineno, "%s:%d: bad section name '[%s]' (letters, digits, '_', '.', '-')",
						   display, start, s);
				if (ret < 0)
					goto out;
				goto next;
			}
			lower(s);
			section = pvt_xstrdup(s);
			lost = false;
			add(m, section, NULL, start);
			goto next;
		}
		if (lost) {	/* under a header already reported */
			skip_lines(m, start, lineno);
			goto next;
		}
		eq = strchr(s, '=');
		if (!eq) {
			ret = syntax_error(r, start, lineno, "%s:%d: expected 'key = value' or '[section]', got '%s'",
					   display, start, s);
			if (ret < 0)
				goto out;
			goto next;
		}
		*eq = '\0';
		s = pvt_strip(s);
		if (!valid_key(s))
			ret = syntax_error(r, start, lineno, "%s:%d: bad key '%s'", display, start, s);
		else if (!section)
			ret = syntax_error(r, start, lineno, "%s:%d: key '%s' outside any [section]",
					   display, start, s);
		else {
			lower(s);
			add(m, section, s, start);
		}
		if (ret < 0)
			goto out;
next:
		free(logical);
		logical = NULL;
		loglen = 0;
	}
	if (ferror(f))
		ret = pvt_fail(r->e, errno, "%s: read error: %s", display, strerror(errno));
out:
	free(line);
	free(logical);
	free(section);
	fclose(f);
	if (ret < 0)
		pvt_linemap_free(m);
	return ret;
}

int pvt_linemap_read(const char *path, const char *display, struct pvt_linemap *m,
		     struct pvt_err *e)
{
	struct reader r = { .m = m, .e = e };

	return read_lines(path, display, &r);
}

int pvt_linemap_read_all(const char *path, const char *display, struct pvt_linemap *m,
			 struct pvt_errs *syntax, struct pvt_err *e)
{
	struct reader r = { .m = m, .all = syntax, .e = e };
	int ret = read_lines(path, display, &r);

	return ret < 0 ? ret : r.nerr;
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
	free(m->skip);
	m->e = NULL;
	m->n = 0;
	m->skip = NULL;
	m->nskip = 0;
}
