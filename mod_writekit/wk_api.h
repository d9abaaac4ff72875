/*
 * wk_api.h: the studio's JSON API, served under the studio mount point
 * (WriteKitStudio, default /studio/) at api/.
 *
 * wk_api.c owns the framework: routing, reading and parsing request
 * bodies, errors, sessions, the origin and CSRF checks.  Each group of
 * endpoints has a handler that gets a prepared wk_api_request_t and
 * returns what an httpd handler returns (OK after it sent a response).
 *
 * Every error is sent as {"error": {"code": CODE, "message": TEXT}},
 * CODE being a stable lowercase identifier such as "invalid_json".
 */
#ifndef WK_API_H
#define WK_API_H

#include <json-c/json.h>

#include "mod_writekit.h"
#include "wk_auth.h"
#include "wk_edit.h"

typedef struct wk_api_request {
    request_rec *r;
    const wk_server_conf_t *conf;
    wk_db_t *db;                   /* borrowed for this request */
    const wk_settings_t *settings;
    wk_session_t *session;         /* NULL when not signed in */
    const char *path;              /* below api/, e.g. "posts/12" */
} wk_api_request_t;

/* A JSON escape (\u00XX) takes six bytes for one byte of text, so a body
 * carrying a post's source may be six times WriteKitMaxPostSize plus the
 * other fields.  The parsed source itself is held to the limit. */
#define WK_API_JSON_EXPANSION   6
#define WK_API_OTHER_FIELDS_MAX (64 * 1024)

/* Sends the error body with status; returns OK. */
int wk_api_error(wk_api_request_t *req, int status, const char *code,
                 const char *message);

/* Sends body as JSON with status and releases it; returns OK. */
int wk_api_send_json(wk_api_request_t *req, int status,
                     struct json_object *body);

/*
 * Reads a JSON object body of at most max_bytes.  On success returns OK
 * and sets *body (released by a cleanup on the request pool).  Otherwise
 * it has sent the error (413, 415 or 400) and returns OK too, leaving
 * *body NULL, so a caller does: if (!body) return status.
 */
int wk_api_read_json(wk_api_request_t *req, apr_size_t max_bytes,
                     struct json_object **body);

/*
 * Runs the request of a studio API URL once mod_writekit.c has filled
 * req (tenant connection, settings, session): checks the session and the
 * CSRF rules, then calls the endpoint group named by the first path
 * segment.  Every group but session gets only requests with a session,
 * and state-changing methods only with a matching Origin or CSRF token.
 */
int wk_api_dispatch(wk_api_request_t *req);

/* Like wk_api_error(), with one more member key: value in the body
 * (value is released with it). */
int wk_api_error_with(wk_api_request_t *req, int status, const char *code,
                      const char *message, const char *key,
                      struct json_object *value);

/* Sends a status with no body, such as 204; returns OK. */
int wk_api_send_empty(wk_api_request_t *req, int status);

/* Send 404 not_found, 401 unauthenticated, or 405 method_not_allowed
 * with an Allow header listing allow; return OK. */
int wk_api_not_found(wk_api_request_t *req);
int wk_api_unauthenticated(wk_api_request_t *req);
int wk_api_method_not_allowed(wk_api_request_t *req, const char *allow);

/*
 * Field checks of a JSON body.  Each returns 1 when the body passes, or
 * sends 422 and returns 0, so a caller does: if (!check) return OK.
 * wk_api_fields_known rejects a member not in names (NULL-terminated)
 * with unknown_field; wk_api_field_string sets *value to the member's
 * string copied onto the request pool, NULL when absent, and rejects
 * another type with invalid_field.
 */
int wk_api_fields_known(wk_api_request_t *req, struct json_object *body,
                        const char *const names[]);
int wk_api_field_string(wk_api_request_t *req, struct json_object *body,
                        const char *name, const char **value);

/* Sends 422 invalid_field naming the field and what it must be
 * ("a string"); returns OK. */
int wk_api_invalid_field(wk_api_request_t *req, const char *name,
                         const char *expected);

/* Logs a failure of the tenant's database (WK00004, with the tenant and
 * error, or SQLite's last message when error is NULL) and sends 503
 * database_error with Retry-After; returns OK. */
int wk_api_database_error(wk_api_request_t *req, const char *what,
                          const char *error);

/* Releases obj (may be NULL) when pool is cleared; returns obj. */
struct json_object *wk_api_json_keep(apr_pool_t *pool,
                                     struct json_object *obj);

/* Parses the request's query string into a table, taking "+" as a space
 * the way HTML forms and browsers' URLSearchParams write one. */
apr_table_t *wk_api_query(const wk_api_request_t *req);

/* Fills the render and revision options of a save or a preview from the
 * directives and the blog's settings. */
void wk_api_edit_options(wk_edit_options_t *options,
                         const wk_api_request_t *req);

/* Endpoint groups; each dispatches on req->path and the method. */
int wk_api_session(wk_api_request_t *req);   /* session */
int wk_api_posts(wk_api_request_t *req);     /* posts..., tags */
int wk_api_media(wk_api_request_t *req);     /* media... */
int wk_api_preview(wk_api_request_t *req);   /* preview */
int wk_api_settings(wk_api_request_t *req);  /* settings */
int wk_api_export(wk_api_request_t *req);    /* export */

#endif
