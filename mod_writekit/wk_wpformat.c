/*
 * wk_wpformat.c: paragraphs and captions for classic WordPress content.
 *
 * wk_wp_autop() splits the text into segments (text, tags, and elements
 * kept whole such as <pre>) and then into chunks.  A chunk ends at a
 * blank line, before every block start tag and after every block end
 * tag, so it is at most one block start tag, inline content, and one
 * block end tag.  That is the shape wpautop() gives its paragraphs, and
 * it lets each chunk decide alone whether it needs <p>.
 */
#include <string.h>

#include <apr_lib.h>

#include "wk_wpformat.h"

/* The elements wpautop() never puts inside a paragraph. */
static const char block_elements[] =
    " table thead tfoot caption col colgroup tbody tr td th div dl dd dt"
    " ul ol li pre form map area blockquote address style p h1 h2 h3 h4"
    " h5 h6 hr fieldset legend section article aside hgroup header footer"
    " nav figure figcaption details menu summary ";

/* Elements copied whole, line breaks and all. */
static const char kept_elements[] = " pre script style svg math ";

typedef enum {
    SEGMENT_TEXT,
    SEGMENT_INLINE,      /* an inline tag or a comment */
    SEGMENT_BLOCK_START, /* also <hr> and whole <pre> or <style> */
    SEGMENT_BLOCK_END,
    SEGMENT_BREAK        /* a paragraph break: blank line or <br><br> */
} segment_kind_t;

typedef struct segment {
    segment_kind_t kind;
    const char *text;
    apr_size_t len;
    int is_br;           /* SEGMENT_INLINE that is <br> */
    int is_blockquote;   /* SEGMENT_BLOCK_START that is <blockquote> */
} segment_t;

static int word_in(const char *list, const char *word, apr_size_t len)
{
    const char *at = list;

    while ((at = strstr(at, word)) != NULL) {
        if (at > list && at[-1] == ' ' && at[len] == ' '
            && strncmp(at, word, len) == 0)
            return 1;
        at += 1;
    }
    return 0;
}

/* Returns whether name (len bytes, any case) is in list. */
static int name_in(const char *list, const char *name, apr_size_t len,
                   apr_pool_t *pool)
{
    char *lower;
    apr_size_t i;

    if (len == 0 || len > 16)
        return 0;
    lower = apr_pstrmemdup(pool, name, len);
    for (i = 0; i < len; i++)
        lower[i] = (char)apr_tolower((unsigned char)lower[i]);
    return word_in(list, lower, len);
}

int wk_wp_has_blocks(const char *text)
{
    return text != NULL && strstr(text, "<!-- wp:") != NULL;
}

/* Returns text with \r\n and \r as \n and the more and nextpage markers
 * removed. */
static char *text_normalize(const char *text, apr_pool_t *pool)
{
    apr_size_t len = strlen(text), i, out = 0;
    char *copy = apr_palloc(pool, len + 1);

    for (i = 0; i < len; i++) {
        if (text[i] == '\r') {
            copy[out++] = '\n';
            if (text[i + 1] == '\n')
                i++;
            continue;
        }
        if (text[i] == '<' && (strncmp(text + i, "<!--more", 8) == 0
                               || strncmp(text + i, "<!--nextpage-->", 15)
                                  == 0)) {
            const char *end = strstr(text + i, "-->");

            if (end != NULL) {
                i = (apr_size_t)(end - text) + 2;
                continue;
            }
        }
        copy[out++] = text[i];
    }
    copy[out] = '\0';
    return copy;
}

/* Returns the length of the tag or comment at text[0] == '<', or 0 when
 * it is not one (a lone '<' is text).  Quoted values may hold '>'.  A
 * tag that never ends runs to the end of text, so no scan is repeated
 * and the whole split stays linear in the text's length. */
