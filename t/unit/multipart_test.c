/*
 * multipart_test.c: the streaming multipart/form-data parser on bodies as
 * browsers send them, fed whole, split at every offset and byte by byte,
 * and on malformed bodies and bodies over its limits.
 */
#include <apr_general.h>

#include "tap.h"
#include "wk_multipart.h"

#define BOUNDARY "----WebKitFormBoundaryx7Yq2LpR"

/* What the callbacks saw, as one line per part. */
typedef struct collected {
    wk_buf_t *log;
    apr_size_t content_bytes;
    int fail_on_data;           /* nonzero: part_data returns WK_EINVAL */
} collected_t;

static apr_status_t on_begin(void *baton, const wk_multipart_part_t *part)
{
    collected_t *c = baton;

    wk_buf_printf(c->log, "[%s|%s|%s]", part->name,
                  part->filename ? part->filename : "-",
                  part->content_type ? part->content_type : "-");
    return APR_SUCCESS;
}

static apr_status_t on_data(void *baton, const char *data, apr_size_t len)
{
    collected_t *c = baton;

    if (c->fail_on_data)
        return WK_EINVAL;
    c->content_bytes += len;
    wk_buf_append(c->log, data, len);
    return APR_SUCCESS;
}

static apr_status_t on_end(void *baton)
{
    wk_buf_puts(((collected_t *)baton)->log, "<end>");
    return APR_SUCCESS;
}

static const wk_multipart_callbacks_t callbacks = { on_begin, on_data,
                                                    on_end };

static wk_multipart_limits_t default_limits(void)
{
    wk_multipart_limits_t limits = { WK_MULTIPART_DEFAULT_MAX_HEADER, 0,
                                     WK_MULTIPART_DEFAULT_MAX_PARTS };
    return limits;
}

/*
 * Parses body fed in chunks of at most step bytes (0: whole), the first
 * chunk ending at split when split is nonzero.  Returns the status of
 * the feeds and finish; *log gets what the callbacks saw.
 */
static apr_status_t parse(const char **log, const char **error,
                          const char *body, apr_size_t len, apr_size_t split,
                          apr_size_t step, const wk_multipart_limits_t *limits,
                          apr_pool_t *pool)
{
    collected_t c = { wk_buf_make(pool, 256), 0, 0 };
    wk_multipart_t *parser = wk_multipart_make(BOUNDARY, limits, &callbacks,
                                               &c, pool);
    apr_size_t at = 0, n;
    apr_status_t rv = APR_SUCCESS;

    while (at < len && rv == APR_SUCCESS) {
        n = step ? step : len - at;
        if (split && at == 0)
            n = split;
        if (n > len - at)
            n = len - at;
        rv = wk_multipart_feed(parser, body + at, n);
        at += n;
    }
    if (rv == APR_SUCCESS)
        rv = wk_multipart_finish(parser);
    *log = c.log->data;
    *error = wk_multipart_error(parser);
    return rv;
}

/* Two fields as Chrome sends them, a text field and a PNG file. */
static const char form_body[] =
    "--" BOUNDARY "\r\n"
    "Content-Disposition: form-data; name=\"alt\"\r\n"
    "\r\n"
    "a grey dot\r\n"
    "--" BOUNDARY "\r\n"
    "Content-Disposition: form-data; name=\"file\"; filename=\"dot.png\"\r\n"
    "Content-Type: image/png\r\n"
    "\r\n"
    "\x89PNG\r\n\x1a\n\r\n--" "----WebKitFormBoundaryx7Yq2Lp\r\n-\r\n--\r\n"
    "\r\n"
    "--" BOUNDARY "--\r\n";

/* The file's content includes a near-miss of the delimiter (the boundary
 * without its last character), which must pass through as content. */
static const char form_log[] =
    "[alt|-|-]a grey dot<end>"
    "[file|dot.png|image/png]"
    "\x89PNG\r\n\x1a\n\r\n--" "----WebKitFormBoundaryx7Yq2Lp\r\n-\r\n--\r\n"
    "<end>";

