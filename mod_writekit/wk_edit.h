/*
 * wk_edit.h: writing posts from the studio: create, update against a
 * revision, delete, list for authors, revisions, tags with counts.
 *
 * Every update names the revision it was based on; the row is updated
 * only while it still has that revision, so of two concurrent updates on
 * one revision exactly one wins and the other gets WK_ECONFLICT with the
 * current version.  Each update keeps the previous version as a revision
 * row (a bounded number per post).  Posts are rendered on save with the
 * same renderer and options readers get.
 */
#ifndef WK_EDIT_H
#define WK_EDIT_H

#include "wk_markdown.h"
#include "wk_store.h"

/*
 * The fields a request sets; NULL (or set_published_at 0) leaves a field
 * as it is on update.  On create, title is required, status defaults to
 * draft, and the slug comes from the title when slug is NULL or empty.
 * On update, an empty slug makes a new one from the title.  A given slug
 * is normalized with wk_slugify() and made unique with -2, -3, ...  A
 * published post without published_at gets now; a scheduled one must
 * have it.
 */
typedef struct wk_post_fields {
    const char *title;
    const char *slug;
    const char *description;
    const char *source;              /* markdown */
    const char *status;              /* draft, published or scheduled */
    int set_published_at;
    apr_time_t published_at;         /* UTC */
    apr_array_header_t *tags;        /* of const char *, or NULL */
    const char *author;              /* on create only; NULL for none */
} wk_post_fields_t;

typedef struct wk_edit_options {
    wk_render_limits_t limits;
    int allow_raw_html;              /* sanitized by wk_html_sanitize */
    const char *iframe_hosts;        /* space-separated; may be NULL */
    int max_revisions;               /* old versions kept per post */
} wk_edit_options_t;

#define WK_EDIT_DEFAULT_MAX_REVISIONS 50

typedef struct wk_post_query {
    const char *status;              /* NULL for every status */
    const char *title_search;        /* substring, case-insensitive */
    int offset;
    int limit;
    apr_time_t now;                  /* when scheduled posts fall due */
} wk_post_query_t;

/* Returns the status readers go by: a scheduled post whose time has
 * come at now is published. */
const char *wk_post_status_at(const wk_post_t *post, apr_time_t now);

typedef struct wk_revision {
    int revision;
    const char *title;
    apr_time_t saved_at;
} wk_revision_t;

typedef struct wk_tag_count {
    const char *slug;
    const char *name;
    int count;
} wk_tag_count_t;

/*
 * Renders a post's source as a save does: markdown with the readers'
 * options, keeping raw HTML and sanitizing it when options allow raw HTML;
 * format "html" is only sanitized.  The studio's preview calls it too, so
 * a preview is exactly what readers get.
 */
apr_status_t wk_post_render(const char **html, const char *source,
                            const char *format,
                            const wk_edit_options_t *options, char **error,
                            apr_pool_t *pool);

/*
 * Renders again, inside the caller's transaction, every post whose html
 * the raw HTML options can change: markdown with a "<" in it and all
 * HTML posts.  Called when allow_raw_html or iframe_hosts changes, so
 * what readers get follows the settings.  *count gets the posts whose
 * html changed.  A post that fails to render fails the whole call.
 */
apr_status_t wk_posts_render_again(int *count, wk_db_t *db,
                                   const wk_edit_options_t *options,
                                   char **error, apr_pool_t *pool);

/* Creates a post; *post is the stored post with its revision (1). */
/*
 * Checks the fields of a create (is_create) or an update on their own:
 * title, description, status, published_at and tags.  Returns
 * APR_SUCCESS, or WK_EINVAL with the field's name in *field and the
 * reason in *error.  wk_post_create and wk_post_update check the same.
 */
apr_status_t wk_post_fields_check(const wk_post_fields_t *fields,
                                  int is_create, const char **field,
                                  char **error, apr_pool_t *pool);

apr_status_t wk_post_create(wk_post_t **post, wk_db_t *db,
                            const wk_post_fields_t *fields,
                            const wk_edit_options_t *options, apr_time_t now,
                            char **error, apr_pool_t *pool);

/*
 * Updates post id if it is still at base_revision.  Returns WK_ECONFLICT
 * with *post set to the current version when it is not, APR_NOTFOUND for
 * no such post, WK_EINVAL (with *error) for invalid fields, or a render
 * limit status.  A published post whose slug changes keeps a redirect
 * from its old URL.
 */
apr_status_t wk_post_update(wk_post_t **post, wk_db_t *db, apr_int64_t id,
                            int base_revision,
                            const wk_post_fields_t *fields,
                            const wk_edit_options_t *options, apr_time_t now,
                            char **error, apr_pool_t *pool);

/* Loads a post of any status, with source, html, tags and revision. */
apr_status_t wk_post_get(wk_post_t **post, wk_db_t *db, apr_int64_t id,
                         apr_pool_t *pool);

/* Deletes a post with its tag links, redirects and revisions, and tags
 * that no post has any more; APR_NOTFOUND when there is no such post.
 * With base_revision above 0 the post is deleted only while it is at
 * that revision, checked in the same transaction; WK_ECONFLICT
 * otherwise. */
apr_status_t wk_post_delete(wk_db_t *db, apr_int64_t id, int base_revision,
                            char **error, apr_pool_t *pool);

/*
 * Lists posts for authors, newest change first, with tags but no html or
 * source.  *total is the number that match before offset and limit.
 * status matches wk_post_status_at(query->now), so a scheduled post
 * that fell due is listed as published.
 * limit is clamped to 1-100 (20 when 0); title_search matches a
 * substring, ignoring case for ASCII letters only (SQLite's LIKE).
 */
apr_status_t wk_post_list(apr_array_header_t **posts, int *total,
                          wk_db_t *db, const wk_post_query_t *query,
                          apr_pool_t *pool);

/* Lists the kept revisions of a post (of wk_revision_t), newest first;
 * APR_NOTFOUND when there is no such post. */
apr_status_t wk_revision_list(apr_array_header_t **revisions, wk_db_t *db,
                              apr_int64_t post_id, apr_pool_t *pool);

/* Loads one kept revision of a post: its title, slug, description,
 * source and tags as update fields, and when it was saved.
 * APR_NOTFOUND when the post has no such revision. */
apr_status_t wk_revision_get(wk_post_fields_t *fields, apr_time_t *saved_at,
                             wk_db_t *db, apr_int64_t post_id, int revision,
                             apr_pool_t *pool);

/*
 * Makes an old revision's title, slug, description, source and tags the
 * current version, as an update based on base_revision (so it can
 * conflict like any update).  Status and publish time stay as they are
 * now, so restoring text never publishes or hides a post.  APR_NOTFOUND
 * when the post or the revision does not exist.
 */
apr_status_t wk_revision_restore(wk_post_t **post, wk_db_t *db,
                                 apr_int64_t post_id, int revision,
                                 int base_revision,
                                 const wk_edit_options_t *options,
                                 apr_time_t now, char **error,
                                 apr_pool_t *pool);

/* Lists every tag with the number of posts (any status) that have it. */
apr_status_t wk_tag_list_counts(apr_array_header_t **tags, wk_db_t *db,
                                apr_pool_t *pool);

#endif