static apr_size_t tag_length(const char *text)
{
    const char *p = text + 1;
    char quote = 0;

    if (strncmp(text, "<!--", 4) == 0) {
        const char *end = strstr(text + 4, "-->");

        return end ? (apr_size_t)(end - text) + 3 : strlen(text);
    }
    if (!apr_isalpha((unsigned char)*p) && *p != '/' && *p != '!')
        return 0;
    for (; *p != '\0'; p++) {
        if (quote) {
            if (*p == quote)
                quote = 0;
        }
        else if (*p == '"' || *p == '\'')
            quote = *p;
        else if (*p == '>')
            return (apr_size_t)(p - text) + 1;
    }
    return (apr_size_t)(p - text);
}

/* Returns the tag's element name and its length. */
static const char *tag_name(const char *tag, apr_size_t *len)
{
    const char *start = tag + 1 + (tag[1] == '/');
    const char *end = start;

    while (apr_isalnum((unsigned char)*end))
        end++;
    *len = (apr_size_t)(end - start);
    return start;
}

/* Returns the length of the element that starts at text with the start
 * tag of name, up to its end tag, or to the end of text when it has
 * none. */
static apr_size_t element_length(const char *text, const char *name,
                                 apr_size_t name_len)
{
    const char *p = text;

    while ((p = strchr(p + 1, '<')) != NULL) {
        if (p[1] == '/' && strncasecmp(p + 2, name, name_len) == 0
            && !apr_isalnum((unsigned char)p[2 + name_len])) {
            const char *end = strchr(p, '>');

            return end ? (apr_size_t)(end - text) + 1 : strlen(text);
        }
    }
    return strlen(text);
}

static void segment_add(apr_array_header_t *segments, segment_kind_t kind,
                        const char *text, apr_size_t len)
{
    segment_t *segment = apr_array_push(segments);

    memset(segment, 0, sizeof(*segment));
    segment->kind = kind;
    segment->text = text;
    segment->len = len;
}

/* Adds text, with a SEGMENT_BREAK for each blank line in it. */
static void text_add(apr_array_header_t *segments, const char *text,
                     apr_size_t len)
{
    apr_size_t start = 0, i;

    for (i = 0; i < len; i++) {
        apr_size_t j = i + 1;

        if (text[i] != '\n')
            continue;
        while (j < len && (text[j] == ' ' || text[j] == '\t'))
            j++;
        if (j >= len || text[j] != '\n')
            continue;
        if (i > start)
            segment_add(segments, SEGMENT_TEXT, text + start, i - start);
        segment_add(segments, SEGMENT_BREAK, "", 0);
        while (j < len && (text[j] == '\n' || text[j] == ' '
                           || text[j] == '\t'))
            j++;
        start = j;
        i = j - 1;
    }
    if (len > start)
        segment_add(segments, SEGMENT_TEXT, text + start, len - start);
}

/* Adds the tag or kept element at text; returns its length. */
static apr_size_t markup_add(apr_array_header_t *segments, const char *text,
                             apr_size_t len, apr_pool_t *pool)
{
    apr_size_t name_len;
    const char *name = tag_name(text, &name_len);
    int is_end = text[1] == '/';
    segment_t *segment;

    if (text[1] == '!') {
        segment_add(segments, SEGMENT_INLINE, text, len);
        return len;
    }
    if (!is_end && name_in(kept_elements, name, name_len, pool)) {
        int is_block = name_in(block_elements, name, name_len, pool);

        len = element_length(text, name, name_len);
        segment_add(segments, is_block ? SEGMENT_BLOCK_START : SEGMENT_INLINE,
                    text, len);
        /* A whole <pre> or <style> is its own chunk. */
        if (is_block)
            segment_add(segments, SEGMENT_BREAK, "", 0);
        return len;
    }
    if (!name_in(block_elements, name, name_len, pool)) {
        segment_add(segments, SEGMENT_INLINE, text, len);
        segment = &APR_ARRAY_IDX(segments, segments->nelts - 1, segment_t);
        segment->is_br = !is_end && name_len == 2
                         && strncasecmp(name, "br", 2) == 0;
        return len;
    }
    segment_add(segments, is_end ? SEGMENT_BLOCK_END : SEGMENT_BLOCK_START,
                text, len);
    segment = &APR_ARRAY_IDX(segments, segments->nelts - 1, segment_t);
    segment->is_blockquote = !is_end && name_len == 10
                             && strncasecmp(name, "blockquote", 10) == 0;
    /* <hr> has no end tag, so it ends its chunk at once. */
    if (name_len == 2 && strncasecmp(name, "hr", 2) == 0)
        segment_add(segments, SEGMENT_BREAK, "", 0);
    return len;
}

