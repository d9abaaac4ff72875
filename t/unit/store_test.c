/*
 * store_test.c: the tenant file API against real SQLite files in a
 * temporary directory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <apr_general.h>

#include "tap.h"
#include "wk_store.h"

static const char *tmpdir;

static const char *tmp_path(const char *name, apr_pool_t *pool)
{
    return apr_pstrcat(pool, tmpdir, "/", name, NULL);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    fputs(text, f);
    fclose(f);
}

static wk_db_t *create_db(const char *name, apr_pool_t *pool)
{
    wk_db_t *db = NULL;
    char *error = NULL;
    apr_status_t rv = wk_db_open(&db, tmp_path(name, pool),
                                 WK_DB_CREATE | WK_DB_MIGRATE, &error, pool);

    ok(rv == APR_SUCCESS, "create %s (%s)", name, error ? error : "no error");
    return db;
}

static wk_post_input_t post_input(const char *title, const char *status,
                                  apr_time_t published, apr_pool_t *pool)
{
    wk_post_input_t in = { 0 };

    in.title = title;
    in.source = "body";
    in.html = "<p>body</p>";
    in.status = status;
    in.published_at = published;
    in.tags = apr_array_make(pool, 2, sizeof(const char *));
    in.aliases = apr_array_make(pool, 2, sizeof(const char *));
    return in;
}

static void test_open_errors(apr_pool_t *pool)
{
    wk_db_t *db = NULL;
    char *error = NULL;
    apr_status_t rv;
    const char *missing = tmp_path("missing.db", pool);
    const char *garbage = tmp_path("garbage.db", pool);

    rv = wk_db_open(&db, missing, WK_DB_MIGRATE, &error, pool);
    ok(rv == APR_ENOENT, "missing file is ENOENT");
    ok(access(missing, F_OK) != 0, "missing file is not created");

    write_file(tmp_path("empty.db", pool), "");
    rv = wk_db_open(&db, tmp_path("empty.db", pool), WK_DB_MIGRATE, &error,
                    pool);
    ok(rv == WK_ECORRUPT, "empty file is WK_ECORRUPT (%s)", error);
    ok(access(tmp_path("empty.db-wal", pool), F_OK) != 0,
       "empty file gets no WAL file");

    write_file(garbage, "this is not an SQLite database, just some text"
               " long enough to fill a header page............\n");
    rv = wk_db_open(&db, garbage, WK_DB_MIGRATE, &error, pool);
    ok(rv == WK_ECORRUPT, "text file is WK_ECORRUPT (%s)", error);
}

static void test_newer_schema(apr_pool_t *pool)
{
    wk_db_t *db = create_db("newer.db", pool);
    char *error = NULL;
    apr_status_t rv;

    sqlite3_exec(wk_db_handle(db), "PRAGMA user_version = 999", 0, 0, 0);
    wk_db_close(db);
    rv = wk_db_open(&db, tmp_path("newer.db", pool), WK_DB_MIGRATE, &error,
                    pool);
    ok(rv == WK_ENEWER, "schema 999 is WK_ENEWER (%s)", error);
}

static void test_posts(apr_pool_t *pool)
{
    wk_db_t *db = create_db("posts.db", pool);
    apr_time_t now = apr_time_now();
    wk_post_input_t in = post_input("Hello, World", "published",
                                    now - apr_time_from_sec(60), pool);
    wk_post_input_t draft = post_input("Secret draft", "draft", 0, pool);
    wk_post_input_t later = post_input("Later", "scheduled",
                                       now + apr_time_from_sec(3600), pool);
    apr_array_header_t *list;
    wk_post_t *post;
    apr_int64_t id, id2;
    const char *slug;
    char *error = NULL;
    int created, total;

    APR_ARRAY_PUSH(in.tags, const char *) = "Release Notes";
    APR_ARRAY_PUSH(in.aliases, const char *) = "/2020/01/01/hello.html";
    in.import_key = "hello.md";
    ok(wk_post_upsert(&id, &created, db, &in, &error, pool) == APR_SUCCESS,
       "insert published post");
    ok(created == WK_UPSERT_CREATED, "first upsert creates");
    ok(wk_post_upsert(&id2, &created, db, &in, &error, pool) == APR_SUCCESS,
       "upsert same import key");
    ok(created == WK_UPSERT_UNCHANGED && id2 == id,
       "same input leaves the post unchanged");
    in.description = "Now with a description";
    ok(wk_post_upsert(&id2, &created, db, &in, &error, pool) == APR_SUCCESS,
       "upsert changed input");
    ok(created == WK_UPSERT_UPDATED && id2 == id,
       "changed input updates the same post");
    APR_ARRAY_PUSH(in.tags, const char *) = "Second tag";
    ok(wk_post_upsert(&id2, &created, db, &in, &error, pool) == APR_SUCCESS
       && created == WK_UPSERT_UPDATED, "new tag alone updates the post");
    in.tags->nelts = 1;
    ok(wk_post_upsert(&id2, &created, db, &in, &error, pool) == APR_SUCCESS
       && created == WK_UPSERT_UPDATED, "removed tag alone updates the post");
    ok(wk_post_upsert(&id2, &created, db, &draft, &error, pool)
       == APR_SUCCESS, "insert draft");
    ok(wk_post_upsert(&id2, &created, db, &later, &error, pool)
       == APR_SUCCESS, "insert scheduled");

    ok(wk_post_get_visible(&post, db, "hello-world", now, pool)
       == APR_SUCCESS, "published post visible by slug");
    is_str(post->title, "Hello, World", "title round-trips");
    ok(post->tags->nelts == 1, "post has one tag");
    ok(wk_post_get_visible(&post, db, "secret-draft", now, pool)
       == APR_NOTFOUND, "draft hidden");
    ok(wk_post_get_visible(&post, db, "later", now, pool) == APR_NOTFOUND,
       "scheduled post hidden before its time");
    ok(wk_post_get_visible(&post, db, "later",
                           now + apr_time_from_sec(7200), pool)
       == APR_SUCCESS, "scheduled post visible after its time");

    ok(wk_post_list_visible(&list, &total, db, NULL, 0, 10, now, pool)
       == APR_SUCCESS && total == 1 && list->nelts == 1,
       "index lists only the published post");
    ok(wk_post_list_visible(&list, &total, db, "release-notes", 0, 10, now,
                            pool) == APR_SUCCESS && total == 1,
       "tag list finds the post");
    ok(wk_redirect_lookup(&slug, db, "2020/01/01/hello.html", now, pool)
       == APR_SUCCESS, "alias redirect found");
    is_str(slug, "hello-world", "alias points at the post");

    in.import_key = "other.md";
    ok(wk_post_upsert(&id2, &created, db, &in, &error, pool) == APR_SUCCESS
       && id2 != id, "same title, other import key is a new post");
    ok(wk_post_get_visible(&post, db, "hello-world-2", now, pool)
       == APR_SUCCESS, "taken slug gets a -2 suffix");
}

static void test_slugify(apr_pool_t *pool)
{
    is_str(wk_slugify("Hello, World!", pool), "hello-world", "ascii slug");
    is_str(wk_slugify("  --  ", pool), "post", "punctuation only");
    is_str(wk_slugify("Café crème", pool), "café-crème", "accents kept");
    is_str(wk_slugify("日本語の記事", pool), "日本語の記事", "CJK kept");
    /* Invisible format characters could make two URLs look alike or
     * reverse how one reads: each is a separator. */
    is_str(wk_slugify("abc\xe2\x80\xaegnp-exe", pool), "abc-gnp-exe",
           "right-to-left override dropped");
    is_str(wk_slugify("ab\xe2\x80\x8b" "cd", pool), "ab-cd",
           "zero-width space dropped");
    is_str(wk_slugify("\xef\xbb\xbfstart", pool), "start", "BOM dropped");
    is_str(wk_slugify("a\xe2\x81\xa6" "b\xe2\x81\xa9", pool), "a-b",
           "bidi isolates dropped");
    is_str(wk_slugify("soft\xc2\xadhyphen", pool), "soft-hyphen",
           "soft hyphen dropped");
    is_str(wk_slugify("\xe2\x80\x8b", pool), "post",
           "only invisible characters");
    is_str(wk_slugify("\xe2\x80\x94" "dash", pool), "\xe2\x80\x94" "dash",
           "visible punctuation outside ASCII kept");
    is_str(wk_slugify("<script>alert(1)</script>", pool),
           "script-alert-1-script", "markup becomes dashes");
}

