/*
 * wk_ghost_render.c: mobiledoc and lexical documents from Ghost exports
 * turned into HTML.
 *
 * Both formats are JSON trees of sections or nodes with "cards" for
 * rich content (images, code, embeds, markdown).  Cards mean the same in
 * both, so one function renders them.  A document nested deeper than
 * MAX_DEPTH is rejected by the JSON parser, which bounds the recursion.
 */
#include <string.h>

#include <json-c/json.h>

#include "wk_ghost_render.h"

#define MAX_DEPTH 64

/* One render: where the HTML goes, and the notes for the caller. */
typedef struct ghost_render {
    wk_buf_t *out;
    const wk_render_limits_t *limits;
    apr_array_header_t *notes;
    apr_status_t failure;        /* a markdown card that failed */
    char *error;
    apr_pool_t *pool;
} ghost_render_t;

struct json_object *wk_ghost_member(struct json_object *object,
                                    const char *key)
{
    struct json_object *value = NULL;

    if (object == NULL || !json_object_is_type(object, json_type_object))
        return NULL;
    json_object_object_get_ex(object, key, &value);
    return value;
}

const char *wk_ghost_text(struct json_object *object, const char *key)
{
    struct json_object *value = wk_ghost_member(object, key);

    switch (json_object_get_type(value)) {
    case json_type_string:
    case json_type_int:
        return json_object_get_string(value);
    default:
        return "";
    }
}

static void text_write(ghost_render_t *render, const char *text)
{
    wk_buf_append_escaped(render->out, text, strlen(text));
}

/* Writes name="value" with the value escaped, when value is not empty. */
static void attribute_write(ghost_render_t *render, const char *name,
                            const char *value)
{
    if (*value == '\0')
        return;
    wk_buf_printf(render->out, " %s=\"", name);
    text_write(render, value);
    wk_buf_puts(render->out, "\"");
}

static void note_add(ghost_render_t *render, const char *kind,
                     const char *name)
{
    const char *note = apr_psprintf(render->pool, "%s '%s' left out: it has "
                                    "no HTML form", kind, name);
    int i;

    for (i = 0; i < render->notes->nelts; i++) {
        if (strcmp(APR_ARRAY_IDX(render->notes, i, const char *), note) == 0)
            return;
    }
    APR_ARRAY_PUSH(render->notes, const char *) = note;
}

static void render_start(ghost_render_t *render, apr_size_t size,
                         const wk_render_limits_t *limits,
                         apr_array_header_t *notes, apr_pool_t *pool)
{
    memset(render, 0, sizeof(*render));
    render->out = wk_buf_make(pool, size + 256);
    render->limits = limits;
    render->notes = notes;
    render->pool = pool;
}

/* Returns the HTML written, or the failure of a markdown card. */
static apr_status_t render_finish(ghost_render_t *render, const char **html,
                                  char **error)
{
    if (render->failure != APR_SUCCESS) {
        *error = render->error;
        return render->failure;
    }
    *html = apr_pstrmemdup(render->pool, render->out->data,
                           render->out->len);
    return APR_SUCCESS;
}

/* Parses a document's JSON text, nested at most MAX_DEPTH deep. */
static struct json_object *document_parse(const char *text,
                                          const char *format, char **error,
                                          apr_pool_t *pool)
{
    struct json_tokener *tokener = json_tokener_new_ex(MAX_DEPTH);
    struct json_object *root;
    enum json_tokener_error failure;

    if (tokener == NULL) {
        *error = "out of memory";
        return NULL;
    }
    json_tokener_set_flags(tokener, JSON_TOKENER_STRICT
                                    | JSON_TOKENER_VALIDATE_UTF8);
    root = json_tokener_parse_ex(tokener, text, (int)strlen(text));
    failure = json_tokener_get_error(tokener);
    json_tokener_free(tokener);
    if (root == NULL || failure != json_tokener_success
        || !json_object_is_type(root, json_type_object)) {
        *error = apr_psprintf(pool, "the %s document is not valid JSON: %s",
                              format, root == NULL || failure
                                                      != json_tokener_success
                                      ? json_tokener_error_desc(failure)
                                      : "not an object");
        json_object_put(root);
        return NULL;
    }
    return root;
}

