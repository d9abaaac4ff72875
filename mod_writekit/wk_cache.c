/*
 * wk_cache.c: open tenants, their connection lists and their LRU order.
 *
 * Tuned for many tenants of which a few are busy: an idle tenant costs
 * one small pool, one resource list and one or two connections, and a
 * tenant past the bound or the idle timeout costs nothing.
 */
#include <apr_file_info.h>
#include <apr_hash.h>
#include <apr_reslist.h>
#include <apr_ring.h>
#include <apr_thread_mutex.h>

#include "wk_cache.h"

typedef struct tenant tenant_t;

struct tenant {
    APR_RING_ENTRY(tenant) link;     /* LRU order, most recent first */
    const char *path;
    apr_pool_t *pool;
    wk_cache_t *cache;
    apr_reslist_t *connections;      /* NULL when the tenant failed */
    int borrowed;                    /* connections out on requests */
    int retired;                     /* out of the table, closing */
    apr_time_t last_used;

    /* The file the tenant has open, to notice when it is replaced. */
    apr_ino_t inode;
    apr_dev_t device;

    /* The last open failure, written by connection_open() under the
     * resource list's lock. */
    char open_error[512];

    /* A failure is kept with the file state it was seen with. */
    apr_status_t fault;
    char fault_message[512];
    apr_time_t fault_mtime;
    apr_off_t fault_size;

    /* When a failed query on the open tenant was last logged
     * (wk_cache_note_query_fault()), 0 for never. */
    apr_time_t query_fault_logged;
};

APR_RING_HEAD(tenant_ring, tenant);

struct wk_cache {
    apr_pool_t *pool;
    apr_thread_mutex_t *mutex;
    apr_hash_t *tenants;             /* path -> tenant_t */
    apr_hash_t *missing;             /* paths reported missing, on pool */
    struct tenant_ring lru;
    int open;
    wk_cache_limits_t limits;
};

/* One borrowed connection; the request pool's cleanup gives it back. */
typedef struct lease {
    tenant_t *tenant;
    void *resource;
} lease_t;

/* The resource a list holds: a connection on a pool of its own. */
typedef struct connection {
    wk_db_t *db;
    apr_pool_t *pool;
} connection_t;

static apr_status_t connection_open(void **resource, void *params,
                                    apr_pool_t *list_pool)
{
    tenant_t *tenant = params;
    connection_t *conn;
    apr_pool_t *pool;
    apr_status_t rv;
    char *error = NULL;

    /* The connection's pool is unmanaged: only connection_close() may
     * destroy it, even when the tenant pool dies first and the resource
     * list's cleanup closes what it still holds. */
    rv = apr_pool_create_unmanaged_ex(&pool, NULL, NULL);
    if (rv != APR_SUCCESS)
        return rv;
    conn = apr_pcalloc(pool, sizeof(*conn));
    conn->pool = pool;
    rv = wk_db_open(&conn->db, tenant->path, WK_DB_MIGRATE, &error, pool);
    if (rv != APR_SUCCESS) {
        apr_cpystrn(tenant->open_error, error ? error : "cannot open",
                    sizeof(tenant->open_error));
        apr_pool_destroy(pool);
        return rv;
    }
    *resource = conn;
    return APR_SUCCESS;
}

static apr_status_t connection_close(void *resource, void *params,
                                     apr_pool_t *list_pool)
{
    connection_t *conn = resource;

    apr_pool_destroy(conn->pool);
    return APR_SUCCESS;
}

