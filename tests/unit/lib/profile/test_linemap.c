/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_linemap.c: linemap (the line of every section and key) against
 * iniparser (the parser), fed the same files: they find the same sections
 * and keys, the line linemap names holds the value iniparser gives, and a
 * line too long for iniparser is refused by linemap too, with its number.
 * The table below also pins what iniparser makes of the forms a profile
 * writer may trip on: ';' and '#' start a comment in an unquoted value,
 * quotes are taken off, a backslash continues the line.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <iniparser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake.h"
#include "profile/ini.h"
#include "profile/linemap.h"
#include "util/util.h"

#define LONG_VALUE_LEN 1000

/* The corpus, one physical line per entry; @LONG@ is a value of LONG_VALUE_LEN x's. */
static const char *const corpus[] = {
	/*  1 */ "# a comment",
	/*  2 */ "; a comment too",
	/*  3 */ "[Main]",
	/*  4 */ "summary = A profile; with a semicolon",
	/*  5 */ "description = \"quoted ; and # kept\"",
	/*  6 */ "Key.With.Dots = v1",
	/*  7 */ "",
	/*  8 */ "[disk.pv]",
	/*  9 */ "devices = pvd* !pvdb  # the rest is a comment",
	/* 10 */ "elevator = 'none'",
	/* 11 */ "empty =",
	/* 12 */ "empty_quotes = \"\"",
	/* 13 */ "empty_comment = ;c",
	/* 14 */ "long = @LONG@",
	/* 15 */ "cont = first \\",
	/* 16 */ "   second",
	/* 17 */ "cont_blank = a \\   ",
	/* 18 */ "  b",
	/* 19 */ "UPPER = Case",
	/* 20 */ "dup = 1",
	/* 21 */ "[variables]",
	/* 22 */ "x = ${y}",
	/* 23 */ "[disk.pv]",
	/* 24 */ "dup = 2",
	/* 25 */ "spaces   =    around   ",
	/* 26 */ "hash = a#b",
	/* 27 */ "quote_mid = a \"b\" c",
	/* 28 */ "[ spaced.section ]",
	/* 29 */ "k = v",
};

/* What each key comes to: iniparser's value, and the line linemap names. */
static const struct {
	const char *key;	/* "section:key" */
	const char *value;	/* NULL: the long value */
	int line;
} want[] = {
	{ "main:summary", "A profile", 4 },
	{ "main:description", "quoted ; and # kept", 5 },
	{ "main:key.with.dots", "v1", 6 },
	{ "disk.pv:devices", "pvd* !pvdb", 9 },
	{ "disk.pv:elevator", "none", 10 },
	{ "disk.pv:empty", "", 11 },
	{ "disk.pv:empty_quotes", "", 12 },
	{ "disk.pv:empty_comment", "", 13 },
	{ "disk.pv:long", NULL, 14 },
	{ "disk.pv:cont", "first    second", 15 },
	{ "disk.pv:cont_blank", "a   b", 17 },
	{ "disk.pv:upper", "Case", 19 },
	{ "disk.pv:dup", "2", 24 },		/* the last one, in both */
	{ "variables:x", "${y}", 22 },
	{ "disk.pv:spaces", "around", 25 },
	{ "disk.pv:hash", "a", 26 },
	{ "disk.pv:quote_mid", "a \"b\" c", 27 },
	{ "spaced.section:k", "v", 29 },
};

static const char *const sections[] = { "main", "disk.pv", "variables", "spaced.section" };

static char *long_value(void)
{
	char *v = pvt_xmalloc(LONG_VALUE_LEN + 1);

	memset(v, 'x', LONG_VALUE_LEN);
	v[LONG_VALUE_LEN] = '\0';
	return v;
}

/* Write the corpus to @root/@name; returns the real path. */
static char *write_corpus(const char *root, const char *name)
{
	char *text = pvt_xstrdup(""), *lv = long_value(), *path;

	for (size_t i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++) {
		const char *l = strcmp(corpus[i], "long = @LONG@") ? corpus[i] : NULL;
		char *t = l ? pvt_xasprintf("%s%s\n", text, l) :
			      pvt_xasprintf("%slong = %s\n", text, lv);

		free(text);
		text = t;
	}
	path = pvt_xasprintf("/%s", name);
	fake_write(root, path, text);	/* adds one more newline: an empty last line */
	free(path);
	free(text);
	free(lv);
	return pvt_rooted(root, name);
}

/* The logical line that starts at physical line @line: continuations joined as iniparser does. */
static char *logical_line(const char *path, int line)
{
	FILE *f = fopen(path, "r");
	char buf[4096], *out = pvt_xstrdup("");
	int n = 0;

	assert_non_null(f);
	while (fgets(buf, sizeof(buf), f)) {
		size_t len = strlen(buf);
		char *t;
		bool cont;

		if (++n < line)
			continue;
		while (len > 0 && isspace((unsigned char)buf[len - 1]))
			buf[--len] = '\0';
		cont = len > 0 && buf[len - 1] == '\\';
		if (cont)
			buf[--len] = '\0';
		t = pvt_xasprintf("%s%s", out, buf);
		free(out);
		out = t;
		if (!cont)
			break;
	}
	fclose(f);
	return out;
}

