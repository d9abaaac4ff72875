/*
 * wk_archive.h: zip files unpacked for an import, with every entry
 * checked first, so a hostile zip is rejected before a byte is written.
 */
#ifndef WK_ARCHIVE_H
#define WK_ARCHIVE_H

#include "wk_core.h"

#define WK_ZIP_DEFAULT_MAX_BYTES   ((apr_uint64_t)2 * 1024 * 1024 * 1024)
#define WK_ZIP_DEFAULT_MAX_ENTRIES 100000

/*
 * Unpacks the zip at path into a new folder, readable by this user only,
 * in the system's temporary directory, and sets *dir to it.  A cleanup on
 * pool removes the folder with everything in it.
 *
 * The whole zip is rejected with WK_EINVAL and *error naming the entry
 * and the reason for any of these: an entry's name is absolute or has a
 * "..", "." or empty segment, a backslash or a control character.  An
 * entry is a symbolic link or encrypted.  A name appears twice.  There
 * are more than max_entries entries, or the sizes the entries declare
 * add up to more than max_bytes.  Unpacking stops as soon as an entry
 * gives more bytes than it declares, which keeps a zip bomb under
 * max_bytes.  A file that is no zip, or a damaged one, is WK_EINVAL too.
 */
apr_status_t wk_zip_extract(const char **dir, const char *path,
                            apr_uint64_t max_bytes, int max_entries,
                            char **error, apr_pool_t *pool);

/* Makes a new folder, readable by this user only, in the system's
 * temporary directory; a cleanup on pool removes it with everything in
 * it. */
apr_status_t wk_temp_folder_make(const char **dir, char **error,
                                 apr_pool_t *pool);

/*
 * Writes the files and folders below dir into a new zip at path, with
 * names relative to dir, compressed with deflate.  Symbolic links are
 * left out.  Returns an error with *error set when a file cannot be read
 * or the zip cannot be written.
 */
apr_status_t wk_zip_folder(const char *path, const char *dir, char **error,
                           apr_pool_t *pool);

#endif
