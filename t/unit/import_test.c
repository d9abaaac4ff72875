/*
 * import_test.c: wk_import_dir() on a folder of TOML and YAML posts with
 * an image, bad files and a unicode slug, into a real tenant file, then
 * once more to check that a second import updates instead of copying.
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <apr_file_io.h>

#include "tap.h"
#include "wk_import.h"

/* A 1x1 grey PNG and the SHA-256 of its 67 bytes. */
static const char png_bytes[] =
    "\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52"
    "\x00\x00\x00\x01\x00\x00\x00\x01\x08\x00\x00\x00\x00\x3a\x7e\x9b"
    "\x55\x00\x00\x00\x0a\x49\x44\x41\x54\x78\x9c\x63\x60\x00\x00\x00"
    "\x02\x00\x01\x48\xaf\xa4\x71\x00\x00\x00\x00\x49\x45\x4e\x44\xae"
    "\x42\x60\x82";
#define PNG_SHA256 \
    "eaa4a94ea300e0d2c775968cbe42f0b5b51ceafdeb73d64e9efddf6d4e880865"

static apr_pool_t *test_pool;
static const char *tenant_path;
static apr_table_t *reported;  /* path to message of the last import */

static void file_write(const char *root, const char *path, const char *data,
                       apr_size_t len)
{
    const char *full = apr_pstrcat(test_pool, root, "/", path, NULL);
    const char *slash = strrchr(full, '/');
    apr_file_t *file;

    apr_dir_make_recursive(apr_pstrmemdup(test_pool, full,
                                          (apr_size_t)(slash - full)),
                           APR_FPROT_OS_DEFAULT, test_pool);
    if (apr_file_open(&file, full, APR_FOPEN_WRITE | APR_FOPEN_CREATE
                      | APR_FOPEN_TRUNCATE | APR_FOPEN_BINARY,
                      APR_FPROT_OS_DEFAULT, test_pool) != APR_SUCCESS) {
        diag("cannot write %s", full);
        return;
    }
    apr_file_write_full(file, data, len, NULL);
    apr_file_close(file);
}

static void text_write(const char *root, const char *path, const char *text)
{
    file_write(root, path, text, strlen(text));
}

/* Runs sql on the tenant file with a separate connection and returns the
 * rows as "a|b" joined by ", ", or "error: ..." */
static const char *query(const char *sql)
{
    sqlite3 *handle;
    sqlite3_stmt *stmt;
    const char *rows = NULL;
    int rc, col;

    if (sqlite3_open_v2(tenant_path, &handle, SQLITE_OPEN_READONLY, NULL)
        != SQLITE_OK
        || sqlite3_prepare_v2(handle, sql, -1, &stmt, NULL) != SQLITE_OK) {
        rows = apr_pstrcat(test_pool, "error: ", sqlite3_errmsg(handle),
                           NULL);
        sqlite3_close(handle);
        return rows;
    }
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *row = NULL;

        for (col = 0; col < sqlite3_column_count(stmt); col++) {
            const char *text = (const char *)sqlite3_column_text(stmt, col);

            text = text ? text : "NULL";
            row = row ? apr_pstrcat(test_pool, row, "|", text, NULL)
                      : apr_pstrdup(test_pool, text);
        }
        rows = rows ? apr_pstrcat(test_pool, rows, ", ", row, NULL) : row;
    }
    sqlite3_finalize(stmt);
    sqlite3_close(handle);
    return rows ? rows : "";
}

static int tree_entry_remove(const char *path, const struct stat *info,
                             int type, struct FTW *walk)
{
    return remove(path);
}

static void report_record(void *baton, const wk_import_entry_t *entry)
{
    apr_table_set(reported, entry->path, entry->message);
}

