/*
 * wk_pagecache.c: a byte-bounded LRU of rendered pages.  Each entry is
 * one malloc'd block holding the entry, its key and its strings, so a
 * store is one allocation and an eviction one free.
 */
#include <stdlib.h>
#include <string.h>

#include <apr_file_info.h>
#include <apr_hash.h>
#include <apr_ring.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>

#include "wk_pagecache.h"

typedef struct entry entry_t;

struct entry {
    APR_RING_ENTRY(entry) link;     /* most recently used first */
    const char *key;
    apr_int64_t version;
    apr_time_t expires;             /* 0: no expiry by time */
    int stamped;                    /* 1 when stamp vouches for the page */
    wk_page_stamp_t stamp;
    int marked;                     /* 1 when mark vouches for the page */
    wk_wal_mark_t mark;
    apr_size_t bytes;               /* the whole block */
    wk_page_t page;
};

APR_RING_HEAD(entry_ring, entry);

struct wk_page_cache {
    apr_thread_mutex_t *mutex;
    apr_hash_t *entries;            /* key -> entry_t */
    struct entry_ring lru;
    apr_size_t bytes;
    apr_size_t max_bytes;
};

#define STAT_FIELDS (APR_FINFO_TYPE | APR_FINFO_IDENT | APR_FINFO_SIZE \
                     | APR_FINFO_MTIME | APR_FINFO_CTIME)

/* Returns 1 when a file with these times changed before now - settle. */
static int file_settled(const apr_finfo_t *finfo, apr_time_t now)
{
    apr_time_t last = finfo->mtime > finfo->ctime ? finfo->mtime
                                                  : finfo->ctime;

    return last <= now - WK_PAGE_STAMP_SETTLE;
}

int wk_page_stamp_read(wk_page_stamp_t *stamp, apr_finfo_t *file,
                       const char *path, apr_time_t now, apr_pool_t *pool)
{
    apr_finfo_t db, wal;
    apr_status_t rv;

    memset(stamp, 0, sizeof(*stamp));
    rv = apr_stat(&db, path, STAT_FIELDS, pool);
    if (rv != APR_SUCCESS)
        db.filetype = APR_NOFILE;
    if (file != NULL)
        *file = db;
    if (db.filetype != APR_REG || !file_settled(&db, now))
        return 0;
    stamp->inode = db.inode;
    stamp->device = db.device;
    stamp->size = db.size;
    stamp->mtime = db.mtime;
    stamp->ctime = db.ctime;

    /* An empty -wal file contains no commits, so it counts as none.
     * SQLite creates one when a connection opens the tenant and deletes
     * it when the last one closes, after copying the commits it contained
     * into the database file, which moves that file's times. */
    rv = apr_stat(&wal, apr_pstrcat(pool, path, "-wal", NULL), STAT_FIELDS,
                  pool);
    if (APR_STATUS_IS_ENOENT(rv) || (rv == APR_SUCCESS && wal.size == 0))
        return 1;
    if (rv != APR_SUCCESS || !file_settled(&wal, now))
        return 0;
    stamp->has_wal = 1;
    stamp->wal_inode = wal.inode;
    stamp->wal_size = wal.size;
    stamp->wal_mtime = wal.mtime;
    stamp->wal_ctime = wal.ctime;
    return 1;
}

int wk_page_stamp_equal(const wk_page_stamp_t *a, const wk_page_stamp_t *b)
{
    return a->inode == b->inode && a->device == b->device
           && a->size == b->size && a->mtime == b->mtime
           && a->ctime == b->ctime && a->has_wal == b->has_wal
           && a->wal_inode == b->wal_inode && a->wal_size == b->wal_size
           && a->wal_mtime == b->wal_mtime && a->wal_ctime == b->wal_ctime;
}

static void entry_remove(wk_page_cache_t *cache, entry_t *entry)
{
    APR_RING_REMOVE(entry, link);
    apr_hash_set(cache->entries, entry->key, APR_HASH_KEY_STRING, NULL);
    cache->bytes -= entry->bytes;
    free(entry);
}

