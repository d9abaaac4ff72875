/*
 * wk_wpformat.h: WordPress post content turned into the HTML WordPress
 * shows for it, so an imported post reads as it did on the old site.
 *
 * Classic content (written before the block editor) is stored without
 * paragraph tags: WordPress adds them on every view with its wpautop()
 * filter, and turns the [caption] shortcode into a figure.  Block editor
 * content already carries its own tags, and WordPress leaves it alone.
 * These functions do not sanitize, so their output still goes through
 * wk_html_sanitize().
 */
#ifndef WK_WPFORMAT_H
#define WK_WPFORMAT_H

#include "wk_core.h"

/* Returns 1 when text was written in the block editor, which marks each
 * block with a "<!-- wp:" comment. */
int wk_wp_has_blocks(const char *text);

/*
 * Returns text with paragraphs and line breaks as wpautop() adds them: a
 * blank line ends a paragraph, another line break becomes <br />, and
 * block elements (div, ul, table, h1, figure, ...) are never wrapped in
 * <p>.  <pre>, <script>, <style>, <svg> and <math> are left as they are.
 * The "<!--more-->" and "<!--nextpage-->" markers are removed.
 */
const char *wk_wp_autop(const char *text, apr_pool_t *pool);

/*
 * Replaces each [caption ...]IMAGE TEXT[/caption] shortcode with
 * <figure class="wp-caption ALIGN">IMAGE<figcaption>TEXT</figcaption>
 * </figure>, keeping its id.  The old form, with the text in a caption=""
 * attribute, is read too.  A shortcode without its closing tag is left
 * as it is.
 */
const char *wk_wp_captions(const char *text, apr_pool_t *pool);

/*
 * Returns the names of the WordPress core shortcodes other than caption
 * found in text ("gallery", "embed", "audio", "video", "playlist"),
 * without repeats, or an empty array.  They need data that an export
 * does not carry, so the import leaves them as text and reports them.
 */
apr_array_header_t *wk_wp_shortcodes(const char *text, apr_pool_t *pool);

#endif