static void folder_build(const char *root)
{
    text_write(root, "toml-post.md",
               "+++\n"
               "title = \"TOML post\"\n"
               "date = 2024-05-01T09:30:00+02:00\n"
               "description = \"About TOML\"\n"
               "authors = [\"Ann\", \"Bo\"]\n"
               "tags = [\"Rust\", \"C\"]\n"
               "aliases = [\"/old/toml-post/\", \"2024/toml.html\"]\n"
               "path = \"/blog/2024/05/01/toml-post/\"\n"
               "[taxonomies]\n"
               "categories = [\"News\"]\n"
               "+++\n"
               "Hello *TOML*.\n");
    text_write(root, "yaml-post.md",
               "---\n"
               "title: 'YAML: a post'\n"
               "date: 2023-12-31 23:00:00 -0100\n"
               "slug: yaml-slug\n"
               "summary: About YAML\n"
               "author: Cy\n"
               "tags:\n"
               "  - rust\n"
               "  - Web Dev\n"
               "---\n"
               "Hello **YAML**.\n");
    text_write(root, "bad-date.md",
               "+++\ntitle = \"Bad date\"\ndate = \"2024-13-45\"\n+++\nx\n");
    text_write(root, "no-front-matter.md", "# Just text\n\nNo metadata.\n");
    text_write(root, "2024-03-05-jekyll-style.md",
               "---\ntitle: Jekyll style\ncategories: notes\n---\nBody\n");
    text_write(root, "2024-06-01-pics/index.md",
               "+++\ntitle = \"Pictures\"\n+++\n"
               "![a photo](photo.png) [the file](./photo.png?v=1#top) "
               "![missing](nothere.png) ![up](../2024-06-01-pics/photo.png) "
               "![web](https://example.com/photo.png)\n");
    file_write(root, "2024-06-01-pics/photo.png", png_bytes,
               sizeof(png_bytes) - 1);
    text_write(root, "2024-06-01-pics/fake.png", "not a picture\n");
    text_write(root, "unicode.md",
               "+++\ntitle = \"Unicode\"\nslug = \"caf\xC3\xA9-\xC3\xBC"
               "ber\"\ndate = 2024-01-02\n+++\nB\xC3\xA4r\n");
    text_write(root, "draft.md",
               "+++\ntitle = \"Draft\"\ndraft = true\n+++\nLater.\n");
    text_write(root, "2023/07/08/nested.md",
               "+++\ntitle = \"Nested\"\nslug = \"yaml-slug\"\n+++\nN\n");
    text_write(root, "_index.md", "+++\ntitle = \"Section\"\n+++\n");
    text_write(root, "notes.txt", "not a post\n");
}

static wk_import_counts_t import_run(const char *root)
{
    wk_import_options_t options;
    wk_import_counts_t counts;
    apr_pool_t *pool;
    wk_db_t *db;
    char *error = NULL;

    memset(&counts, -1, sizeof(counts));
    apr_pool_create(&pool, test_pool);
    reported = apr_table_make(test_pool, 16);
    if (wk_db_open(&db, tenant_path, WK_DB_CREATE | WK_DB_MIGRATE, &error,
                   pool) != APR_SUCCESS) {
        diag("open failed: %s", error);
        apr_pool_destroy(pool);
        return counts;
    }
    wk_import_options_default(&options);
    options.report = report_record;
    if (wk_import_dir(&counts, db, root, &options, &error, pool)
        != APR_SUCCESS)
        diag("import failed: %s", error);
    apr_pool_destroy(pool);
    return counts;
}

static const char *reported_message(const char *path)
{
    const char *message = apr_table_get(reported, path);

    return message ? message : "(not reported)";
}

static void test_first_import(const char *root)
{
    wk_import_counts_t counts = import_run(root);

    ok(counts.created == 7, "first import creates 7 posts (%d)",
       counts.created);
    ok(counts.updated == 0, "first import updates none (%d)", counts.updated);
    ok(counts.stored == 1, "first import stores 1 image (%d)", counts.stored);
    ok(counts.failed == 3, "first import fails 3 files (%d)", counts.failed);
    ok(counts.ignored == 3, "first import ignores 3 files (%d)",
       counts.ignored);

    is_str(reported_message("toml-post.md"), "imported", "TOML post reported");
    is_str(reported_message("bad-date.md"), "skipped: invalid date "
           "'2024-13-45'; expected YYYY-MM-DD or an RFC 3339 date-time",
           "bad date reported");
    is_str(reported_message("no-front-matter.md"), "skipped: missing title",
           "file without front matter reported");
    is_str(reported_message("2024-06-01-pics/fake.png"), "skipped: the bytes "
           "are not a PNG, JPEG, GIF, WebP, AVIF or SVG image",
           "fake image reported");
    is_str(reported_message("_index.md"), "skipped: section index",
           "section index reported");
    is_str(reported_message("notes.txt"), "skipped: not a post or an image",
           "other file reported");
    is_str(reported_message("link.md"), "skipped: symbolic link",
           "symbolic link reported");
    is_str(reported_message("2024-06-01-pics/photo.png"), "stored",
           "image reported");
}