/* ---------------------------------------------------------------------- */
/* Cards                                                                   */
/* ---------------------------------------------------------------------- */

static void markdown_card(ghost_render_t *render, const char *markdown)
{
    const char *html;
    char *error;
    apr_status_t rv;

    if (render->failure != APR_SUCCESS)
        return;
    rv = wk_markdown_render_raw(&html, markdown, strlen(markdown),
                                render->limits, &error, render->pool);
    if (rv != APR_SUCCESS) {
        render->failure = rv;
        render->error = apr_pstrcat(render->pool, "markdown card: ", error,
                                    NULL);
        return;
    }
    wk_buf_puts(render->out, html);
}

static void image_card(ghost_render_t *render, struct json_object *card)
{
    const char *caption = wk_ghost_text(card, "caption");

    wk_buf_puts(render->out, "<figure class=\"kg-image-card\"><img");
    attribute_write(render, "src", wk_ghost_text(card, "src"));
    attribute_write(render, "alt", wk_ghost_text(card, "alt"));
    wk_buf_puts(render->out, ">");
    /* Ghost keeps captions as HTML. */
    if (*caption != '\0')
        wk_buf_printf(render->out, "<figcaption>%s</figcaption>", caption);
    wk_buf_puts(render->out, "</figure>");
}

static void gallery_card(ghost_render_t *render, struct json_object *card)
{
    struct json_object *images = wk_ghost_member(card, "images");
    apr_size_t i, count;

    if (!json_object_is_type(images, json_type_array))
        return;
    count = json_object_array_length(images);
    wk_buf_puts(render->out, "<figure class=\"kg-gallery-card\">");
    for (i = 0; i < count; i++) {
        struct json_object *image = json_object_array_get_idx(images, i);

        wk_buf_puts(render->out, "<img");
        attribute_write(render, "src", wk_ghost_text(image, "src"));
        attribute_write(render, "alt", wk_ghost_text(image, "alt"));
        wk_buf_puts(render->out, ">");
    }
    wk_buf_puts(render->out, "</figure>");
}

static void code_card(ghost_render_t *render, struct json_object *card)
{
    const char *language = wk_ghost_text(card, "language");

    wk_buf_puts(render->out, "<pre><code");
    if (*language != '\0')
        attribute_write(render, "class",
                        apr_pstrcat(render->pool, "language-", language,
                                    NULL));
    wk_buf_puts(render->out, ">");
    text_write(render, wk_ghost_text(card, "code"));
    wk_buf_puts(render->out, "</code></pre>");
}

/* Writes a link card: bookmark, button, video, audio or file. */
static void link_card(ghost_render_t *render, const char *url,
                      const char *text)
{
    wk_buf_puts(render->out, "<p><a");
    attribute_write(render, "href", url);
    wk_buf_puts(render->out, ">");
    text_write(render, *text ? text : url);
    wk_buf_puts(render->out, "</a></p>");
}

/* Renders a card named name; payload contains its fields. */
static void card_render(ghost_render_t *render, const char *name,
                        struct json_object *payload)
{
    if (strcmp(name, "markdown") == 0 || strcmp(name, "card-markdown") == 0)
        markdown_card(render, wk_ghost_text(payload, "markdown"));
    else if (strcmp(name, "html") == 0 || strcmp(name, "embed") == 0)
        wk_buf_puts(render->out, wk_ghost_text(payload, "html"));
    else if (strcmp(name, "image") == 0)
        image_card(render, payload);
    else if (strcmp(name, "gallery") == 0)
        gallery_card(render, payload);
    else if (strcmp(name, "code") == 0 || strcmp(name, "codeblock") == 0)
        code_card(render, payload);
    else if (strcmp(name, "hr") == 0 || strcmp(name, "horizontalrule") == 0)
        wk_buf_puts(render->out, "<hr>");
    else if (strcmp(name, "bookmark") == 0)
        link_card(render, wk_ghost_text(payload, "url"),
                  wk_ghost_text(wk_ghost_member(payload, "metadata"),
                                "title"));
    else if (strcmp(name, "button") == 0)
        link_card(render, wk_ghost_text(payload, "buttonUrl"),
                  wk_ghost_text(payload, "buttonText"));
    else if (strcmp(name, "video") == 0 || strcmp(name, "audio") == 0
             || strcmp(name, "file") == 0)
        link_card(render, wk_ghost_text(payload, "src"),
                  *wk_ghost_text(payload, "title")
                  ? wk_ghost_text(payload, "title")
                  : wk_ghost_text(payload, "fileName"));
    else if (strcmp(name, "callout") == 0)
        wk_buf_printf(render->out, "<div class=\"kg-callout-card\">%s</div>",
                      wk_ghost_text(payload, "calloutText"));
    else if (strcmp(name, "toggle") == 0)
        wk_buf_printf(render->out, "<details><summary>%s</summary>%s"
                      "</details>", wk_ghost_text(payload, "heading"),
                      wk_ghost_text(payload, "content"));
    else
        note_add(render, "card", name);
}