static apr_status_t cache_free(void *data)
{
    wk_page_cache_t *cache = data;

    while (!APR_RING_EMPTY(&cache->lru, entry, link))
        entry_remove(cache, APR_RING_FIRST(&cache->lru));
    return APR_SUCCESS;
}

apr_status_t wk_page_cache_create(wk_page_cache_t **out,
                                  apr_size_t max_bytes, apr_pool_t *pool)
{
    wk_page_cache_t *cache = apr_pcalloc(pool, sizeof(*cache));
    apr_status_t rv;

    rv = apr_thread_mutex_create(&cache->mutex, APR_THREAD_MUTEX_DEFAULT,
                                 pool);
    if (rv != APR_SUCCESS)
        return rv;
    cache->entries = apr_hash_make(pool);
    cache->max_bytes = max_bytes;
    APR_RING_INIT(&cache->lru, entry, link);
    apr_pool_cleanup_register(pool, cache, cache_free,
                              apr_pool_cleanup_null);
    *out = cache;
    return APR_SUCCESS;
}

/* Copies the page of entry onto pool and marks it most recently used.
 * Mutex held. */
static void entry_copy_out(wk_page_cache_t *cache, entry_t *entry,
                           wk_page_t *page, apr_pool_t *pool)
{
    page->body = apr_pmemdup(pool, entry->page.body, entry->page.len);
    page->len = entry->page.len;
    page->etag = apr_pstrdup(pool, entry->page.etag);
    page->content_type = apr_pstrdup(pool, entry->page.content_type);
    page->last_modified = entry->page.last_modified;
    page->expires = entry->expires;
    APR_RING_REMOVE(entry, link);
    APR_RING_INSERT_HEAD(&cache->lru, entry, entry, link);
}

static int entry_current(const entry_t *entry, apr_time_t now)
{
    return entry->expires == 0 || now < entry->expires;
}

/* Lets stamp and mark, where they are not NULL, vouch for entry from now
 * on.  Mutex held, or entry not yet in the cache. */
static void entry_vouch_for(entry_t *entry, const wk_page_stamp_t *stamp,
                            const wk_wal_mark_t *mark)
{
    if (stamp != NULL) {
        entry->stamp = *stamp;
        entry->stamped = 1;
    }
    if (mark != NULL) {
        entry->mark = *mark;
        entry->marked = 1;
    }
}

int wk_page_cache_get(wk_page_cache_t *cache, const char *key,
                      apr_int64_t version, apr_time_t now,
                      const wk_page_stamp_t *stamp,
                      const wk_wal_mark_t *mark, wk_page_t *page,
                      apr_pool_t *pool)
{
    entry_t *entry;
    int hit = 0;

    apr_thread_mutex_lock(cache->mutex);
    entry = apr_hash_get(cache->entries, key, APR_HASH_KEY_STRING);
    if (entry != NULL && entry->version == version
        && entry_current(entry, now)) {
        entry_copy_out(cache, entry, page, pool);
        entry_vouch_for(entry, stamp, mark);
        hit = 1;
    }
    apr_thread_mutex_unlock(cache->mutex);
    return hit;
}

/* What a lookup without a version compares a page's entry with. */
typedef struct vouch {
    const wk_page_stamp_t *stamp;
    const wk_wal_mark_t *mark;
} vouch_t;

static int entry_vouched(const entry_t *entry, const vouch_t *vouch)
{
    if (vouch->mark == NULL)
        return entry->stamped
               && wk_page_stamp_equal(&entry->stamp, vouch->stamp);
    return entry->marked
           && memcmp(entry->mark.header, vouch->mark->header,
                     WK_WAL_MARK_SIZE) == 0;
}

/* Copies the page under key onto pool and returns 1 when its entry has
 * the mark of vouch, or without one its stamp, and now is before its
 * expiry.  A hit by mark records the stamp of vouch when there is one. */
