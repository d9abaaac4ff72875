/*
 * wk_auth.c: sign-in, sessions and the failed sign-in limit.
 *
 * bcrypt takes tens of milliseconds, so the password is never compared
 * while the file's write lock is held.  A sign-in instead records its
 * failure first, in a short BEGIN IMMEDIATE transaction that also checks
 * the limit, compares the password without a lock, and deletes that row
 * again when the password was right.  Concurrent attempts from several
 * processes therefore count each other, and none waits for another's
 * bcrypt.
 */
#include <string.h>

#include <apr_general.h>
#include <apr_lib.h>
#include <apr_md5.h>
#include <apr_random.h>

#include "wk_auth.h"

#define SESSION_TOKEN_BYTES 32
#define CSRF_TOKEN_BYTES    16

/*
 * A bcrypt hash, at the cost `writekit user add` uses (10), of a throwaway
 * password.  An unknown email is compared against it, so a wrong email
 * takes as long as a wrong password.
 * NOTE: a user whose hash has another cost still differs in timing.
 */
static const char dummy_hash[] =
    "$2y$10$GBtAJjzS5/oMm7jqDnxqXOT7fLIDePt/QFN3db5Ex.xOk6.GUs2vu";

/* A user row with its password hash, as sign-in reads it. */
typedef struct user_row {
    wk_user_t user;
    const char *password_hash;
} user_row_t;

const char *wk_sha256_hex(const void *data, apr_size_t size,
                          apr_pool_t *pool)
{
    apr_crypto_hash_t *hash = apr_crypto_sha256_new(pool);
    unsigned char digest[32];
    char *hex = apr_palloc(pool, sizeof(digest) * 2 + 1);
    apr_size_t i;

    hash->init(hash);
    hash->add(hash, data, size);
    hash->finish(hash, digest);
    for (i = 0; i < sizeof(digest); i++)
        apr_snprintf(hex + i * 2, 3, "%02x", digest[i]);
    return hex;
}

const char *wk_base64url_encode(const unsigned char *bytes, apr_size_t len,
                                apr_pool_t *pool)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    char *out = apr_palloc(pool, (len + 2) / 3 * 4 + 1);
    apr_size_t i, o = 0;

    for (i = 0; i + 2 < len; i += 3) {
        apr_uint32_t n = (apr_uint32_t)bytes[i] << 16
                         | (apr_uint32_t)bytes[i + 1] << 8 | bytes[i + 2];

        out[o++] = alphabet[n >> 18 & 63];
        out[o++] = alphabet[n >> 12 & 63];
        out[o++] = alphabet[n >> 6 & 63];
        out[o++] = alphabet[n & 63];
    }
    if (i < len) {
        apr_uint32_t n = (apr_uint32_t)bytes[i] << 16;

        if (i + 1 < len)
            n |= (apr_uint32_t)bytes[i + 1] << 8;
        out[o++] = alphabet[n >> 18 & 63];
        out[o++] = alphabet[n >> 12 & 63];
        if (i + 1 < len)
            out[o++] = alphabet[n >> 6 & 63];
    }
    out[o] = '\0';
    return out;
}

/* Makes a token of count random bytes, base64url without padding. */
static apr_status_t random_token(const char **token, apr_size_t count,
                                 apr_pool_t *pool)
{
    unsigned char bytes[SESSION_TOKEN_BYTES];
    apr_status_t rv;

    if (count > sizeof(bytes))
        return APR_EINVAL;
    rv = apr_generate_random_bytes(bytes, count);
    if (rv != APR_SUCCESS)
        return rv;
    *token = wk_base64url_encode(bytes, count, pool);
    memset(bytes, 0, sizeof(bytes));
    return APR_SUCCESS;
}

static const char *token_hash(const char *token, apr_pool_t *pool)
{
    return wk_sha256_hex(token, strlen(token), pool);
}

/* Lowercases ASCII, as the users table's NOCASE collation compares. */
static const char *account_key(const char *email, apr_pool_t *pool)
{
    char *key = apr_pstrdup(pool, email);
    char *c;

    for (c = key; *c; c++)
        *c = (char)apr_tolower((unsigned char)*c);
    return key;
}

static apr_int64_t seconds(apr_time_t t)
{
    return (apr_int64_t)apr_time_sec(t);
}

