/*
 * wk_api_posts.c: the studio's posts and tags endpoints.
 *
 * Every change names the revision it was based on (If-Match: "rev-N" or
 * a revision field).  wk_edit.c updates the row only while it still has
 * that revision.  So of two authors saving the same version, one gets the
 * save and the other 409 (412 with If-Match) with the current post.
 */
#include <string.h>

#include <apr_strings.h>

#include <http_core.h>
#include <http_protocol.h>
#include <util_script.h>

#include "wk_api.h"
#include "wk_edit.h"
#include "wk_timefmt.h"
#include "wk_view.h"

#define DEFAULT_PER_PAGE 20
#define MAX_PER_PAGE     100


static const char *const post_fields[] = {
    "title", "slug", "description", "source", "status", "published_at",
    "tags", "revision", NULL
};

/* Parses a whole decimal number from 1 to max; returns 0 otherwise. */
static apr_int64_t parse_positive(const char *text, apr_int64_t max)
{
    apr_int64_t n = 0;
    const char *p;

    if (text == NULL || *text == '\0' || strlen(text) > 18)
        return 0;
    for (p = text; *p != '\0'; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        n = n * 10 + (*p - '0');
    }
    return n <= max ? n : 0;
}

static const char *post_url(const wk_api_request_t *req, const wk_post_t *post)
{
    wk_buf_t *url = wk_buf_make(req->r->pool, 256);

    wk_buf_puts(url, wk_conf_mount(req->conf));
    wk_buf_puts(url, "posts/");
    wk_url_encode_path(url, post->slug);
    return url->data;
}

static struct json_object *time_json(apr_time_t t, apr_pool_t *pool)
{
    return t > 0 ? json_object_new_string(wk_time_rfc3339(t, pool)) : NULL;
}

static struct json_object *string_json(const char *text)
{
    return json_object_new_string(text != NULL ? text : "");
}

/* A post as the API sends it; source and html only when loaded. */
static struct json_object *post_json(const wk_api_request_t *req,
                                     const wk_post_t *post)
{
    apr_pool_t *pool = req->r->pool;
    struct json_object *obj = json_object_new_object();
    struct json_object *tags = json_object_new_array();
    int i;

    json_object_object_add(obj, "id", json_object_new_int64(post->id));
    json_object_object_add(obj, "slug", string_json(post->slug));
    json_object_object_add(obj, "title", string_json(post->title));
    json_object_object_add(obj, "description", string_json(post->description));
    json_object_object_add(obj, "status",
                           string_json(wk_post_status_at(post,
                                                         req->r->request_time)));
    json_object_object_add(obj, "published_at",
                           time_json(post->published_at, pool));
    json_object_object_add(obj, "updated_at", time_json(post->updated_at, pool));
    json_object_object_add(obj, "revision",
                           json_object_new_int(post->revision));
    json_object_object_add(obj, "url",
                           json_object_new_string(post_url(req, post)));
    for (i = 0; post->tags != NULL && i < post->tags->nelts; i++) {
        const wk_tag_t *tag = &APR_ARRAY_IDX(post->tags, i, wk_tag_t);

        json_object_array_add(tags, string_json(tag->name));
    }
    json_object_object_add(obj, "tags", tags);
    if (post->source != NULL)
        json_object_object_add(obj, "source", string_json(post->source));
    if (post->html != NULL)
        json_object_object_add(obj, "html", string_json(post->html));
    return obj;
}

static void set_etag(wk_api_request_t *req, const wk_post_t *post)
{
    apr_table_setn(req->r->headers_out, "ETag",
                   apr_psprintf(req->r->pool, "\"rev-%d\"", post->revision));
}

static int send_post(wk_api_request_t *req, int status, const wk_post_t *post)
{
    set_etag(req, post);
    return wk_api_send_json(req, status, post_json(req, post));
}

