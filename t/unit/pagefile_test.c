/*
 * pagefile_test.c: page files that every process reads: their names,
 * what a read accepts, and the generation directories kept and removed
 * at start-up.
 */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <apr_file_info.h>
#include <apr_file_io.h>
#include <apr_general.h>
#include <apr_strings.h>

#include "tap.h"
#include "wk_pagefile.h"

static wk_page_stamp_t stamp_of(apr_ino_t inode, apr_off_t size)
{
    wk_page_stamp_t stamp;

    memset(&stamp, 0, sizeof(stamp));
    stamp.inode = inode;
    stamp.device = 8;
    stamp.size = size;
    stamp.mtime = apr_time_from_sec(1000);
    stamp.ctime = apr_time_from_sec(1000);
    return stamp;
}

static void file_put(const char *path, const char *bytes, apr_size_t len,
                     apr_pool_t *pool)
{
    apr_file_t *file;

    if (apr_file_open(&file, path, APR_FOPEN_WRITE | APR_FOPEN_CREATE
                      | APR_FOPEN_TRUNCATE, APR_FPROT_OS_DEFAULT, pool)
        != APR_SUCCESS)
        return;
    apr_file_write_full(file, bytes, len, NULL);
    apr_file_close(file);
}

static int file_exists(const char *path, apr_pool_t *pool)
{
    apr_finfo_t finfo;

    return apr_stat(&finfo, path, APR_FINFO_TYPE, pool) == APR_SUCCESS;
}

/* Cuts the good page file at path to every shorter length, as a crash
 * could leave it, and returns how many of them were read as a page. */
static int truncated_reads(const char *path, const char *key,
                           const wk_page_stamp_t *stamp, apr_time_t now,
                           apr_pool_t *pool)
{
    apr_file_t *file;
    apr_finfo_t finfo;
    apr_size_t len, cut;
    wk_page_t got;
    char *bytes;
    int hits = 0;

    if (apr_file_open(&file, path, APR_FOPEN_READ, APR_FPROT_OS_DEFAULT,
                      pool) != APR_SUCCESS)
        return -1;
    apr_file_info_get(&finfo, APR_FINFO_SIZE, file);
    len = (apr_size_t)finfo.size;
    bytes = apr_palloc(pool, len);
    apr_file_read_full(file, bytes, len, NULL);
    apr_file_close(file);

    for (cut = 0; cut < len; cut++) {
        file_put(path, bytes, cut, pool);
        hits += wk_page_file_read(&got, path, key, stamp, now,
                                  pool);
    }
    return hits;
}

static void name_tests(apr_pool_t *pool)
{
    wk_page_stamp_t stamp = stamp_of(42, 100);
    wk_page_stamp_t other_file = stamp_of(43, 100);
    wk_page_stamp_t later = stamp_of(42, 200);
    const char *name = wk_page_file_name(&stamp, "s1", "/posts/a", 0, pool);

    ok(strlen(name) == 32 && strspn(name, "0123456789abcdef") == 32,
       "name is 32 hex digits");
    is_str(wk_page_file_name(&later, "s1", "/posts/a", 0, pool), name,
           "name stays when the tenant changes");
    ok(strcmp(wk_page_file_name(&other_file, "s1", "/posts/a", 0, pool), name)
       != 0, "name differs by tenant file");
    ok(strcmp(wk_page_file_name(&stamp, "s1", "/posts/b", 0, pool), name) != 0,
       "name differs by path");
    ok(strcmp(wk_page_file_name(&stamp, "s1", "/posts/a", 2, pool), name) != 0,
       "name differs by list page");
    ok(strcmp(wk_page_file_name(&stamp, "s2", "/posts/a", 0, pool), name)
       != 0, "name differs by virtual host");
}