/* Reads a user by email; APR_NOTFOUND when there is none. */
static apr_status_t user_row_find(user_row_t *row, wk_db_t *db,
                                  const char *email, apr_pool_t *pool)
{
    sqlite3_stmt *stmt = wk_db_prepare(db,
        "SELECT id, email, display_name, password_hash FROM users"
        " WHERE email = ?1");
    int rc;

    if (stmt == NULL)
        return WK_EDB;
    sqlite3_bind_text(stmt, 1, email, -1, SQLITE_STATIC);
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        row->user.id = sqlite3_column_int64(stmt, 0);
        row->user.email = apr_pstrdup(pool,
            (const char *)sqlite3_column_text(stmt, 1));
        row->user.display_name = apr_pstrdup(pool,
            (const char *)sqlite3_column_text(stmt, 2));
        row->password_hash = apr_pstrdup(pool,
            (const char *)sqlite3_column_text(stmt, 3));
    }
    sqlite3_reset(stmt);
    if (rc == SQLITE_ROW)
        return APR_SUCCESS;
    return rc == SQLITE_DONE ? APR_NOTFOUND : WK_EDB;
}

apr_status_t wk_user_find(wk_user_t **user, wk_db_t *db, const char *email,
                          apr_pool_t *pool)
{
    user_row_t *row = apr_pcalloc(pool, sizeof(*row));
    apr_status_t rv;

    if (email == NULL || *email == '\0')
        return APR_NOTFOUND;
    rv = user_row_find(row, db, email, pool);
    /* The users table compares emails without case, which suits sign-in
     * by hand, but Apache's user names may differ only in case between
     * two accounts, so only an exact match maps one to an author. */
    if (rv == APR_SUCCESS && strcmp(row->user.email, email) != 0)
        rv = APR_NOTFOUND;
    if (rv == APR_SUCCESS)
        *user = &row->user;
    return rv;
}

/*
 * Finds when the attempts that a prepared query counts stop locking
 * sign-in out.  Sets *until to 0 when fewer than max lie in the window,
 * else to the second the max-th newest one leaves it.  With
 * failures_only, an attempt still being checked counts only once it is
 * older than WK_LOGIN_PENDING_MAX.
 */
static apr_status_t locked_until(apr_int64_t *until, sqlite3_stmt *stmt,
                                 int max, int failures_only,
                                 const wk_login_limits_t *limits,
                                 apr_time_t now)
{
    apr_int64_t window = seconds(limits->window);
    apr_int64_t pending_since = failures_only
        ? seconds(now) - seconds(WK_LOGIN_PENDING_MAX) : APR_INT64_MAX;
    int rc;

    if (stmt == NULL)
        return WK_EDB;
    sqlite3_bind_int64(stmt, 2, seconds(now) - window);
    sqlite3_bind_int(stmt, 3, max - 1);
    sqlite3_bind_int64(stmt, 5, pending_since);
    rc = sqlite3_step(stmt);
    *until = rc == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) + window : 0;
    sqlite3_reset(stmt);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? APR_SUCCESS : WK_EDB;
}

/* The lock of one account from one client address. */
static apr_status_t pair_locked_until(apr_int64_t *until, wk_db_t *db,
                                      const char *account,
                                      const char *client_addr,
                                      int failures_only,
                                      const wk_login_limits_t *limits,
                                      apr_time_t now)
{
    sqlite3_stmt *stmt = wk_db_prepare(db,
        "SELECT failed_at FROM login_failures"
        " WHERE account = ?1 AND client_addr = ?4 AND failed_at > ?2"
        " AND (pending = 0 OR failed_at <= ?5)"
        " ORDER BY failed_at DESC LIMIT 1 OFFSET ?3");

    if (stmt != NULL) {
        sqlite3_bind_text(stmt, 1, account, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 4, client_addr, -1, SQLITE_STATIC);
    }
    return locked_until(until, stmt, limits->max_failures, failures_only,
                        limits, now);
}

/* The lock of one client address, whatever the accounts. */
static apr_status_t address_locked_until(apr_int64_t *until, wk_db_t *db,
                                         const char *client_addr,
                                         int failures_only,
                                         const wk_login_limits_t *limits,
                                         apr_time_t now)
{
    sqlite3_stmt *stmt = wk_db_prepare(db,
        "SELECT failed_at FROM login_failures"
        " WHERE client_addr = ?1 AND failed_at > ?2"
        " AND (pending = 0 OR failed_at <= ?5)"
        " ORDER BY failed_at DESC LIMIT 1 OFFSET ?3");

    if (stmt != NULL)
        sqlite3_bind_text(stmt, 1, client_addr, -1, SQLITE_STATIC);
    return locked_until(until, stmt, limits->max_address_failures,
                        failures_only, limits, now);
}

/* The later of the account's and the address's locks, counting either
 * failures only or every attempt. */
