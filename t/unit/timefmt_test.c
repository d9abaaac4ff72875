/*
 * timefmt_test.c: RFC 3339 input and time zones from the system's TZif
 * files.  The expected UTC times of local midnights were computed with
 * Python 3.11's zoneinfo module from the same tzdata (2025b).
 */
#include <stdio.h>
#include <stdlib.h>

#include <apr_file_io.h>
#include <apr_general.h>

#include "tap.h"
#include "wk_timefmt.h"

/* Parses value in zone and compares the result with expected (RFC 3339
 * in UTC, from wk_time_rfc3339). */
static void parses_to(const char *value, const char *zone,
                      const char *expected, apr_pool_t *pool)
{
    apr_time_t t = 0;
    apr_status_t rv = wk_time_parse_input(&t, value, zone, pool);

    ok(rv == APR_SUCCESS, "parse '%s' in %s", value, zone ? zone : "NULL");
    is_str(rv == APR_SUCCESS ? wk_time_rfc3339(t, pool) : "(failed)",
           expected, "'%s' in %s is %s", value, zone ? zone : "NULL",
           expected);
}

static void rejects(const char *value, apr_pool_t *pool)
{
    apr_time_t t = 0;

    ok(wk_time_parse_input(&t, value, "Europe/Berlin", pool) == WK_EINVAL,
       "reject '%s'", value ? value : "NULL");
}

static void test_rfc3339(apr_pool_t *pool)
{
    apr_time_t t = 0;

    parses_to("2024-05-01T09:30:00Z", "Europe/Berlin",
              "2024-05-01T09:30:00Z", pool);
    parses_to("2024-05-01T09:30:00+02:00", NULL, "2024-05-01T07:30:00Z",
              pool);
    parses_to("2024-05-01T09:30:00-05:30", NULL, "2024-05-01T15:00:00Z",
              pool);
    parses_to("2024-05-01t09:30:00z", NULL, "2024-05-01T09:30:00Z", pool);
    parses_to("2024-05-01 09:30:00+00:00", NULL, "2024-05-01T09:30:00Z",
              pool);
    parses_to("2024-12-31T23:30:00-01:00", NULL, "2025-01-01T00:30:00Z",
              pool);
    parses_to("1969-12-31T23:59:59Z", NULL, "1969-12-31T23:59:59Z", pool);
    parses_to("2024-02-29T00:00:00Z", NULL, "2024-02-29T00:00:00Z", pool);

    ok(wk_time_parse_input(&t, "2024-05-01T09:30:00.123456789Z", NULL, pool)
       == APR_SUCCESS, "parse fractional seconds");
    ok(t % APR_USEC_PER_SEC == 123456, "fraction kept to microseconds "
       "(%d)", (int)(t % APR_USEC_PER_SEC));
    ok(wk_time_parse_input(&t, "2024-05-01T09:30:00.5+01:00", NULL, pool)
       == APR_SUCCESS && t % APR_USEC_PER_SEC == 500000,
       "parse one fraction digit with an offset");
}

static void test_invalid(apr_pool_t *pool)
{
    static const char *const bad[] = {
        "2024-02-30", "2023-02-29", "2024-13-01", "2024-00-10", "2024-04-31",
        "2024-05-01T25:00:00Z", "2024-05-01T09:60:00Z",
        "2024-05-01T09:30:61Z", "2024-05-01T09:30:00",
        "2024-05-01T09:30Z", "2024-05-01T09:30:00+2:00",
        "2024-05-01T09:30:00+24:00", "2024-05-01T09:30:00+01:60",
        "2024-05-01T09:30:00.Z", "2024-05-01T09:30:00Z ", " 2024-05-01",
        "2024-5-1", "2024-05-01x", "2024-05-01T", "24-05-01", "", "tomorrow",
        "2024-05-01T09:30:00+0100", NULL
    };
    int i;

    for (i = 0; bad[i] != NULL; i++)
        rejects(bad[i], pool);
    rejects(NULL, pool);
}

