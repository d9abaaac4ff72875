/*
 * wk_frontmatter.c: TOML and YAML front matter into json-c, and the dates
 * they carry.
 *
 * Both parsers are hand-written for the subset that static site
 * generators write.  Debian 12 packages no C TOML library, and libyaml
 * would be a dependency beyond APR, SQLite, cmark-gfm and json-c for a
 * few dozen lines of metadata.  TOML follows TOML 1.0, except
 * that tables may be reopened and inline tables may span lines.  YAML
 * covers block mappings and sequences by indentation, flow sequences and
 * mappings on one line, quoted and plain scalars, and | and > block
 * scalars.  Line numbers in errors count from the first line of the file,
 * the opening fence.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "wk_frontmatter.h"

/* ---------------------------------------------------------------------- */
/* Shared helpers                                                          */
/* ---------------------------------------------------------------------- */

/* The state of a parse: cursor, line number and error message. */
typedef struct fm_parser {
    const char *at;
    const char *end;
    int line;
    char *error;
    wk_buf_t *scratch;     /* reused to build each string */
    apr_pool_t *pool;
    int depth;             /* arrays, tables and blocks now open */
} fm_parser_t;

/* The parsers recurse once per nesting level, so the depth is bounded to
 * keep hostile front matter from exhausting the stack.  Real posts nest
 * two or three levels. */
#define FM_MAX_DEPTH 64

static int fm_fail(fm_parser_t *p, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Enters one more nesting level; returns -1 with the message past the
 * bound. */
static int fm_nest_enter(fm_parser_t *p)
{
    if (p->depth >= FM_MAX_DEPTH)
        return fm_fail(p, p->line, "values nested deeper than %d levels",
                       FM_MAX_DEPTH);
    p->depth++;
    return 0;
}

/* Sets the "line N: reason" message and returns -1. */
static int fm_fail(fm_parser_t *p, int line, const char *fmt, ...)
{
    va_list ap;
    char *reason;

    va_start(ap, fmt);
    reason = apr_pvsprintf(p->pool, fmt, ap);
    va_end(ap);
    p->error = apr_psprintf(p->pool, "line %d: %s", line, reason);
    return -1;
}

/* Appends code point cp as UTF-8; returns -1 for surrogates and values
 * past U+10FFFF, which no UTF-8 text may contain. */
static int utf8_append(wk_buf_t *buf, unsigned long cp)
{
    char out[4];

    if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
        return -1;
    if (cp < 0x80) {
        out[0] = (char)cp;
        wk_buf_append(buf, out, 1);
    }
    else if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        wk_buf_append(buf, out, 2);
    }
    else if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        wk_buf_append(buf, out, 3);
    }
    else {
        out[0] = (char)(0xF0 | (cp >> 18));
        out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[3] = (char)(0x80 | (cp & 0x3F));
        wk_buf_append(buf, out, 4);
    }
    return 0;
}

/* Reads digits hex digits at s into *cp; returns -1 when one is not hex. */
static int hex_read(const char *s, const char *end, int digits,
                    unsigned long *cp)
{
    int i;

    *cp = 0;
    if (end - s < digits)
        return -1;
    for (i = 0; i < digits; i++) {
        if (!isxdigit((unsigned char)s[i]))
            return -1;
        *cp = *cp * 16 + (unsigned long)(isdigit((unsigned char)s[i])
                                         ? s[i] - '0'
                                         : (tolower((unsigned char)s[i])
                                            - 'a' + 10));
    }
    return 0;
}

/*
 * Adds value under key to table, taking the reference to value.  Keys
 * containing NUL cannot be json-c keys.  Returns -1 on a duplicate key.
 */
static int fm_object_add(fm_parser_t *p, struct json_object *table,
                         const char *key, apr_size_t key_len,
                         struct json_object *value, int line)
{
    if (memchr(key, '\0', key_len) != NULL) {
        json_object_put(value);
        return fm_fail(p, line, "key contains a NUL character");
    }
    if (json_object_object_get_ex(table, key, NULL)) {
        json_object_put(value);
        return fm_fail(p, line, "key '%s' is defined twice", key);
    }
    json_object_object_add(table, key, value);
    return 0;
}

/* Returns a json string of the scratch buffer's bytes. */
static struct json_object *scratch_string(fm_parser_t *p)
{
    return json_object_new_string_len(p->scratch->data, (int)p->scratch->len);
}

/* ---------------------------------------------------------------------- */
/* TOML                                                                    */
/* ---------------------------------------------------------------------- */

static int toml_value_parse(fm_parser_t *p, struct json_object **value);
static int time_read(const char **s, int *seconds, int *usec);

static void toml_space_skip(fm_parser_t *p)
{
    while (p->at < p->end && (*p->at == ' ' || *p->at == '\t'))
        p->at++;
}

/* Consumes a newline (LF or CRLF); returns 0 when none is at the cursor. */
static int toml_newline_skip(fm_parser_t *p)
{
    if (p->at < p->end && *p->at == '\n') {
        p->at++;
        p->line++;
        return 1;
    }
    if (p->end - p->at >= 2 && p->at[0] == '\r' && p->at[1] == '\n') {
        p->at += 2;
        p->line++;
        return 1;
    }
    return 0;
}

static void toml_comment_skip(fm_parser_t *p)
{
    if (p->at < p->end && *p->at == '#') {
        while (p->at < p->end && *p->at != '\n' && *p->at != '\r')
            p->at++;
    }
}

/* Skips white space, comments and newlines, as allowed inside arrays. */
static void toml_blank_skip(fm_parser_t *p)
{
    for (;;) {
        toml_space_skip(p);
        toml_comment_skip(p);
        if (!toml_newline_skip(p))
            return;
    }
}

/* Requires the rest of the line to be blank or a comment. */
static int toml_line_end(fm_parser_t *p)
{
    toml_space_skip(p);
    toml_comment_skip(p);
    if (p->at == p->end || toml_newline_skip(p))
        return 0;
    return fm_fail(p, p->line, "unexpected '%c' after the value", *p->at);
}

