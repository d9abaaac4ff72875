/*
 * template_test.c: wk_template behaviour that the Mustache specification
 * leaves open or does not test: escaping, value formatting, syntax error
 * messages, limits and loading a theme directory.
 */
#include <stdlib.h>

#include <apr_file_io.h>
#include <apr_general.h>

#include "tap.h"
#include "wk_template.h"

/*
 * Compiles source as "page" in a fresh set, with partials given as
 * name, source pairs ending in NULL, and renders it with the JSON text
 * data.  Returns the output, or "(error) MESSAGE" when compiling fails.
 */
static const char *render_with(apr_pool_t *pool, const char *source,
                               const char *data, const char *const *partials)
{
    wk_template_set_t *set = wk_template_set_make(pool);
    struct json_object *context = json_tokener_parse(data);
    wk_buf_t *out = wk_buf_make(pool, 64);
    char *error = NULL;
    const char *result;

    for (; partials != NULL && partials[0] != NULL; partials += 2) {
        if (wk_template_set_add(set, partials[0], partials[1],
                                strlen(partials[1]), &error) != APR_SUCCESS) {
            json_object_put(context);
            return apr_pstrcat(pool, "(error) ", error, NULL);
        }
    }
    if (wk_template_set_add(set, "page", source, strlen(source), &error)
        != APR_SUCCESS) {
        json_object_put(context);
        return apr_pstrcat(pool, "(error) ", error, NULL);
    }

    wk_template_render(set, wk_template_set_get(set, "page"), context, out);
    result = apr_pstrdup(pool, out->data);
    json_object_put(context);
    return result;
}

static const char *render(apr_pool_t *pool, const char *source,
                          const char *data)
{
    return render_with(pool, source, data, NULL);
}

/* Returns the error message for source, or "(compiled)" when it compiles. */
static const char *compile_error(apr_pool_t *pool, const char *source)
{
    wk_template_set_t *set = wk_template_set_make(pool);
    char *error = NULL;
    apr_status_t rv;

    rv = wk_template_set_add(set, "page", source, strlen(source), &error);
    if (rv == APR_SUCCESS)
        return "(compiled)";
    if (rv != WK_EINVAL)
        return "(status other than WK_EINVAL)";
    if (wk_template_set_get(set, "page") != NULL)
        return "(failed template added to the set)";
    return error;
}

static void test_escaping(apr_pool_t *pool)
{
    const char *data = "{\"v\": \"a & b < c > d \\\" e ' f\"}";

    is_str(render(pool, "{{v}}", data),
           "a &amp; b &lt; c &gt; d &quot; e &#39; f", "variable escaped");
    is_str(render(pool, "{{{v}}}", data), "a & b < c > d \" e ' f",
           "triple mustache raw");
    is_str(render(pool, "{{&v}}", data), "a & b < c > d \" e ' f",
           "ampersand raw");
    is_str(render(pool, "{{=<% %>=}}<%{v}%>", data),
           "a & b < c > d \" e ' f", "triple with custom delimiters");
    is_str(render(pool, "{{#list}}{{.}}{{/list}}", "{\"list\": [\"<i>\"]}"),
           "&lt;i&gt;", "implicit iterator escaped");
    is_str(render(pool, "<b>{{v}}</b>", "{\"v\": \"x\"}"), "<b>x</b>",
           "template text not escaped");
}

static void test_values(apr_pool_t *pool)
{
    is_str(render(pool, "{{n}}", "{\"n\": 1.210}"), "1.21",
           "decimal trailing zero dropped");
    is_str(render(pool, "{{n}}", "{\"n\": 3.0}"), "3",
           "whole double as integer");
    is_str(render(pool, "{{n}}", "{\"n\": 0.1}"), "0.1", "decimal 0.1");
    is_str(render(pool, "{{n}}", "{\"n\": 0.30000000000000004}"),
           "0.30000000000000004", "double needing 17 digits");
    is_str(render(pool, "{{n}}", "{\"n\": 1e300}"), "1e+300",
           "large double");
    is_str(render(pool, "{{n}}", "{\"n\": -42}"), "-42", "negative integer");
    is_str(render(pool, "{{n}}", "{\"n\": 9223372036854775807}"),
           "9223372036854775807", "INT64_MAX");
    is_str(render(pool, "{{n}}", "{\"n\": 18446744073709551615}"),
           "18446744073709551615", "UINT64_MAX");
    is_str(render(pool, "{{t}} {{f}}", "{\"t\": true, \"f\": false}"),
           "true false", "booleans");
    is_str(render(pool, "[{{o}}][{{a}}]", "{\"o\": {\"k\": 1}, \"a\": [1]}"),
           "[][]", "objects and arrays print nothing");

    is_str(render(pool, "{{#s}}yes{{/s}}", "{\"s\": \"\"}"), "yes",
           "empty string truthy");
    is_str(render(pool, "{{#n}}yes{{/n}}", "{\"n\": 0}"), "yes",
           "zero truthy");
    is_str(render(pool, "{{#o}}yes{{/o}}", "{\"o\": {}}"), "yes",
           "empty object truthy");
    is_str(render(pool, "{{^a}}none{{/a}}", "{\"a\": []}"), "none",
           "empty array falsy");
    is_str(render(pool, "{{#a.b}}x{{/a.b}}{{^a.b}}y{{/a.b}}",
                  "{\"a\": \"not an object\"}"),
           "y", "dotted name through string falsy");
    is_str(render(pool, "{{#a}}{{b}}{{/a}}",
                  "{\"b\": \"outer\", \"a\": {\"b\": null}}"),
           "", "null key stops lookup");
    is_str(render(pool, "[{{.}}]", "null"), "[]", "null root context");
}

