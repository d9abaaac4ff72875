/*
 * edit_test.c: writing posts from the studio against real tenant files:
 * slugs, statuses, rendering, revisions and the conflict rule with two
 * connections, redirects of changed slugs, lists, tags and deletion.
 */
#include <stdlib.h>

#include <apr_general.h>
#include <apr_thread_proc.h>

#include "tap.h"
#include "wk_edit.h"

static const char *tmpdir;
static const char *db_path;

static wk_db_t *open_db(const char *path, apr_pool_t *pool)
{
    wk_db_t *db = NULL;
    char *error = NULL;

    if (wk_db_open(&db, path, WK_DB_CREATE | WK_DB_MIGRATE, &error, pool)
        != APR_SUCCESS)
        diag("open %s: %s", path, error);
    return db;
}

static wk_edit_options_t edit_options(void)
{
    wk_edit_options_t options;

    memset(&options, 0, sizeof(options));
    wk_render_limits_default(&options.limits);
    options.max_revisions = WK_EDIT_DEFAULT_MAX_REVISIONS;
    return options;
}

static wk_post_t *create(wk_db_t *db, const char *title, const char *slug,
                         const char *status, apr_time_t now,
                         apr_pool_t *pool)
{
    wk_edit_options_t options = edit_options();
    wk_post_fields_t fields = { 0 };
    wk_post_t *post = NULL;
    char *error = NULL;
    apr_status_t rv;

    fields.title = title;
    fields.slug = slug;
    fields.source = "Some *text*.";
    fields.status = status;
    rv = wk_post_create(&post, db, &fields, &options, now, &error, pool);
    if (rv != APR_SUCCESS)
        diag("create '%s': %s", title, error ? error : "no message");
    return post;
}

static apr_status_t set_title(wk_post_t **post, wk_db_t *db, apr_int64_t id,
                              int base, const char *title, apr_pool_t *pool)
{
    wk_edit_options_t options = edit_options();
    wk_post_fields_t fields = { 0 };
    char *error = NULL;

    fields.title = title;
    return wk_post_update(post, db, id, base, &fields, &options,
                          apr_time_now(), &error, pool);
}

static void test_settings_defaults(wk_db_t *db, apr_pool_t *pool)
{
    wk_settings_t settings;

    ok(wk_settings_load(&settings, db, pool) == APR_SUCCESS,
       "settings load");
    is_str(settings.timezone, "UTC", "timezone defaults to UTC");
    ok(settings.allow_raw_html == 0, "raw HTML is off by default");
    is_str(settings.iframe_hosts, "", "no iframe host by default");
    ok(settings.posts_per_page == 10, "posts_per_page defaults to 10");
}

