/*
 * wk_api_site.c: the studio's whole-blog endpoints: markdown preview,
 * the blog's settings, and the exports: the tenant file, the folder of
 * writekit export as a zip, and a WordPress export.
 *
 * Preview is where WriteKitMaxPostSize and the render budget meet the
 * module: it renders with the limits a save uses, so an author sees the
 * same error before saving.  Export copies the tenant file with SQLite's
 * online backup API while holding one read transaction, so the copy is
 * one consistent snapshot and writers (WAL mode) are never blocked.
 */
#include <string.h>

#include <apr_file_io.h>
#include <apr_lib.h>
#include <apr_uri.h>

#include <httpd.h>
#include <http_log.h>
#include <http_protocol.h>

#include "wk_api.h"
#include "wk_archive.h"
#include "wk_export.h"
#include "wk_host.h"
#include "wk_markdown.h"

APLOG_USE_MODULE(writekit);

/* Helpers that may send an error return 1 to go on, or 0 (the OK that
 * wk_api_error returns) once they sent one. */

/* ---------------------------------------------------------------------- */
/* preview                                                                 */
/* ---------------------------------------------------------------------- */

static int post_too_large(wk_api_request_t *req, const char *message)
{
    return wk_api_error(req, HTTP_REQUEST_ENTITY_TOO_LARGE, "post_too_large",
                        message);
}

/* Maps a failed render to its error: the size limit, the render budget,
 * or a failure of the server. */
static int render_failed(wk_api_request_t *req, apr_status_t rv,
                         const char *error)
{
    if (rv == WK_ETOOBIG)
        return post_too_large(req, error);
    if (rv == WK_ETIMEOUT || rv == WK_ENOMEM || rv == WK_EINVAL)
        return wk_api_error(req, HTTP_UNPROCESSABLE_ENTITY, "render_limit",
                            error);
    ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, req->r,
                  "WK00103: tenant %s: preview render failed: %s",
                  wk_db_path(req->db), error ? error : "no message");
    return wk_api_error(req, HTTP_SERVICE_UNAVAILABLE, "render_failed",
                        "The preview could not be rendered; try again "
                        "shortly.");
}

/*
 * POST preview {"markdown": TEXT} -> {"html": HTML}.  Renders with the
 * function and options a save uses, raw HTML setting included.
 */
static int preview(wk_api_request_t *req)
{
    static const char *const fields[] = { "markdown", NULL };
    apr_size_t max = wk_conf_max_post_size(req->conf);
    struct json_object *body, *result;
    wk_edit_options_t options;
    const char *markdown, *html;
    char *error = NULL;
    apr_status_t rv;

    if (req->r->method_number != M_POST)
        return wk_api_method_not_allowed(req, "POST");
    wk_api_read_json(req, max * WK_API_JSON_EXPANSION + WK_API_OTHER_FIELDS_MAX,
                     &body);
    if (body == NULL || !wk_api_fields_known(req, body, fields)
        || !wk_api_field_string(req, body, "markdown", &markdown))
        return OK;
    if (markdown == NULL)
        return wk_api_invalid_field(req, "markdown", "a string");

    wk_api_edit_options(&options, req);
    rv = wk_post_render(&html, markdown, "markdown", &options, &error,
                        req->r->pool);
    if (rv != APR_SUCCESS)
        return render_failed(req, rv, error);

    result = json_object_new_object();
    json_object_object_add(result, "html", json_object_new_string(html));
    return wk_api_send_json(req, HTTP_OK, result);
}

int wk_api_preview(wk_api_request_t *req)
{
    if (strcmp(req->path, "preview") != 0)
        return wk_api_not_found(req);
    return preview(req);
}

/* ---------------------------------------------------------------------- */
/* settings                                                                */
/* ---------------------------------------------------------------------- */

#define ZONEINFO_DIR       "/usr/share/zoneinfo"
#define MAX_TITLE_BYTES    500
#define MAX_DESCRIPTION    2000
#define MAX_IFRAME_HOSTS   32

