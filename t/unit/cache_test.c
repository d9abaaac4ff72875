/*
 * cache_test.c: the per-process tenant connection cache, with real
 * tenant files and real threads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <apr_general.h>
#include <apr_thread_proc.h>

#include "tap.h"
#include "wk_cache.h"

static const char *tmpdir;

static const char *tenant_path(int n, apr_pool_t *pool)
{
    return apr_psprintf(pool, "%s/tenant%d.db", tmpdir, n);
}

static void make_tenant(const char *path, apr_pool_t *pool)
{
    wk_db_t *db;
    char *error = NULL;

    if (wk_db_open(&db, path, WK_DB_CREATE | WK_DB_MIGRATE, &error, pool)
        != APR_SUCCESS)
        diag("cannot create %s: %s", path, error);
    else
        wk_db_close(db);
}

/* Borrows and returns one connection; returns the acquire status. */
static apr_status_t borrow(wk_cache_t *cache, const char *path,
                           int *first_report, apr_pool_t *parent)
{
    apr_pool_t *request;
    wk_db_t *db = NULL;
    char *error = NULL;
    apr_status_t rv;

    apr_pool_create(&request, parent);
    rv = wk_cache_acquire(&db, cache, path, NULL, request, &error,
                          first_report);
    if (rv == APR_SUCCESS && wk_db_version(db) != wk_schema_version())
        rv = WK_EDB;
    apr_pool_destroy(request);
    return rv;
}

static void test_bound(apr_pool_t *pool)
{
    wk_cache_limits_t limits = { 3, 4, 0 };
    wk_cache_t *cache;
    int i, first;

    ok(wk_cache_create(&cache, &limits, pool) == APR_SUCCESS, "create cache");
    for (i = 0; i < 5; i++)
        ok(borrow(cache, tenant_path(i, pool), &first, pool) == APR_SUCCESS,
           "borrow tenant %d", i);
    ok(wk_cache_open_tenants(cache) == 3, "open tenants bounded at 3 (%d)",
       wk_cache_open_tenants(cache));
}

static void test_missing_and_corrupt(apr_pool_t *pool)
{
    wk_cache_limits_t limits = { 8, 4, 0 };
    const char *missing = apr_pstrcat(pool, tmpdir, "/missing.db", NULL);
    const char *corrupt = apr_pstrcat(pool, tmpdir, "/corrupt.db", NULL);
    wk_cache_t *cache;
    FILE *f;
    int first = -1;

    wk_cache_create(&cache, &limits, pool);
    ok(borrow(cache, missing, &first, pool) == APR_ENOENT, "missing is ENOENT");
    ok(access(missing, F_OK) != 0, "missing tenant not created");
    ok(wk_cache_open_tenants(cache) == 0, "missing tenant takes no slot");

    f = fopen(corrupt, "w");
    fputs("garbage that is certainly not an SQLite header, padded out\n", f);
    fclose(f);
    ok(borrow(cache, corrupt, &first, pool) == WK_ECORRUPT, "corrupt fails");
    ok(first == 1, "first failure is reported");
    ok(borrow(cache, corrupt, &first, pool) == WK_ECORRUPT, "still fails");
    ok(first == 0, "second failure is not reported again");

    unlink(corrupt);
    make_tenant(corrupt, pool);
    ok(borrow(cache, corrupt, &first, pool) == APR_SUCCESS,
       "repaired file opens");
}

/* Writes a tenant titled title beside path and renames it over path, as
 * an admin restoring a backup would. */
static void replace_tenant(const char *path, const char *title,
                           apr_pool_t *pool)
{
    const char *moved = apr_pstrcat(pool, path, ".new", NULL);
    char *error = NULL;
    wk_db_t *db;

    make_tenant(moved, pool);
    if (wk_db_open(&db, moved, 0, &error, pool) == APR_SUCCESS) {
        wk_setting_set(db, "title", title, &error, pool);
        wk_db_close(db);
    }
    rename(moved, path);
}

static void test_replaced_file(apr_pool_t *pool)
{
    wk_cache_limits_t limits = { 8, 4, 0 };
    const char *path = tenant_path(0, pool);
    wk_settings_t settings;
    apr_finfo_t before, after;
    apr_pool_t *request;
    wk_cache_t *cache;
    wk_db_t *db;
    char *error;
    int first;

    wk_cache_create(&cache, &limits, pool);
    borrow(cache, path, &first, pool);

    replace_tenant(path, "Replaced", pool);

    apr_pool_create(&request, pool);
    ok(wk_cache_acquire(&db, cache, path, NULL, request, &error, &first)
       == APR_SUCCESS, "replaced file opens");
    wk_settings_load(&settings, db, request);
    is_str(settings.title, "Replaced", "cache reads the new file");
    apr_pool_destroy(request);

    /* A stat the request took already stands for the check, so one taken
     * before the next replacement still finds the open tenant, and one
     * taken after finds the new file. */
    apr_stat(&before, path, APR_FINFO_IDENT | APR_FINFO_MTIME
             | APR_FINFO_SIZE | APR_FINFO_TYPE, pool);
    replace_tenant(path, "Again", pool);
    apr_stat(&after, path, APR_FINFO_IDENT | APR_FINFO_MTIME
             | APR_FINFO_SIZE | APR_FINFO_TYPE, pool);

    apr_pool_create(&request, pool);
    ok(wk_cache_acquire(&db, cache, path, &before, request, &error, &first)
       == APR_SUCCESS, "acquire with the earlier stat");
    wk_settings_load(&settings, db, request);
    is_str(settings.title, "Replaced", "earlier stat keeps the open tenant");
    apr_pool_destroy(request);

    apr_pool_create(&request, pool);
    ok(wk_cache_acquire(&db, cache, path, &after, request, &error, &first)
       == APR_SUCCESS, "acquire with the later stat");
    wk_settings_load(&settings, db, request);
    is_str(settings.title, "Again", "later stat opens the new file");
    apr_pool_destroy(request);
}

