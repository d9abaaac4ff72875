/*
 * wk_import_ghost.c: a Ghost export (JSON) into a tenant file.
 *
 * Ghost exports its whole database: besides posts, tags and users they
 * hold settings with session secrets, API keys, members and password
 * hashes.  Right after parsing, every table but the six this import reads
 * is deleted from the parsed tree, and every user field but six, so no
 * secret reaches any structure the import builds, let alone the tenant.
 *
 * json-c has no streaming parser, so the file is parsed whole.  Exports
 * over GHOST_MAX_BYTES are rejected before anything is read.
 */
#include <stdlib.h>
#include <string.h>

#include <apr_hash.h>
#include <apr_lib.h>

#include <json-c/json.h>

#include "wk_edit.h"
#include "wk_ghost_render.h"
#include "wk_import_run.h"
#include "wk_sanitize.h"
#include "wk_timefmt.h"

/* NOTE: json-c's tree takes several times the file's size in memory.
 * This limit, not the machine, bounds an import's memory, so a larger
 * export must be split. */
#define GHOST_MAX_BYTES (128 * 1024 * 1024)
#define DESCRIPTION_MAX 4096

/* Ghost 4 and later write this in place of the site's URL. */
#define GHOST_URL "__GHOST_URL__"

/* The tables kept after parsing; the rest of the export is deleted. */
static const char *const kept_tables[] = {
    "posts", "posts_meta", "tags", "posts_tags", "users", "posts_authors",
    NULL
};

/* The user fields kept: never the password hash or anything else. */
static const char *const kept_user_fields[] = {
    "id", "name", "slug", "email", "bio", "website", NULL
};

/* Where a Ghost site's images are in its content folder. */
static const char *const image_layouts[] = {
    "", "content/images/", "images/", NULL
};

/* The export, indexed by id for the posts. */
typedef struct ghost_export {
    struct json_object *root;
    struct json_object *data;
    apr_hash_t *tags;          /* id -> tag object */
    apr_hash_t *users;         /* id -> user object */
    apr_hash_t *meta;          /* post id -> posts_meta object */
    apr_hash_t *post_tags;     /* post id -> array of tag ids, in order */
    apr_hash_t *post_authors;  /* post id -> array of user ids, in order */
    wk_media_rules_t media;
} ghost_export_t;

static int word_listed(const char *const *list, const char *word)
{
    int i;

    for (i = 0; list[i] != NULL; i++) {
        if (strcmp(list[i], word) == 0)
            return 1;
    }
    return 0;
}

/* Deletes every member of object whose name is not in kept. */
static void members_keep(struct json_object *object, const char *const *kept,
                         apr_pool_t *pool)
{
    apr_array_header_t *doomed = apr_array_make(pool, 16, sizeof(char *));
    int i;

    if (!json_object_is_type(object, json_type_object))
        return;
    {
        json_object_object_foreach(object, key, value) {
            (void)value;
            if (!word_listed(kept, key))
                APR_ARRAY_PUSH(doomed, char *) = apr_pstrdup(pool, key);
        }
    }
    for (i = 0; i < doomed->nelts; i++)
        json_object_object_del(object, APR_ARRAY_IDX(doomed, i, char *));
}

/* Returns the array member of the export's data, or NULL. */
static struct json_object *table(const ghost_export_t *export,
                                 const char *name)
{
    struct json_object *rows = wk_ghost_member(export->data, name);

    return json_object_is_type(rows, json_type_array) ? rows : NULL;
}

/* ---------------------------------------------------------------------- */
/* Reading the export                                                      */
/* ---------------------------------------------------------------------- */