static void test_post_rows(void)
{
    is_str(query("SELECT slug, title, description, author, status,"
                 " published_at, source, source_format FROM posts"
                 " WHERE import_key GLOB '*/toml-post.md'"),
           "toml-post|TOML post|About TOML|Ann, Bo|published|1714548600|"
           "Hello *TOML*.\n|markdown", "TOML post row");
    is_str(query("SELECT html FROM posts WHERE import_key GLOB '*/toml-post.md'"),
           "<p>Hello <em>TOML</em>.</p>\n", "TOML post rendered");
    is_str(query("SELECT t.name FROM tags t JOIN post_tags pt"
                 " ON pt.tag_id = t.id JOIN posts p ON p.id = pt.post_id"
                 " WHERE p.import_key GLOB '*/toml-post.md' ORDER BY t.name"),
           "C, News, Rust", "TOML tags and categories");
    is_str(query("SELECT r.path FROM redirects r JOIN posts p"
                 " ON p.id = r.post_id WHERE p.import_key GLOB '*/toml-post.md'"
                 " ORDER BY r.path"),
           "2024/toml.html, blog/2024/05/01/toml-post, old/toml-post",
           "aliases and path become redirects without slashes");

    is_str(query("SELECT slug, title, description, author, published_at"
                 " FROM posts WHERE import_key GLOB '*/yaml-post.md'"),
           "yaml-slug-2|YAML: a post|About YAML|Cy|1704067200",
           "YAML post row, offset converted to UTC");
    is_str(query("SELECT t.slug || '=' || t.name FROM tags t JOIN post_tags pt"
                 " ON pt.tag_id = t.id JOIN posts p ON p.id = pt.post_id"
                 " WHERE p.import_key GLOB '*/yaml-post.md' ORDER BY t.slug"),
           "rust=Rust, web-dev=Web Dev", "YAML tags share existing tags");
    /* Files are imported in path order, so the nested post comes first. */
    is_str(query("SELECT slug FROM posts"
                 " WHERE import_key GLOB '*/2023/07/08/nested.md'"),
           "yaml-slug", "first of two clashing slugs kept");
    is_str(query("SELECT published_at FROM posts"
                 " WHERE import_key GLOB '*/2023/07/08/nested.md'"),
           "1688774400", "date from folder names");

    is_str(query("SELECT slug, published_at FROM posts"
                 " WHERE import_key GLOB '*/2024-03-05-jekyll-style.md'"),
           "jekyll-style|1709596800", "date and slug from a Jekyll name");
    is_str(query("SELECT slug FROM posts WHERE import_key GLOB '*/unicode.md'"),
           "caf\xC3\xA9-\xC3\xBC" "ber", "unicode slug kept");
    is_str(query("SELECT status, published_at FROM posts"
                 " WHERE import_key GLOB '*/draft.md'"),
           "draft|NULL", "draft without a date");
    is_str(query("SELECT count(*) FROM posts WHERE import_key GLOB"
                 " '*/bad-date.md' OR import_key GLOB '*/no-front-matter.md'"
                 " OR import_key GLOB '*/_index.md'"),
           "0", "bad files left no rows");
}

static void test_media(void)
{
    is_str(query("SELECT path, content_type, length(data), sha256 FROM media"),
           "2024-06-01-pics/photo.png|image/png|67|" PNG_SHA256,
           "image stored with type, size and hash");
    is_str(query("SELECT slug, published_at, html FROM posts"
                 " WHERE import_key GLOB '*/2024-06-01-pics/index.md'"),
           "pics|1717200000|<p><img src=\"../media/2024-06-01-pics/photo.png\" "
           "alt=\"a photo\" /> <a href=\"../media/2024-06-01-pics/photo.png"
           "?v=1#top\">the file</a> <img src=\"nothere.png\" alt=\"missing\" "
           "/> <img src=\"../media/2024-06-01-pics/photo.png\" alt=\"up\" /> "
           "<img src=\"https://example.com/photo.png\" alt=\"web\" /></p>\n",
           "relative URLs to stored media rewritten");
}