/* Splits text into segments; two <br> with only spaces between them are
 * a paragraph break, as in wpautop(). */
static apr_array_header_t *segments_split(const char *text, apr_pool_t *pool)
{
    apr_array_header_t *segments = apr_array_make(pool, 64,
                                                  sizeof(segment_t));
    const char *p = text;

    while (*p != '\0') {
        const char *lt = strchr(p, '<');
        apr_size_t len;

        while (lt != NULL && tag_length(lt) == 0)
            lt = strchr(lt + 1, '<');
        if (lt == NULL) {
            text_add(segments, p, strlen(p));
            break;
        }
        text_add(segments, p, (apr_size_t)(lt - p));
        len = markup_add(segments, lt, tag_length(lt), pool);
        p = lt + len;
    }
    return segments;
}

/* Merges <br> (spaces) <br> into one paragraph break. */
static void double_breaks_merge(apr_array_header_t *segments)
{
    segment_t *all = (segment_t *)segments->elts;
    int i, j;

    for (i = 0; i < segments->nelts; i++) {
        if (!all[i].is_br)
            continue;
        j = i + 1;
        if (j < segments->nelts && all[j].kind == SEGMENT_TEXT
            && strspn(all[j].text, " \t\n") >= all[j].len)
            j++;
        if (j < segments->nelts && all[j].is_br) {
            all[i].kind = SEGMENT_BREAK;
            all[i].is_br = 0;
            for (i++; i <= j; i++) {
                all[i].kind = SEGMENT_TEXT;
                all[i].is_br = 0;
                all[i].len = 0;
            }
            i--;
        }
    }
}

/* Writes the inline segments [from, to) with each line break not after a
 * <br> turned into <br />, and with the spaces at both ends trimmed. */
static void inline_write(wk_buf_t *out, const segment_t *all, int from,
                         int to, apr_pool_t *pool)
{
    wk_buf_t *body = wk_buf_make(pool, 256);
    apr_size_t start = 0, end;
    int i, after_br = 0;

    for (i = from; i < to; i++) {
        apr_size_t k;

        if (all[i].kind != SEGMENT_TEXT) {
            wk_buf_append(body, all[i].text, all[i].len);
            after_br = all[i].is_br;
            continue;
        }
        for (k = 0; k < all[i].len; k++) {
            char c = all[i].text[k];

            /* Space before the first content is trimmed below, so a line
             * break there makes no <br />. */
            if (body->len == 0 && (c == ' ' || c == '\t' || c == '\n'))
                continue;
            if (c == '\n' && !after_br) {
                while (body->len > 0 && (body->data[body->len - 1] == ' '
                                         || body->data[body->len - 1]
                                            == '\t'))
                    body->len--;
                wk_buf_puts(body, "<br />\n");
                continue;
            }
            wk_buf_append(body, &c, 1);
            if (c != ' ' && c != '\t' && c != '\n')
                after_br = 0;
        }
    }

    /* A <br /> made from the first or last line break goes with the
     * trimmed space, as wpautop() drops it next to block tags. */
    end = body->len;
    while (start < end && strchr(" \t\n", body->data[start]) != NULL)
        start++;
    while (end > start && strchr(" \t\n", body->data[end - 1]) != NULL)
        end--;
    while (end - start >= 6
           && strncmp(body->data + end - 6, "<br />", 6) == 0) {
        end -= 6;
        while (end > start && strchr(" \t\n", body->data[end - 1]) != NULL)
            end--;
    }
    wk_buf_append(out, body->data + start, end - start);
}

