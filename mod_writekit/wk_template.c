/*
 * wk_template.c: the Mustache engine behind every page and feed.
 *
 * Compiling takes three passes.  The lexer cuts the source into tokens,
 * with text split at line ends and every opening tag linked to its closing
 * tag.  The line pass applies the whitespace rules (standalone lines and
 * block indentation) by editing those tokens.  The builder turns the
 * tokens into a tree of nodes on the set's pool; the tokens live on a
 * scratch pool that is destroyed afterwards.
 *
 * Rendering walks the tree with all of its state on the C stack, so one
 * compiled set serves any number of threads, and a render allocates
 * nothing except the output buffer's growth.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_file_info.h>
#include <apr_file_io.h>
#include <apr_hash.h>

#include "wk_template.h"

typedef enum {
    TOKEN_TEXT,
    TOKEN_VARIABLE,    /* {{name}} */
    TOKEN_RAW,         /* {{{name}}} and {{&name}} */
    TOKEN_COMMENT,     /* {{! ... }} */
    TOKEN_DELIMITERS,  /* {{=<% %>=}} */
    TOKEN_SECTION,     /* {{#name}} */
    TOKEN_INVERTED,    /* {{^name}} */
    TOKEN_CLOSE,       /* {{/name}} */
    TOKEN_PARTIAL,     /* {{>name}} */
    TOKEN_PARENT,      /* {{<name}} */
    TOKEN_BLOCK        /* {{$name}} */
} token_kind_t;

typedef struct token {
    token_kind_t kind;
    const char *text;      /* TEXT: the bytes; tags: the trimmed name */
    apr_size_t len;
    int line;              /* line of the tag's first byte, from 1 */
    int match;             /* opening tags: index of the closing tag */
    int enclosing;         /* index of the innermost open tag, or -1 */
    const char *indent;    /* PARTIAL, PARENT, BLOCK: added to each line */
    apr_size_t indent_len;
    apr_size_t strip;      /* BLOCK: blanks removed from each inner line */
    int awaiting_indent;   /* BLOCK: opened standalone, indent not yet seen */
} token_t;

typedef struct compiler {
    apr_pool_t *pool;      /* the set's pool: nodes, names and messages */
    apr_pool_t *scratch;   /* tokens, destroyed after compiling */
    const char *label;     /* template or file name for messages */
    char **error;
    const char *src;
    apr_size_t src_len;
    apr_size_t pos;
    int line;
    const char *open;      /* current delimiters, slices of src or static */
    apr_size_t open_len;
    const char *close;
    apr_size_t close_len;
    apr_array_header_t *tokens;
    int open_tags[WK_TEMPLATE_MAX_NESTING];  /* indexes of unclosed tags */
    int depth;
} compiler_t;

/*
 * A compiled node.  Children of sections, parents and blocks are stored
 * as arrays so a render walks memory in order.
 */
typedef struct wk_node wk_node_t;
struct wk_node {
    token_kind_t kind;     /* never COMMENT, DELIMITERS or CLOSE */
    const char *text;      /* TEXT: bytes; PARTIAL, PARENT, BLOCK: name */
    apr_size_t len;
    const char *const *path;  /* VARIABLE, RAW, SECTION, INVERTED */
    int path_len;             /* 0 for the implicit iterator "." */
    const wk_node_t *children;
    int child_count;
    const char *indent;    /* PARTIAL, PARENT, BLOCK */
    apr_size_t indent_len;
};

struct wk_template {
    const char *name;
    const wk_node_t *nodes;
    int count;
};

struct wk_template_set {
    apr_pool_t *pool;
    apr_hash_t *templates;   /* name to wk_template_t */
    apr_uint64_t digest;     /* sum of the templates' FNV-1a digests */
};

static int is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n'
           || ch == '\f' || ch == '\v';
}

static int is_blank(char ch)
{
    return ch == ' ' || ch == '\t';
}

static apr_status_t compile_error(compiler_t *c, int line, const char *fmt,
                                  ...)
    __attribute__((format(printf, 3, 4)));

static apr_status_t compile_error(compiler_t *c, int line, const char *fmt,
                                  ...)
{
    va_list ap;
    char *message;

    va_start(ap, fmt);
    message = apr_pvsprintf(c->pool, fmt, ap);
    va_end(ap);
    if (c->error != NULL)
        *c->error = apr_psprintf(c->pool, "%s:%d: %s", c->label, line,
                                 message);
    return WK_EINVAL;
}

/* ---------------------------------------------------------------- lexer */

static token_t *token_at(const compiler_t *c, int index)
{
    return &APR_ARRAY_IDX(c->tokens, index, token_t);
}

static void token_push(compiler_t *c, token_kind_t kind, const char *text,
                       apr_size_t len, int line)
{
    token_t *token = apr_array_push(c->tokens);

    memset(token, 0, sizeof(*token));
    token->kind = kind;
    token->text = text;
    token->len = len;
    token->line = line;
    token->match = -1;
    token->enclosing = c->depth > 0 ? c->open_tags[c->depth - 1] : -1;
}

