/* SPDX-License-Identifier: GPL-2.0-only */
/* output.c: what pvtune-adm prints: reports, lists and profiles, as text or JSON. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "util/json.h"
#include "util/util.h"

static void add(struct adm_out *out, const char *key, struct json_object *v)
{
	if (out->o)
		json_object_object_add(out->o, key, v);
	else
		json_object_put(v);
}

static bool is(const char *cmd, const char *a)
{
	return cmd && strcmp(cmd, a) == 0;
}

void adm_out_begin(struct adm_out *out, bool json, const char *cmd)
{
	out->json = json;
	out->o = json ? json_object_new_object() : NULL;
	if (!json)
		return;
	add(out, "ok", json_object_new_boolean(true));
	add(out, "status", json_object_new_string("ok"));
	add(out, "message", NULL);
	if (is(cmd, "list")) {
		add(out, "profiles", json_object_new_array());
		add(out, "active", NULL);
		add(out, "mode", NULL);
	} else if (is(cmd, "active")) {
		add(out, "active", NULL);
		add(out, "mode", NULL);
	} else if (is(cmd, "profile_mode")) {
		add(out, "mode", NULL);
	} else if (is(cmd, "recommend")) {
		add(out, "recommended", NULL);
	} else if (is(cmd, "version")) {
		add(out, "version", NULL);
	} else if (is(cmd, "profile") || is(cmd, "auto_profile") || is(cmd, "off") ||
		   is(cmd, "verify")) {
		struct json_object *counts = json_object_new_object();

		for (int st = PVT_ST_OK; st <= PVT_ST_FAILED; st++)
			json_object_object_add(counts, pvt_status_name(st), json_object_new_int64(0));
		add(out, "profile", NULL);
		add(out, "items", json_object_new_array());
		add(out, "counts", counts);
	} else if (is(cmd, "profile_info")) {
		add(out, "name", NULL);
		add(out, "summary", NULL);
		add(out, "description", NULL);
		add(out, "chain", json_object_new_array());
		add(out, "files", json_object_new_array());
		add(out, "options", json_object_new_array());
	} else if (is(cmd, "check")) {
		add(out, "profile", NULL);
		add(out, "errors", json_object_new_array());
		add(out, "notes", json_object_new_array());
	} else if (is(cmd, "qemu-args") || is(cmd, "libvirt-xml")) {
		add(out, "profile", NULL);
		add(out, cmd, NULL);
	}
}

int adm_out_end(struct adm_out *out, int code, const char *msg)
{
	if (!out->json) {
		if (code && msg && *msg)
			fprintf(stderr, "pvtune-adm: %s\n", msg);
		return code;
	}
	add(out, "ok", json_object_new_boolean(code == 0));
	add(out, "status", json_object_new_string(adm_exit_name(code)));
	add(out, "message", msg && *msg ? json_object_new_string(msg) : NULL);
	printf("%s\n", json_object_to_json_string_ext(out->o, JSON_C_TO_STRING_PRETTY |
						      JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(out->o);
	out->o = NULL;
	return code;
}

void adm_out_list(struct adm_out *out, const struct pvt_strv *names, const struct pvt_strv *sums,
		  const char *active, const char *mode)
{
	size_t w = 0;

	if (out->json) {
		struct json_object *arr = json_object_new_array();

		for (size_t i = 0; i < names->n; i++) {
			struct json_object *x = json_object_new_object();
			const char *s = sums->v[i];
			bool broken = strncmp(s, ADM_BROKEN, strlen(ADM_BROKEN)) == 0;
			char *err = broken ? pvt_xasprintf("%.*s", (int)(strlen(s) - strlen(ADM_BROKEN) - 1),
							  s + strlen(ADM_BROKEN)) : NULL;

			json_object_object_add(x, "name", json_object_new_string(names->v[i]));
			json_object_object_add(x, "summary", broken ? NULL : json_object_new_string(s));
			json_object_object_add(x, "error", pvt_json_new_string(err));
			json_object_array_add(arr, x);
			free(err);
		}
		add(out, "profiles", arr);
		add(out, "active", pvt_json_new_string(active));
		add(out, "mode", pvt_json_new_string(mode));
		return;
	}
	for (size_t i = 0; i < names->n; i++)
		w = strlen(names->v[i]) > w ? strlen(names->v[i]) : w;
	printf("Available profiles:\n");
	for (size_t i = 0; i < names->n; i++)
		printf("- %-*s - %s\n", (int)(w < 28 ? 28 : w), names->v[i], sums->v[i]);
	if (active)
		printf("Current active profile: %s\n", active);
	else
		printf("No current active profile.\n");
}

void adm_out_active(struct adm_out *out, const char *active, const char *mode)
{
	if (out->json) {
		add(out, "active", pvt_json_new_string(active));
		add(out, "mode", pvt_json_new_string(mode));
	} else if (active) {
		printf("Current active profile: %s\n", active);
	} else {
		printf("No current active profile.\n");
	}
}

void adm_out_value(struct adm_out *out, const char *key, const char *value, const char *text)
{
	if (out->json)
		add(out, key, pvt_json_new_string(value));
	else if (text)
		printf("%s\n", text);
}

/* A column's width: its longest entry, but one longer than this only runs over on its line. */
#define COLUMN_MAX 40

