/*
 * wk_edit.c: creating, updating and deleting posts from the studio.
 *
 * Rendering can take up to its time budget (2 s by default), so it runs
 * before the write transaction, never inside it.  The update then takes
 * the write lock with BEGIN IMMEDIATE and changes the row only while it
 * still has the revision the author started from, which is what makes
 * the revision check hold across processes.
 */
#include <string.h>

#include <apr_hash.h>

#include <json-c/json.h>

#include "wk_edit.h"
#include "wk_sanitize.h"

#define LIST_DEFAULT_LIMIT 20
#define LIST_MAX_LIMIT     100

/* Limits on what an author sends, so one bad request cannot fill the
 * tenant file; the markdown source has its own limit in the renderer. */
#define TITLE_MAX_BYTES       1024
#define DESCRIPTION_MAX_BYTES 4096
#define TAG_MAX_BYTES         100
#define TAGS_MAX              64

static int status_valid(const char *status)
{
    return strcmp(status, "draft") == 0 || strcmp(status, "published") == 0
           || strcmp(status, "scheduled") == 0;
}

static apr_status_t tags_check(const apr_array_header_t *tags, char **error,
                               apr_pool_t *pool)
{
    int i;

    if (tags == NULL)
        return APR_SUCCESS;
    if (tags->nelts > TAGS_MAX) {
        *error = apr_psprintf(pool, "a post has at most %d tags, not %d",
                              TAGS_MAX, tags->nelts);
        return WK_EINVAL;
    }
    for (i = 0; i < tags->nelts; i++) {
        const char *tag = APR_ARRAY_IDX(tags, i, const char *);

        if (tag != NULL && strlen(tag) > TAG_MAX_BYTES) {
            *error = apr_psprintf(pool, "tag %d is over %d bytes", i + 1,
                                  TAG_MAX_BYTES);
            return WK_EINVAL;
        }
    }
    return APR_SUCCESS;
}

apr_status_t wk_post_fields_check(const wk_post_fields_t *fields,
                                  int is_create, const char **field,
                                  char **error, apr_pool_t *pool)
{
    if (is_create && (fields->title == NULL || *fields->title == '\0')) {
        *field = "title";
        *error = "a post needs a title";
    }
    else if (fields->title && fields->title[strspn(fields->title,
                                                    " \t\r\n")] == '\0') {
        *field = "title";
        *error = "the title must not be empty or blank";
    }
    else if (fields->title && strlen(fields->title) > TITLE_MAX_BYTES) {
        *field = "title";
        *error = apr_psprintf(pool, "the title is over %d bytes",
                              TITLE_MAX_BYTES);
    }
    else if (fields->description
             && strlen(fields->description) > DESCRIPTION_MAX_BYTES) {
        *field = "description";
        *error = apr_psprintf(pool, "the description is over %d bytes",
                              DESCRIPTION_MAX_BYTES);
    }
    else if (fields->status && !status_valid(fields->status)) {
        *field = "status";
        *error = apr_psprintf(pool, "invalid status '%s'; expected draft, "
                              "published or scheduled", fields->status);
    }
    else if (fields->set_published_at && fields->published_at <= 0) {
        *field = "published_at";
        *error = "published_at must be after 1970-01-01T00:00:00Z";
    }
    else {
        *field = "tags";
        return tags_check(fields->tags, error, pool);
    }
    return WK_EINVAL;
}

/* Checks the fields a request sent, before anything is merged. */
static apr_status_t fields_check(const wk_post_fields_t *fields,
                                 int is_create, char **error,
                                 apr_pool_t *pool)
{
    const char *field;

    return wk_post_fields_check(fields, is_create, &field, error, pool);
}

/*
 * Renders source as the post's format.  Markdown gets the readers'
 * options, or keeps raw HTML and is then sanitized when the blog allows
 * raw HTML.  An imported HTML post is only sanitized.
 */
