/*
 * writekit.c: the writekit command, which creates, migrates and fills
 * tenant files from the shell.
 *
 * Each command opens one tenant file, does its work inside transactions
 * (settings in one, a whole import in one), and names the file
 * and the reason in every error.  Exit status: 0 success, 1 failure or
 * some imported files skipped for an error, 2 a usage error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <apr_file_info.h>
#include <apr_file_io.h>
#include <apr_general.h>
#include <apr_hash.h>
#include <apr_lib.h>
#include <apr_md5.h>

#include "wk_export.h"
#include "wk_import.h"
#include "wk_markdown.h"
#include "wk_store.h"

#define EXIT_OK     0
#define EXIT_FAILED 1
#define EXIT_USAGE  2

/* bcrypt's cost: 2^10 rounds, which took about 50 ms per hash on a
 * 2-core Xeon when this was written. */
#define PASSWORD_COST 10
#define PASSWORD_MIN  8
/* bcrypt reads only the first 72 bytes of a password. */
#define PASSWORD_MAX  72

static const char usage_text[] =
    "usage: writekit COMMAND ARGUMENTS\n"
    "\n"
    "commands:\n"
    "  init FILE --title TITLE --base-url URL\n"
    "      Create the tenant file FILE with the blog's title and public\n"
    "      base URL (http:// or https://), or set both in an existing one.\n"
    "  migrate FILE\n"
    "      Bring FILE's schema up to the version this build writes.\n"
    "  restore FILE BACKUP\n"
    "      Replace the blog in the tenant file FILE with the one in the\n"
    "      tenant file BACKUP, through SQLite's online backup, which is\n"
    "      safe while Apache serves FILE.  Every author is signed out.\n"
    "  user add FILE EMAIL\n"
    "      Add an author who signs in with EMAIL.  The password is read\n"
    "      from one line of standard input and must have 8 to 72 bytes.\n"
    "  import FILE SOURCE [--media DIR|ZIP] [--private skip|draft]\n"
    "         [--max-post-size BYTES] [--media-prefix PREFIX]\n"
    "         [--max-archive-size BYTES]\n"
    "      Import SOURCE, told by its content: a folder of markdown posts\n"
    "      (*.md) and images, a WordPress export (WXR), a Ghost export\n"
    "      (JSON), or a zip of one of these.  Everything goes in one\n"
    "      transaction, and what was imported before is updated.  --media\n"
    "      is the folder or zip with the export's images, such as a copy\n"
    "      of wp-content/uploads or of Ghost's content/images; an export\n"
    "      in a zip finds them in the zip.  --max-archive-size limits what\n"
    "      a zip may unpack to, in bytes (default 2147483648).  --private\n"
    "      draft imports private, members-only, email-only,\n"
    "      password-protected and trashed items as drafts (default: skip\n"
    "      them).  --max-post-size limits a post's source, in bytes\n"
    "      (default 1048576); --media-prefix is the URL path images are\n"
    "      linked with (default ../media/, relative to a post's page, so\n"
    "      it works wherever the blog is mounted).\n"
    "  export FILE DIR\n"
    "      Write every post, page and image of FILE into DIR, which must\n"
    "      be missing or empty: a folder of markdown posts with front\n"
    "      matter (HTML posts keep HTML bodies) that 'writekit import'\n"
    "      reads back.\n"
    "  export FILE OUT --wxr\n"
    "      Write FILE as a WordPress export (WXR 1.2) to the new file OUT,\n"
    "      for WordPress's importer; images are attachments at the blog's\n"
    "      base URL.\n"
    "\n"
    "exit status: 0 success, 1 failure or some files skipped for an error,\n"
    "2 usage error.\n";

/* Command-line arguments after the command words, split into options and
 * the rest. */
typedef struct cli_args {
    apr_array_header_t *positional;  /* of const char * */
    apr_table_t *options;            /* "--name" to value */
} cli_args_t;

static void fail(const char *file, const char *reason)
{
    if (file != NULL)
        fprintf(stderr, "writekit: %s: %s\n", file, reason);
    else
        fprintf(stderr, "writekit: %s\n", reason);
}

/* Prints a usage error and returns EXIT_USAGE. */
static int usage_error(const char *reason)
{
    fprintf(stderr, "writekit: %s (try 'writekit --help')\n", reason);
    return EXIT_USAGE;
}

/*
 * Splits argv into positional arguments and the options in allowed (a
 * NULL-terminated list of names that take a value).  Accepts "--name
 * value" and "--name=value"; "--" ends the options.
 */
