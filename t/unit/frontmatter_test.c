/*
 * frontmatter_test.c: TOML and YAML front matter, error lines, dates, and
 * every post of a real Zola blog when its folder is present.
 */
#include <stdlib.h>

#include <apr_file_io.h>

#include "tap.h"
#include "wk_frontmatter.h"

/* The Rust blog's posts, in Zola's TOML front matter, beside the
 * checkout; prove runs the tests from the repository's root. */
#define DEFAULT_CORPUS "../shared/corpus/rust-blog"

static apr_pool_t *test_pool;

/* Parses text; returns the front matter as compact JSON or the error. */
static const char *parse_json(const char *text, const char **body)
{
    struct json_object *meta = NULL;
    const char *ignored, *json;
    char *error = NULL;
    apr_status_t status;

    status = wk_frontmatter_parse(&meta, body ? body : &ignored, text,
                                  strlen(text), &error, test_pool);
    if (status != APR_SUCCESS)
        return apr_pstrcat(test_pool, "error: ", error, NULL);
    json = apr_pstrdup(test_pool, json_object_to_json_string_ext(
                           meta, JSON_C_TO_STRING_PLAIN
                           | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(meta);
    return json;
}

/* Checks rows of { test name, input, expected error }. */
static void error_cases_check(const char *const (*cases)[3], apr_size_t count)
{
    apr_size_t i;

    for (i = 0; i < count; i++)
        is_str(parse_json(cases[i][1], NULL), cases[i][2], "%s",
               cases[i][0]);
}

static void test_no_front_matter(void)
{
    const char *text = "# Just a post\n\n+++\nnot front matter\n";
    const char *body = NULL;

    is_str(parse_json(text, &body), "{}", "no fence gives empty meta");
    ok(body == text, "no fence keeps the whole text as body");
    is_str(parse_json("", &body), "{}", "empty file gives empty meta");
}

static void test_toml_strings(void)
{
    const char *body = NULL;

    is_str(parse_json("+++\ntitle = \"Hello\"\n+++\nBody\n", &body),
           "{\"title\":\"Hello\"}", "TOML basic string");
    is_str(body, "Body\n", "body starts after the closing fence");

    is_str(parse_json("+++\na = \"tab\\tq\\\"\\\\ \\u00e9 \\U0001F600\"\n"
                      "+++\n", NULL),
           "{\"a\":\"tab\\tq\\\"\\\\ \xC3\xA9 \xF0\x9F\x98\x80\"}",
           "TOML escapes and unicode escapes");
    is_str(parse_json("+++\na = 'C:\\path\\n'\n+++\n", NULL),
           "{\"a\":\"C:\\\\path\\\\n\"}", "TOML literal string");
    is_str(parse_json("+++\na = \"\"\"\nline one\nline \"two\"\"\"\"\"\n"
                      "+++\n", NULL),
           "{\"a\":\"line one\\nline \\\"two\\\"\\\"\"}",
           "TOML multi-line basic string");
    is_str(parse_json("+++\na = \"\"\"\\\n   joined \\\n   here\"\"\"\n+++\n",
                      NULL),
           "{\"a\":\"joined here\"}", "TOML line-ending backslash");
    is_str(parse_json("+++\na = '''\nraw \\n 'q'\n'''\n+++\n", NULL),
           "{\"a\":\"raw \\\\n 'q'\\n\"}", "TOML multi-line literal string");
    is_str(parse_json("+++\n\"quoted key\" = 1\n'lit' = 2\n+++\n", NULL),
           "{\"quoted key\":1,\"lit\":2}", "TOML quoted keys");
}

static void test_toml_values(void)
{
    is_str(parse_json("+++\na = 42\nb = -17\nc = 1_000\nd = 0xff\n"
                      "e = 0o17\nf = 0b101\n+++\n", NULL),
           "{\"a\":42,\"b\":-17,\"c\":1000,\"d\":255,\"e\":15,\"f\":5}",
           "TOML integers");
    is_str(parse_json("+++\na = 3.14\nb = -1e3\nc = 6.626e-34\n+++\n", NULL),
           "{\"a\":3.14,\"b\":-1e3,\"c\":6.626e-34}", "TOML floats");
    is_str(parse_json("+++\nyes = true\nno = false\n+++\n", NULL),
           "{\"yes\":true,\"no\":false}", "TOML booleans");
    is_str(parse_json("+++\na = 1979-05-27T07:32:00-08:00\n"
                      "b = 1979-05-27 07:32:00Z\nc = 1979-05-27T07:32:00.5\n"
                      "d = 1979-05-27\ne = 07:32:00\n+++\n", NULL),
           "{\"a\":\"1979-05-27T07:32:00-08:00\","
           "\"b\":\"1979-05-27 07:32:00Z\",\"c\":\"1979-05-27T07:32:00.5\","
           "\"d\":\"1979-05-27\",\"e\":\"07:32:00\"}",
           "TOML dates and times stay strings");
    is_str(parse_json("+++\ntags = [\n  \"a\", # first\n  'b',\n]\n"
                      "n = [[1, 2], []]\n+++\n", NULL),
           "{\"tags\":[\"a\",\"b\"],\"n\":[[1,2],[]]}",
           "TOML multi-line arrays with comments and trailing comma");
    is_str(parse_json("+++\np = { x = 1, y.z = \"w\" }\ne = {}\n+++\n", NULL),
           "{\"p\":{\"x\":1,\"y\":{\"z\":\"w\"}},\"e\":{}}",
           "TOML inline tables");
}

static void test_toml_tables(void)
{
    is_str(parse_json("+++\n# comment\ntitle = \"T\" # trailing\n\n"
                      "[taxonomies]\ntags = [\"x\"]\n\n[extra.deep]\n"
                      "k = 1\n[extra]\nj = 2\n+++\n", NULL),
           "{\"title\":\"T\",\"taxonomies\":{\"tags\":[\"x\"]},"
           "\"extra\":{\"deep\":{\"k\":1},\"j\":2}}",
           "TOML tables, nested headers and comments");
    is_str(parse_json("+++\nsite.name = \"n\"\nsite.\"a b\" = 1\n+++\n",
                      NULL),
           "{\"site\":{\"name\":\"n\",\"a b\":1}}", "TOML dotted keys");
    is_str(parse_json("+++\n[[extra.links]]\nurl = \"a\"\n"
                      "[[extra.links]]\nurl = \"b\"\n+++\n", NULL),
           "{\"extra\":{\"links\":[{\"url\":\"a\"},{\"url\":\"b\"}]}}",
           "TOML arrays of tables");
    is_str(parse_json("+++\r\ntitle = \"crlf\"\r\n+++\r\nBody\r\n", NULL),
           "{\"title\":\"crlf\"}", "TOML with CRLF line ends");
}

static void test_toml_errors(void)
{
    static const char *const cases[][3] = {
        { "TOML missing closing fence",
          "+++\ntitle = \"x\"\nBody\n",
          "error: line 1: front matter opened with '+++' has no closing "
          "'+++' line" },
        { "TOML missing value",
          "+++\ntitle = \"x\"\ndate = \n+++\n",
          "error: line 3: expected a value" },
        { "TOML unterminated string",
          "+++\na = 1\n\nb = \"open\n+++\n",
          "error: line 4: unterminated string" },
        { "TOML duplicate key",
          "+++\na = 1\na = 2\n+++\n",
          "error: line 3: key 'a' is defined twice" },
        { "TOML bare word value",
          "+++\ntitle = hello\n+++\n",
          "error: line 2: invalid value 'hello' (strings need quotes)" },
        { "TOML junk after value",
          "+++\na = \"x\" b\n+++\n",
          "error: line 2: unexpected 'b' after the value" },
        { "TOML impossible date",
          "+++\nd = 2023-02-30\n+++\n",
          "error: line 2: invalid date or time '2023-02-30'" },
        { "TOML unclosed array",
          "+++\na = [1,\n2\n+++\n",
          "error: line 2: unterminated array" },
        { "TOML array without comma",
          "+++\na = [1 2]\n+++\n",
          "error: line 2: expected ',' or ']' in array" },
        { "TOML invalid escape",
          "+++\na = \"\\q\"\n+++\n",
          "error: line 2: invalid escape '\\q' in string" },
        { "TOML surrogate escape",
          "+++\na = \"\\uD800\"\n+++\n",
          "error: line 2: invalid escape '\\uD800' in string" },
        { "TOML table over a value",
          "+++\na = 1\n[a]\n+++\n",
          "error: line 3: key 'a' is a value, not a table" },
        { "TOML leading zero",
          "+++\nn = 012\n+++\n",
          "error: line 2: invalid number '012' (leading zero)" },
        { "TOML integer overflow",
          "+++\nn = 99999999999999999999\n+++\n",
          "error: line 2: invalid number '99999999999999999999'" },
    };

    error_cases_check(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_yaml(void)
{
    const char *body = NULL;

    is_str(parse_json("---\ntitle: Hello world\ndate: 2024-05-01\n---\nText\n",
                      &body),
           "{\"title\":\"Hello world\",\"date\":\"2024-05-01\"}",
           "YAML plain scalars");
    is_str(body, "Text\n", "YAML body starts after the closing fence");
    is_str(parse_json("---\na: 'it''s: here'\nb: \"q\\\"\\t\\u00e9\"\n"
                      "c: plain # comment\nd: x#y\n---\n", NULL),
           "{\"a\":\"it's: here\",\"b\":\"q\\\"\\t\xC3\xA9\",\"c\":\"plain\","
           "\"d\":\"x#y\"}", "YAML quoted scalars and comments");
    is_str(parse_json("---\nn: 12\nf: 1.10\nt: true\nf2: False\nz: ~\n"
                      "e:\nv: 1.2.3\nlz: 007\n---\n", NULL),
           "{\"n\":12,\"f\":1.10,\"t\":true,\"f2\":false,\"z\":null,"
           "\"e\":null,\"v\":\"1.2.3\",\"lz\":\"007\"}",
           "YAML scalar types");
    is_str(parse_json("---\ntags:\n  - rust\n  - \"c, too\"\n"
                      "cats:\n- a\n- b\n---\n", NULL),
           "{\"tags\":[\"rust\",\"c, too\"],\"cats\":[\"a\",\"b\"]}",
           "YAML block lists, indented and not");
    is_str(parse_json("---\ntags: [a, \"b c\", 'd']\nempty: []\n"
                      "map: {x: 1, y: [2]}\n---\n", NULL),
           "{\"tags\":[\"a\",\"b c\",\"d\"],\"empty\":[],"
           "\"map\":{\"x\":1,\"y\":[2]}}", "YAML flow collections");
    is_str(parse_json("---\nauthor:\n  name: Ann\n  links:\n    site: "
                      "https://a.example/\n    list:\n      - x\n"
                      "title: T\n---\n", NULL),
           "{\"author\":{\"name\":\"Ann\",\"links\":{\"site\":"
           "\"https://a.example/\",\"list\":[\"x\"]}},\"title\":\"T\"}",
           "YAML nested mappings two levels deep");
    is_str(parse_json("---\nitems:\n  - name: a\n    size: 1\n  - name: b\n"
                      "---\n", NULL),
           "{\"items\":[{\"name\":\"a\",\"size\":1},{\"name\":\"b\"}]}",
           "YAML mappings inside a list");
    is_str(parse_json("---\nlit: |\n  line one\n    indented\n\n  three\n"
                      "fold: >-\n  folded\n  text\n\n  para\nafter: 1\n---\n",
                      NULL),
           "{\"lit\":\"line one\\n  indented\\n\\nthree\\n\","
           "\"fold\":\"folded text\\npara\",\"after\":1}",
           "YAML literal and folded block scalars");
    is_str(parse_json("---\n\"quoted: key\": v\nurl: http://x.example/a\n"
                      "---\n", NULL),
           "{\"quoted: key\":\"v\",\"url\":\"http://x.example/a\"}",
           "YAML quoted key and colon in value");
}

static void test_yaml_errors(void)
{
    static const char *const cases[][3] = {
        { "YAML missing closing fence",
          "---\ntitle: x\n",
          "error: line 1: front matter opened with '---' has no closing "
          "'---' line" },
        { "YAML line without key",
          "---\ntitle: x\njust words\n---\n",
          "error: line 3: expected 'key: value'" },
        { "YAML stray indentation",
          "---\na: 1\n    b: 2\n---\n",
          "error: line 3: unexpected indentation" },
        { "YAML unterminated quote",
          "---\na: 1\nb: 'open\n---\n",
          "error: line 3: unterminated single-quoted string" },
        { "YAML unclosed flow list",
          "---\ntags: [a, b\n---\n",
          "error: line 2: expected ',' or ']' (flow collections must fit "
          "on one line)" },
        { "YAML duplicate key",
          "---\na: 1\na: 2\n---\n",
          "error: line 3: key 'a' is defined twice" },
        { "YAML top-level list",
          "---\n- a\n---\n",
          "error: line 2: front matter must be a mapping of keys to values" },
        { "YAML junk after quoted value",
          "---\na: \"x\" y\n---\n",
          "error: line 2: unexpected text after the value" },
        { "YAML tab indentation",
          "---\na:\n\tb: 1\n---\n",
          "error: line 3: tab in indentation" },
    };

    error_cases_check(cases, sizeof(cases) / sizeof(cases[0]));
}

/* Parses value and returns the time as RFC 3339, or "invalid". */
static const char *date_text(const char *value)
{
    apr_time_t t;

    if (wk_date_parse(&t, value) != APR_SUCCESS)
        return "invalid";
    return wk_time_rfc3339(t, test_pool);
}

static void test_dates(void)
{
    static const char *const cases[][2] = {
        { "2024-05-01T09:30:00Z", "2024-05-01T09:30:00Z" },
        { "2024-05-01t09:30:00z", "2024-05-01T09:30:00Z" },
        { "2024-05-01T09:30:00+02:00", "2024-05-01T07:30:00Z" },
        { "2024-05-01T01:30:00-05:30", "2024-05-01T07:00:00Z" },
        { "2024-01-01T00:30:00+01:00", "2023-12-31T23:30:00Z" },
        { "2024-05-01 09:30:00", "2024-05-01T09:30:00Z" },
        { "2024-05-01T09:30:00.123456Z", "2024-05-01T09:30:00Z" },
        { "2016-02-01 12:00:00 -0500", "2016-02-01T17:00:00Z" },
        { "2024-05-01T09:30", "2024-05-01T09:30:00Z" },
        { "2024-05-01", "2024-05-01T00:00:00Z" },
        { "2024-02-29", "2024-02-29T00:00:00Z" },
        { "2000-02-29", "2000-02-29T00:00:00Z" },
        { "1969-12-31T23:59:59Z", "1969-12-31T23:59:59Z" },
        { "2024-13-01", "invalid" },
        { "2023-02-29", "invalid" },
        { "1900-02-29", "invalid" },
        { "2024-02-30", "invalid" },
        { "2024-04-31", "invalid" },
        { "2024-00-10", "invalid" },
        { "2024-05-00", "invalid" },
        { "2024-05-01T24:00:00Z", "invalid" },
        { "2024-05-01T09:60:00Z", "invalid" },
        { "2024-05-01T09:30:00+25:00", "invalid" },
        { "2024-05-01T09:30:00+02", "invalid" },
        { "2024-05-01T", "invalid" },
        { "2024-05-01Z", "invalid" },
        { "2024-5-1", "invalid" },
        { "24-05-01", "invalid" },
        { "yesterday", "invalid" },
        { "2024-05-01 junk", "invalid" },
        { "", "invalid" },
    };
    apr_time_t t = 0;
    apr_size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        is_str(date_text(cases[i][0]), cases[i][1], "date '%s'",
               cases[i][0]);

    ok(wk_date_parse(&t, "2024-05-01T09:30:00.25Z") == APR_SUCCESS
       && t % APR_USEC_PER_SEC == 250000, "fractional seconds kept");
    ok(wk_date_parse(&t, NULL) == WK_EINVAL, "NULL date rejected");
}

/* Parses every .md file below dir; returns how many, counting failures. */
static int corpus_walk(const char *dir, int *failures)
{
    apr_dir_t *handle;
    apr_finfo_t info;
    int count = 0;

    if (apr_dir_open(&handle, dir, test_pool) != APR_SUCCESS)
        return 0;
    while (apr_dir_read(&info, APR_FINFO_NAME | APR_FINFO_TYPE, handle)
           == APR_SUCCESS) {
        const char *path = apr_pstrcat(test_pool, dir, "/", info.name, NULL);
        apr_size_t name_len = strlen(info.name);
        struct json_object *meta;
        const char *body;
        char *text, *error;
        apr_size_t len;
        apr_file_t *file;
        apr_finfo_t size;

        if (info.name[0] == '.')
            continue;
        if (info.filetype == APR_DIR) {
            count += corpus_walk(path, failures);
            continue;
        }
        if (name_len < 3 || strcmp(info.name + name_len - 3, ".md") != 0)
            continue;

        count++;
        if (apr_file_open(&file, path, APR_FOPEN_READ, 0, test_pool)
            != APR_SUCCESS
            || apr_file_info_get(&size, APR_FINFO_SIZE, file) != APR_SUCCESS) {
            diag("%s: cannot read", path);
            (*failures)++;
            continue;
        }
        len = (apr_size_t)size.size;
        text = apr_palloc(test_pool, len + 1);
        apr_file_read_full(file, text, len, NULL);
        apr_file_close(file);
        text[len] = '\0';

        if (wk_frontmatter_parse(&meta, &body, text, len, &error, test_pool)
            != APR_SUCCESS) {
            diag("%s: %s", path, error);
            (*failures)++;
            continue;
        }
        if (json_object_object_length(meta) == 0) {
            diag("%s: no front matter found", path);
            (*failures)++;
        }
        json_object_put(meta);
    }
    apr_dir_close(handle);
    return count;
}

/* Returns open and close repeated count times around an inner value. */
static const char *nested(const char *open, const char *inner,
                          const char *close, int count)
{
    wk_buf_t *buf = wk_buf_make(test_pool, 256);
    int i;

    for (i = 0; i < count; i++)
        wk_buf_puts(buf, open);
    wk_buf_puts(buf, inner);
    for (i = 0; i < count; i++)
        wk_buf_puts(buf, close);
    return buf->data;
}

static void test_nesting_bound(void)
{
    const char *deep_error = "error: line 2: values nested deeper than 64 "
                             "levels";
    const char *toml_array = apr_pstrcat(test_pool, "+++\ntags = ",
                                         nested("[", "1", "]", 60000),
                                         "\n+++\n", NULL);
    const char *toml_table = apr_pstrcat(test_pool, "+++\nx = ",
                                         nested("{a = ", "1", "}", 60000),
                                         "\n+++\n", NULL);
    const char *yaml_flow = apr_pstrcat(test_pool, "---\ntags: ",
                                        nested("[", "a", "]", 60000),
                                        "\n---\n", NULL);
    const char *yaml_map = apr_pstrcat(test_pool, "---\nx: ",
                                       nested("{a: ", "b", "}", 60000),
                                       "\n---\n", NULL);
    wk_buf_t *yaml_items = wk_buf_make(test_pool, 16384);
    const char *shallow = nested("[", "1", "]", 30);
    int i;

    is_str(parse_json(toml_array, NULL), deep_error, "TOML deep array");
    is_str(parse_json(toml_table, NULL), deep_error, "TOML deep table");
    is_str(parse_json(yaml_flow, NULL), deep_error, "YAML deep flow list");
    is_str(parse_json(yaml_map, NULL), deep_error, "YAML deep flow map");
    /* A block list 100 levels deep, one "-" per line, each indented
     * two more spaces. */
    wk_buf_puts(yaml_items, "---\nx:\n");
    for (i = 0; i < 100; i++)
        wk_buf_printf(yaml_items, "%*s-\n", 2 * i, "");
    wk_buf_printf(yaml_items, "%*sa\n---\n", 200, "");
    ok(strstr(parse_json(yaml_items->data, NULL), "values nested deeper")
       != NULL, "YAML deep block list");
    is_str(parse_json(apr_pstrcat(test_pool, "+++\ntags = ", shallow,
                                  "\n+++\n", NULL), NULL),
           apr_pstrcat(test_pool, "{\"tags\":", shallow, "}", NULL),
           "TOML 30 levels parse");
}

static void test_corpus(void)
{
    const char *dir = getenv("WK_CORPUS") ? getenv("WK_CORPUS")
                                          : DEFAULT_CORPUS;
    apr_finfo_t info;
    int failures = 0, count;

    if (apr_stat(&info, dir, APR_FINFO_TYPE, test_pool) != APR_SUCCESS
        || info.filetype != APR_DIR) {
        diag("skipping the corpus: %s is not a directory (set WK_CORPUS)",
             dir);
        return;
    }
    count = corpus_walk(dir, &failures);
    ok(count > 0, "corpus has posts (%d)", count);
    ok(failures == 0, "every corpus post parses (%d of %d failed)", failures,
       count);
}

int main(void)
{
    apr_initialize();
    apr_pool_create(&test_pool, NULL);

    test_no_front_matter();
    test_toml_strings();
    test_toml_values();
    test_toml_tables();
    test_toml_errors();
    test_yaml();
    test_yaml_errors();
    test_dates();
    test_nesting_bound();
    test_corpus();

    apr_pool_destroy(test_pool);
    apr_terminate();
    return done_testing();
}
