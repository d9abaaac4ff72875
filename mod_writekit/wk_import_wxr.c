/*
 * wk_import_wxr.c: a WordPress export (WXR 1.0, 1.1 and 1.2) into a
 * tenant file.
 *
 * The file is read twice with libxml2's streaming reader, so memory stays
 * bounded whatever the file's size.  The first pass reads the whole file
 * before anything is written: it rejects malformed or hostile XML and
 * collects what posts refer to (authors, attachments, the site's URLs).
 * The second pass writes authors, posts, pages and attachments.  The
 * reader never loads a DTD, substitutes no entity and opens no network
 * connection, and a file with a DOCTYPE is rejected, since WordPress
 * writes none and entity declarations are how expansion attacks start.
 */
#include <stddef.h>
#include <string.h>

#include <apr_date.h>
#include <apr_hash.h>
#include <apr_lib.h>

#include "wk_export.h"
#include "wk_sanitize.h"
#include "wk_timefmt.h"
#include "wk_wpformat.h"
#include "wk_wxr_read.h"

/* Largest description stored, as the studio allows. */
#define DESCRIPTION_MAX 4096
/* Attachments remembered for featured images; a larger export still
 * imports, without featured images past this many. */
#define ATTACHMENTS_MAX 200000
/* Authors remembered for display names. */
#define AUTHORS_MAX 10000

/* The folder of uploads on a self-hosted site, and the media path they
 * are stored under.  WordPress.com serves uploads at the root of a
 * separate host instead. */
#define UPLOADS_DIR "/wp-content/uploads/"
#define STORED_PREFIX "wp-content/uploads/"

/* An attachment item, as posts refer to it by its id. */
typedef struct wxr_attachment {
    const char *url;
    const char *file;   /* _wp_attached_file: its path below uploads */
} wxr_attachment_t;

/* What the first pass learns about the site. */
typedef struct wxr_site {
    const char *base_url;       /* wp:base_blog_url, else the channel link */
    const char *base_path;      /* its path without trailing '/', or "" */
    apr_hash_t *authors;        /* login -> display name */
    apr_hash_t *attachments;    /* post id -> wxr_attachment_t */
    wk_media_rules_t media;     /* where uploads are, hosts included */
    int utc_offset;             /* seconds the site's local time is ahead */
    int utc_offset_known;
    int from_writekit;          /* written by mod_writekit's export */
} wxr_site_t;

/* ---------------------------------------------------------------------- */
/* Site, authors and attachments                                           */
/* ---------------------------------------------------------------------- */

static void site_base_set(wxr_site_t *site, const char *url,
                          apr_pool_t *pool)
{
    const char *host, *path;
    apr_size_t len;

    if (*url == '\0')
        return;
    site->base_url = url;
    path = wk_url_split(&host, url, pool);
    len = strcspn(path, "?#");
    while (len > 0 && path[len - 1] == '/')
        len--;
    site->base_path = apr_pstrmemdup(pool, path, len);
}

/* Where the media of an export of mod_writekit are: at /media/PATH of
 * its blog, and below media/ in a folder it exported. */
static const char *const writekit_layouts[] = { "", "media/", NULL };

/* Switches to the rules of an export of mod_writekit, whose images keep
 * their stored paths. */
static void site_writekit_set(wxr_site_t *site)
{
    site->from_writekit = 1;
    site->media.marker = "/media/";
    site->media.stored_prefix = "";
    site->media.layouts = writekit_layouts;
    site->media.original = NULL;
}