/* Handles the escape after a backslash in a basic string. */
static int toml_escape_read(fm_parser_t *p)
{
    unsigned long cp;
    int digits = 0;
    char c;

    if (p->at >= p->end)
        return fm_fail(p, p->line, "unterminated string");
    c = *p->at++;
    switch (c) {
    case 'b': wk_buf_append(p->scratch, "\b", 1); return 0;
    case 't': wk_buf_append(p->scratch, "\t", 1); return 0;
    case 'n': wk_buf_append(p->scratch, "\n", 1); return 0;
    case 'f': wk_buf_append(p->scratch, "\f", 1); return 0;
    case 'r': wk_buf_append(p->scratch, "\r", 1); return 0;
    case 'e': wk_buf_append(p->scratch, "\x1b", 1); return 0;
    case '"': wk_buf_append(p->scratch, "\"", 1); return 0;
    case '\\': wk_buf_append(p->scratch, "\\", 1); return 0;
    case 'u': digits = 4; break;
    case 'U': digits = 8; break;
    default:
        return fm_fail(p, p->line, "invalid escape '\\%c' in string", c);
    }
    if (hex_read(p->at, p->end, digits, &cp) != 0
        || utf8_append(p->scratch, cp) != 0)
        return fm_fail(p, p->line, "invalid escape '\\%c%.*s' in string",
                       c, (int)(p->end - p->at < digits ? p->end - p->at
                                                        : digits), p->at);
    p->at += digits;
    return 0;
}

/* Rejects control characters other than tab, as TOML does in strings. */
static int toml_char_check(fm_parser_t *p, char c)
{
    if (((unsigned char)c < 0x20 && c != '\t') || c == 0x7F)
        return fm_fail(p, p->line, "control character 0x%02X in string",
                       (unsigned char)c);
    return 0;
}

/* Parses "..." or '...' (single-line) into the scratch buffer. */
static int toml_line_string_parse(fm_parser_t *p, char quote)
{
    int start_line = p->line;

    wk_buf_reset(p->scratch);
    p->at++;
    while (p->at < p->end && *p->at != quote) {
        char c = *p->at;

        if (c == '\n' || c == '\r')
            break;
        if (c == '\\' && quote == '"') {
            p->at++;
            if (toml_escape_read(p) != 0)
                return -1;
            continue;
        }
        if (toml_char_check(p, c) != 0)
            return -1;
        wk_buf_append(p->scratch, &c, 1);
        p->at++;
    }
    if (p->at >= p->end || *p->at != quote)
        return fm_fail(p, start_line, "unterminated string");
    p->at++;
    return 0;
}

/*
 * Parses """...""" or '''...''' into the scratch buffer.  A newline right
 * after the opening quotes is dropped, and in basic strings a backslash at
 * the end of a line drops the newline and the white space that follows.
 * Up to two quotes may precede the closing three.
 */
static int toml_multiline_string_parse(fm_parser_t *p, char quote)
{
    int start_line = p->line;

    wk_buf_reset(p->scratch);
    p->at += 3;
    toml_newline_skip(p);
    while (p->at < p->end) {
        char c = *p->at;

        if (c == quote && p->end - p->at >= 3 && p->at[1] == quote
            && p->at[2] == quote) {
            int run = 3;

            while (p->at + run < p->end && p->at[run] == quote)
                run++;
            if (run > 5)
                return fm_fail(p, p->line, "too many quotes in a row");
            wk_buf_append(p->scratch, p->at, (apr_size_t)(run - 3));
            p->at += run;
            return 0;
        }
        if (c == '\\' && quote == '"') {
            const char *after = p->at + 1;

            while (after < p->end && (*after == ' ' || *after == '\t'))
                after++;
            if (after < p->end && (*after == '\n' || *after == '\r')) {
                p->at = after;
                do
                    toml_space_skip(p);
                while (toml_newline_skip(p));
                continue;
            }
            p->at++;
            if (toml_escape_read(p) != 0)
                return -1;
            continue;
        }
        if (toml_newline_skip(p)) {
            wk_buf_append(p->scratch, "\n", 1);
            continue;
        }
        if (toml_char_check(p, c) != 0)
            return -1;
        wk_buf_append(p->scratch, &c, 1);
        p->at++;
    }
    return fm_fail(p, start_line, "unterminated multi-line string");
}

/* Parses any of the four string forms into the scratch buffer. */
static int toml_string_parse(fm_parser_t *p)
{
    char quote = *p->at;

    if (p->end - p->at >= 3 && p->at[1] == quote && p->at[2] == quote)
        return toml_multiline_string_parse(p, quote);
    return toml_line_string_parse(p, quote);
}

static int is_bare_key_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '-';
}

/* Parses a dotted key into parts, an array of NUL-terminated strings. */
static int toml_key_parse(fm_parser_t *p, apr_array_header_t *parts,
                          apr_array_header_t *lengths)
{
    for (;;) {
        const char *start;

        toml_space_skip(p);
        start = p->at;
        if (p->at < p->end && (*p->at == '"' || *p->at == '\'')) {
            if (toml_line_string_parse(p, *p->at) != 0)
                return -1;
            APR_ARRAY_PUSH(parts, char *) =
                apr_pstrmemdup(p->pool, p->scratch->data, p->scratch->len);
            APR_ARRAY_PUSH(lengths, apr_size_t) = p->scratch->len;
        }
        else {
            while (p->at < p->end && is_bare_key_char(*p->at))
                p->at++;
            if (p->at == start)
                return fm_fail(p, p->line, "expected a key");
            APR_ARRAY_PUSH(parts, char *) =
                apr_pstrmemdup(p->pool, start, (apr_size_t)(p->at - start));
            APR_ARRAY_PUSH(lengths, apr_size_t) = (apr_size_t)(p->at - start);
        }
        toml_space_skip(p);
        if (p->at >= p->end || *p->at != '.')
            return 0;
        p->at++;
    }
}

/*
 * Returns the table under key in table, creating it when missing.  An
 * array of tables yields its last table.  Fails when key is a value.
 */
static int toml_table_enter(fm_parser_t *p, struct json_object *table,
                            const char *key, struct json_object **child)
{
    struct json_object *existing;

    if (!json_object_object_get_ex(table, key, &existing)) {
        *child = json_object_new_object();
        json_object_object_add(table, key, *child);
        return 0;
    }
    if (json_object_is_type(existing, json_type_array)
        && json_object_array_length(existing) > 0) {
        existing = json_object_array_get_idx(
            existing, json_object_array_length(existing) - 1);
    }
    if (!json_object_is_type(existing, json_type_object))
        return fm_fail(p, p->line, "key '%s' is a value, not a table", key);
    *child = existing;
    return 0;
}

/* Walks all parts but the last, creating tables; *table gets the last. */
static int toml_path_enter(fm_parser_t *p, struct json_object **table,
                           const apr_array_header_t *parts)
{
    int i;

    for (i = 0; i < parts->nelts - 1; i++) {
        if (toml_table_enter(p, *table, APR_ARRAY_IDX(parts, i, char *),
                             table) != 0)
            return -1;
    }
    return 0;
}