static void test_syntax_errors(apr_pool_t *pool)
{
    is_str(compile_error(pool, "one\ntwo {{name\nthree"),
           "page:2: tag has no closing \"}}\"", "unclosed tag");
    is_str(compile_error(pool, "{{{name}}"),
           "page:1: tag has no closing \"}}}\"", "unclosed triple mustache");
    is_str(compile_error(pool, "{{=<% %>=}}\n<%name"),
           "page:2: tag has no closing \"%>\"",
           "unclosed tag with custom delimiters");
    is_str(compile_error(pool, "a\n{{#posts}}\n{{title}}\n"),
           "page:2: section \"posts\" is never closed", "unclosed section");
    is_str(compile_error(pool, "{{^posts}}\n"),
           "page:1: inverted section \"posts\" is never closed",
           "unclosed inverted section");
    is_str(compile_error(pool, "{{<layout}}{{$title}}x{{/layout}}"),
           "page:1: closing tag \"layout\" does not match block \"title\" "
           "opened on line 1", "block closed by parent tag");
    is_str(compile_error(pool, "{{#a}}\n\n{{/b}}"),
           "page:3: closing tag \"b\" does not match section \"a\" opened "
           "on line 1", "mismatched closing tag");
    is_str(compile_error(pool, "x\n{{/a}}"),
           "page:2: closing tag \"a\" has no opening tag",
           "closing tag without opening");
    is_str(compile_error(pool, "{{!\ncomment\n}}\n{{#x}}"),
           "page:4: section \"x\" is never closed",
           "line count after multiline comment");
    is_str(compile_error(pool, "{{=<%%>=}}"),
           "page:1: invalid set-delimiter tag: it takes two delimiters "
           "separated by a space, as in {{=<% %>=}}",
           "one delimiter");
    is_str(compile_error(pool, "{{=< % >=}}"),
           "page:1: invalid set-delimiter tag: it takes two delimiters "
           "separated by a space, as in {{=<% %>=}}",
           "three delimiters");
    is_str(compile_error(pool, "{{ }}"), "page:1: tag has no name",
           "empty name");
    is_str(compile_error(pool, "{{a b}}"),
           "page:1: invalid tag name \"a b\": names contain no spaces or "
           "control characters", "name with space");
    is_str(compile_error(pool, "{{a..b}}"),
           "page:1: invalid tag name \"a..b\": a dotted name has an empty "
           "part", "empty dotted part");
    is_str(compile_error(pool, "{{#a.}}{{/a.}}"),
           "page:1: invalid tag name \"a.\": a dotted name has an empty part",
           "trailing dot");
    is_str(compile_error(pool, "{{! a b }}{{> p }}{{.}}"), "(compiled)",
           "comments and padding accepted");
}

static void test_limits(apr_pool_t *pool)
{
    const char *partials[] = { "self", "x{{>self}}", NULL };
    const char *output;
    char *nested;
    apr_size_t i, len;
    int depth = WK_TEMPLATE_MAX_NESTING;

    /* Each level is "{{#a}}" then, after the middle, "{{/a}}": 6 bytes. */
    nested = apr_palloc(pool, (apr_size_t)(depth + 1) * 12 + 1);
    for (i = 0, len = 0; i < (apr_size_t)depth; i++, len += 6)
        memcpy(nested + len, "{{#a}}", 6);
    for (i = 0; i < (apr_size_t)depth; i++, len += 6)
        memcpy(nested + len, "{{/a}}", 6);
    nested[len] = '\0';
    is_str(compile_error(pool, nested), "(compiled)",
           "nesting at the limit accepted");

    memmove(nested + 6, nested, len + 1);
    memcpy(nested, "{{#a}}", 6);
    strcat(nested, "{{/a}}");
    is_str(compile_error(pool, nested),
           apr_psprintf(pool, "page:1: sections, parents and blocks are "
                        "nested more than %d deep", WK_TEMPLATE_MAX_NESTING),
           "nesting past the limit rejected");

    /* The page is the first level, so the partial runs one time fewer. */
    output = render_with(pool, "{{>self}}", "{}", partials);
    ok(strlen(output) == WK_TEMPLATE_MAX_DEPTH - 1,
       "self-including partial stops at the depth limit");
    ok(strspn(output, "x") == strlen(output),
       "self-including partial output is only its text");
}

