/*
 * wk_timefmt.h: times as authors write them and as readers see them, in
 * the blog's time zone (an IANA name such as Europe/Berlin, read from the
 * system's zoneinfo files; UTC when unset, invalid or unknown).
 *
 * Nothing is cached between calls, so every function here is safe to call
 * from several threads at once.  The price is that each call that names a
 * zone reads its TZif file (about 2 KB) again.  A caller that needs many
 * offsets, such as a page listing many posts, should load the zone once
 * with wk_zone_load() and call wk_zone_offset_at().
 */
#ifndef WK_TIMEFMT_H
#define WK_TIMEFMT_H

#include "wk_core.h"

/* Where zone files are read from. */
#ifndef WK_ZONEINFO_DIR
#define WK_ZONEINFO_DIR "/usr/share/zoneinfo"
#endif

/*
 * Parses an RFC 3339 date-time with any offset (Z, +hh:mm, -hh:mm, with
 * or without fractional seconds, 'T' or a space between date and time)
 * into UTC, or a bare YYYY-MM-DD as midnight in zone.  A date-time without
 * an offset, an impossible date (2024-02-30) or time (25:00:00) and
 * trailing text are WK_EINVAL.  When midnight falls in the gap of a DST
 * change, the result is the first instant after the gap.  When midnight
 * occurs twice, the result is the earlier one.  An invalid or unknown
 * zone is taken as UTC.
 */
apr_status_t wk_time_parse_input(apr_time_t *t, const char *value,
                                 const char *zone, apr_pool_t *pool);

/* Returns the offset from UTC in seconds of zone at time t; 0 for an
 * invalid or unknown zone. */
int wk_zone_offset(const char *zone, apr_time_t t, apr_pool_t *pool);

/* A parsed time zone, allocated on the pool that loaded it. */
typedef struct wk_zone wk_zone_t;

/*
 * Loads zone name from WK_ZONEINFO_DIR.  "UTC", NULL and "" need no file.
 * Returns WK_EINVAL for a name that is not a zone name (a leading '/', a
 * "..", characters other than letters, digits and "/_+-."), APR_NOTFOUND
 * when no such file exists, and WK_ECORRUPT when the file is not TZif.
 * The settings endpoint can use it to check a time zone before saving it.
 */
apr_status_t wk_zone_load(wk_zone_t **zone, const char *name,
                          apr_pool_t *pool);

/* Parses the TZif data (RFC 8536, versions 1 to 4) of a zone file;
 * WK_ECORRUPT when it is not valid TZif. */
apr_status_t wk_zone_parse(wk_zone_t **zone, const unsigned char *data,
                           apr_size_t len, apr_pool_t *pool);

/* Returns the offset from UTC in seconds of a loaded zone at time t. */
int wk_zone_offset_at(const wk_zone_t *zone, apr_time_t t);

#endif
