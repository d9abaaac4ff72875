/*
 * wk_multipart.h: a streaming parser of multipart/form-data bodies
 * (RFC 7578, with the framing of RFC 2046).
 *
 * The body is fed in chunks of any size, split anywhere, and each part's
 * content goes to a callback as it arrives, so memory stays bounded by
 * one buffer of about max_header_bytes whatever the size of the body.
 * Limits are checked while streaming: a part that goes over its limit
 * stops the parse at that byte.
 */
#ifndef WK_MULTIPART_H
#define WK_MULTIPART_H

#include "wk_core.h"

typedef struct wk_multipart wk_multipart_t;

/* The headers of one part, valid until the part ends. */
typedef struct wk_multipart_part {
    const char *name;          /* the form field's name */
    const char *filename;      /* as the client sent it; NULL when absent */
    const char *content_type;  /* NULL when the part has none */
} wk_multipart_part_t;

/*
 * Called for each part.  A status other than APR_SUCCESS stops the parse
 * and is returned by wk_multipart_feed().  data may be NULL.
 */
typedef struct wk_multipart_callbacks {
    apr_status_t (*part_begin)(void *baton, const wk_multipart_part_t *part);
    apr_status_t (*part_data)(void *baton, const char *data, apr_size_t len);
    apr_status_t (*part_end)(void *baton);
} wk_multipart_callbacks_t;

typedef struct wk_multipart_limits {
    apr_size_t max_header_bytes;  /* one part's header block */
    apr_size_t max_part_bytes;    /* one part's content; 0 for no limit */
    int max_parts;
} wk_multipart_limits_t;

#define WK_MULTIPART_DEFAULT_MAX_HEADER 8192
#define WK_MULTIPART_DEFAULT_MAX_PARTS  16

/*
 * Takes the boundary from a Content-Type header value such as
 * `multipart/form-data; boundary="abc"` (quoted or a token).  Returns
 * WK_EINVAL with *error when the type is not multipart/form-data or the
 * boundary is missing or not 1 to 70 characters of those RFC 2046
 * allows.
 */
apr_status_t wk_multipart_boundary(const char **boundary,
                                   const char *content_type, char **error,
                                   apr_pool_t *pool);

/* Makes a parser for one body.  Everything it keeps lives on pool. */
wk_multipart_t *wk_multipart_make(const char *boundary,
                                  const wk_multipart_limits_t *limits,
                                  const wk_multipart_callbacks_t *callbacks,
                                  void *baton, apr_pool_t *pool);

/*
 * Parses the next len bytes of the body.  Returns APR_SUCCESS, WK_EINVAL
 * for a malformed body, WK_ETOOBIG when a limit is passed, or the status
 * of a callback that failed.  After a failure every call returns the same
 * status and wk_multipart_error() returns the reason.
 */
apr_status_t wk_multipart_feed(wk_multipart_t *parser, const char *data,
                               apr_size_t len);

/* Ends the body: WK_EINVAL when it stopped before the closing boundary. */
apr_status_t wk_multipart_finish(wk_multipart_t *parser);

/* The reason of the last failure, or NULL. */
const char *wk_multipart_error(const wk_multipart_t *parser);

#endif