static void test_partials_and_blocks(apr_pool_t *pool)
{
    const char *nested[] = { "a", "x\n  {{>b}}\n", "b", "y\nz\n", NULL };
    const char *layout[] = { "layout", "<title>{{$title}}Blog{{/title}}"
                             "</title>", NULL };
    const char *same_name[] = { "p", "{{$a}}d{{/a}}", NULL };
    const char *missing[] = { NULL };

    is_str(render_with(pool, "  {{>a}}\n", "{}", nested),
           "  x\n    y\n    z\n", "nested partial indentation adds up");
    is_str(render_with(pool, "{{<layout}}{{$title}}{{name}}{{/title}}"
                       "{{/layout}}", "{\"name\": \"Notes\"}", layout),
           "<title>Notes</title>", "block override renders data");
    is_str(render_with(pool, "{{<layout}}{{/layout}}", "{}", layout),
           "<title>Blog</title>", "block default without override");
    is_str(render_with(pool, "{{<p}}{{$a}}[{{$a}}x{{/a}}]{{/a}}{{/p}}", "{}",
                       same_name),
           "[x]", "override with same-named inner block");
    is_str(render_with(pool, "a{{>none}}b{{<none}}{{/none}}c", "{}", missing),
           "abc", "missing partial and parent empty");
    is_str(render_with(pool, "{{>a}}", "{}", nested), "x\n  y\n  z\n",
           "inline partial adds no indent");
}

static void test_set(apr_pool_t *pool)
{
    wk_template_set_t *set = wk_template_set_make(pool);
    struct json_object *first = json_tokener_parse("{\"v\": 1}");
    struct json_object *second = json_tokener_parse("{\"v\": 2}");
    const wk_template_t *tpl;
    wk_buf_t *out = wk_buf_make(pool, 64);
    char *error = NULL;

    ok(wk_template_set_get(set, "page") == NULL, "unknown name returns NULL");

    wk_template_set_add(set, "page", "old", 3, &error);
    wk_template_set_add(set, "page", "v={{v}};", 8, &error);
    tpl = wk_template_set_get(set, "page");
    wk_template_render(set, tpl, first, out);
    wk_template_render(set, tpl, second, out);
    is_str(out->data, "v=1;v=2;", "re-added name replaced, renders twice");

    wk_buf_reset(out);
    wk_template_render(set, NULL, first, out);
    is_str(out->data, "", "NULL template renders nothing");

    json_object_put(first);
    json_object_put(second);
}

static void test_digest(apr_pool_t *pool)
{
    wk_template_set_t *ab = wk_template_set_make(pool);
    wk_template_set_t *ba = wk_template_set_make(pool);
    wk_template_set_t *edited = wk_template_set_make(pool);
    wk_template_set_t *renamed = wk_template_set_make(pool);
    char *error = NULL;

    wk_template_set_add(ab, "a", "one", 3, &error);
    wk_template_set_add(ab, "b", "two", 3, &error);
    wk_template_set_add(ba, "b", "two", 3, &error);
    wk_template_set_add(ba, "a", "one", 3, &error);
    wk_template_set_add(edited, "a", "one", 3, &error);
    wk_template_set_add(edited, "b", "tw0", 3, &error);
    wk_template_set_add(renamed, "a", "one", 3, &error);
    wk_template_set_add(renamed, "c", "two", 3, &error);

    ok(wk_template_set_digest(ab) == wk_template_set_digest(ba),
       "digest ignores the order of adding");
    ok(wk_template_set_digest(ab) != wk_template_set_digest(edited),
       "digest changes with a source");
    ok(wk_template_set_digest(ab) != wk_template_set_digest(renamed),
       "digest changes with a name");
    ok(wk_template_set_digest(ab)
       != wk_template_set_digest(wk_template_set_make(pool)),
       "digest of an empty set differs");
}