/* Reads a channel's <wp:author>; the second pass stores it. */
static apr_status_t author_read(wxr_reader_t *wr, char **error,
                                apr_pool_t *pool)
{
    int depth = xmlTextReaderDepth(wr->reader), over = 0, done = 0;
    wk_author_t author;
    apr_status_t rv;

    memset(&author, 0, sizeof(author));
    author.slug = author.name = "";
    if (xmlTextReaderIsEmptyElement(wr->reader))
        return APR_SUCCESS;
    for (;;) {
        rv = wk_wxr_child_next(wr, depth, &done, error);
        if (rv != APR_SUCCESS)
            return rv;
        if (done)
            break;
        if (wk_wxr_element_is(wr, "wp", "author_login"))
            rv = wk_wxr_element_text(&author.slug, &over, wr, 1024, error, pool);
        else if (wk_wxr_element_is(wr, "wp", "author_display_name"))
            rv = wk_wxr_element_text(&author.name, &over, wr, 1024, error, pool);
        else if (wk_wxr_element_is(wr, "wp", "author_email"))
            rv = wk_wxr_element_text(&author.email, &over, wr, 1024, error, pool);
        else if (wk_wxr_element_is(wr, "wp", "author_description"))
            rv = wk_wxr_element_text(&author.bio, &over, wr, FIELD_MAX, error,
                              pool);
        else
            rv = wk_wxr_element_skip(wr, error);
        if (rv != APR_SUCCESS)
            return rv;
    }
    if (*author.slug == '\0' || over)
        return APR_SUCCESS;
    if (*author.name == '\0')
        author.name = author.slug;

    if (!wr->second_pass) {
        if (apr_hash_count(wr->site->authors) < AUTHORS_MAX)
            apr_hash_set(wr->site->authors,
                         apr_pstrdup(wr->run->pool, author.slug),
                         APR_HASH_KEY_STRING,
                         apr_pstrdup(wr->run->pool, author.name));
        return APR_SUCCESS;
    }
    return wk_author_put(wr->run->db, &author, error, pool);
}

/* Returns the local time of a "YYYY-MM-DD HH:MM:SS" value as if it were
 * UTC, or 0 when it is not one (WordPress writes zeros for none). */
static apr_time_t wp_time_parse(const char *value, apr_pool_t *pool)
{
    apr_time_t t;

    if (*value == '\0' || strncmp(value, "0000", 4) == 0)
        return 0;
    if (wk_time_parse_input(&t, apr_pstrcat(pool, value, "Z", NULL), NULL,
                            pool) != APR_SUCCESS)
        return 0;
    return t;
}

/* First pass: notes an attachment and the site's offset from UTC. */
static void item_survey(wxr_reader_t *wr, const wxr_item_t *item,
                        apr_pool_t *pool)
{
    wxr_site_t *site = wr->site;
    apr_time_t local = wp_time_parse(item->post_date, pool);
    apr_time_t utc = wp_time_parse(item->post_date_gmt, pool);

    if (local != 0 && utc != 0) {
        site->utc_offset = (int)apr_time_sec(local - utc);
        site->utc_offset_known = 1;
    }
    if (strcmp(item->post_type, "attachment") == 0 && *item->post_id
        && *item->attachment_url
        && apr_hash_count(site->attachments) < ATTACHMENTS_MAX) {
        wxr_attachment_t *attachment = apr_palloc(wr->run->pool,
                                                  sizeof(*attachment));
        const char *file = apr_table_get(item->meta, "_wp_attached_file");
        const char *host;

        attachment->url = apr_pstrdup(wr->run->pool, item->attachment_url);
        attachment->file = file ? apr_pstrdup(wr->run->pool, file) : NULL;
        apr_hash_set(site->attachments,
                     apr_pstrdup(wr->run->pool, item->post_id),
                     APR_HASH_KEY_STRING, attachment);
        wk_url_split(&host, item->attachment_url, pool);
        if (strstr(item->attachment_url, site->media.marker) == NULL && *host)
            apr_hash_set(site->media.root_hosts,
                         apr_pstrdup(wr->run->pool, host),
                         APR_HASH_KEY_STRING, "");
    }
}

/* ---------------------------------------------------------------------- */
/* Media                                                                   */
/* ---------------------------------------------------------------------- */

/* Where an uploads folder may be in the media folder: the folder itself,
 * or the site's root or wp-content folder. */
static const char *const upload_layouts[] = {
    "", "wp-content/uploads/", "uploads/", NULL
};

/* Returns relative without a "-300x200" size suffix before its
 * extension, as WordPress names the smaller copies of an image, or NULL
 * when it has none. */