static void read_write_tests(const char *dir, apr_pool_t *pool)
{
    static const char body[] = "<p>one\0two</p>";
    wk_page_stamp_t stamp = stamp_of(42, 100);
    wk_page_stamp_t later = stamp_of(42, 200);
    const char *key = "/t.db\n42\nhttp://a.test:80\n/posts/a?";
    const char *name = wk_page_file_name(&stamp, "s1", "/posts/a", 0, pool);
    const char *path = apr_pstrcat(pool, dir, "/", name, NULL);
    apr_time_t now = apr_time_from_sec(5000);
    wk_page_t page, got;
    apr_finfo_t finfo;

    page.body = body;
    page.len = sizeof(body) - 1;
    page.etag = "\"e1\"";
    page.content_type = "text/html; charset=utf-8";
    page.last_modified = apr_time_from_sec(1234);
    page.expires = 0;

    ok(!wk_page_file_read(&got, path, key, &stamp, now, pool),
       "missing file is a miss");
    ok(wk_page_file_write(dir, name, key, &stamp, &page, pool)
       == APR_SUCCESS, "page file written");
    ok(wk_page_file_read(&got, path, key, &stamp, now, pool),
       "page file read back");
    ok(got.len == page.len && memcmp(got.body, body, page.len) == 0,
       "body read back byte for byte, NUL included");
    is_str(got.etag, "\"e1\"", "ETag read back");
    is_str(got.content_type, page.content_type, "content type read back");
    ok(got.last_modified == page.last_modified, "Last-Modified read back");
    ok(got.expires == 0, "no expiry read back");
    ok(apr_stat(&finfo, path, APR_FINFO_PROT, pool) == APR_SUCCESS
       && (finfo.protection & (APR_FPROT_GREAD | APR_FPROT_WREAD)) == 0,
       "page file readable by its owner only");

    ok(!wk_page_file_read(&got, path, key, &later, now, pool),
       "other stamp is a miss");
    ok(!wk_page_file_read(&got, path,
                          "/t.db\n42\nhttp://b.test:80\n/posts/a?", &stamp,
                          now, pool),
       "other key is a miss");

    page.expires = apr_time_from_sec(6000);
    ok(wk_page_file_write(dir, name, key, &stamp, &page, pool)
       == APR_SUCCESS, "page with expiry written over the first");
    ok(wk_page_file_read(&got, path, key, &stamp, now, pool)
       && got.expires == apr_time_from_sec(6000), "page read before expiry");
    ok(!wk_page_file_read(&got, path, key, &stamp,
                          apr_time_from_sec(6000), pool),
       "page at its expiry is a miss");

    ok(truncated_reads(path, key, &stamp, now, pool) == 0,
       "no truncated page file is read");
    file_put(path, "not a page file at all, just some text", 38, pool);
    ok(!wk_page_file_read(&got, path, key, &stamp, now, pool),
       "file of other bytes is a miss");

    ok(wk_page_file_write(apr_pstrcat(pool, dir, "/missing", NULL), name,
                          key, &stamp, &page, pool) != APR_SUCCESS,
       "write into a missing directory fails");
}

/* Generations as wk_page_dir_prepare() expects them: MD5 digests. */
#define GEN_A "0a1b0a1b0a1b0a1b0a1b0a1b0a1b0a1b"
#define GEN_B "2c3d2c3d2c3d2c3d2c3d2c3d2c3d2c3d"
#define GEN_C "4e5f4e5f4e5f4e5f4e5f4e5f4e5f4e5f"