/* Commits one change to the tenant at path from a child process, as
 * another httpd process or the CLI would; returns 1 when it did. */
static int commit_from_child(const char *path)
{
    int status = 0;
    pid_t pid = fork();

    if (pid == 0) {
        sqlite3 *handle = NULL;
        int rc = sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE, NULL);

        if (rc == SQLITE_OK)
            rc = sqlite3_exec(handle, "INSERT OR REPLACE INTO settings "
                              "(name, value) VALUES ('title', 'child')",
                              NULL, NULL, NULL);
        sqlite3_close(handle);
        _exit(rc == SQLITE_OK ? 0 : 1);
    }
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return 0;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* The WAL-index header changes with every commit from any process and
 * stays the same without one. */
static void test_wal_mark(apr_pool_t *pool)
{
    wk_db_t *db = create_db("mark.db", pool);
    wk_wal_mark_t first, again, later;
    char *error = NULL;

    if (db == NULL)
        return;
    ok(wk_db_wal_mark(db, &first), "mark read from an open tenant");
    ok(wk_db_wal_mark(db, &again), "mark read again");
    ok(memcmp(first.header, again.header, WK_WAL_MARK_SIZE) == 0,
       "mark unchanged without a commit");

    ok(commit_from_child(wk_db_path(db)), "another process commits");
    ok(wk_db_wal_mark(db, &later), "mark read after the commit");
    ok(memcmp(first.header, later.header, WK_WAL_MARK_SIZE) != 0,
       "mark changed by the other process's commit");

    ok(wk_db_run(db, "INSERT OR REPLACE INTO settings (name, value) "
                 "VALUES ('title', 'own')", &error, pool) == APR_SUCCESS,
       "own connection commits");
    ok(wk_db_wal_mark(db, &again), "mark read after the own commit");
    ok(memcmp(later.header, again.header, WK_WAL_MARK_SIZE) != 0,
       "mark changed by the own commit");
    wk_db_close(db);
}