/* The settings as a JSON object; iframe_hosts becomes an array. */
static struct json_object *settings_json(const wk_settings_t *settings,
                                         apr_pool_t *pool)
{
    struct json_object *obj = json_object_new_object();
    struct json_object *hosts = json_object_new_array();
    char *list = apr_pstrdup(pool, settings->iframe_hosts
                                   ? settings->iframe_hosts : "");
    char *state = NULL, *host;

    for (host = apr_strtok(list, " ", &state); host != NULL;
         host = apr_strtok(NULL, " ", &state))
        json_object_array_add(hosts, json_object_new_string(host));

    json_object_object_add(obj, "title",
                           json_object_new_string(settings->title));
    json_object_object_add(obj, "description",
                           json_object_new_string(settings->description));
    json_object_object_add(obj, "base_url",
                           json_object_new_string(settings->base_url));
    json_object_object_add(obj, "posts_per_page",
                           json_object_new_int(settings->posts_per_page));
    json_object_object_add(obj, "timezone",
                           json_object_new_string(settings->timezone
                                                  ? settings->timezone
                                                  : "UTC"));
    json_object_object_add(obj, "allow_raw_html",
                           json_object_new_boolean(settings->allow_raw_html));
    json_object_object_add(obj, "iframe_hosts", hosts);
    return obj;
}

/* Returns name when it is an IANA name such as Europe/Berlin whose file
 * under ZONEINFO_DIR is a compiled zone (TZif), else NULL.  The
 * characters allowed keep it inside the directory: no dot, no leading
 * slash. */
static const char *timezone_clean(const char *name, apr_pool_t *pool)
{
    apr_size_t len = strlen(name), i;
    apr_file_t *file;
    char magic[4];
    apr_size_t got = sizeof(magic);
    apr_status_t rv;

    if (len == 0 || len > 64 || name[0] == '/' || name[0] == '-'
        || strstr(name, "//") != NULL)
        return NULL;
    for (i = 0; i < len; i++)
        if (!apr_isalnum(name[i]) && strchr("/_+-", name[i]) == NULL)
            return NULL;
    if (apr_file_open(&file, apr_pstrcat(pool, ZONEINFO_DIR "/", name, NULL),
                      APR_FOPEN_READ | APR_FOPEN_BINARY, 0, pool)
        != APR_SUCCESS)
        return NULL;
    rv = apr_file_read_full(file, magic, sizeof(magic), &got);
    apr_file_close(file);
    return rv == APR_SUCCESS && memcmp(magic, "TZif", 4) == 0 ? name : NULL;
}

/* The host names of iframe_hosts joined by spaces, or NULL when one is
 * not a bare host name (no port, no scheme, no path). */
static const char *iframe_hosts_join(struct json_object *array,
                                     apr_pool_t *pool)
{
    apr_size_t count = json_object_array_length(array), i;
    wk_buf_t *joined = wk_buf_make(pool, 256);

    if (count > MAX_IFRAME_HOSTS)
        return NULL;
    for (i = 0; i < count; i++) {
        struct json_object *item = json_object_array_get_idx(array, i);
        const char *host, *name;

        if (!json_object_is_type(item, json_type_string))
            return NULL;
        host = json_object_get_string(item);
        if (wk_host_normalize(&name, host, strlen(host), pool)
            != APR_SUCCESS || strcasecmp(name, host) != 0)
            return NULL;
        wk_buf_printf(joined, "%s%s", i > 0 ? " " : "", name);
    }
    return apr_pstrdup(pool, joined->data);
}

/* A text setting of at most max_bytes; empty only when allow_empty. */
static int text_field(wk_api_request_t *req, struct json_object *body,
                      const char *name, apr_size_t max_bytes, int allow_empty,
                      apr_table_t *changes)
{
    const char *value;

    if (!wk_api_field_string(req, body, name, &value))
        return 0;
    if (value == NULL)
        return 1;
    if ((*value == '\0' && !allow_empty) || strlen(value) > max_bytes)
        return wk_api_invalid_field(req, name, apr_psprintf(req->r->pool,
            "a string of %s%" APR_SIZE_T_FMT " bytes at most",
            allow_empty ? "" : "1 to ", max_bytes));
    apr_table_setn(changes, name, value);
    return 1;
}

