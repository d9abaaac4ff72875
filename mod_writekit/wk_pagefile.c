/*
 * wk_pagefile.c: page files.  A file is a fixed header, then the key,
 * the ETag and the content type, each ending in a NUL, then the body.
 * The header is written in the machine's own layout: the generation in
 * the directory's name changes with the module's binary, so a file is
 * only ever read by the build that wrote it.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <apr_file_info.h>
#include <apr_file_io.h>
#include <apr_lib.h>
#include <apr_md5.h>
#include <apr_strings.h>

#include "wk_pagefile.h"

#define PAGE_FILE_MAGIC "WKPAGE1"
#define GEN_PREFIX "gen-"
#define TEMP_PREFIX ".tmp-"

typedef struct page_header {
    char magic[8];
    wk_page_stamp_t stamp;
    apr_int64_t expires;
    apr_int64_t last_modified;
    apr_uint32_t key_len;
    apr_uint32_t etag_len;
    apr_uint32_t type_len;
    apr_uint32_t reserved;
    apr_uint64_t body_len;
} page_header_t;

/* A generation's directory is its owner's alone.  The root may be
 * crossed by the children's user, but only its owner writes to it. */
#define DIR_PERMS (APR_FPROT_UREAD | APR_FPROT_UWRITE | APR_FPROT_UEXECUTE)
#define ROOT_PERMS (DIR_PERMS | APR_FPROT_GEXECUTE | APR_FPROT_WEXECUTE)

static int is_hex(const char *s, apr_size_t len)
{
    apr_size_t i;

    for (i = 0; i < len; i++)
        if (!apr_isxdigit(s[i]))
            return 0;
    return len > 0;
}

/* A page file's name is 32 hex digits, or a temporary name while it is
 * written. */
static int is_page_file_name(const char *name)
{
    return (strlen(name) == 2 * APR_MD5_DIGESTSIZE
            && is_hex(name, 2 * APR_MD5_DIGESTSIZE))
           || strncmp(name, TEMP_PREFIX, strlen(TEMP_PREFIX)) == 0;
}

/* Removes the page files in dir, then dir, which stays when it contains a
 * file of another name.  With temps_only set, removes only the temporary
 * files and keeps dir. */
static void dir_clear(const char *dir, int temps_only, apr_pool_t *pool)
{
    apr_dir_t *handle;
    apr_finfo_t entry;

    if (apr_dir_open(&handle, dir, pool) != APR_SUCCESS)
        return;
    while (apr_dir_read(&entry, APR_FINFO_NAME | APR_FINFO_TYPE, handle)
           == APR_SUCCESS) {
        if (entry.filetype != APR_REG || !is_page_file_name(entry.name))
            continue;
        if (temps_only && strncmp(entry.name, TEMP_PREFIX,
                                  strlen(TEMP_PREFIX)) != 0)
            continue;
        apr_file_remove(apr_pstrcat(pool, dir, "/", entry.name, NULL),
                        pool);
    }
    apr_dir_close(handle);
    if (!temps_only)
        apr_dir_remove(dir, pool);
}

/* A generation's name: gen- and an MD5 digest in hex. */
static int is_generation_name(const char *name)
{
    apr_size_t prefix = strlen(GEN_PREFIX);

    return strncmp(name, GEN_PREFIX, prefix) == 0
           && strlen(name + prefix) == 2 * APR_MD5_DIGESTSIZE
           && is_hex(name + prefix, 2 * APR_MD5_DIGESTSIZE);
}

/* Removes every generation directory of root but the one named keep,
 * and the files left half-written in that one.  Symbolic links are
 * skipped: apr_dir_read() reports their own type. */