static apr_status_t login_locked_until(apr_int64_t *until, wk_db_t *db,
                                       const char *account,
                                       const char *client_addr,
                                       int failures_only,
                                       const wk_login_limits_t *limits,
                                       apr_time_t now)
{
    apr_int64_t account_until, address_until;
    apr_status_t rv;

    rv = pair_locked_until(&account_until, db, account, client_addr,
                           failures_only, limits, now);
    if (rv == APR_SUCCESS)
        rv = address_locked_until(&address_until, db, client_addr,
                                  failures_only, limits, now);
    *until = account_until > address_until ? account_until : address_until;
    return rv;
}

/* Deletes failures that have left the window. */
static apr_status_t failures_prune(wk_db_t *db,
                                   const wk_login_limits_t *limits,
                                   apr_time_t now, apr_pool_t *pool)
{
    sqlite3_stmt *stmt = wk_db_prepare(db,
        "DELETE FROM login_failures WHERE failed_at <= ?1");
    char *error;

    if (stmt == NULL)
        return WK_EDB;
    sqlite3_bind_int64(stmt, 1, seconds(now) - seconds(limits->window));
    return wk_db_step_done(db, stmt, &error, pool);
}

/* Records an attempt whose password check has not ended yet. */
static apr_status_t failure_insert(apr_int64_t *id, wk_db_t *db,
                                   const char *account,
                                   const char *client_addr, apr_time_t now,
                                   apr_pool_t *pool)
{
    sqlite3_stmt *stmt = wk_db_prepare(db,
        "INSERT INTO login_failures (account, client_addr, failed_at,"
        " pending) VALUES (?1, ?2, ?3, 1)");
    char *error;
    apr_status_t rv;

    if (stmt == NULL)
        return WK_EDB;
    sqlite3_bind_text(stmt, 1, account, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, client_addr, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 3, seconds(now));
    rv = wk_db_step_done(db, stmt, &error, pool);
    *id = sqlite3_last_insert_rowid(wk_db_handle(db));
    return rv;
}

/* Runs sql, a statement on one attempt's row, with id as ?1. */
static apr_status_t failure_row_run(wk_db_t *db, const char *sql,
                                    apr_int64_t id, apr_pool_t *pool)
{
    sqlite3_stmt *stmt = wk_db_prepare(db, sql);
    char *error;

    if (stmt == NULL)
        return WK_EDB;
    sqlite3_bind_int64(stmt, 1, id);
    return wk_db_step_done(db, stmt, &error, pool);
}

/* Keeps an attempt whose password was wrong as a failure. */
static apr_status_t failure_confirm(wk_db_t *db, apr_int64_t id,
                                    apr_pool_t *pool)
{
    return failure_row_run(db,
        "UPDATE login_failures SET pending = 0 WHERE id = ?1", id, pool);
}

static apr_status_t failure_delete(wk_db_t *db, apr_int64_t id,
                                   apr_pool_t *pool)
{
    return failure_row_run(db, "DELETE FROM login_failures WHERE id = ?1",
                           id, pool);
}

/*
 * Checks the limit and, when the attempt may go on, records it as a
 * failure, all in one transaction.  Returns WK_ELIMITED with
 * *retry_after, or APR_SUCCESS with *failure_id.
 */
static apr_status_t attempt_begin(apr_int64_t *failure_id,
                                  apr_interval_time_t *retry_after,
                                  wk_db_t *db, const char *account,
                                  const char *client_addr,
                                  const wk_login_limits_t *limits,
                                  apr_time_t now, apr_pool_t *pool)
{
    apr_int64_t until = 0;
    char *error;
    apr_status_t rv;

    rv = wk_db_begin(db, &error, pool);
    if (rv != APR_SUCCESS)
        return rv;

    rv = failures_prune(db, limits, now, pool);
    if (rv == APR_SUCCESS)
        rv = login_locked_until(&until, db, account, client_addr, 1, limits,
                                now);
    if (rv == APR_SUCCESS && until > 0) {
        /* At least one second, so a client never retries at once. */
        until -= seconds(now);
        *retry_after = apr_time_from_sec(until > 0 ? until : 1);
        rv = WK_ELIMITED;
    }

    /* Attempts still being checked end within about a bcrypt, and one
     * of them may be a right password that frees its place. */
    if (rv == APR_SUCCESS)
        rv = login_locked_until(&until, db, account, client_addr, 0, limits,
                                now);
    if (rv == APR_SUCCESS && until > 0) {
        *retry_after = WK_LOGIN_PENDING_RETRY;
        rv = WK_ELIMITED;
    }
    if (rv == APR_SUCCESS)
        rv = failure_insert(failure_id, db, account, client_addr, now, pool);

    if (rv != APR_SUCCESS && rv != WK_ELIMITED) {
        wk_db_rollback(db);
        return rv;
    }
    if (wk_db_commit(db, &error, pool) != APR_SUCCESS) {
        wk_db_rollback(db);
        return WK_EDB;
    }
    return rv;
}

