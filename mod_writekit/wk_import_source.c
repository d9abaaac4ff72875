/*
 * wk_import_source.c: one import run, whatever the source: telling the
 * source from its first bytes, the transaction around the run, and what
 * the importers share (reports, saving posts, media from a folder).
 */
#include <string.h>

#include <apr_file_info.h>
#include <apr_file_io.h>
#include <apr_hash.h>
#include <apr_lib.h>

#include "wk_archive.h"
#include "wk_auth.h"
#include "wk_import_run.h"
#include "wk_media.h"

/* How much of a file the detection reads. */
#define DETECT_BYTES 512

void wk_import_report(const wk_import_options_t *options,
                      wk_import_counts_t *counts, const char *path,
                      wk_import_outcome_t outcome, const char *message)
{
    wk_import_entry_t entry;

    switch (outcome) {
    case WK_IMPORT_CREATED: counts->created++; break;
    case WK_IMPORT_UPDATED: counts->updated++; break;
    case WK_IMPORT_UNCHANGED: counts->unchanged++; break;
    case WK_IMPORT_STORED: counts->stored++; break;
    case WK_IMPORT_IGNORED: counts->ignored++; break;
    case WK_IMPORT_FAILED: counts->failed++; break;
    case WK_IMPORT_NOTICE: counts->notices++; break;
    }
    if (options->report == NULL)
        return;
    entry.path = path;
    entry.outcome = outcome;
    entry.message = message;
    options->report(options->baton, &entry);
}

void wk_import_skip(wk_import_run_t *run, const char *label,
                    wk_import_outcome_t outcome, const char *reason,
                    apr_pool_t *pool)
{
    wk_import_report(run->options, run->counts, label, outcome,
                     apr_pstrcat(pool, "skipped: ", reason, NULL));
}

apr_status_t wk_import_post_save(wk_import_run_t *run, const char *label,
                                 const wk_post_input_t *post, char **error,
                                 apr_pool_t *pool)
{
    apr_int64_t id;
    int outcome;
    apr_status_t rv;

    rv = wk_post_upsert(&id, &outcome, run->db, post, error, pool);
    if (rv == WK_EINVAL) {
        wk_import_skip(run, label, WK_IMPORT_FAILED, *error, pool);
        return APR_SUCCESS;
    }
    if (rv != APR_SUCCESS)
        return rv;
    if (outcome == WK_UPSERT_CREATED)
        wk_import_report(run->options, run->counts, label, WK_IMPORT_CREATED,
                         "imported");
    else if (outcome == WK_UPSERT_UPDATED)
        wk_import_report(run->options, run->counts, label, WK_IMPORT_UPDATED,
                         "updated");
    else
        wk_import_report(run->options, run->counts, label,
                         WK_IMPORT_UNCHANGED, "unchanged");
    return APR_SUCCESS;
}

/* ---------------------------------------------------------------------- */
/* Text helpers                                                            */
/* ---------------------------------------------------------------------- */

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)apr_tolower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

char *wk_percent_decode(const char *text, apr_size_t len, apr_pool_t *pool)
{
    char *out = apr_palloc(pool, len + 1);
    apr_size_t i, n = 0;

    for (i = 0; i < len; i++) {
        if (text[i] == '%') {
            int high, low;

            if (i + 2 >= len)
                return NULL;
            high = hex_value(text[i + 1]);
            low = hex_value(text[i + 2]);
            if (high < 0 || low < 0 || (high == 0 && low == 0))
                return NULL;
            out[n++] = (char)(high * 16 + low);
            i += 2;
        }
        else
            out[n++] = text[i];
    }
    out[n] = '\0';
    return out;
}

const char *wk_utf8_cut(const char *text, apr_size_t max, apr_pool_t *pool)
{
    apr_size_t len = strlen(text);

    if (len <= max)
        return text;
    len = max;
    while (len > 0 && ((unsigned char)text[len] & 0xC0) == 0x80)
        len--;
    return apr_pstrmemdup(pool, text, len);
}

