/*
 * wk_pagefile.h: rendered reader pages kept in files that every process
 * of the server reads.
 *
 * Each child starts with an empty page cache (wk_pagecache.h), so without
 * these files the first request for a tenant in every child opens the
 * tenant, parses its schema and renders the page.  A page file carries
 * the stamp of the tenant's files that the page was rendered under, and
 * is served only while the files still have that stamp: nothing has been
 * written to the tenant since.
 *
 * The files of one configuration live in one directory below the root
 * the admin names, "gen-" and a digest of everything other than the
 * tenant that a page depends on: the module's binary, the themes and the
 * hosts' mount points.  A restart with the same configuration keeps the
 * pages, and a restart with another one starts an empty directory and
 * removes the others.
 *
 * One file contains one page of one tenant.  Its name is a digest of the
 * tenant file's device and inode, the virtual host, the request's path
 * and the page number of a list.  Host, port and query are kept inside the file and compared
 * on reading, but they are not part of the name.  Variants of one page
 * (another Host header for the same tenant, another query string) replace
 * each other, so the number of files is bounded by the pages the tenants
 * have, not by what clients send.
 */
#ifndef WK_PAGEFILE_H
#define WK_PAGEFILE_H

#include "wk_core.h"
#include "wk_pagecache.h"

/* NOTE: nothing bounds the size of a generation's directory.  Files of
 * deleted posts and tenants stay until the configuration changes. */

/* A page file larger than this is not read; such a page is rendered. */
#define WK_PAGE_FILE_MAX (64 * 1024 * 1024)

/*
 * Creates root when it is missing, and below it gen-GENERATION, and
 * removes the other generations' directories of root with the page files
 * in them.  Other names in root are left alone, in case root is shared.
 * root must belong to the calling user and be writable by no other.
 * Sets *dir to the directory of this generation.  On failure sets *error
 * to a message naming the path.  generation must be an MD5 digest in hex.
 */
apr_status_t wk_page_dir_prepare(const char **dir, char **error,
                                 const char *root, const char *generation,
                                 apr_pool_t *pool);

/*
 * Returns the name, without directory, of the file of the page at uri of
 * the tenant file whose stamp is stamp, for the virtual host whose scope
 * (a digest of what its pages depend on) is scope, or NULL.  list_page
 * is the page number of an index or tag list, 0 for other pages.
 */
const char *wk_page_file_name(const wk_page_stamp_t *stamp,
                              const char *scope, const char *uri,
                              int list_page, apr_pool_t *pool);

/*
 * Reads the page file at path onto pool and returns 1 when it contains
 * the page stored under key, rendered under a stamp equal to stamp, and
 * now is before the page's expiry.  Returns 0 for a missing, unreadable,
 * malformed or other page.  stamp must be one that wk_page_stamp_read()
 * vouched for.
 */
int wk_page_file_read(wk_page_t *page, const char *path,
                      const char *key, const wk_page_stamp_t *stamp,
                      apr_time_t now, apr_pool_t *pool);

/*
 * Writes page to name in dir, stored under key with the stamp the page
 * was rendered under and its expiry (page->expires).  The file is written
 * under a temporary name and renamed, so a reader sees the old page or
 * the new one, never a part.
 */
apr_status_t wk_page_file_write(const char *dir, const char *name,
                                const char *key,
                                const wk_page_stamp_t *stamp,
                                const wk_page_t *page, apr_pool_t *pool);

#endif
