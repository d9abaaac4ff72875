/*
 * wk_core.h: shared types of the mod_writekit core.
 *
 * The core (storage, rendering, templates, import) depends on APR, SQLite,
 * cmark-gfm and json-c only, never on httpd, so the writekit CLI and the
 * unit tests link the same code as the module.  Functions that can fail
 * return apr_status_t and, where a person must read the reason, set
 * *error to a message allocated on the pool they were given.
 */
#ifndef WK_CORE_H
#define WK_CORE_H

#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_tables.h>
#include <apr_time.h>

/* Status codes of our own, above APR's user error space. */
#define WK_EINVAL   (APR_OS_START_USERERR + 1)  /* input rejected */
#define WK_ETOOBIG  (APR_OS_START_USERERR + 2)  /* input over a size limit */
#define WK_ETIMEOUT (APR_OS_START_USERERR + 3)  /* over a time budget */
#define WK_ENOMEM   (APR_OS_START_USERERR + 4)  /* over a memory budget */
#define WK_ENEWER   (APR_OS_START_USERERR + 5)  /* schema newer than ours */
#define WK_ECORRUPT (APR_OS_START_USERERR + 6)  /* not a usable tenant file */
#define WK_EDB      (APR_OS_START_USERERR + 7)  /* SQLite failed */
#define WK_EAUTH    (APR_OS_START_USERERR + 8)  /* wrong credentials */
#define WK_ELIMITED (APR_OS_START_USERERR + 9)  /* too many attempts */
#define WK_ECONFLICT (APR_OS_START_USERERR + 10) /* stale revision */
#define WK_EEXIST   (APR_OS_START_USERERR + 11) /* already exists */

/*
 * A growable byte buffer.  The bytes live in malloc'd memory that a cleanup
 * on the owning pool frees, so growth does not leave dead copies in the
 * pool.  data is always NUL-terminated.
 */
typedef struct wk_buf {
    char *data;
    apr_size_t len;
    apr_size_t cap;
} wk_buf_t;

wk_buf_t *wk_buf_make(apr_pool_t *pool, apr_size_t initial);
void wk_buf_append(wk_buf_t *buf, const char *bytes, apr_size_t len);
void wk_buf_puts(wk_buf_t *buf, const char *str);
void wk_buf_printf(wk_buf_t *buf, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void wk_buf_reset(wk_buf_t *buf);

/*
 * Appends text escaped for HTML and XML text and attribute values: & < > " '
 * become entities, invalid UTF-8 becomes U+FFFD and control characters
 * that XML 1.0 forbids are dropped, so the output is well-formed in both.
 */
void wk_buf_append_escaped(wk_buf_t *buf, const char *text, apr_size_t len);

/* Returns 1 when the len bytes of text are well-formed UTF-8: no overlong
 * forms, surrogates, noncharacters U+FFFE and U+FFFF, or code points past
 * U+10FFFF. */
int wk_utf8_valid(const char *text, apr_size_t len);

/* Formats a time as RFC 3339 in UTC, e.g. 2024-05-01T09:30:00Z. */
const char *wk_time_rfc3339(apr_time_t t, apr_pool_t *pool);

#endif