apr_status_t wk_post_render(const char **html, const char *source,
                            const char *format,
                            const wk_edit_options_t *options, char **error,
                            apr_pool_t *pool)
{
    apr_size_t len = strlen(source);
    const char *raw;
    apr_status_t rv;

    if (format != NULL && strcmp(format, "html") == 0) {
        if (len > options->limits.max_source_bytes) {
            *error = apr_psprintf(pool, "post source is %" APR_SIZE_T_FMT
                                  " bytes, over the limit of %"
                                  APR_SIZE_T_FMT " bytes", len,
                                  options->limits.max_source_bytes);
            return WK_ETOOBIG;
        }
        return wk_html_sanitize(html, source, len, options->iframe_hosts,
                                pool);
    }
    if (!options->allow_raw_html)
        return wk_markdown_render(html, source, len, &options->limits, error,
                                  pool);

    rv = wk_markdown_render_raw(&raw, source, len, &options->limits, error,
                                pool);
    if (rv != APR_SUCCESS)
        return rv;
    return wk_html_sanitize(html, raw, strlen(raw), options->iframe_hosts,
                            pool);
}

/*
 * Settles status and publish time of the merged post: a published post
 * with no time gets now, a scheduled one must have a time.
 */
static apr_status_t schedule_settle(wk_post_input_t *in, apr_time_t now,
                                    char **error)
{
    if (strcmp(in->status, "published") == 0 && in->published_at <= 0)
        in->published_at = now;
    if (strcmp(in->status, "scheduled") == 0 && in->published_at <= 0) {
        *error = "a scheduled post needs published_at";
        return WK_EINVAL;
    }
    return APR_SUCCESS;
}

apr_status_t wk_post_get(wk_post_t **out, wk_db_t *db, apr_int64_t id,
                         apr_pool_t *pool)
{
    sqlite3_stmt *stmt = wk_db_prepare(db,
        "SELECT " WK_POST_COLUMNS ", source FROM posts WHERE id = ?1");
    wk_post_t *post;
    int rc;

    if (stmt == NULL)
        return WK_EDB;
    sqlite3_bind_int64(stmt, 1, id);
    rc = sqlite3_step(stmt);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(stmt);
        return rc == SQLITE_DONE ? APR_NOTFOUND : WK_EDB;
    }
    post = wk_post_from_row(stmt, pool);
    post->source = apr_pstrmemdup(pool,
        (const char *)sqlite3_column_text(stmt, WK_POST_COLUMN_COUNT),
        (apr_size_t)sqlite3_column_bytes(stmt, WK_POST_COLUMN_COUNT));
    sqlite3_reset(stmt);

    *out = post;
    return wk_post_load_tags(post, db, pool);
}

/* Ends a transaction that failed: rolls back and passes rv on. */
static apr_status_t transaction_fail(wk_db_t *db, apr_status_t rv)
{
    wk_db_rollback(db);
    return rv;
}

apr_status_t wk_post_create(wk_post_t **post, wk_db_t *db,
                            const wk_post_fields_t *fields,
                            const wk_edit_options_t *options, apr_time_t now,
                            char **error, apr_pool_t *pool)
{
    wk_post_input_t in = { 0 };
    apr_int64_t id = 0;
    int created;
    apr_status_t rv;

    rv = fields_check(fields, 1, error, pool);
    if (rv != APR_SUCCESS)
        return rv;
    in.title = fields->title;
    in.slug = fields->slug;
    in.description = fields->description;
    in.author = fields->author;
    in.source = fields->source ? fields->source : "";
    in.source_format = "markdown";
    in.status = fields->status ? fields->status : "draft";
    in.published_at = fields->set_published_at ? fields->published_at : 0;
    in.tags = fields->tags;
    rv = schedule_settle(&in, now, error);
    if (rv == APR_SUCCESS)
        rv = wk_post_render(&in.html, in.source, in.source_format, options,
                           error, pool);
    if (rv != APR_SUCCESS)
        return rv;

    rv = wk_db_begin(db, error, pool);
    if (rv != APR_SUCCESS)
        return rv;
    rv = wk_post_upsert(&id, &created, db, &in, error, pool);
    if (rv == APR_SUCCESS)
        rv = wk_db_commit(db, error, pool);
    if (rv != APR_SUCCESS)
        return transaction_fail(db, rv);
    return wk_post_get(post, db, id, pool);
}

