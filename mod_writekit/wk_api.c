/*
 * wk_api.c: the studio API's framework: JSON responses and errors,
 * request bodies, the origin and CSRF checks, and the dispatch to the
 * endpoint groups.
 *
 * mod_writekit.c has already borrowed the tenant's connection when
 * wk_api_dispatch() runs, so every group works on one tenant file and a
 * session, stored in that file, can only open its own blog.  Every
 * response carries Cache-Control: no-store because it is about one
 * signed-in author.
 */
#include <string.h>

#include <apr_strings.h>

#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <util_script.h>

#include "wk_api.h"

APLOG_USE_MODULE(writekit);

/* Nesting deeper than any request of the studio needs is rejected. */
#define JSON_MAX_DEPTH 16

#define JSON_TYPE "application/json; charset=utf-8"

#define SESSION_COOKIE "wk_session"

/* Sign-in bodies are an email and a password: a few hundred bytes. */
#define SIGN_IN_MAX_BYTES 4096

static apr_status_t json_release(void *data)
{
    json_object_put(data);
    return APR_SUCCESS;
}

apr_table_t *wk_api_query(const wk_api_request_t *req)
{
    request_rec *r = req->r;
    apr_table_t *args = NULL;
    char *original = r->args;
    char *p;

    /* httpd's parser decodes %XX only, so a "+" becomes a space here,
     * before it, and "%2B" still decodes to a plus sign. */
    if (original != NULL) {
        r->args = apr_pstrdup(r->pool, original);
        for (p = r->args; *p != '\0'; p++)
            if (*p == '+')
                *p = ' ';
    }
    ap_args_to_table(r, &args);
    r->args = original;
    return args;
}

struct json_object *wk_api_json_keep(apr_pool_t *pool,
                                     struct json_object *obj)
{
    if (obj != NULL)
        apr_pool_cleanup_register(pool, obj, json_release,
                                  apr_pool_cleanup_null);
    return obj;
}

static void set_api_headers(request_rec *r, int status)
{
    r->status = status;
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    apr_table_setn(r->headers_out, "X-Content-Type-Options", "nosniff");
}

int wk_api_send_json(wk_api_request_t *req, int status,
                     struct json_object *body)
{
    request_rec *r = req->r;
    size_t len = 0;
    const char *text;

    set_api_headers(r, status);
    ap_set_content_type(r, JSON_TYPE);
    text = json_object_to_json_string_length(
        body, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    ap_set_content_length(r, (apr_off_t)len);
    if (!r->header_only)
        ap_rwrite(text, (int)len, r);
    json_object_put(body);
    return OK;
}

int wk_api_send_empty(wk_api_request_t *req, int status)
{
    set_api_headers(req->r, status);
    return OK;
}

int wk_api_error_with(wk_api_request_t *req, int status, const char *code,
                      const char *message, const char *key,
                      struct json_object *value)
{
    struct json_object *body = json_object_new_object();
    struct json_object *error = json_object_new_object();

