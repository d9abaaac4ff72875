/*
 * wk_sanitize.c: an allow-list HTML sanitizer built on a small tokenizer.
 *
 * The tokenizer splits tags the way an HTML5 parser does (a tag name runs
 * to whitespace, '/' or '>'; quoted attribute values may hold '>'), so a
 * tag that the browser would see is a tag here too.  Every attribute value
 * is decoded here and written back fully escaped, so the browser reads
 * exactly the string that was checked: an entity this file does not know
 * reaches the browser as literal text, never as a character.  One pass,
 * no backtracking, so time is linear in the input, and open elements are
 * capped at MAX_DEPTH so closing them stays linear too.
 */
#include <string.h>

#include <apr_lib.h>

#include "wk_sanitize.h"

#define MAX_DEPTH 256
#define MAX_ATTRIBUTES 32

/* Attributes allowed on every allowed element. */
static const char *const global_attributes[] = {
    "title", "lang", "dir", "id", "class", NULL
};

/* An allowed element with the attributes it may carry beyond the global
 * ones.  Void elements have no end tag. */
typedef struct element_rule {
    const char *name;
    int is_void;
    const char *attributes;   /* space-separated, with spaces around */
} element_rule_t;

static const element_rule_t element_rules[] = {
    { "p", 0, "" }, { "br", 1, "" }, { "hr", 1, "" },
    { "h1", 0, "" }, { "h2", 0, "" }, { "h3", 0, "" }, { "h4", 0, "" },
    { "h5", 0, "" }, { "h6", 0, "" },
    { "em", 0, "" }, { "strong", 0, "" }, { "b", 0, "" }, { "i", 0, "" },
    { "u", 0, "" }, { "s", 0, "" },
    { "del", 0, " cite datetime " }, { "ins", 0, " cite datetime " },
    { "sub", 0, "" }, { "sup", 0, "" }, { "small", 0, "" },
    { "mark", 0, "" }, { "code", 0, "" }, { "pre", 0, "" },
    { "kbd", 0, "" }, { "samp", 0, "" },
    { "blockquote", 0, " cite " }, { "q", 0, " cite " }, { "cite", 0, "" },
    { "abbr", 0, "" }, { "dfn", 0, "" },
    { "ul", 0, " type " }, { "ol", 0, " start reversed type " },
    { "li", 0, "" }, { "dl", 0, "" }, { "dt", 0, "" }, { "dd", 0, "" },
    { "table", 0, "" }, { "thead", 0, "" }, { "tbody", 0, "" },
    { "tfoot", 0, "" }, { "tr", 0, "" },
    { "th", 0, " colspan rowspan " }, { "td", 0, " colspan rowspan " },
    { "caption", 0, "" }, { "colgroup", 0, "" }, { "col", 1, "" },
    { "a", 0, " href " },
    { "img", 1, " src srcset alt width height loading " },
    { "figure", 0, "" }, { "figcaption", 0, "" }, { "picture", 0, "" },
    { "source", 1, " src srcset type " },
    { "video", 0, " src poster controls loop muted width height " },
    { "audio", 0, " src controls loop muted " },
    { "track", 1, " src " },
    { "details", 0, " open " }, { "summary", 0, "" },
    { "div", 0, "" }, { "span", 0, "" }, { "section", 0, "" },
    { "article", 0, "" }, { "aside", 0, "" }, { "header", 0, "" },
    { "footer", 0, "" }, { "nav", 0, "" },
    { "time", 0, " datetime " },
    { "iframe", 0, " src width height loading " },
    { NULL, 0, NULL }
};

/* Attributes whose value is a URL, checked against the scheme list. */
static const char url_attributes[] = " href src cite poster ";

/* Attributes written without a value in HTML; written as name="" here. */
static const char boolean_attributes[] = " controls loop muted reversed open ";

/*
 * Elements dropped with everything inside them.  The raw text ones end at
 * the first matching end tag, as in a browser; the others count nested
 * tags of the same name.
 */