static void generations_clear(const char *root, const char *keep,
                              apr_pool_t *pool)
{
    apr_dir_t *handle;
    apr_finfo_t entry;

    if (apr_dir_open(&handle, root, pool) != APR_SUCCESS)
        return;
    while (apr_dir_read(&entry, APR_FINFO_NAME | APR_FINFO_TYPE, handle)
           == APR_SUCCESS) {
        if (entry.filetype != APR_DIR || !is_generation_name(entry.name))
            continue;
        dir_clear(apr_pstrcat(pool, root, "/", entry.name, NULL),
                  strcmp(entry.name, keep) == 0, pool);
    }
    apr_dir_close(handle);
}

/*
 * Checks that no user but root and the one the server starts as can
 * change what the path names: neither the directory itself nor any
 * directory above it, unless that one is sticky like /tmp.  The parent,
 * often root, removes and creates directories in root at every start,
 * and a user who could rename entries on the way could turn those steps
 * against other files.
 */
static apr_status_t path_check(char **error, const char *path, int last,
                               apr_pool_t *pool)
{
    apr_finfo_t finfo;
    char message[120];
    apr_status_t rv;

    rv = apr_stat(&finfo, path, APR_FINFO_LINK | APR_FINFO_TYPE
                                | APR_FINFO_USER | APR_FINFO_PROT, pool);
    if (rv != APR_SUCCESS) {
        *error = apr_psprintf(pool, "cannot read %s: %s", path,
                              apr_strerror(rv, message, sizeof(message)));
        return rv;
    }
    if (finfo.filetype == APR_LNK && last) {
        *error = apr_psprintf(pool, "%s is a symbolic link; name the "
                              "directory it points to", path);
        return APR_EACCES;
    }

    /* A link above root, such as /var/run, can only be replaced through
     * the directory that contains it, which the next step checks.  Where
     * it leads is checked on the resolved path (root_check()). */
    if (finfo.filetype == APR_LNK
        && ((uid_t)finfo.user == geteuid() || finfo.user == 0))
        return APR_SUCCESS;
    if (finfo.filetype != APR_DIR) {
        *error = apr_psprintf(pool, "%s is not a directory", path);
        return APR_ENOTDIR;
    }
    if ((uid_t)finfo.user != geteuid() && finfo.user != 0) {
        *error = apr_psprintf(pool, "%s belongs to uid %lu, neither root "
                              "nor the user the server starts as (uid %lu)",
                              path, (unsigned long)finfo.user,
                              (unsigned long)geteuid());
        return APR_EACCES;
    }
    if ((finfo.protection & (APR_FPROT_GWRITE | APR_FPROT_WWRITE))
        && (last || !(finfo.protection & APR_FPROT_WSTICKY))) {
        *error = apr_psprintf(pool, "%s is writable by other users; make "
                              "it writable by its owner only (chmod "
                              "go-w)", path);
        return APR_EACCES;
    }
    return APR_SUCCESS;
}

/* Runs path_check() on path and on every directory above it. */
static apr_status_t path_chain_check(char **error, const char *start,
                                     apr_pool_t *pool)
{
    char *path = apr_pstrdup(pool, start);
    apr_size_t len = strlen(path);
    apr_status_t rv;
    int last = 1;

    while (len > 1 && path[len - 1] == '/')
        path[--len] = '\0';
    for (;;) {
        rv = path_check(error, path, last, pool);
        if (rv != APR_SUCCESS || len <= 1)
            return rv;
        while (len > 1 && path[len - 1] != '/')
            len--;
        if (len > 1)
            len--;
        path[len] = '\0';
        if (len == 0)
            return APR_SUCCESS;
        last = 0;
    }
}

/* Checks root as named and, when links above it lead elsewhere, as
 * resolved. */
static apr_status_t root_check(char **error, const char *root,
                               apr_pool_t *pool)
{
    char resolved[PATH_MAX];
    apr_status_t rv;

    rv = path_chain_check(error, root, pool);
    if (rv != APR_SUCCESS || realpath(root, resolved) == NULL
        || strcmp(resolved, root) == 0)
        return rv;
    return path_chain_check(error, resolved, pool);
}

/* Makes path a directory of its own: anything else under that name,
 * such as a symbolic link, is removed first. */