apr_status_t wk_cache_create(wk_cache_t **out,
                             const wk_cache_limits_t *limits,
                             apr_pool_t *parent)
{
    apr_allocator_t *allocator;
    apr_thread_mutex_t *allocator_mutex;
    wk_cache_t *cache;
    apr_pool_t *pool;
    apr_status_t rv;

    /* Tenant pools are created and destroyed from many threads, so the
     * cache gets an allocator of its own, guarded by a mutex. */
    rv = apr_allocator_create(&allocator);
    if (rv != APR_SUCCESS)
        return rv;
    rv = apr_pool_create_ex(&pool, parent, NULL, allocator);
    if (rv != APR_SUCCESS) {
        apr_allocator_destroy(allocator);
        return rv;
    }
    apr_allocator_owner_set(allocator, pool);
    rv = apr_thread_mutex_create(&allocator_mutex, APR_THREAD_MUTEX_DEFAULT,
                                 pool);
    if (rv != APR_SUCCESS)
        return rv;
    apr_allocator_mutex_set(allocator, allocator_mutex);

    cache = apr_pcalloc(pool, sizeof(*cache));
    cache->pool = pool;
    cache->limits = *limits;
    if (cache->limits.max_tenants < 1)
        cache->limits.max_tenants = 1;
    if (cache->limits.max_connections < 1)
        cache->limits.max_connections = 1;
    cache->tenants = apr_hash_make(pool);
    cache->missing = apr_hash_make(pool);
    APR_RING_INIT(&cache->lru, tenant, link);
    rv = apr_thread_mutex_create(&cache->mutex, APR_THREAD_MUTEX_DEFAULT,
                                 pool);
    if (rv != APR_SUCCESS)
        return rv;

    *out = cache;
    return APR_SUCCESS;
}

/*
 * Takes a tenant out of the table and the LRU list, so the next request
 * opens the file afresh, and closes it once no request holds one of its
 * connections.  Mutex held.
 */
static void tenant_retire(wk_cache_t *cache, tenant_t *tenant)
{
    APR_RING_REMOVE(tenant, link);
    apr_hash_set(cache->tenants, tenant->path, APR_HASH_KEY_STRING, NULL);
    cache->open--;
    tenant->retired = 1;
    if (tenant->borrowed == 0)
        apr_pool_destroy(tenant->pool);
}

/* Closes idle tenants past the timeout, then the least recently used
 * idle ones while the cache is over its bound.  Mutex held. */
static void cache_trim(wk_cache_t *cache, apr_time_t now, int room)
{
    tenant_t *tenant, *prev;

    tenant = APR_RING_LAST(&cache->lru);
    while (tenant != APR_RING_SENTINEL(&cache->lru, tenant, link)) {
        int expired = cache->limits.idle_timeout > 0
            && now - tenant->last_used > cache->limits.idle_timeout;
        int over = cache->open + room > cache->limits.max_tenants;

        prev = APR_RING_PREV(tenant, link);
        if (!expired && !over)
            break;
        /* NOTE: a tenant with connections out stays open, so the bound
         * can be passed by at most the number of busy tenants. */
        if (tenant->borrowed == 0)
            tenant_retire(cache, tenant);
        tenant = prev;
    }
}

static apr_status_t tenant_create(tenant_t **out, wk_cache_t *cache,
                                  const char *path, const apr_finfo_t *finfo)
{
    tenant_t *tenant;
    apr_pool_t *pool;
    apr_status_t rv;

    rv = apr_pool_create(&pool, cache->pool);
    if (rv != APR_SUCCESS)
        return rv;
    tenant = apr_pcalloc(pool, sizeof(*tenant));
    tenant->pool = pool;
    tenant->cache = cache;
    tenant->path = apr_pstrdup(pool, path);
    tenant->inode = finfo->inode;
    tenant->device = finfo->device;

    rv = apr_reslist_create(&tenant->connections, 0, 1,
                            cache->limits.max_connections, 0,
                            connection_open, connection_close, tenant, pool);
    if (rv != APR_SUCCESS) {
        apr_pool_destroy(pool);
        return rv;
    }
    apr_reslist_timeout_set(tenant->connections, apr_time_from_sec(30));

    APR_RING_INSERT_HEAD(&cache->lru, tenant, tenant, link);
    apr_hash_set(cache->tenants, tenant->path, APR_HASH_KEY_STRING, tenant);
    cache->open++;
    *out = tenant;
    return APR_SUCCESS;
}

/*
 * Returns 1 when the file at the tenant's path is no longer the one the
 * tenant opened: replaced (another inode) or, for a tenant that failed,
 * changed in size or modification time since the failure.
 */
static int tenant_file_changed(const tenant_t *tenant,
                               const apr_finfo_t *finfo)
{
    if (finfo->inode != tenant->inode || finfo->device != tenant->device)
        return 1;
    return tenant->fault != APR_SUCCESS
           && (finfo->mtime != tenant->fault_mtime
               || finfo->size != tenant->fault_size);
}