/* Parses key = value at the cursor into table. */
static int toml_pair_parse(fm_parser_t *p, struct json_object *table)
{
    apr_array_header_t *parts = apr_array_make(p->pool, 4, sizeof(char *));
    apr_array_header_t *lengths =
        apr_array_make(p->pool, 4, sizeof(apr_size_t));
    struct json_object *value;
    int line = p->line;

    if (toml_key_parse(p, parts, lengths) != 0)
        return -1;
    if (p->at >= p->end || *p->at != '=')
        return fm_fail(p, line, "expected '=' after key '%s'",
                       APR_ARRAY_IDX(parts, parts->nelts - 1, char *));
    p->at++;
    toml_space_skip(p);
    if (toml_path_enter(p, &table, parts) != 0)
        return -1;
    if (toml_value_parse(p, &value) != 0)
        return -1;
    return fm_object_add(p, table,
                         APR_ARRAY_IDX(parts, parts->nelts - 1, char *),
                         APR_ARRAY_IDX(lengths, lengths->nelts - 1,
                                       apr_size_t),
                         value, line);
}

static int toml_array_parse(fm_parser_t *p, struct json_object **value)
{
    struct json_object *array = json_object_new_array();
    int start_line = p->line;

    p->at++;
    for (;;) {
        struct json_object *item;

        toml_blank_skip(p);
        if (p->at >= p->end) {
            json_object_put(array);
            return fm_fail(p, start_line, "unterminated array");
        }
        if (*p->at == ']')
            break;
        if (toml_value_parse(p, &item) != 0) {
            json_object_put(array);
            return -1;
        }
        json_object_array_add(array, item);
        toml_blank_skip(p);
        if (p->at < p->end && *p->at == ',') {
            p->at++;
            continue;
        }
        if (p->at >= p->end) {
            json_object_put(array);
            return fm_fail(p, start_line, "unterminated array");
        }
        if (*p->at != ']') {
            json_object_put(array);
            return fm_fail(p, p->line, "expected ',' or ']' in array");
        }
        break;
    }
    p->at++;
    *value = array;
    return 0;
}

/* Parses { key = value, ... }; newlines inside are accepted. */
static int toml_inline_table_parse(fm_parser_t *p, struct json_object **value)
{
    struct json_object *table = json_object_new_object();
    int start_line = p->line;

    p->at++;
    toml_blank_skip(p);
    if (p->at < p->end && *p->at == '}') {
        p->at++;
        *value = table;
        return 0;
    }
    for (;;) {
        toml_blank_skip(p);
        if (toml_pair_parse(p, table) != 0) {
            json_object_put(table);
            return -1;
        }
        toml_blank_skip(p);
        if (p->at < p->end && *p->at == ',') {
            p->at++;
            continue;
        }
        if (p->at < p->end && *p->at == '}')
            break;
        json_object_put(table);
        return fm_fail(p, start_line, "expected ',' or '}' in inline table");
    }
    p->at++;
    *value = table;
    return 0;
}

/* Returns the length of the date or time at s, or 0 when there is none:
 * YYYY-MM-DD, optionally followed by T, t or a space and a time. */
static apr_size_t toml_datetime_length(const char *s, const char *end)
{
    const char *at = s;

    if (end - at >= 10 && isdigit((unsigned char)at[0]) && at[4] == '-'
        && at[7] == '-') {
        at += 10;
        if (end - at >= 6 && (*at == 'T' || *at == 't' || *at == ' ')
            && isdigit((unsigned char)at[1]) && isdigit((unsigned char)at[2])
            && at[3] == ':')
            at++;
        else
            return 10;
    }
    else if (!(end - at >= 8 && isdigit((unsigned char)at[0]) && at[2] == ':'))
        return 0;

    while (at < end && (isdigit((unsigned char)*at) || strchr(":.+-Zz", *at)))
        at++;
    return (apr_size_t)(at - s);
}

/* Checks a local time such as 07:32:00 or 07:32:00.999. */
static int toml_time_valid(const char *text, apr_pool_t *pool)
{
    const char *s = apr_pstrcat(pool, "T", text, NULL);
    int seconds, usec;

    return time_read(&s, &seconds, &usec) == 0 && *s == '\0';
}

/* Converts a TOML integer or float token, underscores allowed between
 * digits, into a json number. */
static int toml_number_convert(fm_parser_t *p, const char *token,
                               apr_size_t len, struct json_object **value)
{
    char *digits = apr_palloc(p->pool, len + 1), *end;
    apr_size_t i, n = 0;
    int base = 10, is_float = 0;

    for (i = 0; i < len; i++) {
        if (token[i] == '_') {
            if (i == 0 || i + 1 == len || !isalnum((unsigned char)token[i - 1])
                || !isalnum((unsigned char)token[i + 1]))
                return fm_fail(p, p->line, "invalid number '%.*s'", (int)len,
                               token);
            continue;
        }
        digits[n++] = token[i];
    }
    digits[n] = '\0';

    if (n > 2 && digits[0] == '0' && strchr("xob", digits[1])) {
        if (digits[1] == 'x')
            base = 16;
        else if (digits[1] == 'o')
            base = 8;
        else
            base = 2;
        memmove(digits, digits + 2, n - 1);
    }
    else if (strpbrk(digits, ".eE") != NULL || strstr(digits, "inf")
             || strstr(digits, "nan")) {
        if (strpbrk(digits, "xXoObB") != NULL)
            return fm_fail(p, p->line, "invalid number '%.*s'", (int)len,
                           token);
        is_float = 1;
    }
    else {
        const char *unsigned_digits = digits + (*digits == '+'
                                                || *digits == '-');

        if (unsigned_digits[0] == '0' && unsigned_digits[1] != '\0')
            return fm_fail(p, p->line, "invalid number '%.*s' (leading zero)",
                           (int)len, token);
    }

    errno = 0;
    if (is_float) {
        double d = strtod(digits, &end);

        if (*end != '\0' || end == digits || (errno == ERANGE && isinf(d)))
            return fm_fail(p, p->line, "invalid number '%.*s'", (int)len,
                           token);
        *value = json_object_new_double_s(d, digits);
        return 0;
    }
    if (!isalnum((unsigned char)digits[0]) && base != 10)
        return fm_fail(p, p->line, "invalid number '%.*s'", (int)len, token);
    {
        long long v = strtoll(digits, &end, base);

        if (*end != '\0' || end == digits || errno == ERANGE)
            return fm_fail(p, p->line, "invalid number '%.*s'", (int)len,
                           token);
        *value = json_object_new_int64(v);
    }
    return 0;
}