static const char raw_text_elements[] =
    " script style xmp textarea title noembed noframes noscript iframe ";
static const char dropped_elements[] =
    " template object applet svg math select frameset ";

/* Named character references decoded here; any other stays literal. */
static const struct {
    const char *name;
    unsigned int code;
} named_entities[] = {
    { "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' },
    { "apos", '\'' }, { "nbsp", 0xA0 }, { "colon", ':' }, { "Tab", '\t' },
    { "NewLine", '\n' }, { "sol", '/' }, { "lpar", '(' }, { "rpar", ')' },
    { "period", '.' }, { "comma", ',' }, { "semi", ';' }, { "equals", '=' },
    { "num", '#' }, { "percnt", '%' }, { "excl", '!' }, { "quest", '?' },
    { "commat", '@' }, { "bsol", '\\' }, { "plus", '+' },
    { "lowbar", '_' }, { "hyphen", 0x2010 }, { "dash", 0x2010 },
    { NULL, 0 }
};

/* The sanitizer's state: input, position, output and open elements. */
typedef struct sanitizer {
    const char *in;
    apr_size_t len;
    apr_size_t pos;
    wk_buf_t *out;
    const char *iframe_hosts;
    wk_url_rewrite_fn *rewrite;   /* NULL leaves URLs as they are */
    void *baton;
    const char *open[MAX_DEPTH];
    int depth;
    apr_pool_t *pool;
} sanitizer_t;

/* One attribute of a tag, as it appears in the input. */
typedef struct attribute {
    const char *name;        /* lowercased, NUL-terminated */
    const char *value;       /* decoded */
    apr_size_t value_len;
} attribute_t;

/* A start or end tag. */
typedef struct tag {
    const char *name;        /* lowercased */
    attribute_t attributes[MAX_ATTRIBUTES];
    int count;
} tag_t;

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* Returns nonzero when word occurs in list as " word ". */
static int word_in(const char *list, const char *word)
{
    apr_size_t len = strlen(word);
    const char *at = list;

    while ((at = strstr(at, word)) != NULL) {
        if (at > list && at[-1] == ' ' && at[len] == ' ')
            return 1;
        at += len;
    }
    return 0;
}

static const element_rule_t *element_rule_find(const char *name)
{
    const element_rule_t *rule;

    for (rule = element_rules; rule->name != NULL; rule++) {
        if (strcmp(rule->name, name) == 0)
            return rule;
    }
    return NULL;
}

/* --- character references ---------------------------------------------- */

static void utf8_append(wk_buf_t *buf, unsigned int code)
{
    char bytes[4];
    apr_size_t len;

    if (code < 0x80) {
        bytes[0] = (char)code;
        len = 1;
    }
    else if (code < 0x800) {
        bytes[0] = (char)(0xC0 | code >> 6);
        bytes[1] = (char)(0x80 | (code & 0x3F));
        len = 2;
    }
    else if (code < 0x10000) {
        bytes[0] = (char)(0xE0 | code >> 12);
        bytes[1] = (char)(0x80 | (code >> 6 & 0x3F));
        bytes[2] = (char)(0x80 | (code & 0x3F));
        len = 3;
    }
    else {
        bytes[0] = (char)(0xF0 | code >> 18);
        bytes[1] = (char)(0x80 | (code >> 12 & 0x3F));
        bytes[2] = (char)(0x80 | (code >> 6 & 0x3F));
        bytes[3] = (char)(0x80 | (code & 0x3F));
        len = 4;
    }
    wk_buf_append(buf, bytes, len);
}

/*
 * Decodes the character reference at text[0] == '&'.  Returns its length
 * with *code set, or 0 when it is not one this file decodes.  A numeric
 * reference may lack its ';', as browsers accept it so.  A code point that
 * HTML replaces (NUL, surrogates, past U+10FFFF) becomes U+FFFD.
 */
static apr_size_t entity_decode(const char *text, apr_size_t len,
                                unsigned int *code)
{
    apr_size_t i = 1, start;
    unsigned long value = 0;
    int hex;

    if (len > 2 && text[1] == '#') {
        hex = text[2] == 'x' || text[2] == 'X';
        i = start = hex ? 3 : 2;
        while (i < len && (hex ? apr_isxdigit((unsigned char)text[i])
                               : apr_isdigit((unsigned char)text[i]))) {
            if (value <= 0x10FFFF) {
                int digit = apr_isdigit((unsigned char)text[i])
                            ? text[i] - '0'
                            : apr_tolower((unsigned char)text[i]) - 'a' + 10;

                value = value * (hex ? 16 : 10) + (unsigned long)digit;
            }
            i++;
        }
        if (i == start)
            return 0;
        if (i < len && text[i] == ';')
            i++;
        if (value == 0 || value > 0x10FFFF
            || (value >= 0xD800 && value <= 0xDFFF))
            value = 0xFFFD;
        *code = (unsigned int)value;
        return i;
    }

    while (i < len && i < 12 && apr_isalnum((unsigned char)text[i]))
        i++;
    if (i < len && text[i] == ';') {
        int k;

        for (k = 0; named_entities[k].name != NULL; k++) {
            if (strlen(named_entities[k].name) == i - 1
                && memcmp(named_entities[k].name, text + 1, i - 1) == 0) {
                *code = named_entities[k].code;
                return i + 1;
            }
        }
    }
    return 0;
}

/* Decodes the character references in an attribute value. */
static const char *value_decode(const char *value, apr_size_t len,
                                apr_size_t *out_len, apr_pool_t *pool)
{
    wk_buf_t *buf;
    apr_size_t i = 0, run = 0;
    const char *decoded;

    if (memchr(value, '&', len) == NULL) {
        *out_len = len;
        return apr_pstrmemdup(pool, value, len);
    }
    buf = wk_buf_make(pool, len + 1);
    while (i < len) {
        unsigned int code;
        apr_size_t used;

        if (value[i] != '&' || (used = entity_decode(value + i, len - i,
                                                     &code)) == 0) {
            i++;
            continue;
        }
        wk_buf_append(buf, value + run, i - run);
        utf8_append(buf, code);
        i += used;
        run = i;
    }
    wk_buf_append(buf, value + run, len - run);
    *out_len = buf->len;
    decoded = apr_pstrmemdup(pool, buf->data, buf->len);
    return decoded;
}

/* --- URLs -------------------------------------------------------------- */

/*
 * Removes what a browser ignores in a URL: leading and trailing spaces and
 * control characters, and tabs and newlines anywhere, which is how
 * "java\tscript:" still runs script.  Other control characters are
 * dropped too, because no legitimate URL has them.
 */
static const char *url_clean(const char *url, apr_size_t len,
                             apr_pool_t *pool)
{
    char *clean = apr_palloc(pool, len + 1);
    apr_size_t i, out = 0;

    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)url[i];

        if (c <= 0x20 || c == 0x7F) {
            /* Inner spaces are kept; the rest go. */
            if (c == ' ' && out > 0)
                clean[out++] = ' ';
            continue;
        }
        clean[out++] = (char)c;
    }
    while (out > 0 && clean[out - 1] == ' ')
        out--;
    clean[out] = '\0';
    return clean;
}