/* Parses the file's JSON, which must be valid UTF-8. */
static apr_status_t export_parse(struct json_object **root, const char *path,
                                 const char *text, apr_size_t size,
                                 char **error, apr_pool_t *pool)
{
    struct json_tokener *tokener;
    enum json_tokener_error failure;
    apr_size_t end;

    if (!wk_utf8_valid(text, size)) {
        *error = apr_psprintf(pool, "%s: wrong encoding: the file is not "
                              "valid UTF-8, which Ghost always writes", path);
        return WK_EINVAL;
    }
    tokener = json_tokener_new();
    if (tokener == NULL) {
        *error = apr_psprintf(pool, "%s: out of memory", path);
        return APR_ENOMEM;
    }
    json_tokener_set_flags(tokener, JSON_TOKENER_STRICT
                                    | JSON_TOKENER_VALIDATE_UTF8);
    *root = json_tokener_parse_ex(tokener, text, (int)size);
    failure = json_tokener_get_error(tokener);
    end = json_tokener_get_parse_end(tokener);
    json_tokener_free(tokener);
    if (*root == NULL || failure != json_tokener_success) {
        json_object_put(*root);
        *root = NULL;
        *error = apr_psprintf(pool, "%s: malformed JSON at byte %"
                              APR_SIZE_T_FMT ": %s", path, end,
                              failure == json_tokener_continue
                              ? "the file ends before the JSON does"
                              : json_tokener_error_desc(failure));
        return WK_EINVAL;
    }
    while (end < size && apr_isspace(text[end]))
        end++;
    if (end < size) {
        json_object_put(*root);
        *root = NULL;
        *error = apr_psprintf(pool, "%s: malformed JSON: text after the end "
                              "of the document at byte %" APR_SIZE_T_FMT,
                              path, end);
        return WK_EINVAL;
    }
    return APR_SUCCESS;
}

/* Finds the data object, inside the "db" wrapper or at the top. */
static struct json_object *export_data(struct json_object *root)
{
    struct json_object *db = wk_ghost_member(root, "db");

    if (json_object_is_type(db, json_type_array)
        && json_object_array_length(db) > 0)
        return wk_ghost_member(json_object_array_get_idx(db, 0), "data");
    return wk_ghost_member(root, "data");
}

/* Indexes the rows of a table by their id. */
static apr_hash_t *rows_by_id(const ghost_export_t *export, const char *name,
                              const char *key, apr_pool_t *pool)
{
    struct json_object *rows = table(export, name);
    apr_hash_t *index = apr_hash_make(pool);
    apr_size_t i;

    for (i = 0; rows != NULL && i < json_object_array_length(rows); i++) {
        struct json_object *row = json_object_array_get_idx(rows, i);

        if (*wk_ghost_text(row, key) != '\0')
            apr_hash_set(index, wk_ghost_text(row, key), APR_HASH_KEY_STRING,
                         row);
    }
    return index;
}

/* A link row of posts_tags or posts_authors, for sorting. */
typedef struct link_row {
    const char *post_id;
    const char *target_id;
    int sort_order;
    apr_size_t position;       /* in the file, to keep the sort stable */
} link_row_t;

static int link_row_compare(const void *a, const void *b)
{
    const link_row_t *x = a, *y = b;

    if (x->sort_order != y->sort_order)
        return x->sort_order < y->sort_order ? -1 : 1;
    return x->position < y->position ? -1 : x->position > y->position;
}

/* Groups a link table by post id, each group in sort_order. */
static apr_hash_t *links_by_post(const ghost_export_t *export,
                                 const char *name, const char *target,
                                 apr_pool_t *pool)
{
    struct json_object *rows = table(export, name);
    apr_size_t count = rows ? json_object_array_length(rows) : 0, i;
    link_row_t *links = apr_pcalloc(pool, sizeof(*links) * (count + 1));
    apr_hash_t *index = apr_hash_make(pool);

    for (i = 0; i < count; i++) {
        struct json_object *row = json_object_array_get_idx(rows, i);

        links[i].post_id = wk_ghost_text(row, "post_id");
        links[i].target_id = wk_ghost_text(row, target);
        links[i].sort_order = json_object_get_int(
            wk_ghost_member(row, "sort_order"));
        links[i].position = i;
    }
    qsort(links, count, sizeof(*links), link_row_compare);
    for (i = 0; i < count; i++) {
        apr_array_header_t *targets = apr_hash_get(index, links[i].post_id,
                                                   APR_HASH_KEY_STRING);

        if (targets == NULL) {
            targets = apr_array_make(pool, 4, sizeof(const char *));
            apr_hash_set(index, links[i].post_id, APR_HASH_KEY_STRING,
                         targets);
        }
        APR_ARRAY_PUSH(targets, const char *) = links[i].target_id;
    }
    return index;
}