/* Copies the stored version of post id into post_revisions, then keeps
 * only the newest max of them. */
static apr_status_t revision_save(wk_db_t *db, apr_int64_t id, int max,
                                  char **error, apr_pool_t *pool)
{
    sqlite3_stmt *copy = wk_db_statement(db,
        "INSERT OR REPLACE INTO post_revisions (post_id, revision, title,"
        " slug, description, source, source_format, status, published_at,"
        " tags, saved_at)"
        " SELECT p.id, p.revision, p.title, p.slug, p.description, p.source,"
        " p.source_format, p.status, p.published_at,"
        " (SELECT json_group_array(name) FROM (SELECT t.name FROM post_tags pt"
        "  JOIN tags t ON t.id = pt.tag_id WHERE pt.post_id = p.id"
        "  ORDER BY t.name)), p.updated_at"
        " FROM posts p WHERE p.id = ?1", error, pool);
    /* Deletes what is at or below the newest revision past the max, a
     * range of the primary key, rather than all that is not among the
     * newest, which would collect those into a temporary table first. */
    sqlite3_stmt *prune = wk_db_statement(db,
        "DELETE FROM post_revisions WHERE post_id = ?1 AND revision <="
        " (SELECT revision FROM post_revisions WHERE post_id = ?1"
        "  ORDER BY revision DESC LIMIT 1 OFFSET ?2)", error, pool);
    apr_status_t rv;

    if (copy == NULL || prune == NULL)
        return WK_EDB;
    sqlite3_bind_int64(copy, 1, id);
    rv = wk_db_step_done(db, copy, error, pool);
    if (rv != APR_SUCCESS)
        return rv;
    sqlite3_bind_int64(prune, 1, id);
    sqlite3_bind_int(prune, 2, max);
    return wk_db_step_done(db, prune, error, pool);
}

/*
 * Writes the merged version over the row if it still has base_revision.
 * Returns WK_ECONFLICT when no row changed.
 */
static apr_status_t row_update(wk_db_t *db, apr_int64_t id,
                               int base_revision, const wk_post_input_t *in,
                               const char *slug, apr_time_t now,
                               char **error, apr_pool_t *pool)
{
    sqlite3_stmt *stmt = wk_db_statement(db,
        "UPDATE posts SET slug = ?1, title = ?2, description = ?3,"
        " source = ?4, html = ?5, status = ?6, published_at = ?7,"
        " updated_at = ?8, revision = revision + 1"
        " WHERE id = ?9 AND revision = ?10", error, pool);
    apr_status_t rv;

    if (stmt == NULL)
        return WK_EDB;
    sqlite3_bind_text(stmt, 1, slug, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, in->title, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, in->description, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 4, in->source, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 5, in->html, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 6, in->status, -1, SQLITE_STATIC);
    if (in->published_at > 0)
        sqlite3_bind_int64(stmt, 7, apr_time_sec(in->published_at));
    else
        sqlite3_bind_null(stmt, 7);
    sqlite3_bind_int64(stmt, 8, apr_time_sec(now));
    sqlite3_bind_int64(stmt, 9, id);
    sqlite3_bind_int(stmt, 10, base_revision);
    rv = wk_db_step_done(db, stmt, error, pool);
    if (rv == APR_SUCCESS && sqlite3_changes(wk_db_handle(db)) == 0)
        return WK_ECONFLICT;
    return rv;
}

/*
 * Points the old URL of a post whose slug changed at the post, so links
 * to /posts/OLD get a 301 (see wk_post_find_moved()).  A redirect from
 * the new slug's own URL is dropped, because that URL is the post now.
 */