static void test_create(wk_db_t *db, apr_pool_t *pool)
{
    apr_time_t now = apr_time_now();
    const char *sql = "Robert'); DROP TABLE posts;--";
    const char *html = "<script>alert(1)</script> & \"co\"";
    wk_post_t *post;
    wk_post_fields_t fields = { 0 };
    wk_edit_options_t options = edit_options();
    char *error = NULL;

    post = create(db, sql, NULL, NULL, now, pool);
    is_str(post ? post->title : NULL, sql, "SQL-like title stored verbatim");
    is_str(post ? post->slug : NULL, "robert-drop-table-posts",
           "SQL-like title gets a plain slug");
    is_str(post ? post->status : NULL, "draft", "status defaults to draft");
    ok(post && post->revision == 1, "a new post is revision 1");
    ok(post && post->published_at == 0, "a draft has no publish time");

    post = create(db, html, NULL, "published", now, pool);
    is_str(post ? post->title : NULL, html, "HTML-like title stored verbatim");
    ok(post && post->published_at == apr_time_from_sec(apr_time_sec(now)),
       "published without a time gets now");
    ok(post && strstr(post->html, "<em>text</em>") != NULL,
       "markdown is rendered on save");

    post = create(db, "\xC3\x9C" "ber Stra\xC3\x9F" "e", NULL, NULL, now,
                  pool);
    is_str(post ? post->slug : NULL, "\xC3\x9C" "ber-stra\xC3\x9F" "e",
           "non-ASCII title keeps a readable slug");
    post = create(db, "\xE6\x97\xA5\xE6\x9C\xAC", NULL, NULL, now, pool);
    is_str(post ? post->slug : NULL, "\xE6\x97\xA5\xE6\x9C\xAC",
           "CJK title slug");
    post = create(db, "\xE6\x97\xA5\xE6\x9C\xAC", NULL, NULL, now, pool);
    is_str(post ? post->slug : NULL, "\xE6\x97\xA5\xE6\x9C\xAC-2",
           "second CJK title gets -2");
    post = create(db, "Anything", "My Slug!!", NULL, now, pool);
    is_str(post ? post->slug : NULL, "my-slug", "given slug is normalized");
    post = create(db, "Other", "my-slug", NULL, now, pool);
    is_str(post ? post->slug : NULL, "my-slug-2", "given slug is unique");

    fields.title = "Later";
    fields.status = "scheduled";
    ok(wk_post_create(&post, db, &fields, &options, now, &error, pool)
       == WK_EINVAL, "scheduled without a time is WK_EINVAL (%s)", error);
    fields.status = "secret";
    ok(wk_post_create(&post, db, &fields, &options, now, &error, pool)
       == WK_EINVAL, "unknown status is WK_EINVAL (%s)", error);
    fields.title = "";
    fields.status = NULL;
    ok(wk_post_create(&post, db, &fields, &options, now, &error, pool)
       == WK_EINVAL, "empty title is WK_EINVAL (%s)", error);
}

static void test_render_options(wk_db_t *db, apr_pool_t *pool)
{
    wk_edit_options_t options = edit_options();
    wk_post_fields_t fields = { 0 };
    wk_post_t *post = NULL;
    char *error = NULL;

    fields.title = "Raw";
    fields.source = "<div class=\"note\">raw <b>html</b></div>\n\n"
                    "<script>alert(1)</script>\n\n"
                    "<iframe src=\"https://player.vimeo.com/video/1\">"
                    "</iframe>\n\n[x](javascript:alert(1))\n";
    ok(wk_post_create(&post, db, &fields, &options, apr_time_now(), &error,
                      pool) == APR_SUCCESS, "create with raw HTML off");
    ok(post && strstr(post->html, "class=\"note\"") == NULL,
       "raw HTML is dropped when off");

    options.allow_raw_html = 1;
    options.iframe_hosts = "player.vimeo.com";
    ok(wk_post_create(&post, db, &fields, &options, apr_time_now(), &error,
                      pool) == APR_SUCCESS, "create with raw HTML on");
    ok(post && strstr(post->html, "<div class=\"note\">raw <b>html</b></div>")
       != NULL, "raw HTML is kept when on");
    ok(post && strstr(post->html, "alert") == NULL,
       "script and javascript: are still removed");
    ok(post && strstr(post->html, "<iframe src=\"https://player.vimeo.com/"
                      "video/1\">") != NULL, "iframe of a listed host stays");

    options = edit_options();
    options.limits.max_source_bytes = 8;
    fields.source = "longer than eight bytes";
    ok(wk_post_create(&post, db, &fields, &options, apr_time_now(), &error,
                      pool) == WK_ETOOBIG, "over the source limit is "
       "WK_ETOOBIG (%s)", error);
}