static void test_whole_and_split(apr_pool_t *pool)
{
    wk_multipart_limits_t limits = default_limits();
    apr_size_t len = sizeof(form_body) - 1, split;
    const char *log, *error;
    int split_failures = 0;

    ok(parse(&log, &error, form_body, len, 0, 0, &limits, pool)
       == APR_SUCCESS, "whole body parses (%s)", error ? error : "");
    is_str(log, form_log, "fields, headers and content of the whole body");

    for (split = 1; split < len; split++) {
        apr_status_t rv = parse(&log, &error, form_body, len, split, 0,
                                &limits, pool);

        if (rv != APR_SUCCESS || strcmp(log, form_log) != 0) {
            if (split_failures++ == 0)
                diag("split at %" APR_SIZE_T_FMT ": %s", split, log);
        }
    }
    ok(split_failures == 0, "same parts when split at each of %"
       APR_SIZE_T_FMT " offsets (%d differ)", len - 1, split_failures);

    ok(parse(&log, &error, form_body, len, 0, 1, &limits, pool)
       == APR_SUCCESS, "body fed one byte at a time parses");
    is_str(log, form_log, "same parts one byte at a time");
}

static void test_preamble_and_forms(apr_pool_t *pool)
{
    wk_multipart_limits_t limits = default_limits();
    const char *log, *error;
    static const char with_preamble[] =
        "This is the preamble.\r\n"
        "--" BOUNDARY "  \r\n"
        "content-disposition: FORM-DATA; filename=\"a b.svg\"; name=file\r\n"
        "X-Other: ignored\r\n"
        "\r\n"
        "\r\n"
        "--" BOUNDARY "--\r\nThis is the epilogue.";
    static const char empty_form[] = "--" BOUNDARY "--";
    static const char traversal[] =
        "--" BOUNDARY "\r\n"
        "Content-Disposition: form-data; name=\"file\"; "
        "filename=\"../../etc/passwd\\\"x\"\r\n"
        "\r\n"
        "root\r\n"
        "--" BOUNDARY "--\r\n";

    ok(parse(&log, &error, with_preamble, sizeof(with_preamble) - 1, 0, 0,
             &limits, pool) == APR_SUCCESS,
       "preamble, padding, epilogue and lowercase headers parse (%s)",
       error ? error : "");
    is_str(log, "[file|a b.svg|-]<end>",
           "empty file part; unquoted name; other headers ignored");

    ok(parse(&log, &error, empty_form, sizeof(empty_form) - 1, 0, 0,
             &limits, pool) == APR_SUCCESS, "form with no parts parses");
    is_str(log, "", "no parts seen");

    ok(parse(&log, &error, traversal, sizeof(traversal) - 1, 0, 0, &limits,
             pool) == APR_SUCCESS, "file name with ../ parses");
    is_str(log, "[file|../../etc/passwd\"x|-]root<end>",
           "file name passed on as it was sent, quoted-pair decoded");
}

typedef struct bad_case {
    const char *what;
    const char *body;
    apr_size_t len;         /* 0: strlen(body) */
    apr_status_t expected;
} bad_case_t;

static const bad_case_t bad_cases[] = {
    { "no closing boundary",
      "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n"
      "x", 0, WK_EINVAL },
    { "no boundary at all", "just some text", 0, WK_EINVAL },
    { "empty body", "", 0, WK_EINVAL },
    { "text after a boundary",
      "--" BOUNDARY "junk\r\n\r\n--" BOUNDARY "--", 0, WK_EINVAL },
    { "part without headers",
      "--" BOUNDARY "\r\n\r\nx\r\n--" BOUNDARY "--", 0, WK_EINVAL },
    { "disposition not form-data",
      "--" BOUNDARY "\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\n"
      "x\r\n--" BOUNDARY "--", 0, WK_EINVAL },
    { "disposition without name",
      "--" BOUNDARY "\r\nContent-Disposition: form-data; filename=\"a\"\r\n"
      "\r\nx\r\n--" BOUNDARY "--", 0, WK_EINVAL },
    { "two dispositions",
      "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"a\"\r\n"
      "Content-Disposition: form-data; name=\"b\"\r\n\r\nx\r\n--" BOUNDARY
      "--", 0, WK_EINVAL },
    { "unterminated quoted name",
      "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"a\r\n\r\n"
      "x\r\n--" BOUNDARY "--", 0, WK_EINVAL },
    { "header line without colon",
      "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"a\"\r\n"
      "garbage\r\n\r\nx\r\n--" BOUNDARY "--", 0, WK_EINVAL },
    { "folded header line",
      "--" BOUNDARY "\r\nContent-Disposition: form-data;\r\n name=\"a\"\r\n"
      "\r\nx\r\n--" BOUNDARY "--", 0, WK_EINVAL },
    { "NUL in the file name",
      "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"file\"; "
      "filename=\"a\0.png\"\r\n\r\nx\r\n--" BOUNDARY "--",
      sizeof("--" BOUNDARY "\r\nContent-Disposition: form-data; "
             "name=\"file\"; filename=\"a\0.png\"\r\n\r\nx\r\n--" BOUNDARY
             "--") - 1, WK_EINVAL },
    { "bare LF in a header",
      "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"a\"\n"
      "X: y\r\n\r\nx\r\n--" BOUNDARY "--", 0, WK_EINVAL },
};