/* Adds the source up to end as text tokens, one per line. */
static void lex_text(compiler_t *c, apr_size_t end)
{
    while (c->pos < end) {
        const char *start = c->src + c->pos;
        const char *newline = memchr(start, '\n', end - c->pos);
        apr_size_t len = newline ? (apr_size_t)(newline - start) + 1
                                 : end - c->pos;

        token_push(c, TOKEN_TEXT, start, len, c->line);
        c->pos += len;
        if (newline != NULL)
            c->line++;
    }
}

static token_kind_t tag_kind_of(char sigil)
{
    switch (sigil) {
    case '!': return TOKEN_COMMENT;
    case '=': return TOKEN_DELIMITERS;
    case '#': return TOKEN_SECTION;
    case '^': return TOKEN_INVERTED;
    case '/': return TOKEN_CLOSE;
    case '>': return TOKEN_PARTIAL;
    case '<': return TOKEN_PARENT;
    case '$': return TOKEN_BLOCK;
    case '&':
    case '{': return TOKEN_RAW;
    default: return TOKEN_VARIABLE;
    }
}

/* Returns the character that must precede the closing delimiter of a tag
 * opened with sigil, or NUL when none must. */
static char close_prefix_of(char sigil)
{
    if (sigil == '{')
        return '}';
    if (sigil == '=')
        return '=';
    return '\0';
}

static const char *kind_name(token_kind_t kind)
{
    switch (kind) {
    case TOKEN_SECTION: return "section";
    case TOKEN_INVERTED: return "inverted section";
    case TOKEN_PARENT: return "parent";
    case TOKEN_BLOCK: return "block";
    default: return "tag";
    }
}

/*
 * Finds the closing delimiter at or after from.  When before is not NUL
 * the delimiter must follow that character ("}" for {{{name}}}, "=" for
 * a set-delimiter tag), and the result points at that character.
 */
static const char *find_close(const compiler_t *c, const char *from,
                              char before)
{
    const char *end = c->src + c->src_len;
    const char *p = from;

    while (p < end) {
        const char *hit = memmem(p, (apr_size_t)(end - p), c->close,
                                 c->close_len);

        if (hit == NULL)
            return NULL;
        if (before == '\0')
            return hit;
        if (hit > from && hit[-1] == before)
            return hit - 1;
        p = hit + 1;
    }
    return NULL;
}

static int count_newlines(const char *from, const char *to)
{
    int count = 0;

    while ((from = memchr(from, '\n', (apr_size_t)(to - from))) != NULL) {
        count++;
        from++;
    }
    return count;
}

static apr_status_t check_name(compiler_t *c, token_kind_t kind,
                               const char *name, apr_size_t len, int line)
{
    int dotted = kind == TOKEN_VARIABLE || kind == TOKEN_RAW
                 || kind == TOKEN_SECTION || kind == TOKEN_INVERTED;
    apr_size_t i;

    if (len == 0)
        return compile_error(c, line, "tag has no name");
    for (i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)name[i];

        if (ch <= ' ' || ch == 0x7f)
            return compile_error(c, line, "invalid tag name \"%.*s\": "
                                 "names contain no spaces or control "
                                 "characters", (int)len, name);
    }
    if (!dotted || (len == 1 && name[0] == '.'))
        return APR_SUCCESS;
    if (name[0] == '.' || name[len - 1] == '.' || memmem(name, len, "..", 2))
        return compile_error(c, line, "invalid tag name \"%.*s\": a dotted "
                             "name has an empty part", (int)len, name);
    return APR_SUCCESS;
}

/* Applies {{=OPEN CLOSE=}}; content is the trimmed text between the "=". */
static apr_status_t lex_delimiters(compiler_t *c, const char *content,
                                   const char *end, int line)
{
    const char *open_end = content;
    const char *close = NULL;
    const char *p;

    while (open_end < end && !is_space(*open_end))
        open_end++;
    for (p = open_end; p < end && is_space(*p); p++)
        ;
    close = p;
    while (p < end && !is_space(*p))
        p++;
    if (open_end == content || close == end || p != end)
        return compile_error(c, line, "invalid set-delimiter tag: it takes "
                             "two delimiters separated by a space, as in "
                             "{{=<%% %%>=}}");

    c->open = content;
    c->open_len = (apr_size_t)(open_end - content);
    c->close = close;
    c->close_len = (apr_size_t)(end - close);
    token_push(c, TOKEN_DELIMITERS, content, 0, line);
    return APR_SUCCESS;
}

static apr_status_t lex_open(compiler_t *c, int index)
{
    const token_t *token = token_at(c, index);

    if (c->depth == WK_TEMPLATE_MAX_NESTING)
        return compile_error(c, token->line, "sections, parents and blocks "
                             "are nested more than %d deep",
                             WK_TEMPLATE_MAX_NESTING);
    c->open_tags[c->depth++] = index;
    return APR_SUCCESS;
}