    json_object_object_add(error, "code", json_object_new_string(code));
    json_object_object_add(error, "message",
                           json_object_new_string(message));
    json_object_object_add(body, "error", error);
    if (key != NULL)
        json_object_object_add(body, key, value);
    /* These statuses make httpd close the connection after the response,
     * so an unread request body is never taken for the next request. */
    if (ap_status_drops_connection(status))
        req->r->connection->keepalive = AP_CONN_CLOSE;
    return wk_api_send_json(req, status, body);
}

int wk_api_error(wk_api_request_t *req, int status, const char *code,
                 const char *message)
{
    return wk_api_error_with(req, status, code, message, NULL, NULL);
}

/* Accepts application/json with or without parameters. */
static int content_type_is_json(const request_rec *r)
{
    const char *type = apr_table_get(r->headers_in, "Content-Type");
    apr_size_t len;

    if (type == NULL)
        return 0;
    len = strcspn(type, "; \t");
    return len == 16 && strncasecmp(type, "application/json", len) == 0;
}

static int body_too_large(wk_api_request_t *req, apr_size_t max_bytes)
{
    return wk_api_error(req, HTTP_REQUEST_ENTITY_TOO_LARGE, "body_too_large",
                        apr_psprintf(req->r->pool, "The request body is "
                                     "over the limit of %" APR_SIZE_T_FMT
                                     " bytes.", max_bytes));
}

/*
 * Reads the request body into *body, at most max_bytes of it.  Returns
 * OK, HTTP_REQUEST_ENTITY_TOO_LARGE as soon as the body passes the limit
 * (without reading the rest), or HTTP_BAD_REQUEST when reading failed.
 */
static int read_body(wk_buf_t **body, request_rec *r, apr_size_t max_bytes)
{
    const char *length = apr_table_get(r->headers_in, "Content-Length");
    char chunk[8192];
    long got;
    apr_off_t declared = 0;
    char *end;

    if (length != NULL
        && (apr_strtoff(&declared, length, &end, 10) != APR_SUCCESS
            || *end != '\0' || declared < 0))
        return HTTP_BAD_REQUEST;
    if ((apr_uint64_t)declared > max_bytes)
        return HTTP_REQUEST_ENTITY_TOO_LARGE;
    if (ap_setup_client_block(r, REQUEST_CHUNKED_DECHUNK) != OK)
        return HTTP_BAD_REQUEST;

    *body = wk_buf_make(r->pool, (apr_size_t)declared + 1);
    if (!ap_should_client_block(r))
        return OK;
    while ((got = ap_get_client_block(r, chunk, sizeof(chunk))) > 0) {
        if ((*body)->len + (apr_size_t)got > max_bytes)
            return HTTP_REQUEST_ENTITY_TOO_LARGE;
        wk_buf_append(*body, chunk, (apr_size_t)got);
    }
    return got < 0 ? HTTP_BAD_REQUEST : OK;
}

static int only_space(const char *text, apr_size_t len)
{
    apr_size_t i;

    for (i = 0; i < len; i++)
        if (strchr(" \t\r\n", text[i]) == NULL)
            return 0;
    return 1;
}

/* Parses text as one JSON object; returns NULL and sets *error else. */
static struct json_object *parse_object(const wk_buf_t *text,
                                        const char **error, apr_pool_t *pool)
{
    struct json_tokener *tok;
    struct json_object *obj;
    enum json_tokener_error status;
    size_t end;

    if (only_space(text->data, text->len)) {
        *error = "the body is empty";
        return NULL;
    }

    /* json-c's own check lets overlong forms and surrogates through. */
    if (!wk_utf8_valid(text->data, text->len)) {
        *error = "the body is not valid UTF-8";
        return NULL;
    }
    tok = json_tokener_new_ex(JSON_MAX_DEPTH);
    if (tok == NULL) {
        *error = "out of memory";
        return NULL;
    }
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT
                                | JSON_TOKENER_VALIDATE_UTF8);
    obj = json_tokener_parse_ex(tok, text->data, (int)text->len);
    status = json_tokener_get_error(tok);
    end = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);

    if (status != json_tokener_success) {
        json_object_put(obj);
        *error = status == json_tokener_continue
            ? "the body ends inside a value"
            : apr_psprintf(pool, "%s at byte %" APR_SIZE_T_FMT,
                           json_tokener_error_desc(status), (apr_size_t)end);
        return NULL;
    }
    if (!only_space(text->data + end, text->len - end)) {
        json_object_put(obj);
        *error = apr_psprintf(pool, "unexpected text after the object at "
                              "byte %" APR_SIZE_T_FMT, (apr_size_t)end);
        return NULL;
    }
    if (!json_object_is_type(obj, json_type_object)) {
        json_object_put(obj);
        *error = "the body is not a JSON object";
        return NULL;
    }
    return obj;
}

int wk_api_read_json(wk_api_request_t *req, apr_size_t max_bytes,
                     struct json_object **body)
{
    request_rec *r = req->r;
    const char *error = NULL;
    wk_buf_t *text = NULL;
    int status;