/* Returns relative without Ghost's "size/w600/" or "size/w600h400/"
 * prefix of a resized copy, or NULL when it has none. */
static const char *size_prefix_strip(const char *relative, apr_pool_t *pool)
{
    const char *p;

    if (strncmp(relative, "size/w", 6) != 0)
        return NULL;
    p = relative + 6;
    while (apr_isdigit(*p) || *p == 'h')
        p++;
    return *p == '/' && p[1] != '\0' ? apr_pstrdup(pool, p + 1) : NULL;
}

/* ---------------------------------------------------------------------- */
/* Posts                                                                   */
/* ---------------------------------------------------------------------- */

/* Returns text with every __GHOST_URL__ replaced by the blog's URL. */
static const char *ghost_url_replace(const char *text, const char *base,
                                     apr_pool_t *pool)
{
    wk_buf_t *out;
    const char *at;

    if (text == NULL || strstr(text, GHOST_URL) == NULL)
        return text;
    out = wk_buf_make(pool, strlen(text) + 64);
    while ((at = strstr(text, GHOST_URL)) != NULL) {
        wk_buf_append(out, text, (apr_size_t)(at - text));
        wk_buf_puts(out, base);
        text = at + strlen(GHOST_URL);
    }
    wk_buf_puts(out, text);
    return apr_pstrmemdup(pool, out->data, out->len);
}

/* Returns a time member (RFC 3339 text in new exports, milliseconds since
 * 1970 in old ones) in *t; 0 when it is missing or not a time. */
static int ghost_time(apr_time_t *t, struct json_object *post,
                      const char *key, apr_pool_t *pool)
{
    struct json_object *value = wk_ghost_member(post, key);

    *t = 0;
    if (json_object_is_type(value, json_type_int)) {
        apr_int64_t ms = json_object_get_int64(value);

        if (ms > 0)
            *t = (apr_time_t)ms * 1000;
    }
    else if (json_object_is_type(value, json_type_string)
             && wk_time_parse_input(t, json_object_get_string(value), NULL,
                                    pool) != APR_SUCCESS)
        *t = 0;
    return *t > 0;
}

static int is_page(struct json_object *post)
{
    struct json_object *page = wk_ghost_member(post, "page");

    if (*wk_ghost_text(post, "type") != '\0')
        return strcmp(wk_ghost_text(post, "type"), "page") == 0;
    return json_object_get_boolean(page);
}

/* Sets in->status and in->published_at; returns NULL or the reason to
 * skip the post, with *failed set for an error. */
static const char *post_status(wk_post_input_t *in, wk_import_run_t *run,
                               struct json_object *post, int *failed,
                               apr_pool_t *pool)
{
    const char *status = wk_ghost_text(post, "status");
    const char *visibility = wk_ghost_text(post, "visibility");
    int hidden = *visibility != '\0' && strcmp(visibility, "public") != 0;
    apr_time_t t;

    *failed = 0;
    if (!ghost_time(&t, post, "published_at", pool))
        ghost_time(&t, post, "created_at", pool);
    in->published_at = t;
    if (strcmp(status, "sent") == 0 && !run->options->private_as_drafts)
        return "sent by email only, never shown on the site (--private "
               "draft imports it as a draft)";
    hidden = hidden || strcmp(status, "sent") == 0;
    if (hidden && !run->options->private_as_drafts)
        return apr_psprintf(pool, "for %s only (--private draft imports it "
                            "as a draft)",
                            strcmp(visibility, "paid") == 0
                            ? "paying members"
                            : strcmp(visibility, "members") == 0
                              ? "members" : "some members");
    if (hidden || strcmp(status, "draft") == 0) {
        in->status = "draft";
        return NULL;
    }
    if (strcmp(status, "published") != 0 && strcmp(status, "scheduled") != 0) {
        *failed = 1;
        return apr_psprintf(pool, "unknown status '%s'; expected published, "
                            "scheduled, draft or sent", status);
    }
    if (t == 0) {
        *failed = 1;
        return "no valid published_at";
    }
    in->status = t > apr_time_now() ? "scheduled" : "published";
    return NULL;
}

