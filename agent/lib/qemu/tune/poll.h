/* SPDX-License-Identifier: GPL-2.0-only */
/* poll.h: iothread polling set with qom-set. */
#ifndef PVT_QEMU_TUNE_POLL_H
#define PVT_QEMU_TUNE_POLL_H

#include <stdint.h>

#include "qemu/tune/job.h"

/* qom-set /objects/@id @prop to @v; an error fails the item @key. */
void tune_qom_set(struct job *j, const char *id, const char *prop, int64_t v, const char *key);
/* Verify, or apply (originals saved first), the polling of iothread @it. */
void tune_poll(struct job *j, json_object *it);

#endif