static void fault_remember(tenant_t *tenant, apr_status_t fault,
                           const char *message, apr_pool_t *pool)
{
    apr_finfo_t finfo;

    tenant->fault = fault;
    apr_cpystrn(tenant->fault_message, message,
                sizeof(tenant->fault_message));
    if (apr_stat(&finfo, tenant->path, APR_FINFO_MTIME | APR_FINFO_SIZE,
                 pool) == APR_SUCCESS) {
        tenant->fault_mtime = finfo.mtime;
        tenant->fault_size = finfo.size;
    }
}

/* Finds or opens the tenant, marks it used and pins it with one borrow
 * that the caller must give back.  Mutex held. */
static apr_status_t tenant_lookup(tenant_t **out, wk_cache_t *cache,
                                  const char *path, apr_status_t rv,
                                  apr_finfo_t *finfo)
{
    tenant_t *tenant = apr_hash_get(cache->tenants, path,
                                    APR_HASH_KEY_STRING);
    apr_time_t now = apr_time_now();

    /* The stat of this request, rv and finfo, notices a file that was
     * replaced, repaired or removed since the tenant opened it. */
    if (tenant != NULL
        && (rv != APR_SUCCESS || tenant_file_changed(tenant, finfo))) {
        tenant_retire(cache, tenant);
        tenant = NULL;
    }

    /* An unknown host in mass hosting must not take a cache slot from a
     * real tenant, so a missing file gets no entry. */
    if (rv != APR_SUCCESS)
        return APR_STATUS_IS_ENOENT(rv) ? APR_ENOENT : rv;

    if (tenant == NULL) {
        /* The file is there again: a later loss is news once more. */
        apr_hash_set(cache->missing, path, APR_HASH_KEY_STRING, NULL);
        cache_trim(cache, now, 1);
        rv = tenant_create(&tenant, cache, path, finfo);
        if (rv != APR_SUCCESS)
            return rv;
    }
    else {
        APR_RING_REMOVE(tenant, link);
        APR_RING_INSERT_HEAD(&cache->lru, tenant, tenant, link);
    }

    /* Pinned before trimming, so the trim cannot close the tenant this
     * request is about to use. */
    tenant->borrowed++;
    tenant->last_used = now;
    cache_trim(cache, now, 0);
    *out = tenant;
    return APR_SUCCESS;
}

static apr_status_t lease_return(void *data)
{
    lease_t *lease = data;
    tenant_t *tenant = lease->tenant;
    wk_cache_t *cache = tenant->cache;

    apr_reslist_release(tenant->connections, lease->resource);
    apr_thread_mutex_lock(cache->mutex);
    tenant->borrowed--;
    tenant->last_used = apr_time_now();
    if (tenant->retired && tenant->borrowed == 0)
        apr_pool_destroy(tenant->pool);
    apr_thread_mutex_unlock(cache->mutex);
    return APR_SUCCESS;
}

/*
 * Records that no connection could be had.  A failure to open the file
 * is remembered and reported once; running out of connections (the
 * list's timeout) is neither, because it passes by itself.
 */
static apr_status_t tenant_fail(tenant_t *tenant, apr_status_t rv,
                                apr_pool_t *pool, char **error,
                                int *first_report)
{
    wk_cache_t *cache = tenant->cache;
    const char *path_copy = apr_pstrdup(pool, tenant->path);

    apr_thread_mutex_lock(cache->mutex);
    tenant->borrowed--;
    if (tenant->retired && tenant->borrowed == 0) {
        apr_pool_destroy(tenant->pool);
        apr_thread_mutex_unlock(cache->mutex);
        *error = apr_pstrcat(pool, path_copy, ": file replaced", NULL);
        return rv;
    }
    if (APR_STATUS_IS_TIMEUP(rv) || APR_STATUS_IS_EAGAIN(rv)) {
        *error = apr_psprintf(pool, "%s: all %d connections busy",
                              tenant->path, cache->limits.max_connections);
    }
    else {
        *error = apr_pstrdup(pool, tenant->open_error[0]
                                   ? tenant->open_error : "cannot open");
        if (tenant->fault == APR_SUCCESS) {
            fault_remember(tenant, rv, *error, pool);
            *first_report = 1;
        }
    }
    apr_thread_mutex_unlock(cache->mutex);
    return rv;
}