/* Parses a boolean, number, date or time at the cursor. */
static int toml_scalar_parse(fm_parser_t *p, struct json_object **value)
{
    const char *token = p->at;
    apr_size_t len = toml_datetime_length(p->at, p->end);
    apr_time_t when;

    if (len > 0) {
        char *text = apr_pstrmemdup(p->pool, token, len);

        p->at += len;
        if (text[2] == ':' ? !toml_time_valid(text, p->pool)
                           : wk_date_parse(&when, text) != APR_SUCCESS)
            return fm_fail(p, p->line, "invalid date or time '%s'", text);
        *value = json_object_new_string_len(text, (int)len);
        return 0;
    }

    while (p->at < p->end && !strchr(" \t\r\n,]}#", *p->at))
        p->at++;
    len = (apr_size_t)(p->at - token);
    if (len == 0)
        return fm_fail(p, p->line, "expected a value");
    if (len == 4 && memcmp(token, "true", 4) == 0) {
        *value = json_object_new_boolean(1);
        return 0;
    }
    if (len == 5 && memcmp(token, "false", 5) == 0) {
        *value = json_object_new_boolean(0);
        return 0;
    }
    if (!isdigit((unsigned char)token[0]) && !strchr("+-", token[0])
        && !(len == 3 && (memcmp(token, "inf", 3) == 0
                          || memcmp(token, "nan", 3) == 0)))
        return fm_fail(p, p->line, "invalid value '%.*s' (strings need "
                       "quotes)", (int)len, token);
    return toml_number_convert(p, token, len, value);
}

static int toml_nested_parse(fm_parser_t *p, struct json_object **value)
{
    int rv;

    if (fm_nest_enter(p) != 0)
        return -1;
    rv = *p->at == '[' ? toml_array_parse(p, value)
                       : toml_inline_table_parse(p, value);
    p->depth--;
    return rv;
}

static int toml_value_parse(fm_parser_t *p, struct json_object **value)
{
    if (p->at >= p->end || *p->at == '\n' || *p->at == '\r')
        return fm_fail(p, p->line, "expected a value");
    switch (*p->at) {
    case '"':
    case '\'':
        if (toml_string_parse(p) != 0)
            return -1;
        *value = scratch_string(p);
        return 0;
    case '[':
    case '{':
        return toml_nested_parse(p, value);
    default:
        return toml_scalar_parse(p, value);
    }
}

/*
 * Parses a [table] or [[array.of.tables]] header and makes it the
 * current table.
 */
static int toml_header_parse(fm_parser_t *p, struct json_object *root,
                             struct json_object **current)
{
    apr_array_header_t *parts = apr_array_make(p->pool, 4, sizeof(char *));
    apr_array_header_t *lengths =
        apr_array_make(p->pool, 4, sizeof(apr_size_t));
    int is_array = p->end - p->at >= 2 && p->at[1] == '[';
    struct json_object *table = root, *existing;
    const char *last;

    p->at += is_array ? 2 : 1;
    if (toml_key_parse(p, parts, lengths) != 0)
        return -1;
    if (p->end - p->at < (is_array ? 2 : 1) || p->at[0] != ']'
        || (is_array && p->at[1] != ']'))
        return fm_fail(p, p->line, "expected '%s' to close the table header",
                       is_array ? "]]" : "]");
    p->at += is_array ? 2 : 1;
    if (toml_path_enter(p, &table, parts) != 0)
        return -1;

    last = APR_ARRAY_IDX(parts, parts->nelts - 1, char *);
    if (!is_array)
        return toml_table_enter(p, table, last, current);
    if (!json_object_object_get_ex(table, last, &existing)) {
        existing = json_object_new_array();
        json_object_object_add(table, last, existing);
    }
    if (!json_object_is_type(existing, json_type_array))
        return fm_fail(p, p->line, "key '%s' is not an array of tables",
                       last);
    *current = json_object_new_object();
    json_object_array_add(existing, *current);
    return 0;
}

/* Parses a whole TOML document into root. */
static int toml_document_parse(fm_parser_t *p, struct json_object *root)
{
    struct json_object *current = root;

    for (;;) {
        toml_blank_skip(p);
        if (p->at >= p->end)
            return 0;
        if (*p->at == '[') {
            if (toml_header_parse(p, root, &current) != 0)
                return -1;
        }
        else if (toml_pair_parse(p, current) != 0)
            return -1;
        if (toml_line_end(p) != 0)
            return -1;
    }
}

/* ---------------------------------------------------------------------- */
/* YAML                                                                    */
/* ---------------------------------------------------------------------- */

/* One line of the YAML block, without its indentation. */
typedef struct yaml_line {
    const char *text;
    apr_size_t len;        /* without the line break */
    int indent;
    int number;            /* in the file */
} yaml_line_t;

typedef struct yaml_doc {
    fm_parser_t *p;
    yaml_line_t *lines;
    int count;
    int next;              /* the line being parsed */
} yaml_doc_t;

static int yaml_node_parse(yaml_doc_t *doc, int indent,
                           struct json_object **value);
static int yaml_flow_parse(fm_parser_t *p, struct json_object **value);

/* Returns nonzero for lines that carry no content. */
static int yaml_line_blank(const yaml_line_t *line)
{
    return line->len == 0 || line->text[0] == '#';
}

/* Moves doc->next past blank and comment lines; returns 0 at the end. */
static int yaml_content_next(yaml_doc_t *doc)
{
    while (doc->next < doc->count && yaml_line_blank(&doc->lines[doc->next]))
        doc->next++;
    return doc->next < doc->count;
}

/* Splits the block into lines.  Tabs may not indent YAML. */
static int yaml_lines_split(yaml_doc_t *doc, const char *text,
                            apr_size_t len, int first_line)
{
    const char *at = text, *end = text + len;
    int capacity = 16;

    doc->lines = apr_palloc(doc->p->pool, sizeof(yaml_line_t) * capacity);
    doc->count = 0;
    while (at < end) {
        const char *eol = memchr(at, '\n', (apr_size_t)(end - at));
        const char *stop = eol ? eol : end;
        yaml_line_t *line;

        if (doc->count == capacity) {
            yaml_line_t *grown = apr_palloc(doc->p->pool, sizeof(yaml_line_t)
                                                          * capacity * 2);

            memcpy(grown, doc->lines, sizeof(yaml_line_t) * capacity);
            doc->lines = grown;
            capacity *= 2;
        }
        line = &doc->lines[doc->count++];
        line->number = first_line + doc->count - 1;
        line->indent = 0;
        while (at + line->indent < stop && at[line->indent] == ' ')
            line->indent++;
        line->text = at + line->indent;
        line->len = (apr_size_t)(stop - line->text);
        while (line->len > 0 && (line->text[line->len - 1] == '\r'
                                 || line->text[line->len - 1] == ' '
                                 || line->text[line->len - 1] == '\t'))
            line->len--;
        if (line->len > 0 && line->text[0] == '\t')
            return fm_fail(doc->p, line->number, "tab in indentation");
        at = eol ? eol + 1 : end;
    }
    return 0;
}