static apr_status_t lex_close(compiler_t *c, int index)
{
    const token_t *close = token_at(c, index);
    token_t *open;

    if (c->depth == 0)
        return compile_error(c, close->line, "closing tag \"%.*s\" has no "
                             "opening tag", (int)close->len, close->text);

    open = token_at(c, c->open_tags[c->depth - 1]);
    if (open->len != close->len
        || memcmp(open->text, close->text, close->len) != 0)
        return compile_error(c, close->line, "closing tag \"%.*s\" does not "
                             "match %s \"%.*s\" opened on line %d",
                             (int)close->len, close->text,
                             kind_name(open->kind), (int)open->len,
                             open->text, open->line);
    open->match = index;
    c->depth--;
    return APR_SUCCESS;
}

static apr_status_t lex_push_tag(compiler_t *c, token_kind_t kind,
                                 const char *name, apr_size_t len, int line)
{
    int index = c->tokens->nelts;
    apr_status_t rv;

    if (kind != TOKEN_COMMENT) {
        rv = check_name(c, kind, name, len, line);
        if (rv != APR_SUCCESS)
            return rv;
    }
    token_push(c, kind, name, len, line);

    switch (kind) {
    case TOKEN_SECTION:
    case TOKEN_INVERTED:
    case TOKEN_PARENT:
    case TOKEN_BLOCK:
        return lex_open(c, index);
    case TOKEN_CLOSE:
        return lex_close(c, index);
    default:
        return APR_SUCCESS;
    }
}

/* Reads the tag whose opening delimiter starts at c->pos. */
static apr_status_t lex_tag(compiler_t *c)
{
    const char *end = c->src + c->src_len;
    const char *body = c->src + c->pos + c->open_len;
    char sigil = body < end ? *body : '\0';
    token_kind_t kind = tag_kind_of(sigil);
    char before[2] = { close_prefix_of(sigil), '\0' };
    const char *content = kind == TOKEN_VARIABLE ? body : body + 1;
    const char *content_end;
    int line = c->line;

    content_end = find_close(c, content, before[0]);
    if (content_end == NULL)
        return compile_error(c, line, "tag has no closing \"%s%.*s\"",
                             before, (int)c->close_len, c->close);

    c->line += count_newlines(c->src + c->pos, content_end);
    c->pos = (apr_size_t)(content_end - c->src) + strlen(before)
             + c->close_len;
    while (content < content_end && is_space(*content))
        content++;
    while (content_end > content && is_space(content_end[-1]))
        content_end--;

    if (kind == TOKEN_DELIMITERS)
        return lex_delimiters(c, content, content_end, line);
    return lex_push_tag(c, kind, content,
                        (apr_size_t)(content_end - content), line);
}

static apr_status_t lex(compiler_t *c)
{
    const token_t *open;
    apr_status_t rv;

    while (c->pos < c->src_len) {
        const char *tag = memmem(c->src + c->pos, c->src_len - c->pos,
                                 c->open, c->open_len);

        if (tag == NULL) {
            lex_text(c, c->src_len);
            break;
        }
        lex_text(c, (apr_size_t)(tag - c->src));
        rv = lex_tag(c);
        if (rv != APR_SUCCESS)
            return rv;
    }

    if (c->depth == 0)
        return APR_SUCCESS;
    open = token_at(c, c->open_tags[c->depth - 1]);
    return compile_error(c, open->line, "%s \"%.*s\" is never closed",
                         kind_name(open->kind), (int)open->len, open->text);
}

/* ------------------------------------------------------------ line pass */

/*
 * A line is the run of tokens up to a text token that ends in "\n".  A
 * line that contains nothing but blanks and tags other than
 * interpolations is standalone.  It leaves no trace in the output, and
 * its indentation goes to the partials and parents on it.
 *
 * Blocks follow the rules of the specification's inheritance tests.  A
 * block whose opening tag is standalone has an intrinsic indentation,
 * the leading blanks of the first non-blank line after it.  Those blanks
 * are stripped from every line inside the block when compiling and added
 * back, as an indentation, wherever the block is expanded; so an
 * override drops its own indentation and takes that of the place it
 * fills.  A block expanded where its opening and closing tags share an
 * otherwise blank line keeps that line, and indents the lines after the
 * first by the line's leading blanks.
 */

static int line_last(const token_t *t, int count, int first)
{
    int i;

    for (i = first; i < count - 1; i++)
        if (t[i].kind == TOKEN_TEXT && t[i].text[t[i].len - 1] == '\n')
            break;
    return i;
}

static int text_is_blank(const token_t *token)
{
    apr_size_t i;

    for (i = 0; i < token->len; i++)
        if (!is_space(token->text[i]))
            return 0;
    return 1;
}

