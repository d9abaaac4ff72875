/*
 * wk_multipart.c: the multipart/form-data parser.
 *
 * Bytes go through one fixed buffer.  Inside a part's content the parser
 * looks for the delimiter CRLF "--" boundary and hands every byte that
 * cannot start one to the callback.  It keeps at most the delimiter's
 * length less one byte, so a boundary split across chunks at any offset
 * is still found.  The buffer starts with a CRLF so that a body which opens
 * with the first boundary line matches like every later one.
 */
#include <string.h>

#include <apr_lib.h>

#include "wk_multipart.h"

#define MAX_BOUNDARY 70           /* RFC 2046 section 5.1.1 */
#define MIN_BUFFER   4096

typedef enum {
    STATE_PREAMBLE,               /* before the first boundary */
    STATE_AFTER_DELIMITER,        /* "--" closes, CRLF starts a part */
    STATE_HEADERS,
    STATE_CONTENT,
    STATE_EPILOGUE                /* after the closing boundary */
} parser_state_t;

struct wk_multipart {
    char *delimiter;              /* CRLF "--" boundary */
    apr_size_t delimiter_len;
    wk_multipart_limits_t limits;
    const wk_multipart_callbacks_t *callbacks;
    void *baton;
    apr_pool_t *pool;             /* the parser's and its messages */
    apr_pool_t *part_pool;        /* cleared at the start of each part */

    char *buf;
    apr_size_t len;
    apr_size_t cap;

    parser_state_t state;
    int parts;
    apr_size_t part_bytes;
    apr_status_t status;          /* the first failure, then kept */
    const char *error;
};

/* Records the first failure; returns -1 so a step can return it. */
static int parse_fail(wk_multipart_t *parser, apr_status_t status,
                      const char *error)
{
    if (parser->status == APR_SUCCESS) {
        parser->status = status;
        parser->error = error;
    }
    return -1;
}

static void consume(wk_multipart_t *parser, apr_size_t n)
{
    memmove(parser->buf, parser->buf + n, parser->len - n);
    parser->len -= n;
}

/* ---------------------------------------------------------------------- */
/* Header parameters                                                       */
/* ---------------------------------------------------------------------- */

static const char *skip_ows(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return p;
}

/* Reads a quoted-string at p (at the opening quote); NULL when it does
 * not end before end. */
static const char *read_quoted(const char **value, const char *p,
                               const char *end, apr_pool_t *pool)
{
    char *out = apr_palloc(pool, (apr_size_t)(end - p) + 1);
    apr_size_t n = 0;

    for (p++; p < end; p++) {
        if (*p == '"') {
            out[n] = '\0';
            *value = out;
            return p + 1;
        }
        if (*p == '\\' && p + 1 < end)
            p++;
        out[n++] = *p;
    }
    return NULL;
}

/* Reads an unquoted value: anything up to a semicolon or white space. */
static const char *read_bare(const char **value, const char *p,
                             const char *end, apr_pool_t *pool)
{
    const char *start = p;

    while (p < end && *p != ';' && *p != ' ' && *p != '\t' && *p != '"')
        p++;
    if (p == start)
        return NULL;
    *value = apr_pstrmemdup(pool, start, (apr_size_t)(p - start));
    return p;
}

/*
 * Reads the next `; key=value` of a header value at *cursor.  Returns 1
 * with *key (lowercased) and *value, 0 at the end, -1 when malformed.
 */
static int param_next(const char **key, const char **value,
                      const char **cursor, const char *end, apr_pool_t *pool)
{
    const char *p = skip_ows(*cursor, end), *start;
    char *lower, *c;

    if (p == end)
        return 0;
    if (*p != ';')
        return -1;
    p = skip_ows(p + 1, end);
    if (p == end)
        return 0;       /* a trailing semicolon */
    for (start = p; p < end && *p != '=' && *p != ' ' && *p != '\t'
                    && *p != ';'; p++)
        ;
    if (p == start)
        return -1;
    lower = apr_pstrmemdup(pool, start, (apr_size_t)(p - start));
    for (c = lower; *c != '\0'; c++)
        *c = (char)apr_tolower(*c);
    p = skip_ows(p, end);
    if (p == end || *p != '=')
        return -1;
    p = skip_ows(p + 1, end);
    if (p < end && *p == '"')
        p = read_quoted(value, p, end, pool);
    else
        p = read_bare(value, p, end, pool);
    if (p == NULL)
        return -1;
    *key = lower;
    *cursor = p;
    return 1;
}