static int args_parse(cli_args_t *args, int argc, const char *const *argv,
                      const char *const *allowed, apr_pool_t *pool)
{
    int i, j, options_done = 0;

    args->positional = apr_array_make(pool, 4, sizeof(const char *));
    args->options = apr_table_make(pool, 4);
    for (i = 0; i < argc; i++) {
        const char *arg = argv[i], *value = NULL;
        apr_size_t name_len;

        if (options_done || strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
            if (!options_done && strcmp(arg, "--") == 0) {
                options_done = 1;
                continue;
            }
            APR_ARRAY_PUSH(args->positional, const char *) = arg;
            continue;
        }

        name_len = strcspn(arg, "=");
        for (j = 0; allowed[j] != NULL; j++) {
            if (strlen(allowed[j]) == name_len
                && strncmp(arg, allowed[j], name_len) == 0)
                break;
        }
        if (allowed[j] == NULL)
            return usage_error(apr_psprintf(pool, "unknown option '%.*s'",
                                            (int)name_len, arg));
        if (arg[name_len] == '=')
            value = arg + name_len + 1;
        else if (i + 1 < argc)
            value = argv[++i];
        else
            return usage_error(apr_psprintf(pool, "option '%s' needs a "
                                            "value", arg));
        apr_table_setn(args->options, allowed[j], value);
    }
    return EXIT_OK;
}

/* Parses the arguments of command, which takes count positional ones. */
static int args_read(cli_args_t *args, int argc, const char *const *argv,
                     const char *const *allowed, int count,
                     const char *command, apr_pool_t *pool)
{
    int status = args_parse(args, argc, argv, allowed, pool);

    if (status != EXIT_OK || args->positional->nelts == count)
        return status;
    return usage_error(apr_psprintf(pool, "'%s' takes %d argument%s, not %d",
                                    command, count, count == 1 ? "" : "s",
                                    args->positional->nelts));
}

/* Opens a tenant file, printing the error when that fails. */
static int tenant_open(wk_db_t **db, const char *path, int flags,
                       apr_pool_t *pool)
{
    char *error;

    if (wk_db_open(db, path, flags, &error, pool) == APR_SUCCESS)
        return EXIT_OK;
    fail(NULL, error);
    return EXIT_FAILED;
}

static const char *arg_at(const cli_args_t *args, int i)
{
    return APR_ARRAY_IDX(args->positional, i, const char *);
}

/* ---------------------------------------------------------------------- */
/* init                                                                    */
/* ---------------------------------------------------------------------- */

/* Returns nonzero when the tenant file already has a title setting. */
static int settings_exist(wk_db_t *db)
{
    sqlite3_stmt *stmt;
    int found = 0;

    if (sqlite3_prepare_v2(wk_db_handle(db),
                           "SELECT 1 FROM settings WHERE name = 'title'", -1,
                           &stmt, NULL) != SQLITE_OK)
        return 0;
    found = sqlite3_step(stmt) == SQLITE_ROW;
    sqlite3_finalize(stmt);
    return found;
}

/* Writes the settings of a new blog, or only title and base URL for an
 * existing one, in one transaction. */
static apr_status_t settings_write(wk_db_t *db, const char *title,
                                   const char *base_url, int existing,
                                   char **error, apr_pool_t *pool)
{
    apr_status_t rv = wk_db_begin(db, error, pool);

    if (rv == APR_SUCCESS)
        rv = wk_setting_set(db, "title", title, error, pool);
    if (rv == APR_SUCCESS)
        rv = wk_setting_set(db, "base_url", base_url, error, pool);
    if (rv == APR_SUCCESS && !existing)
        rv = wk_setting_set(db, "description", "", error, pool);
    if (rv == APR_SUCCESS && !existing)
        rv = wk_setting_set(db, "posts_per_page", "10", error, pool);
    if (rv == APR_SUCCESS)
        rv = wk_db_commit(db, error, pool);
    if (rv != APR_SUCCESS)
        wk_db_rollback(db);
    return rv;
}

/* Removes a SQLite file that this run created, with the files SQLite
 * may have made beside it. */
static void tenant_file_remove(const char *path, apr_pool_t *pool)
{
    apr_file_remove(path, pool);
    apr_file_remove(apr_pstrcat(pool, path, "-journal", NULL), pool);
    apr_file_remove(apr_pstrcat(pool, path, "-wal", NULL), pool);
    apr_file_remove(apr_pstrcat(pool, path, "-shm", NULL), pool);
}

static int command_init(int argc, const char *const *argv, apr_pool_t *pool)
{
    static const char *const allowed[] = { "--title", "--base-url", NULL };
    const char *path, *title, *base_url;
    apr_finfo_t info;
    cli_args_t args;
    wk_db_t *db;
    char *error;
    int existed, existing, status;

    status = args_read(&args, argc, argv, allowed, 1, "init", pool);
    if (status != EXIT_OK)
        return status;
    path = arg_at(&args, 0);
    title = apr_table_get(args.options, "--title");
    base_url = apr_table_get(args.options, "--base-url");
    if (title == NULL || *title == '\0')
        return usage_error("'init' needs --title TITLE");
    if (base_url == NULL)
        return usage_error("'init' needs --base-url URL");
    base_url = wk_base_url_clean(base_url, pool);
    if (base_url == NULL)
        return usage_error("--base-url must be an http:// or https:// URL "
                           "with a host and nothing after its path, such "
                           "as https://blog.example.com");

    existed = apr_stat(&info, path, APR_FINFO_TYPE, pool) == APR_SUCCESS;
    if (tenant_open(&db, path, WK_DB_CREATE | WK_DB_MIGRATE, pool)
        != EXIT_OK) {
        if (!existed)
            tenant_file_remove(path, pool);
        return EXIT_FAILED;
    }

    existing = settings_exist(db);
    if (settings_write(db, title, base_url, existing, &error, pool)
        != APR_SUCCESS) {
        fail(NULL, error);
        wk_db_close(db);
        if (!existed)
            tenant_file_remove(path, pool);
        return EXIT_FAILED;
    }
    wk_db_close(db);
    if (existing)
        printf("%s: updated the title and base URL of an existing blog\n",
               path);
    else
        printf("%s: created a blog at schema version %d\n", path,
               wk_schema_version());
    return EXIT_OK;
}