/* Cleans a field's value; returns the value to store, or NULL when the
 * value is invalid. */
typedef const char *field_clean_fn(const char *value, apr_pool_t *pool);

/* A string setting that clean accepts; expected says what it must be. */
static int checked_field(wk_api_request_t *req, struct json_object *body,
                         const char *name, field_clean_fn *clean,
                         const char *expected, apr_table_t *changes)
{
    const char *value, *stored;

    if (!wk_api_field_string(req, body, name, &value))
        return 0;
    if (value == NULL)
        return 1;
    stored = clean(value, req->r->pool);
    if (stored == NULL)
        return wk_api_invalid_field(req, name, expected);
    apr_table_setn(changes, name, stored);
    return 1;
}

static int per_page_field(wk_api_request_t *req, struct json_object *body,
                          apr_table_t *changes)
{
    struct json_object *member;
    int64_t n;

    if (!json_object_object_get_ex(body, "posts_per_page", &member))
        return 1;
    n = json_object_get_int64(member);
    if (!json_object_is_type(member, json_type_int) || n < 1 || n > 100)
        return wk_api_invalid_field(req, "posts_per_page",
                                    "a whole number from 1 to 100");
    apr_table_setn(changes, "posts_per_page",
                   apr_psprintf(req->r->pool, "%d", (int)n));
    return 1;
}

static int raw_html_field(wk_api_request_t *req, struct json_object *body,
                          apr_table_t *changes)
{
    struct json_object *member;

    if (!json_object_object_get_ex(body, "allow_raw_html", &member))
        return 1;
    if (!json_object_is_type(member, json_type_boolean))
        return wk_api_invalid_field(req, "allow_raw_html", "true or false");
    apr_table_setn(changes, "allow_raw_html",
                   json_object_get_boolean(member) ? "1" : "0");
    return 1;
}

static int iframe_hosts_field(wk_api_request_t *req, struct json_object *body,
                              apr_table_t *changes)
{
    struct json_object *member;
    const char *joined;

    if (!json_object_object_get_ex(body, "iframe_hosts", &member))
        return 1;
    joined = json_object_is_type(member, json_type_array)
             ? iframe_hosts_join(member, req->r->pool) : NULL;
    if (joined == NULL)
        return wk_api_invalid_field(req, "iframe_hosts", apr_psprintf(
            req->r->pool, "an array of at most %d host names without port "
            "or scheme", MAX_IFRAME_HOSTS));
    apr_table_setn(changes, "iframe_hosts", joined);
    return 1;
}

/* Checks every field of a PUT body; *changes gets name -> stored value. */
static int settings_validate(wk_api_request_t *req, struct json_object *body,
                             apr_table_t *changes)
{
    static const char *const fields[] = {
        "title", "description", "base_url", "posts_per_page", "timezone",
        "allow_raw_html", "iframe_hosts", NULL
    };

    return wk_api_fields_known(req, body, fields)
           && text_field(req, body, "title", MAX_TITLE_BYTES, 0, changes)
           && text_field(req, body, "description", MAX_DESCRIPTION, 1,
                         changes)
           && checked_field(req, body, "base_url", wk_base_url_clean,
                            "an http or https URL with a host, such as "
                            "https://blog.example.com", changes)
           && per_page_field(req, body, changes)
           && checked_field(req, body, "timezone", timezone_clean,
                            "an IANA time zone name such as Europe/Berlin "
                            "or UTC", changes)
           && raw_html_field(req, body, changes)
           && iframe_hosts_field(req, body, changes);
}

typedef struct settings_write {
    wk_db_t *db;
    char **error;
    apr_pool_t *pool;
    apr_status_t rv;
} settings_write_t;