static const char *size_suffix_strip(const char *relative, apr_pool_t *pool)
{
    const char *dot = strrchr(relative, '.');
    const char *p;

    if (dot == NULL)
        return NULL;
    p = dot;
    while (p > relative && apr_isdigit(p[-1]))
        p--;
    if (p == dot || p == relative || p[-1] != 'x')
        return NULL;
    p--;
    {
        const char *x = p;

        while (p > relative && apr_isdigit(p[-1]))
            p--;
        if (p == x || p == relative || p[-1] != '-')
            return NULL;
    }
    return apr_pstrcat(pool, apr_pstrmemdup(pool, relative,
                                            (apr_size_t)(p - 1 - relative)),
                       dot, NULL);
}

/* ---------------------------------------------------------------------- */
/* Posts and pages                                                         */
/* ---------------------------------------------------------------------- */

/* Returns a label such as 'post 12 "Hello"' for reports. */
static const char *item_label(const wxr_item_t *item, apr_pool_t *pool)
{
    const char *type = *item->post_type ? item->post_type : "item";

    if (*item->title == '\0')
        return apr_psprintf(pool, "%s %s", type, item->post_id);
    return apr_psprintf(pool, "%s %s \"%s\"", type, item->post_id,
                        wk_utf8_cut(item->title, 80, pool));
}

/*
 * Adds the old URLs of a link to aliases, as the redirects table keeps
 * paths: the path below the site's base, for a blog mounted where the
 * old one was, and the whole path, for one mounted at the root of the
 * old host.  A plain permalink such as /?p=12 keeps its query.
 */
static void link_aliases(apr_array_header_t *aliases, const wxr_site_t *site,
                         const char *link, apr_pool_t *pool)
{
    const char *host, *path = wk_url_split(&host, link, pool);
    apr_size_t base_len = strlen(site->base_path);
    apr_size_t len = strcspn(path, "?#");
    const char *query = path[len] == '?' ? path + len : NULL;
    char *whole, *below;

    if (*host == '\0')
        return;
    whole = wk_percent_decode(path, len, pool);
    if (whole == NULL)
        return;
    while (*whole == '/')
        whole++;
    while (*whole != '\0' && whole[strlen(whole) - 1] == '/')
        whole[strlen(whole) - 1] = '\0';
    if (*whole == '\0' || (base_len > 0 && strcmp(whole, site->base_path + 1)
                                            == 0)) {
        if (query != NULL)
            APR_ARRAY_PUSH(aliases, const char *) =
                apr_pstrmemdup(pool, query, strcspn(query, "#"));
        return;
    }
    APR_ARRAY_PUSH(aliases, const char *) = whole;
    if (base_len > 0 && strncmp(whole, site->base_path + 1, base_len - 1)
                        == 0 && whole[base_len - 1] == '/') {
        below = whole + base_len;
        if (*below != '\0')
            APR_ARRAY_PUSH(aliases, const char *) = below;
    }
}

/* Sets in->published_at from the item's dates: the UTC date, else the
 * local date at the site's offset (seen on other items, else the blog's
 * time zone), else pubDate.  Returns 0 when there is none. */
static int item_date(wk_post_input_t *in, wxr_reader_t *wr,
                     const wxr_item_t *item, apr_pool_t *pool)
{
    apr_time_t t = wp_time_parse(item->post_date_gmt, pool);

    if (t == 0 && (t = wp_time_parse(item->post_date, pool)) != 0) {
        /* NOTE: one offset for the whole export; a local date on the
         * other side of a daylight saving change is an hour off. */
        int offset = wr->site->utc_offset_known
                     ? wr->site->utc_offset
                     : wk_zone_offset(wr->run->timezone, t, pool);

        t -= apr_time_from_sec(offset);
    }
    if (t == 0 && *item->pub_date != '\0') {
        t = apr_date_parse_rfc(item->pub_date);
        if (t < apr_time_from_sec(86400))
            t = 0;
    }
    in->published_at = t;
    return t != 0;
}

/* Sets in->status from the item's status; returns NULL, or the reason to
 * skip the item with *failed set for an error. */