/* Returns whether the segments [from, to) hold more than white space. */
static int has_content(const segment_t *all, int from, int to)
{
    int i;

    for (i = from; i < to; i++) {
        if (all[i].kind != SEGMENT_TEXT || strspn(all[i].text, " \t\n")
                                           < all[i].len)
            return 1;
    }
    return 0;
}

/* Writes one chunk: [block start] inline content [block end]. */
static void chunk_write(wk_buf_t *out, const segment_t *all, int from,
                        int to, apr_pool_t *pool)
{
    const segment_t *start = NULL, *end = NULL;
    int wrap;

    if (from < to && all[from].kind == SEGMENT_BLOCK_START)
        start = &all[from++];
    if (to > from && all[to - 1].kind == SEGMENT_BLOCK_END)
        end = &all[--to];
    if (start == NULL && end == NULL && !has_content(all, from, to))
        return;

    /* Text right inside a blockquote gets its own paragraph; text right
     * inside another block element stays bare, as in wpautop(). */
    wrap = has_content(all, from, to)
           && (start == NULL || start->is_blockquote);
    if (start != NULL)
        wk_buf_append(out, start->text, start->len);
    if (wrap)
        wk_buf_puts(out, "<p>");
    inline_write(out, all, from, to, pool);
    if (wrap)
        wk_buf_puts(out, "</p>");
    if (end != NULL)
        wk_buf_append(out, end->text, end->len);
    wk_buf_puts(out, "\n");
}

const char *wk_wp_autop(const char *text, apr_pool_t *pool)
{
    apr_array_header_t *segments;
    const segment_t *all;
    wk_buf_t *out;
    int i, from = 0;

    if (text == NULL)
        return "";
    segments = segments_split(text_normalize(text, pool), pool);
    double_breaks_merge(segments);
    all = (const segment_t *)segments->elts;
    out = wk_buf_make(pool, strlen(text) + strlen(text) / 4 + 64);

    for (i = 0; i <= segments->nelts; i++) {
        int boundary_before = i == segments->nelts
                              || all[i].kind == SEGMENT_BREAK
                              || all[i].kind == SEGMENT_BLOCK_START;

        if (boundary_before) {
            chunk_write(out, all, from, i, pool);
            from = i < segments->nelts && all[i].kind == SEGMENT_BREAK
                   ? i + 1 : i;
            continue;
        }
        if (all[i].kind == SEGMENT_BLOCK_END) {
            chunk_write(out, all, from, i + 1, pool);
            from = i + 1;
        }
    }
    return apr_pstrmemdup(pool, out->data, out->len);
}

/* ---------------------------------------------------------------------- */
/* Shortcodes                                                             */
/* ---------------------------------------------------------------------- */

/* Returns the value of attribute name in a shortcode's attribute text,
 * quoted with " or ' or bare, or NULL. */
static const char *shortcode_attribute(const char *attributes,
                                       const char *name, apr_pool_t *pool)
{
    apr_size_t len = strlen(name);
    const char *p = attributes;

    while ((p = strstr(p, name)) != NULL) {
        const char *value;
        char quote;

        if ((p > attributes && !apr_isspace((unsigned char)p[-1]))
            || p[len] != '=') {
            p += len;
            continue;
        }
        value = p + len + 1;
        quote = *value == '"' || *value == '\'' ? *value : 0;
        if (quote) {
            const char *end = strchr(value + 1, quote);

            return end ? apr_pstrmemdup(pool, value + 1,
                                        (apr_size_t)(end - value - 1))
                       : NULL;
        }
        return apr_pstrmemdup(pool, value, strcspn(value, " \t\n]"));
    }
    return NULL;
}

/* Returns the length of the image part at the start of content: an
 * <img>, optionally inside <a>...</a>, or 0 when there is none. */
static apr_size_t caption_image_length(const char *content)
{
    const char *p = content + strspn(content, " \t\n");
    const char *end;

    if (strncasecmp(p, "<a ", 3) == 0) {
        end = strchr(p, '>');
        if (end == NULL)
            return 0;
        p = end + 1;
        p += strspn(p, " \t\n");
    }
    if (strncasecmp(p, "<img ", 5) != 0 || (end = strchr(p, '>')) == NULL)
        return 0;
    p = end + 1;
    if (strncasecmp(p + strspn(p, " \t\n"), "</a>", 4) == 0)
        p += strspn(p, " \t\n") + 4;
    return (apr_size_t)(p - content);
}

