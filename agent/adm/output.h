/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * output.h: what pvtune-adm prints, as text for the terminal or as one JSON
 * object per command. Every JSON answer has "ok", "status" (the exit
 * code's name) and "message" (null when all went well), and then its
 * command's keys, always present (null or empty when it failed); the shapes
 * are in pvtune-adm(8), JSON OUTPUT.
 */
#ifndef PVT_OUTPUT_H
#define PVT_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "adm.h"
#include "engine/report.h"

struct json_object;

/* One answer being made: text is printed as it comes, JSON at adm_out_end(). */
struct adm_out {
	bool json;
	struct json_object *o;
};

/* Begin the answer of command @cmd (NULL: not known) with its keys. */
void adm_out_begin(struct adm_out *out, bool json, const char *cmd);
/*
 * End it with exit code @code and @msg (NULL: none): the JSON object, or
 * with text "pvtune-adm: MSG" on stderr when @code is not 0. Returns @code.
 */
int adm_out_end(struct adm_out *out, int code, const char *msg);

/* list, and profile without a name: names[i] has sums[i]. */
void adm_out_list(struct adm_out *out, const struct pvt_strv *names, const struct pvt_strv *sums,
		  const char *active, const char *mode);
/* active */
void adm_out_active(struct adm_out *out, const char *active, const char *mode);
/* profile_mode, recommend, --version: one value under @key, as text the line @text. */
void adm_out_value(struct adm_out *out, const char *key, const char *value, const char *text);
/*
 * profile, auto_profile, off, verify: the items (text: those not ok unless
 * @all), then what @done came to for the back end's @r. Returns the exit code.
 */
int adm_out_report(struct adm_out *out, const char *profile, int r, const struct pvt_report *rep,
		   const char *done, bool all);
/* profile_info */
void adm_out_info(struct adm_out *out, const struct adm_info *info);
/* check: @errs, and @notes (a report of n/a and warning items). */
void adm_out_check(struct adm_out *out, const char *profile, const struct pvt_errs *errs,
		   const struct pvt_report *notes);
/* qemu-args, libvirt-xml: @text as it is, or under "profile" and @cmd. */
void adm_out_text(struct adm_out *out, const char *profile, const char *cmd, const char *text);

/* The report's lines, columns as wide as their longest entry (only_changes: not ok ones). */
void pvt_report_print(FILE *f, const struct pvt_report *rep, bool only_changes);

#endif
