/*
 * wk_template.h: Mustache templates, compiled once and rendered many times.
 *
 * A template is parsed into a tree when a theme loads (at start-up and on
 * graceful restart) and is read-only afterwards, so threads can render it
 * at the same time.  The data a template sees is a json-c object tree.
 * {{name}} escapes HTML through wk_buf_append_escaped(); {{{name}}} and
 * {{&name}} do not.  Supported: variables with dotted names and implicit
 * iterators, sections, inverted sections, comments, set delimiters,
 * partials with standalone indentation, and template inheritance
 * ({{<parent}} with {{$block}} overrides).  Lambdas are not supported.
 */
#ifndef WK_TEMPLATE_H
#define WK_TEMPLATE_H

#include <json-c/json.h>

#include "wk_core.h"

typedef struct wk_template wk_template_t;

/* A named set of templates; partials and parents are looked up in it. */
typedef struct wk_template_set wk_template_set_t;

wk_template_set_t *wk_template_set_make(apr_pool_t *pool);

/*
 * Compiles source under name into the set.  On a syntax error returns
 * WK_EINVAL and sets *error to a message with the name and line.
 */
apr_status_t wk_template_set_add(wk_template_set_t *set, const char *name,
                                 const char *source, apr_size_t len,
                                 char **error);

/*
 * Compiles every NAME.mustache file in dir into the set under NAME.
 * Errors name the file.
 */
apr_status_t wk_template_set_load_dir(wk_template_set_t *set,
                                      const char *dir, char **error);

/* Returns the template named name, or NULL. */
const wk_template_t *wk_template_set_get(const wk_template_set_t *set,
                                         const char *name);

/*
 * Renders template with context into out.  A partial or parent missing
 * from the set renders as the empty string, as the specification asks.
 */
void wk_template_render(const wk_template_set_t *set,
                        const wk_template_t *tpl,
                        struct json_object *context, wk_buf_t *out);

#endif