/* Writes one caption shortcode as a figure; attributes and content are
 * the text inside [caption ...] and before [/caption]. */
static void caption_write(wk_buf_t *out, const char *attributes,
                          const char *content, apr_pool_t *pool)
{
    const char *id = shortcode_attribute(attributes, "id", pool);
    const char *align = shortcode_attribute(attributes, "align", pool);
    const char *text = shortcode_attribute(attributes, "caption", pool);
    apr_size_t image_len = caption_image_length(content);

    wk_buf_puts(out, "<figure");
    if (id != NULL && *id != '\0') {
        wk_buf_puts(out, " id=\"");
        wk_buf_append_escaped(out, id, strlen(id));
        wk_buf_puts(out, "\"");
    }
    wk_buf_puts(out, " class=\"wp-caption");
    if (align != NULL && *align != '\0') {
        wk_buf_puts(out, " ");
        wk_buf_append_escaped(out, align, strlen(align));
    }
    wk_buf_puts(out, "\">");
    wk_buf_append(out, content, image_len);
    if (text == NULL)
        text = apr_pstrdup(pool, content + image_len);
    text += strspn(text, " \t\n");
    if (*text != '\0')
        wk_buf_printf(out, "<figcaption class=\"wp-caption-text\">%s"
                      "</figcaption>", text);
    wk_buf_puts(out, "</figure>");
}

/* Returns the first opener (such as "[caption") in text that a space or
 * ']' follows, or NULL. */
static const char *shortcode_find(const char *text, const char *opener)
{
    apr_size_t len = strlen(opener);
    const char *at = text;

    while ((at = strstr(at, opener)) != NULL) {
        if (at[len] == ' ' || at[len] == ']')
            return at;
        at += len;
    }
    return NULL;
}

const char *wk_wp_captions(const char *text, apr_pool_t *pool)
{
    static const char *const openers[] = { "[caption", "[wp_caption", NULL };
    static const char *const closers[] = { "[/caption]", "[/wp_caption]",
                                           NULL };
    wk_buf_t *out;
    const char *p;
    int i;

    if (text == NULL || strstr(text, "caption") == NULL)
        return text;
    out = wk_buf_make(pool, strlen(text) + 256);
    p = text;
    while (*p != '\0') {
        const char *open = NULL, *attributes_end, *close;

        for (i = 0; openers[i] != NULL; i++) {
            open = shortcode_find(p, openers[i]);
            if (open != NULL)
                break;
        }
        if (open == NULL || (attributes_end = strchr(open, ']')) == NULL
            || (close = strstr(attributes_end, closers[i])) == NULL) {
            wk_buf_puts(out, p);
            break;
        }
        wk_buf_append(out, p, (apr_size_t)(open - p));
        caption_write(out,
                      apr_pstrmemdup(pool, open + strlen(openers[i]),
                                     (apr_size_t)(attributes_end - open
                                                  - strlen(openers[i]))),
                      apr_pstrmemdup(pool, attributes_end + 1,
                                     (apr_size_t)(close - attributes_end
                                                  - 1)),
                      pool);
        p = close + strlen(closers[i]);
    }
    return apr_pstrmemdup(pool, out->data, out->len);
}

apr_array_header_t *wk_wp_shortcodes(const char *text, apr_pool_t *pool)
{
    static const char *const names[] = {
        "gallery", "embed", "audio", "video", "playlist", NULL
    };
    apr_array_header_t *found = apr_array_make(pool, 2, sizeof(char *));
    int i;

    for (i = 0; text != NULL && names[i] != NULL; i++) {
        if (shortcode_find(text, apr_pstrcat(pool, "[", names[i], NULL)))
            APR_ARRAY_PUSH(found, const char *) = names[i];
    }
    return found;
}