static int cache_get_vouched(wk_page_cache_t *cache, const char *key,
                             const vouch_t *vouch, apr_time_t now,
                             wk_page_t *page, apr_pool_t *pool)
{
    entry_t *entry;
    int hit = 0;

    apr_thread_mutex_lock(cache->mutex);
    entry = apr_hash_get(cache->entries, key, APR_HASH_KEY_STRING);
    if (entry != NULL && entry_vouched(entry, vouch)
        && entry_current(entry, now)) {
        entry_copy_out(cache, entry, page, pool);
        if (vouch->mark != NULL)
            entry_vouch_for(entry, vouch->stamp, NULL);
        hit = 1;
    }
    apr_thread_mutex_unlock(cache->mutex);
    return hit;
}

int wk_page_cache_get_stamped(wk_page_cache_t *cache, const char *key,
                              const wk_page_stamp_t *stamp, apr_time_t now,
                              wk_page_t *page, apr_pool_t *pool)
{
    vouch_t vouch = { stamp, NULL };

    return cache_get_vouched(cache, key, &vouch, now, page, pool);
}

int wk_page_cache_get_marked(wk_page_cache_t *cache, const char *key,
                             const wk_wal_mark_t *mark,
                             const wk_page_stamp_t *stamp, apr_time_t now,
                             wk_page_t *page, apr_pool_t *pool)
{
    vouch_t vouch = { stamp, mark };

    return cache_get_vouched(cache, key, &vouch, now, page, pool);
}

/* Copies len bytes to *at and moves *at past them and a NUL. */
static const char *block_copy(char **at, const char *bytes, apr_size_t len)
{
    char *start = *at;

    memcpy(start, bytes, len);
    start[len] = '\0';
    *at += len + 1;
    return start;
}

void wk_page_cache_put(wk_page_cache_t *cache, const char *key,
                       apr_int64_t version, const wk_page_stamp_t *stamp,
                       const wk_wal_mark_t *mark, const wk_page_t *page)
{
    apr_size_t key_len = strlen(key), etag_len = strlen(page->etag);
    apr_size_t type_len = strlen(page->content_type);
    apr_size_t bytes = sizeof(entry_t) + key_len + page->len + etag_len
                       + type_len + 4;
    entry_t *entry, *old;
    char *at;

    if (bytes > cache->max_bytes / 8)
        return;
    entry = malloc(bytes);
    if (entry == NULL)
        return;
    memset(entry, 0, sizeof(*entry));
    at = (char *)(entry + 1);
    entry->key = block_copy(&at, key, key_len);
    entry->page.body = block_copy(&at, page->body, page->len);
    entry->page.len = page->len;
    entry->page.etag = block_copy(&at, page->etag, etag_len);
    entry->page.content_type = block_copy(&at, page->content_type,
                                          type_len);
    entry->page.last_modified = page->last_modified;
    entry->version = version;
    entry->expires = page->expires;
    entry_vouch_for(entry, stamp, mark);
    entry->bytes = bytes;

    apr_thread_mutex_lock(cache->mutex);
    old = apr_hash_get(cache->entries, key, APR_HASH_KEY_STRING);
    if (old != NULL)
        entry_remove(cache, old);
    while (cache->bytes + bytes > cache->max_bytes
           && !APR_RING_EMPTY(&cache->lru, entry, link))
        entry_remove(cache, APR_RING_LAST(&cache->lru));
    APR_RING_INSERT_HEAD(&cache->lru, entry, entry, link);
    apr_hash_set(cache->entries, entry->key, APR_HASH_KEY_STRING, entry);
    cache->bytes += bytes;
    apr_thread_mutex_unlock(cache->mutex);
}

apr_size_t wk_page_cache_size(wk_page_cache_t *cache)
{
    apr_size_t bytes;

    apr_thread_mutex_lock(cache->mutex);
    bytes = cache->bytes;
    apr_thread_mutex_unlock(cache->mutex);
    return bytes;
}