/* ---------------------------------------------------------------------- */
/* migrate                                                                 */
/* ---------------------------------------------------------------------- */

/* Returns the first column of sql's first row as an integer, or fallback
 * when the query fails or returns no row. */
static apr_int64_t query_int(sqlite3 *handle, const char *sql,
                             apr_int64_t fallback)
{
    sqlite3_stmt *stmt;
    apr_int64_t value = fallback;

    if (sqlite3_prepare_v2(handle, sql, -1, &stmt, NULL) == SQLITE_OK
        && sqlite3_step(stmt) == SQLITE_ROW)
        value = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return value;
}

/* Reads the schema version without changing the file; -1 when unreadable. */
static int schema_version_peek(const char *path)
{
    sqlite3 *handle = NULL;
    int version = -1;

    if (sqlite3_open_v2(path, &handle, SQLITE_OPEN_READONLY, NULL)
        == SQLITE_OK)
        version = (int)query_int(handle, "PRAGMA user_version", -1);
    sqlite3_close(handle);
    return version;
}

static int command_migrate(int argc, const char *const *argv,
                           apr_pool_t *pool)
{
    static const char *const allowed[] = { NULL };
    const char *path;
    cli_args_t args;
    wk_db_t *db;
    int from, to, status;

    status = args_read(&args, argc, argv, allowed, 1, "migrate", pool);
    if (status != EXIT_OK)
        return status;
    path = arg_at(&args, 0);

    from = schema_version_peek(path);
    if (tenant_open(&db, path, WK_DB_MIGRATE, pool) != EXIT_OK)
        return EXIT_FAILED;
    to = wk_db_version(db);
    wk_db_close(db);
    if (from == to)
        printf("%s: schema version %d is current\n", path, to);
    else
        printf("%s: migrated schema version %d to %d\n", path, from, to);
    return EXIT_OK;
}

/* ---------------------------------------------------------------------- */
/* restore                                                                 */
/* ---------------------------------------------------------------------- */

/* Returns reason unless the file at path is a regular file. */
static const char *regular_file_check(const char *path, apr_pool_t *pool)
{
    apr_finfo_t finfo;
    char message[120];
    apr_status_t rv;

    rv = apr_stat(&finfo, path, APR_FINFO_TYPE, pool);
    if (rv != APR_SUCCESS)
        return apr_psprintf(pool, "cannot read the file: %s",
                            apr_strerror(rv, message, sizeof(message)));
    return finfo.filetype == APR_REG ? NULL : "not a regular file";
}

/*
 * Opens backup read-only and checks that it is a sound SQLite file with
 * a schema version from 1 to ours.  Returns NULL with a message for
 * fail() in *reason otherwise.
 */