/* Returns the post's tag names, in order, without internal tags (those
 * Ghost hides from readers, whose names start with '#'). */
static apr_array_header_t *post_tags(const ghost_export_t *export,
                                     const char *id, apr_pool_t *pool)
{
    apr_array_header_t *ids = apr_hash_get(export->post_tags, id,
                                           APR_HASH_KEY_STRING);
    apr_array_header_t *names = apr_array_make(pool, 8, sizeof(char *));
    int i;

    for (i = 0; ids != NULL && i < ids->nelts; i++) {
        struct json_object *tag = apr_hash_get(export->tags,
                                               APR_ARRAY_IDX(ids, i, char *),
                                               APR_HASH_KEY_STRING);
        const char *name = wk_ghost_text(tag, "name");

        if (*name == '\0' || *name == '#'
            || strcmp(wk_ghost_text(tag, "visibility"), "internal") == 0)
            continue;
        APR_ARRAY_PUSH(names, const char *) = name;
    }
    return names;
}

/* Returns the names of the post's authors joined with ", ". */
static const char *post_authors(const ghost_export_t *export,
                                struct json_object *post, const char *id,
                                apr_pool_t *pool)
{
    apr_array_header_t *ids = apr_hash_get(export->post_authors, id,
                                           APR_HASH_KEY_STRING);
    const char *joined = "";
    int i;

    if (ids == NULL) {
        ids = apr_array_make(pool, 1, sizeof(const char *));
        APR_ARRAY_PUSH(ids, const char *) = wk_ghost_text(post, "author_id");
    }
    for (i = 0; i < ids->nelts; i++) {
        struct json_object *user = apr_hash_get(export->users,
                                                APR_ARRAY_IDX(ids, i, char *),
                                                APR_HASH_KEY_STRING);
        const char *name = wk_ghost_text(user, "name");

        if (*name != '\0')
            joined = apr_pstrcat(pool, joined, *joined ? ", " : "", name,
                                 NULL);
    }
    return joined;
}

/* Returns text with each URL the media rewrite replaced swapped for its
 * replacement, so a markdown source links what its HTML links.  One pass
 * over text, so a replacement is never replaced again. */
static const char *urls_replace(const char *text,
                                const apr_array_header_t *rewritten,
                                apr_pool_t *pool)
{
    wk_buf_t *out;
    const char *at = text;
    int i;

    if (rewritten->nelts == 0)
        return text;
    out = wk_buf_make(pool, strlen(text) + 64);
    while (*at != '\0') {
        for (i = 0; i + 1 < rewritten->nelts; i += 2) {
            const char *from = APR_ARRAY_IDX(rewritten, i, const char *);

            if (*from != '\0' && strncmp(at, from, strlen(from)) == 0)
                break;
        }
        if (i + 1 < rewritten->nelts) {
            wk_buf_puts(out, APR_ARRAY_IDX(rewritten, i + 1, const char *));
            at += strlen(APR_ARRAY_IDX(rewritten, i, const char *));
            continue;
        }
        wk_buf_append(out, at, 1);
        at++;
    }
    return apr_pstrmemdup(pool, out->data, out->len);
}

