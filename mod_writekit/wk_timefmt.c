/*
 * wk_timefmt.c: RFC 3339 input and IANA time zones from TZif files.
 *
 * The TZif format (RFC 8536) is read here directly rather than through
 * the C library's localtime_r(), whose zone is the process's TZ and so
 * cannot serve two blogs with different zones at once.  A zone is a list
 * of transition times, each naming a local time type (offset and DST
 * flag), and for version 2 and later files a POSIX TZ string that gives
 * the rule after the last transition.  Debian's files list transitions up
 * to 2037; "slim" files elsewhere stop much earlier and rely on the rule.
 */
#include <stdlib.h>
#include <string.h>

#include <apr_file_io.h>
#include <apr_lib.h>

#include "wk_timefmt.h"

#define SECONDS_PER_DAY 86400
/* Real TZif files are under 4 KB; the cap only bounds a hostile file. */
#define TZIF_MAX_BYTES  (256 * 1024)

typedef struct zone_type {
    int offset;          /* seconds east of UTC */
    int is_dst;
} zone_type_t;

/* When DST starts or ends in a year, from a POSIX TZ string. */
typedef struct rule_date {
    char kind;           /* 'M' month.week.day, 'J' Julian 1-365, 'D' 0-365 */
    int month, week, day;
    int time;            /* local seconds after midnight, may be < 0 */
} rule_date_t;

typedef struct posix_rule {
    int std_offset;      /* seconds east of UTC */
    int has_dst;
    int dst_offset;
    rule_date_t start, end;
} posix_rule_t;

struct wk_zone {
    apr_int64_t *times;  /* transition times, ascending, Unix seconds */
    unsigned char *type_of;  /* type index of each transition */
    int count;
    zone_type_t *types;
    int type_count;
    int has_rule;
    posix_rule_t rule;
};

static const wk_zone_t utc_zone = { NULL, NULL, 0, NULL, 0, 0, { 0 } };

/* Days in month (1-12) of year, by the proleptic Gregorian calendar. */
static int month_days(apr_int64_t year, int month)
{
    static const int days[12] = { 31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31 };
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

    return month == 2 && leap ? 29 : days[month - 1];
}

/*
 * Returns the days from 1970-01-01 to year-month-day.  The year is shifted
 * to start in March, so the leap day is the last day of its year and each
 * 400-year era has the same 146097 days.
 */