static apr_size_t leading_blanks(const token_t *token)
{
    apr_size_t n = 0;

    if (token->kind != TOKEN_TEXT)
        return 0;
    while (n < token->len && is_blank(token->text[n]))
        n++;
    return n;
}

static int line_is_blank(const token_t *t, int first, int last)
{
    int i;

    for (i = first; i <= last; i++)
        if (t[i].kind != TOKEN_TEXT || !text_is_blank(&t[i]))
            return 0;
    return 1;
}

/* Tells whether the line contains at least one tag, and only blanks and
 * tags that may stand alone. */
static int line_has_only_tags(const token_t *t, int first, int last)
{
    int tags = 0;
    int i;

    for (i = first; i <= last; i++) {
        if (t[i].kind == TOKEN_TEXT) {
            if (!text_is_blank(&t[i]))
                return 0;
        }
        else if (t[i].kind == TOKEN_VARIABLE || t[i].kind == TOKEN_RAW)
            return 0;
        else
            tags++;
    }
    return tags > 0;
}

/*
 * Gives the line's indentation to each block on it whose closing tag is
 * on it too, outside a parent, and returns how many there were.  Such a
 * line is kept, so the block's content fills it.
 * NOTE: when such a block renders empty, its line still prints its blanks
 * and line end.  The specification has no test for that case.
 */
static int line_indent_inline_blocks(token_t *t, int first, int last)
{
    apr_size_t indent_len = leading_blanks(&t[first]);
    int found = 0;
    int i;

    for (i = first; i <= last; i++) {
        if (t[i].kind != TOKEN_BLOCK || t[i].match > last)
            continue;
        if (t[i].enclosing >= 0 && t[t[i].enclosing].kind == TOKEN_PARENT)
            continue;
        t[i].indent = t[first].text;
        t[i].indent_len = indent_len;
        found++;
    }
    return found;
}

static void line_make_standalone(token_t *t, int first, int last)
{
    apr_size_t indent_len = leading_blanks(&t[first]);
    int i;

    for (i = first; i <= last; i++) {
        switch (t[i].kind) {
        case TOKEN_TEXT:
            t[i].len = 0;
            break;
        case TOKEN_PARTIAL:
        case TOKEN_PARENT:
            t[i].indent = t[first].text;
            t[i].indent_len = indent_len;
            break;
        case TOKEN_BLOCK:
            t[i].awaiting_indent = 1;
            break;
        default:
            break;
        }
    }
}

/*
 * Strips the indentation of the innermost open block from the start of a
 * line, first taking it from this line when the block still awaits it.
 */
static void line_strip_block_indent(token_t *t, int first, int last,
                                    token_t *block)
{
    apr_size_t blanks = leading_blanks(&t[first]);

    if (block->awaiting_indent && !line_is_blank(t, first, last)) {
        if (blanks > block->strip) {
            block->indent = t[first].text + block->strip;
            block->indent_len = blanks - block->strip;
            block->strip = blanks;
        }
        block->awaiting_indent = 0;
    }
    if (blanks > block->strip)
        blanks = block->strip;
    t[first].text += blanks;
    t[first].len -= blanks;
}

static void lines_apply(compiler_t *c)
{
    token_t *t = (token_t *)c->tokens->elts;
    int count = c->tokens->nelts;
    int blocks[WK_TEMPLATE_MAX_NESTING];
    int block_count = 0;
    int first, last, i;

    for (first = 0; first < count; first = last + 1) {
        last = line_last(t, count, first);

        if (block_count > 0)
            line_strip_block_indent(t, first, last,
                                    &t[blocks[block_count - 1]]);
        if (line_has_only_tags(t, first, last)
            && line_indent_inline_blocks(t, first, last) == 0)
            line_make_standalone(t, first, last);

        /* Blocks opened on this line inherit the enclosing strip. */
        for (i = first; i <= last; i++) {
            if (t[i].kind == TOKEN_BLOCK) {
                t[i].strip = block_count > 0
                             ? t[blocks[block_count - 1]].strip : 0;
                blocks[block_count++] = i;
            }
            else if (t[i].kind == TOKEN_CLOSE && block_count > 0
                     && blocks[block_count - 1] == t[i].enclosing)
                block_count--;
        }
    }
}

/* -------------------------------------------------------------- builder */

static void node_set_path(compiler_t *c, wk_node_t *node,
                          const token_t *token)
{
    const char *end = token->text + token->len;
    const char *start = token->text;
    const char **parts;
    const char *p;
    int count = 1;
    int i = 0;

    if (token->len == 1 && token->text[0] == '.')
        return;

    for (p = token->text; p < end; p++)
        if (*p == '.')
            count++;
    parts = apr_palloc(c->pool, sizeof(*parts) * (apr_size_t)count);
    for (p = token->text; p <= end; p++) {
        if (p == end || *p == '.') {
            parts[i++] = apr_pstrmemdup(c->pool, start,
                                        (apr_size_t)(p - start));
            start = p + 1;
        }
    }
    node->path = parts;
    node->path_len = count;
}

