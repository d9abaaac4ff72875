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

#include <libxml/xmlreader.h>

#include "wk_export.h"
#include "wk_import_run.h"
#include "wk_sanitize.h"
#include "wk_timefmt.h"
#include "wk_wpformat.h"

#define NS_CONTENT "http://purl.org/rss/1.0/modules/content/"
#define NS_DC      "http://purl.org/dc/elements/1.1/"

/* Largest value of a field other than a post's content. */
#define FIELD_MAX (64 * 1024)
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

/* One <item>, with only the fields the import reads. */
typedef struct wxr_item {
    const char *title;
    const char *link;
    const char *pub_date;
    const char *creator;
    const char *content;
    const char *excerpt;
    const char *post_id;
    const char *post_date;
    const char *post_date_gmt;
    const char *post_name;
    const char *status;
    const char *post_type;
    const char *post_password;
    const char *attachment_url;
    apr_array_header_t *tags;   /* of const char *: categories and tags */
    apr_table_t *meta;          /* the postmeta keys below */
    const char *too_large;      /* the first field over its limit */
} wxr_item_t;

/* The streaming reader of one pass. */
typedef struct wxr_reader {
    xmlTextReaderPtr reader;
    wk_import_run_t *run;
    wxr_site_t *site;
    const char *path;
    int second_pass;
    char *parse_error;          /* libxml2's first error message */
    int parse_error_line;
    int parse_error_encoding;   /* the error is about the bytes' encoding */
    int root_closed;            /* the end tag of <rss> was read */
} wxr_reader_t;

/* The postmeta keys read from items. */
static const char *const meta_keys[] = {
    "_thumbnail_id", "_wp_attached_file", "_yoast_wpseo_metadesc",
    "_yoast_wpseo_canonical", WK_EXPORT_REDIRECT_META, NULL
};

/* ---------------------------------------------------------------------- */
/* Namespaces                                                              */
/* ---------------------------------------------------------------------- */

/* Returns whether uri is WordPress's export namespace of WXR 1.0, 1.1 or
 * 1.2, with suffix ("" or "excerpt/") after the version; WordPress.com
 * writes https. */
static int wp_namespace(const char *uri, const char *suffix)
{
    static const char *const versions[] = { "1.0/", "1.1/", "1.2/", NULL };
    const char *rest;
    int i;

    if (uri == NULL)
        return 0;
    if (strncmp(uri, "http://wordpress.org/export/", 28) == 0)
        rest = uri + 28;
    else if (strncmp(uri, "https://wordpress.org/export/", 29) == 0)
        rest = uri + 29;
    else
        return 0;
    for (i = 0; versions[i] != NULL; i++) {
        if (strncmp(rest, versions[i], 4) == 0 && strcmp(rest + 4, suffix)
                                                  == 0)
            return 1;
    }
    return 0;
}

/* Returns whether uri looks like WordPress's namespace without being
 * one of the real ones, such as http://wordpress.org.example/export/1.2/. */
static int wp_namespace_fake(const char *uri)
{
    char lower[256];
    apr_size_t i;

    if (uri == NULL || wp_namespace(uri, "") || wp_namespace(uri, "excerpt/"))
        return 0;
    for (i = 0; uri[i] != '\0' && i < sizeof(lower) - 1; i++)
        lower[i] = (char)apr_tolower((unsigned char)uri[i]);
    lower[i] = '\0';
    return strstr(lower, "wordpress.org") != NULL
           || strstr(lower, "wordpress.com") != NULL;
}

/* ---------------------------------------------------------------------- */
/* Reading                                                                 */
/* ---------------------------------------------------------------------- */