/* ---------------------------------------------------------------------- */
/* Mobiledoc                                                               */
/* ---------------------------------------------------------------------- */

/* Returns the tag name of markup index in the document's markups, or
 * NULL, with its href in *href for links. */
static const char *markup_tag(struct json_object *markups, int index,
                              const char **href)
{
    struct json_object *markup = json_object_array_get_idx(markups,
                                                           (apr_size_t)index);
    struct json_object *attributes = json_object_array_get_idx(markup, 1);
    apr_size_t i;

    *href = NULL;
    if (!json_object_is_type(markup, json_type_array))
        return NULL;
    for (i = 0; json_object_is_type(attributes, json_type_array)
                && i + 1 < json_object_array_length(attributes); i += 2) {
        const char *name = json_object_get_string(
                               json_object_array_get_idx(attributes, i));

        if (name != NULL && strcmp(name, "href") == 0)
            *href = json_object_get_string(
                        json_object_array_get_idx(attributes, i + 1));
    }
    return json_object_get_string(json_object_array_get_idx(markup, 0));
}

/* Returns whether tag is one this renderer writes for a markup. */
static int markup_allowed(const char *tag)
{
    static const char *const tags[] = {
        "a", "b", "strong", "i", "em", "u", "s", "sub", "sup", "code",
        "mark", NULL
    };
    int i;

    for (i = 0; tag != NULL && tags[i] != NULL; i++) {
        if (strcmp(tag, tags[i]) == 0)
            return 1;
    }
    return 0;
}

/*
 * Writes the markers of a section.  A marker is [type, opened markups,
 * number of markups it closes, text or atom index]; open markups form a
 * stack, so they close in reverse order.
 */
static void markers_render(ghost_render_t *render, struct json_object *doc,
                           struct json_object *markers)
{
    struct json_object *markups = wk_ghost_member(doc, "markups");
    struct json_object *atoms = wk_ghost_member(doc, "atoms");
    const char *open[MAX_DEPTH];
    int depth = 0;
    apr_size_t i, count;

    if (!json_object_is_type(markers, json_type_array))
        return;
    count = json_object_array_length(markers);
    for (i = 0; i < count; i++) {
        struct json_object *marker = json_object_array_get_idx(markers, i);
        struct json_object *opened = json_object_array_get_idx(marker, 1);
        int closed = json_object_get_int(json_object_array_get_idx(marker,
                                                                    2));
        struct json_object *value = json_object_array_get_idx(marker, 3);
        apr_size_t j;

        for (j = 0; json_object_is_type(opened, json_type_array)
                    && j < json_object_array_length(opened); j++) {
            const char *href;
            const char *tag = markup_tag(markups, json_object_get_int(
                json_object_array_get_idx(opened, j)), &href);

            if (depth >= MAX_DEPTH)
                continue;
            if (!markup_allowed(tag))
                tag = "span";
            wk_buf_printf(render->out, "<%s", tag);
            if (strcmp(tag, "a") == 0 && href != NULL)
                attribute_write(render, "href", href);
            wk_buf_puts(render->out, ">");
            open[depth++] = tag;
        }
        if (json_object_get_int(json_object_array_get_idx(marker, 0)) == 1) {
            struct json_object *atom = json_object_array_get_idx(
                atoms, (apr_size_t)json_object_get_int(value));

            text_write(render, json_object_get_string(
                                   json_object_array_get_idx(atom, 1))
                               ? json_object_get_string(
                                     json_object_array_get_idx(atom, 1))
                               : "");
        }
        else if (json_object_is_type(value, json_type_string))
            text_write(render, json_object_get_string(value));
        while (closed-- > 0 && depth > 0)
            wk_buf_printf(render->out, "</%s>", open[--depth]);
    }
    while (depth > 0)
        wk_buf_printf(render->out, "</%s>", open[--depth]);
}