static void test_malformed(apr_pool_t *pool)
{
    wk_multipart_limits_t limits = default_limits();
    const char *log, *error;
    apr_size_t i;

    for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        const bad_case_t *c = &bad_cases[i];
        apr_size_t len = c->len ? c->len : strlen(c->body);
        apr_status_t rv = parse(&log, &error, c->body, len, 0, 0, &limits,
                                pool);

        ok(rv == c->expected, "rejects %s: %s", c->what,
           error ? error : "(no message)");
        ok(error != NULL, "message for %s", c->what);
    }
}

/* A body with count parts named f, each with content of size bytes. */
static const char *many_parts(int count, apr_size_t size, apr_pool_t *pool)
{
    wk_buf_t *body = wk_buf_make(pool, 1024);
    char *content = apr_palloc(pool, size + 1);
    int i;

    memset(content, 'x', size);
    content[size] = '\0';
    for (i = 0; i < count; i++)
        wk_buf_printf(body, "--%s\r\nContent-Disposition: form-data; "
                      "name=\"f\"\r\n\r\n%s\r\n", BOUNDARY, content);
    wk_buf_printf(body, "--%s--\r\n", BOUNDARY);
    return body->data;
}

static void test_limits(apr_pool_t *pool)
{
    wk_multipart_limits_t limits = default_limits();
    collected_t c = { wk_buf_make(pool, 64), 0, 0 };
    const char *log, *error, *body;
    wk_buf_t *big_header;
    wk_multipart_t *parser;
    apr_status_t rv = APR_SUCCESS;
    apr_size_t at;

    limits.max_parts = 3;
    body = many_parts(3, 10, pool);
    ok(parse(&log, &error, body, strlen(body), 0, 0, &limits, pool)
       == APR_SUCCESS, "three parts at a limit of three");
    body = many_parts(4, 10, pool);
    ok(parse(&log, &error, body, strlen(body), 0, 0, &limits, pool)
       == WK_ETOOBIG, "four parts over a limit of three: %s",
       error ? error : "");

    limits = default_limits();
    limits.max_part_bytes = 1000;
    body = many_parts(1, 1000, pool);
    ok(parse(&log, &error, body, strlen(body), 0, 7, &limits, pool)
       == APR_SUCCESS, "part of exactly the limit");

    /* A part of 1 MB against a limit of 1000: the parser must stop
     * within one buffer of the limit, not read on to the end. */
    body = many_parts(1, 1000000, pool);
    parser = wk_multipart_make(BOUNDARY, &limits, &callbacks, &c, pool);
    for (at = 0; at < strlen(body) && rv == APR_SUCCESS; at += 500)
        rv = wk_multipart_feed(parser, body + at, 500);
    ok(rv == WK_ETOOBIG, "part over its limit: %s",
       wk_multipart_error(parser) ? wk_multipart_error(parser) : "");
    ok(c.content_bytes <= 1000, "no byte past the limit reaches the "
       "callback (%" APR_SIZE_T_FMT ")", c.content_bytes);
    ok(at < 20000, "stopped after %" APR_SIZE_T_FMT " bytes", at);
    ok(wk_multipart_feed(parser, "more", 4) == WK_ETOOBIG,
       "a failed parser keeps failing");

    limits = default_limits();
    limits.max_header_bytes = 100;
    big_header = wk_buf_make(pool, 512);
    wk_buf_printf(big_header, "--%s\r\nContent-Disposition: form-data; "
                  "name=\"%0200d\"\r\n\r\nx\r\n--%s--", BOUNDARY, 0,
                  BOUNDARY);
    ok(parse(&log, &error, big_header->data, big_header->len, 0, 0, &limits,
             pool) == WK_ETOOBIG, "headers over the limit: %s",
       error ? error : "");

    /* Endless headers with no blank line, fed in small chunks. */
    limits = default_limits();
    parser = wk_multipart_make(BOUNDARY, &limits, &callbacks, &c, pool);
    rv = wk_multipart_feed(parser, "--" BOUNDARY "\r\n",
                           strlen("--" BOUNDARY "\r\n"));
    for (at = 0; at < 100000 && rv == APR_SUCCESS; at += 10)
        rv = wk_multipart_feed(parser, "X-Pad: aa\r", 10);
    ok(rv == WK_ETOOBIG && at < 20000,
       "endless header block stops after %" APR_SIZE_T_FMT " bytes", at);
}