/* Keeps libxml2's first error, on one line. */
static void parse_error_capture(void *baton, xmlErrorPtr error)
{
    wxr_reader_t *wr = baton;
    char *at;
    apr_size_t len;

    if (error == NULL || error->level < XML_ERR_ERROR
        || wr->parse_error != NULL)
        return;
    wr->parse_error = apr_pstrdup(wr->run->pool, error->message
                                                 ? error->message
                                                 : "unknown error");
    for (at = wr->parse_error; *at != '\0'; at++) {
        if (*at == '\n' || *at == '\r' || *at == '\t')
            *at = ' ';
    }
    len = strlen(wr->parse_error);
    while (len > 0 && apr_isspace(wr->parse_error[len - 1]))
        wr->parse_error[--len] = '\0';
    wr->parse_error_line = error->line;
    wr->parse_error_encoding = error->code == XML_ERR_INVALID_CHAR
                               || error->code == XML_ERR_INVALID_ENCODING
                               || error->code == XML_ERR_UNKNOWN_ENCODING
                               || error->code
                                  == XML_ERR_UNSUPPORTED_ENCODING;
}

/* Sets *error to "PATH: line N: REASON" and returns WK_EINVAL.  The line
 * is the current node's, since the parser reads ahead of it. */
static apr_status_t wxr_fail(wxr_reader_t *wr, char **error,
                             const char *reason)
{
    xmlNodePtr node;
    int line = 0;

    /* On an attribute, the current node may be a namespace declaration,
     * which is no xmlNode and has no line. */
    xmlTextReaderMoveToElement(wr->reader);
    node = xmlTextReaderCurrentNode(wr->reader);
    if (node != NULL && node->type == XML_ELEMENT_NODE)
        line = (int)xmlGetLineNo(node);
    if (line <= 0)
        line = xmlTextReaderGetParserLineNumber(wr->reader);

    *error = apr_psprintf(wr->run->pool, "%s: line %d: %s", wr->path, line,
                          reason);
    return WK_EINVAL;
}

/* Turns a reader result below 1 into an error naming libxml2's reason. */
static apr_status_t wxr_read_error(wxr_reader_t *wr, char **error)
{
    /* libxml2's streaming parser reports "Extra content at the end of the
     * document" for a file that stops inside an element. */
    if (wr->parse_error != NULL && !wr->root_closed
        && strstr(wr->parse_error, "Extra content") != NULL)
        *error = apr_psprintf(wr->run->pool, "%s: line %d: malformed XML: "
                              "the file ends inside an element (was it cut "
                              "short?)", wr->path, wr->parse_error_line);
    else if (wr->parse_error != NULL
             && strstr(wr->parse_error, "Huge input lookup") != NULL)
        *error = apr_psprintf(wr->run->pool, "%s: line %d: one text in the "
                              "file is over libxml2's limit of 10000000 "
                              "bytes (XML_MAX_TEXT_LENGTH in libxml2 2.9); "
                              "no post can be that long", wr->path,
                              wr->parse_error_line);
    else if (wr->parse_error != NULL && wr->parse_error_encoding)
        *error = apr_psprintf(wr->run->pool, "%s: line %d: wrong encoding: "
                              "the bytes are not valid in the encoding the "
                              "file declares (UTF-8 unless its XML "
                              "declaration names another): %s", wr->path,
                              wr->parse_error_line, wr->parse_error);
    else if (wr->parse_error != NULL)
        *error = apr_psprintf(wr->run->pool, "%s: line %d: malformed XML: %s",
                              wr->path, wr->parse_error_line,
                              wr->parse_error);
    else
        *error = apr_psprintf(wr->run->pool, "%s: malformed XML: the file "
                              "ends before the document does", wr->path);
    return WK_EINVAL;
}

/* Advances the reader; fails on a parse error, the end of the file, a
 * DOCTYPE, an entity reference or a namespace that fakes WordPress's. */