/*
 * Stores the images a markdown post links and points its source at them,
 * then renders the new source as a studio save would, so the HTML is what
 * the studio and an import of the exported folder make of it.  The first
 * render only finds the links: rewriting them in the render's child
 * process could not store anything.
 */
static apr_status_t markdown_content(wk_post_input_t *in,
                                     wk_import_run_t *run,
                                     const char *markdown,
                                     wk_post_media_t *media, char **error,
                                     apr_pool_t *pool)
{
    wk_edit_options_t options;
    const char *html, *ignored;
    apr_status_t rv;

    memset(&options, 0, sizeof(options));
    options.limits = run->options->limits;
    options.allow_raw_html = run->allow_raw_html;
    options.iframe_hosts = run->iframe_hosts;

    rv = wk_markdown_render_raw(&html, markdown, strlen(markdown),
                                &options.limits, error, pool);
    if (rv != APR_SUCCESS)
        return rv;
    wk_html_sanitize_rewrite(&ignored, html, strlen(html), NULL,
                             wk_post_media_rewrite, media, pool);
    if (media->failure != APR_SUCCESS)
        return APR_SUCCESS;

    in->source = urls_replace(markdown, media->rewritten, pool);
    in->source_format = "markdown";
    return wk_post_render(&in->html, in->source, "markdown", &options, error,
                          pool);
}

/* Sets the post's source and HTML from the first format it has:
 * markdown (Ghost 0.x), html, lexical, then mobiledoc. */
static apr_status_t post_content(wk_post_input_t *in, wk_import_run_t *run,
                                 struct json_object *post,
                                 wk_post_media_t *media, char **error,
                                 apr_pool_t *pool)
{
    const wk_render_limits_t *limits = &run->options->limits;
    const char *markdown = wk_ghost_text(post, "markdown");
    const char *html = wk_ghost_text(post, "html");
    const char *lexical = wk_ghost_text(post, "lexical");
    const char *mobiledoc = wk_ghost_text(post, "mobiledoc");
    apr_size_t size = strlen(markdown) + strlen(html) + strlen(lexical)
                      + strlen(mobiledoc);
    apr_status_t rv = APR_SUCCESS;

    if (size > limits->max_source_bytes * 4) {
        *error = apr_psprintf(pool, "the post is %" APR_SIZE_T_FMT " bytes "
                              "in all its formats, over four times the "
                              "limit of %" APR_SIZE_T_FMT " bytes", size,
                              limits->max_source_bytes);
        return WK_ETOOBIG;
    }
    if (*markdown != '\0')
        return markdown_content(in, run, ghost_url_replace(markdown,
                                                           run->base_url,
                                                           pool),
                                media, error, pool);
    if (*html == '\0' && *lexical != '\0')
        rv = wk_ghost_lexical_html(&html, lexical, limits, media->notes,
                                   error, pool);
    else if (*html == '\0' && *mobiledoc != '\0')
        rv = wk_ghost_mobiledoc_html(&html, mobiledoc, limits, media->notes,
                                     error, pool);
    if (rv != APR_SUCCESS)
        return rv;
    if (strlen(html) > limits->max_source_bytes) {
        *error = apr_psprintf(pool, "the post's HTML is %" APR_SIZE_T_FMT
                              " bytes, over the limit of %" APR_SIZE_T_FMT
                              " bytes", strlen(html),
                              limits->max_source_bytes);
        return WK_ETOOBIG;
    }
    html = ghost_url_replace(html, run->base_url, pool);
    wk_html_sanitize_rewrite(&in->html, html, strlen(html), run->iframe_hosts,
                             wk_post_media_rewrite, media, pool);
    in->source = in->html;
    in->source_format = "html";
    return APR_SUCCESS;
}

/* Returns the featured image's URL: the stored copy, or the original
 * when it is an http or https URL not found in the media folder. */