static void test_reimport(const char *root)
{
    wk_import_counts_t counts;

    text_write(root, "toml-post.md",
               "+++\ntitle = \"TOML post, edited\"\n"
               "date = 2024-05-01T09:30:00+02:00\ntags = [\"Rust\"]\n+++\n"
               "Edited.\n");
    counts = import_run(root);
    ok(counts.created == 0, "second import creates none (%d)",
       counts.created);
    ok(counts.updated == 1, "second import updates the edited post (%d)",
       counts.updated);
    ok(counts.unchanged == 6, "second import leaves 6 unchanged (%d)",
       counts.unchanged);
    is_str(reported_message("toml-post.md"), "updated",
           "edited post reported as updated");
    is_str(reported_message("yaml-post.md"), "unchanged",
           "untouched post reported as unchanged");
    is_str(query("SELECT revision FROM posts"
                 " WHERE import_key GLOB '*/yaml-post.md'"),
           "1", "untouched post keeps its revision");
    is_str(query("SELECT count(*), count(DISTINCT import_key) FROM posts"),
           "7|7", "no duplicate posts");
    is_str(query("SELECT count(*) FROM media"), "1", "no duplicate media");
    is_str(query("SELECT title, slug, revision FROM posts"
                 " WHERE import_key GLOB '*/toml-post.md'"),
           "TOML post, edited|toml-post|2", "edited post updated in place");
    is_str(query("SELECT t.name FROM tags t JOIN post_tags pt"
                 " ON pt.tag_id = t.id JOIN posts p ON p.id = pt.post_id"
                 " WHERE p.import_key GLOB '*/toml-post.md'"),
           "Rust", "edited post has only its new tags");
    is_str(query("SELECT count(*) FROM redirects r JOIN posts p"
                 " ON p.id = r.post_id WHERE p.import_key GLOB '*/toml-post.md'"),
           "0", "edited post lost its removed aliases");
    is_str(query("SELECT slug FROM posts"
                 " WHERE import_key GLOB '*/yaml-post.md'"),
           "yaml-slug-2", "clashing slug stays stable");
}

/* A second folder with a file of the same relative name adds a post and
 * leaves the first folder's post alone. */
static void test_other_folder(const char *work)
{
    const char *other = apr_pstrcat(test_pool, work, "/other", NULL);
    wk_import_counts_t counts;

    text_write(other, "toml-post.md",
               "+++\ntitle = \"Another site's post\"\ndate = 2024-06-01\n"
               "draft = true\n+++\nOther.\n");
    counts = import_run(other);
    ok(counts.created == 1, "other folder creates its post (%d)",
       counts.created);
    is_str(query("SELECT title, status FROM posts WHERE import_key GLOB"
                 " '*/site/toml-post.md'"),
           "TOML post, edited|published", "first folder's post unchanged");
    is_str(query("SELECT count(*) FROM posts WHERE import_key GLOB"
                 " '*/toml-post.md'"), "2", "both posts stored");

    /* "Caf\xe9" is Latin-1, not UTF-8. */
    text_write(other, "latin1.md",
               "+++\ntitle = \"Caf\xe9\"\ndate = 2024-06-02\n+++\nBody.\n");
    counts = import_run(other);
    ok(counts.failed == 1, "Latin-1 file fails (%d)", counts.failed);
    is_str(reported_message("latin1.md"), "skipped: the file is not valid "
           "UTF-8; convert it (for example with iconv)",
           "Latin-1 file reported with the reason");
    is_str(query("SELECT count(*) FROM posts WHERE import_key GLOB"
                 " '*/latin1.md'"), "0", "Latin-1 file left no row");
}

static void test_missing_root(void)
{
    wk_import_options_t options;
    wk_import_counts_t counts;
    wk_db_t *db;
    char *error = NULL;
    apr_status_t status;

    wk_db_open(&db, tenant_path, 0, &error, test_pool);
    wk_import_options_default(&options);
    status = wk_import_dir(&counts, db, "/nonexistent/writekit-import", &options,
                           &error, test_pool);
    ok(status != APR_SUCCESS, "missing folder fails");
    ok(error != NULL && strstr(error, "/nonexistent/writekit-import: cannot "
                               "open the folder") != NULL,
       "missing folder error names it (%s)", error ? error : "(none)");
    wk_db_close(db);
}

int main(void)
{
    const char *temp_dir, *root;
    char *work;

    apr_initialize();
    apr_pool_create(&test_pool, NULL);
    wk_markdown_init();

    apr_temp_dir_get(&temp_dir, test_pool);
    work = apr_pstrcat(test_pool, temp_dir, "/wk-import-XXXXXX", NULL);
    if (mkdtemp(work) == NULL) {
        ok(0, "temporary folder created");
        return done_testing();
    }
    root = apr_pstrcat(test_pool, work, "/site", NULL);
    tenant_path = apr_pstrcat(test_pool, work, "/blog.db", NULL);
    folder_build(root);
    ok(symlink("toml-post.md", apr_pstrcat(test_pool, root, "/link.md",
                                           NULL)) == 0,
       "symbolic link created");

    test_first_import(root);
    test_post_rows();
    test_media();
    test_reimport(root);
    test_other_folder(work);
    test_missing_root();

    nftw(work, tree_entry_remove, 16, FTW_DEPTH | FTW_PHYS);
    apr_pool_destroy(test_pool);
    apr_terminate();
    return done_testing();
}