/* Returns tag when it is a block tag mobiledoc may use, else "p". */
static const char *section_tag(const char *tag)
{
    static const char *const tags[] = {
        "p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "aside", NULL
    };
    int i;

    for (i = 0; tag != NULL && tags[i] != NULL; i++) {
        if (strcasecmp(tag, tags[i]) == 0)
            return tags[i];
    }
    return "p";
}

static void section_render(ghost_render_t *render, struct json_object *doc,
                           struct json_object *section)
{
    int type = json_object_get_int(json_object_array_get_idx(section, 0));
    struct json_object *second = json_object_array_get_idx(section, 1);

    if (type == 1) {
        const char *tag = section_tag(json_object_get_string(second));

        wk_buf_printf(render->out, "<%s>", tag);
        markers_render(render, doc, json_object_array_get_idx(section, 2));
        wk_buf_printf(render->out, "</%s>\n", tag);
    }
    else if (type == 2) {
        wk_buf_puts(render->out, "<img");
        attribute_write(render, "src", json_object_get_string(second)
                                       ? json_object_get_string(second) : "");
        wk_buf_puts(render->out, ">\n");
    }
    else if (type == 3) {
        const char *tag = strcmp(json_object_get_string(second)
                                 ? json_object_get_string(second) : "",
                                 "ol") == 0 ? "ol" : "ul";
        struct json_object *items = json_object_array_get_idx(section, 2);
        apr_size_t i;

        wk_buf_printf(render->out, "<%s>", tag);
        for (i = 0; json_object_is_type(items, json_type_array)
                    && i < json_object_array_length(items); i++) {
            wk_buf_puts(render->out, "<li>");
            markers_render(render, doc, json_object_array_get_idx(items, i));
            wk_buf_puts(render->out, "</li>");
        }
        wk_buf_printf(render->out, "</%s>\n", tag);
    }
    else if (type == 10) {
        struct json_object *card = json_object_array_get_idx(
            wk_ghost_member(doc, "cards"),
            (apr_size_t)json_object_get_int(second));
        const char *name = json_object_get_string(
                               json_object_array_get_idx(card, 0));

        if (name != NULL)
            card_render(render, name, json_object_array_get_idx(card, 1));
        wk_buf_puts(render->out, "\n");
    }
}

apr_status_t wk_ghost_mobiledoc_html(const char **html, const char *mobiledoc,
                                     const wk_render_limits_t *limits,
                                     apr_array_header_t *notes, char **error,
                                     apr_pool_t *pool)
{
    struct json_object *doc = document_parse(mobiledoc, "mobiledoc", error,
                                             pool);
    struct json_object *sections;
    ghost_render_t render;
    apr_size_t i;

    if (doc == NULL)
        return WK_EINVAL;
    sections = wk_ghost_member(doc, "sections");
    if (!json_object_is_type(sections, json_type_array)) {
        json_object_put(doc);
        *error = "the mobiledoc document has no sections";
        return WK_EINVAL;
    }
    render_start(&render, strlen(mobiledoc), limits, notes, pool);
    for (i = 0; i < json_object_array_length(sections); i++)
        section_render(&render, doc, json_object_array_get_idx(sections, i));
    json_object_put(doc);
    return render_finish(&render, html, error);
}

/* ---------------------------------------------------------------------- */
/* Lexical                                                                 */
/* ---------------------------------------------------------------------- */

static void lexical_node(ghost_render_t *render, struct json_object *node);

static void lexical_children(ghost_render_t *render,
                             struct json_object *node)
{
    struct json_object *children = wk_ghost_member(node, "children");
    apr_size_t i;