static void test_local_midnight(apr_pool_t *pool)
{
    /* Berlin: the day DST starts (at 02:00, so midnight is CET), a summer
     * day, and the day it ends (at 03:00, so midnight is CEST). */
    parses_to("2024-03-31", "Europe/Berlin", "2024-03-30T23:00:00Z", pool);
    parses_to("2024-07-01", "Europe/Berlin", "2024-06-30T22:00:00Z", pool);
    parses_to("2024-10-27", "Europe/Berlin", "2024-10-26T22:00:00Z", pool);
    parses_to("2024-01-15", "America/New_York", "2024-01-15T05:00:00Z",
              pool);
    parses_to("2024-07-04", "America/New_York", "2024-07-04T04:00:00Z",
              pool);
    parses_to("2024-05-01", "Asia/Kolkata", "2024-04-30T18:30:00Z", pool);
    parses_to("2024-05-01", "UTC", "2024-05-01T00:00:00Z", pool);
    parses_to("2024-05-01", NULL, "2024-05-01T00:00:00Z", pool);

    /* Before the first transition, type 0 (local mean time) applies. */
    parses_to("1890-01-01", "Europe/Berlin", "1889-12-31T23:06:32Z", pool);

    /* Sao Paulo started DST at midnight, so 2018-11-04 00:00 never
     * happened; the result is the end of the gap, 01:00 at -02:00. */
    parses_to("2018-11-04", "America/Sao_Paulo", "2018-11-04T03:00:00Z",
              pool);
}

/* Past 2037 the files list no transitions and the POSIX TZ rule applies. */
static void test_rule_years(apr_pool_t *pool)
{
    parses_to("2050-03-27", "Europe/Berlin", "2050-03-26T23:00:00Z", pool);
    parses_to("2050-10-30", "Europe/Berlin", "2050-10-29T22:00:00Z", pool);
    parses_to("2050-03-13", "America/New_York", "2050-03-13T05:00:00Z",
              pool);
    parses_to("2050-11-06", "America/New_York", "2050-11-06T04:00:00Z",
              pool);
    parses_to("2050-01-15", "Australia/Sydney", "2050-01-14T13:00:00Z",
              pool);
    parses_to("2050-07-15", "Australia/Sydney", "2050-07-14T14:00:00Z",
              pool);
}

static void test_bad_zones(apr_pool_t *pool)
{
    wk_zone_t *zone;

    parses_to("2024-05-01", "Mars/Olympus_Mons", "2024-05-01T00:00:00Z",
              pool);
    parses_to("2024-05-01", "../../../etc/passwd", "2024-05-01T00:00:00Z",
              pool);
    parses_to("2024-05-01", "/usr/share/zoneinfo/Asia/Kolkata",
              "2024-05-01T00:00:00Z", pool);

    ok(wk_zone_load(&zone, "Mars/Olympus_Mons", pool) == APR_NOTFOUND,
       "unknown zone is APR_NOTFOUND");
    ok(wk_zone_load(&zone, "Europe/../Asia/Kolkata", pool) == WK_EINVAL,
       "zone with .. is WK_EINVAL");
    ok(wk_zone_load(&zone, "/etc/localtime", pool) == WK_EINVAL,
       "absolute zone path is WK_EINVAL");
    ok(wk_zone_load(&zone, "Europe/Berlin;rm", pool) == WK_EINVAL,
       "zone with ; is WK_EINVAL");
    ok(wk_zone_load(&zone, "Europe", pool) != APR_SUCCESS,
       "zone directory is rejected");
    ok(wk_zone_load(&zone, "zone.tab", pool) == WK_ECORRUPT,
       "text file is WK_ECORRUPT");
    ok(wk_zone_offset("Mars/Olympus_Mons", apr_time_now(), pool) == 0,
       "offset of an unknown zone is 0");
}

static apr_time_t at(const char *rfc3339, apr_pool_t *pool)
{
    apr_time_t t = 0;

    wk_time_parse_input(&t, rfc3339, NULL, pool);
    return t;
}