static apr_status_t wxr_next(wxr_reader_t *wr, char **error)
{
    int ret = xmlTextReaderRead(wr->reader);
    int type;

    if (ret != 1)
        return wxr_read_error(wr, error);
    type = xmlTextReaderNodeType(wr->reader);
    if (type == XML_READER_TYPE_DOCUMENT_TYPE)
        return wxr_fail(wr, error, "the file has a DOCTYPE, which WordPress "
                        "exports never have; entity declarations are "
                        "rejected to prevent entity expansion attacks");
    if (type == XML_READER_TYPE_ENTITY_REFERENCE)
        return wxr_fail(wr, error, "entity references are not allowed");
    if (type == XML_READER_TYPE_ELEMENT) {
        const char *uri = (const char *)xmlTextReaderConstNamespaceUri(
                              wr->reader);

        if (wp_namespace_fake(uri))
            return wxr_fail(wr, error, apr_psprintf(wr->run->pool,
                "namespace '%s' is not WordPress's export namespace "
                "(http://wordpress.org/export/1.2/); the file only pretends "
                "to be a WordPress export", uri));
    }
    return APR_SUCCESS;
}

/* Returns whether the reader is on the element name in namespace uri:
 * NULL for none, "wp" for WordPress's export namespace and "excerpt" for
 * its excerpt namespace, of any WXR version. */
static int element_is(wxr_reader_t *wr, const char *uri, const char *name)
{
    const char *ns = (const char *)xmlTextReaderConstNamespaceUri(wr->reader);
    const char *local = (const char *)xmlTextReaderConstLocalName(wr->reader);

    if (local == NULL || strcmp(local, name) != 0)
        return 0;
    if (uri == NULL)
        return ns == NULL;
    if (strcmp(uri, "wp") == 0)
        return wp_namespace(ns, "");
    if (strcmp(uri, "excerpt") == 0)
        return wp_namespace(ns, "excerpt/");
    return ns != NULL && strcmp(ns, uri) == 0;
}

/* Skips the element the reader is on with everything inside it. */
static apr_status_t element_skip(wxr_reader_t *wr, char **error)
{
    int depth = xmlTextReaderDepth(wr->reader);
    apr_status_t rv;

    if (xmlTextReaderIsEmptyElement(wr->reader))
        return APR_SUCCESS;
    do {
        rv = wxr_next(wr, error);
        if (rv != APR_SUCCESS)
            return rv;
    } while (!(xmlTextReaderNodeType(wr->reader)
               == XML_READER_TYPE_END_ELEMENT
               && xmlTextReaderDepth(wr->reader) == depth));
    return APR_SUCCESS;
}

/* Moves to the next child element of the element at depth, or sets *done
 * on reaching that element's end tag. */
static apr_status_t child_next(wxr_reader_t *wr, int depth, int *done,
                               char **error)
{
    apr_status_t rv;

    *done = 0;
    for (;;) {
        int type;

        rv = wxr_next(wr, error);
        if (rv != APR_SUCCESS)
            return rv;
        type = xmlTextReaderNodeType(wr->reader);
        if (type == XML_READER_TYPE_ELEMENT)
            return APR_SUCCESS;
        if (type == XML_READER_TYPE_END_ELEMENT
            && xmlTextReaderDepth(wr->reader) == depth) {
            *done = 1;
            return APR_SUCCESS;
        }
    }
}

/*
 * Reads the text of the element the reader is on, trimmed, and leaves the
 * reader on its end tag.  Text past max bytes is read and dropped, with
 * *over set, so a huge field costs no memory.
 */
