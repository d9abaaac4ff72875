/*
 * wk_buf.c: the growable buffer that templates and renderers write into,
 * and the escaper every HTML and XML page goes through.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wk_core.h"

static apr_status_t buf_free(void *data)
{
    wk_buf_t *buf = data;

    free(buf->data);
    buf->data = NULL;
    return APR_SUCCESS;
}

wk_buf_t *wk_buf_make(apr_pool_t *pool, apr_size_t initial)
{
    wk_buf_t *buf = apr_pcalloc(pool, sizeof(*buf));

    buf->cap = initial < 64 ? 64 : initial;
    buf->data = malloc(buf->cap);
    if (buf->data == NULL)
        abort();
    buf->data[0] = '\0';
    apr_pool_cleanup_register(pool, buf, buf_free, apr_pool_cleanup_null);
    return buf;
}

static void buf_reserve(wk_buf_t *buf, apr_size_t extra)
{
    apr_size_t need = buf->len + extra + 1;
    char *grown;

    if (need <= buf->cap)
        return;
    while (buf->cap < need)
        buf->cap *= 2;
    grown = realloc(buf->data, buf->cap);
    if (grown == NULL)
        abort();
    buf->data = grown;
}

void wk_buf_append(wk_buf_t *buf, const char *bytes, apr_size_t len)
{
    buf_reserve(buf, len);
    memcpy(buf->data + buf->len, bytes, len);
    buf->len += len;
    buf->data[buf->len] = '\0';
}

void wk_buf_puts(wk_buf_t *buf, const char *str)
{
    wk_buf_append(buf, str, strlen(str));
}

void wk_buf_printf(wk_buf_t *buf, const char *fmt, ...)
{
    va_list ap;
    int needed;

    va_start(ap, fmt);
    needed = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (needed < 0)
        return;

    buf_reserve(buf, (apr_size_t)needed);
    va_start(ap, fmt);
    vsnprintf(buf->data + buf->len, (size_t)needed + 1, fmt, ap);
    va_end(ap);
    buf->len += (apr_size_t)needed;
}

void wk_buf_reset(wk_buf_t *buf)
{
    buf->len = 0;
    buf->data[0] = '\0';
}

/*
 * Returns the length of the valid UTF-8 sequence at s, or 0 when the bytes
 * there are not one (overlong forms and surrogates included).
 */
static apr_size_t utf8_sequence_length(const unsigned char *s, apr_size_t avail)
{
    apr_size_t len, i;
    unsigned long cp;

    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        len = 2;
        cp = s[0] & 0x1F;
    }
    else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        len = 3;
        cp = s[0] & 0x0F;
    }
    else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        len = 4;
        cp = s[0] & 0x07;
    }
    else
        return 0;
    if (avail < len)
        return 0;
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)
        || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)
        || cp == 0xFFFE || cp == 0xFFFF)
        return 0;
    return len;
}

void wk_buf_append_escaped(wk_buf_t *buf, const char *text, apr_size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    apr_size_t i = 0, run = 0, seq;

    buf_reserve(buf, len);
    while (i < len) {
        const char *entity = NULL;
        unsigned char c = s[i];

        switch (c) {
        case '&': entity = "&amp;"; break;
        case '<': entity = "&lt;"; break;
        case '>': entity = "&gt;"; break;
        case '"': entity = "&quot;"; break;
        case '\'': entity = "&#39;"; break;
        default: break;
        }
        if (entity == NULL && c >= 0x20 && c < 0x80) {
            i++;
            continue;
        }

        /* Flush the plain run before the byte that needs work. */
        wk_buf_append(buf, text + run, i - run);
        if (entity != NULL) {
            wk_buf_puts(buf, entity);
            i++;
        }
        else if (c < 0x20) {
            if (c == '\t' || c == '\n' || c == '\r')
                wk_buf_append(buf, text + i, 1);
            i++;
        }
        else if ((seq = utf8_sequence_length(s + i, len - i)) > 0) {
            wk_buf_append(buf, text + i, seq);
            i += seq;
        }
        else {
            wk_buf_puts(buf, "\xEF\xBF\xBD");
            i++;
        }
        run = i;
    }
    wk_buf_append(buf, text + run, i - run);
}

const char *wk_time_rfc3339(apr_time_t t, apr_pool_t *pool)
{
    apr_time_exp_t tm;

    apr_time_exp_gmt(&tm, t);
    return apr_psprintf(pool, "%04d-%02d-%02dT%02d:%02d:%02dZ",
                        tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                        tm.tm_hour, tm.tm_min, tm.tm_sec);
}

int wk_utf8_valid(const char *text, apr_size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    apr_size_t i = 0, seq;

    while (i < len) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        seq = utf8_sequence_length(s + i, len - i);
        if (seq == 0)
            return 0;
        i += seq;
    }
    return 1;
}