static int setting_write(void *baton, const char *name, const char *value)
{
    settings_write_t *write = baton;

    write->rv = wk_setting_set(write->db, name, value, write->error,
                               write->pool);
    return write->rv == APR_SUCCESS;
}

/*
 * Renders the posts again with the new settings when the raw HTML rules
 * changed, so a host taken off iframe_hosts or raw HTML turned off
 * leaves no post that still has them.
 */
static apr_status_t posts_follow_settings(wk_api_request_t *req,
                                          apr_table_t *changes, char **error)
{
    apr_pool_t *pool = req->r->pool;
    wk_settings_t *settings = apr_palloc(pool, sizeof(*settings));
    wk_api_request_t with_new = *req;
    wk_edit_options_t options;
    apr_status_t rv;
    int count = 0;

    if (apr_table_get(changes, "allow_raw_html") == NULL
        && apr_table_get(changes, "iframe_hosts") == NULL)
        return APR_SUCCESS;
    rv = wk_settings_load(settings, req->db, pool);
    if (rv != APR_SUCCESS) {
        *error = apr_pstrdup(pool, sqlite3_errmsg(wk_db_handle(req->db)));
        return rv;
    }
    with_new.settings = settings;
    wk_api_edit_options(&options, &with_new);
    /* NOTE: each post is rendered in a child process under the render
     * limits, so on a blog of thousands of posts with raw HTML this
     * request takes seconds. */
    rv = wk_posts_render_again(&count, req->db, &options, error, pool);
    if (rv == APR_SUCCESS && count > 0)
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, req->r,
                      "WK00107: tenant %s: rendered %d posts again for new "
                      "raw HTML settings", wk_db_path(req->db), count);
    return rv;
}

/* Writes every change in one transaction: all of them or none. */
static apr_status_t settings_save(wk_api_request_t *req,
                                  apr_table_t *changes, char **error)
{
    wk_db_t *db = req->db;
    apr_pool_t *pool = req->r->pool;
    settings_write_t write = { db, error, pool, APR_SUCCESS };
    apr_status_t rv = wk_db_begin(db, error, pool);

    if (rv != APR_SUCCESS)
        return rv;
    apr_table_do(setting_write, &write, changes, NULL);
    if (write.rv == APR_SUCCESS)
        write.rv = posts_follow_settings(req, changes, error);
    if (write.rv == APR_SUCCESS)
        write.rv = wk_db_commit(db, error, pool);
    if (write.rv != APR_SUCCESS)
        wk_db_rollback(db);
    return write.rv;
}

static int settings_failed(wk_api_request_t *req, const char *what,
                           const char *error)
{
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, req->r,
                  "WK00106: tenant %s: %s failed: %s", wk_db_path(req->db),
                  what, error);
    return wk_api_error(req, HTTP_SERVICE_UNAVAILABLE, "database_error",
                        "The settings could not be saved; try again "
                        "shortly.");
}

/* PUT settings: fields left out keep their values. */
static int settings_put(wk_api_request_t *req)
{
    apr_table_t *changes = apr_table_make(req->r->pool, 8);
    wk_settings_t *saved = apr_palloc(req->r->pool, sizeof(*saved));
    struct json_object *body;
    char *error = NULL;

    wk_api_read_json(req, wk_conf_max_post_size(req->conf), &body);
    if (body == NULL || !settings_validate(req, body, changes))
        return OK;
    if (settings_save(req, changes, &error) != APR_SUCCESS)
        return settings_failed(req, "saving settings", error);
    if (wk_settings_load(saved, req->db, req->r->pool) != APR_SUCCESS)
        return settings_failed(req, "reading settings back",
                               sqlite3_errmsg(wk_db_handle(req->db)));
    return wk_api_send_json(req, HTTP_OK,
                            settings_json(saved, req->r->pool));
}

int wk_api_settings(wk_api_request_t *req)
{
    if (strcmp(req->path, "settings") != 0)
        return wk_api_not_found(req);
    if (req->r->method_number == M_GET)
        return wk_api_send_json(req, HTTP_OK,
                                settings_json(req->settings, req->r->pool));
    if (req->r->method_number == M_PUT)
        return settings_put(req);
    return wk_api_method_not_allowed(req, "GET, PUT");
}