    *body = NULL;
    if (!content_type_is_json(r))
        return wk_api_error(req, HTTP_UNSUPPORTED_MEDIA_TYPE,
                            "unsupported_media_type",
                            "The request body must be sent as "
                            "Content-Type: application/json.");
    status = read_body(&text, r, max_bytes);
    if (status == HTTP_REQUEST_ENTITY_TOO_LARGE)
        return body_too_large(req, max_bytes);
    if (status != OK)
        return wk_api_error(req, HTTP_BAD_REQUEST, "invalid_body",
                            "The request body could not be read.");

    *body = wk_api_json_keep(r->pool, parse_object(text, &error, r->pool));
    if (*body == NULL)
        return wk_api_error(req, HTTP_BAD_REQUEST, "invalid_json",
                            apr_psprintf(r->pool, "The request body is not "
                                         "valid JSON: %s.", error));
    return OK;
}

/* Returns the port in an authority, or the scheme's default. */
static const char *authority_port(const char *authority, const char *scheme,
                                  apr_size_t *host_len)
{
    const char *colon = strrchr(authority, ':');
    const char *bracket = strrchr(authority, ']');

    if (colon != NULL && (bracket == NULL || colon > bracket)) {
        *host_len = (apr_size_t)(colon - authority);
        return colon + 1;
    }
    *host_len = strlen(authority);
    return strcasecmp(scheme, "https") == 0 ? "443" : "80";
}

/*
 * Compares an Origin header with the request's own origin: the scheme of
 * the connection and the Host header, ports made explicit on both sides.
 * NOTE: behind a reverse proxy the Host header must be the one the
 * browser sent (ProxyPreserveHost On), or every change gets 403.
 */
static int origin_matches(request_rec *r, const char *origin)
{
    const char *scheme = ap_http_scheme(r);
    const char *host = apr_table_get(r->headers_in, "Host");
    apr_size_t scheme_len = strlen(scheme), origin_host_len, host_len;
    const char *authority, *origin_port, *host_port;

    if (host == NULL || strncasecmp(origin, scheme, scheme_len) != 0
        || strncmp(origin + scheme_len, "://", 3) != 0)
        return 0;
    authority = origin + scheme_len + 3;
    if (strpbrk(authority, "/?#@") != NULL)
        return 0;
    origin_port = authority_port(authority, scheme, &origin_host_len);
    host_port = authority_port(host, scheme, &host_len);
    return origin_host_len == host_len
           && strncasecmp(authority, host, host_len) == 0
           && strcmp(origin_port, host_port) == 0;
}

/* Compares two secrets in time that does not depend on where they
 * differ. */
static int secret_equal(const char *a, const char *b)
{
    apr_size_t len = strlen(a), i;
    unsigned char diff = 0;

    if (strlen(b) != len)
        return 0;
    for (i = 0; i < len; i++)
        diff |= (unsigned char)(a[i] ^ b[i]);
    return diff == 0;
}

static int method_changes_state(const request_rec *r)
{
    return r->method_number == M_POST || r->method_number == M_PUT
           || r->method_number == M_PATCH || r->method_number == M_DELETE;
}

/*
 * Checks that a request that changes data comes from the studio's own
 * pages: an Origin equal to the request's own origin, or, without an
 * Origin, the session's CSRF token in X-CSRF-Token.  allow_no_origin
 * accepts a request with neither (sign-in from a client with no session).
 */
static int csrf_passes(const wk_api_request_t *req, int allow_no_origin)
{
    request_rec *r = req->r;
    const char *origin = apr_table_get(r->headers_in, "Origin");
    const char *token = apr_table_get(r->headers_in, "X-CSRF-Token");

    if (!method_changes_state(r))
        return 1;
    if (origin != NULL)
        return origin_matches(r, origin);
    if (token != NULL)
        return req->session != NULL && req->session->csrf_token != NULL
               && secret_equal(token, req->session->csrf_token);
    return allow_no_origin;
}

