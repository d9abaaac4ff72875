/*
 * wk_ghost_render.h: HTML from the editor formats Ghost stores a post in,
 * for exports that carry no html field: mobiledoc (Ghost 1 to 4) and
 * lexical (Ghost 5).
 *
 * The output is not safe to serve: it keeps the HTML of html and embed
 * cards and of markdown cards rendered with raw HTML, so it must go
 * through wk_html_sanitize() like any imported HTML.
 */
#ifndef WK_GHOST_RENDER_H
#define WK_GHOST_RENDER_H

#include <json-c/json.h>

#include "wk_markdown.h"

/* Returns object's member key, or NULL when object is no object or has
 * no such member. */
struct json_object *wk_ghost_member(struct json_object *object,
                                    const char *key);

/* Returns a string or whole-number member as text, "" for anything else;
 * Ghost's ids are strings in new exports and numbers in old ones. */
const char *wk_ghost_text(struct json_object *object, const char *key);

/*
 * Renders a mobiledoc document (JSON text) to HTML: its markup, list and
 * image sections, and the cards markdown, html, image, code, hr, embed,
 * bookmark, gallery, button, callout, toggle, video, audio and file.  A
 * card of another kind is left out and named in notes (of const char *).
 * Markdown cards are rendered under limits.  Returns WK_EINVAL with
 * *error for JSON that is not a mobiledoc document, or the render's
 * error.
 */
apr_status_t wk_ghost_mobiledoc_html(const char **html, const char *mobiledoc,
                                     const wk_render_limits_t *limits,
                                     apr_array_header_t *notes, char **error,
                                     apr_pool_t *pool);

/*
 * Renders a lexical document (JSON text) to HTML: paragraphs, headings,
 * quotes, lists, links, text formats and line breaks, and the cards of
 * mobiledoc above.  Nodes of another type are left out and named in
 * notes.  Errors as for wk_ghost_mobiledoc_html().
 */
apr_status_t wk_ghost_lexical_html(const char **html, const char *lexical,
                                   const wk_render_limits_t *limits,
                                   apr_array_header_t *notes, char **error,
                                   apr_pool_t *pool);

#endif
