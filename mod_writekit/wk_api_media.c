/*
 * wk_api_media.c: the studio's media library: upload, list and delete.
 *
 * An upload is either multipart/form-data with the file in the field
 * "file", or the raw bytes as the whole body.  Its type comes from the
 * bytes (wk_media_detect), never from the name or the Content-Type, and
 * it is stored under a path made from its SHA-256.  The body is read in
 * chunks up to WriteKitMaxUploadSize and no further, so nothing over the
 * limit is ever held in memory or stored.  SVG is accepted because the
 * reader's media handler serves it with a Content-Security-Policy that
 * runs no script.
 */
#include <string.h>

#include <httpd.h>
#include <http_log.h>
#include <http_protocol.h>
#include <util_script.h>

#include "wk_api.h"
#include "wk_media.h"
#include "wk_multipart.h"

APLOG_USE_MODULE(writekit);

/* Functions that send a response return OK; helpers that may send an
 * error return 1 to go on and 0 (OK, from wk_api_error) once one was sent. */

#define LIST_DEFAULT_PER_PAGE 50
#define LIST_MAX_PER_PAGE     100

/* Bytes a multipart body may carry beyond the file: the headers and
 * boundaries of every part the parser accepts. */
#define MULTIPART_OVERHEAD \
    (WK_MULTIPART_DEFAULT_MAX_PARTS * (WK_MULTIPART_DEFAULT_MAX_HEADER + 256))

/* The file of one upload while its body is read. */
typedef struct upload {
    wk_buf_t *data;
    apr_size_t max_bytes;
    int in_file_part;        /* the current part is the field "file" */
    int file_parts;
    int over_limit;
} upload_t;

static int too_large(wk_api_request_t *req, apr_size_t max_bytes)
{
    return wk_api_error(req, HTTP_REQUEST_ENTITY_TOO_LARGE, "too_large",
                        apr_psprintf(req->r->pool, "The upload is over the "
                                     "limit of %" APR_SIZE_T_FMT " bytes "
                                     "(WriteKitMaxUploadSize).", max_bytes));
}

static apr_status_t part_begin(void *baton, const wk_multipart_part_t *part)
{
    upload_t *upload = baton;

    upload->in_file_part = strcmp(part->name, "file") == 0;
    if (upload->in_file_part && ++upload->file_parts > 1)
        return WK_EINVAL;
    return APR_SUCCESS;
}

static apr_status_t upload_append(upload_t *upload, const char *data,
                                  apr_size_t len)
{
    if (upload->data->len + len > upload->max_bytes) {
        upload->over_limit = 1;
        return WK_ETOOBIG;
    }
    wk_buf_append(upload->data, data, len);
    return APR_SUCCESS;
}

/* Keeps the content of the file part; other fields are read and dropped. */
static apr_status_t part_data(void *baton, const char *data, apr_size_t len)
{
    upload_t *upload = baton;

    return upload->in_file_part ? upload_append(upload, data, len)
                                : APR_SUCCESS;
}

static apr_status_t part_end(void *baton)
{
    ((upload_t *)baton)->in_file_part = 0;
    return APR_SUCCESS;
}

static const wk_multipart_callbacks_t upload_callbacks = {
    part_begin, part_data, part_end
};

/*
 * Reads the request body in chunks, handing each to the multipart parser
 * when there is one or to the upload directly.  Returns 1, or 0 after
 * sending an error: 413 once body_limit bytes have been read or the file
 * passes its limit, 400 for a body that cannot be read or parsed.
 */
static int body_read(wk_api_request_t *req, upload_t *upload,
                     wk_multipart_t *parser, apr_size_t body_limit)
{
    request_rec *r = req->r;
    apr_size_t total = 0;
    apr_status_t rv = APR_SUCCESS;
    char chunk[8192];
    long got;

    if (ap_setup_client_block(r, REQUEST_CHUNKED_DECHUNK) != OK)
        return wk_api_error(req, HTTP_BAD_REQUEST, "invalid_body",
                            "The request body could not be read.");
    if (!ap_should_client_block(r))
        return 1;
    while (rv == APR_SUCCESS
           && (got = ap_get_client_block(r, chunk, sizeof(chunk))) > 0) {
        total += (apr_size_t)got;
        if (total > body_limit)
            return too_large(req, upload->max_bytes);
        rv = parser ? wk_multipart_feed(parser, chunk, (apr_size_t)got)
                    : upload_append(upload, chunk, (apr_size_t)got);
    }
    if (upload->over_limit)
        return too_large(req, upload->max_bytes);
    if (rv == APR_SUCCESS && got < 0)
        return wk_api_error(req, HTTP_BAD_REQUEST, "invalid_body",
                            "The request body could not be read.");
    if (parser && rv == APR_SUCCESS)
        rv = wk_multipart_finish(parser);
    if (rv != APR_SUCCESS)
        return wk_api_error(req, HTTP_BAD_REQUEST, "invalid_multipart",
            apr_psprintf(r->pool, "The multipart body is invalid: %s.",
                         upload->file_parts > 1
                         ? "it has more than one field named file"
                         : wk_multipart_error(parser)));
    return 1;
}