static apr_status_t slug_redirect(wk_db_t *db, apr_int64_t id,
                                  const char *old_slug, const char *new_slug,
                                  char **error, apr_pool_t *pool)
{
    sqlite3_stmt *add = wk_db_statement(db,
        "INSERT OR REPLACE INTO redirects (path, post_id) VALUES (?1, ?2)",
        error, pool);
    sqlite3_stmt *drop = wk_db_statement(db,
        "DELETE FROM redirects WHERE path = ?1", error, pool);
    apr_status_t rv;

    if (add == NULL || drop == NULL)
        return WK_EDB;
    sqlite3_bind_text(add, 1, apr_pstrcat(pool, "posts/", old_slug, NULL), -1,
                      SQLITE_TRANSIENT);
    sqlite3_bind_int64(add, 2, id);
    rv = wk_db_step_done(db, add, error, pool);
    if (rv != APR_SUCCESS)
        return rv;
    sqlite3_bind_text(drop, 1, apr_pstrcat(pool, "posts/", new_slug, NULL),
                      -1, SQLITE_TRANSIENT);
    return wk_db_step_done(db, drop, error, pool);
}

/*
 * Returns 1 when the tag names, as slugs, are the tags the post has.  An
 * autosave sends the tags each time, and relinking the same tags would
 * run the change triggers of every link twice.
 */
static int tags_unchanged(const wk_post_t *current,
                          const apr_array_header_t *names, apr_pool_t *pool)
{
    apr_hash_t *slugs = apr_hash_make(pool);
    int i;

    for (i = 0; i < names->nelts; i++) {
        const char *name = APR_ARRAY_IDX(names, i, const char *);

        if (name != NULL && *name != '\0')
            apr_hash_set(slugs, wk_slugify(name, pool), APR_HASH_KEY_STRING,
                         "");
    }
    if (current->tags == NULL
        || (int)apr_hash_count(slugs) != current->tags->nelts)
        return 0;
    for (i = 0; i < current->tags->nelts; i++) {
        const wk_tag_t *tag = &APR_ARRAY_IDX(current->tags, i, wk_tag_t);

        if (apr_hash_get(slugs, tag->slug, APR_HASH_KEY_STRING) == NULL)
            return 0;
    }
    return 1;
}

/* Deletes tags that no post has any more, so no tag page stays behind. */
static apr_status_t tags_prune(wk_db_t *db, char **error, apr_pool_t *pool)
{
    return wk_db_run(db, "DELETE FROM tags WHERE id NOT IN"
                     " (SELECT tag_id FROM post_tags)", error, pool);
}

/* Builds the version to store from the current post and the fields that
 * the request sets; html is the rendered new source, or NULL. */
static apr_status_t fields_merge(wk_post_input_t *in,
                                 const wk_post_t *current,
                                 const wk_post_fields_t *fields,
                                 const char *html, apr_time_t now,
                                 char **error)
{
    memset(in, 0, sizeof(*in));
    in->title = fields->title ? fields->title : current->title;
    in->description = fields->description ? fields->description
                                          : current->description;
    in->source = fields->source ? fields->source : current->source;
    in->html = html ? html : current->html;
    in->status = fields->status ? fields->status : current->status;
    in->published_at = fields->set_published_at ? fields->published_at
                                                : current->published_at;
    in->tags = fields->tags;
    return schedule_settle(in, now, error);
}

/* Returns the slug the update stores: unchanged when the request sends
 * none, else normalized, from the title when empty, and unique. */
static apr_status_t slug_choose(const char **slug, wk_db_t *db,
                                const wk_post_t *current,
                                const wk_post_fields_t *fields,
                                const char *title, char **error,
                                apr_pool_t *pool)
{
    const char *wanted;

    if (fields->slug == NULL) {
        *slug = current->slug;
        return APR_SUCCESS;
    }
    wanted = wk_slugify(*fields->slug ? fields->slug : title, pool);
    if (strcmp(wanted, current->slug) == 0) {
        *slug = current->slug;
        return APR_SUCCESS;
    }
    return wk_slug_unique(slug, db, wanted, current->id, error, pool);
}

