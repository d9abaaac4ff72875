/*
 * wk_pagecache.h: rendered reader pages kept per process.
 *
 * A page is stored with the tenant's page version it was rendered at
 * (wk_site_version()) and the time it stops being current (when a
 * scheduled post becomes visible).  A lookup names the version the tenant
 * has now, so a write from any process is visible on the next request.
 *
 * A page may also carry a stamp of the tenant's files, taken before the
 * version was read.  While the files still have that stamp, nothing has
 * been written to the tenant since, so the page can be served without
 * opening the tenant at all (wk_page_cache_get_stamped()).  And it may
 * carry the WAL-index header read before the version: while the header
 * is unchanged, nothing was committed since, so the page can be served
 * without the version query (wk_page_cache_get_marked()).  Unlike the
 * file stamp, the header can vouch for pages while the tenant is being
 * written.
 *
 * The cache is bounded in bytes and drops the least recently used pages
 * first.  One mutex guards it; a hit copies the page onto the caller's
 * pool, so no lock is held while the page is sent.
 */
#ifndef WK_PAGECACHE_H
#define WK_PAGECACHE_H

#include "wk_core.h"
#include "wk_store.h"

typedef struct wk_page_cache wk_page_cache_t;

typedef struct wk_page {
    const char *body;
    apr_size_t len;
    const char *etag;
    const char *content_type;
    apr_time_t last_modified;
    apr_time_t expires;       /* when it stops being current, 0 for never */
} wk_page_t;

/*
 * The state of a tenant file and of its -wal file, as stat() reports it.
 * SQLite writes every commit to one of the two files, and a write moves
 * the file's modification and change times, so an equal stamp means that
 * nothing was written in between.  Times alone cannot tell apart two
 * writes within one tick of the file system's clock.  So a stamp is used
 * only when its files were last changed WK_PAGE_STAMP_SETTLE or more
 * before it was read (wk_page_stamp_read()), and any later write then
 * gets a later time.
 */
typedef struct wk_page_stamp {
    apr_ino_t inode;
    apr_dev_t device;
    apr_off_t size;
    apr_time_t mtime;
    apr_time_t ctime;
    int has_wal;              /* 0 when the -wal file is missing or empty */
    apr_ino_t wal_inode;
    apr_off_t wal_size;
    apr_time_t wal_mtime;
    apr_time_t wal_ctime;
} wk_page_stamp_t;

/* Longer than the coarsest file time granularity in common use (2 s on
 * FAT, 1 s on ext3, nanoseconds on ext4 and XFS) plus the lag of the
 * kernel's coarse clock, one timer tick. */
#define WK_PAGE_STAMP_SETTLE apr_time_from_sec(3)

/*
 * Reads the stamp of the tenant file at path and of path-wal.  Returns 1
 * when the stamp can vouch for pages, because both files were last
 * changed WK_PAGE_STAMP_SETTLE or more before now, a time taken before
 * the call.  Returns 0 when stat() fails on the tenant file or a file
 * changed more recently.  file, when it is not NULL, receives the stat()
 * of the tenant file, with the type APR_NOFILE when it failed.
 * NOTE: a write can go unseen in two cases.  A write after the clock was set
 * back by more than WK_PAGE_STAMP_SETTLE may leave a file with the times
 * and size it had.  A writer that stalls that long between appending its
 * commit to the -wal file and publishing it in the -shm file commits
 * after the stamp was read, without changing either file again.  With
 * page files (wk_pagefile.h), every process then serves such a page, new
 * ones after a restart too, until the next write or checkpoint changes
 * the files.
 */
int wk_page_stamp_read(wk_page_stamp_t *stamp, apr_finfo_t *file,
                       const char *path, apr_time_t now, apr_pool_t *pool);

/* Returns 1 when a and b are stamps of the same files in the same state. */
int wk_page_stamp_equal(const wk_page_stamp_t *a, const wk_page_stamp_t *b);

/* Creates a cache of at most max_bytes; it is freed with pool. */
apr_status_t wk_page_cache_create(wk_page_cache_t **cache,
                                  apr_size_t max_bytes, apr_pool_t *pool);

/*
 * Copies the page stored under key onto pool and returns 1, when the page
 * was rendered at version and now is before its expiry.  Returns 0
 * otherwise.  On a hit, stamp and mark replace the page's stamp and mark
 * where they are not NULL, because the caller read them before it read
 * version.
 */
int wk_page_cache_get(wk_page_cache_t *cache, const char *key,
                      apr_int64_t version, apr_time_t now,
                      const wk_page_stamp_t *stamp,
                      const wk_wal_mark_t *mark, wk_page_t *page,
                      apr_pool_t *pool);

/*
 * Copies the page stored under key onto pool and returns 1, when the page
 * carries a stamp equal to stamp and now is before its expiry.  Returns 0
 * otherwise.  stamp must be one that wk_page_stamp_read() vouched for.
 */
int wk_page_cache_get_stamped(wk_page_cache_t *cache, const char *key,
                              const wk_page_stamp_t *stamp, apr_time_t now,
                              wk_page_t *page, apr_pool_t *pool);

/*
 * Copies the page stored under key onto pool and returns 1, when the page
 * carries a WAL-index header equal to mark and now is before its expiry.
 * Returns 0 otherwise.  mark must be one that wk_db_wal_mark() vouched
 * for.  On a hit, stamp replaces the page's stamp when it is not NULL,
 * because the caller read stamp before mark: a page kept before its
 * files settled gets the stamp that lets later requests skip the tenant.
 */
int wk_page_cache_get_marked(wk_page_cache_t *cache, const char *key,
                             const wk_wal_mark_t *mark,
                             const wk_page_stamp_t *stamp, apr_time_t now,
                             wk_page_t *page, apr_pool_t *pool);

/* Stores a copy of page under key, until page->expires when that is not
 * 0.  stamp and mark, where they are not NULL, are the stamp and the
 * WAL-index header the caller read before it read version.  A page larger
 * than an eighth of the cache is not kept. */
void wk_page_cache_put(wk_page_cache_t *cache, const char *key,
                       apr_int64_t version, const wk_page_stamp_t *stamp,
                       const wk_wal_mark_t *mark, const wk_page_t *page);

/* Returns the number of bytes in the cache now (for tests). */
apr_size_t wk_page_cache_size(wk_page_cache_t *cache);

#endif