static void test_update_revisions(wk_db_t *db, apr_pool_t *pool)
{
    wk_edit_options_t options = edit_options();
    wk_post_t *post = create(db, "First", NULL, NULL, apr_time_now(), pool);
    wk_post_t *current = NULL;
    apr_array_header_t *revisions = NULL;
    wk_post_fields_t fields = { 0 };
    char *error = NULL;
    apr_int64_t id = post->id;
    int i;

    ok(set_title(&post, db, id, 1, "Second", pool) == APR_SUCCESS,
       "update on the current revision");
    ok(post->revision == 2, "update makes revision 2");
    is_str(post->title, "Second", "update stores the title");
    is_str(post->slug, "first", "a title change keeps the slug");

    ok(set_title(&current, db, id, 1, "Stale", pool) == WK_ECONFLICT,
       "update on a stale revision is WK_ECONFLICT");
    ok(current && current->revision == 2, "conflict returns the current "
       "revision");
    is_str(current ? current->title : NULL, "Second",
           "conflict returns the current title");

    ok(wk_revision_list(&revisions, db, id, pool) == APR_SUCCESS
       && revisions->nelts == 1, "one revision is kept");
    ok(revisions && APR_ARRAY_IDX(revisions, 0, wk_revision_t).revision == 1,
       "the kept revision is 1");

    ok(wk_revision_restore(&post, db, id, 1, 2, &options, apr_time_now(),
                           &error, pool) == APR_SUCCESS, "restore revision 1");
    is_str(post->title, "First", "restore brings the old title back");
    ok(post->revision == 3, "restore is a new revision");
    ok(wk_revision_restore(&post, db, id, 1, 2, &options, apr_time_now(),
                           &error, pool) == WK_ECONFLICT,
       "restore on a stale revision is WK_ECONFLICT");
    ok(wk_revision_restore(&post, db, id, 99, 3, &options, apr_time_now(),
                           &error, pool) == APR_NOTFOUND,
       "restore of a missing revision is APR_NOTFOUND");

    options.max_revisions = 3;
    for (i = 0; i < 6; i++) {
        fields.title = apr_psprintf(pool, "Edit %d", i);
        wk_post_update(&post, db, id, post->revision, &fields, &options,
                       apr_time_now(), &error, pool);
    }
    ok(post->revision == 9, "six more updates make revision 9");
    ok(wk_revision_list(&revisions, db, id, pool) == APR_SUCCESS
       && revisions->nelts == 3, "revisions are bounded to 3 (%d)",
       revisions ? revisions->nelts : -1);
    ok(revisions && APR_ARRAY_IDX(revisions, 0, wk_revision_t).revision == 8,
       "newest kept revision is 8");
    ok(revisions && revisions->nelts == 3
       && APR_ARRAY_IDX(revisions, 2, wk_revision_t).revision == 6,
       "oldest kept revision is 6");

    ok(set_title(&post, db, 999999, 1, "None", pool) == APR_NOTFOUND,
       "update of a missing post is APR_NOTFOUND");
    fields.title = NULL;
    fields.source = "x";
    options = edit_options();
    options.limits.max_source_bytes = 0;
    ok(wk_post_update(&post, db, id, 9, &fields, &options, apr_time_now(),
                      &error, pool) == WK_ETOOBIG,
       "update over the source limit fails");
    ok(wk_post_get(&post, db, id, pool) == APR_SUCCESS && post->revision == 9,
       "a failed update changes nothing");
}

/* One of two threads that update the same post from the same base. */
typedef struct racer {
    apr_int64_t id;
    const char *title;
    apr_status_t rv;
    int revision;
    const char *seen_title;
} racer_t;

static void *APR_THREAD_FUNC race_update(apr_thread_t *thread, void *data)
{
    racer_t *racer = data;
    apr_pool_t *pool;
    wk_post_t *post = NULL;
    wk_db_t *db;

    apr_pool_create(&pool, NULL);
    db = open_db(db_path, pool);
    racer->rv = db ? set_title(&post, db, racer->id, 1, racer->title, pool)
                   : WK_EDB;
    if (post != NULL) {
        racer->revision = post->revision;
        racer->seen_title = strdup(post->title);
    }
    apr_pool_destroy(pool);
    apr_thread_exit(thread, APR_SUCCESS);
    return NULL;
}