static void dir_tests(const char *root, apr_pool_t *pool)
{
    const char *first, *second, *again;
    const char *old_page, *old_temp, *foreign, *kept_page, *foreign_in_gen;
    const char *file_root = apr_pstrcat(pool, root, "/plain", NULL);
    char *error = NULL;
    const char *dir;

    ok(wk_page_dir_prepare(&first, &error, apr_pstrcat(pool, root, "/pages",
                                                       NULL),
                           GEN_A, pool) == APR_SUCCESS,
       "directory prepared where there was none");
    is_str(first, apr_pstrcat(pool, root, "/pages/gen-" GEN_A, NULL),
           "generation directory named after the digest");
    old_page = apr_pstrcat(pool, first, "/0123456789abcdef0123456789abcdef",
                           NULL);
    old_temp = apr_pstrcat(pool, first, "/.tmp-abcdef", NULL);
    file_put(old_page, "page", 4, pool);
    file_put(old_temp, "half", 4, pool);
    foreign = apr_pstrcat(pool, root, "/pages/notes.txt", NULL);
    file_put(foreign, "admin's", 7, pool);

    ok(wk_page_dir_prepare(&again, &error, apr_pstrcat(pool, root, "/pages",
                                                       NULL),
                           GEN_A, pool) == APR_SUCCESS,
       "same generation prepared again");
    ok(file_exists(old_page, pool), "same generation keeps its pages");
    ok(!file_exists(old_temp, pool),
       "same generation loses half-written files");

    ok(wk_page_dir_prepare(&second, &error, apr_pstrcat(pool, root, "/pages",
                                                        NULL),
                           GEN_B, pool) == APR_SUCCESS,
       "new generation prepared");
    ok(!file_exists(first, pool), "old generation removed");
    ok(file_exists(second, pool), "new generation exists");
    ok(file_exists(foreign, pool), "other files of the root kept");

    /* A generation directory with a file that is not a page stays. */
    kept_page = apr_pstrcat(pool, second, "/fedcba9876543210fedcba9876543210",
                            NULL);
    foreign_in_gen = apr_pstrcat(pool, second, "/README", NULL);
    file_put(kept_page, "page", 4, pool);
    file_put(foreign_in_gen, "mine", 4, pool);
    ok(wk_page_dir_prepare(&dir, &error, apr_pstrcat(pool, root, "/pages",
                                                     NULL),
                           GEN_C, pool) == APR_SUCCESS,
       "third generation prepared");
    ok(!file_exists(kept_page, pool), "pages of the old generation removed");
    ok(file_exists(foreign_in_gen, pool),
       "file of another name keeps its directory");

    file_put(file_root, "x", 1, pool);
    error = NULL;
    ok(wk_page_dir_prepare(&dir, &error,
                           apr_pstrcat(pool, file_root, "/pages", NULL),
                           GEN_A, pool) != APR_SUCCESS,
       "root below a regular file fails");
    ok(error != NULL && strstr(error, file_root) != NULL,
       "error names the path: %s", error ? error : "(none)");
}

/* Directories under gen- names that are not digests belong to someone
 * else sharing the root, and a link where a generation should be is
 * replaced without touching what it points to. */
static void foreign_tests(const char *root, apr_pool_t *pool)
{
    const char *pages = apr_pstrcat(pool, root, "/shared", NULL);
    const char *year = apr_pstrcat(pool, pages, "/gen-2024", NULL);
    const char *target = apr_pstrcat(pool, root, "/target", NULL);
    const char *target_page = apr_pstrcat(pool, target,
        "/0123456789abcdef0123456789abcdef", NULL);
    const char *link = apr_pstrcat(pool, pages, "/gen-" GEN_B, NULL);
    const char *dir;
    char *error = NULL;
    apr_finfo_t finfo;

    ok(wk_page_dir_prepare(&dir, &error, pages, GEN_A, pool) == APR_SUCCESS,
       "shared root prepared");
    apr_dir_make(year, APR_FPROT_OS_DEFAULT, pool);
    file_put(apr_pstrcat(pool, year, "/0123456789abcdef0123456789abcdef",
                         NULL), "notes", 5, pool);
    apr_dir_make(target, APR_FPROT_OS_DEFAULT, pool);
    file_put(target_page, "theirs", 6, pool);
    ok(symlink(target, link) == 0, "link made where a generation goes");

    ok(wk_page_dir_prepare(&dir, &error, pages, GEN_B, pool) == APR_SUCCESS,
       "generation prepared over a link");
    ok(apr_stat(&finfo, link, APR_FINFO_TYPE | APR_FINFO_LINK, pool)
       == APR_SUCCESS && finfo.filetype == APR_DIR,
       "link replaced by a directory");
    ok(file_exists(target_page, pool), "link's target left alone");
    ok(file_exists(year, pool), "gen- name that is no digest kept");

    ok(wk_page_dir_prepare(&dir, &error, pages, GEN_C, pool) == APR_SUCCESS,
       "next generation prepared");
    ok(file_exists(target_page, pool), "link's target still left alone");
    ok(file_exists(year, pool), "gen- name that is no digest still kept");
}

/* The parent, often root, removes and creates directories in the root at
 * every start, so no other user may write to it. */