static apr_status_t element_text(const char **text, int *over,
                                 wxr_reader_t *wr, apr_size_t max,
                                 char **error, apr_pool_t *pool)
{
    int depth = xmlTextReaderDepth(wr->reader);
    wk_buf_t *buf;
    apr_size_t start = 0, end;
    apr_status_t rv;

    *text = "";
    if (xmlTextReaderIsEmptyElement(wr->reader))
        return APR_SUCCESS;
    buf = wk_buf_make(pool, 256);
    for (;;) {
        int type;

        rv = wxr_next(wr, error);
        if (rv != APR_SUCCESS)
            return rv;
        type = xmlTextReaderNodeType(wr->reader);
        if (type == XML_READER_TYPE_END_ELEMENT
            && xmlTextReaderDepth(wr->reader) == depth)
            break;
        if (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA
            || type == XML_READER_TYPE_WHITESPACE
            || type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE) {
            const char *value = (const char *)xmlTextReaderConstValue(
                                    wr->reader);
            apr_size_t len = value ? strlen(value) : 0;

            if (buf->len + len > max) {
                *over = 1;
                continue;
            }
            wk_buf_append(buf, value, len);
        }
    }

    end = buf->len;
    while (start < end && apr_isspace(buf->data[start]))
        start++;
    while (end > start && apr_isspace(buf->data[end - 1]))
        end--;
    *text = apr_pstrmemdup(pool, buf->data + start, end - start);
    return APR_SUCCESS;
}

/* Reads a field's text, noting its name in item->too_large when it is
 * over max. */
static apr_status_t item_field(const char **field, wxr_item_t *item,
                               const char *name, wxr_reader_t *wr,
                               apr_size_t max, char **error,
                               apr_pool_t *pool)
{
    int over = 0;
    apr_status_t rv = element_text(field, &over, wr, max, error, pool);

    if (over && item->too_large == NULL)
        item->too_large = apr_psprintf(pool, "%s is over the limit of %"
                                       APR_SIZE_T_FMT " bytes", name, max);
    return rv;
}

/* Reads a <category> of an item: categories and tags become tags.  WXR
 * 1.0 writes tags in the domain "tag" and categories also without a
 * domain; other taxonomies, such as post formats, are left out. */
static apr_status_t item_category(wxr_item_t *item, wxr_reader_t *wr,
                                  char **error, apr_pool_t *pool)
{
    xmlChar *domain = xmlTextReaderGetAttribute(wr->reader,
                                                BAD_CAST "domain");
    int is_tag = domain == NULL
                 || strcmp((const char *)domain, "category") == 0
                 || strcmp((const char *)domain, "post_tag") == 0
                 || strcmp((const char *)domain, "tag") == 0;
    const char *name;
    apr_status_t rv;
    int i;

    xmlFree(domain);
    rv = item_field(&name, item, "category", wr, FIELD_MAX, error, pool);
    if (rv != APR_SUCCESS || !is_tag || *name == '\0')
        return rv;
    for (i = 0; i < item->tags->nelts; i++) {
        if (strcmp(APR_ARRAY_IDX(item->tags, i, const char *), name) == 0)
            return APR_SUCCESS;
    }
    APR_ARRAY_PUSH(item->tags, const char *) = name;
    return APR_SUCCESS;
}

/* Reads a <wp:postmeta>, keeping the keys in meta_keys. */
static apr_status_t item_postmeta(wxr_item_t *item, wxr_reader_t *wr,
                                  char **error, apr_pool_t *pool)
{
    int depth = xmlTextReaderDepth(wr->reader);
    const char *key = NULL, *value = NULL;
    apr_status_t rv;
    int i, over = 0, done = 0;

    if (xmlTextReaderIsEmptyElement(wr->reader))
        return APR_SUCCESS;
    for (;;) {
        rv = child_next(wr, depth, &done, error);
        if (rv != APR_SUCCESS)
            return rv;
        if (done)
            break;
        if (element_is(wr, "wp", "meta_key"))
            rv = element_text(&key, &over, wr, 256, error, pool);
        else if (element_is(wr, "wp", "meta_value"))
            rv = element_text(&value, &over, wr, FIELD_MAX, error, pool);
        else
            rv = element_skip(wr, error);
        if (rv != APR_SUCCESS)
            return rv;
    }
    for (i = 0; key != NULL && value != NULL && !over && meta_keys[i]; i++) {
        if (strcmp(key, meta_keys[i]) == 0)
            apr_table_addn(item->meta, meta_keys[i], value);
    }
    return APR_SUCCESS;
}