/* Returns the lowercased scheme of url, or NULL for a relative URL. */
static const char *url_scheme(const char *url, apr_pool_t *pool)
{
    apr_size_t i;
    char *scheme;

    if (!apr_isalpha((unsigned char)url[0]))
        return NULL;
    for (i = 1; url[i] != ':'; i++) {
        if (url[i] == '\0' || (!apr_isalnum((unsigned char)url[i])
                               && strchr("+-.", url[i]) == NULL))
            return NULL;
    }
    scheme = apr_pstrmemdup(pool, url, i);
    for (i = 0; scheme[i]; i++)
        scheme[i] = (char)apr_tolower((unsigned char)scheme[i]);
    return scheme;
}

/* Accepts data: URLs of PNG, GIF, JPEG and WebP images only. */
static int data_url_is_image(const char *url)
{
    static const char *const types[] = {
        "data:image/png", "data:image/gif", "data:image/jpeg",
        "data:image/webp", NULL
    };
    int i;

    for (i = 0; types[i] != NULL; i++) {
        apr_size_t len = strlen(types[i]);

        if (strncasecmp(url, types[i], len) == 0
            && (url[len] == ';' || url[len] == ','))
            return 1;
    }
    return 0;
}

static int url_allowed(const char *url, int is_image, apr_pool_t *pool)
{
    const char *scheme = url_scheme(url, pool);

    if (scheme == NULL)
        return 1;
    if (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0
        || strcmp(scheme, "mailto") == 0)
        return 1;
    return is_image && strcmp(scheme, "data") == 0 && data_url_is_image(url);
}

