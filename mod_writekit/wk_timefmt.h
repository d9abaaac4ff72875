/*
 * wk_timefmt.h: times as authors write them and as readers see them, in
 * the blog's time zone (an IANA name such as Europe/Berlin, read from the
 * system's zoneinfo files; UTC when unset or unknown).
 */
#ifndef WK_TIMEFMT_H
#define WK_TIMEFMT_H

#include "wk_core.h"

/*
 * Parses an RFC 3339 date-time with any offset into UTC, or a bare
 * YYYY-MM-DD as midnight in zone.  Returns WK_EINVAL otherwise.
 */
apr_status_t wk_time_parse_input(apr_time_t *t, const char *value,
                                 const char *zone, apr_pool_t *pool);

/* Returns the offset from UTC in seconds of zone at time t. */
int wk_zone_offset(const char *zone, apr_time_t t, apr_pool_t *pool);

#endif