static void root_owner_tests(const char *root, apr_pool_t *pool)
{
    const char *open_root = apr_pstrcat(pool, root, "/open", NULL);
    const char *dir;
    char *error = NULL;

    apr_dir_make(open_root, APR_FPROT_OS_DEFAULT, pool);
    chmod(open_root, 0777);
    ok(wk_page_dir_prepare(&dir, &error, open_root, GEN_A, pool)
       != APR_SUCCESS, "root writable by all rejected");
    ok(error != NULL && strstr(error, "writable by other users") != NULL
       && strstr(error, open_root) != NULL,
       "error names the root and the reason: %s", error ? error : "(none)");

    /* A directory above the root that others may write to lets them
     * swap the root for a link, unless it is sticky like /tmp. */
    {
        const char *open_parent = apr_pstrcat(pool, root, "/wide", NULL);
        const char *sticky = apr_pstrcat(pool, root, "/sticky", NULL);
        const char *target = apr_pstrcat(pool, root, "/real-pages", NULL);
        const char *link = apr_pstrcat(pool, root, "/linked-pages", NULL);

        apr_dir_make(open_parent, APR_FPROT_OS_DEFAULT, pool);
        chmod(open_parent, 0777);
        error = NULL;
        ok(wk_page_dir_prepare(&dir, &error,
                               apr_pstrcat(pool, open_parent, "/pages",
                                           NULL), GEN_A, pool)
           != APR_SUCCESS, "root under a directory writable by all "
           "rejected");
        ok(error != NULL && strstr(error, open_parent) != NULL,
           "error names that directory: %s", error ? error : "(none)");

        apr_dir_make(sticky, APR_FPROT_OS_DEFAULT, pool);
        chmod(sticky, 01777);
        ok(wk_page_dir_prepare(&dir, &error,
                               apr_pstrcat(pool, sticky, "/pages", NULL),
                               GEN_A, pool) == APR_SUCCESS,
           "root under a sticky directory accepted");

        apr_dir_make(target, APR_FPROT_OS_DEFAULT, pool);
        chmod(target, 0755);
        ok(symlink(target, link) == 0, "link to a root made");
        error = NULL;
        ok(wk_page_dir_prepare(&dir, &error, link, GEN_A, pool)
           != APR_SUCCESS, "root that is a link rejected");
        ok(error != NULL && strstr(error, "symbolic link") != NULL,
           "error says it is a link: %s", error ? error : "(none)");

        /* A link above the root, like /var/run, is fine when no one else
         * can replace it, but where it leads is checked too. */
        ok(wk_page_dir_prepare(&dir, &error,
                               apr_pstrcat(pool, link, "/pages", NULL),
                               GEN_A, pool) == APR_SUCCESS,
           "root under a link accepted");
        chmod(target, 0777);
        error = NULL;
        ok(wk_page_dir_prepare(&dir, &error,
                               apr_pstrcat(pool, link, "/pages", NULL),
                               GEN_A, pool) != APR_SUCCESS,
           "root under a link to a directory writable by all rejected");
        ok(error != NULL && strstr(error, target) != NULL,
           "error names the resolved directory: %s",
           error ? error : "(none)");
    }

    if (geteuid() == 0) {
        const char *their_root = apr_pstrcat(pool, root, "/theirs", NULL);

        apr_dir_make(their_root, APR_FPROT_OS_DEFAULT, pool);
        chmod(their_root, 0755);
        ok(chown(their_root, 65534, 65534) == 0, "root given to nobody");
        error = NULL;
        ok(wk_page_dir_prepare(&dir, &error, their_root, GEN_A, pool)
           != APR_SUCCESS, "root of another user rejected");
        ok(error != NULL && strstr(error, "belongs to uid 65534") != NULL,
           "error names the owner: %s", error ? error : "(none)");
    }
}

int main(void)
{
    apr_pool_t *pool;
    char template[] = "/tmp/wk-pagefile-test.XXXXXX";
    const char *root;

    apr_initialize();
    apr_pool_create(&pool, NULL);
    root = mkdtemp(template);
    if (root == NULL) {
        ok(0, "make a temporary directory");
        return done_testing();
    }

    name_tests(pool);
    read_write_tests(root, pool);
    dir_tests(root, pool);
    foreign_tests(root, pool);
    root_owner_tests(root, pool);

    if (system(apr_psprintf(pool, "rm -rf '%s'", root)) != 0)
        diag("cannot remove %s", root);
    apr_pool_destroy(pool);
    apr_terminate();
    return done_testing();
}