/* Runs the steps of an update inside the open transaction. */
static apr_status_t update_apply(wk_post_t **post, wk_db_t *db,
                                 apr_int64_t id, int base_revision,
                                 const wk_post_fields_t *fields,
                                 const char *html,
                                 const wk_edit_options_t *options,
                                 apr_time_t now, char **error,
                                 apr_pool_t *pool)
{
    wk_post_t *current;
    wk_post_input_t in;
    const char *slug;
    int max_revisions = options->max_revisions > 0
                        ? options->max_revisions
                        : WK_EDIT_DEFAULT_MAX_REVISIONS;
    int retag;
    apr_status_t rv;

    rv = wk_post_get(&current, db, id, pool);
    if (rv != APR_SUCCESS)
        return rv;
    if (current->revision != base_revision) {
        *post = current;
        return WK_ECONFLICT;
    }
    retag = fields->tags != NULL
            && !tags_unchanged(current, fields->tags, pool);

    rv = fields_merge(&in, current, fields, html, now, error);
    if (rv == APR_SUCCESS)
        rv = slug_choose(&slug, db, current, fields, in.title, error, pool);
    if (rv == APR_SUCCESS)
        rv = revision_save(db, id, max_revisions, error, pool);
    if (rv == APR_SUCCESS)
        rv = row_update(db, id, base_revision, &in, slug, now, error, pool);
    if (rv == APR_SUCCESS && retag)
        rv = wk_post_set_tags(id, db, fields->tags, error, pool);
    if (rv == APR_SUCCESS && retag)
        rv = tags_prune(db, error, pool);

    /* A post readers could reach under its old slug keeps that URL. */
    if (rv == APR_SUCCESS && strcmp(slug, current->slug) != 0
        && strcmp(current->status, "draft") != 0
        && current->published_at <= now)
        rv = slug_redirect(db, id, current->slug, slug, error, pool);
    return rv;
}

apr_status_t wk_post_update(wk_post_t **post, wk_db_t *db, apr_int64_t id,
                            int base_revision,
                            const wk_post_fields_t *fields,
                            const wk_edit_options_t *options, apr_time_t now,
                            char **error, apr_pool_t *pool)
{
    wk_post_t *current;
    const char *html = NULL;
    apr_status_t rv;

    rv = fields_check(fields, 0, error, pool);
    if (rv != APR_SUCCESS)
        return rv;

    /* A stale base fails before the render; the transaction checks
     * again, because another process may save meanwhile. */
    rv = wk_post_get(&current, db, id, pool);
    if (rv != APR_SUCCESS)
        return rv;
    if (current->revision != base_revision) {
        *post = current;
        return WK_ECONFLICT;
    }
    if (fields->source != NULL) {
        rv = wk_post_render(&html, fields->source, current->source_format,
                           options, error, pool);
        if (rv != APR_SUCCESS)
            return rv;
    }

    rv = wk_db_begin(db, error, pool);
    if (rv != APR_SUCCESS)
        return rv;
    rv = update_apply(post, db, id, base_revision, fields, html, options, now,
                      error, pool);
    if (rv == APR_SUCCESS)
        rv = wk_db_commit(db, error, pool);
    if (rv != APR_SUCCESS)
        return transaction_fail(db, rv);
    return wk_post_get(post, db, id, pool);
}

/* Returns the revision of post id, 0 when there is no such post or -1
 * when the query failed. */
static int post_revision(wk_db_t *db, apr_int64_t id, char **error,
                         apr_pool_t *pool)
{
    sqlite3_stmt *stmt = wk_db_statement(db, "SELECT revision FROM posts"
                                         " WHERE id = ?1", error, pool);
    int revision = -1, rc;

    if (stmt == NULL)
        return -1;
    sqlite3_bind_int64(stmt, 1, id);
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
        revision = sqlite3_column_int(stmt, 0);
    else if (rc == SQLITE_DONE)
        revision = 0;
    sqlite3_reset(stmt);
    return revision;
}