int wk_api_fields_known(wk_api_request_t *req, struct json_object *body,
                        const char *const names[])
{
    int i;

    json_object_object_foreach(body, key, value) {
        for (i = 0; names[i] != NULL; i++)
            if (strcmp(names[i], key) == 0)
                break;
        if (names[i] == NULL) {
            wk_api_error(req, HTTP_UNPROCESSABLE_ENTITY, "unknown_field",
                         apr_psprintf(req->r->pool, "Unknown field \"%s\".",
                                      key));
            return 0;
        }
        (void)value;
    }
    return 1;
}

int wk_api_invalid_field(wk_api_request_t *req, const char *name,
                         const char *expected)
{
    struct json_object *field = json_object_new_string(name);

    return wk_api_error_with(req, HTTP_UNPROCESSABLE_ENTITY, "invalid_field",
                             apr_psprintf(req->r->pool, "The field \"%s\" "
                                          "must be %s.", name, expected),
                             "field", field);
}

int wk_api_field_string(wk_api_request_t *req, struct json_object *body,
                        const char *name, const char **value)
{
    struct json_object *member;

    *value = NULL;
    if (!json_object_object_get_ex(body, name, &member))
        return 1;
    if (!json_object_is_type(member, json_type_string)) {
        wk_api_invalid_field(req, name, "a string");
        return 0;
    }
    /* A \u0000 would cut the C string short and lose the rest. */
    if (strlen(json_object_get_string(member))
        != (size_t)json_object_get_string_len(member)) {
        wk_api_invalid_field(req, name, "a string without NUL characters");
        return 0;
    }
    *value = apr_pstrdup(req->r->pool, json_object_get_string(member));
    return 1;
}

/*
 * Returns the values of every session cookie the request sends, in
 * order.  A sibling host may set a second cookie of the same name on a
 * parent domain, so each is tried rather than refusing them all (and
 * httpd's own cookie reader logs an error for each such request).
 */
static apr_array_header_t *session_cookies(request_rec *r)
{
    apr_array_header_t *tokens = apr_array_make(r->pool, 2, sizeof(char *));
    const char *header = apr_table_get(r->headers_in, "Cookie");
    char *copy, *pair, *last;

    if (header == NULL)
        return tokens;
    copy = apr_pstrdup(r->pool, header);
    for (pair = apr_strtok(copy, ";,", &last); pair != NULL;
         pair = apr_strtok(NULL, ";,", &last)) {
        char *value = strchr(pair, '=');
        apr_size_t len;

        if (value == NULL)
            continue;
        *value++ = '\0';

        /* apr_collapse_spaces() returns the end of the string, not its
         * start, so its result is not used. */
        apr_collapse_spaces(pair, pair);
        if (strcmp(pair, SESSION_COOKIE) != 0)
            continue;
        apr_collapse_spaces(value, value);
        len = strlen(value);
        if (len >= 2 && value[0] == '"' && value[len - 1] == '"') {
            value[len - 1] = '\0';
            value++;
        }
        if (*value != '\0')
            APR_ARRAY_PUSH(tokens, const char *) = value;
    }
    return tokens;
}

/* The session token of the request: the first cookie value that names
 * a live session (set while looking the session up), else the first. */
static const char *session_cookie(request_rec *r)
{
    const char *live = apr_table_get(r->notes, "wk-session-token");
    apr_array_header_t *tokens;

    if (live != NULL)
        return live;
    tokens = session_cookies(r);
    return tokens->nelts > 0 ? APR_ARRAY_IDX(tokens, 0, const char *)
                             : NULL;
}

static struct json_object *user_json(const wk_user_t *user)
{
    struct json_object *obj = json_object_new_object();

    json_object_object_add(obj, "id", json_object_new_int64(user->id));
    json_object_object_add(obj, "email", json_object_new_string(user->email));
    json_object_object_add(obj, "display_name",
                           json_object_new_string(user->display_name
                                                  ? user->display_name : ""));
    return obj;
}

/* The limits the studio checks before it sends a post or an upload, so
 * an author hears of them before a long transfer. */