static void test_conflict_threads(wk_db_t *db, apr_pool_t *pool)
{
    wk_post_t *post = create(db, "Race", NULL, NULL, apr_time_now(), pool);
    racer_t racers[2] = { { post->id, "Left", 0, 0, NULL },
                          { post->id, "Right", 0, 0, NULL } };
    apr_thread_t *threads[2];
    apr_status_t ignored;
    racer_t *winner, *loser;
    int i;

    for (i = 0; i < 2; i++)
        apr_thread_create(&threads[i], NULL, race_update, &racers[i], pool);
    for (i = 0; i < 2; i++)
        apr_thread_join(&ignored, threads[i]);

    winner = racers[0].rv == APR_SUCCESS ? &racers[0] : &racers[1];
    loser = winner == &racers[0] ? &racers[1] : &racers[0];
    ok(winner->rv == APR_SUCCESS, "one of two updates wins");
    ok(loser->rv == WK_ECONFLICT, "the other gets WK_ECONFLICT (%d)",
       loser->rv);
    ok(loser->revision == 2, "the loser sees revision 2");
    is_str(loser->seen_title, winner->title, "the loser sees the winner's "
           "title");
    ok(wk_post_get(&post, db, post->id, pool) == APR_SUCCESS
       && post->revision == 2, "the post is at revision 2");
    is_str(post->title, winner->title, "the stored title is the winner's");
    free((char *)racers[0].seen_title);
    free((char *)racers[1].seen_title);
}

static void test_slug_redirects(wk_db_t *db, apr_pool_t *pool)
{
    wk_edit_options_t options = edit_options();
    apr_time_t now = apr_time_now();
    wk_post_t *post = create(db, "Moving", NULL, "published", now, pool);
    wk_post_t *draft = create(db, "Hidden", NULL, NULL, now, pool);
    wk_post_fields_t fields = { 0 };
    wk_post_t *visible = NULL;
    const char *slug = NULL;
    char *error = NULL;

    fields.slug = "Moved Here";
    ok(wk_post_update(&post, db, post->id, 1, &fields, &options, now, &error,
                      pool) == APR_SUCCESS, "change a published slug");
    is_str(post->slug, "moved-here", "the new slug is stored");
    ok(wk_post_find_moved(&slug, db, "moving", now, pool) == APR_SUCCESS,
       "the old slug has moved");
    is_str(slug, "moved-here", "the old slug leads to the new one");
    ok(wk_redirect_lookup(&slug, db, "posts/moving", now, pool)
       == APR_SUCCESS, "the fallback handler's lookup finds it too");
    ok(wk_post_get_visible(&visible, db, "moved-here", now, pool)
       == APR_SUCCESS, "the new slug is visible");

    fields.slug = "moving";
    ok(wk_post_update(&post, db, post->id, 2, &fields, &options, now, &error,
                      pool) == APR_SUCCESS, "change the slug back");
    ok(wk_post_find_moved(&slug, db, "moving", now, pool) == APR_NOTFOUND,
       "the slug in use is no redirect any more");
    ok(wk_post_find_moved(&slug, db, "moved-here", now, pool) == APR_SUCCESS
       && strcmp(slug, "moving") == 0, "the second slug leads back");

    fields.slug = "still-hidden";
    ok(wk_post_update(&draft, db, draft->id, 1, &fields, &options, now,
                      &error, pool) == APR_SUCCESS, "change a draft's slug");
    ok(wk_post_find_moved(&slug, db, "hidden", now, pool) == APR_NOTFOUND,
       "a draft's old slug gets no redirect");
}

static void test_scheduled(wk_db_t *db, apr_pool_t *pool)
{
    wk_edit_options_t options = edit_options();
    apr_time_t now = apr_time_from_sec(apr_time_sec(apr_time_now()));
    wk_post_fields_t fields = { 0 };
    wk_post_t *post = NULL, *visible = NULL;
    char *error = NULL;

    fields.title = "Tomorrow";
    fields.status = "scheduled";
    fields.set_published_at = 1;
    fields.published_at = now + apr_time_from_sec(86400);
    ok(wk_post_create(&post, db, &fields, &options, now, &error, pool)
       == APR_SUCCESS, "create a scheduled post");
    ok(wk_post_get_visible(&visible, db, post->slug, now, pool)
       == APR_NOTFOUND, "scheduled post is invisible before its time");
    ok(wk_post_get_visible(&visible, db, post->slug,
                           now + apr_time_from_sec(86400), pool)
       == APR_SUCCESS, "scheduled post is visible at its time");
}