apr_status_t wk_post_delete(wk_db_t *db, apr_int64_t id, int base_revision,
                            char **error, apr_pool_t *pool)
{
    static const char *const steps[] = {
        "DELETE FROM post_revisions WHERE post_id = ?1",
        "DELETE FROM redirects WHERE post_id = ?1",
        "DELETE FROM post_tags WHERE post_id = ?1",
        "DELETE FROM posts WHERE id = ?1",
        NULL
    };
    apr_status_t rv;
    int i;

    rv = wk_db_begin(db, error, pool);
    if (rv == APR_SUCCESS && base_revision > 0) {
        int revision = post_revision(db, id, error, pool);

        if (revision < 0)
            rv = WK_EDB;
        else if (revision == 0)
            rv = APR_NOTFOUND;
        else if (revision != base_revision)
            rv = WK_ECONFLICT;
        if (rv != APR_SUCCESS)
            return transaction_fail(db, rv);
    }
    for (i = 0; rv == APR_SUCCESS && steps[i] != NULL; i++) {
        sqlite3_stmt *stmt = wk_db_statement(db, steps[i], error, pool);

        if (stmt == NULL)
            return transaction_fail(db, WK_EDB);
        sqlite3_bind_int64(stmt, 1, id);
        rv = wk_db_step_done(db, stmt, error, pool);
    }
    /* The last step deletes the post itself. */
    if (rv == APR_SUCCESS && sqlite3_changes(wk_db_handle(db)) == 0)
        rv = APR_NOTFOUND;
    if (rv == APR_SUCCESS)
        rv = tags_prune(db, error, pool);
    if (rv == APR_SUCCESS)
        rv = wk_db_commit(db, error, pool);
    if (rv != APR_SUCCESS)
        return transaction_fail(db, rv);
    return APR_SUCCESS;
}

/* Escapes the LIKE wildcards % and _ and the escape character itself. */
static const char *like_pattern(const char *search, apr_pool_t *pool)
{
    char *pattern = apr_palloc(pool, strlen(search) * 2 + 3);
    char *out = pattern;

    *out++ = '%';
    for (; *search; search++) {
        if (*search == '%' || *search == '_' || *search == '\\')
            *out++ = '\\';
        *out++ = *search;
    }
    *out++ = '%';
    *out = '\0';
    return pattern;
}

const char *wk_post_status_at(const wk_post_t *post, apr_time_t now)
{
    if (strcmp(post->status, "scheduled") == 0 && post->published_at != 0
        && post->published_at <= now)
        return "published";
    return post->status;
}

/* Stores html for one post when it differs from what it has. */
static apr_status_t html_store(int *changed, wk_db_t *db, apr_int64_t id,
                               const char *html, char **error,
                               apr_pool_t *pool)
{
    sqlite3_stmt *stmt = wk_db_prepare(db,
        "UPDATE posts SET html = ?1 WHERE id = ?2 AND html IS NOT ?1");
    apr_status_t rv;

    if (stmt == NULL)
        return WK_EDB;
    sqlite3_bind_text(stmt, 1, html, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 2, id);
    rv = wk_db_step_done(db, stmt, error, pool);
    *changed = rv == APR_SUCCESS && sqlite3_changes(wk_db_handle(db)) > 0;
    return rv;
}

/* A post whose html a change of the raw HTML settings may change. */
typedef struct render_job {
    apr_int64_t id;
    const char *source;
    const char *format;
} render_job_t;

apr_status_t wk_posts_render_again(int *count, wk_db_t *db,
                                   const wk_edit_options_t *options,
                                   char **error, apr_pool_t *pool)
{
    sqlite3_stmt *stmt = wk_db_prepare(db,
        "SELECT id, source, source_format FROM posts"
        " WHERE source_format = 'html' OR instr(source, '<') > 0");
    apr_array_header_t *jobs = apr_array_make(pool, 16, sizeof(render_job_t));
    apr_pool_t *scratch;
    apr_status_t rv = APR_SUCCESS;
    int rc, i, changed;

    *count = 0;
    if (stmt == NULL)
        return WK_EDB;

    /* Read first: the statement must be done before the updates. */
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        render_job_t *job = apr_array_push(jobs);

        job->id = sqlite3_column_int64(stmt, 0);
        job->source = apr_pstrdup(pool,
                                  (const char *)sqlite3_column_text(stmt, 1));
        job->format = apr_pstrdup(pool,
                                  (const char *)sqlite3_column_text(stmt, 2));
    }
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE)
        return WK_EDB;

    apr_pool_create(&scratch, pool);
    for (i = 0; i < jobs->nelts && rv == APR_SUCCESS; i++) {
        const render_job_t *job = &APR_ARRAY_IDX(jobs, i, render_job_t);
        const char *html;

        rv = wk_post_render(&html, job->source, job->format, options, error,
                            scratch);
        if (rv != APR_SUCCESS)
            *error = apr_psprintf(pool, "post %" APR_INT64_T_FMT ": %s",
                                  job->id, *error ? *error : "render failed");
        else
            rv = html_store(&changed, db, job->id, html, error, pool);
        if (rv == APR_SUCCESS && changed)
            (*count)++;
        apr_pool_clear(scratch);
    }
    apr_pool_destroy(scratch);
    return rv;
}