/* Returns nonzero when text (len bytes) starts a sequence item. */
static int yaml_is_item(const char *text, apr_size_t len)
{
    return len > 0 && text[0] == '-' && (len == 1 || text[1] == ' ');
}

/* Parses a 'single-quoted' scalar at p->at into the scratch buffer. */
static int yaml_single_quoted_parse(fm_parser_t *p)
{
    wk_buf_reset(p->scratch);
    p->at++;
    while (p->at < p->end) {
        if (*p->at == '\'') {
            if (p->end - p->at >= 2 && p->at[1] == '\'') {
                wk_buf_append(p->scratch, "'", 1);
                p->at += 2;
                continue;
            }
            p->at++;
            return 0;
        }
        wk_buf_append(p->scratch, p->at, 1);
        p->at++;
    }
    return fm_fail(p, p->line, "unterminated single-quoted string");
}

/* Handles the escape after a backslash in a double-quoted scalar. */
static int yaml_escape_read(fm_parser_t *p)
{
    unsigned long cp = 0;
    int digits = 0;
    char c;

    if (p->at >= p->end)
        return fm_fail(p, p->line, "unterminated double-quoted string");
    c = *p->at++;
    switch (c) {
    case '0': cp = 0; break;
    case 'a': cp = '\a'; break;
    case 'b': cp = '\b'; break;
    case 't': case '\t': cp = '\t'; break;
    case 'n': cp = '\n'; break;
    case 'v': cp = '\v'; break;
    case 'f': cp = '\f'; break;
    case 'r': cp = '\r'; break;
    case 'e': cp = 0x1B; break;
    case ' ': case '"': case '/': case '\\': cp = (unsigned char)c; break;
    case 'N': cp = 0x85; break;
    case '_': cp = 0xA0; break;
    case 'L': cp = 0x2028; break;
    case 'P': cp = 0x2029; break;
    case 'x': digits = 2; break;
    case 'u': digits = 4; break;
    case 'U': digits = 8; break;
    default:
        return fm_fail(p, p->line, "invalid escape '\\%c' in string", c);
    }
    if (digits > 0 && hex_read(p->at, p->end, digits, &cp) != 0)
        return fm_fail(p, p->line, "invalid escape '\\%c' in string", c);
    if (utf8_append(p->scratch, cp) != 0)
        return fm_fail(p, p->line, "escape '\\%c' is not a Unicode scalar "
                       "value", c);
    p->at += digits;
    return 0;
}

/* Parses a "double-quoted" scalar at p->at into the scratch buffer. */
static int yaml_double_quoted_parse(fm_parser_t *p)
{
    wk_buf_reset(p->scratch);
    p->at++;
    while (p->at < p->end && *p->at != '"') {
        if (*p->at == '\\') {
            p->at++;
            if (yaml_escape_read(p) != 0)
                return -1;
            continue;
        }
        wk_buf_append(p->scratch, p->at, 1);
        p->at++;
    }
    if (p->at >= p->end)
        return fm_fail(p, p->line, "unterminated double-quoted string");
    p->at++;
    return 0;
}

static int yaml_matches(const char *text, apr_size_t len, const char *words)
{
    const char *word = words;

    while (*word != '\0') {
        apr_size_t n = strcspn(word, "|");

        if (n == len && memcmp(word, text, len) == 0)
            return 1;
        word += n + (word[n] == '|');
    }
    return 0;
}

/*
 * Types a plain scalar as the YAML 1.2 core schema does: null, booleans,
 * integers and floats; anything else, dates included, is a string.
 */
static struct json_object *yaml_plain_value(const char *text, apr_size_t len)
{
    char number[64], *end;
    const char *digits;
    apr_size_t sign;

    if (len == 0 || yaml_matches(text, len, "~|null|Null|NULL"))
        return NULL;
    if (yaml_matches(text, len, "true|True|TRUE"))
        return json_object_new_boolean(1);
    if (yaml_matches(text, len, "false|False|FALSE"))
        return json_object_new_boolean(0);
    if (len >= sizeof(number))
        return json_object_new_string_len(text, (int)len);

    memcpy(number, text, len);
    number[len] = '\0';
    sign = number[0] == '+' || number[0] == '-';
    digits = number + sign;

    /* A leading zero ("007") stays a string so that no digit is lost. */
    if (len > sign && strspn(digits, "0123456789") == len - sign
        && (digits[0] != '0' || len - sign == 1)) {
        long long v;

        errno = 0;
        v = strtoll(number, &end, 10);
        if (errno == 0 && *end == '\0')
            return json_object_new_int64(v);
    }

    /* The float keeps its text, so "1.10" reads back as "1.10". */
    if (strspn(number, "+-0123456789.eE") == len
        && strpbrk(number, ".eE") != NULL
        && isdigit((unsigned char)digits[0])) {
        double d = strtod(number, &end);

        if (*end == '\0')
            return json_object_new_double_s(d, number);
    }
    return json_object_new_string_len(text, (int)len);
}

/* Returns the length of a plain scalar at p->at, stopping at a comment
 * (" #") and, inside flow collections, at a flow indicator. */
static apr_size_t yaml_plain_length(const fm_parser_t *p, int in_flow)
{
    const char *at = p->at;
    apr_size_t len;

    while (at < p->end) {
        if (*at == '#' && at > p->at && (at[-1] == ' ' || at[-1] == '\t'))
            break;
        if (in_flow && strchr(",]}", *at))
            break;
        at++;
    }
    len = (apr_size_t)(at - p->at);
    while (len > 0 && (p->at[len - 1] == ' ' || p->at[len - 1] == '\t'))
        len--;
    return len;
}

/* Parses one scalar or flow collection at p->at. */
static int yaml_inline_parse(fm_parser_t *p, int in_flow,
                             struct json_object **value)
{
    apr_size_t len;

    if (p->at < p->end && (*p->at == '[' || *p->at == '{')) {
        int rv;

        if (fm_nest_enter(p) != 0)
            return -1;
        rv = yaml_flow_parse(p, value);
        p->depth--;
        return rv;
    }
    if (p->at < p->end && (*p->at == '\'' || *p->at == '"')) {
        if ((*p->at == '\'' ? yaml_single_quoted_parse(p)
                            : yaml_double_quoted_parse(p)) != 0)
            return -1;
        *value = scratch_string(p);
        return 0;
    }
    len = yaml_plain_length(p, in_flow);
    *value = yaml_plain_value(p->at, len);
    p->at += len;
    return 0;
}