/* The simple text fields of an item: namespace, name and where each
 * goes. */
typedef struct item_field_rule {
    const char *ns;
    const char *name;
    apr_size_t offset;
} item_field_rule_t;

static const item_field_rule_t item_fields[] = {
    { NULL, "title", offsetof(wxr_item_t, title) },
    { NULL, "link", offsetof(wxr_item_t, link) },
    { NULL, "pubDate", offsetof(wxr_item_t, pub_date) },
    { NS_DC, "creator", offsetof(wxr_item_t, creator) },
    { "excerpt", "encoded", offsetof(wxr_item_t, excerpt) },
    { "wp", "post_id", offsetof(wxr_item_t, post_id) },
    { "wp", "post_date", offsetof(wxr_item_t, post_date) },
    { "wp", "post_date_gmt", offsetof(wxr_item_t, post_date_gmt) },
    { "wp", "post_name", offsetof(wxr_item_t, post_name) },
    { "wp", "status", offsetof(wxr_item_t, status) },
    { "wp", "post_type", offsetof(wxr_item_t, post_type) },
    { "wp", "post_password", offsetof(wxr_item_t, post_password) },
    { "wp", "attachment_url", offsetof(wxr_item_t, attachment_url) },
    { NULL, NULL, 0 }
};

/* Reads one child element of an item. */
static apr_status_t item_child(wxr_item_t *item, wxr_reader_t *wr,
                               char **error, apr_pool_t *pool)
{
    const char *name = (const char *)xmlTextReaderConstLocalName(wr->reader);
    int i;

    if (element_is(wr, NS_CONTENT, "encoded"))
        return item_field(&item->content, item, "content:encoded", wr,
                          wr->run->options->limits.max_source_bytes, error,
                          pool);
    if (element_is(wr, NULL, "category"))
        return item_category(item, wr, error, pool);
    if (element_is(wr, "wp", "postmeta"))
        return item_postmeta(item, wr, error, pool);
    for (i = 0; item_fields[i].name != NULL; i++) {
        if (element_is(wr, item_fields[i].ns, item_fields[i].name))
            return item_field((const char **)((char *)item
                                              + item_fields[i].offset),
                              item, name, wr, FIELD_MAX, error, pool);
    }
    return element_skip(wr, error);
}

/* Reads the <item> the reader is on into *item. */
static apr_status_t item_read(wxr_item_t *item, wxr_reader_t *wr,
                              char **error, apr_pool_t *pool)
{
    int depth = xmlTextReaderDepth(wr->reader), done = 0;
    apr_status_t rv;

    memset(item, 0, sizeof(*item));
    item->title = item->link = item->pub_date = item->creator = "";
    item->content = item->excerpt = item->post_id = item->post_date = "";
    item->post_date_gmt = item->post_name = item->status = "";
    item->post_type = item->post_password = item->attachment_url = "";
    item->tags = apr_array_make(pool, 8, sizeof(const char *));
    item->meta = apr_table_make(pool, 4);
    if (xmlTextReaderIsEmptyElement(wr->reader))
        return APR_SUCCESS;
    for (;;) {
        rv = child_next(wr, depth, &done, error);
        if (rv != APR_SUCCESS || done)
            return rv;
        rv = item_child(item, wr, error, pool);
        if (rv != APR_SUCCESS)
            return rv;
    }
}

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
        rv = child_next(wr, depth, &done, error);
        if (rv != APR_SUCCESS)
            return rv;
        if (done)
            break;
        if (element_is(wr, "wp", "author_login"))
            rv = element_text(&author.slug, &over, wr, 1024, error, pool);
        else if (element_is(wr, "wp", "author_display_name"))
            rv = element_text(&author.name, &over, wr, 1024, error, pool);
        else if (element_is(wr, "wp", "author_email"))
            rv = element_text(&author.email, &over, wr, 1024, error, pool);
        else if (element_is(wr, "wp", "author_description"))
            rv = element_text(&author.bio, &over, wr, FIELD_MAX, error,
                              pool);
        else
            rv = element_skip(wr, error);
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