/* Binds the filter of a query to ?1 (status), ?2 (title pattern) and
 * ?5 (now, in seconds). */
static void query_bind(sqlite3_stmt *stmt, const wk_post_query_t *query,
                       apr_pool_t *pool)
{
    if (query->status && *query->status)
        sqlite3_bind_text(stmt, 1, query->status, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(stmt, 1);
    if (query->title_search && *query->title_search)
        sqlite3_bind_text(stmt, 2, like_pattern(query->title_search, pool),
                          -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(stmt, 2);
    sqlite3_bind_int64(stmt, 5, apr_time_sec(query->now));
}

/* The status test is wk_post_status_at() in SQL. */
#define POST_FILTER \
    " WHERE (?1 IS NULL OR ?1 = CASE" \
    "   WHEN status = 'scheduled' AND published_at <= ?5 THEN 'published'" \
    "   ELSE status END)" \
    " AND (?2 IS NULL OR title LIKE ?2 ESCAPE '\\')"

apr_status_t wk_post_list(apr_array_header_t **posts, int *total,
                          wk_db_t *db, const wk_post_query_t *query,
                          apr_pool_t *pool)
{
    sqlite3_stmt *count = wk_db_prepare(db,
        "SELECT count(*) FROM posts" POST_FILTER);
    sqlite3_stmt *list = wk_db_prepare(db,
        "SELECT " WK_POST_LIST_COLUMNS " FROM posts" POST_FILTER
        " ORDER BY updated_at DESC, id DESC LIMIT ?3 OFFSET ?4");
    int limit = query->limit, rc;

    if (count == NULL || list == NULL)
        return WK_EDB;
    if (limit <= 0)
        limit = LIST_DEFAULT_LIMIT;
    if (limit > LIST_MAX_LIMIT)
        limit = LIST_MAX_LIMIT;

    query_bind(count, query, pool);
    rc = sqlite3_step(count);
    *total = rc == SQLITE_ROW ? sqlite3_column_int(count, 0) : 0;
    sqlite3_reset(count);
    if (rc != SQLITE_ROW)
        return WK_EDB;

    query_bind(list, query, pool);
    sqlite3_bind_int(list, 3, limit);
    sqlite3_bind_int(list, 4, query->offset > 0 ? query->offset : 0);
    return wk_post_collect(posts, list, db, pool);
}

apr_status_t wk_revision_list(apr_array_header_t **revisions, wk_db_t *db,
                              apr_int64_t post_id, apr_pool_t *pool)
{
    sqlite3_stmt *stmt = wk_db_prepare(db,
        "SELECT revision, title, saved_at FROM post_revisions"
        " WHERE post_id = ?1 ORDER BY revision DESC");
    apr_array_header_t *list;
    wk_post_t *post;
    apr_status_t rv;
    int rc;

    rv = wk_post_get(&post, db, post_id, pool);
    if (rv != APR_SUCCESS)
        return rv;
    if (stmt == NULL)
        return WK_EDB;

    list = apr_array_make(pool, 8, sizeof(wk_revision_t));
    sqlite3_bind_int64(stmt, 1, post_id);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        wk_revision_t *revision = apr_array_push(list);

        revision->revision = sqlite3_column_int(stmt, 0);
        revision->title = apr_pstrdup(pool,
            (const char *)sqlite3_column_text(stmt, 1));
        revision->saved_at = apr_time_from_sec(sqlite3_column_int64(stmt, 2));
    }
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE)
        return WK_EDB;
    *revisions = list;
    return APR_SUCCESS;
}