/* Checks every URL of a srcset: comma-separated "URL [descriptor]". */
static int srcset_allowed(const char *srcset, apr_pool_t *pool)
{
    const char *p = srcset;

    while (*p) {
        const char *start, *end;

        while (*p == ' ' || *p == ',')
            p++;
        start = p;
        while (*p && *p != ' ' && *p != ',')
            p++;
        end = p;
        if (end > start) {
            const char *url = apr_pstrmemdup(pool, start,
                                             (apr_size_t)(end - start));

            /* data: URLs hold commas, so they cannot be split safely. */
            if (url_scheme(url, pool) != NULL && !url_allowed(url, 0, pool))
                return 0;
        }
        while (*p && *p != ',')
            p++;
    }
    return 1;
}

/* Lowercases text and turns commas and whitespace into spaces, with a
 * space at each end, the form word_in() searches. */
static const char *word_list(const char *text, apr_size_t len,
                             apr_pool_t *pool)
{
    char *list = apr_palloc(pool, len + 3);
    apr_size_t i;

    list[0] = ' ';
    for (i = 0; i < len; i++) {
        char c = text[i];

        list[i + 1] = is_space(c) || c == ',' ? ' '
                      : (char)apr_tolower((unsigned char)c);
    }
    list[len + 1] = ' ';
    list[len + 2] = '\0';
    return list;
}

/* Accepts https://HOST[:port][/...] with HOST in the hosts list, compared
 * without case.  A URL with user information is rejected outright. */
