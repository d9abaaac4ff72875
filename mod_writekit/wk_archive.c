/*
 * wk_archive.c: unpacking zip files for an import, with libzip.
 *
 * The entries are all checked before the first one is unpacked, so a
 * zip with one bad name is rejected whole.  Files are created with
 * O_EXCL in a folder only this user can enter, so an entry can neither
 * replace another nor reach outside the folder.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <apr_file_info.h>
#include <apr_file_io.h>
#include <apr_strings.h>

#include <zip.h>

#include "wk_archive.h"

/* How much of an entry is read at a time. */
#define CHUNK_BYTES (64 * 1024)

/* Removes the folder's files and folders, then the folder itself. */
static apr_status_t tree_remove(const char *path, apr_pool_t *pool)
{
    apr_dir_t *dir;
    apr_finfo_t info;
    apr_pool_t *scratch;

    if (apr_dir_open(&dir, path, pool) != APR_SUCCESS)
        return apr_file_remove(path, pool);
    apr_pool_create(&scratch, pool);
    while (apr_dir_read(&info, APR_FINFO_NAME | APR_FINFO_TYPE, dir)
           == APR_SUCCESS) {
        const char *child;

        if (strcmp(info.name, ".") == 0 || strcmp(info.name, "..") == 0)
            continue;
        child = apr_pstrcat(scratch, path, "/", info.name, NULL);
        if (info.filetype == APR_DIR)
            tree_remove(child, scratch);
        else
            apr_file_remove(child, scratch);
    }
    apr_dir_close(dir);
    apr_pool_destroy(scratch);
    return apr_dir_remove(path, pool);
}

static apr_status_t folder_cleanup(void *data)
{
    const char *path = data;
    apr_pool_t *pool;

    apr_pool_create(&pool, NULL);
    tree_remove(path, pool);
    apr_pool_destroy(pool);
    return APR_SUCCESS;
}

/* Returns NULL when name is a safe relative path, else the reason. */
static const char *name_problem(const char *name)
{
    const char *segment = name;
    const unsigned char *c;

    if (*name == '\0')
        return "has an empty name";
    if (*name == '/')
        return "has an absolute path";
    for (c = (const unsigned char *)name; *c != '\0'; c++) {
        if (*c < 0x20 || *c == 0x7F)
            return "has a control character in its name";
        if (*c == '\\')
            return "has a backslash in its name";
    }
    while (segment != NULL && *segment != '\0') {
        const char *slash = strchr(segment, '/');
        apr_size_t len = slash ? (apr_size_t)(slash - segment)
                               : strlen(segment);

        if (len == 0)
            return "has an empty path segment";
        if (len == 2 && segment[0] == '.' && segment[1] == '.')
            return "climbs out with ..";
        if (len == 1 && segment[0] == '.')
            return "has a . segment";
        segment = slash ? slash + 1 : NULL;
    }
    return NULL;
}

/* Returns NULL when entry i may be unpacked, else the reason. */
static const char *entry_problem(zip_t *zip, zip_uint64_t i,
                                 const zip_stat_t *stat)
{
    zip_uint8_t system;
    zip_uint32_t attributes;

    if ((stat->valid & ZIP_STAT_ENCRYPTION_METHOD)
        && stat->encryption_method != ZIP_EM_NONE)
        return "is encrypted";
    if (zip_file_get_external_attributes(zip, i, 0, &system, &attributes)
        == 0 && system == ZIP_OPSYS_UNIX
        && S_ISLNK((attributes >> 16) & 0xFFFF))
        return "is a symbolic link";
    return name_problem(stat->name);
}

/* Checks every entry and the declared sizes before anything is written. */
static apr_status_t entries_check(zip_t *zip, const char *path,
                                  apr_uint64_t max_bytes, int max_entries,
                                  char **error, apr_pool_t *pool)
{
    zip_int64_t count = zip_get_num_entries(zip, 0);
    apr_uint64_t total = 0;
    zip_int64_t i;

    if (count > max_entries) {
        *error = apr_psprintf(pool, "%s: the zip has %" APR_INT64_T_FMT
                              " entries, over the limit of %d", path,
                              (apr_int64_t)count, max_entries);
        return WK_EINVAL;
    }
    for (i = 0; i < count; i++) {
        zip_stat_t stat;
        const char *problem;

        if (zip_stat_index(zip, (zip_uint64_t)i, 0, &stat) != 0
            || !(stat.valid & ZIP_STAT_NAME) || !(stat.valid & ZIP_STAT_SIZE)) {
            *error = apr_psprintf(pool, "%s: entry %" APR_INT64_T_FMT
                                  " cannot be read: %s", path,
                                  (apr_int64_t)i, zip_strerror(zip));
            return WK_EINVAL;
        }
        problem = entry_problem(zip, (zip_uint64_t)i, &stat);
        if (problem != NULL) {
            *error = apr_psprintf(pool, "%s: entry '%s' %s; the zip is "
                                  "rejected", path, stat.name, problem);
            return WK_EINVAL;
        }
        total += stat.size;
        if (total > max_bytes) {
            *error = apr_psprintf(pool, "%s: the entries unpack to more than "
                                  "the limit of %" APR_UINT64_T_FMT " bytes "
                                  "(--max-archive-size)", path, max_bytes);
            return WK_EINVAL;
        }
    }
    return APR_SUCCESS;
}

