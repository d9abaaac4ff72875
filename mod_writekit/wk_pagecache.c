/*
 * wk_pagecache.c: a byte-bounded LRU of rendered pages.  Each entry is
 * one malloc'd block holding the entry, its key and its strings, so a
 * store is one allocation and an eviction one free.
 */
#include <stdlib.h>
#include <string.h>

#include <apr_hash.h>
#include <apr_ring.h>
#include <apr_thread_mutex.h>

#include "wk_pagecache.h"

typedef struct entry entry_t;

struct entry {
    APR_RING_ENTRY(entry) link;     /* most recently used first */
    const char *key;
    apr_int64_t version;
    apr_time_t expires;             /* 0: no expiry by time */
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

int wk_page_cache_get(wk_page_cache_t *cache, const char *key,
                      apr_int64_t version, apr_time_t now, wk_page_t *page,
                      apr_pool_t *pool)
{
    entry_t *entry;
    int hit = 0;

    apr_thread_mutex_lock(cache->mutex);
    entry = apr_hash_get(cache->entries, key, APR_HASH_KEY_STRING);
    if (entry != NULL && entry->version == version
        && (entry->expires == 0 || now < entry->expires)) {
        page->body = apr_pmemdup(pool, entry->page.body, entry->page.len);
        page->len = entry->page.len;
        page->etag = apr_pstrdup(pool, entry->page.etag);
        page->content_type = apr_pstrdup(pool, entry->page.content_type);
        page->last_modified = entry->page.last_modified;
        APR_RING_REMOVE(entry, link);
        APR_RING_INSERT_HEAD(&cache->lru, entry, entry, link);
        hit = 1;
    }
    apr_thread_mutex_unlock(cache->mutex);
    return hit;
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
                       apr_int64_t version, apr_time_t expires,
                       const wk_page_t *page)
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
    at = (char *)(entry + 1);
    entry->key = block_copy(&at, key, key_len);
    entry->page.body = block_copy(&at, page->body, page->len);
    entry->page.len = page->len;
    entry->page.etag = block_copy(&at, page->etag, etag_len);
    entry->page.content_type = block_copy(&at, page->content_type,
                                          type_len);
    entry->page.last_modified = page->last_modified;
    entry->version = version;
    entry->expires = expires;
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
