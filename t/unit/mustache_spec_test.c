/*
 * mustache_spec_test.c: runs the Mustache specification's JSON test files
 * against wk_template, one TAP line per test.
 *
 * The directory comes from argv[1], else $WK_MUSTACHE_SPEC, else
 * ../shared/mustache-spec relative to the repository root, where the tests
 * run.  Without it the test is skipped.  The optional lambda file is not
 * run because lambdas are not supported.
 */
#include <stdlib.h>

#include <apr_file_info.h>
#include <apr_general.h>

#include "tap.h"
#include "wk_template.h"

static const char *const spec_files[] = {
    "comments.json",
    "delimiters.json",
    "interpolation.json",
    "inverted.json",
    "partials.json",
    "sections.json",
    "~inheritance.json",
};

/* A name no partial tag can reach, because tag names have no spaces. */
#define SPEC_TEMPLATE_NAME "spec template"

static const char *spec_string(struct json_object *test, const char *key)
{
    struct json_object *value;

    if (!json_object_object_get_ex(test, key, &value)
        || !json_object_is_type(value, json_type_string))
        return NULL;
    return json_object_get_string(value);
}

static apr_status_t spec_add_partials(wk_template_set_t *set,
                                      struct json_object *test, char **error)
{
    struct json_object *partials;
    struct json_object_iterator it, end;
    apr_status_t rv;

    if (!json_object_object_get_ex(test, "partials", &partials))
        return APR_SUCCESS;
    it = json_object_iter_begin(partials);
    end = json_object_iter_end(partials);
    for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
        struct json_object *source = json_object_iter_peek_value(&it);

        rv = wk_template_set_add(set, json_object_iter_peek_name(&it),
                                 json_object_get_string(source),
                                 (apr_size_t)json_object_get_string_len(source),
                                 error);
        if (rv != APR_SUCCESS)
            return rv;
    }
    return APR_SUCCESS;
}

static void spec_run_test(const char *file, struct json_object *test,
                          apr_pool_t *parent)
{
    const char *name = spec_string(test, "name");
    const char *source = spec_string(test, "template");
    const char *expected = spec_string(test, "expected");
    struct json_object *data = NULL;
    wk_template_set_t *set;
    char *error = NULL;
    apr_pool_t *pool;
    wk_buf_t *out;
    apr_status_t rv;

    if (name == NULL || source == NULL || expected == NULL) {
        ok(0, "%s: test has name, template and expected", file);
        return;
    }

    apr_pool_create(&pool, parent);
    set = wk_template_set_make(pool);
    rv = spec_add_partials(set, test, &error);
    if (rv == APR_SUCCESS)
        rv = wk_template_set_add(set, SPEC_TEMPLATE_NAME, source,
                                 strlen(source), &error);
    if (rv != APR_SUCCESS) {
        ok(0, "%s: %s", file, name);
        diag("compiling failed: %s", error ? error : "(no message)");
        apr_pool_destroy(pool);
        return;
    }

    json_object_object_get_ex(test, "data", &data);
    out = wk_buf_make(pool, 256);
    wk_template_render(set, wk_template_set_get(set, SPEC_TEMPLATE_NAME),
                       data, out);
    is_str(out->data, expected, "%s: %s", file, name);
    apr_pool_destroy(pool);
}

static void spec_run_file(const char *dir, const char *file,
                          apr_pool_t *pool)
{
    const char *path = apr_pstrcat(pool, dir, "/", file, NULL);
    struct json_object *spec = json_object_from_file(path);
    struct json_object *tests;
    size_t i, count;

    if (spec == NULL || !json_object_object_get_ex(spec, "tests", &tests)
        || !json_object_is_type(tests, json_type_array)) {
        ok(0, "%s: read a tests array", file);
        diag("%s: %s", path, json_util_get_last_err());
        json_object_put(spec);
        return;
    }

    count = json_object_array_length(tests);
    for (i = 0; i < count; i++)
        spec_run_test(file, json_object_array_get_idx(tests, i), pool);
    json_object_put(spec);
}

int main(int argc, const char *const *argv)
{
    const char *dir = "../shared/mustache-spec";
    apr_pool_t *pool;
    apr_finfo_t info;
    size_t i;

    apr_app_initialize(&argc, &argv, NULL);
    apr_pool_create(&pool, NULL);

    if (argc > 1)
        dir = argv[1];
    else if (getenv("WK_MUSTACHE_SPEC") != NULL)
        dir = getenv("WK_MUSTACHE_SPEC");
    if (apr_stat(&info, dir, APR_FINFO_TYPE, pool) != APR_SUCCESS
        || info.filetype != APR_DIR) {
        printf("1..0 # SKIP mustache spec not found at %s\n", dir);
        apr_pool_destroy(pool);
        apr_terminate();
        return 0;
    }

    for (i = 0; i < sizeof(spec_files) / sizeof(spec_files[0]); i++)
        spec_run_file(dir, spec_files[i], pool);

    apr_pool_destroy(pool);
    apr_terminate();
    return done_testing();
}