static const char *post_featured_image(wk_import_run_t *run,
                                       struct json_object *post,
                                       wk_post_media_t *media,
                                       apr_pool_t *pool)
{
    /* Ghost before 1.0 named the field "image". */
    const char *field = *wk_ghost_text(post, "feature_image")
                        ? "feature_image" : "image";
    const char *url = ghost_url_replace(wk_ghost_text(post, field),
                                        run->base_url, pool);
    const char *stored;

    if (*url == '\0')
        return NULL;
    stored = wk_post_media_rewrite(media, url, 1, pool);
    if (stored != NULL)
        return stored;
    return strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0
           ? url : NULL;
}

/* Fills the text fields of in. */
static void post_fields(wk_post_input_t *in, const ghost_export_t *export,
                        struct json_object *post, const char *id,
                        apr_pool_t *pool)
{
    struct json_object *meta = apr_hash_get(export->meta, id,
                                            APR_HASH_KEY_STRING);
    const char *description = wk_ghost_text(meta, "meta_description");
    const char *canonical = wk_ghost_text(post, "canonical_url");
    const char *uuid = wk_ghost_text(post, "uuid");

    if (*description == '\0')
        description = wk_ghost_text(post, "meta_description");
    in->title = *wk_ghost_text(post, "title") ? wk_ghost_text(post, "title")
                                            : "(no title)";
    in->slug = wk_ghost_text(post, "slug");
    in->kind = is_page(post) ? "page" : "post";
    in->excerpt = wk_ghost_text(post, "custom_excerpt");
    in->description = wk_utf8_cut(*description ? description : in->excerpt,
                                  DESCRIPTION_MAX, pool);
    in->canonical_url = strncmp(canonical, "http://", 7) == 0
                        || strncmp(canonical, "https://", 8) == 0
                        ? canonical : NULL;
    in->author = post_authors(export, post, id, pool);
    in->tags = post_tags(export, id, pool);
    /* Ghost serves posts and pages at /SLUG/ unless its routes.yaml sets
     * other URLs, and that file is not part of an export. */
    in->aliases = apr_array_make(pool, 1, sizeof(const char *));
    if (*in->slug != '\0')
        APR_ARRAY_PUSH(in->aliases, const char *) = in->slug;
    in->import_key = apr_pstrcat(pool, "ghost:", *uuid ? uuid : id, NULL);
}

static apr_status_t post_import(wk_import_run_t *run, ghost_export_t *export,
                                struct json_object *post, char **error,
                                apr_pool_t *pool)
{
    const char *id = wk_ghost_text(post, "id");
    const char *label = apr_psprintf(pool, "%s %s \"%s\"",
                                     is_page(post) ? "page" : "post",
                                     wk_ghost_text(post, "slug"),
                                     wk_utf8_cut(wk_ghost_text(post, "title"),
                                                 80, pool));
    wk_post_media_t media;
    wk_post_input_t in;
    const char *reason;
    int failed;
    apr_status_t rv;

    memset(&in, 0, sizeof(in));
    reason = post_status(&in, run, post, &failed, pool);
    if (reason != NULL) {
        wk_import_skip(run, label, failed ? WK_IMPORT_FAILED
                                          : WK_IMPORT_IGNORED, reason, pool);
        return APR_SUCCESS;
    }
    post_fields(&in, export, post, id, pool);

    wk_post_media_init(&media, run, &export->media, pool);
    in.featured_image = post_featured_image(run, post, &media, pool);
    rv = post_content(&in, run, post, &media, error, pool);
    if (media.failure != APR_SUCCESS) {
        *error = media.error;
        return media.failure;
    }
    if (rv != APR_SUCCESS) {
        wk_import_skip(run, label, WK_IMPORT_FAILED, *error, pool);
        return APR_SUCCESS;
    }

    rv = wk_import_post_save(run, label, &in, error, pool);
    if (rv == APR_SUCCESS)
        wk_post_media_report(&media, label, pool);
    return rv;
}