/* Reads the tags column of a revision, a JSON array of names. */
static apr_array_header_t *tags_from_json(const char *text, apr_pool_t *pool)
{
    apr_array_header_t *tags = apr_array_make(pool, 4, sizeof(const char *));
    struct json_object *array = json_tokener_parse(text ? text : "[]");
    size_t i;

    if (array != NULL && json_object_is_type(array, json_type_array)) {
        for (i = 0; i < json_object_array_length(array); i++) {
            struct json_object *name = json_object_array_get_idx(array, i);

            if (json_object_is_type(name, json_type_string))
                APR_ARRAY_PUSH(tags, const char *) =
                    apr_pstrdup(pool, json_object_get_string(name));
        }
    }
    json_object_put(array);
    return tags;
}

apr_status_t wk_revision_get(wk_post_fields_t *fields, apr_time_t *saved_at,
                             wk_db_t *db, apr_int64_t post_id, int revision,
                             apr_pool_t *pool)
{
    sqlite3_stmt *stmt = wk_db_prepare(db,
        "SELECT title, slug, description, source, tags, saved_at"
        " FROM post_revisions WHERE post_id = ?1 AND revision = ?2");
    int rc;

    if (stmt == NULL)
        return WK_EDB;
    sqlite3_bind_int64(stmt, 1, post_id);
    sqlite3_bind_int(stmt, 2, revision);
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        memset(fields, 0, sizeof(*fields));
        fields->title = apr_pstrdup(pool,
            (const char *)sqlite3_column_text(stmt, 0));
        fields->slug = apr_pstrdup(pool,
            (const char *)sqlite3_column_text(stmt, 1));
        fields->description = apr_pstrdup(pool,
            (const char *)sqlite3_column_text(stmt, 2));
        fields->source = apr_pstrdup(pool,
            (const char *)sqlite3_column_text(stmt, 3));
        fields->tags = tags_from_json(
            (const char *)sqlite3_column_text(stmt, 4), pool);
        *saved_at = apr_time_from_sec(sqlite3_column_int64(stmt, 5));
    }
    sqlite3_reset(stmt);
    if (rc == SQLITE_ROW)
        return APR_SUCCESS;
    return rc == SQLITE_DONE ? APR_NOTFOUND : WK_EDB;
}

apr_status_t wk_revision_restore(wk_post_t **post, wk_db_t *db,
                                 apr_int64_t post_id, int revision,
                                 int base_revision,
                                 const wk_edit_options_t *options,
                                 apr_time_t now, char **error,
                                 apr_pool_t *pool)
{
    wk_post_fields_t fields;
    apr_time_t saved_at;
    apr_status_t rv;

    rv = wk_revision_get(&fields, &saved_at, db, post_id, revision, pool);
    if (rv == APR_NOTFOUND)
        *error = apr_psprintf(pool, "post %" APR_INT64_T_FMT " has no "
                              "revision %d", post_id, revision);
    if (rv != APR_SUCCESS)
        return rv;
    return wk_post_update(post, db, post_id, base_revision, &fields, options,
                          now, error, pool);
}

apr_status_t wk_tag_list_counts(apr_array_header_t **tags, wk_db_t *db,
                                apr_pool_t *pool)
{
    sqlite3_stmt *stmt = wk_db_prepare(db,
        "SELECT t.slug, t.name, count(pt.post_id) FROM tags t"
        " LEFT JOIN post_tags pt ON pt.tag_id = t.id"
        " GROUP BY t.id ORDER BY t.name, t.slug");
    apr_array_header_t *list;
    int rc;

    if (stmt == NULL)
        return WK_EDB;
    list = apr_array_make(pool, 16, sizeof(wk_tag_count_t));
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        wk_tag_count_t *tag = apr_array_push(list);

        tag->slug = apr_pstrdup(pool, (const char *)sqlite3_column_text(stmt,
                                                                        0));
        tag->name = apr_pstrdup(pool, (const char *)sqlite3_column_text(stmt,
                                                                        1));
        tag->count = sqlite3_column_int(stmt, 2);
    }
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE)
        return WK_EDB;
    *tags = list;
    return APR_SUCCESS;
}