/* Splits "key: rest" at the first ": " (or a final ':') outside quotes;
 * returns the offset of the colon or -1 when the text is no pair. */
static long yaml_colon_find(const char *text, apr_size_t len)
{
    apr_size_t i = 0;

    if (len > 0 && (text[0] == '"' || text[0] == '\'')) {
        char quote = text[0];

        for (i = 1; i < len; i++) {
            if (text[i] == '\\' && quote == '"')
                i++;
            else if (text[i] == quote)
                break;
        }
        if (i >= len)
            return -1;
        i++;
        while (i < len && text[i] == ' ')
            i++;
        return i < len && text[i] == ':'
               && (i + 1 == len || text[i + 1] == ' ') ? (long)i : -1;
    }
    for (i = 0; i < len; i++) {
        if (text[i] == '#' && i > 0 && text[i - 1] == ' ')
            return -1;
        if (text[i] == ':' && (i + 1 == len || text[i + 1] == ' '))
            return i > 0 ? (long)i : -1;
    }
    return -1;
}

/* Parses a flow sequence [a, b] or flow mapping {a: b} on one line. */
static int yaml_flow_parse(fm_parser_t *p, struct json_object **value)
{
    char close = *p->at == '[' ? ']' : '}';
    struct json_object *collection = close == ']' ? json_object_new_array()
                                                  : json_object_new_object();

    p->at++;
    for (;;) {
        struct json_object *item;
        char *key = NULL;

        while (p->at < p->end && (*p->at == ' ' || *p->at == '\t'))
            p->at++;
        if (p->at < p->end && *p->at == close)
            break;
        if (close == '}') {
            long colon = yaml_colon_find(p->at, (apr_size_t)(p->end - p->at));
            const char *stop = colon < 0 ? NULL : p->at + colon;

            if (stop == NULL
                || memchr(p->at, ',', (apr_size_t)(stop - p->at)) != NULL) {
                json_object_put(collection);
                return fm_fail(p, p->line, "expected 'key: value' in "
                               "flow mapping");
            }
            key = apr_pstrmemdup(p->pool, p->at, (apr_size_t)(stop - p->at));
            p->at = stop + 1;
            while (p->at < p->end && *p->at == ' ')
                p->at++;
        }
        if (yaml_inline_parse(p, 1, &item) != 0) {
            json_object_put(collection);
            return -1;
        }
        if (key == NULL)
            json_object_array_add(collection, item);
        else if (fm_object_add(p, collection, key, strlen(key), item,
                               p->line) != 0) {
            json_object_put(collection);
            return -1;
        }
        while (p->at < p->end && (*p->at == ' ' || *p->at == '\t'))
            p->at++;
        if (p->at < p->end && *p->at == ',') {
            p->at++;
            continue;
        }
        if (p->at < p->end && *p->at == close)
            break;
        json_object_put(collection);
        return fm_fail(p, p->line, "expected ',' or '%c' (flow collections "
                       "must fit on one line)", close);
    }
    p->at++;
    *value = collection;
    return 0;
}

/*
 * Parses a scalar or flow collection that must fill the rest of a line:
 * only a comment may follow it.
 */
static int yaml_line_value_parse(yaml_doc_t *doc, const char *text,
                                 apr_size_t len, int number,
                                 struct json_object **value)
{
    fm_parser_t *p = doc->p;

    p->at = text;
    p->end = text + len;
    p->line = number;
    if (yaml_inline_parse(p, 0, value) != 0)
        return -1;
    while (p->at < p->end && (*p->at == ' ' || *p->at == '\t'))
        p->at++;
    if (p->at < p->end && *p->at != '#') {
        json_object_put(*value);
        return fm_fail(p, number, "unexpected text after the value");
    }
    return 0;
}

/*
 * Appends the break between two lines of a block scalar.  Literal (|)
 * keeps every break.  Folded (>) turns a break between two lines of text
 * into a space, except around more-indented lines, and drops the break
 * before a blank line, so one blank line gives one newline.
 */
static void yaml_line_break_append(wk_buf_t *buf, char style,
                                   const yaml_line_t *previous,
                                   const yaml_line_t *line, int indent)
{
    if (style == '|')
        wk_buf_append(buf, "\n", 1);
    else if (line->len == 0)
        wk_buf_append(buf, "\n", 1);
    else if (previous->len == 0)
        return;
    else if (line->indent > indent || previous->indent > indent)
        wk_buf_append(buf, "\n", 1);
    else
        wk_buf_append(buf, " ", 1);
}

/*
 * Parses a | or > block scalar whose header is text; its lines are those
 * after doc->next that are blank or indented more than parent_indent.
 */
static int yaml_block_scalar_parse(yaml_doc_t *doc, const char *text,
                                   apr_size_t len, int parent_indent,
                                   struct json_object **value)
{
    fm_parser_t *p = doc->p;
    char style = text[0], chomp = 'c';
    int indent = -1, last = doc->next, i;
    apr_size_t h;

    for (h = 1; h < len && text[h] != ' ' && text[h] != '#'; h++) {
        if (text[h] == '-' || text[h] == '+')
            chomp = text[h];
        else if (text[h] >= '1' && text[h] <= '9')
            indent = parent_indent + (text[h] - '0');
        else
            return fm_fail(p, doc->lines[doc->next - 1].number,
                           "invalid block scalar header '%.*s'", (int)len,
                           text);
    }
    for (i = doc->next; i < doc->count; i++) {
        const yaml_line_t *line = &doc->lines[i];

        if (line->len == 0)
            continue;
        if (line->indent <= parent_indent)
            break;
        if (indent < 0)
            indent = line->indent;
        if (line->indent < indent)
            break;
        last = i + 1;
    }

    wk_buf_reset(p->scratch);
    for (i = doc->next; i < last; i++) {
        const yaml_line_t *line = &doc->lines[i];
        int extra = line->len > 0 ? line->indent - indent : 0;

        if (i > doc->next)
            yaml_line_break_append(p->scratch, style, &doc->lines[i - 1],
                                   line, indent);
        for (; extra > 0; extra--)
            wk_buf_append(p->scratch, " ", 1);
        wk_buf_append(p->scratch, line->text, line->len);
    }
    doc->next = last;

    /* Clip keeps one final newline, strip none; keep is treated as clip
     * because trailing blank lines are not kept by the line splitter. */
    while (p->scratch->len > 0
           && p->scratch->data[p->scratch->len - 1] == '\n')
        p->scratch->len--;
    if (chomp != '-' && p->scratch->len > 0)
        wk_buf_append(p->scratch, "\n", 1);
    *value = scratch_string(p);
    return 0;
}

