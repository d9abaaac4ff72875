/*
 * wk_studio.c: serves the studio's single-page app, the files that
 * `npm run build` leaves in studio/dist.
 *
 * Below the studio's mount point, assets/NAME is a file of the build,
 * named by a hash of its content and so cached for a year.  Every other
 * path that is not the API gets index.html, because the app routes in
 * the browser.  index.html names the mount point in its <base href>, which
 * this file rewrites to the configured WriteKitStudio, so one build
 * serves any mount point.
 */
#include <apr_file_io.h>
#include <apr_hash.h>
#include <apr_lib.h>
#include <apr_strings.h>

#include <httpd.h>
#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>
#include <util_filter.h>

#include "mod_writekit.h"

APLOG_USE_MODULE(writekit);

/* index.html of a Vite build is under 2 KB; anything near this bound is
 * not the app. */
#define INDEX_MAX_BYTES (256 * 1024)

/* Applies to the app's own pages only.  Images may come from anywhere
 * because a post's preview shows what readers will see, but scripts and
 * requests stay on this origin. */
#define STUDIO_CSP \
    "default-src 'self'; img-src * data: blob:; " \
    "style-src 'self' 'unsafe-inline'; connect-src 'self'; " \
    "frame-src https:; frame-ancestors 'none'; base-uri 'self'; " \
    "form-action 'self'; object-src 'none'"

static const struct {
    const char *extension;
    const char *content_type;
} asset_types[] = {
    { ".js",    "text/javascript; charset=utf-8" },
    { ".mjs",   "text/javascript; charset=utf-8" },
    { ".css",   "text/css; charset=utf-8" },
    { ".map",   "application/json; charset=utf-8" },
    { ".json",  "application/json; charset=utf-8" },
    { ".svg",   "image/svg+xml" },
    { ".png",   "image/png" },
    { ".ico",   "image/x-icon" },
    { ".webp",  "image/webp" },
    { ".woff2", "font/woff2" },
    { NULL, NULL }
};

/* Returns the content type of an asset by its extension, or NULL for a
 * kind of file the build does not make. */
static const char *asset_type(const char *name)
{
    const char *dot = strrchr(name, '.');
    int i;

    if (dot == NULL)
        return NULL;
    for (i = 0; asset_types[i].extension != NULL; i++)
        if (strcmp(dot, asset_types[i].extension) == 0)
            return asset_types[i].content_type;
    return NULL;
}

/* An asset name is one path segment of the characters Vite uses in
 * hashed names, so no request can leave the assets directory. */
static int asset_name_valid(const char *name)
{
    const char *p;

    if (*name == '\0' || *name == '.')
        return 0;
    for (p = name; *p != '\0'; p++)
        if (!apr_isalnum(*p) && *p != '.' && *p != '-' && *p != '_')
            return 0;
    return 1;
}

/* Sets the validators and checks the request's conditions; returns OK
 * or the status to send (304, 412).  The ETag comes from the file's
 * time and size and, for index.html, the mount point written into it. */
static int file_conditions(request_rec *r, const apr_finfo_t *finfo,
                           const char *mount)
{
    unsigned int mount_hash = 0;
    apr_ssize_t mount_len = APR_HASH_KEY_STRING;

    if (mount != NULL)
        mount_hash = apr_hashfunc_default(mount, &mount_len);
    apr_table_setn(r->headers_out, "ETag",
                   apr_psprintf(r->pool, "\"%" APR_UINT64_T_HEX_FMT "-%"
                                APR_UINT64_T_HEX_FMT "-%x\"",
                                (apr_uint64_t)finfo->mtime,
                                (apr_uint64_t)finfo->size, mount_hash));
    ap_update_mtime(r, finfo->mtime);
    ap_set_last_modified(r);
    return ap_meets_conditions(r);
}

/* Sends an open file through the output filters, as httpd's own file
 * handler does, so sendfile and mmap apply. */
static int send_file(request_rec *r, apr_file_t *file, apr_off_t size)
{
    apr_bucket_brigade *bb;

    ap_set_content_length(r, size);
    if (r->header_only)
        return OK;

    bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    apr_brigade_insert_file(bb, file, 0, size, r->pool);
    APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(bb->bucket_alloc));
    return ap_pass_brigade(r->output_filters, bb) == APR_SUCCESS
           ? OK : AP_FILTER_ERROR;
}