static int width(const struct pvt_report *rep, bool only_changes, int col)
{
	size_t w = 1;

	for (size_t i = 0; i < rep->n; i++) {
		const struct pvt_result *r = &rep->r[i];
		const char *v[] = { r->unit, r->device, r->key ? r->key : r->path, r->expected,
				    r->actual };

		if (only_changes && r->st == PVT_ST_OK)
			continue;
		if (v[col] && strlen(v[col]) > w && strlen(v[col]) <= COLUMN_MAX)
			w = strlen(v[col]);
	}
	return (int)w;
}

void pvt_report_print(FILE *f, const struct pvt_report *rep, bool only_changes)
{
	int w[5];

	for (int c = 0; c < 5; c++)
		w[c] = width(rep, only_changes, c);
	for (size_t i = 0; i < rep->n; i++) {
		const struct pvt_result *r = &rep->r[i];
		const char *what = r->key ? r->key : r->path ? r->path : "";

		if (only_changes && r->st == PVT_ST_OK)
			continue;
		fprintf(f, "%-*s  %-*s  %-*s  expected %-*s  actual %-*s  %s%s%s\n",
			w[0], r->unit ? r->unit : "-", w[1], r->device ? r->device : "-", w[2], what,
			w[3], r->expected ? r->expected : "-", w[4], r->actual ? r->actual : "-",
			pvt_status_name(r->st), r->note ? ": " : "", r->note ? r->note : "");
	}
}

static struct json_object *items_json(const struct pvt_report *rep)
{
	struct json_object *items = json_object_new_array();

	for (size_t i = 0; i < rep->n; i++) {
		const struct pvt_result *r = &rep->r[i];
		struct json_object *x = json_object_new_object();

		json_object_object_add(x, "unit", pvt_json_new_string(r->unit));
		json_object_object_add(x, "device", pvt_json_new_string(r->device));
		json_object_object_add(x, "key", pvt_json_new_string(r->key));
		json_object_object_add(x, "path", pvt_json_new_string(r->path));
		json_object_object_add(x, "expected", pvt_json_new_string(r->expected));
		json_object_object_add(x, "actual", pvt_json_new_string(r->actual));
		json_object_object_add(x, "status", json_object_new_string(pvt_status_name(r->st)));
		json_object_object_add(x, "note", pvt_json_new_string(r->note));
		json_object_array_add(items, x);
	}
	return items;
}

int adm_out_report(struct adm_out *out, const char *profile, int r, const struct pvt_report *rep,
		   const char *done, bool all)
{
	size_t bad = pvt_report_count(rep, PVT_ST_MISMATCH) + pvt_report_count(rep, PVT_ST_FAILED);
	size_t warn = pvt_report_count(rep, PVT_ST_WARN), na = pvt_report_count(rep, PVT_ST_NA);
	int code = adm_exit_code(r);

	if (out->json) {
		struct json_object *counts = json_object_new_object();

		for (int st = PVT_ST_OK; st <= PVT_ST_FAILED; st++)
			json_object_object_add(counts, pvt_status_name(st),
					       json_object_new_int64((int64_t)pvt_report_count(rep, st)));
		add(out, "profile", pvt_json_new_string(profile));
		add(out, "items", items_json(rep));
		add(out, "counts", counts);
		return code;
	}
	pvt_report_print(stdout, rep, !all);
	if (r < 0)
		return code;
	if (r > 0)
		printf("%s failed: %zu item(s) do not hold, %zu warning(s)\n",
		       done, bad, warn);
	else
		printf("%s succeeded: %zu item(s), %zu changed, %zu n/a, %zu warning(s)\n", done,
		       rep->n, pvt_report_count(rep, PVT_ST_CHANGED) +
		       pvt_report_count(rep, PVT_ST_RESTORED), na, warn);
	return code;
}