/*
 * After every connection to a tenant closed, SQLite checkpoints and
 * removes the -wal file, and the next open rebuilds the header from
 * nothing, so it is the same whatever was written in between.  Such a
 * header must not vouch for anything.
 */
static void test_wal_mark_reopen(apr_pool_t *pool)
{
    wk_db_t *db = create_db("reopen.db", pool);
    const char *path = tmp_path("reopen.db", pool);
    wk_wal_mark_t before, after;
    char *error = NULL;
    int had_before, had_after;

    if (db == NULL)
        return;
    wk_db_close(db);
    ok(wk_db_open(&db, path, 0, &error, pool) == APR_SUCCESS,
       "tenant opens again");
    had_before = wk_db_wal_mark(db, &before);
    wk_db_close(db);

    ok(commit_from_child(path), "another process commits meanwhile");
    ok(wk_db_open(&db, path, 0, &error, pool) == APR_SUCCESS,
       "tenant opens after the commit");
    had_after = wk_db_wal_mark(db, &after);
    ok(!(had_before && had_after
         && memcmp(before.header, after.header, WK_WAL_MARK_SIZE) == 0),
       "marks of two opens around a commit never match (%d, %d)",
       had_before, had_after);
    wk_db_close(db);
}

int main(int argc, const char *const *argv)
{
    apr_pool_t *pool;
    char template[] = "/tmp/wk-store-test.XXXXXX";

    apr_app_initialize(&argc, &argv, NULL);
    apr_pool_create(&pool, NULL);
    tmpdir = mkdtemp(template);

    test_open_errors(pool);
    test_newer_schema(pool);
    test_posts(pool);
    test_slugify(pool);
    test_wal_mark(pool);
    test_wal_mark_reopen(pool);

    if (system(apr_psprintf(pool, "rm -rf '%s'", tmpdir)) != 0)
        diag("could not remove %s", tmpdir);
    apr_pool_destroy(pool);
    return done_testing();
}