/* Stores the export's users as author profiles. */
static apr_status_t authors_import(wk_import_run_t *run,
                                   const ghost_export_t *export,
                                   char **error, apr_pool_t *pool)
{
    struct json_object *users = table(export, "users");
    apr_size_t i;

    for (i = 0; users != NULL && i < json_object_array_length(users); i++) {
        struct json_object *user = json_object_array_get_idx(users, i);
        wk_author_t author;
        apr_status_t rv;

        memset(&author, 0, sizeof(author));
        author.slug = wk_ghost_text(user, "slug");
        author.name = wk_ghost_text(user, "name");
        author.email = wk_ghost_text(user, "email");
        author.bio = wk_ghost_text(user, "bio");
        author.website = wk_ghost_text(user, "website");
        if (*author.slug == '\0')
            continue;
        if (*author.name == '\0')
            author.name = author.slug;
        rv = wk_author_put(run->db, &author, error, pool);
        if (rv != APR_SUCCESS)
            return rv;
    }
    return APR_SUCCESS;
}

/* Deletes what the import must never read, then indexes the rest. */
static void export_prepare(ghost_export_t *export, apr_pool_t *pool)
{
    struct json_object *users;
    apr_size_t i;

    members_keep(export->data, kept_tables, pool);
    users = table(export, "users");
    for (i = 0; users != NULL && i < json_object_array_length(users); i++)
        members_keep(json_object_array_get_idx(users, i), kept_user_fields,
                     pool);

    export->tags = rows_by_id(export, "tags", "id", pool);
    export->users = rows_by_id(export, "users", "id", pool);
    export->meta = rows_by_id(export, "posts_meta", "post_id", pool);
    export->post_tags = links_by_post(export, "posts_tags", "tag_id", pool);
    export->post_authors = links_by_post(export, "posts_authors",
                                         "author_id", pool);
    export->media.marker = "/content/images/";
    export->media.stored_prefix = "content/images/";
    export->media.layouts = image_layouts;
    export->media.original = size_prefix_strip;
    export->media.lookups = apr_hash_make(pool);
}

/* Imports every post of a parsed export, each on a pool of its own. */
static apr_status_t posts_import(wk_import_run_t *run,
                                 ghost_export_t *export, char **error)
{
    struct json_object *posts = table(export, "posts");
    apr_pool_t *post_pool;
    apr_status_t rv = APR_SUCCESS;
    apr_size_t i;

    apr_pool_create(&post_pool, run->pool);
    for (i = 0; rv == APR_SUCCESS && i < json_object_array_length(posts);
         i++) {
        rv = post_import(run, export, json_object_array_get_idx(posts, i),
                         error, post_pool);
        if (rv != APR_SUCCESS)
            *error = apr_pstrdup(run->pool, *error);
        apr_pool_clear(post_pool);
    }
    apr_pool_destroy(post_pool);
    return rv;
}

apr_status_t wk_import_ghost(wk_import_run_t *run, const char *path,
                             char **error)
{
    ghost_export_t export;
    apr_size_t size;
    char *text;
    apr_status_t rv;

    rv = wk_import_file_read(&text, &size, path, GHOST_MAX_BYTES, error,
                             run->pool);
    if (rv != APR_SUCCESS) {
        *error = apr_psprintf(run->pool, "%s: %s%s", path, *error,
                              rv == WK_ETOOBIG ? " for a Ghost export" : "");
        return rv;
    }
    memset(&export, 0, sizeof(export));
    rv = export_parse(&export.root, path, text, size, error, run->pool);
    if (rv != APR_SUCCESS)
        return rv;

    export.data = export_data(export.root);
    if (table(&export, "posts") == NULL) {
        json_object_put(export.root);
        *error = apr_psprintf(run->pool, "%s: not a Ghost export: no "
                              "data.posts list, at the top or in db[0]",
                              path);
        return WK_EINVAL;
    }
    export_prepare(&export, run->pool);

    rv = authors_import(run, &export, error, run->pool);
    if (rv == APR_SUCCESS)
        rv = posts_import(run, &export, error);
    json_object_put(export.root);
    return rv;
}