/* Returns the declared Content-Length, 0 when absent, -1 when invalid. */
static apr_off_t declared_length(request_rec *r)
{
    const char *length = apr_table_get(r->headers_in, "Content-Length");
    apr_off_t declared = 0;
    char *end;

    if (length == NULL)
        return 0;
    if (apr_strtoff(&declared, length, &end, 10) != APR_SUCCESS
        || *end != '\0' || declared < 0)
        return -1;
    return declared;
}

/*
 * Reads the upload's bytes into upload->data.  A multipart body may run
 * MULTIPART_OVERHEAD bytes over the file limit for its headers.  Returns
 * 1, or 0 after sending an error.
 */
static int upload_read(wk_api_request_t *req, upload_t *upload)
{
    request_rec *r = req->r;
    const char *type = apr_table_get(r->headers_in, "Content-Type");
    const char *boundary = NULL;
    wk_multipart_t *parser = NULL;
    wk_multipart_limits_t limits = { WK_MULTIPART_DEFAULT_MAX_HEADER, 0,
                                     WK_MULTIPART_DEFAULT_MAX_PARTS };
    apr_size_t body_limit = upload->max_bytes;
    apr_off_t declared = declared_length(r);
    char *error = NULL;

    if (type != NULL && strncasecmp(type, "multipart/", 10) == 0) {
        if (wk_multipart_boundary(&boundary, type, &error, r->pool)
            != APR_SUCCESS)
            return wk_api_error(req, HTTP_BAD_REQUEST, "invalid_multipart",
                                apr_psprintf(r->pool, "Invalid upload: "
                                             "%s.", error));
        parser = wk_multipart_make(boundary, &limits, &upload_callbacks,
                                   upload, r->pool);
        body_limit += MULTIPART_OVERHEAD;
    }
    if (declared < 0)
        return wk_api_error(req, HTTP_BAD_REQUEST, "invalid_body",
                            "The Content-Length is not a number.");
    if ((apr_uint64_t)declared > body_limit)
        return too_large(req, upload->max_bytes);

    upload->data = wk_buf_make(r->pool, declared > 0
                                        && (apr_size_t)declared < body_limit
                                        ? (apr_size_t)declared + 1 : 65536);
    if (!body_read(req, upload, parser, body_limit))
        return 0;
    if (parser != NULL && upload->file_parts == 0)
        return wk_api_error(req, HTTP_UNPROCESSABLE_ENTITY, "missing_file",
                            "The multipart body has no field named file.");
    return 1;
}

static const char *media_url(const wk_api_request_t *req, const char *path)
{
    return apr_pstrcat(req->r->pool, wk_conf_mount(req->conf), "media/",
                       path, NULL);
}

static int upload_created(wk_api_request_t *req, const wk_media_t *media)
{
    struct json_object *body = json_object_new_object();
    const char *url = media_url(req, media->path);

    json_object_object_add(body, "path", json_object_new_string(media->path));
    json_object_object_add(body, "url", json_object_new_string(url));
    json_object_object_add(body, "content_type",
                           json_object_new_string(media->content_type));
    json_object_object_add(body, "size",
                           json_object_new_int64((int64_t)media->size));
    json_object_object_add(body, "markdown", json_object_new_string(
        apr_pstrcat(req->r->pool, "![](", url, ")", NULL)));
    apr_table_setn(req->r->headers_out, "Location", url);
    return wk_api_send_json(req, HTTP_CREATED, body);
}

static int media_upload(wk_api_request_t *req)
{
    upload_t upload = { NULL, wk_conf_max_upload_size(req->conf), 0, 0, 0 };
    const char *type;
    wk_media_t media;
    char *error = NULL;

    if (!upload_read(req, &upload))
        return OK;
    if (upload.data->len == 0)
        return wk_api_error(req, HTTP_UNPROCESSABLE_ENTITY, "empty_file",
                            "The uploaded file is empty.");
    type = wk_media_detect(upload.data->data, upload.data->len);
    if (type == NULL)
        return wk_api_error(req, HTTP_UNSUPPORTED_MEDIA_TYPE,
                            "unsupported_media_type", "The file is not a "
                            "PNG, JPEG, GIF, WebP, AVIF or SVG image.");

    if (wk_media_store_upload(&media, req->db, upload.data->data,
                              upload.data->len, type, apr_time_now(), &error,
                              req->r->pool) != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, req->r,
                      "WK00100: tenant %s: storing an upload failed: %s",
                      wk_db_path(req->db), error);
        return wk_api_error(req, HTTP_SERVICE_UNAVAILABLE, "database_error",
                            "The upload could not be stored; try again "
                            "shortly.");
    }
    return upload_created(req, &media);
}

