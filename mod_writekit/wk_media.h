/*
 * wk_media.h: images authors upload from the studio: the type read from
 * the bytes, the content-addressed path they are stored under, and the
 * media library's list and delete.
 *
 * The name and the Content-Type a client sends are never trusted.  The
 * type comes from the bytes alone and the stored path from their
 * SHA-256, so an upload can neither choose where it is stored nor be
 * served as anything but an image type.
 */
#ifndef WK_MEDIA_H
#define WK_MEDIA_H

#include "wk_store.h"

/*
 * Returns the content type of the image in data: "image/png",
 * "image/jpeg", "image/gif", "image/webp", "image/avif" or
 * "image/svg+xml", or NULL for anything else (empty and truncated files
 * included).  Raster types are recognized by their signature and first
 * header.  SVG is text without NUL bytes whose root element is <svg>,
 * after an optional BOM, XML declaration, comments and a DOCTYPE without
 * an internal subset.
 */
const char *wk_media_detect(const void *data, apr_size_t len);

/* Returns the file extension for a type wk_media_detect() returns, e.g.
 * "png" or "svg"; NULL for any other type. */
const char *wk_media_extension(const char *content_type);

/*
 * Stores an upload of type content_type (from wk_media_detect()) under
 * uploads/<first 16 hex digits of its SHA-256>.<extension> and fills
 * *media (without copying data).  The same bytes uploaded twice land on
 * the same path.  Returns WK_EINVAL for an empty upload or a type
 * wk_media_detect() never returns, WK_EDB with *error when the write
 * fails.
 */
apr_status_t wk_media_store_upload(wk_media_t *media, wk_db_t *db,
                                   const void *data, apr_size_t len,
                                   const char *content_type, apr_time_t now,
                                   char **error, apr_pool_t *pool);

/*
 * Lists stored media, newest first, without their bytes (data is NULL,
 * size is set).  *total receives the number of stored media.
 */
apr_status_t wk_media_list(apr_array_header_t **media, int *total,
                           wk_db_t *db, int offset, int limit,
                           apr_pool_t *pool);

/* Deletes the media stored under path; APR_NOTFOUND when there is none. */
apr_status_t wk_media_delete(wk_db_t *db, const char *path, char **error,
                             apr_pool_t *pool);

#endif