/* Creates the folders on the way to a file, below dir. */
static apr_status_t parents_make(const char *dir, const char *name,
                                 apr_pool_t *pool)
{
    const char *slash = strrchr(name, '/');

    if (slash == NULL)
        return APR_SUCCESS;
    return apr_dir_make_recursive(apr_pstrcat(pool, dir, "/",
                                              apr_pstrmemdup(pool, name,
                                                             (apr_size_t)(slash
                                                                          - name)),
                                              NULL),
                                  APR_FPROT_UREAD | APR_FPROT_UWRITE
                                  | APR_FPROT_UEXECUTE, pool);
}

/* Unpacks entry i into dir, no more bytes than it declares. */
static apr_status_t entry_unpack(zip_t *zip, zip_uint64_t i, const char *dir,
                                 const char *path, char **error,
                                 apr_pool_t *pool)
{
    char *buffer = apr_palloc(pool, CHUNK_BYTES);
    apr_uint64_t written = 0;
    zip_file_t *entry;
    apr_file_t *file;
    zip_stat_t stat;
    zip_int64_t got;
    apr_status_t rv;

    zip_stat_index(zip, i, 0, &stat);
    if (stat.name[strlen(stat.name) - 1] == '/')
        return apr_dir_make_recursive(apr_pstrcat(pool, dir, "/", stat.name,
                                                  NULL),
                                      APR_FPROT_UREAD | APR_FPROT_UWRITE
                                      | APR_FPROT_UEXECUTE, pool);
    rv = parents_make(dir, stat.name, pool);
    if (rv == APR_SUCCESS)
        rv = apr_file_open(&file, apr_pstrcat(pool, dir, "/", stat.name,
                                              NULL),
                           APR_FOPEN_WRITE | APR_FOPEN_CREATE
                           | APR_FOPEN_EXCL | APR_FOPEN_BINARY,
                           APR_FPROT_UREAD | APR_FPROT_UWRITE, pool);
    if (rv != APR_SUCCESS) {
        *error = apr_psprintf(pool, "%s: entry '%s' cannot be unpacked%s",
                              path, stat.name, APR_STATUS_IS_EEXIST(rv)
                              ? ": the name appears twice, or a folder has "
                                "the name of a file; the zip is rejected"
                              : "");
        return WK_EINVAL;
    }
    entry = zip_fopen_index(zip, i, 0);
    if (entry == NULL) {
        apr_file_close(file);
        *error = apr_psprintf(pool, "%s: entry '%s' cannot be read: %s",
                              path, stat.name, zip_strerror(zip));
        return WK_EINVAL;
    }
    while ((got = zip_fread(entry, buffer, CHUNK_BYTES)) > 0) {
        written += (apr_uint64_t)got;
        if (written > stat.size)
            break;
        rv = apr_file_write_full(file, buffer, (apr_size_t)got, NULL);
        if (rv != APR_SUCCESS)
            break;
    }
    if (written > stat.size) {
        got = -1;
        *error = apr_psprintf(pool, "%s: entry '%s' unpacks to more than its "
                              "declared %" APR_UINT64_T_FMT " bytes", path,
                              stat.name, (apr_uint64_t)stat.size);
    }
    else if (got < 0)
        *error = apr_psprintf(pool, "%s: entry '%s' is damaged: %s", path,
                              stat.name, zip_file_strerror(entry));
    else if (rv != APR_SUCCESS)
        *error = apr_psprintf(pool, "%s: entry '%s' cannot be written to the "
                              "temporary folder (is it full?)", path,
                              stat.name);
    zip_fclose(entry);
    apr_file_close(file);
    return got < 0 || rv != APR_SUCCESS ? WK_EINVAL : APR_SUCCESS;
}

apr_status_t wk_temp_folder_make(const char **dir, char **error,
                                 apr_pool_t *pool)
{
    const char *tmp;
    char *template;

    if (apr_temp_dir_get(&tmp, pool) != APR_SUCCESS) {
        *error = "no temporary directory to unpack the zip in";
        return APR_EGENERAL;
    }
    template = apr_pstrcat(pool, tmp, "/wk-folder-XXXXXX", NULL);
    if (mkdtemp(template) == NULL) {
        *error = apr_psprintf(pool, "cannot make a temporary folder in %s",
                              tmp);
        return APR_EGENERAL;
    }
    *dir = template;
    apr_pool_cleanup_register(pool, template, folder_cleanup,
                              apr_pool_cleanup_null);
    return APR_SUCCESS;
}