static struct json_object *limits_json(const wk_api_request_t *req)
{
    struct json_object *obj = json_object_new_object();

    json_object_object_add(obj, "max_post_size",
                           json_object_new_int64((int64_t)
                               wk_conf_max_post_size(req->conf)));
    json_object_object_add(obj, "max_upload_size",
                           json_object_new_int64((int64_t)
                               wk_conf_max_upload_size(req->conf)));
    return obj;
}

/* The body of a session: its author, CSRF token, expiry and the limits
 * of this virtual host. */
static struct json_object *session_json(const wk_api_request_t *req,
                                        const wk_session_t *session,
                                        apr_pool_t *pool)
{
    struct json_object *obj = json_object_new_object();

    json_object_object_add(obj, "user", user_json(&session->user));
    json_object_object_add(obj, "csrf_token",
                           session->csrf_token
                           ? json_object_new_string(session->csrf_token)
                           : NULL);
    json_object_object_add(obj, "expires_at",
                           session->expires_at > 0
                           ? json_object_new_string(
                                 wk_time_rfc3339(session->expires_at, pool))
                           : NULL);
    json_object_object_add(obj, "limits", limits_json(req));
    return obj;
}

static const char *tenant_name(const wk_api_request_t *req)
{
    return req->db != NULL ? wk_db_path(req->db) : "-";
}

int wk_api_database_error(wk_api_request_t *req, const char *what,
                          const char *error)
{
    /* SQLite opens a file it may not write read-only, without an error,
     * and the connection stays so until it is closed. */
    if (req->db != NULL
        && sqlite3_db_readonly(wk_db_handle(req->db), "main") == 1)
        error = "the tenant file is read-only for this process; make the "
                "file and its directory writable by the user the server "
                "runs as, then restart Apache gracefully";
    else if (error == NULL)
        error = sqlite3_errmsg(wk_db_handle(req->db));
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, req->r,
                  "WK00004: tenant %s: %s failed: %s", tenant_name(req),
                  what, error);
    apr_table_setn(req->r->headers_out, "Retry-After", "5");
    return wk_api_error(req, HTTP_SERVICE_UNAVAILABLE, "database_error",
                        "The blog's database failed; try again shortly.");
}

/*
 * Finds the author behind the request: the session of the cookie with
 * built-in sign-in, or the author whose email is r->user when Apache's
 * own authentication signed the request in.  Returns OK with
 * req->session set or NULL, or OK after sending an error when the request
 * cannot go on (*sent set).
 */
static int authenticate(wk_api_request_t *req, int *sent)
{
    request_rec *r = req->r;
    apr_array_header_t *tokens;
    const char *token;
    wk_user_t *user;
    apr_status_t rv;
    int i;

    *sent = 0;
    if (wk_conf_studio_auth(req->conf) == WK_STUDIO_AUTH_APACHE) {
        if (r->user == NULL)
            return OK;
        rv = wk_user_find(&user, req->db, r->user, r->pool);
        if (rv == APR_SUCCESS) {
            req->session = apr_pcalloc(r->pool, sizeof(*req->session));
            req->session->user = *user;
            return OK;
        }
        *sent = 1;
        if (rv != APR_NOTFOUND)
            return wk_api_database_error(req, "finding the author", NULL);
        return wk_api_error(req, HTTP_FORBIDDEN, "no_author",
                            apr_psprintf(r->pool, "The user %s has no author "
                                         "account on this blog.", r->user));
    }

    tokens = session_cookies(r);
    for (i = 0; i < tokens->nelts; i++) {
        token = APR_ARRAY_IDX(tokens, i, const char *);
        rv = wk_session_lookup(&req->session, req->db, token,
                               r->request_time, r->pool);
        if (rv == APR_SUCCESS) {
            apr_table_setn(r->notes, "wk-session-token", token);
            return OK;
        }
        req->session = NULL;
        if (rv != APR_NOTFOUND) {
            *sent = 1;
            return wk_api_database_error(req, "looking up the session",
                                         NULL);
        }
    }
    return OK;
}

