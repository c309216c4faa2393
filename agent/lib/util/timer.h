/* SPDX-License-Identifier: GPL-2.0-only */
/* timer.h: a one-shot timer on sd-event whose set-up cannot be ignored. */
#ifndef PVT_TIMER_H
#define PVT_TIMER_H

#include <systemd/sd-event.h>
#include <time.h>

#include "util/err.h"

/*
 * Call @fn @usec from now (CLOCK_MONOTONIC). 0 or -errno: a timer that was
 * not armed is a wait without end, so the caller must say what then.
 */
PVT_MUST_CHECK static inline int pvt_timer_add(sd_event *ev, sd_event_source **s,
					       uint64_t usec, sd_event_time_handler_t fn,
					       void *userdata)
{
	return sd_event_add_time_relative(ev, s, CLOCK_MONOTONIC, usec, 0, fn, userdata);
}

#endif