/* Appends the character a reference at text stands for and returns the
 * reference's length, or 0 for one this function does not decode. */
static apr_size_t reference_append(wk_buf_t *out, const char *text)
{
    static const struct {
        const char *name;
        const char *text;
    } names[] = {
        { "&amp;", "&" }, { "&lt;", "<" }, { "&gt;", ">" },
        { "&quot;", "\"" }, { "&#039;", "'" }, { "&#39;", "'" },
        { "&apos;", "'" }, { "&nbsp;", " " }, { "&#8217;", "\xE2\x80\x99" },
        { "&#8220;", "\xE2\x80\x9C" }, { "&#8221;", "\xE2\x80\x9D" },
        { "&hellip;", "\xE2\x80\xA6" }, { "&#8230;", "\xE2\x80\xA6" },
        { NULL, NULL }
    };
    int i;

    for (i = 0; names[i].name != NULL; i++) {
        apr_size_t len = strlen(names[i].name);

        if (strncmp(text, names[i].name, len) == 0) {
            wk_buf_puts(out, names[i].text);
            return len;
        }
    }
    return 0;
}

static int tag_breaks_words(const char *tag)
{
    static const char names[] =
        " p br div li ul ol h1 h2 h3 h4 h5 h6 tr td th blockquote pre hr ";
    const char *name = tag + 1 + (tag[1] == '/');
    apr_size_t len = 0;
    char word[16];

    while (len < sizeof(word) - 3 && apr_isalnum((unsigned char)name[len])) {
        word[len + 1] = (char)apr_tolower((unsigned char)name[len]);
        len++;
    }
    if (len == 0)
        return 0;
    word[0] = ' ';
    word[len + 1] = ' ';
    word[len + 2] = '\0';
    return strstr(names, word) != NULL;
}

const char *wk_html_to_text(const char *html, apr_pool_t *pool)
{
    wk_buf_t *out = wk_buf_make(pool, strlen(html) + 1);
    const char *p = html;
    int space = 0;

    while (*p != '\0') {
        apr_size_t used;

        if (*p == '<') {
            const char *end = strchr(p, '>');

            if (end == NULL)
                break;
            /* Block elements and line breaks separate words; inline
             * elements such as <em> do not. */
            if (tag_breaks_words(p))
                space = 1;
            p = end + 1;
            continue;
        }
        if (apr_isspace((unsigned char)*p)) {
            space = 1;
            p++;
            continue;
        }
        if (space && out->len > 0)
            wk_buf_puts(out, " ");
        space = 0;
        if (*p == '&' && (used = reference_append(out, p)) > 0) {
            p += used;
            continue;
        }
        wk_buf_append(out, p, 1);
        p++;
    }
    return apr_pstrmemdup(pool, out->data, out->len);
}

apr_status_t wk_import_file_read(char **data, apr_size_t *size,
                                 const char *path, apr_size_t max,
                                 char **error, apr_pool_t *pool)
{
    apr_file_t *file;
    apr_finfo_t info;
    apr_status_t rv;
    char message[256];

    rv = apr_file_open(&file, path, APR_FOPEN_READ | APR_FOPEN_BINARY, 0,
                       pool);
    if (rv == APR_SUCCESS)
        rv = apr_file_info_get(&info, APR_FINFO_SIZE, file);
    if (rv != APR_SUCCESS) {
        *error = apr_psprintf(pool, "cannot read the file: %s",
                              apr_strerror(rv, message, sizeof(message)));
        return rv;
    }
    if (info.size < 0 || (apr_uint64_t)info.size > max) {
        *error = apr_psprintf(pool, "file is %" APR_OFF_T_FMT " bytes, over "
                              "the limit of %" APR_SIZE_T_FMT " bytes",
                              info.size, max);
        apr_file_close(file);
        return WK_ETOOBIG;
    }

    *size = (apr_size_t)info.size;
    *data = apr_palloc(pool, *size + 1);
    rv = apr_file_read_full(file, *data, *size, NULL);
    apr_file_close(file);
    if (rv != APR_SUCCESS && !(APR_STATUS_IS_EOF(rv) && *size == 0)) {
        *error = apr_psprintf(pool, "cannot read the file: %s",
                              apr_strerror(rv, message, sizeof(message)));
        return rv;
    }
    (*data)[*size] = '\0';
    return APR_SUCCESS;
}

