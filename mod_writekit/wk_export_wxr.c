/*
 * wk_export_wxr.c: a tenant written out as a WordPress export (WXR 1.2),
 * in the shape WordPress 6 writes it, so WordPress's importer takes it.
 *
 * Items are written one by one as they are read, so memory does not grow
 * with the blog.  Content goes in CDATA, as WordPress writes it, with
 * "]]>" split across two sections; other text is escaped.  Links to
 * stored images become absolute URLs under the blog's base URL, where the
 * importer can fetch them, and each image is an attachment item.
 */
#include <string.h>

#include <apr_date.h>
#include <apr_file_io.h>
#include <apr_hash.h>
#include <apr_lib.h>

#include "wk_edit.h"
#include "wk_export.h"
#include "wk_timefmt.h"

/* Attachment ids follow the post ids, so no two items share one. */
typedef struct wxr_writer {
    apr_file_t *out;
    wk_buf_t *buf;             /* one item, flushed after it */
    const char *base_url;      /* no trailing '/' */
    const char *mount;         /* the base URL's path, ending in '/' */
    const char *timezone;
    apr_hash_t *authors;       /* display name -> login */
    apr_hash_t *media_ids;     /* stored media path -> attachment id */
    apr_int64_t next_id;
    apr_status_t failure;
} wxr_writer_t;

/* Appends text as character data, dropping the control characters XML
 * forbids and splitting "]]>". */
static void cdata_append(wk_buf_t *out, const char *text)
{
    const unsigned char *c;

    if (!wk_utf8_valid(text, strlen(text))) {
        wk_buf_append_escaped(out, text, strlen(text));
        return;
    }
    wk_buf_puts(out, "<![CDATA[");
    for (c = (const unsigned char *)text; *c != '\0'; c++) {
        if (*c < 0x20 && *c != '\t' && *c != '\n' && *c != '\r')
            continue;
        if (c[0] == ']' && c[1] == ']' && c[2] == '>') {
            wk_buf_puts(out, "]]]]><![CDATA[>");
            c += 2;
            continue;
        }
        wk_buf_append(out, (const char *)c, 1);
    }
    wk_buf_puts(out, "]]>");
}

/* Appends <name>text</name> with text escaped. */
static void element_text(wk_buf_t *out, const char *name, const char *text)
{
    wk_buf_printf(out, "<%s>", name);
    wk_buf_append_escaped(out, text ? text : "", text ? strlen(text) : 0);
    wk_buf_printf(out, "</%s>", name);
}

/* Appends <name><![CDATA[text]]></name>. */
static void element_cdata(wk_buf_t *out, const char *name, const char *text)
{
    wk_buf_printf(out, "<%s>", name);
    cdata_append(out, text ? text : "");
    wk_buf_printf(out, "</%s>", name);
}

static void postmeta(wk_buf_t *out, const char *key, const char *value)
{
    wk_buf_puts(out, "\t\t<wp:postmeta>");
    element_cdata(out, "wp:meta_key", key);
    element_cdata(out, "wp:meta_value", value);
    wk_buf_puts(out, "</wp:postmeta>\n");
}

static void writer_flush(wxr_writer_t *writer)
{
    if (writer->failure == APR_SUCCESS)
        writer->failure = apr_file_write_full(writer->out, writer->buf->data,
                                              writer->buf->len, NULL);
    wk_buf_reset(writer->buf);
}

/* Formats t as WordPress's "YYYY-MM-DD HH:MM:SS", in UTC or, with
 * local set, in the blog's time zone. */