static void test_callback_error(apr_pool_t *pool)
{
    wk_multipart_limits_t limits = default_limits();
    collected_t c = { wk_buf_make(pool, 64), 0, 1 };
    wk_multipart_t *parser = wk_multipart_make(BOUNDARY, &limits, &callbacks,
                                               &c, pool);

    ok(wk_multipart_feed(parser, form_body, sizeof(form_body) - 1)
       == WK_EINVAL, "a callback's status stops the parse");
}

typedef struct boundary_case {
    const char *content_type;
    const char *expected;   /* NULL: rejected */
} boundary_case_t;

static const boundary_case_t boundary_cases[] = {
    { "multipart/form-data; boundary=" BOUNDARY, BOUNDARY },
    { "multipart/form-data; boundary=\"a b:c\"", "a b:c" },
    { "Multipart/Form-Data;charset=utf-8;BOUNDARY=abc", "abc" },
    { "multipart/form-data ; boundary = abc ;", "abc" },
    { "multipart/form-data", NULL },
    { "multipart/form-data; boundary=", NULL },
    { "multipart/form-data; boundary=\"\"", NULL },
    { "multipart/form-data; boundary=\"ends in space \"", NULL },
    { "multipart/form-data; boundary=\"semi;colon\"", NULL },
    { "multipart/form-data; boundary=\"unterminated", NULL },
    { "multipart/form-data; boundary="
      "12345678901234567890123456789012345678901234567890123456789012345678901",
      NULL },
    { "multipart/mixed; boundary=abc", NULL },
    { "multipart/form-datax; boundary=abc", NULL },
    { "application/json", NULL },
    { "", NULL },
};

static void test_boundary(apr_pool_t *pool)
{
    apr_size_t i;

    for (i = 0; i < sizeof(boundary_cases) / sizeof(boundary_cases[0]);
         i++) {
        const boundary_case_t *c = &boundary_cases[i];
        const char *boundary = NULL;
        char *error = NULL;
        apr_status_t rv = wk_multipart_boundary(&boundary, c->content_type,
                                                &error, pool);

        if (c->expected)
            is_str(rv == APR_SUCCESS ? boundary : error, c->expected,
                   "boundary of '%s'", c->content_type);
        else
            ok(rv == WK_EINVAL && error != NULL, "rejects '%s' (%s)",
               c->content_type, error ? error : boundary);
    }
}

int main(int argc, const char *const *argv)
{
    apr_pool_t *pool;

    apr_app_initialize(&argc, &argv, NULL);
    apr_pool_create(&pool, NULL);

    test_whole_and_split(pool);
    test_preamble_and_forms(pool);
    test_malformed(pool);
    test_limits(pool);
    test_callback_error(pool);
    test_boundary(pool);

    apr_pool_destroy(pool);
    apr_terminate();
    return done_testing();
}