static apr_status_t write_file(const char *dir, const char *name,
                               const char *text, apr_pool_t *pool)
{
    const char *path = apr_pstrcat(pool, dir, "/", name, NULL);
    apr_file_t *file;
    apr_status_t rv;

    rv = apr_file_open(&file, path,
                       APR_FOPEN_WRITE | APR_FOPEN_CREATE | APR_FOPEN_TRUNCATE,
                       APR_FPROT_OS_DEFAULT, pool);
    if (rv != APR_SUCCESS)
        return rv;
    rv = apr_file_write_full(file, text, strlen(text), NULL);
    apr_file_close(file);
    return rv;
}

/* The files test_load_dir() writes, relative to its directory. */
static const char *const theme_files[] = {
    "page.mustache", "header.mustache", "notes.txt", ".hidden.mustache",
    "broken/ok.mustache", "broken/bad.mustache",
};

static void theme_remove(const char *dir, apr_pool_t *pool)
{
    apr_size_t i;

    for (i = 0; i < sizeof(theme_files) / sizeof(theme_files[0]); i++)
        apr_file_remove(apr_pstrcat(pool, dir, "/", theme_files[i], NULL),
                        pool);
    apr_dir_remove(apr_pstrcat(pool, dir, "/broken", NULL), pool);
    apr_dir_remove(dir, pool);
}

static void test_load_dir(apr_pool_t *pool)
{
    const char *tmp = NULL;
    char *dir;
    const char *broken;
    wk_template_set_t *set = wk_template_set_make(pool);
    struct json_object *context = json_tokener_parse("{\"title\": \"Hi\"}");
    wk_buf_t *out = wk_buf_make(pool, 64);
    char *error = NULL;
    apr_status_t rv;

    apr_temp_dir_get(&tmp, pool);
    dir = apr_pstrcat(pool, tmp, "/wk_template_test.XXXXXX", NULL);
    if (mkdtemp(dir) == NULL) {
        ok(0, "temporary directory created");
        json_object_put(context);
        return;
    }
    broken = apr_pstrcat(pool, dir, "/broken", NULL);
    rv = apr_dir_make(broken, APR_FPROT_OS_DEFAULT, pool);
    if (rv == APR_SUCCESS)
        rv = write_file(dir, "page.mustache", "{{>header}}body\n", pool);
    if (rv == APR_SUCCESS)
        rv = write_file(dir, "header.mustache", "<h1>{{title}}</h1>\n", pool);
    if (rv == APR_SUCCESS)
        rv = write_file(dir, "notes.txt", "{{#unclosed}}", pool);
    if (rv == APR_SUCCESS)
        rv = write_file(dir, ".hidden.mustache", "{{#unclosed}}", pool);
    if (rv == APR_SUCCESS)
        rv = write_file(broken, "ok.mustache", "fine", pool);
    if (rv == APR_SUCCESS)
        rv = write_file(broken, "bad.mustache", "line 1\n{{#unclosed}}\n",
                        pool);
    ok(rv == APR_SUCCESS, "theme directory written");

    rv = wk_template_set_load_dir(set, dir, &error);
    ok(rv == APR_SUCCESS, "directory loaded");
    if (rv != APR_SUCCESS)
        diag("%s", error);
    ok(wk_template_set_get(set, "notes") == NULL, "other suffix skipped");
    ok(wk_template_set_get(set, ".hidden") == NULL, "hidden file skipped");
    ok(wk_template_set_get(set, "broken") == NULL, "subdirectory skipped");
    wk_template_render(set, wk_template_set_get(set, "page"), context, out);
    is_str(out->data, "<h1>Hi</h1>\nbody\n", "loaded page uses partial");

    rv = wk_template_set_load_dir(set, broken, &error);
    ok(rv == WK_EINVAL, "syntax error fails the load");
    is_str(error,
           apr_pstrcat(pool, broken,
                       "/bad.mustache:2: section \"unclosed\" is never closed",
                       NULL),
           "error names the file and line");

    error = NULL;
    rv = wk_template_set_load_dir(set, apr_pstrcat(pool, dir, "/none", NULL),
                                  &error);
    ok(APR_STATUS_IS_ENOENT(rv), "missing directory fails");
    ok(error != NULL && strstr(error, "/none: ") != NULL,
       "missing directory error names it");

    theme_remove(dir, pool);
    json_object_put(context);
}

int main(int argc, const char *const *argv)
{
    apr_pool_t *pool;

    apr_app_initialize(&argc, &argv, NULL);
    apr_pool_create(&pool, NULL);

    test_escaping(pool);
    test_values(pool);
    test_syntax_errors(pool);
    test_limits(pool);
    test_partials_and_blocks(pool);
    test_set(pool);
    test_digest(pool);
    test_load_dir(pool);

    apr_pool_destroy(pool);
    apr_terminate();
    return done_testing();
}