/* Sends the error of a failed edit: its status mapped to HTTP. */
static int edit_failed(wk_api_request_t *req, apr_status_t rv,
                       const char *error, const char *what)
{
    const char *message = error != NULL ? error : "invalid post";

    if (rv == APR_NOTFOUND)
        return wk_api_error(req, HTTP_NOT_FOUND, "not_found",
                            "There is no such post or revision.");
    if (rv == WK_ETOOBIG)
        return wk_api_error(req, HTTP_REQUEST_ENTITY_TOO_LARGE,
                            "post_too_large", message);
    if (rv == WK_ETIMEOUT || rv == WK_ENOMEM)
        return wk_api_error(req, HTTP_UNPROCESSABLE_ENTITY, "render_limit",
                            message);
    if (rv == WK_EINVAL)
        return wk_api_error(req, HTTP_UNPROCESSABLE_ENTITY, "invalid_post",
                            message);
    return wk_api_database_error(req, what, error);
}

/* Reads tags: an array of strings.  Returns 0 after sending 422. */
static int read_tags(wk_api_request_t *req, struct json_object *body,
                     apr_array_header_t **tags)
{
    struct json_object *member;
    size_t i, n;

    *tags = NULL;
    if (!json_object_object_get_ex(body, "tags", &member))
        return 1;
    if (!json_object_is_type(member, json_type_array)) {
        wk_api_invalid_field(req, "tags", "an array of strings");
        return 0;
    }
    n = json_object_array_length(member);
    *tags = apr_array_make(req->r->pool, (int)n + 1, sizeof(const char *));
    for (i = 0; i < n; i++) {
        struct json_object *item = json_object_array_get_idx(member, i);

        if (!json_object_is_type(item, json_type_string)
            || strlen(json_object_get_string(item))
               != (size_t)json_object_get_string_len(item)) {
            wk_api_invalid_field(req, "tags", "an array of strings");
            return 0;
        }
        APR_ARRAY_PUSH(*tags, const char *) =
            apr_pstrdup(req->r->pool, json_object_get_string(item));
    }
    return 1;
}

/* Reads published_at: RFC 3339, or a date in the blog's time zone;
 * null leaves it as it is. */
static int read_published_at(wk_api_request_t *req, struct json_object *body,
                             wk_post_fields_t *fields)
{
    struct json_object *member;

    if (!json_object_object_get_ex(body, "published_at", &member)
        || json_object_is_type(member, json_type_null))
        return 1;
    if (!json_object_is_type(member, json_type_string)
        || wk_time_parse_input(&fields->published_at,
                               json_object_get_string(member),
                               req->settings->timezone, req->r->pool)
           != APR_SUCCESS) {
        wk_api_invalid_field(req, "published_at", "an RFC 3339 date-time "
                             "such as 2024-05-01T09:30:00Z or a date such "
                             "as 2024-05-01");
        return 0;
    }
    fields->set_published_at = 1;
    return 1;
}

/* Reads the revision field; 0 when absent.  Returns 0 after sending
 * 422. */
static int read_revision(wk_api_request_t *req, struct json_object *body,
                         int *revision)
{
    struct json_object *member;

    *revision = 0;
    if (!json_object_object_get_ex(body, "revision", &member))
        return 1;
    if (!json_object_is_type(member, json_type_int)
        || json_object_get_int64(member) < 1
        || json_object_get_int64(member) > 0x7fffffff) {
        wk_api_invalid_field(req, "revision", "a whole number from 1 up");
        return 0;
    }
    *revision = (int)json_object_get_int64(member);
    return 1;
}

/* Checks the core's limits on the fields, so a 422 names the field the
 * client should mark.  Returns 0 after sending it. */
static int fields_valid(wk_api_request_t *req, const wk_post_fields_t *fields,
                        int is_create)
{
    const char *field = NULL;
    char *error = NULL;

    if (wk_post_fields_check(fields, is_create, &field, &error, req->r->pool)
        == APR_SUCCESS)
        return 1;
    wk_api_error_with(req, HTTP_UNPROCESSABLE_ENTITY, "invalid_field",
                      apr_psprintf(req->r->pool, "Invalid %s: %s.", field,
                                   error),
                      "field", json_object_new_string(field));
    return 0;
}

/*
 * Reads the fields of a post body into *fields and the revision field
 * into *revision.  Returns 0 after sending the error: 422 for unknown
 * fields, wrong types or a bad status or time, 413 for a source over
 * WriteKitMaxPostSize.
 */