static const char *wp_time(apr_time_t t, const wxr_writer_t *writer,
                           int local, apr_pool_t *pool)
{
    apr_time_exp_t tm;

    if (t <= 0)
        return "0000-00-00 00:00:00";
    if (local)
        t += apr_time_from_sec(wk_zone_offset(writer->timezone, t, pool));
    apr_time_exp_gmt(&tm, t);
    return apr_psprintf(pool, "%04d-%02d-%02d %02d:%02d:%02d",
                        tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                        tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Percent-encodes a slug as WordPress stores one: ASCII as it is, other
 * bytes as lowercase %xx. */
static const char *wp_slug(const char *slug, apr_pool_t *pool)
{
    wk_buf_t *out = wk_buf_make(pool, strlen(slug) * 3 + 1);
    const unsigned char *c;

    for (c = (const unsigned char *)slug; *c != '\0'; c++) {
        if (*c < 0x80)
            wk_buf_append(out, (const char *)c, 1);
        else
            wk_buf_printf(out, "%%%02x", *c);
    }
    return apr_pstrmemdup(pool, out->data, out->len);
}

/* Returns html with its attribute links to stored images ("../media/" or
 * the mount's "media/") made absolute under the base URL.  NOTE: only a
 * URL that starts an attribute value is seen, so the second and later
 * candidates of a srcset keep their relative URLs. */
static const char *links_absolute(const wxr_writer_t *writer,
                                  const char *html, apr_pool_t *pool)
{
    const char *prefixes[2];
    wk_buf_t *out = wk_buf_make(pool, strlen(html) + 256);
    const char *at = html;

    prefixes[0] = "=\"../media/";
    prefixes[1] = apr_pstrcat(pool, "=\"", writer->mount, "media/", NULL);
    while (*at != '\0') {
        int i;

        for (i = 0; i < 2; i++) {
            apr_size_t len = strlen(prefixes[i]);

            if (strncmp(at, prefixes[i], len) == 0) {
                wk_buf_printf(out, "=\"%s/media/", writer->base_url);
                at += len;
                break;
            }
        }
        if (i == 2) {
            wk_buf_append(out, at, 1);
            at++;
        }
    }
    return apr_pstrmemdup(pool, out->data, out->len);
}

/* ---------------------------------------------------------------------- */
/* The channel                                                             */
/* ---------------------------------------------------------------------- */

static void channel_start(wxr_writer_t *writer, const wk_settings_t *settings,
                          apr_pool_t *pool)
{
    char date[APR_RFC822_DATE_LEN];
    wk_buf_t *out = writer->buf;

    apr_rfc822_date(date, apr_time_now());
    wk_buf_puts(out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n"
        "<!-- A WordPress eXtended RSS file written by mod_writekit. -->\n"
        "<rss version=\"2.0\"\n"
        "\txmlns:excerpt=\"http://wordpress.org/export/1.2/excerpt/\"\n"
        "\txmlns:content=\"http://purl.org/rss/1.0/modules/content/\"\n"
        "\txmlns:wfw=\"http://wellformedweb.org/CommentAPI/\"\n"
        "\txmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n"
        "\txmlns:wp=\"http://wordpress.org/export/1.2/\"\n"
        ">\n<channel>\n\t");
    element_text(out, "title", settings->title);
    wk_buf_puts(out, "\n\t");
    element_text(out, "link", writer->base_url);
    wk_buf_puts(out, "\n\t");
    element_text(out, "description", settings->description);
    wk_buf_puts(out, "\n\t");
    element_text(out, "pubDate", date);
    wk_buf_puts(out, "\n\t");
    element_text(out, "language", settings->language);
    wk_buf_puts(out, "\n\t<wp:wxr_version>1.2</wp:wxr_version>\n\t");
    element_text(out, "generator", WK_EXPORT_GENERATOR);
    wk_buf_puts(out, "\n\t");
    element_text(out, "wp:base_site_url", writer->base_url);
    wk_buf_puts(out, "\n\t");
    element_text(out, "wp:base_blog_url", writer->base_url);
    wk_buf_puts(out, "\n");
    (void)pool;
}

/* Writes one <wp:author> and remembers its login by display name. */
static void author_write(wxr_writer_t *writer, int id, const char *login,
                         const char *name, const char *email,
                         apr_pool_t *pool)
{
    wk_buf_t *out = writer->buf;

    wk_buf_printf(out, "\t<wp:author><wp:author_id>%d</wp:author_id>", id);
    element_cdata(out, "wp:author_login", login);
    element_cdata(out, "wp:author_email", email);
    element_cdata(out, "wp:author_display_name", name);
    element_cdata(out, "wp:author_first_name", "");
    element_cdata(out, "wp:author_last_name", "");
    wk_buf_puts(out, "</wp:author>\n");
    apr_hash_set(writer->authors, apr_pstrdup(pool, name),
                 APR_HASH_KEY_STRING, apr_pstrdup(pool, login));
}

/*
 * Writes the authors: the profiles an import kept, then one for each
 * other name posts show.  A post's author text may join several names
 * with ", ", and each becomes an author of its own.
 */
static apr_status_t authors_write(wxr_writer_t *writer, wk_db_t *db,
                                  apr_pool_t *pool)
{
    sqlite3_stmt *profiles = wk_db_prepare(db, "SELECT slug, name, email"
                                           " FROM authors ORDER BY id");
    sqlite3_stmt *names = wk_db_prepare(db, "SELECT DISTINCT author FROM"
                                        " posts WHERE author <> ''"
                                        " ORDER BY author");
    int id = 1, rc;

    if (profiles == NULL || names == NULL)
        return WK_EDB;
    while ((rc = sqlite3_step(profiles)) == SQLITE_ROW)
        author_write(writer, id++,
                     (const char *)sqlite3_column_text(profiles, 0),
                     (const char *)sqlite3_column_text(profiles, 1),
                     (const char *)sqlite3_column_text(profiles, 2), pool);
    sqlite3_reset(profiles);
    if (rc != SQLITE_DONE)
        return WK_EDB;
    while ((rc = sqlite3_step(names)) == SQLITE_ROW) {
        char *joined = apr_pstrdup(pool, (const char *)sqlite3_column_text(
                                             names, 0));
        char *state, *name;

        for (name = apr_strtok(joined, ",", &state); name != NULL;
             name = apr_strtok(NULL, ",", &state)) {
            while (*name == ' ')
                name++;
            if (*name == '\0' || apr_hash_get(writer->authors, name,
                                              APR_HASH_KEY_STRING))
                continue;
            author_write(writer, id++, wk_slugify(name, pool), name, "",
                         pool);
        }
    }
    sqlite3_reset(names);
    return rc == SQLITE_DONE ? APR_SUCCESS : WK_EDB;
}

/* Writes a <wp:tag> for every tag. */
static apr_status_t tags_write(wxr_writer_t *writer, wk_db_t *db)
{
    sqlite3_stmt *stmt = wk_db_prepare(db, "SELECT id, slug, name FROM tags"
                                       " ORDER BY id");
    wk_buf_t *out = writer->buf;
    int rc;

    if (stmt == NULL)
        return WK_EDB;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        wk_buf_printf(out, "\t<wp:tag><wp:term_id>%lld</wp:term_id>",
                      (long long)sqlite3_column_int64(stmt, 0));
        element_cdata(out, "wp:tag_slug",
                      (const char *)sqlite3_column_text(stmt, 1));
        element_cdata(out, "wp:tag_name",
                      (const char *)sqlite3_column_text(stmt, 2));
        wk_buf_puts(out, "</wp:tag>\n");
    }
    sqlite3_reset(stmt);
    return rc == SQLITE_DONE ? APR_SUCCESS : WK_EDB;
}

/* ---------------------------------------------------------------------- */
/* Items                                                                   */
/* ---------------------------------------------------------------------- */

static const char *wp_status(const wk_post_t *post)
{
    if (strcmp(post->status, "draft") == 0)
        return "draft";
    return strcmp(post->status, "scheduled") == 0 ? "future" : "publish";
}

/* Returns the login of a post's first author, or "". */
static const char *post_creator(const wxr_writer_t *writer,
                                const wk_post_t *post, apr_pool_t *pool)
{
    char *first = apr_pstrdup(pool, post->author ? post->author : "");
    char *comma = strchr(first, ',');
    const char *login;

    if (comma != NULL)
        *comma = '\0';
    login = apr_hash_get(writer->authors, first, APR_HASH_KEY_STRING);
    return login ? login : "";
}

/* Returns the stored media path a featured image URL links, or NULL. */
static const char *featured_media(const wxr_writer_t *writer,
                                  const char *url, apr_pool_t *pool)
{
    const char *mount_media = apr_pstrcat(pool, writer->mount, "media/",
                                          NULL);

    if (url == NULL || *url == '\0')
        return NULL;
    if (strncmp(url, "../media/", 9) == 0)
        return url + 9;
    if (strncmp(url, mount_media, strlen(mount_media)) == 0)
        return url + strlen(mount_media);
    return NULL;
}

/* Writes one post or page as an <item>. */
static void post_write(wxr_writer_t *writer, const wk_post_t *post,
                       const apr_array_header_t *redirects,
                       apr_pool_t *pool)
{
    char date[APR_RFC822_DATE_LEN];
    const char *media = featured_media(writer, post->featured_image, pool);
    const char *thumbnail = media ? apr_hash_get(writer->media_ids, media,
                                                 APR_HASH_KEY_STRING)
                                  : NULL;
    wk_buf_t *out = writer->buf;
    int i;

    apr_rfc822_date(date, post->published_at > 0 ? post->published_at
                                                 : post->created_at);
    wk_buf_puts(out, "\t<item>\n\t\t");
    element_text(out, "title", post->title);
    wk_buf_puts(out, "\n\t\t");
    element_text(out, "link", apr_pstrcat(pool, writer->base_url, "/posts/",
                                          post->slug, NULL));
    wk_buf_puts(out, "\n\t\t");
    element_text(out, "pubDate", date);
    wk_buf_puts(out, "\n\t\t");
    element_cdata(out, "dc:creator", post_creator(writer, post, pool));
    wk_buf_printf(out, "\n\t\t<guid isPermaLink=\"false\">urn:uuid:%s"
                  "</guid>\n\t\t<description></description>\n\t\t",
                  post->uid);
    element_cdata(out, "content:encoded",
                  links_absolute(writer, post->html, pool));
    wk_buf_puts(out, "\n\t\t");
    element_cdata(out, "excerpt:encoded", post->excerpt);
    wk_buf_printf(out, "\n\t\t<wp:post_id>%lld</wp:post_id>\n\t\t",
                  (long long)post->id);
    element_cdata(out, "wp:post_date",
                  wp_time(post->published_at, writer, 1, pool));
    element_cdata(out, "wp:post_date_gmt",
                  wp_time(post->published_at, writer, 0, pool));
    element_cdata(out, "wp:post_modified",
                  wp_time(post->updated_at, writer, 1, pool));
    element_cdata(out, "wp:post_modified_gmt",
                  wp_time(post->updated_at, writer, 0, pool));
    wk_buf_puts(out, "\n\t\t<wp:comment_status>closed</wp:comment_status>"
                "<wp:ping_status>closed</wp:ping_status>\n\t\t");
    element_cdata(out, "wp:post_name", wp_slug(post->slug, pool));
    element_cdata(out, "wp:status", wp_status(post));
    wk_buf_puts(out, "<wp:post_parent>0</wp:post_parent>"
                "<wp:menu_order>0</wp:menu_order>");
    element_cdata(out, "wp:post_type", strcmp(post->kind, "page") == 0
                                       ? "page" : "post");
    wk_buf_puts(out, "<wp:post_password></wp:post_password>"
                "<wp:is_sticky>0</wp:is_sticky>\n");
    for (i = 0; post->tags != NULL && i < post->tags->nelts; i++) {
        const wk_tag_t *tag = &APR_ARRAY_IDX(post->tags, i, wk_tag_t);

        wk_buf_puts(out, "\t\t<category domain=\"post_tag\" nicename=\"");
        wk_buf_append_escaped(out, tag->slug, strlen(tag->slug));
        wk_buf_puts(out, "\">");
        cdata_append(out, tag->name);
        wk_buf_puts(out, "</category>\n");
    }
    if (thumbnail != NULL)
        postmeta(out, "_thumbnail_id", thumbnail);
    if (*post->description != '\0')
        postmeta(out, "_yoast_wpseo_metadesc", post->description);
    if (*post->canonical_url != '\0')
        postmeta(out, "_yoast_wpseo_canonical", post->canonical_url);
    /* WordPress redirects a post's old slugs; the whole old paths go in
     * meta of mod_writekit's own, which its import reads back. */
    for (i = 0; i < redirects->nelts; i++) {
        const char *path = APR_ARRAY_IDX(redirects, i, const char *);
        const char *slash = strrchr(path, '/');

        postmeta(out, WK_EXPORT_REDIRECT_META, path);
        if (*path != '?')
            postmeta(out, "_wp_old_slug", slash ? slash + 1 : path);
    }
    wk_buf_puts(out, "\t</item>\n");
}

/* Writes one stored image as an attachment item. */
static void attachment_write(wxr_writer_t *writer, apr_int64_t id,
                             const char *path, apr_time_t created,
                             apr_pool_t *pool)
{
    const char *url = apr_pstrcat(pool, writer->base_url, "/media/", path,
                                  NULL);
    const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    wk_buf_t *out = writer->buf;

    wk_buf_puts(out, "\t<item>\n\t\t");
    element_text(out, "title", name);
    wk_buf_puts(out, "\n\t\t");
    element_text(out, "link", url);
    wk_buf_printf(out, "\n\t\t<wp:post_id>%lld</wp:post_id>", (long long)id);
    element_cdata(out, "wp:post_date", wp_time(created, writer, 1, pool));
    element_cdata(out, "wp:post_date_gmt", wp_time(created, writer, 0,
                                                   pool));
    element_cdata(out, "wp:post_name", wk_slugify(name, pool));
    element_cdata(out, "wp:status", "inherit");
    wk_buf_puts(out, "<wp:post_parent>0</wp:post_parent>");
    element_cdata(out, "wp:post_type", "attachment");
    element_cdata(out, "wp:attachment_url", url);
    wk_buf_puts(out, "\n");
    postmeta(out, "_wp_attached_file", path);
    wk_buf_puts(out, "\t</item>\n");
}

/* Assigns every stored image an attachment id after the post ids, and
 * writes the attachment items. */
static apr_status_t attachments_write(wxr_writer_t *writer, wk_db_t *db,
                                      wk_export_counts_t *counts,
                                      apr_pool_t *pool)
{
    sqlite3_stmt *stmt = wk_db_prepare(db, "SELECT path, created_at FROM"
                                       " media ORDER BY path");
    int rc;

    if (stmt == NULL)
        return WK_EDB;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *path = apr_pstrdup(pool,
            (const char *)sqlite3_column_text(stmt, 0));
        apr_int64_t id = writer->next_id++;

        apr_hash_set(writer->media_ids, path, APR_HASH_KEY_STRING,
                     apr_psprintf(pool, "%" APR_INT64_T_FMT, id));
        attachment_write(writer, id, path,
                         apr_time_from_sec(sqlite3_column_int64(stmt, 1)),
                         pool);
        writer_flush(writer);
        counts->media++;
    }
    sqlite3_reset(stmt);
    return rc == SQLITE_DONE ? APR_SUCCESS : WK_EDB;
}

