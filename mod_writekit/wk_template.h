/*
 * wk_template.h: Mustache templates, compiled once and rendered many times.
 *
 * A template is parsed into a tree when a theme loads (at start-up and on
 * graceful restart) and is read-only afterwards, so threads can render it
 * at the same time.  Adding templates to a set must not overlap with
 * rendering from it.  A template renders data from a json-c object tree.
 * {{name}} escapes HTML through wk_buf_append_escaped(); {{{name}}} and
 * {{&name}} do not.  Supported: variables with dotted names and implicit
 * iterators, sections, inverted sections, comments, set delimiters,
 * partials with standalone indentation, and template inheritance
 * ({{<parent}} with {{$block}} overrides, blocks reindented as the
 * specification's inheritance tests require).  Lambdas are not supported.
 *
 * Values: false, null, an empty array and a missing name are falsy;
 * everything else, "" and 0 included, is truthy.  Strings print as they
 * are, integers in decimal, doubles with the fewest digits that read back
 * the same (1.210 prints "1.21"), booleans as "true" and "false", and
 * objects and arrays print nothing.
 */
#ifndef WK_TEMPLATE_H
#define WK_TEMPLATE_H

#include <json-c/json.h>

#include "wk_core.h"

/* Deepest nesting of sections, parents and blocks in one template; a
 * template nested deeper is rejected. */
#define WK_TEMPLATE_MAX_NESTING 100

/*
 * Deepest chain of sections, partials, parents and blocks that a render
 * follows; whatever lies deeper renders as nothing.  It bounds the C stack
 * when a partial includes itself: a level takes at most about 350 bytes
 * (gcc 12 -fstack-usage on x86-64), so the limit stays under 100 KB.
 */
#define WK_TEMPLATE_MAX_DEPTH 256

typedef struct wk_template wk_template_t;

/* A named set of templates; partials and parents are looked up in it. */
typedef struct wk_template_set wk_template_set_t;

wk_template_set_t *wk_template_set_make(apr_pool_t *pool);

/*
 * Compiles source under name into the set, replacing any template of that
 * name.  On a syntax error returns WK_EINVAL, sets *error to a message of
 * the form "NAME:LINE: what is wrong", and adds nothing to the set.
 * Messages are allocated on the set's pool.
 */
apr_status_t wk_template_set_add(wk_template_set_t *set, const char *name,
                                 const char *source, apr_size_t len,
                                 char **error);

/*
 * Compiles every NAME.mustache file in dir into the set under NAME.
 * Subdirectories and names starting with "." are skipped.  Stops at the
 * first failure and sets *error to a message naming the file; templates
 * loaded before it stay in the set.
 */
apr_status_t wk_template_set_load_dir(wk_template_set_t *set,
                                      const char *dir, char **error);

/*
 * Returns a digest of every source compiled into the set, which changes
 * when a template is added or edited.  The sum of one digest per
 * template does not depend on the order templates were added in.
 */
apr_uint64_t wk_template_set_digest(const wk_template_set_t *set);

/* Returns the template named name, or NULL. */
const wk_template_t *wk_template_set_get(const wk_template_set_t *set,
                                         const char *name);

/*
 * Renders template with context, appending the output to out.
 * A partial or parent missing from the set renders as the empty string,
 * as the specification requires; so does a NULL tpl.
 */
void wk_template_render(const wk_template_set_t *set,
                        const wk_template_t *tpl,
                        struct json_object *context, wk_buf_t *out);

#endif
