/*
 * wk_frontmatter.h: the metadata block at the top of a markdown post.
 *
 * Zola and Hugo write TOML between +++ lines; Jekyll and Hugo write YAML
 * between --- lines.  Both are parsed into a json-c object so the importer
 * reads one shape: strings, integers, booleans, arrays and nested tables.
 * Dates and times stay strings in the form the file gave them.
 */
#ifndef WK_FRONTMATTER_H
#define WK_FRONTMATTER_H

#include <json-c/json.h>

#include "wk_core.h"

/*
 * Splits text into front matter and body.  On success *meta is a new json
 * object (the caller owns one reference; an empty object when the file has
 * no front matter) and *body points into text after the closing fence.
 * On a syntax error returns WK_EINVAL with *error naming the line and the
 * problem.
 */
apr_status_t wk_frontmatter_parse(struct json_object **meta,
                                  const char **body, const char *text,
                                  apr_size_t len, char **error,
                                  apr_pool_t *pool);

/*
 * Parses a front matter date or date-time (RFC 3339 with any offset, a
 * TOML local date-time, or a bare YYYY-MM-DD taken as midnight UTC) into
 * *t.  Returns WK_EINVAL when value is none of those.
 */
apr_status_t wk_date_parse(apr_time_t *t, const char *value);

#endif