/* Appends text to the previous node when the two are adjacent in the
 * source; returns whether it did. */
static int text_extend(apr_array_header_t *nodes, const token_t *token)
{
    wk_node_t *last;

    if (nodes->nelts == 0)
        return 0;
    last = &APR_ARRAY_IDX(nodes, nodes->nelts - 1, wk_node_t);
    if (last->kind != TOKEN_TEXT || last->text + last->len != token->text)
        return 0;
    last->len += token->len;
    return 1;
}

static void build_nodes(compiler_t *c, int first, int end,
                        const wk_node_t **nodes, int *count);

static void build_node(compiler_t *c, wk_node_t *node, int index)
{
    const token_t *token = token_at(c, index);

    node->kind = token->kind;
    switch (token->kind) {
    case TOKEN_TEXT:
        node->text = token->text;
        node->len = token->len;
        break;
    case TOKEN_VARIABLE:
    case TOKEN_RAW:
        node_set_path(c, node, token);
        break;
    case TOKEN_SECTION:
    case TOKEN_INVERTED:
        node_set_path(c, node, token);
        build_nodes(c, index + 1, token->match, &node->children,
                    &node->child_count);
        break;
    case TOKEN_PARENT:
    case TOKEN_BLOCK:
        build_nodes(c, index + 1, token->match, &node->children,
                    &node->child_count);
        /* fall through */
    case TOKEN_PARTIAL:
        node->text = apr_pstrmemdup(c->pool, token->text, token->len);
        node->len = token->len;
        node->indent = token->indent;
        node->indent_len = token->indent_len;
        break;
    default:
        break;
    }
}

/* Builds the nodes for the tokens from first up to, not including, end. */
static void build_nodes(compiler_t *c, int first, int end,
                        const wk_node_t **nodes, int *count)
{
    apr_array_header_t *list = apr_array_make(c->scratch, 8,
                                              sizeof(wk_node_t));
    int i = first;

    while (i < end) {
        const token_t *token = token_at(c, i);
        wk_node_t *node;

        if (token->kind == TOKEN_COMMENT || token->kind == TOKEN_DELIMITERS
            || (token->kind == TOKEN_TEXT
                && (token->len == 0 || text_extend(list, token)))) {
            i++;
            continue;
        }

        node = apr_array_push(list);
        memset(node, 0, sizeof(*node));
        build_node(c, node, i);
        i = token->match >= 0 ? token->match + 1 : i + 1;
    }

    *count = list->nelts;
    *nodes = list->nelts == 0 ? NULL
             : apr_pmemdup(c->pool, list->elts,
                           sizeof(wk_node_t) * (apr_size_t)list->nelts);
}

/* ------------------------------------------------------------------ set */

wk_template_set_t *wk_template_set_make(apr_pool_t *pool)
{
    wk_template_set_t *set = apr_pcalloc(pool, sizeof(*set));

    set->pool = pool;
    set->templates = apr_hash_make(pool);
    return set;
}

/* FNV-1a over name, a NUL and source. */
static apr_uint64_t template_digest(const char *name, const char *source,
                                    apr_size_t len)
{
    apr_uint64_t hash = APR_UINT64_C(14695981039346656037);
    apr_size_t i, name_len = strlen(name) + 1;

    for (i = 0; i < name_len; i++) {
        hash ^= (unsigned char)name[i];
        hash *= APR_UINT64_C(1099511628211);
    }
    for (i = 0; i < len; i++) {
        hash ^= (unsigned char)source[i];
        hash *= APR_UINT64_C(1099511628211);
    }
    return hash;
}

/* Compiles source as name; label names the source in error messages. */
static apr_status_t template_compile(wk_template_set_t *set,
                                     const char *name, const char *label,
                                     const char *source, apr_size_t len,
                                     char **error)
{
    compiler_t c;
    wk_template_t *tpl;
    apr_status_t rv;

    memset(&c, 0, sizeof(c));
    rv = apr_pool_create(&c.scratch, set->pool);
    if (rv != APR_SUCCESS)
        return rv;
    c.pool = set->pool;
    c.label = label;
    c.error = error;
    c.src = apr_pstrmemdup(set->pool, source, len);
    c.src_len = len;
    c.line = 1;
    c.open = "{{";
    c.open_len = 2;
    c.close = "}}";
    c.close_len = 2;
    c.tokens = apr_array_make(c.scratch, 64, sizeof(token_t));

    rv = lex(&c);
    if (rv == APR_SUCCESS) {
        lines_apply(&c);
        tpl = apr_pcalloc(set->pool, sizeof(*tpl));
        tpl->name = apr_pstrdup(set->pool, name);
        build_nodes(&c, 0, c.tokens->nelts, &tpl->nodes, &tpl->count);
        apr_hash_set(set->templates, tpl->name, APR_HASH_KEY_STRING, tpl);
        set->digest += template_digest(name, source, len);
    }
    apr_pool_destroy(c.scratch);
    return rv;
}