static apr_status_t generation_make(char **error, const char *path,
                                    apr_pool_t *pool)
{
    apr_finfo_t finfo;
    char message[120];
    apr_status_t rv;

    if (apr_stat(&finfo, path, APR_FINFO_TYPE | APR_FINFO_LINK, pool)
        == APR_SUCCESS && finfo.filetype != APR_DIR)
        apr_file_remove(path, pool);
    rv = apr_dir_make(path, DIR_PERMS, pool);
    if (rv != APR_SUCCESS && !APR_STATUS_IS_EEXIST(rv)) {
        *error = apr_psprintf(pool, "cannot create %s: %s", path,
                              apr_strerror(rv, message, sizeof(message)));
        return rv;
    }
    return APR_SUCCESS;
}

apr_status_t wk_page_dir_prepare(const char **dir, char **error,
                                 const char *root, const char *generation,
                                 apr_pool_t *pool)
{
    const char *name = apr_pstrcat(pool, GEN_PREFIX, generation, NULL);
    const char *path = apr_pstrcat(pool, root, "/", name, NULL);
    char message[120];
    apr_status_t rv;

    rv = apr_dir_make(root, ROOT_PERMS, pool);
    if (rv != APR_SUCCESS && !APR_STATUS_IS_EEXIST(rv)) {
        *error = apr_psprintf(pool, "cannot create %s: %s", root,
                              apr_strerror(rv, message, sizeof(message)));
        return rv;
    }
    rv = root_check(error, root, pool);
    if (rv != APR_SUCCESS)
        return rv;

    /* Old pages go first, so that they leave room for the new ones. */
    generations_clear(root, name, pool);
    rv = generation_make(error, path, pool);
    if (rv != APR_SUCCESS)
        return rv;
    *dir = path;
    return APR_SUCCESS;
}

const char *wk_page_file_name(const wk_page_stamp_t *stamp,
                              const char *scope, const char *uri,
                              int list_page, apr_pool_t *pool)
{
    unsigned char digest[APR_MD5_DIGESTSIZE];
    char *name = apr_palloc(pool, 2 * APR_MD5_DIGESTSIZE + 1);
    apr_uint64_t ident[3];
    apr_md5_ctx_t md5;
    int i;

    ident[0] = (apr_uint64_t)stamp->device;
    ident[1] = (apr_uint64_t)stamp->inode;
    ident[2] = (apr_uint64_t)list_page;
    apr_md5_init(&md5);
    apr_md5_update(&md5, ident, sizeof(ident));
    if (scope != NULL)
        apr_md5_update(&md5, scope, strlen(scope) + 1);
    apr_md5_update(&md5, uri, strlen(uri));
    apr_md5_final(digest, &md5);

    for (i = 0; i < APR_MD5_DIGESTSIZE; i++) {
        name[2 * i] = "0123456789abcdef"[digest[i] >> 4];
        name[2 * i + 1] = "0123456789abcdef"[digest[i] & 15];
    }
    name[2 * APR_MD5_DIGESTSIZE] = '\0';
    return name;
}

/* Reads the whole file at path onto pool, with a NUL after it. */
static int file_slurp(char **data, apr_size_t *len, const char *path,
                      apr_pool_t *pool)
{
    apr_file_t *file;
    apr_finfo_t finfo;
    apr_size_t got;
    int whole;

    if (apr_file_open(&file, path, APR_FOPEN_READ, APR_FPROT_OS_DEFAULT,
                      pool) != APR_SUCCESS)
        return 0;
    if (apr_file_info_get(&finfo, APR_FINFO_SIZE, file) != APR_SUCCESS
        || finfo.size < (apr_off_t)sizeof(page_header_t)
        || finfo.size > WK_PAGE_FILE_MAX) {
        apr_file_close(file);
        return 0;
    }
    *len = (apr_size_t)finfo.size;
    *data = apr_palloc(pool, *len + 1);
    whole = apr_file_read_full(file, *data, *len, &got) == APR_SUCCESS
            && got == *len;
    apr_file_close(file);
    (*data)[*len] = '\0';
    return whole;
}