/* ---------------------------------------------------------------------- */
/* Detection and the run                                                   */
/* ---------------------------------------------------------------------- */

apr_status_t wk_import_detect(wk_import_source_t *source, const char *path,
                              char **error, apr_pool_t *pool)
{
    unsigned char head[DETECT_BYTES];
    apr_size_t len = sizeof(head), i = 0;
    apr_finfo_t info;
    apr_file_t *file;
    apr_status_t rv;
    char message[256];

    rv = apr_stat(&info, path, APR_FINFO_TYPE, pool);
    if (rv == APR_SUCCESS && info.filetype == APR_DIR) {
        *source = WK_SOURCE_FOLDER;
        return APR_SUCCESS;
    }
    if (rv == APR_SUCCESS)
        rv = apr_file_open(&file, path, APR_FOPEN_READ | APR_FOPEN_BINARY, 0,
                           pool);
    if (rv != APR_SUCCESS) {
        *error = apr_psprintf(pool, "%s: cannot open: %s", path,
                              apr_strerror(rv, message, sizeof(message)));
        return rv;
    }
    rv = apr_file_read(file, head, &len);
    apr_file_close(file);
    if (rv != APR_SUCCESS || len < 4) {
        *error = apr_psprintf(pool, "%s: the file is empty or too short to "
                              "be an export", path);
        return WK_EINVAL;
    }

    if (memcmp(head, "PK\x03\x04", 4) == 0 || memcmp(head, "PK\x05\x06", 4)
                                              == 0) {
        *source = WK_SOURCE_ZIP;
        return APR_SUCCESS;
    }
    if ((head[0] == 0xFE && head[1] == 0xFF)
        || (head[0] == 0xFF && head[1] == 0xFE)
        || (head[0] == 0 && head[1] == 0) || (head[0] != 0 && head[1] == 0)
        || (head[0] == 0 && head[1] != 0)) {
        *error = apr_psprintf(pool, "%s: the file is UTF-16 or UTF-32; "
                              "exports are read as UTF-8 (convert it, for "
                              "example with iconv)", path);
        return WK_EINVAL;
    }
    if (len >= 3 && memcmp(head, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < len && apr_isspace(head[i]))
        i++;
    if (i < len && head[i] == '<') {
        *source = WK_SOURCE_WXR;
        return APR_SUCCESS;
    }
    if (i < len && head[i] == '{') {
        *source = WK_SOURCE_GHOST;
        return APR_SUCCESS;
    }
    *error = apr_psprintf(pool, "%s: not a folder, a zip, a WordPress export "
                          "(XML) or a Ghost export (JSON)", path);
    return WK_EINVAL;
}

static apr_status_t import_dispatch(wk_import_run_t *run,
                                    wk_import_source_t source,
                                    const char *path, char **error);

/* Returns whether a name is hidden or the resource folder macOS adds to
 * the zips it makes. */
static int name_ignored(const char *name)
{
    return name[0] == '.' || strcmp(name, "__MACOSX") == 0;
}

/* Returns the folder a zip's content starts in: below any chain of single
 * folders that the zip wraps it in. */
static const char *content_root(const char *dir, apr_pool_t *pool)
{
    int depth;

    for (depth = 0; depth < 16; depth++) {
        const char *only = NULL;
        apr_dir_t *handle;
        apr_finfo_t info;
        int count = 0;

        if (apr_dir_open(&handle, dir, pool) != APR_SUCCESS)
            return dir;
        while (apr_dir_read(&info, APR_FINFO_NAME | APR_FINFO_TYPE, handle)
               == APR_SUCCESS) {
            if (name_ignored(info.name))
                continue;
            count++;
            only = info.filetype == APR_DIR
                   ? apr_pstrcat(pool, dir, "/", info.name, NULL) : NULL;
        }
        apr_dir_close(handle);
        if (count != 1 || only == NULL)
            return dir;
        dir = only;
    }
    return dir;
}

/* Finds the one WordPress or Ghost export at the top of dir.  Markdown
 * files are posts, not exports, even when they start with '<'.  Returns
 * NULL when there is none, and an error when there are several. */
static apr_status_t export_find(const char **found,
                                wk_import_source_t *source, const char *dir,
                                const char *zip, char **error,
                                apr_pool_t *pool)
{
    apr_dir_t *handle;
    apr_finfo_t info;
    apr_status_t rv;

    *found = NULL;
    rv = apr_dir_open(&handle, dir, pool);
    if (rv != APR_SUCCESS) {
        *error = apr_psprintf(pool, "%s: cannot read the unpacked zip", zip);
        return rv;
    }
    while (apr_dir_read(&info, APR_FINFO_NAME | APR_FINFO_TYPE, handle)
           == APR_SUCCESS) {
        const char *path = apr_pstrcat(pool, dir, "/", info.name, NULL);
        const char *dot = strrchr(info.name, '.');
        wk_import_source_t kind;
        char *ignored;

        if (info.filetype != APR_REG || name_ignored(info.name)
            || (dot && (strcasecmp(dot, ".md") == 0
                        || strcasecmp(dot, ".markdown") == 0))
            || wk_import_detect(&kind, path, &ignored, pool) != APR_SUCCESS
            || (kind != WK_SOURCE_WXR && kind != WK_SOURCE_GHOST))
            continue;
        if (*found != NULL) {
            apr_dir_close(handle);
            *error = apr_psprintf(pool, "%s: the zip holds several exports "
                                  "(%s and %s); import them one at a time",
                                  zip, strrchr(*found, '/') + 1, info.name);
            return WK_EINVAL;
        }
        *found = path;
        *source = kind;
    }
    apr_dir_close(handle);
    return APR_SUCCESS;
}

/*
 * Imports a zip: the export at its top, with the zip's other files as its
 * media folder unless --media names one, or else the folder of posts it
 * holds.  Posts of a folder are keyed by the zip's path, so importing the
 * same zip again finds them although it unpacks elsewhere each time.
 */
static apr_status_t zip_import(wk_import_run_t *run, const char *path,
                               char **error)
{
    wk_import_options_t *options = apr_pmemdup(run->pool, run->options,
                                               sizeof(*options));
    wk_import_source_t kind = WK_SOURCE_FOLDER;
    const char *dir, *export, *absolute;
    apr_status_t rv;

    rv = wk_zip_extract(&dir, path, run->options->max_archive_bytes,
                        WK_ZIP_DEFAULT_MAX_ENTRIES, error, run->pool);
    if (rv != APR_SUCCESS)
        return rv;
    dir = content_root(dir, run->pool);
    rv = export_find(&export, &kind, dir, path, error, run->pool);
    if (rv != APR_SUCCESS)
        return rv;

    run->options = options;
    if (export != NULL) {
        if (options->media_source == NULL)
            options->media_source = dir;
        rv = import_dispatch(run, kind, export, error);
        /* Name the zip, not the folder it was unpacked in. */
        if (rv != APR_SUCCESS && strncmp(*error, dir, strlen(dir)) == 0)
            *error = apr_pstrcat(run->pool, path, ": ",
                                 *error + strlen(dir) + 1, NULL);
        return rv;
    }
    if (apr_filepath_merge((char **)&absolute, NULL, path,
                           APR_FILEPATH_TRUENAME, run->pool) != APR_SUCCESS)
        absolute = path;
    options->key_root = apr_pstrcat(run->pool, "zip:", absolute, NULL);
    return import_dispatch(run, WK_SOURCE_FOLDER, dir, error);
}

/* Runs the importer for source; an error stops the run. */
static apr_status_t import_dispatch(wk_import_run_t *run,
                                    wk_import_source_t source,
                                    const char *path, char **error)
{
    wk_import_counts_t folder_counts;
    apr_status_t rv;

    switch (source) {
    case WK_SOURCE_FOLDER:
        rv = wk_import_dir(&folder_counts, run->db, path, run->options,
                           error, run->pool);
        *run->counts = folder_counts;
        return rv;
    case WK_SOURCE_WXR:
        return wk_import_wxr(run, path, error);
    case WK_SOURCE_GHOST:
        return wk_import_ghost(run, path, error);
    case WK_SOURCE_ZIP:
        return zip_import(run, path, error);
    }
    return APR_EGENERAL;
}

/* Unpacks the media folder the options name when it is a zip. */
static apr_status_t media_zip_open(wk_import_run_t *run, char **error)
{
    wk_import_options_t *options;
    wk_import_source_t kind;
    const char *dir;
    apr_status_t rv;

    if (run->options->media_source == NULL)
        return APR_SUCCESS;
    rv = wk_import_detect(&kind, run->options->media_source, error,
                          run->pool);
    if (rv != APR_SUCCESS || kind == WK_SOURCE_FOLDER)
        return rv;
    if (kind != WK_SOURCE_ZIP) {
        *error = apr_psprintf(run->pool, "%s: --media must be a folder or "
                              "a zip", run->options->media_source);
        return WK_EINVAL;
    }
    rv = wk_zip_extract(&dir, run->options->media_source,
                        run->options->max_archive_bytes,
                        WK_ZIP_DEFAULT_MAX_ENTRIES, error, run->pool);
    if (rv != APR_SUCCESS)
        return rv;
    /* No descent into single folders here: the media layouts already
     * find an uploads/ or content/images/ folder at the top. */
    options = apr_pmemdup(run->pool, run->options, sizeof(*options));
    options->media_source = dir;
    run->options = options;
    return APR_SUCCESS;
}

apr_status_t wk_import(wk_import_counts_t *counts, wk_db_t *db,
                       const char *path, const wk_import_options_t *options,
                       char **error, apr_pool_t *pool)
{
    wk_import_options_t *run_options;
    wk_import_source_t source;
    wk_settings_t settings;
    wk_import_run_t run;
    apr_status_t rv;

    memset(counts, 0, sizeof(*counts));
    rv = wk_import_detect(&source, path, error, pool);
    if (rv != APR_SUCCESS)
        return rv;
    if (wk_settings_load(&settings, db, pool) != APR_SUCCESS) {
        *error = apr_psprintf(pool, "%s: cannot read the blog's settings: %s",
                              wk_db_path(db),
                              sqlite3_errmsg(wk_db_handle(db)));
        return WK_EDB;
    }

    run_options = apr_pmemdup(pool, options, sizeof(*options));
    run_options->iframe_hosts = settings.iframe_hosts;
    memset(&run, 0, sizeof(run));
    run.db = db;
    run.options = run_options;
    run.counts = counts;
    run.source = path;
    run.iframe_hosts = settings.iframe_hosts;
    run.timezone = settings.timezone;
    run.allow_raw_html = settings.allow_raw_html;
    run.base_url = settings.base_url;
    run.media = apr_hash_make(pool);
    run.pool = pool;

    rv = media_zip_open(&run, error);
    if (rv != APR_SUCCESS)
        return rv;
    rv = wk_db_begin(db, error, pool);
    if (rv != APR_SUCCESS)
        return rv;
    rv = import_dispatch(&run, source, path, error);
    if (rv == APR_SUCCESS)
        rv = wk_db_commit(db, error, pool);
    if (rv != APR_SUCCESS) {
        wk_db_rollback(db);
        memset(counts, 0, sizeof(*counts));
    }
    return rv;
}