/* ---------------------------------------------------------------------- */
/* export                                                                  */
/* ---------------------------------------------------------------------- */

/*
 * Removes what one author must not hand to anyone from the copy: every
 * author's password hash ("!" matches no password), the sessions and
 * the failed sign-ins with their client addresses.  secure_delete
 * overwrites the old bytes, so they are not left in free pages.
 */
#define EXPORT_SCRUB \
    "PRAGMA secure_delete = ON;" \
    " BEGIN;" \
    " UPDATE users SET password_hash = '!';" \
    " DELETE FROM sessions;" \
    " DELETE FROM login_failures;" \
    " COMMIT;"

#define BACKUP_PAGES_PER_STEP 256
#define BACKUP_MAX_TIME       apr_time_from_sec(60)
#define BACKUP_BUSY_WAIT_MS   10

/* A temporary file that a pool cleanup removes. */
typedef struct temp_file {
    const char *path;
    apr_pool_t *pool;
} temp_file_t;

static apr_status_t temp_file_remove(void *data)
{
    temp_file_t *temp = data;

    apr_file_remove(temp->path, temp->pool);
    return APR_SUCCESS;
}

static apr_status_t sqlite_close(void *handle)
{
    sqlite3_close_v2(handle);
    return APR_SUCCESS;
}

static apr_status_t read_end(void *handle)
{
    if (!sqlite3_get_autocommit(handle))
        sqlite3_exec(handle, "ROLLBACK", NULL, NULL, NULL);
    return APR_SUCCESS;
}

/*
 * Makes an empty temporary file whose path goes in *path; a cleanup on
 * pool removes it.
 */
static apr_status_t export_file_make(const char **path, apr_pool_t *pool)
{
    temp_file_t *temp = apr_palloc(pool, sizeof(*temp));
    const char *dir;
    char *template;
    apr_file_t *file;
    apr_status_t rv = apr_temp_dir_get(&dir, pool);

    if (rv != APR_SUCCESS)
        return rv;
    template = apr_pstrcat(pool, dir, "/wk-export-XXXXXX", NULL);
    rv = apr_file_mktemp(&file, template, APR_FOPEN_CREATE | APR_FOPEN_READ
                         | APR_FOPEN_WRITE | APR_FOPEN_EXCL, pool);
    if (rv != APR_SUCCESS)
        return rv;
    apr_file_close(file);
    temp->path = template;
    temp->pool = pool;
    apr_pool_cleanup_register(pool, temp, temp_file_remove,
                              apr_pool_cleanup_null);
    *path = template;
    return APR_SUCCESS;
}

/*
 * Opens a read transaction on source, so every backup step reads the
 * same snapshot and no write by another connection restarts the copy.
 */
static int snapshot_begin(sqlite3 *source, apr_pool_t *pool)
{
    if (sqlite3_exec(source, "BEGIN DEFERRED;"
                     " SELECT count(*) FROM sqlite_schema;", NULL, NULL,
                     NULL) != SQLITE_OK)
        return 0;
    apr_pool_cleanup_register(pool, source, read_end, apr_pool_cleanup_null);
    return 1;
}

/* Copies source into the SQLite file at path, BACKUP_PAGES_PER_STEP
 * pages at a time; *error gets SQLite's message when it fails. */
