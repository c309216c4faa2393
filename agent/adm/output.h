/* output.h: reports and lists as text for the terminal or as JSON. */
#ifndef PVT_OUTPUT_H
#define PVT_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "engine/report.h"

/* One line per item: "unit device key: expected X, actual Y [status]". */
void pvt_report_print(FILE *f, const struct pvt_report *rep, bool only_changes);
/* {"ok":..., "items":[{unit,device,key,path,expected,actual,status,note}]} */
char *pvt_report_json(const struct pvt_report *rep, bool ok, const char *message);

#endif