/* Compares password with the user's hash, or with dummy_hash when the
 * email is unknown, so both paths cost one bcrypt. */
static apr_status_t password_check(user_row_t **found, wk_db_t *db,
                                   const char *email, const char *password,
                                   apr_pool_t *pool)
{
    user_row_t *row = apr_pcalloc(pool, sizeof(*row));
    apr_status_t rv;

    rv = user_row_find(row, db, email, pool);
    if (rv != APR_SUCCESS && rv != APR_NOTFOUND)
        return rv;
    /* An account whose hash is not bcrypt's, such as the "!" of an
     * exported copy, signs no one in. */
    if (rv == APR_NOTFOUND || strncmp(row->password_hash, "$2", 2) != 0) {
        apr_password_validate(password, dummy_hash);
        return WK_EAUTH;
    }
    if (apr_password_validate(password, row->password_hash) != APR_SUCCESS)
        return WK_EAUTH;
    *found = row;
    return APR_SUCCESS;
}

apr_status_t wk_auth_login(wk_user_t **user, apr_interval_time_t *retry_after,
                           wk_db_t *db, const char *email,
                           const char *password, const char *client_addr,
                           const wk_login_limits_t *limits, apr_time_t now,
                           apr_pool_t *pool)
{
    wk_login_limits_t defaults = { WK_LOGIN_DEFAULT_MAX_FAILURES,
                                   WK_LOGIN_DEFAULT_MAX_ADDRESS_FAILURES,
                                   WK_LOGIN_DEFAULT_WINDOW };
    apr_int64_t failure_id = 0;
    user_row_t *row = NULL;
    apr_status_t rv;

    if (limits == NULL || limits->max_failures < 1
        || limits->max_address_failures < 1 || limits->window <= 0)
        limits = &defaults;
    if (email == NULL)
        email = "";
    if (password == NULL)
        password = "";
    if (client_addr == NULL)
        client_addr = "";

    rv = attempt_begin(&failure_id, retry_after, db, account_key(email, pool),
                       client_addr, limits, now, pool);
    if (rv != APR_SUCCESS)
        return rv;

    rv = password_check(&row, db, email, password, pool);
    if (rv == WK_EAUTH && failure_confirm(db, failure_id, pool)
                          != APR_SUCCESS)
        return WK_EDB;
    if (rv != APR_SUCCESS)
        return rv;

    /* A single statement needs no BEGIN IMMEDIATE: it takes the write
     * lock at once and waits on the busy timeout like any writer. */
    rv = failure_delete(db, failure_id, pool);
    if (rv != APR_SUCCESS)
        return rv;
    *user = &row->user;
    return APR_SUCCESS;
}

static apr_status_t sessions_prune(wk_db_t *db, apr_time_t now,
                                   char **error, apr_pool_t *pool)
{
    sqlite3_stmt *stmt = wk_db_statement(db,
        "DELETE FROM sessions WHERE expires_at <= ?1", error, pool);

    if (stmt == NULL)
        return WK_EDB;
    sqlite3_bind_int64(stmt, 1, seconds(now));
    return wk_db_step_done(db, stmt, error, pool);
}

static apr_status_t session_insert(wk_session_t *session, wk_db_t *db,
                                   const char *hash, apr_time_t now,
                                   char **error, apr_pool_t *pool)
{
    sqlite3_stmt *stmt = wk_db_statement(db,
        "INSERT INTO sessions (token_hash, csrf_token, user_id, created_at,"
        " expires_at) VALUES (?1, ?2, ?3, ?4, ?5)", error, pool);
    apr_status_t rv;

    if (stmt == NULL)
        return WK_EDB;
    sqlite3_bind_text(stmt, 1, hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, session->csrf_token, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 3, session->user.id);
    sqlite3_bind_int64(stmt, 4, seconds(now));
    sqlite3_bind_int64(stmt, 5, seconds(session->expires_at));
    rv = wk_db_step_done(db, stmt, error, pool);
    session->id = sqlite3_last_insert_rowid(wk_db_handle(db));
    return rv;
}

