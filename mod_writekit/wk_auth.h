/*
 * wk_auth.h: authors, sign-in and sessions of one tenant.
 *
 * Everything lives in the tenant file, so a session of one blog opens
 * nothing on another.  A session token is 32 random bytes sent to the
 * browser once, base64url-encoded; the file keeps only its SHA-256.
 * Failed sign-ins are counted per account and per client address in the
 * file too, so every httpd process sees the same counts.
 */
#ifndef WK_AUTH_H
#define WK_AUTH_H

#include "wk_store.h"

typedef struct wk_user {
    apr_int64_t id;
    const char *email;
    const char *display_name;
} wk_user_t;

typedef struct wk_session {
    apr_int64_t id;
    wk_user_t user;
    const char *csrf_token;   /* sent with state-changing requests */
    apr_time_t expires_at;
} wk_session_t;

/*
 * How many failures in how long lock sign-in out: for one account from
 * one client address, and for one address whatever the account.  No
 * limit counts an account's failures over all addresses, because then
 * anyone with an author's email could keep the author out.
 */
typedef struct wk_login_limits {
    int max_failures;               /* per account from one address */
    int max_address_failures;       /* per address, any account */
    apr_interval_time_t window;     /* failures older than this expire */
} wk_login_limits_t;

#define WK_LOGIN_DEFAULT_MAX_FAILURES 5
#define WK_LOGIN_DEFAULT_MAX_ADDRESS_FAILURES 20
#define WK_LOGIN_DEFAULT_WINDOW       apr_time_from_sec(900)

/*
 * An attempt whose password check has not ended within this time counts
 * as a failure, because its process may have died during the check.  A
 * check costs one bcrypt, which takes far less.
 */
#define WK_LOGIN_PENDING_MAX          apr_time_from_sec(10)

/* The Retry-After of a lock that only attempts still being checked
 * make, which end within about a bcrypt. */
#define WK_LOGIN_PENDING_RETRY        apr_time_from_sec(1)
#define WK_SESSION_DEFAULT_LIFETIME   apr_time_from_sec(14 * 86400)

/*
 * Checks email and password (bcrypt, apr_password_validate) for a sign-in
 * from client_addr at now.  Returns APR_SUCCESS with *user, WK_EAUTH for a
 * wrong email or password (the same status for both), or WK_ELIMITED with
 * *retry_after when the account (the email lowercased) has max_failures
 * attempts from client_addr, or client_addr has max_address_failures,
 * within the window.  Attempts still being checked count too, so that
 * attempts at once cannot pass the limit together.  When failures alone
 * reach the limit, *retry_after runs until the oldest of them that keeps
 * the lock leaves the window.  When attempts still being checked are
 * needed to reach it, *retry_after is WK_LOGIN_PENDING_RETRY.  A limited
 * attempt does not check the password at all and is not counted.  A
 * failure is recorded before returning; a success removes only its own
 * attempt from the count.  limits NULL means the defaults.  WK_EDB when
 * SQLite fails.
 */
apr_status_t wk_auth_login(wk_user_t **user, apr_interval_time_t *retry_after,
                           wk_db_t *db, const char *email,
                           const char *password, const char *client_addr,
                           const wk_login_limits_t *limits, apr_time_t now,
                           apr_pool_t *pool);

/*
 * Creates a session for user_id that expires after lifetime.  *token is
 * the cookie value; it is never stored.
 */
apr_status_t wk_session_create(const char **token, wk_session_t **session,
                               wk_db_t *db, apr_int64_t user_id,
                               apr_interval_time_t lifetime, apr_time_t now,
                               char **error, apr_pool_t *pool);

/* Finds the live session of token; APR_NOTFOUND when unknown, revoked or
 * expired. */
apr_status_t wk_session_lookup(wk_session_t **session, wk_db_t *db,
                               const char *token, apr_time_t now,
                               apr_pool_t *pool);

/* Revokes the session of token; revoking an unknown token succeeds. */
apr_status_t wk_session_revoke(wk_db_t *db, const char *token,
                               apr_pool_t *pool);

/* Finds the author whose email is exactly email (case included), for
 * sign-in done by Apache's own authentication, whose user names may
 * differ only in case; APR_NOTFOUND when there is none. */
apr_status_t wk_user_find(wk_user_t **user, wk_db_t *db, const char *email,
                          apr_pool_t *pool);

/* Returns the SHA-256 of data as 64 lowercase hex digits. */
const char *wk_sha256_hex(const void *data, apr_size_t size,
                          apr_pool_t *pool);

/* Encodes bytes as base64url (RFC 4648, section 5) without padding. */
const char *wk_base64url_encode(const unsigned char *bytes, apr_size_t len,
                                apr_pool_t *pool);

#endif