static void test_idle_timeout(apr_pool_t *pool)
{
    wk_cache_limits_t limits = { 8, 4, apr_time_from_msec(50) };
    wk_cache_t *cache;
    int first;

    wk_cache_create(&cache, &limits, pool);
    borrow(cache, tenant_path(0, pool), &first, pool);
    borrow(cache, tenant_path(1, pool), &first, pool);
    ok(wk_cache_open_tenants(cache) == 2, "two tenants open");
    apr_sleep(apr_time_from_msec(120));
    borrow(cache, tenant_path(2, pool), &first, pool);
    ok(wk_cache_open_tenants(cache) == 1, "idle tenants closed (%d open)",
       wk_cache_open_tenants(cache));

    /* A tenant past the timeout that is requested again must be reused
     * or reopened, never closed under the request that found it. */
    apr_sleep(apr_time_from_msec(120));
    ok(borrow(cache, tenant_path(2, pool), &first, pool) == APR_SUCCESS,
       "expired tenant borrowed again");
    ok(wk_cache_open_tenants(cache) == 1,
       "expired tenant still open after the borrow (%d open)",
       wk_cache_open_tenants(cache));
}

/* A process that serves only kept pages opens no tenant, and must still
 * close the idle ones, so that their -wal files go. */
static void test_close_idle(apr_pool_t *pool)
{
    wk_cache_limits_t limits = { 8, 4, apr_time_from_msec(50) };
    const char *path = apr_pstrcat(pool, tmpdir, "/idle.db", NULL);
    apr_finfo_t wal;
    wk_cache_t *cache;
    int first;

    /* A tenant of its own: other tests' caches keep theirs open. */
    make_tenant(path, pool);
    wk_cache_create(&cache, &limits, pool);
    borrow(cache, path, &first, pool);
    ok(wk_cache_open_tenants(cache) == 1, "tenant open");
    wk_cache_close_idle(cache, apr_time_now());
    ok(wk_cache_open_tenants(cache) == 1, "tenant in use recently stays");
    apr_sleep(apr_time_from_msec(120));
    wk_cache_close_idle(cache, apr_time_now());
    ok(wk_cache_open_tenants(cache) == 0,
       "idle tenant closed without a request (%d open)",
       wk_cache_open_tenants(cache));
    ok(apr_stat(&wal, apr_pstrcat(pool, path, "-wal", NULL), APR_FINFO_TYPE,
                pool) != APR_SUCCESS, "its -wal file is gone");
}

typedef struct worker {
    wk_cache_t *cache;
    int failures;
    int index;
} worker_t;

static void *APR_THREAD_FUNC worker_run(apr_thread_t *thread, void *data)
{
    worker_t *w = data;
    apr_pool_t *pool;
    int i, first;

    apr_pool_create_unmanaged(&pool);
    for (i = 0; i < 300; i++) {
        if (borrow(w->cache, tenant_path((i + w->index) % 5, pool), &first,
                   pool) != APR_SUCCESS)
            w->failures++;
    }
    apr_pool_destroy(pool);
    apr_thread_exit(thread, APR_SUCCESS);
    return NULL;
}

static void test_threads(apr_pool_t *pool)
{
    wk_cache_limits_t limits = { 3, 2, 0 };
    apr_thread_t *threads[8];
    worker_t workers[8];
    wk_cache_t *cache;
    apr_status_t rv;
    int i, failures = 0;

    wk_cache_create(&cache, &limits, pool);
    for (i = 0; i < 8; i++) {
        workers[i].cache = cache;
        workers[i].failures = 0;
        workers[i].index = i;
        apr_thread_create(&threads[i], NULL, worker_run, &workers[i], pool);
    }
    for (i = 0; i < 8; i++) {
        apr_thread_join(&rv, threads[i]);
        failures += workers[i].failures;
    }
    ok(failures == 0, "8 threads x 300 borrows over 5 tenants, %d failed",
       failures);
    ok(wk_cache_open_tenants(cache) <= 3, "bound holds after threads (%d)",
       wk_cache_open_tenants(cache));
}

int main(int argc, const char *const *argv)
{
    apr_pool_t *pool;
    char template[] = "/tmp/wk-cache-test.XXXXXX";
    int i;

    apr_app_initialize(&argc, &argv, NULL);
    apr_pool_create(&pool, NULL);
    tmpdir = mkdtemp(template);
    for (i = 0; i < 5; i++)
        make_tenant(tenant_path(i, pool), pool);

    test_bound(pool);
    test_missing_and_corrupt(pool);
    test_replaced_file(pool);
    test_idle_timeout(pool);
    test_close_idle(pool);
    test_threads(pool);

    if (system(apr_psprintf(pool, "rm -rf '%s'", tmpdir)) != 0)
        diag("could not remove %s", tmpdir);
    apr_pool_destroy(pool);
    return done_testing();
}