apr_status_t wk_template_set_add(wk_template_set_t *set, const char *name,
                                 const char *source, apr_size_t len,
                                 char **error)
{
    return template_compile(set, name, name, source, len, error);
}

apr_uint64_t wk_template_set_digest(const wk_template_set_t *set)
{
    return set->digest;
}

static void set_error(char **error, apr_pool_t *pool, apr_status_t rv,
                      const char *what, const char *path)
{
    char reason[128];

    if (error != NULL)
        *error = apr_psprintf(pool, "%s %s: %s", what, path,
                              apr_strerror(rv, reason, sizeof(reason)));
}

/* Tells whether a directory entry is named NAME.mustache, hidden files
 * (editor locks and the like) excluded. */
static int is_template_name(const char *name)
{
    static const char suffix[] = ".mustache";
    apr_size_t len = strlen(name);

    return name[0] != '.' && len > sizeof(suffix) - 1
           && strcmp(name + len - (sizeof(suffix) - 1), suffix) == 0;
}

static apr_status_t read_file(const char *path, char **data,
                              apr_size_t *len, apr_pool_t *pool)
{
    apr_file_t *file;
    apr_finfo_t info;
    apr_status_t rv;

    rv = apr_file_open(&file, path, APR_FOPEN_READ | APR_FOPEN_BINARY,
                       APR_OS_DEFAULT, pool);
    if (rv != APR_SUCCESS)
        return rv;
    rv = apr_file_info_get(&info, APR_FINFO_SIZE, file);
    if (rv == APR_SUCCESS) {
        *data = apr_palloc(pool, (apr_size_t)info.size + 1);
        rv = apr_file_read_full(file, *data, (apr_size_t)info.size, len);
        /* A file that shrank since the size was taken reads short. */
        if (rv == APR_EOF)
            rv = APR_SUCCESS;
    }
    apr_file_close(file);
    return rv;
}

static apr_status_t load_file(wk_template_set_t *set, const char *dir,
                              const char *filename, apr_pool_t *scratch,
                              char **error)
{
    apr_finfo_t info;
    char *path, *data = NULL;
    apr_size_t len = 0;
    apr_status_t rv;

    rv = apr_filepath_merge(&path, dir, filename, APR_FILEPATH_NATIVE,
                            scratch);
    if (rv != APR_SUCCESS) {
        set_error(error, set->pool, rv, "invalid template path", filename);
        return rv;
    }

    /* Follows symbolic links, so a theme may link shared templates. */
    rv = apr_stat(&info, path, APR_FINFO_TYPE, scratch);
    if (rv == APR_SUCCESS && info.filetype != APR_REG)
        return APR_SUCCESS;
    if (rv == APR_SUCCESS)
        rv = read_file(path, &data, &len, scratch);
    if (rv != APR_SUCCESS) {
        set_error(error, set->pool, rv, "failed to read", path);
        return rv;
    }

    return template_compile(set,
                            apr_pstrndup(scratch, filename,
                                         strlen(filename)
                                         - strlen(".mustache")),
                            path, data, len, error);
}

apr_status_t wk_template_set_load_dir(wk_template_set_t *set,
                                      const char *dir, char **error)
{
    apr_pool_t *scratch;
    apr_dir_t *handle;
    apr_finfo_t info;
    apr_status_t rv;

    rv = apr_pool_create(&scratch, set->pool);
    if (rv != APR_SUCCESS)
        return rv;
    rv = apr_dir_open(&handle, dir, scratch);
    if (rv != APR_SUCCESS) {
        set_error(error, set->pool, rv, "failed to open template directory",
                  dir);
        apr_pool_destroy(scratch);
        return rv;
    }

    for (;;) {
        rv = apr_dir_read(&info, APR_FINFO_NAME, handle);
        if (APR_STATUS_IS_ENOENT(rv)) {
            rv = APR_SUCCESS;
            break;
        }
        if (rv != APR_SUCCESS && rv != APR_INCOMPLETE) {
            set_error(error, set->pool, rv, "failed to read directory", dir);
            break;
        }
        if (!is_template_name(info.name))
            continue;
        rv = load_file(set, dir, info.name, scratch, error);
        if (rv != APR_SUCCESS)
            break;
    }

    apr_dir_close(handle);
    apr_pool_destroy(scratch);
    return rv;
}

const wk_template_t *wk_template_set_get(const wk_template_set_t *set,
                                         const char *name)
{
    return apr_hash_get(set->templates, name, APR_HASH_KEY_STRING);
}

/* ------------------------------------------------------------- renderer */

/* The context stack, innermost first. */
typedef struct context {
    struct json_object *value;
    const struct context *up;
} context_t;

/* Indentation of the partials and blocks being rendered, innermost first. */
typedef struct indent {
    const char *text;
    apr_size_t len;
    const struct indent *up;
} indent_t;

/* The parent tags being expanded, innermost first; their blocks override
 * the blocks of the templates they expand. */