static apr_status_t backup_run(sqlite3 *source, const char *path,
                               const char **error, apr_pool_t *pool)
{
    apr_time_t deadline = apr_time_now() + BACKUP_MAX_TIME;
    sqlite3_backup *backup;
    sqlite3 *copy = NULL;
    int rc;

    rc = sqlite3_open_v2(path, &copy, SQLITE_OPEN_READWRITE, NULL);
    apr_pool_cleanup_register(pool, copy, sqlite_close,
                              apr_pool_cleanup_null);
    if (rc != SQLITE_OK) {
        *error = apr_pstrdup(pool, sqlite3_errmsg(copy));
        return WK_EDB;
    }
    backup = sqlite3_backup_init(copy, "main", source, "main");
    if (backup == NULL) {
        *error = apr_pstrdup(pool, sqlite3_errmsg(copy));
        return WK_EDB;
    }
    do {
        rc = sqlite3_backup_step(backup, BACKUP_PAGES_PER_STEP);
        if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
            sqlite3_sleep(BACKUP_BUSY_WAIT_MS);
    } while ((rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
             && apr_time_now() < deadline);
    sqlite3_backup_finish(backup);
    if (rc != SQLITE_DONE) {
        *error = rc == SQLITE_OK ? "timed out"
                 : apr_pstrdup(pool, sqlite3_errstr(rc));
        return WK_EDB;
    }
    /* One file to download: no WAL beside it when it is opened. */
    if (sqlite3_exec(copy, "PRAGMA journal_mode = DELETE", NULL, NULL,
                     NULL) != SQLITE_OK
        || sqlite3_exec(copy, EXPORT_SCRUB, NULL, NULL, NULL) != SQLITE_OK) {
        *error = apr_pstrdup(pool, sqlite3_errmsg(copy));
        return WK_EDB;
    }
    apr_pool_cleanup_run(pool, copy, sqlite_close);
    return APR_SUCCESS;
}

/* The download's name: the request's host name, else "blog", and the
 * extension. */
static const char *export_name(request_rec *r, const char *extension)
{
    const char *name;

    if (r->hostname == NULL
        || wk_host_normalize(&name, r->hostname, strlen(r->hostname),
                             r->pool) != APR_SUCCESS)
        name = "blog";
    return apr_pstrcat(r->pool, name, extension, NULL);
}

/* Sends the file at path as the response body, of type, named after the
 * host with extension. */
static int export_send(wk_api_request_t *req, const char *path,
                       const char *type, const char *extension)
{
    request_rec *r = req->r;
    apr_finfo_t finfo;
    apr_file_t *file;
    apr_size_t sent = 0;
    apr_status_t rv;

    rv = apr_file_open(&file, path, APR_FOPEN_READ | APR_FOPEN_BINARY, 0,
                       r->pool);
    if (rv == APR_SUCCESS)
        rv = apr_file_info_get(&finfo, APR_FINFO_SIZE, file);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r,
                      "WK00104: tenant %s: reading the export copy %s "
                      "failed", wk_db_path(req->db), path);
        apr_table_setn(r->err_headers_out, "Retry-After", "60");
        return wk_api_error(req, HTTP_SERVICE_UNAVAILABLE, "export_failed",
                            "The export could not be read back.");
    }

    ap_set_content_type(r, type);
    apr_table_setn(r->headers_out, "Content-Disposition",
                   apr_psprintf(r->pool, "attachment; filename=\"%s\"",
                                export_name(r, extension)));
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    apr_table_setn(r->headers_out, "X-Content-Type-Options", "nosniff");
    ap_set_content_length(r, finfo.size);
    if (!r->header_only)
        ap_send_fd(file, r, 0, (apr_size_t)finfo.size, &sent);
    return OK;
}

/* GET export: a consistent copy of the whole tenant file, without the
 * secrets of its authors. */
static int export_get(wk_api_request_t *req)
{
    request_rec *r = req->r;
    sqlite3 *source = wk_db_handle(req->db);
    const char *path = NULL, *error = NULL;
    apr_status_t rv;

    rv = export_file_make(&path, r->pool);
    if (rv != APR_SUCCESS)
        error = "cannot create a temporary file";
    else if (!snapshot_begin(source, r->pool)) {
        rv = WK_EDB;
        error = apr_pstrdup(r->pool, sqlite3_errmsg(source));
    }
    else
        rv = backup_run(source, path, &error, r->pool);
    read_end(source);
    if (rv != APR_SUCCESS) {
        /* WriteKit's own status codes mean nothing to APR's formatter,
         * so only an APR or system status goes into the log line. */
        ap_log_rerror(APLOG_MARK, APLOG_ERR,
                      rv < APR_OS_START_USERERR ? rv : 0, r,
                      "WK00105: tenant %s: export failed: %s",
                      wk_db_path(req->db), error);
        apr_table_setn(r->err_headers_out, "Retry-After", "60");
        return wk_api_error(req, HTTP_SERVICE_UNAVAILABLE, "export_failed",
                            "The export could not be made; try again "
                            "shortly.");
    }
    return export_send(req, path, "application/vnd.sqlite3", ".db");
}