/*
 * Parses what follows "key:" or "- " on a line: a value on the same line,
 * a block scalar, or a nested block on the following lines.  Nested
 * blocks under a mapping key may start at the key's own indentation when
 * they are sequences, as YAML allows.
 */
static int yaml_rest_parse(yaml_doc_t *doc, const char *text, apr_size_t len,
                           int number, int indent, int is_key,
                           struct json_object **value)
{
    if (len > 0 && text[0] != '#') {
        if (text[0] == '|' || text[0] == '>')
            return yaml_block_scalar_parse(doc, text, len, indent, value);
        return yaml_line_value_parse(doc, text, len, number, value);
    }
    if (!yaml_content_next(doc)) {
        *value = NULL;
        return 0;
    }
    if (doc->lines[doc->next].indent > indent
        || (is_key && doc->lines[doc->next].indent == indent
            && yaml_is_item(doc->lines[doc->next].text,
                            doc->lines[doc->next].len)))
        return yaml_node_parse(doc, doc->lines[doc->next].indent, value);
    *value = NULL;
    return 0;
}

/* Parses the sequence items at indent. */
static int yaml_sequence_parse(yaml_doc_t *doc, int indent,
                               struct json_object **value)
{
    struct json_object *sequence = json_object_new_array();

    while (yaml_content_next(doc)) {
        yaml_line_t *line = &doc->lines[doc->next];
        struct json_object *item;
        apr_size_t skip = 1;

        if (line->indent != indent || !yaml_is_item(line->text, line->len))
            break;
        while (skip < line->len && line->text[skip] == ' ')
            skip++;

        /* "- key: value" starts a mapping indented past the dash. */
        if (skip < line->len
            && yaml_colon_find(line->text + skip, line->len - skip) > 0) {
            line->indent += (int)skip;
            line->text += skip;
            line->len -= skip;
            if (yaml_node_parse(doc, line->indent, &item) != 0) {
                json_object_put(sequence);
                return -1;
            }
        }
        else {
            doc->next++;
            if (yaml_rest_parse(doc, line->text + skip, line->len - skip,
                                line->number, indent, 0, &item) != 0) {
                json_object_put(sequence);
                return -1;
            }
        }
        json_object_array_add(sequence, item);
    }
    *value = sequence;
    return 0;
}

/* Reads the key of a "key: value" line into a pool string. */
static int yaml_key_read(yaml_doc_t *doc, const yaml_line_t *line,
                         long colon, char **key)
{
    fm_parser_t *p = doc->p;
    apr_size_t len = (apr_size_t)colon;

    while (len > 0 && line->text[len - 1] == ' ')
        len--;
    if (line->text[0] != '"' && line->text[0] != '\'') {
        *key = apr_pstrmemdup(p->pool, line->text, len);
        return 0;
    }
    p->at = line->text;
    p->end = line->text + len;
    p->line = line->number;
    if ((line->text[0] == '\'' ? yaml_single_quoted_parse(p)
                               : yaml_double_quoted_parse(p)) != 0)
        return -1;
    *key = apr_pstrmemdup(p->pool, p->scratch->data, p->scratch->len);
    return 0;
}

/* Parses the mapping entries at indent. */
static int yaml_mapping_parse(yaml_doc_t *doc, int indent,
                              struct json_object **value)
{
    struct json_object *mapping = json_object_new_object();

    while (yaml_content_next(doc)) {
        const yaml_line_t *line = &doc->lines[doc->next];
        struct json_object *item;
        long colon;
        char *key;

        if (line->indent < indent)
            break;
        if (line->indent > indent) {
            json_object_put(mapping);
            return fm_fail(doc->p, line->number, "unexpected indentation");
        }
        if (yaml_is_item(line->text, line->len))
            break;
        colon = yaml_colon_find(line->text, line->len);
        if (colon < 0) {
            json_object_put(mapping);
            return fm_fail(doc->p, line->number, "expected 'key: value'");
        }
        if (yaml_key_read(doc, line, colon, &key) != 0) {
            json_object_put(mapping);
            return -1;
        }
        doc->next++;
        colon++;
        while ((apr_size_t)colon < line->len && line->text[colon] == ' ')
            colon++;
        if (yaml_rest_parse(doc, line->text + colon,
                            line->len - (apr_size_t)colon, line->number,
                            indent, 1, &item) != 0
            || fm_object_add(doc->p, mapping, key, strlen(key), item,
                             line->number) != 0) {
            json_object_put(mapping);
            return -1;
        }
    }
    *value = mapping;
    return 0;
}

static int yaml_node_parse(yaml_doc_t *doc, int indent,
                           struct json_object **value)
{
    const yaml_line_t *line = &doc->lines[doc->next];
    int rv;

    if (fm_nest_enter(doc->p) != 0)
        return -1;
    if (yaml_is_item(line->text, line->len))
        rv = yaml_sequence_parse(doc, indent, value);
    else
        rv = yaml_mapping_parse(doc, indent, value);
    doc->p->depth--;
    return rv;
}

/* Parses a YAML block whose top level must be a mapping into *root. */
static int yaml_document_parse(fm_parser_t *p, const char *text,
                               apr_size_t len, int first_line,
                               struct json_object **root)
{
    yaml_doc_t doc = { p, NULL, 0, 0 };

    if (yaml_lines_split(&doc, text, len, first_line) != 0)
        return -1;
    if (!yaml_content_next(&doc)) {
        *root = json_object_new_object();
        return 0;
    }
    if (doc.lines[doc.next].indent != 0
        || yaml_is_item(doc.lines[doc.next].text, doc.lines[doc.next].len))
        return fm_fail(p, doc.lines[doc.next].number, "front matter must "
                       "be a mapping of keys to values");
    if (yaml_mapping_parse(&doc, 0, root) != 0)
        return -1;
    if (yaml_content_next(&doc)) {
        json_object_put(*root);
        return fm_fail(p, doc.lines[doc.next].number,
                       "unexpected indentation");
    }
    return 0;
}

/* ---------------------------------------------------------------------- */
/* Fences                                                                  */
/* ---------------------------------------------------------------------- */

/*
 * Returns the length of a fence line of three fence characters at s, its
 * line break included, or 0 when s is no such line.  Trailing white space
 * is allowed.
 */
static apr_size_t fence_length(const char *s, const char *end, char fence)
{
    const char *at = s;

    if (end - at < 3 || at[0] != fence || at[1] != fence || at[2] != fence)
        return 0;
    at += 3;
    while (at < end && (*at == ' ' || *at == '\t' || *at == '\r'))
        at++;
    if (at == end)
        return (apr_size_t)(at - s);
    if (*at != '\n')
        return 0;
    return (apr_size_t)(at + 1 - s);
}