static int serve_asset(request_rec *r, const char *dir, const char *name)
{
    const char *type = asset_type(name);
    const char *path;
    apr_file_t *file;
    apr_finfo_t finfo;
    apr_status_t rv;
    int status;

    if (!asset_name_valid(name) || type == NULL)
        return HTTP_NOT_FOUND;

    path = apr_pstrcat(r->pool, dir, "/assets/", name, NULL);
    rv = apr_file_open(&file, path, APR_FOPEN_READ | APR_FOPEN_SENDFILE_ENABLED,
                       APR_OS_DEFAULT, r->pool);
    if (rv != APR_SUCCESS)
        return HTTP_NOT_FOUND;
    rv = apr_file_info_get(&finfo, APR_FINFO_NORM, file);
    if (rv != APR_SUCCESS || finfo.filetype != APR_REG)
        return HTTP_NOT_FOUND;

    ap_set_content_type(r, type);
    apr_table_setn(r->headers_out, "X-Content-Type-Options", "nosniff");
    /* A new build names changed files anew, so a name never changes
     * content. */
    apr_table_setn(r->headers_out, "Cache-Control",
                   "public, max-age=31536000, immutable");
    status = file_conditions(r, &finfo, NULL);
    if (status != OK)
        return status;
    return send_file(r, file, finfo.size);
}

/* Reads index.html whole; returns an HTTP status. */
static int read_index(wk_buf_t *page, apr_finfo_t *finfo, request_rec *r,
                      const char *dir)
{
    const char *path = apr_pstrcat(r->pool, dir, "/index.html", NULL);
    apr_file_t *file;
    apr_size_t got;
    apr_status_t rv;

    rv = apr_file_open(&file, path, APR_FOPEN_READ, APR_OS_DEFAULT, r->pool);
    if (rv == APR_SUCCESS)
        rv = apr_file_info_get(finfo, APR_FINFO_NORM, file);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r,
                      "WK00200: cannot read the studio's %s; build the "
                      "studio (make) or point WriteKitStudioFiles at its "
                      "dist directory", path);
        return HTTP_NOT_FOUND;
    }
    if (finfo->size > INDEX_MAX_BYTES) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "WK00201: the studio's %s is %" APR_OFF_T_FMT
                      " bytes, over the %d bytes of an app's index",
                      path, finfo->size, INDEX_MAX_BYTES);
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    page->len = (apr_size_t)finfo->size;
    page->data = apr_palloc(r->pool, page->len + 1);
    rv = apr_file_read_full(file, page->data, page->len, &got);
    if (rv != APR_SUCCESS || got != page->len) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r,
                      "WK00202: cannot read the studio's %s", path);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    page->data[page->len] = '\0';
    return OK;
}

/* Replaces the value of the page's <base href="..."> with the mount
 * point; a page without one is sent as it is. */
static void rewrite_base(wk_buf_t *page, const char *mount, apr_pool_t *pool)
{
    static const char marker[] = "<base href=\"";
    char *start = strstr(page->data, marker);
    char *end;

    if (start == NULL)
        return;
    start += sizeof(marker) - 1;
    end = strchr(start, '"');
    if (end == NULL)
        return;

    page->data = apr_pstrcat(pool,
                             apr_pstrmemdup(pool, page->data,
                                            (apr_size_t)(start - page->data)),
                             ap_escape_html(pool, mount), end, NULL);
    page->len = strlen(page->data);
}

static int serve_index(request_rec *r, const wk_server_conf_t *conf,
                       const char *dir)
{
    apr_finfo_t finfo;
    wk_buf_t page;
    int status;

    status = read_index(&page, &finfo, r, dir);
    if (status != OK)
        return status;

    ap_set_content_type(r, "text/html; charset=utf-8");
    apr_table_setn(r->headers_out, "Content-Security-Policy", STUDIO_CSP);
    apr_table_setn(r->headers_out, "X-Content-Type-Options", "nosniff");
    apr_table_setn(r->headers_out, "Referrer-Policy", "same-origin");
    /* Revalidated on every load, so a new build reaches authors at once. */
    apr_table_setn(r->headers_out, "Cache-Control", "no-cache");
    status = file_conditions(r, &finfo, wk_conf_studio(conf));
    if (status != OK)
        return status;

    rewrite_base(&page, wk_conf_studio(conf), r->pool);
    ap_set_content_length(r, (apr_off_t)page.len);
    if (!r->header_only)
        ap_rwrite(page.data, (int)page.len, r);
    return OK;
}

int wk_studio_serve(request_rec *r, const wk_server_conf_t *conf,
                    const char *rest)
{
    const char *dir = wk_conf_studio_files(conf);

    if (strncmp(rest, "assets/", 7) == 0)
        return serve_asset(r, dir, rest + 7);
    return serve_index(r, conf, dir);
}
