/* output.h: reports and lists as text for the terminal or as JSON. */
#ifndef PVT_OUTPUT_H
#define PVT_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "adm.h"
#include "engine/report.h"

/* One line per item: "unit device key: expected X, actual Y [status]". */
void pvt_report_print(FILE *f, const struct pvt_report *rep, bool only_changes);
/* {"ok":..., "items":[{unit,device,key,path,expected,actual,status,note}]} */
char *pvt_report_json(const struct pvt_report *rep, bool ok, const char *message);

/* An error: {"ok":false,"message":...} with --json, else on stderr. */
void adm_print_error(bool json, const char *msg);
/* `list`: names[i] has sums[i]; @active may be NULL. */
void adm_print_list(bool json, const struct pvt_strv *names, const struct pvt_strv *sums,
		    const char *active);
/* `active` (@name NULL: none) or `recommend`. */
void adm_print_name(bool json, bool recommend, const char *name);
/*
 * `profile`, `off`, `verify`: the items (@all: also those ok), then what
 * @done came to; @r and @err as the back end returned them. Returns the
 * exit status.
 */
int adm_print_report(bool json, int r, const struct pvt_report *rep, const char *err,
		     const char *done, bool all);
/* `profile_info`. */
void adm_print_info(bool json, const struct adm_info *info);
/* `qemu-args`, `libvirt-xml`: @out as it is, or {"profile":..., CMD: out}. */
void adm_print_text(bool json, const char *profile, const char *cmd, const char *out);

#endif
