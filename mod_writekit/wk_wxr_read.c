/*
 * wk_wxr_read.c: the streaming reader of WordPress exports (WXR 1.0, 1.1
 * and 1.2): namespaces, errors with their line, and items with the
 * fields an import reads.
 */
#include <stddef.h>
#include <string.h>

#include <apr_lib.h>

#include "wk_export.h"
#include "wk_wxr_read.h"

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
void wk_wxr_error_capture(void *baton, xmlErrorPtr error)
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
apr_status_t wk_wxr_fail(wxr_reader_t *wr, char **error,
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
apr_status_t wk_wxr_read_error(wxr_reader_t *wr, char **error)
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
apr_status_t wk_wxr_next(wxr_reader_t *wr, char **error)
{
    int ret = xmlTextReaderRead(wr->reader);
    int type;

    if (ret != 1)
        return wk_wxr_read_error(wr, error);
    type = xmlTextReaderNodeType(wr->reader);
    if (type == XML_READER_TYPE_DOCUMENT_TYPE)
        return wk_wxr_fail(wr, error, "the file has a DOCTYPE, which WordPress "
                        "exports never have; entity declarations are "
                        "rejected to prevent entity expansion attacks");
    if (type == XML_READER_TYPE_ENTITY_REFERENCE)
        return wk_wxr_fail(wr, error, "entity references are not allowed");
    if (type == XML_READER_TYPE_ELEMENT) {
        const char *uri = (const char *)xmlTextReaderConstNamespaceUri(
                              wr->reader);

        if (wp_namespace_fake(uri))
            return wk_wxr_fail(wr, error, apr_psprintf(wr->run->pool,
                "namespace '%s' is not WordPress's export namespace "
                "(http://wordpress.org/export/1.2/); the file only pretends "
                "to be a WordPress export", uri));
    }
    return APR_SUCCESS;
}

/* Returns whether the reader is on the element name in namespace uri:
 * NULL for none, "wp" for WordPress's export namespace and "excerpt" for
 * its excerpt namespace, of any WXR version. */
int wk_wxr_element_is(wxr_reader_t *wr, const char *uri, const char *name)
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
apr_status_t wk_wxr_element_skip(wxr_reader_t *wr, char **error)
{
    int depth = xmlTextReaderDepth(wr->reader);
    apr_status_t rv;

    if (xmlTextReaderIsEmptyElement(wr->reader))
        return APR_SUCCESS;
    do {
        rv = wk_wxr_next(wr, error);
        if (rv != APR_SUCCESS)
            return rv;
    } while (!(xmlTextReaderNodeType(wr->reader)
               == XML_READER_TYPE_END_ELEMENT
               && xmlTextReaderDepth(wr->reader) == depth));
    return APR_SUCCESS;
}

/* Moves to the next child element of the element at depth, or sets *done
 * on reaching that element's end tag. */
apr_status_t wk_wxr_child_next(wxr_reader_t *wr, int depth, int *done,
                               char **error)
{
    apr_status_t rv;

    *done = 0;
    for (;;) {
        int type;

        rv = wk_wxr_next(wr, error);
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
apr_status_t wk_wxr_element_text(const char **text, int *over,
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

        rv = wk_wxr_next(wr, error);
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
    apr_status_t rv = wk_wxr_element_text(field, &over, wr, max, error, pool);

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
        rv = wk_wxr_child_next(wr, depth, &done, error);
        if (rv != APR_SUCCESS)
            return rv;
        if (done)
            break;
        if (wk_wxr_element_is(wr, "wp", "meta_key"))
            rv = wk_wxr_element_text(&key, &over, wr, 256, error, pool);
        else if (wk_wxr_element_is(wr, "wp", "meta_value"))
            rv = wk_wxr_element_text(&value, &over, wr, FIELD_MAX, error, pool);
        else
            rv = wk_wxr_element_skip(wr, error);
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

    if (wk_wxr_element_is(wr, NS_CONTENT, "encoded"))
        return item_field(&item->content, item, "content:encoded", wr,
                          wr->run->options->limits.max_source_bytes, error,
                          pool);
    if (wk_wxr_element_is(wr, NULL, "category"))
        return item_category(item, wr, error, pool);
    if (wk_wxr_element_is(wr, "wp", "postmeta"))
        return item_postmeta(item, wr, error, pool);
    for (i = 0; item_fields[i].name != NULL; i++) {
        if (wk_wxr_element_is(wr, item_fields[i].ns, item_fields[i].name))
            return item_field((const char **)((char *)item
                                              + item_fields[i].offset),
                              item, name, wr, FIELD_MAX, error, pool);
    }
    return wk_wxr_element_skip(wr, error);
}

/* Reads the <item> the reader is on into *item. */
apr_status_t wk_wxr_item_read(wxr_item_t *item, wxr_reader_t *wr,
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
        rv = wk_wxr_child_next(wr, depth, &done, error);
        if (rv != APR_SUCCESS || done)
            return rv;
        rv = item_child(item, wr, error, pool);
        if (rv != APR_SUCCESS)
            return rv;
    }
}

/* Checks the root element: <rss> declaring a WordPress export
 * namespace. */
apr_status_t wk_wxr_root_check(wxr_reader_t *wr, char **error)
{
    int found = 0;

    if (!wk_wxr_element_is(wr, NULL, "rss"))
        return wk_wxr_fail(wr, error, "not a WordPress export: the root "
                        "element is not <rss>");
    while (xmlTextReaderMoveToNextAttribute(wr->reader) == 1) {
        const char *value = (const char *)xmlTextReaderConstValue(wr->reader);

        if (!xmlTextReaderIsNamespaceDecl(wr->reader))
            continue;
        if (wp_namespace(value, ""))
            found = 1;
        else if (wp_namespace_fake(value))
            return wk_wxr_fail(wr, error, apr_psprintf(wr->run->pool,
                "namespace '%s' is not WordPress's export namespace "
                "(http://wordpress.org/export/1.2/); the file only pretends "
                "to be a WordPress export", value));
    }
    xmlTextReaderMoveToElement(wr->reader);
    if (!found)
        return wk_wxr_fail(wr, error, "not a WordPress export: <rss> declares "
                        "no WordPress export namespace "
                        "(http://wordpress.org/export/1.2/)");
    return APR_SUCCESS;
}