static void test_agrees_with_iniparser(void **state)
{
	struct fake_env *t = *state;
	char *path = write_corpus(t->root, "corpus.ini"), *lv = long_value();
	struct pvt_ini ini;
	struct pvt_err e;
	size_t nkeys = 0;

	assert_int_equal(pvt_ini_load(path, &ini, &e), 0);
	/* the same sections */
	assert_int_equal(iniparser_getnsec(ini.d), (int)(sizeof(sections) / sizeof(sections[0])));
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		assert_string_equal(iniparser_getsecname(ini.d, (int)i), sections[i]);
		assert_int_not_equal(pvt_linemap_line(&ini.m, sections[i], NULL), 0);
	}
	/* every key iniparser has: linemap has it, at a line that holds its value */
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		int n = iniparser_getsecnkeys(ini.d, sections[i]);
		const char **keys = pvt_xcalloc((size_t)n + 1, sizeof(*keys));

		iniparser_getseckeys(ini.d, sections[i], keys);
		for (int k = 0; k < n; k++) {
			const char *key = strchr(keys[k], ':') + 1;
			int line = pvt_linemap_line(&ini.m, sections[i], key);
			char *text;

			if (!line)
				fail_msg("linemap lacks %s", keys[k]);
			text = logical_line(path, line);
			if (!strstr(text, iniparser_getstring(ini.d, keys[k], "?")))
				fail_msg("%s: line %d '%s' lacks iniparser's value '%s'", keys[k], line,
					 text, iniparser_getstring(ini.d, keys[k], "?"));
			free(text);
		}
		nkeys += (size_t)n;
		free(keys);
	}
	/* every key linemap has: iniparser has it */
	for (size_t i = 0; i < ini.m.n; i++) {
		char *full;

		if (!ini.m.e[i].key)
			continue;
		full = pvt_xasprintf("%s:%s", ini.m.e[i].section, ini.m.e[i].key);
		if (!iniparser_find_entry(ini.d, full))
			fail_msg("iniparser lacks %s (linemap: line %d)", full, ini.m.e[i].line);
		free(full);
		nkeys--;
	}
	assert_int_equal(nkeys, 0);
	/* and the table: each value, each line */
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		char *sec = pvt_xstrdup(want[i].key);
		char *key = strchr(sec, ':');

		*key++ = '\0';
		assert_string_equal(iniparser_getstring(ini.d, want[i].key, "?"),
				    want[i].value ? want[i].value : lv);
		assert_int_equal(pvt_linemap_line(&ini.m, sec, key), want[i].line);
		free(sec);
	}
	assert_int_equal(pvt_linemap_line(&ini.m, "disk.pv", NULL), 8);	/* its first header */
	pvt_ini_free(&ini);
	free(lv);
	free(path);
}

/* A file whose line 2 is "k = " and @n characters; NULL if it has more lines. */
static char *one_key(const char *root, size_t n, const char *more)
{
	char *v = pvt_xmalloc(n + 1), *text;

	memset(v, 'y', n);
	v[n] = '\0';
	text = pvt_xasprintf("[a]\nk = %s%s", v, more ? more : "");
	free(v);
	fake_write(root, "/line.ini", text);
	free(text);
	return pvt_rooted(root, "/line.ini");
}

static void test_long_lines(void **state)
{
	struct fake_env *t = *state;
	const size_t fits = PVT_INI_LINE_MAX - strlen("k = ");
	struct pvt_linemap m;
	struct pvt_err e;
	dictionary *d;
	char *path;

	/* the longest line iniparser reads: both take it */
	path = one_key(t->root, fits, NULL);
	d = iniparser_load(path);
	assert_non_null(d);
	assert_int_equal(strlen(iniparser_getstring(d, "a:k", "")), fits);
	iniparser_freedict(d);
	assert_int_equal(pvt_linemap_read(path, "line.ini", &m, &e), 0);
	assert_int_equal(pvt_linemap_line(&m, "a", "k"), 2);
	pvt_linemap_free(&m);
	free(path);
	/* one more: iniparser gives up on the file; linemap says where and why */
	path = one_key(t->root, fits + 1, NULL);
	assert_null(iniparser_load(path));
	assert_int_equal(pvt_linemap_read(path, "line.ini", &m, &e), -EINVAL);
	assert_string_equal(e.msg, "line.ini:2: line longer than 1022 characters (iniparser's limit)");
	free(path);
	/* a continued line counts whole */
	path = one_key(t->root, fits - 10, " \\\n0123456789ab");
	assert_null(iniparser_load(path));
	assert_int_equal(pvt_linemap_read(path, "line.ini", &m, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "line.ini:2: line longer than"));
	free(path);
	path = one_key(t->root, fits - 10, " \\\n012345678");
	d = iniparser_load(path);
	assert_non_null(d);
	iniparser_freedict(d);
	assert_int_equal(pvt_linemap_read(path, "line.ini", &m, &e), 0);
	pvt_linemap_free(&m);
	free(path);
}

static void test_linemap(void **state)
{
	struct fake_env *t = *state;
	struct pvt_linemap m;
	struct pvt_err e;
	char *path = pvt_rooted(t->root, "/x.ini");

	fake_write(t->root, "/x.ini", "[A]\nK1=1\n\n[b.c]\nk2 = 2\nk1=3\n[a]\nK1=again\n");
	assert_int_equal(pvt_linemap_read(path, "x.ini", &m, &e), 0);
	assert_int_equal(pvt_linemap_line(&m, "a", NULL), 1);
	/* iniparser keeps the last value of a repeated key: so does the map */
	assert_int_equal(pvt_linemap_line(&m, "a", "k1"), 8);
	assert_int_equal(pvt_linemap_line(&m, "b.c", "k2"), 5);
	assert_int_equal(pvt_linemap_line(&m, "b.c", "k1"), 6);
	assert_int_equal(pvt_linemap_line(&m, "b.c", "zz"), 0);
	pvt_linemap_free(&m);
	free(path);
}

static int setup(void **state)
{
	*state = fake_env_new();
	return 0;
}

static int teardown(void **state)
{
	fake_env_free(*state);
	return 0;
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_linemap), T(test_agrees_with_iniparser), T(test_long_lines),
	};

	return cmocka_run_group_tests_name("linemap", tests, NULL, NULL);
}