/* Sets the session cookie to token for lifetime, or clears it when
 * token is NULL. */
static void set_session_cookie(wk_api_request_t *req, const char *token,
                               apr_interval_time_t lifetime)
{
    request_rec *r = req->r;
    const char *secure = strcmp(ap_http_scheme(r), "https") == 0
                         ? "; Secure" : "";

    apr_table_addn(r->headers_out, "Set-Cookie",
                   apr_psprintf(r->pool, "%s=%s; Path=%s; HttpOnly; "
                                "SameSite=Strict; Max-Age=%" APR_TIME_T_FMT
                                "%s", SESSION_COOKIE, token ? token : "",
                                wk_conf_studio(req->conf),
                                token ? apr_time_sec(lifetime) : 0, secure));
}

static int builtin_auth_disabled(wk_api_request_t *req)
{
    return wk_api_error(req, HTTP_NOT_FOUND, "builtin_auth_disabled",
                        "This blog signs authors in through the web "
                        "server (WriteKitStudioAuth apache), not here.");
}

/* Sends 429 with Retry-After in whole seconds, rounded up. */
static int too_many_attempts(wk_api_request_t *req,
                             apr_interval_time_t retry_after)
{
    apr_time_t seconds = (retry_after + APR_USEC_PER_SEC - 1)
                         / APR_USEC_PER_SEC;

    if (seconds < 1)
        seconds = 1;
    apr_table_setn(req->r->headers_out, "Retry-After",
                   apr_psprintf(req->r->pool, "%" APR_TIME_T_FMT, seconds));
    return wk_api_error(req, HTTP_TOO_MANY_REQUESTS, "too_many_attempts",
                        apr_psprintf(req->r->pool, "Too many failed sign-ins; "
                                     "try again in %" APR_TIME_T_FMT
                                     " seconds.", seconds));
}

static int sign_in(wk_api_request_t *req)
{
    static const char *const fields[] = { "email", "password", NULL };
    request_rec *r = req->r;
    apr_interval_time_t lifetime = wk_conf_session_lifetime(req->conf);
    apr_interval_time_t retry_after = 0;
    const char *email, *password, *token;
    struct json_object *body;
    wk_session_t *session;
    wk_user_t *user;
    char *error = NULL;
    apr_status_t rv;

    if (wk_conf_studio_auth(req->conf) == WK_STUDIO_AUTH_APACHE)
        return builtin_auth_disabled(req);
    wk_api_read_json(req, SIGN_IN_MAX_BYTES, &body);
    if (body == NULL)
        return OK;
    if (!wk_api_fields_known(req, body, fields)
        || !wk_api_field_string(req, body, "email", &email)
        || !wk_api_field_string(req, body, "password", &password))
        return OK;
    if (email == NULL || password == NULL)
        return wk_api_invalid_field(req, email == NULL ? "email" : "password",
                                    "a string and is required");

    rv = wk_auth_login(&user, &retry_after, req->db, email, password,
                       r->useragent_ip, NULL, r->request_time, r->pool);
    if (rv == WK_ELIMITED)
        return too_many_attempts(req, retry_after);
    if (rv == WK_EAUTH)
        return wk_api_error(req, HTTP_UNAUTHORIZED, "invalid_credentials",
                            "The email or the password is wrong.");
    if (rv != APR_SUCCESS)
        return wk_api_database_error(req, "sign-in", NULL);

    rv = wk_session_create(&token, &session, req->db, user->id, lifetime,
                           r->request_time, &error, r->pool);
    if (rv != APR_SUCCESS)
        return wk_api_database_error(req, "creating a session", error);
    set_session_cookie(req, token, lifetime);
    return wk_api_send_json(req, HTTP_OK, session_json(req, session, r->pool));
}