/* Checks that value starts with the media type or disposition type
 * (case-insensitive) and returns the byte after it, else NULL. */
static const char *type_match(const char *value, const char *end,
                              const char *type)
{
    apr_size_t n = strlen(type);
    const char *p = skip_ows(value, end);

    if ((apr_size_t)(end - p) < n || strncasecmp(p, type, n) != 0)
        return NULL;
    p += n;
    if (p < end && *p != ';' && *p != ' ' && *p != '\t')
        return NULL;
    return p;
}

static int boundary_valid(const char *b)
{
    apr_size_t len = strlen(b), i;

    if (len == 0 || len > MAX_BOUNDARY || b[len - 1] == ' ')
        return 0;
    for (i = 0; i < len; i++)
        if (!apr_isalnum(b[i]) && strchr("'()+_,-./:=? ", b[i]) == NULL)
            return 0;
    return 1;
}

apr_status_t wk_multipart_boundary(const char **boundary,
                                   const char *content_type, char **error,
                                   apr_pool_t *pool)
{
    const char *end = content_type + strlen(content_type);
    const char *cursor = type_match(content_type, end,
                                    "multipart/form-data");
    const char *key, *value, *found = NULL;
    int rc;

    if (cursor == NULL) {
        *error = "the Content-Type is not multipart/form-data";
        return WK_EINVAL;
    }
    while ((rc = param_next(&key, &value, &cursor, end, pool)) == 1)
        if (strcmp(key, "boundary") == 0)
            found = value;
    if (rc < 0) {
        *error = "the Content-Type has a malformed parameter";
        return WK_EINVAL;
    }
    if (found == NULL || !boundary_valid(found)) {
        *error = "the Content-Type has no valid boundary (1 to 70 "
                 "letters, digits or '()+_,-./:=? characters)";
        return WK_EINVAL;
    }
    *boundary = found;
    return APR_SUCCESS;
}

/* ---------------------------------------------------------------------- */
/* Part headers                                                            */
/* ---------------------------------------------------------------------- */

/* Reads `form-data; name="..."; filename="..."` into part. */
static int disposition_parse(wk_multipart_t *parser,
                             wk_multipart_part_t *part, const char *value,
                             const char *end)
{
    const char *cursor = type_match(value, end, "form-data");
    const char *key, *param;
    int rc;

    if (cursor == NULL)
        return parse_fail(parser, WK_EINVAL, "a part's Content-Disposition "
                          "is not form-data");
    while ((rc = param_next(&key, &param, &cursor, end,
                            parser->part_pool)) == 1) {
        /* NOTE: filename* (RFC 5987) is ignored; browsers send the name
         * in filename as UTF-8. */
        if (strcmp(key, "name") == 0)
            part->name = param;
        else if (strcmp(key, "filename") == 0)
            part->filename = param;
    }
    if (rc < 0)
        return parse_fail(parser, WK_EINVAL, "a part's Content-Disposition "
                          "has a malformed parameter");
    if (part->name == NULL)
        return parse_fail(parser, WK_EINVAL, "a part's Content-Disposition "
                          "has no name");
    return 0;
}

/* Parses one header line (without its CRLF) into part. */
static int header_line(wk_multipart_t *parser, wk_multipart_part_t *part,
                       const char *line, const char *end,
                       int *has_disposition)
{
    const char *colon = memchr(line, ':', (apr_size_t)(end - line));
    const char *value, *p;
    apr_size_t name_len;

    for (p = line; p < end; p++)
        if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7F)
            return parse_fail(parser, WK_EINVAL, "a part's headers contain "
                              "a control character");
    if (line == end || *line == ' ' || *line == '\t' || colon == NULL
        || colon == line)
        return parse_fail(parser, WK_EINVAL, "a part has a malformed "
                          "header line");

    name_len = (apr_size_t)(colon - line);
    value = skip_ows(colon + 1, end);
    while (end > value && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    if (name_len == 19 && strncasecmp(line, "Content-Disposition", 19) == 0) {
        if ((*has_disposition)++)
            return parse_fail(parser, WK_EINVAL, "a part has two "
                              "Content-Disposition headers");
        return disposition_parse(parser, part, value, end);
    }
    if (name_len == 12 && strncasecmp(line, "Content-Type", 12) == 0)
        part->content_type = apr_pstrmemdup(parser->part_pool, value,
                                            (apr_size_t)(end - value));
    return 0;
}