/* Checks the root element: <rss> declaring a WordPress export
 * namespace. */
static apr_status_t root_check(wxr_reader_t *wr, char **error)
{
    int found = 0;

    if (!element_is(wr, NULL, "rss"))
        return wxr_fail(wr, error, "not a WordPress export: the root "
                        "element is not <rss>");
    while (xmlTextReaderMoveToNextAttribute(wr->reader) == 1) {
        const char *value = (const char *)xmlTextReaderConstValue(wr->reader);

        if (!xmlTextReaderIsNamespaceDecl(wr->reader))
            continue;
        if (wp_namespace(value, ""))
            found = 1;
        else if (wp_namespace_fake(value))
            return wxr_fail(wr, error, apr_psprintf(wr->run->pool,
                "namespace '%s' is not WordPress's export namespace "
                "(http://wordpress.org/export/1.2/); the file only pretends "
                "to be a WordPress export", value));
    }
    xmlTextReaderMoveToElement(wr->reader);
    if (!found)
        return wxr_fail(wr, error, "not a WordPress export: <rss> declares "
                        "no WordPress export namespace "
                        "(http://wordpress.org/export/1.2/)");
    return APR_SUCCESS;
}

/* Reads one child of <channel>. */
static apr_status_t channel_child(wxr_reader_t *wr, char **error,
                                  apr_pool_t *pool)
{
    const char *text;
    apr_status_t rv;
    int over = 0;

    if (element_is(wr, NULL, "item")) {
        wxr_item_t item;

        rv = item_read(&item, wr, error, pool);
        return rv == APR_SUCCESS ? item_handle(wr, &item, error, pool) : rv;
    }
    if (element_is(wr, "wp", "author"))
        return author_read(wr, error, pool);
    if (element_is(wr, NULL, "generator")) {
        rv = element_text(&text, &over, wr, 256, error, pool);
        if (rv == APR_SUCCESS && strcmp(text, WK_EXPORT_GENERATOR) == 0)
            site_writekit_set(wr->site);
        return rv;
    }
    if (element_is(wr, "wp", "wxr_version")) {
        rv = element_text(&text, &over, wr, 64, error, pool);
        if (rv == APR_SUCCESS && strcmp(text, "1.0") != 0
            && strcmp(text, "1.1") != 0 && strcmp(text, "1.2") != 0)
            return wxr_fail(wr, error, apr_psprintf(pool, "unsupported WXR "
                            "version '%s'; expected 1.0, 1.1 or 1.2", text));
        return rv;
    }
    if (element_is(wr, "wp", "base_blog_url")
        || (element_is(wr, NULL, "link") && wr->site->base_url == NULL)) {
        rv = element_text(&text, &over, wr, 2048, error, pool);
        if (rv == APR_SUCCESS && !over)
            site_base_set(wr->site, apr_pstrdup(wr->run->pool, text),
                          wr->run->pool);
        return rv;
    }
    return element_skip(wr, error);
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
            rv = wxr_fail(wr, error, "the file has a DOCTYPE or an entity "
                          "reference, which WordPress exports never have; "
                          "they are rejected to prevent entity expansion "
                          "attacks");
        else if (type != XML_READER_TYPE_ELEMENT)
            continue;
        else if (depth == 0)
            rv = root_check(wr, error);
        else if (depth == 1 && !element_is(wr, NULL, "channel"))
            rv = element_skip(wr, error);
        else if (depth == 2) {
            rv = channel_child(wr, error, item_pool);
            apr_pool_clear(item_pool);
        }
    }
    apr_pool_destroy(item_pool);
    if (rv == APR_SUCCESS && ret != 0)
        rv = wxr_read_error(wr, error);
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
    xmlTextReaderSetStructuredErrorHandler(wr->reader, parse_error_capture,
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