static sqlite3 *backup_open(const char **reason, const char *backup,
                            apr_pool_t *pool)
{
    sqlite3 *handle = NULL;
    sqlite3_stmt *stmt = NULL;
    const char *check = NULL;
    apr_int64_t version = -1;

    *reason = regular_file_check(backup, pool);
    if (*reason != NULL)
        return NULL;
    if (sqlite3_open_v2(backup, &handle, SQLITE_OPEN_READONLY, NULL)
        == SQLITE_OK)
        version = query_int(handle, "PRAGMA user_version", -1);
    if (version < 1) {
        *reason = "not a writekit tenant file (no schema version); "
                  "expected a file made by 'writekit init' or a copy of one";
        sqlite3_close(handle);
        return NULL;
    }
    if (version > wk_schema_version()) {
        *reason = apr_psprintf(pool, "schema version %" APR_INT64_T_FMT
                               " is newer than %d, the newest this build "
                               "knows; upgrade writekit", version,
                               wk_schema_version());
        sqlite3_close(handle);
        return NULL;
    }

    if (sqlite3_prepare_v2(handle, "PRAGMA quick_check", -1, &stmt, NULL)
            == SQLITE_OK
        && sqlite3_step(stmt) == SQLITE_ROW)
        check = apr_pstrdup(pool, (const char *)sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
    if (check == NULL || strcmp(check, "ok") != 0) {
        *reason = apr_psprintf(pool, "damaged: %s",
                               check ? check : sqlite3_errmsg(handle));
        sqlite3_close(handle);
        return NULL;
    }
    return handle;
}

/* Copies every page of source into dest in one step; returns SQLite's
 * result. */
static int pages_copy(sqlite3 *dest, sqlite3 *source)
{
    sqlite3_backup *copy = sqlite3_backup_init(dest, "main", source, "main");
    int rc;

    if (copy == NULL)
        return sqlite3_errcode(dest);
    rc = sqlite3_backup_step(copy, -1);
    sqlite3_backup_finish(copy);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Returns the first column of sql's first row as text on pool, or "". */
static const char *query_text(sqlite3 *handle, const char *sql,
                              apr_pool_t *pool)
{
    sqlite3_stmt *stmt;
    const char *value = "";

    if (sqlite3_prepare_v2(handle, sql, -1, &stmt, NULL) == SQLITE_OK
        && sqlite3_step(stmt) == SQLITE_ROW
        && sqlite3_column_text(stmt, 0) != NULL)
        value = apr_pstrdup(pool, (const char *)sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
    return value;
}

#define BASE_URL_SQL "SELECT value FROM settings WHERE name = 'base_url'"

/* Returns the schema objects of handle, name to SQL text, on pool. */
static apr_hash_t *schema_objects(sqlite3 *handle, apr_pool_t *pool)
{
    apr_hash_t *objects = apr_hash_make(pool);
    sqlite3_stmt *stmt;

    if (sqlite3_prepare_v2(handle, "SELECT type || ' ' || name,"
                           " coalesce(sql, '') FROM sqlite_master", -1,
                           &stmt, NULL) != SQLITE_OK)
        return objects;
    while (sqlite3_step(stmt) == SQLITE_ROW)
        apr_hash_set(objects,
                     apr_pstrdup(pool,
                                 (const char *)sqlite3_column_text(stmt, 0)),
                     APR_HASH_KEY_STRING,
                     apr_pstrdup(pool,
                                 (const char *)sqlite3_column_text(stmt, 1)));
    sqlite3_finalize(stmt);
    return objects;
}

/* Names the object of have, first in sort order, that want lacks or
 * defines otherwise, with what, or returns NULL. */
static const char *schema_object_extra(apr_hash_t *have, apr_hash_t *want,
                                       const char *what, apr_pool_t *pool)
{
    const char *first = NULL;
    apr_hash_index_t *hi;

    for (hi = apr_hash_first(pool, have); hi; hi = apr_hash_next(hi)) {
        const char *name = apr_hash_this_key(hi);
        const char *sql = apr_hash_get(want, name, APR_HASH_KEY_STRING);

        if ((sql == NULL || strcmp(sql, apr_hash_this_val(hi)) != 0)
            && (first == NULL || strcmp(name, first) < 0))
            first = name;
    }
    return first != NULL ? apr_psprintf(pool, "%s %s", first, what) : NULL;
}

/*
 * Compares the schema of the migrated copy at path with the one this
 * build makes for a new tenant, in a file of its own beside it.  A
 * backup may carry tables of another shape, views where tables belong,
 * or triggers that would run in the live blog, so the restore takes
 * none of them.  Returns NULL, or a message naming one difference.
 */
static const char *schema_check(sqlite3 *copy, const char *path,
                                apr_pool_t *pool)
{
    const char *fresh = apr_pstrcat(pool, path, "-fresh", NULL);
    const char *error = NULL;
    apr_hash_t *want, *have;
    wk_db_t *db;
    char *open_error = NULL;

    if (wk_db_open(&db, fresh, WK_DB_CREATE | WK_DB_MIGRATE, &open_error,
                   pool) != APR_SUCCESS) {
        tenant_file_remove(fresh, pool);
        return apr_psprintf(pool, "cannot make a new tenant to compare "
                            "with: %s", open_error);
    }
    want = schema_objects(wk_db_handle(db), pool);
    wk_db_close(db);
    tenant_file_remove(fresh, pool);

    have = schema_objects(copy, pool);
    error = schema_object_extra(have, want, "is not one this build makes",
                                pool);
    if (error == NULL)
        error = schema_object_extra(want, have, "is missing or differs",
                                    pool);
    return error == NULL ? NULL
        : apr_psprintf(pool, "not a writekit blog: its %s", error);
}

/*
 * Turns the copy of a backup at path into the blog to restore.  It
 * migrates the copy and checks that it is a blog.  It signs every author
 * out, because a session revoked since the backup must stay revoked.
 * And it moves the page version past version_floor, so no process serves
 * a page it kept at a version FILE had.  Returns NULL, or a message for
 * fail().
 */
static const char *restore_prepare(const char *path,
                                   apr_int64_t version_floor,
                                   apr_pool_t *pool)
{
    wk_settings_t settings;
    apr_int64_t version;
    apr_time_t next_visible;
    const char *schema_error;
    char *error = NULL, *sql;
    wk_db_t *db;

    if (wk_db_open(&db, path, WK_DB_MIGRATE, &error, pool) != APR_SUCCESS)
        return apr_psprintf(pool, "not a writekit blog: %s", error);
    schema_error = schema_check(wk_db_handle(db), path, pool);
    if (schema_error != NULL) {
        wk_db_close(db);
        return schema_error;
    }
    if (wk_settings_load(&settings, db, pool) != APR_SUCCESS
        || wk_site_version(&version, &next_visible, db, apr_time_now())
           != APR_SUCCESS) {
        error = apr_psprintf(pool, "not a writekit blog: %s",
                             sqlite3_errmsg(wk_db_handle(db)));
        wk_db_close(db);
        return error;
    }
    sql = apr_psprintf(pool, "DELETE FROM sessions;"
                       " UPDATE site_state SET version = MAX(version, %"
                       APR_INT64_T_FMT ") + 1 WHERE id = 1;", version_floor);
    if (sqlite3_exec(wk_db_handle(db), sql, NULL, NULL, NULL) != SQLITE_OK) {
        error = apr_psprintf(pool, "cannot prepare the restore: %s",
                             sqlite3_errmsg(wk_db_handle(db)));
        wk_db_close(db);
        return error;
    }
    wk_db_close(db);
    return NULL;
}

/*
 * Copies source into a new file in the system's temporary directory, in
 * the page size of the tenant file target, which SQLite needs to copy it
 * into a WAL database.  Sets *path; returns NULL or a message.
 */
static const char *backup_stage(const char **path, sqlite3 *source,
                                sqlite3 *target, apr_pool_t *pool)
{
    apr_int64_t page_size = query_int(target, "PRAGMA page_size", 4096);
    const char *tmpdir;
    apr_file_t *file;
    sqlite3 *copy = NULL;
    char *sql;
    int rc;

    if (apr_temp_dir_get(&tmpdir, pool) != APR_SUCCESS)
        tmpdir = "/tmp";
    *path = apr_pstrcat(pool, tmpdir, "/writekit-restore-XXXXXX", NULL);
    if (apr_file_mktemp(&file, (char *)*path, APR_FOPEN_CREATE
                        | APR_FOPEN_READ | APR_FOPEN_WRITE
                        | APR_FOPEN_EXCL, pool) != APR_SUCCESS)
        return apr_psprintf(pool, "cannot create a file in %s", tmpdir);
    apr_file_close(file);

    sql = apr_psprintf(pool, "PRAGMA journal_mode = DELETE;"
                       " PRAGMA page_size = %" APR_INT64_T_FMT "; VACUUM;",
                       page_size);
    rc = sqlite3_open_v2(*path, &copy, SQLITE_OPEN_READWRITE, NULL);
    if (rc == SQLITE_OK)
        rc = pages_copy(copy, source);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(copy, sql, NULL, NULL, NULL);
    sql = rc == SQLITE_OK ? NULL
        : apr_psprintf(pool, "cannot copy the backup to %s: %s", *path,
                       sqlite3_errmsg(copy));
    sqlite3_close(copy);
    return sql;
}

/*
 * Copies the staged blog at stage into target in one write transaction,
 * so readers see the old blog or the restored one, never a mix.  Returns
 * NULL or a message.
 */
static const char *stage_restore(sqlite3 *target, const char *stage,
                                 apr_pool_t *pool)
{
    sqlite3 *source = NULL;
    const char *error = NULL;
    int rc;

    rc = sqlite3_open_v2(stage, &source, SQLITE_OPEN_READONLY, NULL);
    if (rc == SQLITE_OK)
        rc = pages_copy(target, source);
    if (rc != SQLITE_OK)
        error = apr_psprintf(pool, "cannot restore: %s%s",
                             sqlite3_errmsg(target),
                             rc == SQLITE_BUSY || rc == SQLITE_LOCKED
                             ? "; another writer holds the file, try again"
                             : rc == SQLITE_NOTADB
                             ? "; move the file aside, make a new one with "
                               "'writekit init' and restore into that"
                             : "");
    sqlite3_close(source);
    return error;
}

static int command_restore(int argc, const char *const *argv,
                           apr_pool_t *pool)
{
    static const char *const allowed[] = { NULL };
    const char *path, *backup, *stage = NULL, *error, *url_before;
    const char *url_after;
    apr_int64_t version_floor;
    sqlite3 *source, *target = NULL;
    cli_args_t args;
    int status;

    status = args_read(&args, argc, argv, allowed, 2, "restore", pool);
    if (status != EXIT_OK)
        return status;
    path = arg_at(&args, 0);
    backup = arg_at(&args, 1);

    /* FILE may be damaged, which is when a restore is needed, so it is
     * opened as a plain SQLite file, not as a tenant. */
    error = regular_file_check(path, pool);
    if (error == NULL
        && sqlite3_open_v2(path, &target, SQLITE_OPEN_READWRITE, NULL)
           != SQLITE_OK)
        error = sqlite3_errmsg(target);
    if (error != NULL) {
        fail(path, error);
        sqlite3_close(target);
        return EXIT_FAILED;
    }
    sqlite3_busy_timeout(target, 5000);
    source = backup_open(&error, backup, pool);
    if (source == NULL) {
        fail(backup, error);
        sqlite3_close(target);
        return EXIT_FAILED;
    }

    /* With FILE's page version unreadable, the time in microseconds is
     * above any count of changes. */
    version_floor = query_int(target, "SELECT version FROM site_state"
                              " WHERE id = 1", (apr_int64_t)apr_time_now());
    url_before = query_text(target, BASE_URL_SQL, pool);

    error = backup_stage(&stage, source, target, pool);
    sqlite3_close(source);
    if (error == NULL)
        error = restore_prepare(stage, version_floor, pool);
    if (error != NULL) {
        fail(backup, error);
        if (stage != NULL)
            tenant_file_remove(stage, pool);
        sqlite3_close(target);
        return EXIT_FAILED;
    }

    error = stage_restore(target, stage, pool);
    url_after = query_text(target, BASE_URL_SQL, pool);
    sqlite3_close(target);
    tenant_file_remove(stage, pool);
    if (error != NULL) {
        fail(path, error);
        return EXIT_FAILED;
    }
    printf("%s: restored from %s; every author is signed out\n", path,
           backup);
    if (strcmp(url_before, url_after) != 0)
        printf("%s: note: the base URL was %s and is now %s, the backup's\n",
               path, url_before, url_after);
    return EXIT_OK;
}

/* ---------------------------------------------------------------------- */
/* user add                                                                */
/* ---------------------------------------------------------------------- */

/* Returns nonzero for something shaped like an email address. */
/* An email address as RFC 5321 bounds it: at most 254 bytes, one '@'
 * with text on both sides, no spaces, controls or bytes that are not
 * printable ASCII (internationalized addresses are not accepted). */
static int email_valid(const char *email)
{
    const char *at = strchr(email, '@');
    const unsigned char *c;

    if (strlen(email) > 254 || at == NULL || at == email || at[1] == '\0'
        || strchr(at + 1, '@') != NULL)
        return 0;
    for (c = (const unsigned char *)email; *c; c++)
        if (*c <= ' ' || *c >= 0x7F || strchr("<>\"(),;:[]\\", *c))
            return 0;
    return 1;
}

typedef enum {
    PASSWORD_READ_OK,
    PASSWORD_READ_NONE,      /* no line at all */
    PASSWORD_READ_TOO_LONG,  /* the line does not fit the buffer */
    PASSWORD_READ_NUL        /* the line contains a NUL byte */
} password_read_t;

/*
 * Reads one line of standard input into buffer without its line break.
 * On a terminal the input is not echoed.
 */
static password_read_t password_read(char *buffer, apr_size_t size)
{
    apr_size_t len = 0;
    int c;

    if (isatty(STDIN_FILENO)) {
        apr_size_t got = size;

        return apr_password_get("Password: ", buffer, &got) == APR_SUCCESS
               ? PASSWORD_READ_OK : PASSWORD_READ_NONE;
    }
    while ((c = getchar()) != EOF && c != '\n') {
        if (c == '\0')
            return PASSWORD_READ_NUL;
        if (len + 1 >= size)
            return PASSWORD_READ_TOO_LONG;
        buffer[len++] = (char)c;
    }
    if (c == EOF && len == 0)
        return PASSWORD_READ_NONE;
    while (len > 0 && buffer[len - 1] == '\r')
        len--;
    buffer[len] = '\0';
    return PASSWORD_READ_OK;
}

/* Hashes password with bcrypt and a random salt into hash (64 bytes). */
static apr_status_t password_hash(char *hash, apr_size_t size,
                                  const char *password)
{
    unsigned char salt[16];
    apr_status_t rv;

    rv = apr_generate_random_bytes(salt, sizeof(salt));
    if (rv != APR_SUCCESS)
        return rv;
    return apr_bcrypt_encode(password, PASSWORD_COST, salt, sizeof(salt),
                             hash, size);
}

/* Returns a reason when password is unusable, else NULL. */
static const char *password_check(const char *password)
{
    apr_size_t len = strlen(password);

    if (len == 0)
        return "the password is empty";
    if (len < PASSWORD_MIN)
        return "the password is shorter than 8 bytes";
    if (strspn(password, " \t") == len)
        return "the password is only spaces";
    if (len > PASSWORD_MAX)
        return "the password is longer than 72 bytes, which is all that "
               "bcrypt uses";
    return NULL;
}

static int command_user_add(int argc, const char *const *argv,
                            apr_pool_t *pool)
{
    static const char *const allowed[] = { NULL };
    char password[256], hash[64];
    const char *path, *email, *problem;
    cli_args_t args;
    wk_db_t *db;
    char *error;
    int status;

    status = args_read(&args, argc, argv, allowed, 2, "user add", pool);
    if (status != EXIT_OK)
        return status;
    path = arg_at(&args, 0);
    email = arg_at(&args, 1);
    if (!email_valid(email))
        return usage_error(apr_psprintf(pool, "'%s' is not a valid email "
                                        "address", email));

    if (tenant_open(&db, path, 0, pool) != EXIT_OK)
        return EXIT_FAILED;
    switch (password_read(password, sizeof(password))) {
    case PASSWORD_READ_OK:
        problem = password_check(password);
        break;
    case PASSWORD_READ_NONE:
        problem = "no password: write it as one line to standard input";
        break;
    case PASSWORD_READ_TOO_LONG:
        problem = "the password is longer than 72 bytes, which is all that "
                  "bcrypt uses";
        break;
    default:
        problem = "the password contains a NUL byte";
        break;
    }
    if (problem == NULL && password_hash(hash, sizeof(hash), password)
                           != APR_SUCCESS)
        problem = "hashing the password failed";
    explicit_bzero(password, sizeof(password));
    if (problem != NULL) {
        fail(path, problem);
        return EXIT_FAILED;
    }

    if (wk_user_add(db, email, hash, &error, pool) != APR_SUCCESS) {
        fail(NULL, error);
        return EXIT_FAILED;
    }
    printf("%s: added user %s\n", path, email);
    return EXIT_OK;
}

/* ---------------------------------------------------------------------- */
/* import                                                                  */
/* ---------------------------------------------------------------------- */

/* Where an import reads from, for its report lines. */
typedef struct import_source {
    const char *path;
    int is_folder;   /* entries are files below path, else items in it */
} import_source_t;

/* Prints each imported file or item, failures on stderr, prefixed with
 * the source's path. */
static void import_print(void *baton, const wk_import_entry_t *entry)
{
    const import_source_t *source = baton;
    const char *separator = source->is_folder ? "/" : ": ";

    if (entry->outcome == WK_IMPORT_FAILED)
        fprintf(stderr, "writekit: %s%s%s: %s\n", source->path, separator,
                entry->path, entry->message);
    else
        printf("%s%s%s: %s\n", source->path, separator, entry->path,
               entry->message);
}

/* Parses a positive byte count with no trailing characters. */
static int bytes_parse(apr_size_t *bytes, const char *text)
{
    apr_int64_t value;
    char *end;

    if (!apr_isdigit(text[0]))
        return -1;
    errno = 0;
    value = apr_strtoi64(text, &end, 10);
    if (errno != 0 || *end != '\0' || value <= 0)
        return -1;
    *bytes = (apr_size_t)value;
    return 0;
}

static int command_import(int argc, const char *const *argv,
                          apr_pool_t *pool)
{
    static const char *const allowed[] = {
        "--max-post-size", "--media-prefix", "--media", "--private",
        "--max-archive-size", NULL
    };
    wk_import_options_t options;
    wk_import_counts_t counts;
    wk_import_source_t kind;
    import_source_t source;
    const char *path, *dir, *value;
    cli_args_t args;
    wk_db_t *db;
    char *error;
    int status;

    status = args_read(&args, argc, argv, allowed, 2, "import", pool);
    if (status != EXIT_OK)
        return status;
    path = arg_at(&args, 0);
    dir = arg_at(&args, 1);
    while (strlen(dir) > 1 && dir[strlen(dir) - 1] == '/')
        dir = apr_pstrmemdup(pool, dir, strlen(dir) - 1);

    wk_import_options_default(&options);
    value = apr_table_get(args.options, "--max-post-size");
    if (value != NULL
        && bytes_parse(&options.limits.max_source_bytes, value) != 0)
        return usage_error(apr_psprintf(pool, "--max-post-size takes a "
                                        "positive number of bytes, not "
                                        "'%s'", value));
    value = apr_table_get(args.options, "--media-prefix");
    if (value != NULL) {
        if (value[0] != '/' && strncmp(value, "../", 3) != 0)
            return usage_error("--media-prefix must start with '/' or "
                               "'../'");
        options.media_prefix = value;
    }
    value = apr_table_get(args.options, "--max-archive-size");
    if (value != NULL) {
        apr_size_t bytes;

        if (bytes_parse(&bytes, value) != 0)
            return usage_error(apr_psprintf(pool, "--max-archive-size takes "
                                            "a positive number of bytes, "
                                            "not '%s'", value));
        options.max_archive_bytes = bytes;
    }
    options.media_source = apr_table_get(args.options, "--media");
    value = apr_table_get(args.options, "--private");
    if (value != NULL && strcmp(value, "draft") != 0
        && strcmp(value, "skip") != 0)
        return usage_error(apr_psprintf(pool, "--private takes 'skip' or "
                                        "'draft', not '%s'", value));
    options.private_as_drafts = value != NULL && strcmp(value, "draft") == 0;
    if (wk_import_detect(&kind, dir, &error, pool) != APR_SUCCESS) {
        fail(NULL, error);
        return EXIT_FAILED;
    }
    source.path = dir;
    source.is_folder = kind == WK_SOURCE_FOLDER;
    options.report = import_print;
    options.baton = &source;

    if (tenant_open(&db, path, 0, pool) != EXIT_OK)
        return EXIT_FAILED;
    if (wk_import(&counts, db, dir, &options, &error, pool) != APR_SUCCESS) {
        fail(NULL, apr_pstrcat(pool, error, "; nothing was imported", NULL));
        wk_db_close(db);
        return EXIT_FAILED;
    }
    wk_db_close(db);
    printf("%s: %d imported, %d updated, %d unchanged, %d images stored, "
           "%d ignored, %d failed, %d notices\n", path, counts.created,
           counts.updated, counts.unchanged, counts.stored, counts.ignored,
           counts.failed, counts.notices);
    return counts.failed > 0 ? EXIT_FAILED : EXIT_OK;
}

/* ---------------------------------------------------------------------- */
/* export                                                                  */
/* ---------------------------------------------------------------------- */

/* Writes the WordPress export of db to the new file out. */
static apr_status_t export_wxr_write(wk_export_counts_t *counts, wk_db_t *db,
                                     const char *out, char **error,
                                     apr_pool_t *pool)
{
    apr_file_t *file;
    apr_status_t rv;
    char message[256];

    rv = apr_file_open(&file, out, APR_FOPEN_WRITE | APR_FOPEN_CREATE
                       | APR_FOPEN_EXCL | APR_FOPEN_BUFFERED,
                       APR_FPROT_OS_DEFAULT, pool);
    if (rv != APR_SUCCESS) {
        *error = apr_psprintf(pool, "%s: cannot create the file: %s%s", out,
                              apr_strerror(rv, message, sizeof(message)),
                              APR_STATUS_IS_EEXIST(rv)
                              ? " (export into a new file)" : "");
        return rv;
    }
    rv = wk_export_wxr(counts, db, file, error, pool);
    if (apr_file_close(file) != APR_SUCCESS && rv == APR_SUCCESS) {
        *error = apr_psprintf(pool, "%s: cannot write the file", out);
        rv = APR_EGENERAL;
    }
    return rv;
}

static int command_export(int argc, const char *const *argv,
                          apr_pool_t *pool)
{
    static const char *const allowed[] = { NULL };
    const char **rest = apr_pcalloc(pool, sizeof(char *) * (argc + 1));
    wk_export_counts_t counts;
    const char *path, *dir;
    cli_args_t args;
    wk_db_t *db;
    char *error;
    int status, wxr = 0, count = 0, i;
    apr_status_t rv;

    /* --wxr takes no value, which args_read() does not know. */
    for (i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--wxr") == 0)
            wxr = 1;
        else
            rest[count++] = argv[i];
    }
    status = args_read(&args, count, rest, allowed, 2, "export", pool);
    if (status != EXIT_OK)
        return status;
    path = arg_at(&args, 0);
    dir = arg_at(&args, 1);
    if (tenant_open(&db, path, 0, pool) != EXIT_OK)
        return EXIT_FAILED;
    rv = wxr ? export_wxr_write(&counts, db, dir, &error, pool)
             : wk_export_folder(&counts, db, dir, &error, pool);
    if (rv != APR_SUCCESS) {
        fail(NULL, error);
        wk_db_close(db);
        return EXIT_FAILED;
    }
    wk_db_close(db);
    printf("%s: %d posts and pages, %d images written to %s\n", path,
           counts.posts, counts.media, dir);
    return EXIT_OK;
}

/* ---------------------------------------------------------------------- */

static int command_run(int argc, const char *const *argv, apr_pool_t *pool)
{
    const char *command;

    if (argc < 2)
        return usage_error("no command given");
    command = argv[1];
    if (strcmp(command, "--help") == 0 || strcmp(command, "-h") == 0
        || strcmp(command, "help") == 0) {
        fputs(usage_text, stderr);
        return EXIT_OK;
    }
    if (strcmp(command, "init") == 0)
        return command_init(argc - 2, argv + 2, pool);
    if (strcmp(command, "migrate") == 0)
        return command_migrate(argc - 2, argv + 2, pool);
    if (strcmp(command, "restore") == 0)
        return command_restore(argc - 2, argv + 2, pool);
    if (strcmp(command, "import") == 0)
        return command_import(argc - 2, argv + 2, pool);
    if (strcmp(command, "export") == 0)
        return command_export(argc - 2, argv + 2, pool);
    if (strcmp(command, "user") == 0) {
        if (argc < 3 || strcmp(argv[2], "add") != 0)
            return usage_error("'user' takes the subcommand 'add'");
        return command_user_add(argc - 3, argv + 3, pool);
    }
    return usage_error(apr_psprintf(pool, "unknown command '%s'", command));
}

int main(int argc, const char *const *argv)
{
    apr_pool_t *pool;
    int status, i;

    if (apr_app_initialize(&argc, &argv, NULL) != APR_SUCCESS) {
        fprintf(stderr, "writekit: cannot initialize APR\n");
        return EXIT_FAILED;
    }
    atexit(apr_terminate);
    apr_pool_create(&pool, NULL);
    wk_markdown_init();

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage_text, stderr);
            return EXIT_OK;
        }
        if (strcmp(argv[i], "--") == 0)
            break;
    }
    status = command_run(argc, argv, pool);
    apr_pool_destroy(pool);
    return status;
}
