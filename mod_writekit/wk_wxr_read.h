/*
 * wk_wxr_read.h: reading a WordPress export (WXR) as a stream with
 * libxml2's xmlTextReader, for wk_import_wxr.c.  Not part of the core's
 * interface.
 *
 * Every step of the reader goes through wk_wxr_next(), which rejects a
 * DOCTYPE, an entity reference and a namespace that imitates WordPress's
 * the moment it meets one.  Texts are read with a size limit, so no
 * element of any size costs more memory than its limit.
 */
#ifndef WK_WXR_READ_H
#define WK_WXR_READ_H

#include <libxml/xmlreader.h>

#include "wk_import_run.h"

#define NS_CONTENT "http://purl.org/rss/1.0/modules/content/"
#define NS_DC      "http://purl.org/dc/elements/1.1/"

/* Largest value of a field other than a post's content. */
#define FIELD_MAX (64 * 1024)

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
    apr_table_t *meta;          /* the postmeta keys wk_wxr_item_read()
                                   keeps; a redirect key may repeat */
    const char *too_large;      /* the first field over its limit */
} wxr_item_t;

/* The streaming reader of one pass. */
typedef struct wxr_reader {
    xmlTextReaderPtr reader;
    wk_import_run_t *run;
    struct wxr_site *site;     /* what the import collects */
    const char *path;
    int second_pass;
    char *parse_error;          /* libxml2's first error message */
    int parse_error_line;
    int parse_error_encoding;   /* the error is about the bytes' encoding */
    int root_closed;            /* the end tag of <rss> was read */
} wxr_reader_t;

/* Keeps libxml2's first error of the reader; baton is the wxr_reader_t. */
void wk_wxr_error_capture(void *baton, xmlErrorPtr error);

/* Sets *error to "PATH: line N: REASON" and returns WK_EINVAL. */
apr_status_t wk_wxr_fail(wxr_reader_t *wr, char **error, const char *reason);

/* Turns a reader result below 1 into an error naming libxml2's reason. */
apr_status_t wk_wxr_read_error(wxr_reader_t *wr, char **error);

/* Advances the reader; fails on a parse error, the end of the file, a
 * DOCTYPE, an entity reference or a namespace that fakes WordPress's. */
apr_status_t wk_wxr_next(wxr_reader_t *wr, char **error);

/* Returns whether the reader is on the element name in namespace uri:
 * NULL for none, "wp" for WordPress's export namespace and "excerpt" for
 * its excerpt namespace, of any WXR version. */
int wk_wxr_element_is(wxr_reader_t *wr, const char *uri, const char *name);

/* Skips the element the reader is on with everything inside it. */
apr_status_t wk_wxr_element_skip(wxr_reader_t *wr, char **error);

/* Moves to the next child element of the element at depth, or sets *done
 * on reaching that element's end tag. */
apr_status_t wk_wxr_child_next(wxr_reader_t *wr, int depth, int *done,
                               char **error);

/* Reads the text of the element the reader is on, trimmed, and leaves the
 * reader on its end tag.  Text past max bytes is dropped, with *over
 * set. */
apr_status_t wk_wxr_element_text(const char **text, int *over,
                                 wxr_reader_t *wr, apr_size_t max,
                                 char **error, apr_pool_t *pool);

/* Reads the <item> the reader is on into *item, on pool. */
apr_status_t wk_wxr_item_read(wxr_item_t *item, wxr_reader_t *wr,
                              char **error, apr_pool_t *pool);

/* Checks the root element: <rss> declaring a WordPress export
 * namespace, and none that imitates it. */
apr_status_t wk_wxr_root_check(wxr_reader_t *wr, char **error);

#endif