apr_status_t wk_zip_extract(const char **dir, const char *path,
                            apr_uint64_t max_bytes, int max_entries,
                            char **error, apr_pool_t *pool)
{
    zip_error_t zip_error;
    zip_int64_t count, i;
    zip_t *zip;
    int code;
    apr_status_t rv;

    zip = zip_open(path, ZIP_RDONLY | ZIP_CHECKCONS, &code);
    if (zip == NULL) {
        zip_error_init_with_code(&zip_error, code);
        /* libzip reports two entries of one name as ZIP_ER_EXISTS, whose
         * text ("File already exists") reads like a problem on disk. */
        *error = apr_psprintf(pool, "%s: not a readable zip: %s", path,
                              code == ZIP_ER_EXISTS
                              ? "two entries have the same name"
                              : zip_error_strerror(&zip_error));
        zip_error_fini(&zip_error);
        return WK_EINVAL;
    }
    rv = entries_check(zip, path, max_bytes, max_entries, error, pool);
    if (rv == APR_SUCCESS)
        rv = wk_temp_folder_make(dir, error, pool);

    count = zip_get_num_entries(zip, 0);
    for (i = 0; rv == APR_SUCCESS && i < count; i++)
        rv = entry_unpack(zip, (zip_uint64_t)i, *dir, path, error, pool);
    zip_discard(zip);
    return rv;
}

/* ---------------------------------------------------------------------- */
/* Writing                                                                 */
/* ---------------------------------------------------------------------- */

/* Adds the folder relative (below root, "" for root itself) and
 * everything in it to zip. */
static apr_status_t folder_add(zip_t *zip, const char *root,
                               const char *relative, char **error,
                               apr_pool_t *pool)
{
    const char *path = *relative ? apr_pstrcat(pool, root, "/", relative,
                                               NULL)
                                 : root;
    apr_status_t rv = APR_SUCCESS;
    apr_dir_t *dir;
    apr_finfo_t info;

    if (apr_dir_open(&dir, path, pool) != APR_SUCCESS) {
        *error = apr_psprintf(pool, "%s: cannot read the folder", path);
        return APR_EGENERAL;
    }
    while (rv == APR_SUCCESS
           && apr_dir_read(&info, APR_FINFO_NAME | APR_FINFO_TYPE, dir)
              == APR_SUCCESS) {
        const char *name;
        zip_source_t *source;

        if (strcmp(info.name, ".") == 0 || strcmp(info.name, "..") == 0)
            continue;
        name = *relative ? apr_pstrcat(pool, relative, "/", info.name, NULL)
                         : apr_pstrdup(pool, info.name);
        if (info.filetype == APR_DIR) {
            if (zip_dir_add(zip, name, ZIP_FL_ENC_UTF_8) < 0)
                rv = APR_EGENERAL;
            else
                rv = folder_add(zip, root, name, error, pool);
            continue;
        }
        if (info.filetype != APR_REG)
            continue;
        source = zip_source_file(zip, apr_pstrcat(pool, root, "/", name,
                                                  NULL), 0, -1);
        if (source == NULL || zip_file_add(zip, name, source,
                                           ZIP_FL_ENC_UTF_8) < 0) {
            zip_source_free(source);
            rv = APR_EGENERAL;
        }
    }
    apr_dir_close(dir);
    if (rv != APR_SUCCESS && *error == NULL)
        *error = apr_psprintf(pool, "cannot add %s to the zip: %s", path,
                              zip_strerror(zip));
    return rv;
}

apr_status_t wk_zip_folder(const char *path, const char *dir, char **error,
                           apr_pool_t *pool)
{
    zip_error_t zip_error;
    zip_t *zip;
    int code;
    apr_status_t rv;

    *error = NULL;
    zip = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &code);
    if (zip == NULL) {
        zip_error_init_with_code(&zip_error, code);
        *error = apr_psprintf(pool, "%s: cannot create the zip: %s", path,
                              zip_error_strerror(&zip_error));
        zip_error_fini(&zip_error);
        return APR_EGENERAL;
    }
    rv = folder_add(zip, dir, "", error, pool);
    if (rv != APR_SUCCESS) {
        zip_discard(zip);
        return rv;
    }
    /* The files are read only now, as the zip is written. */
    if (zip_close(zip) != 0) {
        *error = apr_psprintf(pool, "%s: cannot write the zip: %s", path,
                              zip_strerror(zip));
        zip_discard(zip);
        return APR_EGENERAL;
    }
    return APR_SUCCESS;
}