static const char *item_status(wk_post_input_t *in, wxr_reader_t *wr,
                               const wxr_item_t *item, int has_date,
                               int *failed)
{
    const char *status = item->status;
    int hidden = strcmp(status, "private") == 0
                 || strcmp(status, "trash") == 0
                 || *item->post_password != '\0';

    *failed = 0;
    if (hidden && !wr->run->options->private_as_drafts)
        return *item->post_password != '\0'
               ? "password-protected (--private draft imports it as a draft)"
               : strcmp(status, "trash") == 0
                 ? "in the trash (--private draft imports it as a draft)"
                 : "private (--private draft imports it as a draft)";
    if (hidden || strcmp(status, "draft") == 0
        || strcmp(status, "pending") == 0) {
        in->status = "draft";
        return NULL;
    }
    if (strcmp(status, "auto-draft") == 0 || strcmp(status, "inherit") == 0)
        return "an automatic draft or revision, not a post";
    if (strcmp(status, "publish") != 0 && strcmp(status, "future") != 0) {
        *failed = 1;
        return "unknown status; expected publish, future, draft, pending, "
               "private or trash";
    }
    if (!has_date) {
        *failed = 1;
        return "no valid date in wp:post_date_gmt, wp:post_date or pubDate";
    }
    in->status = in->published_at > apr_time_now() ? "scheduled"
                                                   : "published";
    return NULL;
}

static int alias_add(void *aliases, const char *key, const char *value)
{
    APR_ARRAY_PUSH((apr_array_header_t *)aliases, const char *) = value;
    return 1;
}

/* Sets the old URLs: the permalink, ?p=ID and, for a page, ?page_id=ID. */
static void item_aliases(wk_post_input_t *in, wxr_reader_t *wr,
                         const wxr_item_t *item, apr_pool_t *pool)
{
    in->aliases = apr_array_make(pool, 4, sizeof(const char *));
    /* An export of mod_writekit lists every old URL itself; its links and
     * ids are the new blog's, not old URLs. */
    if (wr->site->from_writekit) {
        apr_table_do(alias_add, in->aliases, item->meta,
                     WK_EXPORT_REDIRECT_META, NULL);
        return;
    }
    link_aliases(in->aliases, wr->site, item->link, pool);
    APR_ARRAY_PUSH(in->aliases, const char *) = apr_pstrcat(pool, "?p=",
                                                            item->post_id,
                                                            NULL);
    if (strcmp(item->post_type, "page") == 0)
        APR_ARRAY_PUSH(in->aliases, const char *) =
            apr_pstrcat(pool, "?page_id=", item->post_id, NULL);
}

/* Returns the featured image's URL: the stored copy, or the original
 * URL when it is not in the media folder; NULL for none. */
static const char *item_featured_image(wxr_reader_t *wr,
                                       const wxr_item_t *item,
                                       wk_post_media_t *media,
                                       apr_pool_t *pool)
{
    const char *id = apr_table_get(item->meta, "_thumbnail_id");
    const wxr_attachment_t *attachment;
    const char *stored;

    if (id == NULL)
        return NULL;
    attachment = apr_hash_get(wr->site->attachments, id, APR_HASH_KEY_STRING);
    if (attachment == NULL)
        return NULL;
    stored = wk_post_media_rewrite(media, attachment->url, 1, pool);
    if (stored != NULL)
        return stored;
    return strncmp(attachment->url, "http://", 7) == 0
           || strncmp(attachment->url, "https://", 8) == 0
           ? attachment->url : NULL;
}

/* Turns the item's content into the HTML readers get.  NOTE: links to
 * other posts of the old site keep their URLs, which reach the posts
 * through the redirects only while the old host points at this blog. */
static const char *item_html(wxr_reader_t *wr, const wxr_item_t *item,
                             wk_post_media_t *media, apr_pool_t *pool)
{
    apr_array_header_t *shortcodes = wk_wp_shortcodes(item->content, pool);
    const char *html = wk_wp_captions(item->content, pool);
    const char *clean;
    int i;

    for (i = 0; i < shortcodes->nelts; i++)
        APR_ARRAY_PUSH(media->notes, const char *) = apr_psprintf(pool,
            "shortcode [%s] left as text: WordPress builds it from data an "
            "export does not carry", APR_ARRAY_IDX(shortcodes, i,
                                                   const char *));
    /* mod_writekit exports the HTML it serves, which needs no
     * paragraphs added. */
    if (!wk_wp_has_blocks(html) && !wr->site->from_writekit)
        html = wk_wp_autop(html, pool);
    wk_html_sanitize_rewrite(&clean, html, strlen(html),
                             wr->run->iframe_hosts, wk_post_media_rewrite,
                             media, pool);
    return clean;
}