/* Logs a failed export once and responds 503 export_failed. */
static int export_failed(wk_api_request_t *req, const char *format,
                         apr_status_t rv, const char *error)
{
    ap_log_rerror(APLOG_MARK, APLOG_ERR, rv < APR_OS_START_USERERR ? rv : 0,
                  req->r, "WK00310: tenant %s: %s export failed: %s",
                  wk_db_path(req->db), format, error);
    apr_table_setn(req->r->err_headers_out, "Retry-After", "60");
    return wk_api_error(req, HTTP_SERVICE_UNAVAILABLE, "export_failed",
                        "The export could not be made; try again shortly.");
}

/* GET export?format=wxr: the blog as a WordPress export (WXR 1.2). */
static int export_wxr_get(wk_api_request_t *req)
{
    request_rec *r = req->r;
    wk_export_counts_t counts;
    const char *path = NULL;
    apr_file_t *file;
    char *error = "cannot create a temporary file";
    apr_status_t rv;

    rv = export_file_make(&path, r->pool);
    if (rv == APR_SUCCESS)
        rv = apr_file_open(&file, path, APR_FOPEN_WRITE | APR_FOPEN_TRUNCATE
                           | APR_FOPEN_BUFFERED, 0, r->pool);
    if (rv == APR_SUCCESS) {
        rv = wk_export_wxr(&counts, req->db, file, &error, r->pool);
        if (apr_file_close(file) != APR_SUCCESS && rv == APR_SUCCESS) {
            rv = APR_EGENERAL;
            error = "cannot write the temporary file";
        }
    }
    if (rv != APR_SUCCESS)
        return export_failed(req, "WordPress", rv, error);
    return export_send(req, path, "application/xml; charset=utf-8",
                       ".wordpress.xml");
}

/* GET export?format=markdown: the folder of writekit export, zipped. */
static int export_markdown_get(wk_api_request_t *req)
{
    request_rec *r = req->r;
    wk_export_counts_t counts;
    const char *dir = NULL, *path = NULL;
    char *error = "cannot create a temporary file";
    apr_status_t rv;

    rv = export_file_make(&path, r->pool);
    if (rv == APR_SUCCESS)
        rv = wk_temp_folder_make(&dir, &error, r->pool);
    if (rv == APR_SUCCESS)
        rv = wk_export_folder(&counts, req->db, dir, &error, r->pool);
    if (rv == APR_SUCCESS)
        rv = wk_zip_folder(path, dir, &error, r->pool);
    if (rv != APR_SUCCESS)
        return export_failed(req, "markdown", rv, error);
    return export_send(req, path, "application/zip", ".zip");
}

int wk_api_export(wk_api_request_t *req)
{
    const char *format;

    if (strcmp(req->path, "export") != 0)
        return wk_api_not_found(req);
    if (req->r->method_number != M_GET)
        return wk_api_method_not_allowed(req, "GET");
    format = apr_table_get(wk_api_query(req), "format");
    if (format == NULL || strcmp(format, "sqlite") == 0)
        return export_get(req);
    if (strcmp(format, "wxr") == 0)
        return export_wxr_get(req);
    if (strcmp(format, "markdown") == 0)
        return export_markdown_get(req);
    return wk_api_error(req, HTTP_BAD_REQUEST, "invalid_parameter",
                        "format must be sqlite, markdown or wxr");
}