/* Reads a whole number in [min, max] from the query, or fallback when
 * absent; returns 0 for a value that is out of range or not a number. */
static int query_int(apr_table_t *args, const char *name, int fallback,
                     int min, int max)
{
    const char *value = args ? apr_table_get(args, name) : NULL;
    apr_int64_t n;
    char *end;

    if (value == NULL)
        return fallback;
    n = apr_strtoi64(value, &end, 10);
    if (*value == '\0' || *end != '\0' || n < min || n > max)
        return 0;
    return (int)n;
}

static struct json_object *media_item_json(const wk_api_request_t *req,
                                           const wk_media_t *media)
{
    struct json_object *item = json_object_new_object();

    json_object_object_add(item, "path", json_object_new_string(media->path));
    json_object_object_add(item, "url", json_object_new_string(
        media_url(req, media->path)));
    json_object_object_add(item, "content_type",
                           json_object_new_string(media->content_type));
    json_object_object_add(item, "size",
                           json_object_new_int64((int64_t)media->size));
    json_object_object_add(item, "created_at", json_object_new_string(
        wk_time_rfc3339(media->created_at, req->r->pool)));
    return item;
}

/* GET media?page=N&per_page=M: the newest first. */
static int media_list(wk_api_request_t *req)
{
    apr_table_t *args = NULL;
    apr_array_header_t *media;
    struct json_object *body, *items;
    int page, per_page, total, i;

    args = wk_api_query(req);
    page = query_int(args, "page", 1, 1, 1000000);
    per_page = query_int(args, "per_page", LIST_DEFAULT_PER_PAGE, 1,
                         LIST_MAX_PER_PAGE);
    if (page == 0 || per_page == 0)
        return wk_api_error(req, HTTP_BAD_REQUEST, "invalid_query",
                            apr_psprintf(req->r->pool, "page must be a whole "
                                         "number from 1 and per_page one "
                                         "from 1 to %d.", LIST_MAX_PER_PAGE));
    if (wk_media_list(&media, &total, req->db, (page - 1) * per_page,
                      per_page, req->r->pool) != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, req->r,
                      "WK00101: tenant %s: listing media failed: %s",
                      wk_db_path(req->db),
                      sqlite3_errmsg(wk_db_handle(req->db)));
        return wk_api_error(req, HTTP_SERVICE_UNAVAILABLE, "database_error",
                            "The media library could not be read; try "
                            "again shortly.");
    }

    items = json_object_new_array();
    for (i = 0; i < media->nelts; i++)
        json_object_array_add(items, media_item_json(
            req, APR_ARRAY_IDX(media, i, const wk_media_t *)));
    body = json_object_new_object();
    json_object_object_add(body, "media", items);
    json_object_object_add(body, "page", json_object_new_int(page));
    json_object_object_add(body, "per_page", json_object_new_int(per_page));
    json_object_object_add(body, "total", json_object_new_int(total));
    return wk_api_send_json(req, HTTP_OK, body);
}

/* DELETE media/PATH, PATH being the stored path (uploads/...). */
static int media_delete(wk_api_request_t *req, const char *path)
{
    char *error = NULL;
    apr_status_t rv = wk_media_delete(req->db, path, &error, req->r->pool);

    if (rv == APR_NOTFOUND)
        return wk_api_error(req, HTTP_NOT_FOUND, "not_found",
                            apr_psprintf(req->r->pool, "There is no media "
                                         "%s.", path));
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, req->r,
                      "WK00102: tenant %s: deleting media failed: %s",
                      wk_db_path(req->db), error);
        return wk_api_error(req, HTTP_SERVICE_UNAVAILABLE, "database_error",
                            "The media could not be deleted; try again "
                            "shortly.");
    }
    return wk_api_send_empty(req, HTTP_NO_CONTENT);
}

int wk_api_media(wk_api_request_t *req)
{
    const char *rest = req->path + strlen("media");
    int method = req->r->method_number;

    if (*rest == '\0') {
        if (method == M_GET)
            return media_list(req);
        if (method == M_POST)
            return media_upload(req);
        return wk_api_method_not_allowed(req, "GET, POST");
    }
    if (rest[0] != '/' || rest[1] == '\0')
        return wk_api_not_found(req);
    if (method == M_DELETE)
        return media_delete(req, rest + 1);
    return wk_api_method_not_allowed(req, "DELETE");
}