/* Parses the header block buf[0, len), each line ending in CRLF. */
static int headers_parse(wk_multipart_t *parser, wk_multipart_part_t *part,
                         const char *buf, apr_size_t len)
{
    const char *p = buf, *end = buf + len, *eol;
    int has_disposition = 0;

    while (p < end) {
        eol = p;
        while (eol + 1 < end && !(eol[0] == '\r' && eol[1] == '\n'))
            eol++;
        if (header_line(parser, part, p, eol, &has_disposition) < 0)
            return -1;
        p = eol + 2;
    }
    if (!has_disposition)
        return parse_fail(parser, WK_EINVAL, "a part has no "
                          "Content-Disposition header");
    return 0;
}

/* ---------------------------------------------------------------------- */
/* The parser's steps                                                      */
/* ---------------------------------------------------------------------- */

static int headers_too_big(wk_multipart_t *parser)
{
    return parse_fail(parser, WK_ETOOBIG, apr_psprintf(parser->pool,
                      "a part's headers are over %" APR_SIZE_T_FMT " bytes",
                      parser->limits.max_header_bytes));
}

/* Each step returns 1 when it consumed something and the next may run,
 * 0 when it needs more bytes, -1 after parse_fail(). */

static int step_headers(wk_multipart_t *parser)
{
    wk_multipart_part_t *part;
    const char *end = NULL;
    apr_size_t block = 0;
    apr_status_t rv;

    if (parser->len < 2)
        return 0;
    if (memcmp(parser->buf, "\r\n", 2) != 0) {
        end = memmem(parser->buf, parser->len, "\r\n\r\n", 4);
        if (end == NULL && parser->len > parser->limits.max_header_bytes)
            end = parser->buf + parser->len;    /* over the limit below */
        if (end == NULL)
            return 0;
        block = (apr_size_t)(end - parser->buf) + 2;
        if (block > parser->limits.max_header_bytes)
            return headers_too_big(parser);
    }

    apr_pool_clear(parser->part_pool);
    part = apr_pcalloc(parser->part_pool, sizeof(*part));
    if (headers_parse(parser, part, parser->buf, block) < 0)
        return -1;
    consume(parser, block + 2);
    parser->part_bytes = 0;
    parser->state = STATE_CONTENT;
    rv = parser->callbacks->part_begin(parser->baton, part);
    if (rv != APR_SUCCESS)
        return parse_fail(parser, rv, "the upload was rejected");
    return 1;
}

/* Hands n bytes of content to the callback, checking the part limit. */
static int content_emit(wk_multipart_t *parser, apr_size_t n)
{
    apr_status_t rv;

    if (n == 0)
        return 0;
    parser->part_bytes += n;
    if (parser->limits.max_part_bytes > 0
        && parser->part_bytes > parser->limits.max_part_bytes)
        return parse_fail(parser, WK_ETOOBIG, apr_psprintf(
            parser->pool, "a part is over %" APR_SIZE_T_FMT " bytes",
            parser->limits.max_part_bytes));
    rv = parser->callbacks->part_data(parser->baton, parser->buf, n);
    if (rv != APR_SUCCESS)
        return parse_fail(parser, rv, "the upload was rejected");
    return 0;
}

/* Passes content (or skips the preamble) up to the next delimiter. */
static int step_content(wk_multipart_t *parser)
{
    int in_part = parser->state == STATE_CONTENT;
    const char *hit = memmem(parser->buf, parser->len, parser->delimiter,
                             parser->delimiter_len);
    apr_size_t n, keep;
    apr_status_t rv;

    if (hit == NULL) {
        keep = parser->delimiter_len - 1;
        n = parser->len > keep ? parser->len - keep : 0;
        if (in_part && content_emit(parser, n) < 0)
            return -1;
        consume(parser, n);
        return 0;
    }

    n = (apr_size_t)(hit - parser->buf);
    if (in_part && content_emit(parser, n) < 0)
        return -1;
    consume(parser, n + parser->delimiter_len);
    parser->state = STATE_AFTER_DELIMITER;
    if (in_part) {
        rv = parser->callbacks->part_end(parser->baton);
        if (rv != APR_SUCCESS)
            return parse_fail(parser, rv, "the upload was rejected");
    }
    return 1;
}