static void test_list_and_tags(apr_pool_t *pool)
{
    wk_db_t *db = open_db(apr_pstrcat(pool, tmpdir, "/list.db", NULL), pool);
    wk_edit_options_t options = edit_options();
    wk_post_query_t query = { 0 };
    wk_post_fields_t fields = { 0 };
    apr_array_header_t *posts = NULL, *tags = NULL;
    wk_post_t *a, *b, *c;
    char *error = NULL;
    int total = -1;

    a = create(db, "100% Sure", NULL, "published", apr_time_now(), pool);
    b = create(db, "Snake_case Tips", NULL, NULL, apr_time_now(), pool);
    c = create(db, "Plain", NULL, NULL, apr_time_now(), pool);

    query.title_search = "%";
    ok(wk_post_list(&posts, &total, db, &query, pool) == APR_SUCCESS
       && total == 1, "search for %% matches only a literal %% (%d)", total);
    query.title_search = "e_c";
    ok(wk_post_list(&posts, &total, db, &query, pool) == APR_SUCCESS
       && total == 1, "search for _ matches only a literal _");
    query.title_search = "PLAIN";
    ok(wk_post_list(&posts, &total, db, &query, pool) == APR_SUCCESS
       && total == 1, "search ignores ASCII case");
    query.title_search = NULL;
    query.status = "draft";
    ok(wk_post_list(&posts, &total, db, &query, pool) == APR_SUCCESS
       && total == 2, "status filter");
    query.status = NULL;
    query.limit = 2;
    query.offset = 2;
    ok(wk_post_list(&posts, &total, db, &query, pool) == APR_SUCCESS
       && total == 3 && posts->nelts == 1, "offset and limit page the list");
    ok(posts->nelts == 1 && APR_ARRAY_IDX(posts, 0, wk_post_t *)->html
       == NULL, "list has no html");

    fields.tags = apr_array_make(pool, 2, sizeof(const char *));
    APR_ARRAY_PUSH(fields.tags, const char *) = "C Programming";
    APR_ARRAY_PUSH(fields.tags, const char *) = "Old";
    wk_post_update(&a, db, a->id, 1, &fields, &options, apr_time_now(),
                   &error, pool);
    wk_post_update(&b, db, b->id, 1, &fields, &options, apr_time_now(),
                   &error, pool);
    ok(a->tags->nelts == 2, "tags are set");
    apr_array_clear(fields.tags);
    APR_ARRAY_PUSH(fields.tags, const char *) = "C Programming";
    wk_post_update(&a, db, a->id, 2, &fields, &options, apr_time_now(),
                   &error, pool);
    ok(a->tags->nelts == 1, "tags are replaced");
    ok(wk_tag_list_counts(&tags, db, pool) == APR_SUCCESS
       && tags->nelts == 2, "two tags exist");
    is_str(tags->nelts > 0 ? APR_ARRAY_IDX(tags, 0, wk_tag_count_t).slug
                           : NULL, "c-programming", "tag slug");
    ok(tags->nelts > 0 && APR_ARRAY_IDX(tags, 0, wk_tag_count_t).count == 2,
       "c-programming has two posts");

    /* The same tag in other spellings keeps the post's tags; a tag
     * swapped for another replaces them. */
    apr_array_clear(fields.tags);
    APR_ARRAY_PUSH(fields.tags, const char *) = "c programming";
    APR_ARRAY_PUSH(fields.tags, const char *) = "C-Programming";
    ok(wk_post_update(&a, db, a->id, 3, &fields, &options, apr_time_now(),
                      &error, pool) == APR_SUCCESS,
       "update with the same tag");
    ok(a->tags->nelts == 1, "same tag in other spellings kept once");
    is_str(a->tags->nelts > 0 ? APR_ARRAY_IDX(a->tags, 0, wk_tag_t).slug
                              : NULL, "c-programming", "kept tag's slug");
    apr_array_clear(fields.tags);
    APR_ARRAY_PUSH(fields.tags, const char *) = "Old";
    ok(wk_post_update(&a, db, a->id, 4, &fields, &options, apr_time_now(),
                      &error, pool) == APR_SUCCESS, "update with another tag");
    ok(a->tags->nelts == 1, "swapped tag is the only one");
    is_str(a->tags->nelts > 0 ? APR_ARRAY_IDX(a->tags, 0, wk_tag_t).slug
                              : NULL, "old", "swapped tag's slug");
    ok(wk_tag_list_counts(&tags, db, pool) == APR_SUCCESS
       && tags->nelts == 2, "both tags still have a post");

    ok(wk_post_delete(db, b->id, b->revision + 1, &error, pool)
       == WK_ECONFLICT, "delete at another revision conflicts");
    ok(wk_post_get(&b, db, b->id, pool) == APR_SUCCESS,
       "conflicting delete keeps the post");
    ok(wk_post_delete(db, b->id, b->revision, &error, pool) == APR_SUCCESS,
       "delete at the current revision");
    ok(wk_post_get(&b, db, b->id, pool) == APR_NOTFOUND, "deleted post is "
       "gone");
    ok(wk_post_delete(db, b->id, 0, &error, pool) == APR_NOTFOUND,
       "deleting twice is APR_NOTFOUND");
    ok(wk_tag_list_counts(&tags, db, pool) == APR_SUCCESS
       && tags->nelts == 1, "a tag no post has is removed");
    (void)c;
}