    for (i = 0; json_object_is_type(children, json_type_array)
                && i < json_object_array_length(children); i++)
        lexical_node(render, json_object_array_get_idx(children, i));
}

/* Writes a text node with the tags of its format bits, as lexical's
 * TextNode numbers them. */
static void lexical_text(ghost_render_t *render, struct json_object *node)
{
    static const struct {
        int bit;
        const char *tag;
    } formats[] = {
        { 1, "strong" }, { 2, "em" }, { 4, "s" }, { 8, "u" }, { 16, "code" },
        { 32, "sub" }, { 64, "sup" }, { 128, "mark" }, { 0, NULL }
    };
    int format = json_object_get_int(wk_ghost_member(node, "format"));
    int i;

    for (i = 0; formats[i].tag != NULL; i++) {
        if (format & formats[i].bit)
            wk_buf_printf(render->out, "<%s>", formats[i].tag);
    }
    text_write(render, wk_ghost_text(node, "text"));
    for (i--; i >= 0; i--) {
        if (format & formats[i].bit)
            wk_buf_printf(render->out, "</%s>", formats[i].tag);
    }
}

/* Writes children wrapped in tag. */
static void lexical_element(ghost_render_t *render, struct json_object *node,
                            const char *tag)
{
    wk_buf_printf(render->out, "<%s>", tag);
    lexical_children(render, node);
    wk_buf_printf(render->out, "</%s>", tag);
}

static void lexical_node(ghost_render_t *render, struct json_object *node)
{
    const char *type = wk_ghost_text(node, "type");

    /* Ghost's editor names its own versions of some nodes "extended-". */
    if (strncmp(type, "extended-", 9) == 0)
        type += 9;
    if (strcmp(type, "root") == 0)
        lexical_children(render, node);
    else if (strcmp(type, "paragraph") == 0) {
        lexical_element(render, node, "p");
        wk_buf_puts(render->out, "\n");
    }
    else if (strcmp(type, "heading") == 0) {
        const char *tag = wk_ghost_text(node, "tag");

        lexical_element(render, node, strlen(tag) == 2 && tag[0] == 'h'
                                      && tag[1] >= '1' && tag[1] <= '6'
                                      ? tag : "h2");
        wk_buf_puts(render->out, "\n");
    }
    else if (strcmp(type, "quote") == 0)
        lexical_element(render, node, "blockquote");
    else if (strcmp(type, "aside") == 0)
        lexical_element(render, node, "aside");
    else if (strcmp(type, "list") == 0)
        lexical_element(render, node, strcmp(wk_ghost_text(node, "listType"),
                                             "number") == 0 ? "ol" : "ul");
    else if (strcmp(type, "listitem") == 0)
        lexical_element(render, node, "li");
    else if (strcmp(type, "text") == 0)
        lexical_text(render, node);
    else if (strcmp(type, "linebreak") == 0)
        wk_buf_puts(render->out, "<br>");
    else if (strcmp(type, "link") == 0 || strcmp(type, "autolink") == 0) {
        wk_buf_puts(render->out, "<a");
        attribute_write(render, "href", wk_ghost_text(node, "url"));
        wk_buf_puts(render->out, ">");
        lexical_children(render, node);
        wk_buf_puts(render->out, "</a>");
    }
    else if (wk_ghost_member(node, "children") != NULL)
        lexical_children(render, node);
    else {
        card_render(render, type, node);
        wk_buf_puts(render->out, "\n");
    }
}

apr_status_t wk_ghost_lexical_html(const char **html, const char *lexical,
                                   const wk_render_limits_t *limits,
                                   apr_array_header_t *notes, char **error,
                                   apr_pool_t *pool)
{
    struct json_object *doc = document_parse(lexical, "lexical", error, pool);
    ghost_render_t render;

    if (doc == NULL)
        return WK_EINVAL;
    if (wk_ghost_member(doc, "root") == NULL) {
        json_object_put(doc);
        *error = "the lexical document has no root";
        return WK_EINVAL;
    }
    render_start(&render, strlen(lexical), limits, notes, pool);
    lexical_node(&render, wk_ghost_member(doc, "root"));
    json_object_put(doc);
    return render_finish(&render, html, error);
}