typedef struct overrides {
    const wk_node_t *parent;
    const struct overrides *up;
} overrides_t;

typedef struct scope {
    const context_t *context;
    const indent_t *indent;
    const overrides_t *overrides;
} scope_t;

typedef struct render {
    const wk_template_set_t *set;
    wk_buf_t *out;
    int at_line_start;    /* the last template text ended a line */
    int depth;
} render_t;

static void render_nodes(render_t *r, const scope_t *scope,
                         const wk_node_t *nodes, int count);

static void write_indent(wk_buf_t *out, const indent_t *indent)
{
    if (indent->up != NULL)
        write_indent(out, indent->up);
    wk_buf_append(out, indent->text, indent->len);
}

/* Writes the indentation when output is about to start a line. */
static void output_begin(render_t *r, const scope_t *scope)
{
    if (r->at_line_start && scope->indent != NULL)
        write_indent(r->out, scope->indent);
    r->at_line_start = 0;
}

static int is_line_end(const char *text, apr_size_t len)
{
    return (len == 1 && text[0] == '\n')
           || (len == 2 && text[0] == '\r' && text[1] == '\n');
}

/* Writes template text; lines that are empty get no indentation. */
static void render_text(render_t *r, const scope_t *scope, const char *text,
                        apr_size_t len)
{
    if (scope->indent == NULL) {
        wk_buf_append(r->out, text, len);
        r->at_line_start = text[len - 1] == '\n';
        return;
    }

    while (len > 0) {
        const char *newline = memchr(text, '\n', len);
        apr_size_t n = newline ? (apr_size_t)(newline - text) + 1 : len;

        if (!is_line_end(text, n))
            output_begin(r, scope);
        wk_buf_append(r->out, text, n);
        r->at_line_start = newline != NULL;
        text += n;
        len -= n;
    }
}

/*
 * Resolves a name against the context stack.  The first part is looked up
 * from the innermost context outwards.  The search stops at the first
 * object that has the key, even when its value is null.  Later parts are
 * looked up only in the value found before them.  Returns NULL for null
 * and for missing.
 */
static struct json_object *resolve(const context_t *context,
                                   const wk_node_t *node)
{
    struct json_object *value = NULL;
    int i;

    if (node->path_len == 0)
        return context->value;

    for (; context != NULL; context = context->up)
        if (json_object_object_get_ex(context->value, node->path[0], &value))
            break;
    for (i = 1; i < node->path_len && value != NULL; i++)
        json_object_object_get_ex(value, node->path[i], &value);
    return value;
}

static int value_is_truthy(struct json_object *value)
{
    switch (json_object_get_type(value)) {
    case json_type_null:
        return 0;
    case json_type_boolean:
        return json_object_get_boolean(value);
    case json_type_array:
        return json_object_array_length(value) > 0;
    default:
        return 1;
    }
}

static int format_int(struct json_object *value, char *buf, size_t size)
{
    int64_t n = json_object_get_int64(value);

    /* json-c clamps integers above INT64_MAX, which it keeps unsigned. */
    if (n == INT64_MAX)
        return snprintf(buf, size, "%" PRIu64,
                        json_object_get_uint64(value));
    return snprintf(buf, size, "%" PRId64, n);
}

/*
 * Formats a double with the fewest significant digits that read back as
 * the same value, so 1.21 prints as "1.21" and 3.0 as "3".
 * NOTE: snprintf and strtod follow LC_NUMERIC, so a process whose locale
 * uses a decimal comma would print "1,21".
 */
static int format_double(double d, char *buf, size_t size)
{
    int precision, n = 0;

    for (precision = 15; precision <= 17; precision++) {
        n = snprintf(buf, size, "%.*g", precision, d);
        if (strtod(buf, NULL) == d)
            break;
    }
    return n;
}

static void render_variable(render_t *r, const scope_t *scope,
                            const wk_node_t *node)
{
    struct json_object *value = resolve(scope->context, node);
    char number[40];
    const char *text = number;
    int len;

    switch (json_object_get_type(value)) {
    case json_type_string:
        text = json_object_get_string(value);
        len = json_object_get_string_len(value);
        break;
    case json_type_int:
        len = format_int(value, number, sizeof(number));
        break;
    case json_type_double:
        len = format_double(json_object_get_double(value), number,
                            sizeof(number));
        break;
    case json_type_boolean:
        text = json_object_get_boolean(value) ? "true" : "false";
        len = (int)strlen(text);
        break;
    default:
        /* Null, missing, objects and arrays print nothing. */
        return;
    }
    if (len <= 0)
        return;

    output_begin(r, scope);
    if (node->kind == TOKEN_VARIABLE)
        wk_buf_append_escaped(r->out, text, (apr_size_t)len);
    else
        wk_buf_append(r->out, text, (apr_size_t)len);
}