/* After a delimiter: "--" ends the body; else optional blanks and CRLF. */
static int step_after_delimiter(wk_multipart_t *parser)
{
    const char *buf = parser->buf;
    apr_size_t i = 0;

    if (parser->len < 2)
        return 0;
    if (buf[0] == '-' && buf[1] == '-') {
        parser->state = STATE_EPILOGUE;
        parser->len = 0;
        return 0;
    }
    while (i < parser->len && (buf[i] == ' ' || buf[i] == '\t'))
        i++;
    if (i + 2 > parser->len)
        return 0;
    if (buf[i] != '\r' || buf[i + 1] != '\n')
        return parse_fail(parser, WK_EINVAL, "a boundary line has text "
                          "after the boundary");
    if (++parser->parts > parser->limits.max_parts)
        return parse_fail(parser, WK_ETOOBIG, apr_psprintf(
            parser->pool, "the body has more than %d parts",
            parser->limits.max_parts));
    consume(parser, i + 2);
    parser->state = STATE_HEADERS;
    return 1;
}

static int parse_step(wk_multipart_t *parser)
{
    switch (parser->state) {
    case STATE_PREAMBLE:
    case STATE_CONTENT:
        return step_content(parser);
    case STATE_AFTER_DELIMITER:
        return step_after_delimiter(parser);
    case STATE_HEADERS:
        return step_headers(parser);
    default:
        parser->len = 0;    /* the epilogue is ignored */
        return 0;
    }
}

/* Called when the buffer is full and no step can consume from it. */
static apr_status_t buffer_full(wk_multipart_t *parser)
{
    if (parser->state == STATE_HEADERS)
        headers_too_big(parser);
    else
        parse_fail(parser, WK_EINVAL, "a boundary line has text after the "
                   "boundary");
    return parser->status;
}

wk_multipart_t *wk_multipart_make(const char *boundary,
                                  const wk_multipart_limits_t *limits,
                                  const wk_multipart_callbacks_t *callbacks,
                                  void *baton, apr_pool_t *pool)
{
    wk_multipart_t *parser = apr_pcalloc(pool, sizeof(*parser));

    parser->delimiter = apr_pstrcat(pool, "\r\n--", boundary, NULL);
    parser->delimiter_len = strlen(parser->delimiter);
    parser->limits = *limits;
    parser->callbacks = callbacks;
    parser->baton = baton;
    parser->pool = pool;
    apr_pool_create(&parser->part_pool, pool);

    /* Room for a whole header block with its blank line, and for a
     * delimiter with the bytes that may follow it. */
    parser->cap = limits->max_header_bytes + 4;
    if (parser->cap < MIN_BUFFER)
        parser->cap = MIN_BUFFER;
    parser->buf = apr_palloc(pool, parser->cap);
    memcpy(parser->buf, "\r\n", 2);
    parser->len = 2;
    parser->state = STATE_PREAMBLE;
    return parser;
}

apr_status_t wk_multipart_feed(wk_multipart_t *parser, const char *data,
                               apr_size_t len)
{
    apr_size_t n;
    int rc;

    while (len > 0 && parser->status == APR_SUCCESS) {
        n = parser->cap - parser->len;
        if (n > len)
            n = len;
        memcpy(parser->buf + parser->len, data, n);
        parser->len += n;
        data += n;
        len -= n;

        while ((rc = parse_step(parser)) > 0)
            ;
        if (rc == 0 && parser->len == parser->cap)
            return buffer_full(parser);
    }
    return parser->status;
}

apr_status_t wk_multipart_finish(wk_multipart_t *parser)
{
    if (parser->status == APR_SUCCESS && parser->state != STATE_EPILOGUE)
        parse_fail(parser, WK_EINVAL, "the body ended before the closing "
                   "boundary");
    return parser->status;
}

const char *wk_multipart_error(const wk_multipart_t *parser)
{
    return parser->error;
}
