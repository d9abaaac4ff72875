/*
 * wk_cache.h: the per-process cache of tenant connections.
 *
 * Each tenant that a process has served recently keeps a resource list of
 * open connections (apr_reslist), so a request borrows one, runs its few
 * queries and gives it back through a cleanup on the request pool,
 * whatever path the request takes out.  The number of open tenants is
 * bounded: past the bound the least recently used idle tenant is closed.
 * A tenant nobody used for the idle timeout is closed too.
 *
 * Thread rules: one mutex guards the tenant table and the LRU list and is
 * never held during SQLite work; each resource list has its own lock.
 * Create the cache in each child after fork (child_init), never in the
 * parent, so no connection crosses a fork.
 */
#ifndef WK_CACHE_H
#define WK_CACHE_H

#include "wk_store.h"

typedef struct wk_cache wk_cache_t;

typedef struct wk_cache_limits {
    int max_tenants;                  /* open tenants per process */
    int max_connections;              /* per tenant, usually the threads */
    apr_interval_time_t idle_timeout; /* close a tenant unused this long */
} wk_cache_limits_t;

/* Creates the cache; everything it opens is closed when pool dies. */
apr_status_t wk_cache_create(wk_cache_t **cache,
                             const wk_cache_limits_t *limits,
                             apr_pool_t *pool);

/*
 * Borrows a connection to the tenant file at path until request_pool is
 * cleared.  Fails with APR_ENOENT for a missing file (never created) and
 * with the wk_db_open() status for a broken or too new one.  A failure is
 * remembered for as long as the file keeps its size and modification
 * time, so a broken tenant costs one stat per request.  *first_report is
 * set to 1 only the first time a failure is seen, so the caller logs it
 * once; *error is set on every failure.  known, when it is not NULL and
 * describes a regular file, is a stat() of path that this request took
 * already (inode, device, size and modification time), which spares the
 * call that checks whether the file was replaced.
 */
apr_status_t wk_cache_acquire(wk_db_t **db, wk_cache_t *cache,
                              const char *path, const apr_finfo_t *known,
                              apr_pool_t *request_pool, char **error,
                              int *first_report);

/*
 * Records that a query on the open tenant of db failed, without marking
 * the tenant failed: the next request tries again, so a repair committed
 * to the -wal file, which leaves the database file as it was, shows at
 * once.  Returns 1 when the caller should log the failure: the first
 * time, then at most once per WK_CACHE_QUERY_FAULT_INTERVAL while the
 * tenant stays open in this process.  A tenant closed and opened again
 * starts over, and so may log sooner.
 */
#define WK_CACHE_QUERY_FAULT_INTERVAL apr_time_from_sec(60)

int wk_cache_note_query_fault(wk_cache_t *cache, wk_db_t *db,
                              apr_time_t now);

/*
 * Records that the tenant file at path, which the configuration names,
 * is missing.  Returns 1 the first time for that path since it was last
 * seen, so the caller logs it once per process.  Not for mass hosting,
 * where clients pick the path.
 */
int wk_cache_report_missing(wk_cache_t *cache, const char *path);

/*
 * Closes the tenants idle for longer than the idle timeout.  Opening a
 * tenant does this too, but a process that serves every request from
 * kept pages opens none, and SQLite removes a tenant's -wal file only
 * when its last connection closes.
 */
void wk_cache_close_idle(wk_cache_t *cache, apr_time_t now);

/* Returns the number of tenants open now (for tests and benchmarks). */
int wk_cache_open_tenants(wk_cache_t *cache);

#endif