/* Fills the text fields of in from the item. */
static void item_fields_copy(wk_post_input_t *in, wxr_reader_t *wr,
                             const wxr_item_t *item, apr_pool_t *pool)
{
    const char *summary = apr_table_get(item->meta, "_yoast_wpseo_metadesc");
    const char *canonical = apr_table_get(item->meta,
                                          "_yoast_wpseo_canonical");
    const char *author = apr_hash_get(wr->site->authors, item->creator,
                                      APR_HASH_KEY_STRING);
    const char *slug = wk_percent_decode(item->post_name,
                                         strlen(item->post_name), pool);

    in->title = *item->title ? item->title : "(no title)";
    in->slug = slug && *slug ? slug : NULL;
    in->kind = strcmp(item->post_type, "page") == 0 ? "page" : "post";
    in->author = author ? author : item->creator;
    in->excerpt = wk_html_to_text(item->excerpt, pool);
    in->description = wk_utf8_cut(summary && *summary ? summary : in->excerpt,
                                  DESCRIPTION_MAX, pool);
    in->canonical_url = canonical && (strncmp(canonical, "http://", 7) == 0
                                      || strncmp(canonical, "https://", 8)
                                         == 0) ? canonical : NULL;
    in->tags = item->tags;
    in->source_format = "html";
    in->import_key = apr_pstrcat(pool, "wxr:", wr->site->base_url, "?p=",
                                 item->post_id, NULL);
}

/* Second pass: imports a post or page. */
static apr_status_t post_import(wxr_reader_t *wr, const char *label,
                                const wxr_item_t *item, char **error,
                                apr_pool_t *pool)
{
    wk_post_input_t in;
    wk_post_media_t media;
    const char *reason;
    int failed;
    apr_status_t rv;

    memset(&in, 0, sizeof(in));
    reason = item_status(&in, wr, item, item_date(&in, wr, item, pool),
                         &failed);
    if (reason != NULL) {
        wk_import_skip(wr->run, label, failed ? WK_IMPORT_FAILED
                                              : WK_IMPORT_IGNORED,
                       reason, pool);
        return APR_SUCCESS;
    }
    item_fields_copy(&in, wr, item, pool);
    item_aliases(&in, wr, item, pool);

    wk_post_media_init(&media, wr->run, &wr->site->media, pool);
    in.featured_image = item_featured_image(wr, item, &media, pool);
    in.html = item_html(wr, item, &media, pool);
    in.source = in.html;
    if (media.failure != APR_SUCCESS) {
        *error = media.error;
        return media.failure;
    }

    rv = wk_import_post_save(wr->run, label, &in, error, pool);
    if (rv == APR_SUCCESS)
        wk_post_media_report(&media, label, pool);
    return rv;
}

/* Second pass: stores an attachment's file when the media folder has
 * it.  NOTE: only images are stored, as the media table serves images
 * only; a PDF or audio attachment is reported and stays on the old
 * site. */