apr_status_t wk_cache_acquire(wk_db_t **db, wk_cache_t *cache,
                              const char *path, const apr_finfo_t *known,
                              apr_pool_t *request_pool, char **error,
                              int *first_report)
{
    tenant_t *tenant = NULL;
    connection_t *conn;
    lease_t *lease;
    apr_finfo_t finfo;
    apr_status_t rv = APR_SUCCESS;
    void *resource;

    *first_report = 0;
    *error = NULL;

    /* Outside the mutex, which every request of the process takes. */
    if (known != NULL && known->filetype == APR_REG)
        finfo = *known;
    else
        rv = apr_stat(&finfo, path, APR_FINFO_IDENT | APR_FINFO_MTIME
                      | APR_FINFO_SIZE, request_pool);

    apr_thread_mutex_lock(cache->mutex);
    rv = tenant_lookup(&tenant, cache, path, rv, &finfo);
    if (rv == APR_SUCCESS && tenant->fault != APR_SUCCESS) {
        *error = apr_pstrdup(request_pool, tenant->fault_message);
        rv = tenant->fault;
        tenant->borrowed--;
    }
    apr_thread_mutex_unlock(cache->mutex);
    if (rv != APR_SUCCESS) {
        if (*error == NULL && rv == APR_ENOENT)
            *error = apr_psprintf(request_pool, "%s: no such tenant file",
                                  path);
        else if (*error == NULL)
            *error = apr_psprintf(request_pool, "%s: cannot open the tenant "
                                  "file: %pm", path, &rv);
        return rv;
    }

    rv = apr_reslist_acquire(tenant->connections, &resource);
    if (rv != APR_SUCCESS)
        return tenant_fail(tenant, rv, request_pool, error, first_report);

    conn = resource;
    lease = apr_palloc(request_pool, sizeof(*lease));
    lease->tenant = tenant;
    lease->resource = resource;
    apr_pool_cleanup_register(request_pool, lease, lease_return,
                              apr_pool_cleanup_null);
    *db = conn->db;
    return APR_SUCCESS;
}

int wk_cache_note_query_fault(wk_cache_t *cache, wk_db_t *db,
                              apr_time_t now)
{
    tenant_t *tenant;
    int log = 1;

    apr_thread_mutex_lock(cache->mutex);
    tenant = apr_hash_get(cache->tenants, wk_db_path(db),
                          APR_HASH_KEY_STRING);
    if (tenant != NULL) {
        log = tenant->query_fault_logged == 0
              || now - tenant->query_fault_logged
                 >= WK_CACHE_QUERY_FAULT_INTERVAL;
        if (log)
            tenant->query_fault_logged = now;
    }
    apr_thread_mutex_unlock(cache->mutex);
    return log;
}

void wk_cache_close_idle(wk_cache_t *cache, apr_time_t now)
{
    apr_thread_mutex_lock(cache->mutex);
    cache_trim(cache, now, 0);
    apr_thread_mutex_unlock(cache->mutex);
}

/* Bounds the memory of missing paths, which clients cannot choose. */
#define MISSING_MAX 1024

int wk_cache_report_missing(wk_cache_t *cache, const char *path)
{
    int first_report = 0;

    apr_thread_mutex_lock(cache->mutex);
    if (apr_hash_get(cache->missing, path, APR_HASH_KEY_STRING) == NULL) {
        /* NOTE: the keys stay on the cache's pool until it is destroyed,
         * so the bound also bounds that memory. */
        if (apr_hash_count(cache->missing) >= MISSING_MAX)
            apr_hash_clear(cache->missing);
        apr_hash_set(cache->missing, apr_pstrdup(cache->pool, path),
                     APR_HASH_KEY_STRING, "");
        first_report = 1;
    }
    apr_thread_mutex_unlock(cache->mutex);
    return first_report;
}

int wk_cache_open_tenants(wk_cache_t *cache)
{
    int open;

    apr_thread_mutex_lock(cache->mutex);
    open = cache->open;
    apr_thread_mutex_unlock(cache->mutex);
    return open;
}