static int read_post_fields(wk_api_request_t *req, struct json_object *body,
                            wk_post_fields_t *fields, int *revision,
                            int is_create)
{
    apr_size_t max = wk_conf_max_post_size(req->conf);

    memset(fields, 0, sizeof(*fields));
    if (!wk_api_fields_known(req, body, post_fields)
        || !wk_api_field_string(req, body, "title", &fields->title)
        || !wk_api_field_string(req, body, "slug", &fields->slug)
        || !wk_api_field_string(req, body, "description",
                                &fields->description)
        || !wk_api_field_string(req, body, "source", &fields->source)
        || !wk_api_field_string(req, body, "status", &fields->status)
        || !read_tags(req, body, &fields->tags)
        || !read_published_at(req, body, fields)
        || !read_revision(req, body, revision))
        return 0;

    if (fields->status != NULL && strcmp(fields->status, "draft") != 0
        && strcmp(fields->status, "published") != 0
        && strcmp(fields->status, "scheduled") != 0) {
        wk_api_invalid_field(req, "status",
                             "one of draft, published or scheduled");
        return 0;
    }
    if (!fields_valid(req, fields, is_create))
        return 0;
    if (fields->source != NULL && strlen(fields->source) > max) {
        wk_api_error(req, HTTP_REQUEST_ENTITY_TOO_LARGE, "post_too_large",
                     apr_psprintf(req->r->pool, "The post's source is %"
                                  APR_SIZE_T_FMT " bytes, over the limit of "
                                  "%" APR_SIZE_T_FMT " bytes.",
                                  strlen(fields->source), max));
        return 0;
    }
    return 1;
}

/* Reads and checks the JSON body of a create or an update. */
static int read_post_body(wk_api_request_t *req, wk_post_fields_t *fields,
                          int *revision, int is_create)
{
    apr_size_t max = wk_conf_max_post_size(req->conf);
    struct json_object *body;

    wk_api_read_json(req, max * WK_API_JSON_EXPANSION + WK_API_OTHER_FIELDS_MAX, &body);
    return body != NULL && read_post_fields(req, body, fields, revision,
                                                   is_create);
}

/*
 * Reads the base revision of a change: If-Match: "rev-N" or the body's
 * revision field.  Returns 0 after sending 400 for an If-Match that names
 * no revision, 422 when the two disagree, or 428 when neither is there.
 * *if_match is set when the header gave it.
 */
static int base_revision(wk_api_request_t *req, int field, int *revision,
                         int *if_match)
{
    const char *header = apr_table_get(req->r->headers_in, "If-Match");
    apr_size_t len;
    apr_int64_t n;

    *if_match = header != NULL;
    *revision = field;
    if (header != NULL) {
        len = strlen(header);
        n = len > 6 && strncmp(header, "\"rev-", 5) == 0
            && header[len - 1] == '"'
            ? parse_positive(apr_pstrmemdup(req->r->pool, header + 5,
                                            len - 6), 0x7fffffff)
            : 0;
        if (n == 0) {
            wk_api_error(req, HTTP_BAD_REQUEST, "invalid_if_match",
                         "If-Match must be the post's ETag, such as "
                         "\"rev-3\".");
            return 0;
        }
        if (field != 0 && field != (int)n) {
            wk_api_invalid_field(req, "revision", "the revision If-Match "
                                 "names, or left out");
            return 0;
        }
        *revision = (int)n;
    }
    if (*revision == 0) {
        wk_api_error(req, 428, "revision_required",
                     "Name the revision the change is based on with "
                     "If-Match: \"rev-N\" or a revision field.");
        return 0;
    }
    return 1;
}

/* Sends the conflict of a stale revision with the current post. */
static int conflict(wk_api_request_t *req, const wk_post_t *current,
                    int base, int if_match)
{
    set_etag(req, current);
    return wk_api_error_with(
        req, if_match ? HTTP_PRECONDITION_FAILED : HTTP_CONFLICT, "conflict",
        apr_psprintf(req->r->pool, "The post changed since revision %d; it "
                     "is now at revision %d.", base, current->revision),
        "post", post_json(req, current));
}