static int iframe_src_allowed(const char *url, const char *hosts,
                              apr_pool_t *pool)
{
    const char *host, *authority_end, *name;
    apr_size_t host_len;

    if (hosts == NULL || strncasecmp(url, "https://", 8) != 0)
        return 0;
    host = url + 8;
    authority_end = host + strcspn(host, "/?#\\");
    if (memchr(host, '@', (apr_size_t)(authority_end - host)) != NULL)
        return 0;
    host_len = strcspn(host, ":/?#\\");
    if (host_len == 0 || host_len != strspn(host, "abcdefghijklmnopqrstuvwxyz"
                                            "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "0123456789.-"))
        return 0;
    /* word_list() lowercases; the name is the list without its spaces. */
    name = apr_pstrmemdup(pool, word_list(host, host_len, pool) + 1,
                          host_len);
    return word_in(word_list(hosts, strlen(hosts), pool), name);
}

/* --- tokenizer --------------------------------------------------------- */

/*
 * Reads a name that began at start up to whitespace, '/', '>' or, for an
 * attribute, '='; returns it lowercased.  A NUL inside becomes '?', so the
 * name matches nothing on the allow lists.
 */
static const char *name_read(sanitizer_t *san, apr_size_t start,
                             int is_attribute)
{
    char *name;
    apr_size_t i;

    while (san->pos < san->len && !is_space(san->in[san->pos])
           && san->in[san->pos] != '/' && san->in[san->pos] != '>'
           && !(is_attribute && san->in[san->pos] == '='))
        san->pos++;
    name = apr_pstrmemdup(san->pool, san->in + start, san->pos - start);
    for (i = 0; i < san->pos - start; i++)
        name[i] = name[i] ? (char)apr_tolower((unsigned char)name[i]) : '?';
    return name;
}

static void spaces_skip(sanitizer_t *san)
{
    while (san->pos < san->len && is_space(san->in[san->pos]))
        san->pos++;
}

/* Reads a quoted or unquoted attribute value, decoded. */
static void value_read(sanitizer_t *san, attribute_t *attribute)
{
    apr_size_t start, end;
    char quote = san->in[san->pos];

    if (quote == '"' || quote == '\'') {
        start = ++san->pos;
        while (san->pos < san->len && san->in[san->pos] != quote)
            san->pos++;
        end = san->pos;
        if (san->pos < san->len)
            san->pos++;
    }
    else {
        start = san->pos;
        while (san->pos < san->len && !is_space(san->in[san->pos])
               && san->in[san->pos] != '>')
            san->pos++;
        end = san->pos;
    }
    attribute->value = value_decode(san->in + start, end - start,
                                    &attribute->value_len, san->pool);
}

/*
 * Reads a tag from just after '<' (or "</") to its '>'.  Returns 0 when
 * the input ends first, in which case a browser drops the tag too.
 */
static int tag_read(sanitizer_t *san, tag_t *tag)
{
    tag->name = name_read(san, san->pos, 0);
    tag->count = 0;
    for (;;) {
        attribute_t attribute = { "", "", 0 };
        apr_size_t start;

        while (san->pos < san->len && (is_space(san->in[san->pos])
                                       || san->in[san->pos] == '/'))
            san->pos++;
        if (san->pos >= san->len)
            return 0;
        if (san->in[san->pos] == '>') {
            san->pos++;
            return 1;
        }

        /* The first character always belongs to the name, even '=', as
         * in an HTML5 tokenizer. */
        start = san->pos++;
        attribute.name = name_read(san, start, 1);
        spaces_skip(san);
        if (san->pos < san->len && san->in[san->pos] == '=') {
            san->pos++;
            spaces_skip(san);
            if (san->pos < san->len)
                value_read(san, &attribute);
        }
        if (tag->count < MAX_ATTRIBUTES)
            tag->attributes[tag->count++] = attribute;
    }
}

/* --- dropping ---------------------------------------------------------- */

/* Returns nonzero when the input at pos is "<name" (or "</name" when
 * is_end is set) followed by whitespace, '/' or '>'. */
static int tag_at(const sanitizer_t *san, apr_size_t pos, const char *name,
                  int is_end)
{
    apr_size_t len = strlen(name), at = pos + 1 + (is_end ? 1 : 0);

    if (san->in[pos] != '<' || (is_end && (pos + 1 >= san->len
                                           || san->in[pos + 1] != '/')))
        return 0;
    if (at + len >= san->len || strncasecmp(san->in + at, name, len) != 0)
        return 0;
    return is_space(san->in[at + len]) || san->in[at + len] == '/'
           || san->in[at + len] == '>';
}

/*
 * Skips what follows the start tag of name up to and including its end
 * tag, or to the end of input.  Raw text elements end at their first end
 * tag; others count nested tags of their name.  Stopping early is safe,
 * because whatever follows goes through the allow list as usual.
 */
static void element_skip(sanitizer_t *san, const char *name, int raw_text)
{
    int depth = 1;
    tag_t end_tag;

    while (san->pos < san->len) {
        const char *lt = memchr(san->in + san->pos, '<', san->len - san->pos);

        if (lt == NULL)
            break;
        san->pos = (apr_size_t)(lt - san->in);
        if (!raw_text && tag_at(san, san->pos, name, 0))
            depth++;
        else if (tag_at(san, san->pos, name, 1) && --depth == 0) {
            san->pos += 2;
            tag_read(san, &end_tag);
            return;
        }
        san->pos++;
    }
    san->pos = san->len;
}

/* Skips a comment from "<!--", or a doctype, CDATA section or processing
 * instruction from "<!" or "<?" (HTML5 parses those as bogus comments). */
static void comment_skip(sanitizer_t *san)
{
    const char *end;

    if (san->len - san->pos >= 4
        && memcmp(san->in + san->pos, "<!--", 4) == 0) {
        san->pos += 4;
        /* "<!-->" and "<!--->" are complete, empty comments. */
        if (san->pos < san->len && san->in[san->pos] == '>') {
            san->pos++;
            return;
        }
        if (san->len - san->pos >= 2
            && memcmp(san->in + san->pos, "->", 2) == 0) {
            san->pos += 2;
            return;
        }
        for (; san->pos + 2 < san->len; san->pos++) {
            if (memcmp(san->in + san->pos, "-->", 3) == 0) {
                san->pos += 3;
                return;
            }
            if (san->pos + 3 < san->len
                && memcmp(san->in + san->pos, "--!>", 4) == 0) {
                san->pos += 4;
                return;
            }
        }
        san->pos = san->len;
        return;
    }
    end = memchr(san->in + san->pos, '>', san->len - san->pos);
    san->pos = end ? (apr_size_t)(end - san->in) + 1 : san->len;
}

/* --- output ------------------------------------------------------------ */

static void attribute_write(sanitizer_t *san, const char *name,
                            const char *value, apr_size_t len)
{
    wk_buf_puts(san->out, " ");
    wk_buf_puts(san->out, name);
    wk_buf_puts(san->out, "=\"");
    wk_buf_append_escaped(san->out, value, len);
    wk_buf_puts(san->out, "\"");
}

/* Passes each URL of a srcset to the rewrite function and joins the
 * candidates again with their descriptors. */
static const char *srcset_rewrite(sanitizer_t *san, const char *srcset)
{
    wk_buf_t *out = wk_buf_make(san->pool, strlen(srcset) + 64);
    const char *p = srcset;

    while (*p) {
        const char *start, *end, *descriptor_end, *url, *replaced;

        while (*p == ' ' || *p == ',')
            p++;
        if (*p == '\0')
            break;
        start = p;
        while (*p && *p != ' ' && *p != ',')
            p++;
        end = p;
        while (*p && *p != ',')
            p++;
        descriptor_end = p;

        url = apr_pstrmemdup(san->pool, start, (apr_size_t)(end - start));
        replaced = san->rewrite(san->baton, url, 1, san->pool);
        if (out->len > 0)
            wk_buf_puts(out, ", ");
        wk_buf_puts(out, replaced ? replaced : url);
        wk_buf_append(out, end, (apr_size_t)(descriptor_end - end));
    }
    return apr_pstrmemdup(san->pool, out->data, out->len);
}

/* Returns the URL the rewrite function gives for an attribute, or url. */
static const char *url_rewrite(sanitizer_t *san, const element_rule_t *rule,
                               const char *name, const char *url)
{
    static const char media_elements[] = " img source video audio ";
    const char *replaced;

    if (san->rewrite == NULL)
        return url;
    if (strcmp(name, "srcset") == 0)
        return srcset_rewrite(san, url);
    replaced = san->rewrite(san->baton, url,
                            word_in(media_elements, rule->name), san->pool);
    return replaced ? replaced : url;
}

/* Returns the value to write for attribute on element, or NULL to drop
 * it: URLs are cleaned and checked, boolean attributes become empty. */
static const char *attribute_value(sanitizer_t *san,
                                   const element_rule_t *rule,
                                   const attribute_t *attribute,
                                   apr_size_t *len)
{
    const char *name = attribute->name;
    const char *url;

    if (!word_in(rule->attributes, name)) {
        int i;

        for (i = 0; global_attributes[i] != NULL; i++) {
            if (strcmp(global_attributes[i], name) == 0)
                break;
        }
        if (global_attributes[i] == NULL)
            return NULL;
    }
    if (word_in(boolean_attributes, name)) {
        *len = 0;
        return "";
    }
    if (!word_in(url_attributes, name) && strcmp(name, "srcset") != 0) {
        *len = attribute->value_len;
        return attribute->value;
    }

    url = url_clean(attribute->value, attribute->value_len, san->pool);
    if (strcmp(rule->name, "iframe") != 0)
        url = url_rewrite(san, rule, name, url);
    if (strcmp(name, "srcset") == 0 ? !srcset_allowed(url, san->pool)
        : strcmp(rule->name, "iframe") == 0
          ? !iframe_src_allowed(url, san->iframe_hosts, san->pool)
          : !url_allowed(url, strcmp(rule->name, "img") == 0
                              && strcmp(name, "src") == 0, san->pool))
        return NULL;
    *len = strlen(url);
    return url;
}

/* Writes an allowed start tag with its allowed attributes, each once. */
static void start_tag_write(sanitizer_t *san, const element_rule_t *rule,
                            const tag_t *tag)
{
    int i, j;

    wk_buf_puts(san->out, "<");
    wk_buf_puts(san->out, rule->name);
    for (i = 0; i < tag->count; i++) {
        const attribute_t *attribute = &tag->attributes[i];
        const char *value;
        apr_size_t len;

        /* A repeated attribute is ignored, as browsers do. */
        for (j = 0; j < i; j++) {
            if (strcmp(tag->attributes[j].name, attribute->name) == 0)
                break;
        }
        if (j < i)
            continue;
        value = attribute_value(san, rule, attribute, &len);
        if (value != NULL)
            attribute_write(san, attribute->name, value, len);
    }
    wk_buf_puts(san->out, rule->is_void ? " />" : ">");
}

static void end_tag_write(sanitizer_t *san, const char *name)
{
    wk_buf_puts(san->out, "</");
    wk_buf_puts(san->out, name);
    wk_buf_puts(san->out, ">");
}

/* Returns nonzero when the iframe tag has a src on an allowed host. */
static int iframe_allowed(sanitizer_t *san, const tag_t *tag)
{
    int i;

    for (i = 0; i < tag->count; i++) {
        if (strcmp(tag->attributes[i].name, "src") == 0)
            return iframe_src_allowed(url_clean(tag->attributes[i].value,
                                                tag->attributes[i].value_len,
                                                san->pool),
                                      san->iframe_hosts, san->pool);
    }
    return 0;
}

static void start_tag_handle(sanitizer_t *san, const tag_t *tag)
{
    const element_rule_t *rule;
    const char *word = apr_pstrcat(san->pool, " ", tag->name, " ", NULL);

    if (strcmp(tag->name, "iframe") == 0 && !iframe_allowed(san, tag)) {
        element_skip(san, "iframe", 1);
        return;
    }
    if (strstr(raw_text_elements, word) != NULL
        && strcmp(tag->name, "iframe") != 0) {
        element_skip(san, tag->name, 1);
        return;
    }
    if (strstr(dropped_elements, word) != NULL) {
        element_skip(san, tag->name, 0);
        return;
    }

    rule = element_rule_find(tag->name);
    if (rule == NULL || (!rule->is_void && san->depth >= MAX_DEPTH))
        return;
    start_tag_write(san, rule, tag);
    if (!rule->is_void)
        san->open[san->depth++] = rule->name;
}

/* Closes the innermost open element of the tag's name and every element
 * opened inside it; an end tag with no open element is dropped. */
static void end_tag_handle(sanitizer_t *san, const tag_t *tag)
{
    int i;

    for (i = san->depth - 1; i >= 0; i--) {
        if (strcmp(san->open[i], tag->name) == 0)
            break;
    }
    if (i < 0)
        return;
    while (san->depth > i)
        end_tag_write(san, san->open[--san->depth]);
}

/* Returns the length of a named reference such as "&hellip;" at text, or
 * 0.  Text keeps ones this file does not decode, because a browser shows
 * an unknown one as it is written. */
static apr_size_t named_reference_length(const char *text, apr_size_t len)
{
    apr_size_t i = 1;

    if (len < 3 || !apr_isalpha((unsigned char)text[1]))
        return 0;
    while (i < len && i < 33 && apr_isalnum((unsigned char)text[i]))
        i++;
    return i < len && text[i] == ';' ? i + 1 : 0;
}

/* Writes text up to the next '<', escaped, keeping character references. */
static void text_handle(sanitizer_t *san, apr_size_t end)
{
    while (san->pos < end) {
        const char *amp = memchr(san->in + san->pos, '&', end - san->pos);
        apr_size_t stop = amp ? (apr_size_t)(amp - san->in) : end;
        apr_size_t used;
        unsigned int code;
        char single;

        wk_buf_append_escaped(san->out, san->in + san->pos, stop - san->pos);
        san->pos = stop;
        if (san->pos >= end)
            break;

        if ((used = entity_decode(san->in + san->pos, end - san->pos,
                                  &code)) > 0) {
            single = (char)code;
            if (code < 0x80)
                wk_buf_append_escaped(san->out, &single, 1);
            else
                utf8_append(san->out, code);
        }
        else if ((used = named_reference_length(san->in + san->pos,
                                                end - san->pos)) > 0)
            wk_buf_append(san->out, san->in + san->pos, used);
        else {
            wk_buf_puts(san->out, "&amp;");
            used = 1;
        }
        san->pos += used;
    }
}

/* Handles the markup that starts with '<' at san->pos. */
static void markup_handle(sanitizer_t *san)
{
    const char *in = san->in;
    apr_size_t next = san->pos + 1;
    tag_t tag;

    if (next < san->len && apr_isalpha((unsigned char)in[next])) {
        san->pos = next;
        if (tag_read(san, &tag))
            start_tag_handle(san, &tag);
        return;
    }
    if (next + 1 < san->len && in[next] == '/'
        && apr_isalpha((unsigned char)in[next + 1])) {
        san->pos = next + 1;
        if (tag_read(san, &tag))
            end_tag_handle(san, &tag);
        return;
    }
    if (next < san->len && (in[next] == '!' || in[next] == '?'
                            || in[next] == '/')) {
        comment_skip(san);
        return;
    }
    wk_buf_puts(san->out, "&lt;");
    san->pos++;
}

apr_status_t wk_html_sanitize(const char **clean, const char *html,
                              apr_size_t len, const char *iframe_hosts,
                              apr_pool_t *pool)
{
    return wk_html_sanitize_rewrite(clean, html, len, iframe_hosts, NULL,
                                    NULL, pool);
}

apr_status_t wk_html_sanitize_rewrite(const char **clean, const char *html,
                                      apr_size_t len,
                                      const char *iframe_hosts,
                                      wk_url_rewrite_fn *rewrite,
                                      void *baton, apr_pool_t *pool)
{
    sanitizer_t *san = apr_pcalloc(pool, sizeof(*san));

    san->rewrite = rewrite;
    san->baton = baton;
    san->in = html ? html : "";
    san->len = html ? len : 0;
    san->out = wk_buf_make(pool, len + len / 8 + 64);
    san->iframe_hosts = iframe_hosts && *iframe_hosts ? iframe_hosts : NULL;
    san->pool = pool;

    while (san->pos < san->len) {
        const char *lt = memchr(san->in + san->pos, '<',
                                san->len - san->pos);
        apr_size_t end = lt ? (apr_size_t)(lt - san->in) : san->len;

        text_handle(san, end);
        if (san->pos < san->len)
            markup_handle(san);
    }
    while (san->depth > 0)
        end_tag_write(san, san->open[--san->depth]);

    *clean = san->out->data;
    return APR_SUCCESS;
}