static apr_status_t attachment_import(wxr_reader_t *wr, const char *label,
                                      const wxr_item_t *item, char **error,
                                      apr_pool_t *pool)
{
    const char *file = apr_table_get(item->meta, "_wp_attached_file");
    const char *relative = file && *file ? file
                           : wk_media_relative(&wr->site->media,
                                               item->attachment_url, pool);
    const char *where = wr->run->options->media_source;
    apr_status_t failure = APR_SUCCESS;
    const char *stored;
    char *reason;
    int stored_now;

    if (where == NULL) {
        wk_import_skip(wr->run, label, WK_IMPORT_IGNORED, apr_psprintf(pool,
                       "no --media folder given; links to %s stay on the "
                       "old site", item->attachment_url), pool);
        return APR_SUCCESS;
    }
    if (relative == NULL) {
        wk_import_skip(wr->run, label, WK_IMPORT_IGNORED, apr_psprintf(pool,
                       "%s is not an upload of this site",
                       item->attachment_url), pool);
        return APR_SUCCESS;
    }
    stored = wk_media_find(wr->run, &wr->site->media, relative, &stored_now,
                           &reason, &failure, error, pool);
    if (failure != APR_SUCCESS)
        return failure;
    if (stored != NULL)
        wk_import_report(wr->run->options, wr->run->counts, label,
                         stored_now ? WK_IMPORT_STORED : WK_IMPORT_UNCHANGED,
                         apr_pstrcat(pool, stored_now ? "stored media/"
                                                      : "already stored as "
                                                        "media/",
                                     stored, NULL));
    else
        wk_import_report(wr->run->options, wr->run->counts, label,
                         WK_IMPORT_NOTICE, apr_psprintf(pool,
            "%s%s; links to it stay on the old site",
            reason ? "not stored: " : "file not found in the media folder: ",
            reason ? reason : relative));
    return APR_SUCCESS;
}

/* Handles one item: the first pass surveys it, the second imports it. */
static apr_status_t item_handle(wxr_reader_t *wr, const wxr_item_t *item,
                                char **error, apr_pool_t *pool)
{
    const char *label = item_label(item, pool);

    if (!wr->second_pass) {
        item_survey(wr, item, pool);
        return APR_SUCCESS;
    }
    if (*item->post_id == '\0') {
        wk_import_skip(wr->run, label, WK_IMPORT_FAILED, "no wp:post_id",
                       pool);
        return APR_SUCCESS;
    }
    if (item->too_large != NULL) {
        wk_import_skip(wr->run, label, WK_IMPORT_FAILED, item->too_large,
                       pool);
        return APR_SUCCESS;
    }
    if (strcmp(item->post_type, "attachment") == 0)
        return attachment_import(wr, label, item, error, pool);
    if (strcmp(item->post_type, "post") != 0
        && strcmp(item->post_type, "page") != 0) {
        wk_import_skip(wr->run, label, WK_IMPORT_IGNORED, apr_psprintf(pool,
                       "items of type '%s' are not imported",
                       item->post_type), pool);
        return APR_SUCCESS;
    }
    return post_import(wr, label, item, error, pool);
}

/* ---------------------------------------------------------------------- */
/* The document                                                            */
/* ---------------------------------------------------------------------- */

/* Reads one child of <channel>. */
static apr_status_t channel_child(wxr_reader_t *wr, char **error,
                                  apr_pool_t *pool)
{
    const char *text;
    apr_status_t rv;
    int over = 0;

    if (wk_wxr_element_is(wr, NULL, "item")) {
        wxr_item_t item;

        rv = wk_wxr_item_read(&item, wr, error, pool);
        return rv == APR_SUCCESS ? item_handle(wr, &item, error, pool) : rv;
    }
    if (wk_wxr_element_is(wr, "wp", "author"))
        return author_read(wr, error, pool);
    if (wk_wxr_element_is(wr, NULL, "generator")) {
        rv = wk_wxr_element_text(&text, &over, wr, 256, error, pool);
        if (rv == APR_SUCCESS && strcmp(text, WK_EXPORT_GENERATOR) == 0)
            site_writekit_set(wr->site);
        return rv;
    }
    if (wk_wxr_element_is(wr, "wp", "wxr_version")) {
        rv = wk_wxr_element_text(&text, &over, wr, 64, error, pool);
        if (rv == APR_SUCCESS && strcmp(text, "1.0") != 0
            && strcmp(text, "1.1") != 0 && strcmp(text, "1.2") != 0)
            return wk_wxr_fail(wr, error, apr_psprintf(pool, "unsupported WXR "
                            "version '%s'; expected 1.0, 1.1 or 1.2", text));
        return rv;
    }
    if (wk_wxr_element_is(wr, "wp", "base_blog_url")
        || (wk_wxr_element_is(wr, NULL, "link") && wr->site->base_url == NULL)) {
        rv = wk_wxr_element_text(&text, &over, wr, 2048, error, pool);
        if (rv == APR_SUCCESS && !over)
            site_base_set(wr->site, apr_pstrdup(wr->run->pool, text),
                          wr->run->pool);
        return rv;
    }
    return wk_wxr_element_skip(wr, error);
}