static int list_posts(wk_api_request_t *req)
{
    apr_table_t *args = NULL;
    wk_post_query_t query;
    apr_array_header_t *posts;
    struct json_object *body, *items;
    const char *value;
    apr_int64_t page = 1, per_page = DEFAULT_PER_PAGE;
    int total = 0, i;
    char *error = NULL;

    args = wk_api_query(req);
    memset(&query, 0, sizeof(query));
    query.status = apr_table_get(args, "status");
    if (query.status != NULL && *query.status == '\0')
        query.status = NULL;
    if (query.status != NULL && strcmp(query.status, "draft") != 0
        && strcmp(query.status, "published") != 0
        && strcmp(query.status, "scheduled") != 0)
        return wk_api_error(req, HTTP_BAD_REQUEST, "invalid_parameter",
                            "status must be draft, published or scheduled.");
    query.title_search = apr_table_get(args, "q");
    query.now = req->r->request_time;
    if ((value = apr_table_get(args, "page")) != NULL
        && (page = parse_positive(value, 1000000)) == 0)
        return wk_api_error(req, HTTP_BAD_REQUEST, "invalid_parameter",
                            "page must be a whole number from 1 up.");
    if ((value = apr_table_get(args, "per_page")) != NULL
        && (per_page = parse_positive(value, MAX_PER_PAGE)) == 0)
        return wk_api_error(req, HTTP_BAD_REQUEST, "invalid_parameter",
                            "per_page must be a whole number from 1 to 100.");
    query.offset = (int)((page - 1) * per_page);
    query.limit = (int)per_page;

    if (wk_post_list(&posts, &total, req->db, &query, req->r->pool)
        != APR_SUCCESS)
        return wk_api_database_error(req, "listing posts", error);
    items = json_object_new_array();
    for (i = 0; i < posts->nelts; i++)
        json_object_array_add(items, post_json(req, APR_ARRAY_IDX(
                                                   posts, i, wk_post_t *)));
    body = json_object_new_object();
    json_object_object_add(body, "posts", items);
    json_object_object_add(body, "total", json_object_new_int(total));
    json_object_object_add(body, "page", json_object_new_int((int)page));
    json_object_object_add(body, "per_page",
                           json_object_new_int((int)per_page));
    return wk_api_send_json(req, HTTP_OK, body);
}

static int create_post(wk_api_request_t *req)
{
    wk_post_fields_t fields;
    wk_edit_options_t options;
    wk_post_t *post;
    char *error = NULL;
    int revision;
    apr_status_t rv;

    if (!read_post_body(req, &fields, &revision, 1))
        return OK;
    if (fields.title == NULL)
        return wk_api_invalid_field(req, "title", "a string and is required");
    fields.author = req->session->user.display_name != NULL
                    && *req->session->user.display_name != '\0'
                    ? req->session->user.display_name
                    : req->session->user.email;
    wk_api_edit_options(&options, req);
    rv = wk_post_create(&post, req->db, &fields, &options,
                        req->r->request_time, &error, req->r->pool);
    if (rv != APR_SUCCESS)
        return edit_failed(req, rv, error, "creating a post");
    apr_table_setn(req->r->headers_out, "Location",
                   apr_psprintf(req->r->pool, "%sapi/posts/%" APR_INT64_T_FMT,
                                wk_conf_studio(req->conf), post->id));
    return send_post(req, HTTP_CREATED, post);
}

static int get_post(wk_api_request_t *req, apr_int64_t id)
{
    wk_post_t *post;
    apr_status_t rv = wk_post_get(&post, req->db, id, req->r->pool);

    if (rv != APR_SUCCESS)
        return edit_failed(req, rv, NULL, "loading a post");
    return send_post(req, HTTP_OK, post);
}

static int update_post(wk_api_request_t *req, apr_int64_t id)
{
    wk_post_fields_t fields;
    wk_edit_options_t options;
    wk_post_t *post = NULL;
    char *error = NULL;
    int field_revision, base, if_match;
    apr_status_t rv;

    if (!read_post_body(req, &fields, &field_revision, 0)
        || !base_revision(req, field_revision, &base, &if_match))
        return OK;
    wk_api_edit_options(&options, req);
    rv = wk_post_update(&post, req->db, id, base, &fields, &options,
                        req->r->request_time, &error, req->r->pool);
    if (rv == WK_ECONFLICT && post != NULL)
        return conflict(req, post, base, if_match);
    if (rv != APR_SUCCESS)
        return edit_failed(req, rv, error, "updating a post");
    return send_post(req, HTTP_OK, post);
}