static void test_offsets(apr_pool_t *pool)
{
    ok(wk_zone_offset("Europe/Berlin", at("2024-01-15T12:00:00Z", pool),
                      pool) == 3600, "Berlin winter is +1");
    ok(wk_zone_offset("Europe/Berlin", at("2024-07-15T12:00:00Z", pool),
                      pool) == 7200, "Berlin summer is +2");
    ok(wk_zone_offset("Europe/Berlin", at("2024-03-31T00:59:59Z", pool),
                      pool) == 3600, "Berlin one second before DST");
    ok(wk_zone_offset("Europe/Berlin", at("2024-03-31T01:00:00Z", pool),
                      pool) == 7200, "Berlin at the start of DST");
    ok(wk_zone_offset("America/New_York", at("2024-07-04T12:00:00Z", pool),
                      pool) == -14400, "New York summer is -4");
    ok(wk_zone_offset("America/New_York", at("2024-11-03T05:59:59Z", pool),
                      pool) == -14400, "New York before fall back is -4");
    ok(wk_zone_offset("America/New_York", at("2024-11-03T06:00:00Z", pool),
                      pool) == -18000, "New York after fall back is -5");
    ok(wk_zone_offset("Asia/Kolkata", at("2024-05-01T00:00:00Z", pool),
                      pool) == 19800, "Kolkata is +5:30");
    ok(wk_zone_offset("UTC", at("2024-05-01T00:00:00Z", pool), pool) == 0,
       "UTC is 0");
    ok(wk_zone_offset("Europe/Berlin", at("2099-07-01T00:00:00Z", pool),
                      pool) == 7200, "Berlin summer 2099 from the rule");
}

static apr_status_t file_read(unsigned char **data, apr_size_t *len,
                              const char *path, apr_pool_t *pool)
{
    apr_finfo_t finfo;
    apr_file_t *file;
    apr_status_t rv;

    rv = apr_file_open(&file, path, APR_FOPEN_READ, 0, pool);
    if (rv != APR_SUCCESS)
        return rv;
    apr_file_info_get(&finfo, APR_FINFO_SIZE, file);
    *len = (apr_size_t)finfo.size;
    *data = apr_palloc(pool, *len);
    rv = apr_file_read_full(file, *data, *len, NULL);
    apr_file_close(file);
    return rv;
}

/*
 * Makes a version 1 file from Berlin's by cutting after the first data
 * block and clearing the version, and checks it gives the same offsets.
 */
static void test_tzif_versions(apr_pool_t *pool)
{
    unsigned char *data, *copy;
    apr_size_t len, v1_len;
    wk_zone_t *zone;
    apr_uint32_t counts[6];
    int i;

    if (file_read(&data, &len, WK_ZONEINFO_DIR "/Europe/Berlin", pool)
        != APR_SUCCESS || len < 44) {
        ok(0, "read Europe/Berlin");
        return;
    }
    for (i = 0; i < 6; i++)
        counts[i] = (apr_uint32_t)data[20 + i * 4] << 24
                    | (apr_uint32_t)data[21 + i * 4] << 16
                    | (apr_uint32_t)data[22 + i * 4] << 8
                    | data[23 + i * 4];
    v1_len = 44 + counts[3] * 5 + counts[4] * 6 + counts[5] + counts[2] * 8
             + counts[1] + counts[0];
    copy = apr_pmemdup(pool, data, v1_len);
    copy[4] = '\0';

    ok(wk_zone_parse(&zone, copy, v1_len, pool) == APR_SUCCESS,
       "version 1 file parses");
    ok(wk_zone_offset_at(zone, at("2024-07-15T12:00:00Z", pool)) == 7200,
       "version 1 Berlin summer is +2");
    ok(wk_zone_offset_at(zone, at("2024-01-15T12:00:00Z", pool)) == 3600,
       "version 1 Berlin winter is +1");

    ok(wk_zone_parse(&zone, data, len - 20, pool) == APR_SUCCESS,
       "file with a cut footer parses");
    ok(wk_zone_parse(&zone, data, 100, pool) == WK_ECORRUPT,
       "truncated file is WK_ECORRUPT");
    copy = apr_pmemdup(pool, data, len);
    copy[0] = 'X';
    ok(wk_zone_parse(&zone, copy, len, pool) == WK_ECORRUPT,
       "bad magic is WK_ECORRUPT");
    copy = apr_pmemdup(pool, data, len);
    copy[32] = 0x7F;    /* a transition count of two billion */
    ok(wk_zone_parse(&zone, copy, len, pool) == WK_ECORRUPT,
       "huge transition count is WK_ECORRUPT");
}

int main(int argc, const char *const *argv)
{
    apr_pool_t *pool;

    apr_app_initialize(&argc, &argv, NULL);
    apr_pool_create(&pool, NULL);

    test_rfc3339(pool);
    test_invalid(pool);
    test_local_midnight(pool);
    test_rule_years(pool);
    test_bad_zones(pool);
    test_offsets(pool);
    test_tzif_versions(pool);

    apr_pool_destroy(pool);
    return done_testing();
}