/* Reads the document in one pass, calling the handlers for what it
 * finds; each item is read and handled on a pool of its own. */
static apr_status_t wxr_pass(wxr_reader_t *wr, char **error)
{
    apr_pool_t *item_pool;
    apr_status_t rv;
    int ret = 0;

    apr_pool_create(&item_pool, wr->run->pool);
    rv = APR_SUCCESS;
    while (rv == APR_SUCCESS && (ret = xmlTextReaderRead(wr->reader)) == 1) {
        int type = xmlTextReaderNodeType(wr->reader);
        int depth = xmlTextReaderDepth(wr->reader);

        if (type == XML_READER_TYPE_END_ELEMENT && depth == 0)
            wr->root_closed = 1;
        if (type == XML_READER_TYPE_DOCUMENT_TYPE
            || type == XML_READER_TYPE_ENTITY_REFERENCE)
            rv = wk_wxr_fail(wr, error, "the file has a DOCTYPE or an entity "
                          "reference, which WordPress exports never have; "
                          "they are rejected to prevent entity expansion "
                          "attacks");
        else if (type != XML_READER_TYPE_ELEMENT)
            continue;
        else if (depth == 0)
            rv = wk_wxr_root_check(wr, error);
        else if (depth == 1 && !wk_wxr_element_is(wr, NULL, "channel"))
            rv = wk_wxr_element_skip(wr, error);
        else if (depth == 2) {
            rv = channel_child(wr, error, item_pool);
            apr_pool_clear(item_pool);
        }
    }
    apr_pool_destroy(item_pool);
    if (rv == APR_SUCCESS && ret != 0)
        rv = wk_wxr_read_error(wr, error);
    return rv;
}

/* Runs one pass over the file with a reader of its own. */
static apr_status_t wxr_read_file(wxr_reader_t *wr, char **error)
{
    apr_status_t rv;

    /* NONET: no network.  Without NOENT, DTDLOAD and DTDATTR, libxml2
     * loads no DTD and expands no entity; HUGE is left off, so its limits
     * on text node size and nesting stay. */
    wr->reader = xmlReaderForFile(wr->path, NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOCDATA);
    if (wr->reader == NULL) {
        *error = apr_psprintf(wr->run->pool, "%s: cannot open the file",
                              wr->path);
        return APR_EGENERAL;
    }
    xmlTextReaderSetStructuredErrorHandler(wr->reader, wk_wxr_error_capture,
                                           wr);
    rv = wxr_pass(wr, error);
    xmlFreeTextReader(wr->reader);
    wr->reader = NULL;
    return rv;
}

apr_status_t wk_import_wxr(wk_import_run_t *run, const char *path,
                           char **error)
{
    wxr_site_t site;
    wxr_reader_t wr;
    apr_status_t rv;

    memset(&site, 0, sizeof(site));
    site.base_path = "";
    site.authors = apr_hash_make(run->pool);
    site.attachments = apr_hash_make(run->pool);
    site.media.marker = UPLOADS_DIR;
    site.media.stored_prefix = STORED_PREFIX;
    site.media.layouts = upload_layouts;
    site.media.original = size_suffix_strip;
    site.media.root_hosts = apr_hash_make(run->pool);
    site.media.lookups = apr_hash_make(run->pool);
    memset(&wr, 0, sizeof(wr));
    wr.run = run;
    wr.site = &site;
    wr.path = path;

    xmlInitParser();
    rv = wxr_read_file(&wr, error);
    if (rv != APR_SUCCESS)
        return rv;
    if (site.base_url == NULL) {
        *error = apr_psprintf(run->pool, "%s: not a WordPress export: the "
                              "channel has neither wp:base_blog_url nor a "
                              "link", path);
        return WK_EINVAL;
    }

    wr.second_pass = 1;
    wr.parse_error = NULL;
    wr.root_closed = 0;
    return wxr_read_file(&wr, error);
}