/* Deletes a post; with If-Match, only while the post is at that
 * revision, which the delete's own transaction checks. */
static int delete_post(wk_api_request_t *req, apr_int64_t id)
{
    wk_post_t *post;
    char *error = NULL;
    int base = 0, if_match = 0;
    apr_status_t rv;

    if (apr_table_get(req->r->headers_in, "If-Match") != NULL
        && !base_revision(req, 0, &base, &if_match))
        return OK;
    rv = wk_post_delete(req->db, id, base, &error, req->r->pool);
    if (rv == WK_ECONFLICT
        && wk_post_get(&post, req->db, id, req->r->pool) == APR_SUCCESS)
        return conflict(req, post, base, if_match);
    if (rv != APR_SUCCESS)
        return edit_failed(req, rv, error, "deleting a post");
    return wk_api_send_empty(req, HTTP_NO_CONTENT);
}

static int list_revisions(wk_api_request_t *req, apr_int64_t id)
{
    apr_array_header_t *revisions;
    struct json_object *items, *body;
    wk_post_t *post;
    apr_status_t rv;
    int i;

    rv = wk_post_get(&post, req->db, id, req->r->pool);
    if (rv == APR_SUCCESS)
        rv = wk_revision_list(&revisions, req->db, id, req->r->pool);
    if (rv != APR_SUCCESS)
        return edit_failed(req, rv, NULL, "listing revisions");

    items = json_object_new_array();
    for (i = 0; i < revisions->nelts; i++) {
        const wk_revision_t *revision = &APR_ARRAY_IDX(revisions, i,
                                                       wk_revision_t);
        struct json_object *item = json_object_new_object();

        json_object_object_add(item, "revision",
                               json_object_new_int(revision->revision));
        json_object_object_add(item, "title", string_json(revision->title));
        json_object_object_add(item, "saved_at",
                               time_json(revision->saved_at, req->r->pool));
        json_object_array_add(items, item);
    }
    body = json_object_new_object();
    json_object_object_add(body, "current", json_object_new_int(post->revision));
    json_object_object_add(body, "revisions", items);
    return wk_api_send_json(req, HTTP_OK, body);
}

/* Sends one kept revision with its text, so an author can read it
 * before restoring it. */
static int get_revision(wk_api_request_t *req, apr_int64_t id, int number)
{
    apr_pool_t *pool = req->r->pool;
    struct json_object *body, *tags;
    wk_post_fields_t fields;
    apr_time_t saved_at;
    apr_status_t rv;
    int i;

    rv = wk_revision_get(&fields, &saved_at, req->db, id, number, pool);
    if (rv != APR_SUCCESS)
        return edit_failed(req, rv, NULL, "reading a revision");

    tags = json_object_new_array();
    for (i = 0; fields.tags != NULL && i < fields.tags->nelts; i++)
        json_object_array_add(tags, string_json(APR_ARRAY_IDX(fields.tags, i,
                                                              const char *)));
    body = json_object_new_object();
    json_object_object_add(body, "revision", json_object_new_int(number));
    json_object_object_add(body, "title", string_json(fields.title));
    json_object_object_add(body, "slug", string_json(fields.slug));
    json_object_object_add(body, "description",
                           string_json(fields.description));
    json_object_object_add(body, "source", string_json(fields.source));
    json_object_object_add(body, "tags", tags);
    json_object_object_add(body, "saved_at", time_json(saved_at, pool));
    return wk_api_send_json(req, HTTP_OK, body);
}

/* Restores an old revision; the base revision comes from If-Match or
 * an optional body {"revision": N}. */