/* Takes a string of len bytes and its NUL from *at, within end. */
static const char *string_take(const char **at, const char *end,
                               apr_uint32_t len)
{
    const char *start = *at;

    if ((apr_size_t)(end - start) <= len || start[len] != '\0')
        return NULL;
    *at = start + len + 1;
    return start;
}

int wk_page_file_read(wk_page_t *page, const char *path,
                      const char *key, const wk_page_stamp_t *stamp,
                      apr_time_t now, apr_pool_t *pool)
{
    page_header_t header;
    const char *at, *end, *stored_key;
    char *data;
    apr_size_t len;

    if (!file_slurp(&data, &len, path, pool))
        return 0;
    memcpy(&header, data, sizeof(header));
    if (memcmp(header.magic, PAGE_FILE_MAGIC, sizeof(header.magic)) != 0
        || !wk_page_stamp_equal(&header.stamp, stamp)
        || (header.expires != 0 && now >= header.expires))
        return 0;

    at = data + sizeof(header);
    end = data + len;
    stored_key = string_take(&at, end, header.key_len);
    page->etag = string_take(&at, end, header.etag_len);
    page->content_type = string_take(&at, end, header.type_len);
    if (stored_key == NULL || page->etag == NULL
        || page->content_type == NULL || strcmp(stored_key, key) != 0
        || header.body_len != (apr_uint64_t)(end - at))
        return 0;

    page->body = at;
    page->len = (apr_size_t)header.body_len;
    page->last_modified = header.last_modified;
    page->expires = header.expires;
    return 1;
}

apr_status_t wk_page_file_write(const char *dir, const char *name,
                                const char *key,
                                const wk_page_stamp_t *stamp,
                                const wk_page_t *page, apr_pool_t *pool)
{
    char *temp = apr_pstrcat(pool, dir, "/" TEMP_PREFIX "XXXXXX", NULL);
    page_header_t header;
    struct iovec parts[5];
    apr_size_t written;
    apr_file_t *file;
    apr_status_t rv, close_rv;

    memset(&header, 0, sizeof(header));
    memcpy(header.magic, PAGE_FILE_MAGIC, sizeof(header.magic));
    header.stamp = *stamp;
    header.expires = page->expires;
    header.last_modified = page->last_modified;
    header.key_len = (apr_uint32_t)strlen(key);
    header.etag_len = (apr_uint32_t)strlen(page->etag);
    header.type_len = (apr_uint32_t)strlen(page->content_type);
    header.body_len = page->len;

    parts[0].iov_base = &header;
    parts[0].iov_len = sizeof(header);
    parts[1].iov_base = (void *)key;
    parts[1].iov_len = header.key_len + 1;
    parts[2].iov_base = (void *)page->etag;
    parts[2].iov_len = header.etag_len + 1;
    parts[3].iov_base = (void *)page->content_type;
    parts[3].iov_len = header.type_len + 1;
    parts[4].iov_base = (void *)page->body;
    parts[4].iov_len = page->len;

    /* apr_file_mktemp() creates the file readable by its owner only. */
    rv = apr_file_mktemp(&file, temp, APR_FOPEN_CREATE | APR_FOPEN_WRITE
                                      | APR_FOPEN_EXCL, pool);
    if (rv != APR_SUCCESS)
        return rv;
    rv = apr_file_writev_full(file, parts, 5, &written);
    close_rv = apr_file_close(file);
    if (rv == APR_SUCCESS)
        rv = close_rv;
    /* NOTE: no fsync.  After a crash of the machine, a page file may be
     * short, which the length checks reject, or, on a file system that
     * does not order data before the rename, hold other bytes. */
    if (rv == APR_SUCCESS)
        rv = apr_file_rename(temp, apr_pstrcat(pool, dir, "/", name, NULL),
                             pool);
    if (rv != APR_SUCCESS)
        apr_file_remove(temp, pool);
    return rv;
}