static void render_with_context(render_t *r, const scope_t *scope,
                                const wk_node_t *node,
                                struct json_object *value)
{
    context_t context = { value, scope->context };
    scope_t inner = *scope;

    inner.context = &context;
    render_nodes(r, &inner, node->children, node->child_count);
}

static void render_section(render_t *r, const scope_t *scope,
                           const wk_node_t *node)
{
    struct json_object *value = resolve(scope->context, node);
    size_t i, count;

    if (!value_is_truthy(value))
        return;
    if (!json_object_is_type(value, json_type_array)) {
        render_with_context(r, scope, node, value);
        return;
    }
    count = json_object_array_length(value);
    for (i = 0; i < count; i++)
        render_with_context(r, scope, node,
                            json_object_array_get_idx(value, i));
}

/* Renders nodes with the indentation that site (a partial, parent or
 * block tag) adds. */
static void render_indented(render_t *r, const scope_t *scope,
                            const wk_node_t *site, const wk_node_t *nodes,
                            int count)
{
    indent_t indent = { site->indent, site->indent_len, scope->indent };
    scope_t inner = *scope;

    if (site->indent_len > 0)
        inner.indent = &indent;
    render_nodes(r, &inner, nodes, count);
}

static void render_partial(render_t *r, const scope_t *scope,
                           const wk_node_t *node)
{
    const wk_template_t *tpl = wk_template_set_get(r->set, node->text);

    if (tpl != NULL)
        render_indented(r, scope, node, tpl->nodes, tpl->count);
}

static void render_parent(render_t *r, const scope_t *scope,
                          const wk_node_t *node)
{
    const wk_template_t *tpl = wk_template_set_get(r->set, node->text);
    overrides_t overrides = { node, scope->overrides };
    scope_t inner = *scope;

    if (tpl == NULL)
        return;
    inner.overrides = &overrides;
    render_indented(r, &inner, node, tpl->nodes, tpl->count);
}

/*
 * Finds the block that overrides name.  The outermost parent tag wins, so
 * a page overrides its layout's layout.  *from is set to the parent tag's
 * entry in the chain.
 */
static const wk_node_t *override_find(const overrides_t *overrides,
                                      const char *name,
                                      const overrides_t **from)
{
    const wk_node_t *found = NULL;
    int i;

    for (; overrides != NULL; overrides = overrides->up) {
        const wk_node_t *parent = overrides->parent;

        for (i = 0; i < parent->child_count; i++) {
            const wk_node_t *child = &parent->children[i];

            if (child->kind == TOKEN_BLOCK && strcmp(child->text, name) == 0) {
                found = child;
                *from = overrides;
                break;
            }
        }
    }
    return found;
}

static void render_block(render_t *r, const scope_t *scope,
                         const wk_node_t *node)
{
    const overrides_t *from = NULL;
    const wk_node_t *argument = override_find(scope->overrides, node->text,
                                              &from);
    scope_t inner = *scope;

    if (argument == NULL) {
        render_indented(r, scope, node, node->children, node->child_count);
        return;
    }

    /* The argument belongs to the template holding the parent tag, so only
     * that template's own callers may override blocks inside it.  This
     * also keeps a block named like its override from expanding itself. */
    inner.overrides = from->up;
    render_indented(r, &inner, node, argument->children,
                    argument->child_count);
}

static void render_node(render_t *r, const scope_t *scope,
                        const wk_node_t *node)
{
    switch (node->kind) {
    case TOKEN_TEXT:
        render_text(r, scope, node->text, node->len);
        break;
    case TOKEN_VARIABLE:
    case TOKEN_RAW:
        render_variable(r, scope, node);
        break;
    case TOKEN_SECTION:
        render_section(r, scope, node);
        break;
    case TOKEN_INVERTED:
        if (!value_is_truthy(resolve(scope->context, node)))
            render_nodes(r, scope, node->children, node->child_count);
        break;
    case TOKEN_PARTIAL:
        render_partial(r, scope, node);
        break;
    case TOKEN_PARENT:
        render_parent(r, scope, node);
        break;
    case TOKEN_BLOCK:
        render_block(r, scope, node);
        break;
    default:
        break;
    }
}

static void render_nodes(render_t *r, const scope_t *scope,
                         const wk_node_t *nodes, int count)
{
    int i;

    /* NOTE: content past the depth limit is dropped without a message,
     * because wk_template_render() has no way to return one. */
    if (r->depth >= WK_TEMPLATE_MAX_DEPTH)
        return;
    r->depth++;
    for (i = 0; i < count; i++)
        render_node(r, scope, &nodes[i]);
    r->depth--;
}

void wk_template_render(const wk_template_set_t *set,
                        const wk_template_t *tpl,
                        struct json_object *context, wk_buf_t *out)
{
    context_t root = { context, NULL };
    scope_t scope = { &root, NULL, NULL };
    render_t r = { set, out, 1, 0 };

    if (tpl != NULL)
        render_nodes(&r, &scope, tpl->nodes, tpl->count);
}