static apr_status_t items_write(wxr_writer_t *writer, wk_db_t *db,
                                wk_export_counts_t *counts, apr_pool_t *pool)
{
    sqlite3_stmt *ids = wk_db_prepare(db, "SELECT id FROM posts ORDER BY"
                                      " id");
    apr_pool_t *item_pool;
    apr_status_t rv = APR_SUCCESS;
    int rc;

    if (ids == NULL)
        return WK_EDB;
    apr_pool_create(&item_pool, pool);
    while (rv == APR_SUCCESS && (rc = sqlite3_step(ids)) == SQLITE_ROW) {
        apr_array_header_t *redirects;
        wk_post_t *post;

        rv = wk_post_get(&post, db, sqlite3_column_int64(ids, 0), item_pool);
        if (rv == APR_SUCCESS)
            rv = wk_post_redirects(&redirects, db, post->id, item_pool);
        if (rv == APR_SUCCESS) {
            post_write(writer, post, redirects, item_pool);
            writer_flush(writer);
            counts->posts++;
        }
        apr_pool_clear(item_pool);
    }
    sqlite3_reset(ids);
    apr_pool_destroy(item_pool);
    return rv;
}

apr_status_t wk_export_wxr(wk_export_counts_t *counts, wk_db_t *db,
                           apr_file_t *out, char **error, apr_pool_t *pool)
{
    sqlite3_stmt *max_id;
    wk_settings_t settings;
    wxr_writer_t writer;
    const char *host;
    apr_status_t rv;

    memset(counts, 0, sizeof(*counts));
    memset(&writer, 0, sizeof(writer));
    rv = wk_db_run(db, "BEGIN", error, pool);
    if (rv != APR_SUCCESS)
        return rv;
    rv = wk_settings_load(&settings, db, pool);
    max_id = wk_db_prepare(db, "SELECT coalesce(max(id), 0) FROM posts");
    if (rv != APR_SUCCESS || max_id == NULL
        || sqlite3_step(max_id) != SQLITE_ROW) {
        if (max_id != NULL)
            sqlite3_reset(max_id);
        wk_db_rollback(db);
        *error = apr_psprintf(pool, "%s: cannot read the blog: %s",
                              wk_db_path(db),
                              sqlite3_errmsg(wk_db_handle(db)));
        return WK_EDB;
    }
    writer.next_id = sqlite3_column_int64(max_id, 0) + 1;
    sqlite3_reset(max_id);

    writer.out = out;
    writer.buf = wk_buf_make(pool, 65536);
    writer.base_url = *settings.base_url ? settings.base_url
                                         : "http://localhost";
    host = strstr(writer.base_url, "://") + 3;
    writer.mount = strchr(host, '/')
                   ? apr_pstrcat(pool, strchr(host, '/'), "/", NULL) : "/";
    writer.timezone = settings.timezone;
    writer.authors = apr_hash_make(pool);
    writer.media_ids = apr_hash_make(pool);

    channel_start(&writer, &settings, pool);
    rv = authors_write(&writer, db, pool);
    if (rv == APR_SUCCESS)
        rv = tags_write(&writer, db);
    writer_flush(&writer);
    if (rv == APR_SUCCESS)
        rv = attachments_write(&writer, db, counts, pool);
    if (rv == APR_SUCCESS)
        rv = items_write(&writer, db, counts, pool);
    wk_buf_puts(writer.buf, "</channel>\n</rss>\n");
    writer_flush(&writer);
    wk_db_rollback(db);

    if (rv != APR_SUCCESS)
        *error = apr_psprintf(pool, "%s: cannot read the blog: %s",
                              wk_db_path(db),
                              sqlite3_errmsg(wk_db_handle(db)));
    else if (writer.failure != APR_SUCCESS) {
        char message[256];

        *error = apr_psprintf(pool, "cannot write the export: %s",
                              apr_strerror(writer.failure, message,
                                           sizeof(message)));
        rv = writer.failure;
    }
    return rv;
}