static int restore_revision(wk_api_request_t *req, apr_int64_t id,
                            int old_revision)
{
    static const char *const fields[] = { "revision", NULL };
    struct json_object *body = NULL;
    wk_edit_options_t options;
    wk_post_t *post = NULL;
    char *error = NULL;
    int field = 0, base, if_match;
    apr_status_t rv;

    if (apr_table_get(req->r->headers_in, "Content-Type") != NULL) {
        wk_api_read_json(req, WK_API_OTHER_FIELDS_MAX, &body);
        if (body == NULL || !wk_api_fields_known(req, body, fields)
            || !read_revision(req, body, &field))
            return OK;
    }
    if (!base_revision(req, field, &base, &if_match))
        return OK;
    wk_api_edit_options(&options, req);
    rv = wk_revision_restore(&post, req->db, id, old_revision, base,
                             &options, req->r->request_time, &error,
                             req->r->pool);
    if (rv == WK_ECONFLICT && post != NULL)
        return conflict(req, post, base, if_match);
    if (rv != APR_SUCCESS)
        return edit_failed(req, rv, error, "restoring a revision");
    return send_post(req, HTTP_OK, post);
}

static int list_tags(wk_api_request_t *req)
{
    apr_array_header_t *tags;
    struct json_object *items, *body;
    int i;

    if (wk_tag_list_counts(&tags, req->db, req->r->pool) != APR_SUCCESS)
        return wk_api_database_error(req, "listing tags", NULL);
    items = json_object_new_array();
    for (i = 0; i < tags->nelts; i++) {
        const wk_tag_count_t *tag = &APR_ARRAY_IDX(tags, i, wk_tag_count_t);
        struct json_object *item = json_object_new_object();

        json_object_object_add(item, "slug", string_json(tag->slug));
        json_object_object_add(item, "name", string_json(tag->name));
        json_object_object_add(item, "count", json_object_new_int(tag->count));
        json_object_array_add(items, item);
    }
    body = json_object_new_object();
    json_object_object_add(body, "tags", items);
    return wk_api_send_json(req, HTTP_OK, body);
}

/* Serves posts/ID, posts/ID/revisions, posts/ID/revisions/N and
 * posts/ID/revisions/N/restore; rest is the path after "posts/". */
static int serve_one_post(wk_api_request_t *req, const char *rest)
{
    int method = req->r->method_number;
    const char *slash = strchr(rest, '/'), *tail;
    apr_int64_t id, old_revision;

    id = parse_positive(slash ? apr_pstrmemdup(req->r->pool, rest,
                                               (apr_size_t)(slash - rest))
                              : rest, APR_INT64_C(999999999999999999));
    if (id == 0)
        return wk_api_not_found(req);
    if (slash == NULL) {
        if (method == M_GET)
            return get_post(req, id);
        if (method == M_PUT || method == M_PATCH)
            return update_post(req, id);
        if (method == M_DELETE)
            return delete_post(req, id);
        return wk_api_method_not_allowed(req, "GET, PUT, PATCH, DELETE");
    }
    if (strcmp(slash, "/revisions") == 0)
        return method == M_GET ? list_revisions(req, id)
                               : wk_api_method_not_allowed(req, "GET");
    if (strncmp(slash, "/revisions/", 11) != 0)
        return wk_api_not_found(req);
    tail = strchr(slash + 11, '/');
    if (tail != NULL && strcmp(tail, "/restore") != 0)
        return wk_api_not_found(req);
    old_revision = parse_positive(tail == NULL ? slash + 11
                                  : apr_pstrmemdup(req->r->pool, slash + 11,
                                                   (apr_size_t)(tail - slash
                                                                - 11)),
                                  0x7fffffff);
    if (old_revision == 0)
        return wk_api_not_found(req);
    if (tail == NULL)
        return method == M_GET ? get_revision(req, id, (int)old_revision)
                               : wk_api_method_not_allowed(req, "GET");
    return method == M_POST ? restore_revision(req, id, (int)old_revision)
                            : wk_api_method_not_allowed(req, "POST");
}

int wk_api_posts(wk_api_request_t *req)
{
    int method = req->r->method_number;

    if (strcmp(req->path, "tags") == 0)
        return method == M_GET ? list_tags(req)
                               : wk_api_method_not_allowed(req, "GET");
    if (strcmp(req->path, "posts") == 0 || strcmp(req->path, "posts/") == 0) {
        if (method == M_GET)
            return list_posts(req);
        if (method == M_POST)
            return create_post(req);
        return wk_api_method_not_allowed(req, "GET, POST");
    }
    if (strncmp(req->path, "posts/", 6) == 0)
        return serve_one_post(req, req->path + 6);
    return wk_api_not_found(req);
}