static apr_int64_t days_from_date(apr_int64_t year, int month, int day)
{
    apr_int64_t era, year_of_era, day_of_year, day_of_era;

    year -= month <= 2;
    era = (year >= 0 ? year : year - 399) / 400;
    year_of_era = year - era * 400;
    day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5
                  + day - 1;
    day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100
                 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

/* Returns the proleptic Gregorian year that contains the Unix day. */
static apr_int64_t year_of_day(apr_int64_t days)
{
    apr_int64_t year = 1970 + days / 366;

    /* The estimate is at most a few years off; walk to the right one. */
    while (days_from_date(year + 1, 1, 1) <= days)
        year++;
    while (days_from_date(year, 1, 1) > days)
        year--;
    return year;
}

static apr_int64_t floor_div(apr_int64_t a, apr_int64_t b)
{
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/* --- POSIX TZ strings ------------------------------------------------- */

/* Skips a zone abbreviation: letters, or anything between < and >. */
static int tz_name_skip(const char **p)
{
    const char *start = *p;

    if (**p == '<') {
        while (**p && **p != '>')
            (*p)++;
        if (**p != '>')
            return 0;
        (*p)++;
        return *p - start >= 3;
    }
    while (apr_isalpha((unsigned char)**p))
        (*p)++;
    return *p - start >= 3;
}

/* Reads [+-]hh[:mm[:ss]] with up to three hour digits, as seconds. */
static int tz_hms_read(const char **p, int *seconds)
{
    int sign = 1, part[3] = { 0, 0, 0 }, i, digits;

    if (**p == '+' || **p == '-')
        sign = *(*p)++ == '-' ? -1 : 1;
    for (i = 0; i < 3; i++) {
        if (i > 0) {
            if (**p != ':')
                break;
            (*p)++;
        }
        for (digits = 0; apr_isdigit((unsigned char)**p) && digits < 3;
             digits++)
            part[i] = part[i] * 10 + (*(*p)++ - '0');
        if (digits == 0)
            return 0;
    }
    *seconds = sign * (part[0] * 3600 + part[1] * 60 + part[2]);
    return 1;
}

static int tz_number_read(const char **p, int *value)
{
    int digits = 0;

    *value = 0;
    while (apr_isdigit((unsigned char)**p) && digits < 4) {
        *value = *value * 10 + (*(*p)++ - '0');
        digits++;
    }
    return digits > 0;
}

/* Reads Mm.w.d, Jn or n, with an optional /time (default 02:00:00). */
static int tz_date_read(const char **p, rule_date_t *date)
{
    date->time = 7200;
    if (**p == 'M') {
        (*p)++;
        date->kind = 'M';
        if (!tz_number_read(p, &date->month) || *(*p)++ != '.'
            || !tz_number_read(p, &date->week) || *(*p)++ != '.'
            || !tz_number_read(p, &date->day))
            return 0;
        if (date->month < 1 || date->month > 12 || date->week < 1
            || date->week > 5 || date->day > 6)
            return 0;
    }
    else if (**p == 'J') {
        (*p)++;
        date->kind = 'J';
        if (!tz_number_read(p, &date->day) || date->day < 1
            || date->day > 365)
            return 0;
    }
    else {
        date->kind = 'D';
        if (!tz_number_read(p, &date->day) || date->day > 365)
            return 0;
    }
    if (**p == '/') {
        (*p)++;
        return tz_hms_read(p, &date->time);
    }
    return 1;
}

/*
 * Parses a POSIX TZ string such as "CET-1CEST,M3.5.0,M10.5.0/3".  Its
 * offsets count west of UTC, the opposite of TZif's.  A DST name without
 * rules gets the US rules, as POSIX leaves it to the implementation.
 */
static int posix_rule_parse(posix_rule_t *rule, const char *text)
{
    const char *p = text;
    int west;

    memset(rule, 0, sizeof(*rule));
    if (!tz_name_skip(&p) || !tz_hms_read(&p, &west))
        return 0;
    rule->std_offset = -west;
    if (*p == '\0')
        return 1;

    if (!tz_name_skip(&p))
        return 0;
    rule->has_dst = 1;
    rule->dst_offset = rule->std_offset + 3600;
    if (*p != ',' && *p != '\0') {
        if (!tz_hms_read(&p, &west))
            return 0;
        rule->dst_offset = -west;
    }
    if (*p == '\0')
        p = ",M3.2.0,M11.1.0";
    if (*p++ != ',' || !tz_date_read(&p, &rule->start) || *p++ != ','
        || !tz_date_read(&p, &rule->end))
        return 0;
    return *p == '\0';
}

/* Returns the local seconds since 1970 at which date falls in year. */
static apr_int64_t rule_date_local(const rule_date_t *date, apr_int64_t year)
{
    apr_int64_t days;

    if (date->kind == 'J') {
        /* Julian 1-365 never counts February 29. */
        days = days_from_date(year, 1, 1) + date->day - 1;
        if (date->day >= 60 && month_days(year, 2) == 29)
            days++;
    }
    else if (date->kind == 'D')
        days = days_from_date(year, 1, 1) + date->day;
    else {
        apr_int64_t first = days_from_date(year, date->month, 1);
        /* 1970-01-01 was a Thursday, day 4 with Sunday as 0. */
        int weekday = (int)((first % 7 + 7 + 4) % 7);
        int mday = 1 + (date->day - weekday + 7) % 7 + (date->week - 1) * 7;

        while (mday > month_days(year, date->month))
            mday -= 7;
        days = first + mday - 1;
    }
    return days * SECONDS_PER_DAY + date->time;
}

/* Returns the offset of a POSIX rule at Unix time t. */
static int posix_rule_offset(const posix_rule_t *rule, apr_int64_t t)
{
    apr_int64_t year, start, end;
    int in_dst;

    if (!rule->has_dst)
        return rule->std_offset;
    year = year_of_day(floor_div(t + rule->std_offset, SECONDS_PER_DAY));
    /* The start is written in standard time, the end in DST. */
    start = rule_date_local(&rule->start, year) - rule->std_offset;
    end = rule_date_local(&rule->end, year) - rule->dst_offset;
    if (start < end)
        in_dst = t >= start && t < end;
    else
        in_dst = !(t >= end && t < start);    /* southern hemisphere */
    return in_dst ? rule->dst_offset : rule->std_offset;
}

/* --- TZif -------------------------------------------------------------- */

static apr_int64_t be_read(const unsigned char *p, int size)
{
    apr_uint64_t v = 0;
    int i;

    for (i = 0; i < size; i++)
        v = v << 8 | p[i];
    if (size == 4)
        return (apr_int32_t)(apr_uint32_t)v;
    return (apr_int64_t)v;
}

/* The six counts of a TZif header, in file order. */
typedef struct tzif_counts {
    apr_uint32_t isut, isstd, leap, time, type, chars;
} tzif_counts_t;

static int tzif_header_read(tzif_counts_t *counts, const unsigned char *data,
                            apr_size_t len)
{
    if (len < 44 || memcmp(data, "TZif", 4) != 0)
        return 0;
    counts->isut = (apr_uint32_t)be_read(data + 20, 4);
    counts->isstd = (apr_uint32_t)be_read(data + 24, 4);
    counts->leap = (apr_uint32_t)be_read(data + 28, 4);
    counts->time = (apr_uint32_t)be_read(data + 32, 4);
    counts->type = (apr_uint32_t)be_read(data + 36, 4);
    counts->chars = (apr_uint32_t)be_read(data + 40, 4);
    return counts->type >= 1 && counts->type <= 256
           && counts->time <= TZIF_MAX_BYTES && counts->leap <= TZIF_MAX_BYTES
           && counts->chars <= TZIF_MAX_BYTES
           && counts->isut <= counts->type && counts->isstd <= counts->type;
}

/* Returns the size of a data block after its header, time_size being 4
 * (version 1) or 8. */
static apr_size_t tzif_block_size(const tzif_counts_t *c, int time_size)
{
    return (apr_size_t)c->time * (apr_size_t)(time_size + 1)
           + (apr_size_t)c->type * 6 + c->chars
           + (apr_size_t)c->leap * (apr_size_t)(time_size + 4)
           + c->isstd + c->isut;
}

/* Reads transitions and types from the data block at data. */
static int tzif_block_read(wk_zone_t *zone, const tzif_counts_t *c,
                           const unsigned char *data, int time_size,
                           apr_pool_t *pool)
{
    const unsigned char *indexes = data + (apr_size_t)c->time * time_size;
    const unsigned char *infos = indexes + c->time;
    apr_uint32_t i;

    zone->count = (int)c->time;
    zone->times = apr_palloc(pool, sizeof(*zone->times) * (c->time + 1));
    zone->type_of = apr_palloc(pool, c->time + 1);
    for (i = 0; i < c->time; i++) {
        zone->times[i] = be_read(data + (apr_size_t)i * time_size, time_size);
        zone->type_of[i] = indexes[i];
        if (indexes[i] >= c->type || (i > 0 && zone->times[i]
                                                < zone->times[i - 1]))
            return 0;
    }

    zone->type_count = (int)c->type;
    zone->types = apr_palloc(pool, sizeof(*zone->types) * c->type);
    for (i = 0; i < c->type; i++) {
        apr_int64_t offset = be_read(infos + i * 6, 4);

        if (offset < -89999 || offset > 93599)   /* RFC 8536, 3.2 */
            return 0;
        zone->types[i].offset = (int)offset;
        zone->types[i].is_dst = infos[i * 6 + 4] != 0;
    }
    return 1;
}

/*
 * Parses a TZif file.  Version 1 files have only 32-bit times.  Later
 * versions repeat the data with 64-bit times after a second header and
 * end with the POSIX TZ string between newlines.
 */
static int tzif_parse(wk_zone_t *zone, const unsigned char *data,
                      apr_size_t len, apr_pool_t *pool)
{
    tzif_counts_t counts;
    apr_size_t size, pos;
    const char *footer, *footer_end;

    if (!tzif_header_read(&counts, data, len))
        return 0;
    size = tzif_block_size(&counts, 4);
    if (data[4] == '\0') {
        return 44 + size <= len
               && tzif_block_read(zone, &counts, data + 44, 4, pool);
    }

    pos = 44 + size;
    if (pos > len || !tzif_header_read(&counts, data + pos, len - pos))
        return 0;
    size = tzif_block_size(&counts, 8);
    if (pos + 44 + size > len
        || !tzif_block_read(zone, &counts, data + pos + 44, 8, pool))
        return 0;

    pos += 44 + size;
    if (pos + 1 >= len || data[pos] != '\n')
        return 1;
    footer = (const char *)data + pos + 1;
    footer_end = memchr(footer, '\n', len - pos - 1);
    if (footer_end != NULL && footer_end > footer)
        zone->has_rule = posix_rule_parse(&zone->rule,
            apr_pstrmemdup(pool, footer, (apr_size_t)(footer_end - footer)));
    return 1;
}

apr_status_t wk_zone_parse(wk_zone_t **out, const unsigned char *data,
                           apr_size_t len, apr_pool_t *pool)
{
    wk_zone_t *zone = apr_pcalloc(pool, sizeof(*zone));

    if (!tzif_parse(zone, data, len, pool))
        return WK_ECORRUPT;
    *out = zone;
    return APR_SUCCESS;
}

/* Accepts names like Europe/Berlin, Etc/GMT+5 and America/Port-au-Prince. */
static int zone_name_valid(const char *name)
{
    const char *c;

    if (*name == '/' || strstr(name, "..") != NULL || strlen(name) > 255)
        return 0;
    for (c = name; *c; c++) {
        if (!apr_isalnum((unsigned char)*c) && strchr("/_+-.", *c) == NULL)
            return 0;
    }
    return 1;
}

static apr_status_t zone_file_read(unsigned char **data, apr_size_t *len,
                                   const char *path, apr_pool_t *pool)
{
    apr_file_t *file;
    apr_finfo_t finfo;
    apr_status_t rv;

    rv = apr_file_open(&file, path, APR_FOPEN_READ, APR_FPROT_OS_DEFAULT,
                       pool);
    if (rv != APR_SUCCESS)
        return APR_STATUS_IS_ENOENT(rv) || APR_STATUS_IS_ENOTDIR(rv)
               ? APR_NOTFOUND : rv;
    rv = apr_file_info_get(&finfo, APR_FINFO_SIZE | APR_FINFO_TYPE, file);
    if (rv == APR_SUCCESS && (finfo.filetype != APR_REG
                              || finfo.size > TZIF_MAX_BYTES))
        rv = WK_ECORRUPT;
    if (rv == APR_SUCCESS) {
        *len = (apr_size_t)finfo.size;
        *data = apr_palloc(pool, *len + 1);
        rv = apr_file_read_full(file, *data, *len, NULL);
    }
    apr_file_close(file);
    return rv;
}

apr_status_t wk_zone_load(wk_zone_t **out, const char *name,
                          apr_pool_t *pool)
{
    unsigned char *data;
    apr_size_t len;
    apr_status_t rv;

    if (name == NULL || *name == '\0' || strcmp(name, "UTC") == 0) {
        *out = (wk_zone_t *)&utc_zone;
        return APR_SUCCESS;
    }
    if (!zone_name_valid(name))
        return WK_EINVAL;

    rv = zone_file_read(&data, &len, apr_pstrcat(pool, WK_ZONEINFO_DIR, "/",
                                                 name, NULL), pool);
    if (rv != APR_SUCCESS)
        return rv;
    return wk_zone_parse(out, data, len, pool);
}

/* Returns the offset at Unix time t (seconds). */
static int zone_offset_seconds(const wk_zone_t *zone, apr_int64_t t)
{
    int low = 0, high = zone->count;

    if (zone->count == 0 || t >= zone->times[zone->count - 1]) {
        if (zone->has_rule)
            return posix_rule_offset(&zone->rule, t);
        if (zone->count == 0)
            return zone->type_count > 0 ? zone->types[0].offset : 0;
    }
    /* RFC 8536 gives times before the first transition type 0. */
    if (t < zone->times[0])
        return zone->types[0].offset;

    /* Finds the last transition at or before t. */
    while (high - low > 1) {
        int mid = low + (high - low) / 2;

        if (zone->times[mid] <= t)
            low = mid;
        else
            high = mid;
    }
    return zone->types[zone->type_of[low]].offset;
}

int wk_zone_offset_at(const wk_zone_t *zone, apr_time_t t)
{
    return zone_offset_seconds(zone, floor_div(t, APR_USEC_PER_SEC));
}

int wk_zone_offset(const char *name, apr_time_t t, apr_pool_t *pool)
{
    wk_zone_t *zone;

    if (wk_zone_load(&zone, name, pool) != APR_SUCCESS)
        return 0;
    return wk_zone_offset_at(zone, t);
}

/*
 * Converts local seconds to UTC seconds.  The offsets a day before and a
 * day after are the two that can apply, because no two transitions
 * after 1970 lie within two days of each other in tzdata 2025b.
 * NOTE: a future zone change that breaks this would pick a wrong offset
 * for a day around it.  An offset applies when the UTC
 * time it gives has that offset.  When both apply (the local time occurs
 * twice) the earlier instant wins.  When neither does (the local time is
 * in a gap) the offset before the gap puts the result just after it.
 */
static apr_int64_t zone_local_to_utc(const wk_zone_t *zone, apr_int64_t local)
{
    int before = zone_offset_seconds(zone, local - SECONDS_PER_DAY);
    int after = zone_offset_seconds(zone, local + SECONDS_PER_DAY);
    int before_fits = zone_offset_seconds(zone, local - before) == before;
    int after_fits = zone_offset_seconds(zone, local - after) == after;

    if (before_fits && after_fits)
        return local - (before > after ? before : after);
    if (after_fits)
        return local - after;
    return local - before;
}

/* --- RFC 3339 ---------------------------------------------------------- */

/* Reads exactly count digits at *p into *value and advances *p. */
static int digits_read(const char **p, int count, int *value)
{
    int i, n = 0;

    for (i = 0; i < count; i++) {
        if (!apr_isdigit((unsigned char)(*p)[i]))
            return 0;
        n = n * 10 + ((*p)[i] - '0');
    }
    *p += count;
    *value = n;
    return 1;
}

/* Reads YYYY-MM-DD and checks that the day exists. */
static int date_read(const char **p, int *year, int *month, int *day)
{
    if (!digits_read(p, 4, year) || *(*p)++ != '-'
        || !digits_read(p, 2, month) || *(*p)++ != '-'
        || !digits_read(p, 2, day))
        return 0;
    return *month >= 1 && *month <= 12 && *day >= 1
           && *day <= month_days(*year, *month);
}

/* Reads HH:MM:SS with optional fraction; 60 seconds is a leap second. */
static int time_read(const char **p, apr_int64_t *seconds, int *usec)
{
    int hour, minute, second, scale = 100000;

    if (!digits_read(p, 2, &hour) || *(*p)++ != ':'
        || !digits_read(p, 2, &minute) || *(*p)++ != ':'
        || !digits_read(p, 2, &second))
        return 0;
    if (hour > 23 || minute > 59 || second > 60)
        return 0;

    *usec = 0;
    if (**p == '.') {
        (*p)++;
        if (!apr_isdigit((unsigned char)**p))
            return 0;
        /* Digits past microseconds are read and dropped. */
        for (; apr_isdigit((unsigned char)**p); (*p)++) {
            *usec += (**p - '0') * scale;
            scale /= 10;
        }
    }
    *seconds = hour * 3600 + minute * 60 + second;
    return 1;
}

/* Reads Z or +hh:mm / -hh:mm as seconds east of UTC. */
static int offset_read(const char **p, int *offset)
{
    int sign, hours, minutes;

    if (**p == 'Z' || **p == 'z') {
        (*p)++;
        *offset = 0;
        return 1;
    }
    if (**p != '+' && **p != '-')
        return 0;
    sign = *(*p)++ == '-' ? -1 : 1;
    if (!digits_read(p, 2, &hours) || *(*p)++ != ':'
        || !digits_read(p, 2, &minutes) || hours > 23 || minutes > 59)
        return 0;
    *offset = sign * (hours * 3600 + minutes * 60);
    return 1;
}

apr_status_t wk_time_parse_input(apr_time_t *t, const char *value,
                                 const char *zone, apr_pool_t *pool)
{
    const char *p = value;
    int year, month, day, usec, offset;
    apr_int64_t days, seconds;
    wk_zone_t *loaded;

    if (value == NULL || !date_read(&p, &year, &month, &day))
        return WK_EINVAL;
    days = days_from_date(year, month, day);

    if (*p == '\0') {
        if (wk_zone_load(&loaded, zone, pool) != APR_SUCCESS)
            loaded = (wk_zone_t *)&utc_zone;
        *t = apr_time_from_sec(zone_local_to_utc(loaded,
                                                 days * SECONDS_PER_DAY));
        return APR_SUCCESS;
    }

    if (*p != 'T' && *p != 't' && *p != ' ')
        return WK_EINVAL;
    p++;
    if (!time_read(&p, &seconds, &usec) || !offset_read(&p, &offset)
        || *p != '\0')
        return WK_EINVAL;
    seconds += days * SECONDS_PER_DAY - offset;
    *t = apr_time_from_sec(seconds) + usec;
    return APR_SUCCESS;
}