static int rows(wk_db_t *db, const char *sql)
{
    sqlite3_stmt *stmt;
    int count = -1;

    sqlite3_prepare_v2(wk_db_handle(db), sql, -1, &stmt, NULL);
    if (sqlite3_step(stmt) == SQLITE_ROW)
        count = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
    return count;
}

static void test_delete_everything(wk_db_t *db, apr_pool_t *pool)
{
    wk_edit_options_t options = edit_options();
    wk_post_t *post = create(db, "Doomed", NULL, "published",
                             apr_time_now(), pool);
    wk_post_fields_t fields = { 0 };
    char *error = NULL;
    apr_int64_t id = post->id;

    fields.slug = "doomed-2";
    fields.tags = apr_array_make(pool, 1, sizeof(const char *));
    APR_ARRAY_PUSH(fields.tags, const char *) = "doom";
    wk_post_update(&post, db, id, 1, &fields, &options, apr_time_now(),
                   &error, pool);
    ok(rows(db, apr_psprintf(pool, "SELECT count(*) FROM redirects WHERE "
                             "post_id = %" APR_INT64_T_FMT, id)) == 1,
       "the doomed post has a redirect");
    ok(wk_post_delete(db, id, 0, &error, pool) == APR_SUCCESS,
       "delete a post with tags, redirect and revision");
    ok(rows(db, apr_psprintf(pool, "SELECT count(*) FROM redirects WHERE"
                             " post_id = %" APR_INT64_T_FMT, id)) == 0,
       "no redirect of the deleted post is left");
    ok(rows(db, apr_psprintf(pool, "SELECT count(*) FROM post_revisions"
                             " WHERE post_id = %" APR_INT64_T_FMT, id)) == 0,
       "no revision of the deleted post is left");
    ok(rows(db, apr_psprintf(pool, "SELECT count(*) FROM post_tags WHERE"
                             " post_id = %" APR_INT64_T_FMT, id)) == 0,
       "no tag link of the deleted post is left");
}

int main(int argc, const char *const *argv)
{
    apr_pool_t *pool;
    char template[] = "/tmp/wk-edit-test.XXXXXX";
    wk_db_t *db;

    apr_app_initialize(&argc, &argv, NULL);
    apr_pool_create(&pool, NULL);
    wk_markdown_init();
    tmpdir = mkdtemp(template);
    db_path = apr_pstrcat(pool, tmpdir, "/edit.db", NULL);
    db = open_db(db_path, pool);

    test_settings_defaults(db, pool);
    test_create(db, pool);
    test_render_options(db, pool);
    test_update_revisions(db, pool);
    test_conflict_threads(db, pool);
    test_slug_redirects(db, pool);
    test_scheduled(db, pool);
    test_list_and_tags(pool);
    test_delete_everything(db, pool);

    if (system(apr_psprintf(pool, "rm -rf '%s'", tmpdir)) != 0)
        diag("could not remove %s", tmpdir);
    apr_pool_destroy(pool);
    return done_testing();
}
