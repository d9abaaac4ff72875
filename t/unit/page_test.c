/*
 * page_test.c: what schema 4 adds for imported blogs, against a real
 * tenant file and the default theme.  Pages stay out of lists and the
 * feed, and an HTML post is served from its stored HTML byte for byte.
 * The featured image and canonical URL reach the post page.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <apr_general.h>

#include "tap.h"
#include "wk_view.h"

/* HTML as an import stores it after sanitizing.  The reader must send it
 * as it is and never render it again as markdown. */
static const char stored_html[] =
    "<p>First *not emphasis* line<br>\n"
    "second line</p>\n<figure class=\"wp-caption\"><img src=\"../media/a.png\""
    " alt=\"\"><figcaption>Caption &amp; more</figcaption></figure>\n";

static wk_db_t *tenant_create(const char *dir, apr_pool_t *pool)
{
    wk_db_t *db = NULL;
    char *error = NULL;
    apr_status_t rv;

    rv = wk_db_open(&db, apr_pstrcat(pool, dir, "/pages.db", NULL),
                    WK_DB_CREATE | WK_DB_MIGRATE, &error, pool);
    ok(rv == APR_SUCCESS, "tenant file created (%s)",
       error ? error : "no error");
    return db;
}

static wk_post_input_t input_make(const char *title, apr_time_t published,
                                  apr_pool_t *pool)
{
    wk_post_input_t in = { 0 };

    in.title = title;
    in.status = "published";
    in.published_at = published;
    in.tags = apr_array_make(pool, 2, sizeof(const char *));
    in.aliases = apr_array_make(pool, 2, sizeof(const char *));
    return in;
}

static void test_page_and_html(wk_db_t *db, const wk_template_set_t *theme,
                               apr_pool_t *pool)
{
    apr_time_t now = apr_time_now();
    wk_post_input_t page = input_make("About us",
                                      now - apr_time_from_sec(120), pool);
    wk_post_input_t post = input_make("A post", now - apr_time_from_sec(60),
                                      pool);
    wk_settings_t settings = { 0 };
    wk_site_t site = { 0 };
    apr_array_header_t *list;
    wk_post_t *got;
    wk_buf_t *out;
    apr_int64_t id;
    char *error = NULL;
    int outcome, total;

    page.kind = "page";
    page.source = stored_html;
    page.source_format = "html";
    page.html = stored_html;
    page.excerpt = "Who we are";
    page.featured_image = "../media/cover.png";
    page.canonical_url = "https://old.example.org/about/";
    APR_ARRAY_PUSH(page.tags, const char *) = "Shared";
    ok(wk_post_upsert(&id, &outcome, db, &page, &error, pool)
       == APR_SUCCESS, "page without import key stored (%s)",
       error ? error : "no error");
    page.import_key = "page-key";
    ok(wk_post_upsert(&id, &outcome, db, &page, &error, pool)
       == APR_SUCCESS && outcome == WK_UPSERT_CREATED,
       "page with an import key stored as a second page");
    ok(wk_post_upsert(&id, &outcome, db, &page, &error, pool)
       == APR_SUCCESS && outcome == WK_UPSERT_UNCHANGED,
       "same page again is unchanged");
    page.featured_image = "../media/other.png";
    ok(wk_post_upsert(&id, &outcome, db, &page, &error, pool)
       == APR_SUCCESS && outcome == WK_UPSERT_UPDATED,
       "a new featured image alone updates the page");

    post.source = "*markdown*";
    post.html = "<p><em>markdown</em></p>\n";
    APR_ARRAY_PUSH(post.tags, const char *) = "Shared";
    ok(wk_post_upsert(&id, &outcome, db, &post, &error, pool)
       == APR_SUCCESS, "post stored");

    ok(wk_post_list_visible(&list, &total, db, NULL, 0, 10, now, pool)
       == APR_SUCCESS, "index listed");
    ok(total == 1 && list->nelts == 1, "index counts the post, not pages");
    ok(wk_post_list_visible(&list, &total, db, "shared", 0, 10, now, pool)
       == APR_SUCCESS && total == 1, "tag list leaves the page out");
    ok(wk_post_list_feed(&list, db, 20, now, pool) == APR_SUCCESS
       && list->nelts == 1, "feed leaves the page out");

    ok(wk_post_get_visible(&got, db, "about-us-2", now, pool)
       == APR_SUCCESS, "page served by its slug");
    is_str(got->kind, "page", "kind read back");
    is_str(got->source_format, "html", "source format read back");
    is_str(got->html, stored_html, "stored HTML read back unchanged");
    is_str(got->excerpt, "Who we are", "excerpt read back");
    is_str(got->featured_image, "../media/other.png",
           "featured image read back");

    settings.title = "Pages";
    settings.description = "";
    settings.base_url = "http://pages.test";
    settings.language = "en";
    site.theme = theme;
    site.settings = &settings;
    site.link_root = "/";
    site.absolute_root = "http://pages.test/";
    out = wk_buf_make(pool, 4096);
    ok(wk_view_post(out, &site, got, pool) == APR_SUCCESS, "page rendered");
    ok(strstr(out->data, stored_html) != NULL,
       "page body is the stored HTML, byte for byte");
    ok(strstr(out->data, "<link rel=\"canonical\" "
                         "href=\"https://old.example.org/about/\">") != NULL,
       "canonical link is the stored URL");
    ok(strstr(out->data, "<img class=\"featured\" "
                         "src=\"../media/other.png\"") != NULL,
       "featured image shown");

    got->featured_image = "javascript:alert(1)";
    got->canonical_url = "javascript:alert(2)";
    wk_buf_reset(out);
    ok(wk_view_post(out, &site, got, pool) == APR_SUCCESS,
       "page with hostile URLs rendered");
    ok(strstr(out->data, "javascript:") == NULL,
       "no javascript: URL reaches the page");
    ok(strstr(out->data, "href=\"http://pages.test/posts/about-us-2\"")
       != NULL, "canonical falls back to the page's own URL");
}

int main(int argc, const char *const *argv)
{
    apr_pool_t *pool;
    wk_template_set_t *theme;
    char template[] = "/tmp/wk-page-test.XXXXXX";
    const char *dir;
    char *error = NULL;
    wk_db_t *db;

    apr_app_initialize(&argc, &argv, NULL);
    apr_pool_create(&pool, NULL);
    dir = mkdtemp(template);

    theme = wk_template_set_make(pool);
    ok(wk_template_set_load_dir(theme, "templates/default", &error)
       == APR_SUCCESS, "default theme loads (%s)",
       error ? error : "no error");
    db = tenant_create(dir, pool);
    if (db != NULL)
        test_page_and_html(db, theme, pool);

    if (system(apr_psprintf(pool, "rm -rf '%s'", dir)) != 0)
        diag("could not remove %s", dir);
    apr_pool_destroy(pool);
    return done_testing();
}