static int sign_out(wk_api_request_t *req)
{
    const char *token = session_cookie(req->r);
    apr_status_t rv;

    if (wk_conf_studio_auth(req->conf) == WK_STUDIO_AUTH_APACHE)
        return builtin_auth_disabled(req);
    if (token != NULL) {
        rv = wk_session_revoke(req->db, token, req->r->pool);
        if (rv != APR_SUCCESS)
            return wk_api_database_error(req, "revoking a session", NULL);
    }
    set_session_cookie(req, NULL, 0);
    return wk_api_send_empty(req, HTTP_NO_CONTENT);
}

int wk_api_session(wk_api_request_t *req)
{
    request_rec *r = req->r;

    if (strcmp(req->path, "session") != 0)
        return wk_api_not_found(req);
    switch (r->method_number) {
    case M_GET:
        if (req->session == NULL)
            return wk_api_unauthenticated(req);
        return wk_api_send_json(req, HTTP_OK,
                                session_json(req, req->session, r->pool));
    case M_POST:
        return sign_in(req);
    case M_DELETE:
        return sign_out(req);
    default:
        return wk_api_method_not_allowed(req, "GET, POST, DELETE");
    }
}

/* Takes the first segment of req->path, the endpoint group. */
static const char *path_group(const wk_api_request_t *req)
{
    apr_size_t len = strcspn(req->path, "/");

    return apr_pstrmemdup(req->r->pool, req->path, len);
}

typedef int api_group_fn(wk_api_request_t *req);

/* The endpoint groups by the first segment of the path.  Every group but
 * session needs a signed-in author.
 * NOTE: a group joins this table when its code is on main; until then
 * its paths get 404 like any unknown path. */
static const struct {
    const char *name;
    api_group_fn *handler;
    int public;
} api_groups[] = {
    { "session", wk_api_session, 1 },
    { "posts", wk_api_posts, 0 },
    { "tags", wk_api_posts, 0 },
    { "media", wk_api_media, 0 },
    { "preview", wk_api_preview, 0 },
    { "settings", wk_api_settings, 0 },
    { "export", wk_api_export, 0 },
    { NULL, NULL, 0 }
};

int wk_api_dispatch(wk_api_request_t *req)
{
    const char *group = path_group(req);
    int i, sent;

    authenticate(req, &sent);
    if (sent)
        return OK;

    for (i = 0; api_groups[i].name != NULL; i++)
        if (strcmp(api_groups[i].name, group) == 0)
            break;
    if (api_groups[i].name == NULL)
        return wk_api_not_found(req);
    if (!api_groups[i].public && req->session == NULL)
        return wk_api_unauthenticated(req);
    if (!csrf_passes(req, api_groups[i].public && req->session == NULL))
        return wk_api_error(req, HTTP_FORBIDDEN, "csrf",
                            "A request that changes data needs an Origin "
                            "header naming this site, or the session's "
                            "X-CSRF-Token header.");
    return api_groups[i].handler(req);
}

int wk_api_unauthenticated(wk_api_request_t *req)
{
    return wk_api_error(req, HTTP_UNAUTHORIZED, "unauthenticated",
                        "Sign in to use the studio.");
}

int wk_api_not_found(wk_api_request_t *req)
{
    return wk_api_error(req, HTTP_NOT_FOUND, "not_found",
                        apr_psprintf(req->r->pool, "There is no endpoint %s "
                                     "%s.", req->r->method, req->r->uri));
}

int wk_api_method_not_allowed(wk_api_request_t *req, const char *allow)
{
    apr_table_setn(req->r->headers_out, "Allow", allow);
    return wk_api_error(req, HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
                        apr_psprintf(req->r->pool, "%s is not allowed here; "
                                     "allowed: %s.", req->r->method, allow));
}

void wk_api_edit_options(wk_edit_options_t *options,
                         const wk_api_request_t *req)
{
    memset(options, 0, sizeof(*options));
    wk_render_limits_default(&options->limits);
    options->limits.max_source_bytes = wk_conf_max_post_size(req->conf);
    options->allow_raw_html = req->settings->allow_raw_html;
    options->iframe_hosts = req->settings->iframe_hosts;
    options->max_revisions = WK_EDIT_DEFAULT_MAX_REVISIONS;
}