/* Fills session->user from the users table; WK_EINVAL for no such user. */
static apr_status_t session_user_load(wk_session_t *session, wk_db_t *db,
                                      char **error, apr_pool_t *pool)
{
    sqlite3_stmt *stmt = wk_db_statement(db,
        "SELECT email, display_name FROM users WHERE id = ?1", error, pool);
    int rc;

    if (stmt == NULL)
        return WK_EDB;
    sqlite3_bind_int64(stmt, 1, session->user.id);
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        session->user.email = apr_pstrdup(pool,
            (const char *)sqlite3_column_text(stmt, 0));
        session->user.display_name = apr_pstrdup(pool,
            (const char *)sqlite3_column_text(stmt, 1));
    }
    sqlite3_reset(stmt);
    if (rc == SQLITE_ROW)
        return APR_SUCCESS;
    if (rc == SQLITE_DONE) {
        *error = apr_psprintf(pool, "no user with id %" APR_INT64_T_FMT,
                              session->user.id);
        return WK_EINVAL;
    }
    *error = apr_psprintf(pool, "%s: %s", wk_db_path(db),
                          sqlite3_errmsg(wk_db_handle(db)));
    return WK_EDB;
}

apr_status_t wk_session_create(const char **token, wk_session_t **out,
                               wk_db_t *db, apr_int64_t user_id,
                               apr_interval_time_t lifetime, apr_time_t now,
                               char **error, apr_pool_t *pool)
{
    wk_session_t *session = apr_pcalloc(pool, sizeof(*session));
    const char *secret;
    apr_status_t rv;

    if (lifetime <= 0)
        lifetime = WK_SESSION_DEFAULT_LIFETIME;
    rv = random_token(&secret, SESSION_TOKEN_BYTES, pool);
    if (rv == APR_SUCCESS)
        rv = random_token(&session->csrf_token, CSRF_TOKEN_BYTES, pool);
    if (rv != APR_SUCCESS) {
        *error = "no random bytes for a session token";
        return rv;
    }
    session->user.id = user_id;
    session->expires_at = now + lifetime;

    rv = wk_db_begin(db, error, pool);
    if (rv != APR_SUCCESS)
        return rv;
    rv = session_user_load(session, db, error, pool);
    if (rv == APR_SUCCESS)
        rv = sessions_prune(db, now, error, pool);
    if (rv == APR_SUCCESS)
        rv = session_insert(session, db, token_hash(secret, pool), now,
                            error, pool);
    if (rv == APR_SUCCESS)
        rv = wk_db_commit(db, error, pool);
    if (rv != APR_SUCCESS) {
        wk_db_rollback(db);
        return rv;
    }

    *token = secret;
    *out = session;
    return APR_SUCCESS;
}

apr_status_t wk_session_lookup(wk_session_t **out, wk_db_t *db,
                               const char *token, apr_time_t now,
                               apr_pool_t *pool)
{
    sqlite3_stmt *stmt;
    wk_session_t *session;
    int rc;

    if (token == NULL || *token == '\0')
        return APR_NOTFOUND;
    stmt = wk_db_prepare(db,
        "SELECT s.id, s.csrf_token, s.expires_at, u.id, u.email,"
        " u.display_name FROM sessions s JOIN users u ON u.id = s.user_id"
        " WHERE s.token_hash = ?1 AND s.expires_at > ?2");
    if (stmt == NULL)
        return WK_EDB;
    sqlite3_bind_text(stmt, 1, token_hash(token, pool), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(stmt, 2, seconds(now));
    rc = sqlite3_step(stmt);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(stmt);
        return rc == SQLITE_DONE ? APR_NOTFOUND : WK_EDB;
    }

    session = apr_pcalloc(pool, sizeof(*session));
    session->id = sqlite3_column_int64(stmt, 0);
    session->csrf_token = apr_pstrdup(pool,
        (const char *)sqlite3_column_text(stmt, 1));
    session->expires_at = apr_time_from_sec(sqlite3_column_int64(stmt, 2));
    session->user.id = sqlite3_column_int64(stmt, 3);
    session->user.email = apr_pstrdup(pool,
        (const char *)sqlite3_column_text(stmt, 4));
    session->user.display_name = apr_pstrdup(pool,
        (const char *)sqlite3_column_text(stmt, 5));
    sqlite3_reset(stmt);
    *out = session;
    return APR_SUCCESS;
}

apr_status_t wk_session_revoke(wk_db_t *db, const char *token,
                               apr_pool_t *pool)
{
    sqlite3_stmt *stmt;
    char *error;

    if (token == NULL || *token == '\0')
        return APR_SUCCESS;
    stmt = wk_db_prepare(db, "DELETE FROM sessions WHERE token_hash = ?1");
    if (stmt == NULL)
        return WK_EDB;
    sqlite3_bind_text(stmt, 1, token_hash(token, pool), -1, SQLITE_TRANSIENT);
    return wk_db_step_done(db, stmt, &error, pool);
}