void adm_out_info(struct adm_out *out, const struct adm_info *info)
{
	const char *sec = "";

	if (out->json) {
		struct json_object *chain = json_object_new_array(), *opts = json_object_new_array();
		struct json_object *files = json_object_new_array();

		add(out, "name", json_object_new_string(info->name));
		add(out, "summary", json_object_new_string(info->summary));
		add(out, "description", json_object_new_string(info->description));
		for (size_t i = 0; i < info->chain.n; i++)
			json_object_array_add(chain, json_object_new_string(info->chain.v[i]));
		add(out, "chain", chain);
		for (size_t i = 0; i < info->files.n; i++)
			json_object_array_add(files, json_object_new_string(info->files.v[i]));
		add(out, "files", files);
		for (size_t i = 0; i < info->nopt; i++) {
			struct json_object *x = json_object_new_object();

			json_object_object_add(x, "section", json_object_new_string(info->opt[i].section));
			json_object_object_add(x, "key", json_object_new_string(info->opt[i].key));
			json_object_object_add(x, "value", json_object_new_string(info->opt[i].value));
			json_object_array_add(opts, x);
		}
		add(out, "options", opts);
		return;
	}
	printf("Profile name: %s\nProfile summary: %s\n", info->name, info->summary);
	if (*info->description)
		printf("Profile description: %s\n", info->description);
	printf("Profile chain:");
	for (size_t i = 0; i < info->chain.n; i++)
		printf(" %s", info->chain.v[i]);
	printf("\nProfile files:\n");
	for (size_t i = 0; i < info->files.n; i++)
		printf("  %s\n", info->files.v[i]);
	printf("Profile options:\n");
	for (size_t i = 0; i < info->nopt; i++) {
		if (strcmp(sec, info->opt[i].section) != 0) {
			sec = info->opt[i].section;
			printf("[%s]\n", sec);
		}
		printf("  %s = %s\n", info->opt[i].key, info->opt[i].value);
	}
}

static char *note_text(const struct pvt_result *r)
{
	/* origin (in path): [section] key=value: note */
	return pvt_xasprintf("%s: [%s] %s=%s: %s (%s)", r->path ? r->path : "-", r->unit,
			     r->key ? r->key : "", r->expected ? r->expected : "",
			     r->note ? r->note : "", pvt_status_name(r->st));
}

void adm_out_check(struct adm_out *out, const char *profile, const struct pvt_errs *errs,
		   const struct pvt_report *notes)
{
	if (out->json) {
		struct json_object *e = json_object_new_array(), *n = json_object_new_array();

		for (size_t i = 0; i < errs->n; i++)
			json_object_array_add(e, json_object_new_string(errs->msg[i]));
		for (size_t i = 0; i < notes->n; i++) {
			char *t = note_text(&notes->r[i]);

			json_object_array_add(n, json_object_new_string(t));
			free(t);
		}
		add(out, "profile", pvt_json_new_string(profile));
		add(out, "errors", e);
		add(out, "notes", n);
		return;
	}
	for (size_t i = 0; i < errs->n; i++)
		printf("%s\n", errs->msg[i]);
	for (size_t i = 0; i < notes->n; i++) {
		char *t = note_text(&notes->r[i]);

		printf("note: %s\n", t);
		free(t);
	}
	if (errs->n)
		printf("%s: %zu error(s); nothing of it would be applied\n", profile ? profile : "-",
		       errs->n);
	else
		printf("%s: no errors\n", profile);
}

void adm_out_text(struct adm_out *out, const char *profile, const char *cmd, const char *text)
{
	if (out->json) {
		add(out, "profile", pvt_json_new_string(profile));
		add(out, cmd, pvt_json_new_string(text));
	} else {
		fputs(text, stdout);
	}
}