/* Finds the closing fence; *block_len is what lies before it. */
static const char *fence_close_find(const char *block, const char *end,
                                    char fence, apr_size_t *block_len,
                                    apr_size_t *fence_len)
{
    const char *line = block;

    while (line < end) {
        const char *eol = memchr(line, '\n', (apr_size_t)(end - line));

        *fence_len = fence_length(line, end, fence);
        if (*fence_len > 0) {
            *block_len = (apr_size_t)(line - block);
            return line;
        }
        if (eol == NULL)
            break;
        line = eol + 1;
    }
    return NULL;
}

/* NOTE: strings are not checked for valid UTF-8 here; the importer
 * rejects a file that is not valid UTF-8 before parsing it. */
apr_status_t wk_frontmatter_parse(struct json_object **meta,
                                  const char **body, const char *text,
                                  apr_size_t len, char **error,
                                  apr_pool_t *pool)
{
    const char *end = text + len, *start = text, *block, *closing;
    apr_size_t open_len, block_len = 0, close_len = 0;
    fm_parser_t parser;
    char fence;
    int rc;

    /* A UTF-8 byte order mark may precede the fence. */
    if (len >= 3 && memcmp(start, "\xEF\xBB\xBF", 3) == 0)
        start += 3;
    fence = start < end ? *start : '\0';
    open_len = fence == '+' || fence == '-'
               ? fence_length(start, end, fence) : 0;
    if (open_len == 0) {
        *meta = json_object_new_object();
        *body = text;
        return APR_SUCCESS;
    }

    block = start + open_len;
    closing = fence_close_find(block, end, fence, &block_len, &close_len);
    if (closing == NULL) {
        *error = apr_psprintf(pool, "line 1: front matter opened with "
                              "'%c%c%c' has no closing '%c%c%c' line",
                              fence, fence, fence, fence, fence, fence);
        return WK_EINVAL;
    }

    memset(&parser, 0, sizeof(parser));
    parser.pool = pool;
    parser.scratch = wk_buf_make(pool, 256);
    if (fence == '+') {
        *meta = json_object_new_object();
        parser.at = block;
        parser.end = block + block_len;
        parser.line = 2;
        rc = toml_document_parse(&parser, *meta);
        if (rc != 0) {
            json_object_put(*meta);
            *meta = NULL;
        }
    }
    else
        rc = yaml_document_parse(&parser, block, block_len, 2, meta);
    if (rc != 0) {
        *error = parser.error;
        return WK_EINVAL;
    }
    *body = closing + close_len;
    return APR_SUCCESS;
}

/* ---------------------------------------------------------------------- */
/* Dates                                                                   */
/* ---------------------------------------------------------------------- */

static int is_leap_year(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int days_in_month(int year, int month)
{
    static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
                                31 };

    return month == 2 && is_leap_year(year) ? 29 : days[month - 1];
}

/* Returns the days from 1970-01-01 to the given date in the proleptic
 * Gregorian calendar, counting eras of 400 years. */
static apr_int64_t days_from_civil(int year, int month, int day)
{
    apr_int64_t era, year_of_era, day_of_year, day_of_era;

    year -= month <= 2;
    era = (year >= 0 ? year : year - 399) / 400;
    year_of_era = year - era * 400;
    day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100
                 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

/* Reads exactly count digits at *s into *value and advances *s. */
static int digits_read(const char **s, int count, int *value)
{
    int i;

    *value = 0;
    for (i = 0; i < count; i++) {
        if (!isdigit((unsigned char)(*s)[i]))
            return -1;
        *value = *value * 10 + ((*s)[i] - '0');
    }
    *s += count;
    return 0;
}

/* Reads an optional Z or [+-]HH[:]MM offset into *seconds east of UTC. */
static int offset_read(const char **s, int *seconds)
{
    int sign, hours, minutes;

    *seconds = 0;
    if (**s == ' ' && ((*s)[1] == '+' || (*s)[1] == '-'))
        (*s)++;
    if (**s == 'Z' || **s == 'z') {
        (*s)++;
        return 0;
    }
    if (**s != '+' && **s != '-')
        return 0;
    sign = **s == '-' ? -1 : 1;
    (*s)++;
    if (digits_read(s, 2, &hours) != 0)
        return -1;
    if (**s == ':')
        (*s)++;
    if (digits_read(s, 2, &minutes) != 0 || hours > 23 || minutes > 59)
        return -1;
    *seconds = sign * (hours * 3600 + minutes * 60);
    return 0;
}

/* Reads [T t space]HH:MM[:SS[.fraction]] into seconds and microseconds. */
static int time_read(const char **s, int *seconds, int *usec)
{
    int hour, minute, second = 0, scale = 100000;

    *seconds = 0;
    *usec = 0;
    if (**s == '\0')
        return 0;
    if (**s != 'T' && **s != 't' && **s != ' ')
        return -1;
    (*s)++;
    if (digits_read(s, 2, &hour) != 0 || *(*s)++ != ':'
        || digits_read(s, 2, &minute) != 0)
        return -1;
    if (**s == ':') {
        (*s)++;
        if (digits_read(s, 2, &second) != 0)
            return -1;
        if (**s == '.' || **s == ',') {
            (*s)++;
            if (!isdigit((unsigned char)**s))
                return -1;
            for (; isdigit((unsigned char)**s); (*s)++) {
                *usec += (**s - '0') * scale;
                scale /= 10;
            }
        }
    }
    if (hour > 23 || minute > 59 || second > 60)
        return -1;
    *seconds = hour * 3600 + minute * 60 + second;
    return 0;
}

apr_status_t wk_date_parse(apr_time_t *t, const char *value)
{
    const char *s = value;
    int year, month, day, seconds, usec, offset = 0;
    apr_int64_t days;
    int has_time;

    if (value == NULL || digits_read(&s, 4, &year) != 0 || *s++ != '-'
        || digits_read(&s, 2, &month) != 0 || *s++ != '-'
        || digits_read(&s, 2, &day) != 0)
        return WK_EINVAL;
    if (month < 1 || month > 12 || day < 1
        || day > days_in_month(year, month))
        return WK_EINVAL;
    has_time = *s != '\0';
    if (time_read(&s, &seconds, &usec) != 0)
        return WK_EINVAL;
    if (has_time && offset_read(&s, &offset) != 0)
        return WK_EINVAL;
    if (*s != '\0')
        return WK_EINVAL;

    days = days_from_civil(year, month, day);
    *t = apr_time_from_sec(days * 86400 + seconds - offset) + usec;
    return APR_SUCCESS;
}
