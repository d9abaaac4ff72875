/*
 * auth_test.c: sign-in, the failed sign-in limit and sessions against real
 * tenant files, including sign-ins from several processes at once.
 */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <apr_general.h>
#include <apr_md5.h>

#include "tap.h"
#include "wk_auth.h"

#define PASSWORD "correct horse battery"

static const char *tmpdir;

static wk_db_t *open_db(const char *name, apr_pool_t *pool)
{
    wk_db_t *db = NULL;
    char *error = NULL;
    apr_status_t rv = wk_db_open(&db, apr_pstrcat(pool, tmpdir, "/", name,
                                                  NULL),
                                 WK_DB_CREATE | WK_DB_MIGRATE, &error, pool);

    if (rv != APR_SUCCESS)
        diag("open %s: %s", name, error);
    return db;
}

/* Adds a user whose bcrypt hash has cost; the tests use a low cost to
 * stay fast where timing does not matter. */
static void user_add(wk_db_t *db, const char *email, int cost,
                     apr_pool_t *pool)
{
    unsigned char salt[16];
    char hash[64], *error = NULL;

    apr_generate_random_bytes(salt, sizeof(salt));
    apr_bcrypt_encode(PASSWORD, (unsigned int)cost, salt, sizeof(salt), hash,
                      sizeof(hash));
    ok(wk_user_add(db, email, hash, &error, pool) == APR_SUCCESS,
       "add user %s", email);
}

static int failure_rows(wk_db_t *db)
{
    sqlite3_stmt *stmt;
    int count = -1;

    sqlite3_prepare_v2(wk_db_handle(db), "SELECT count(*) FROM login_failures",
                       -1, &stmt, NULL);
    if (sqlite3_step(stmt) == SQLITE_ROW)
        count = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
    return count;
}

static apr_status_t login(wk_db_t *db, const char *email,
                          const char *password, const char *addr,
                          apr_time_t now, apr_interval_time_t *retry_after,
                          apr_pool_t *pool)
{
    wk_login_limits_t limits = { 3, 10, apr_time_from_sec(60) };
    wk_user_t *user = NULL;
    apr_interval_time_t retry = 0;
    apr_status_t rv;

    rv = wk_auth_login(&user, &retry, db, email, password, addr, &limits,
                       now, pool);
    if (retry_after)
        *retry_after = retry;
    return rv;
}

static void test_login_checks(apr_pool_t *pool)
{
    wk_db_t *db = open_db("login.db", pool);
    wk_user_t *user = NULL, *found = NULL;
    apr_interval_time_t retry = 0;
    apr_time_t now = apr_time_from_sec(1700000000);
    apr_status_t rv;

    user_add(db, "Ada@Example.org", 4, pool);
    rv = wk_auth_login(&user, &retry, db, "ada@example.org", PASSWORD,
                       "192.0.2.1", NULL, now, pool);
    ok(rv == APR_SUCCESS, "login right password");
    ok(user != NULL && user->id > 0, "login returns the user");
    is_str(user ? user->email : NULL, "Ada@Example.org",
           "login returns the stored email");
    ok(failure_rows(db) == 0, "login success leaves no failure row");

    ok(login(db, "ada@example.org", "wrong password", "192.0.2.1", now, NULL,
             pool) == WK_EAUTH, "login wrong password is WK_EAUTH");
    ok(login(db, "nobody@example.org", PASSWORD, "192.0.2.1", now, NULL,
             pool) == WK_EAUTH, "login unknown email is WK_EAUTH");
    ok(login(db, "", "", "", now, NULL, pool) == WK_EAUTH,
       "login empty fields is WK_EAUTH");
    ok(failure_rows(db) == 3, "each failure is recorded");

    ok(wk_user_find(&found, db, "Ada@Example.org", pool) == APR_SUCCESS,
       "user find by exact email");
    ok(found && found->id == user->id, "user find returns the same user");
    ok(wk_user_find(&found, db, "ada@example.org", pool) == APR_NOTFOUND,
       "user find needs the exact case");
    ok(wk_user_find(&found, db, "eve@example.org", pool) == APR_NOTFOUND,
       "user find unknown is APR_NOTFOUND");
}

/* An exported copy keeps its authors with the hash "!"; no password,
 * that one and the empty one included, signs them in. */
static void test_login_locked_hash(apr_pool_t *pool)
{
    wk_db_t *db = open_db("locked.db", pool);
    apr_time_t now = apr_time_from_sec(1700000000);
    char *error = NULL;

    ok(wk_user_add(db, "locked@example.org", "!", &error, pool)
       == APR_SUCCESS, "add user with a locked hash");
    ok(login(db, "locked@example.org", "!", "192.0.2.9", now, NULL, pool)
       == WK_EAUTH, "locked hash rejects its own text");
    ok(login(db, "locked@example.org", "", "192.0.2.9", now, NULL, pool)
       == WK_EAUTH, "locked hash rejects an empty password");
    ok(login(db, "locked@example.org", PASSWORD, "192.0.2.9", now, NULL, pool)
       == WK_EAUTH, "locked hash rejects any password");
}

static void test_login_limit_account(apr_pool_t *pool)
{
    wk_db_t *db = open_db("limit-account.db", pool);
    apr_time_t t0 = apr_time_from_sec(1700000000);
    apr_interval_time_t retry = 0;
    int rows;

    user_add(db, "ada@example.org", 4, pool);
    login(db, "ada@example.org", "guess 1", "192.0.2.1", t0, NULL, pool);
    login(db, "ADA@example.org", "guess 2", "192.0.2.1", t0
          + apr_time_from_sec(10), NULL, pool);
    login(db, "ada@example.org", "guess 3", "192.0.2.1", t0
          + apr_time_from_sec(20), NULL, pool);

    rows = failure_rows(db);
    ok(login(db, "ada@example.org", PASSWORD, "192.0.2.1",
             t0 + apr_time_from_sec(30), &retry, pool) == WK_ELIMITED,
       "account limit rejects the right password from that address");
    ok(retry == apr_time_from_sec(30),
       "account limit retry_after is until the oldest leaves (%" APR_INT64_T_FMT
       " us)", (apr_int64_t)retry);
    ok(failure_rows(db) == rows, "limited attempt is not recorded");
    ok(login(db, "ada@example.org", PASSWORD, "192.0.2.4",
             t0 + apr_time_from_sec(30), NULL, pool) == APR_SUCCESS,
       "account limit leaves other addresses alone");

    ok(login(db, "ada@example.org", PASSWORD, "192.0.2.1",
             t0 + apr_time_from_sec(60), NULL, pool) == APR_SUCCESS,
       "account limit ends with the window");
    ok(failure_rows(db) == 2, "expired failures are pruned");
}

/* Failures for one account spread over many addresses lock no one out,
 * because otherwise anyone with an author's email could keep the author
 * out. */
static void test_login_no_account_lockout(apr_pool_t *pool)
{
    wk_db_t *db = open_db("limit-spread.db", pool);
    apr_time_t t0 = apr_time_from_sec(1700000000);
    int i;

    user_add(db, "ada@example.org", 4, pool);
    for (i = 0; i < 12; i++)
        login(db, "ada@example.org", "guess",
              apr_psprintf(pool, "203.0.113.%d", i + 1), t0, NULL, pool);
    ok(failure_rows(db) == 12, "spread failures are recorded");
    ok(login(db, "ada@example.org", PASSWORD, "192.0.2.200", t0, NULL, pool)
       == APR_SUCCESS, "spread failures leave the account open");
}

static void test_login_limit_address(apr_pool_t *pool)
{
    wk_db_t *db = open_db("limit-address.db", pool);
    wk_login_limits_t limits = { 3, 4, apr_time_from_sec(60) };
    apr_time_t t0 = apr_time_from_sec(1700000000);
    apr_interval_time_t retry = 0;
    wk_user_t *user = NULL;
    const char *const guesses[] = { "a", "b", "c", "d" };
    int i;

    user_add(db, "ada@example.org", 4, pool);
    for (i = 0; i < 4; i++)
        wk_auth_login(&user, &retry, db,
                      apr_pstrcat(pool, guesses[i], "@example.org", NULL),
                      "x", "198.51.100.7", &limits,
                      t0 + apr_time_from_sec(i < 2 ? 0 : 5), pool);

    retry = 0;
    ok(wk_auth_login(&user, &retry, db, "ada@example.org", PASSWORD,
                     "198.51.100.7", &limits, t0 + apr_time_from_sec(5),
                     pool) == WK_ELIMITED,
       "address limit rejects another account");
    ok(retry == apr_time_from_sec(55), "address limit retry_after is 55 s");
    ok(wk_auth_login(&user, &retry, db, "ada@example.org", PASSWORD,
                     "198.51.100.8", &limits, t0 + apr_time_from_sec(5),
                     pool) == APR_SUCCESS,
       "address limit leaves other addresses alone");
}

/* Times one failed sign-in; the limit is high enough to stay out of it. */
static double elapsed_ms(wk_db_t *db, const char *email, apr_pool_t *pool)
{
    wk_login_limits_t limits = { 1000, 1000, apr_time_from_sec(60) };
    apr_time_t start = apr_time_now();
    apr_interval_time_t retry;
    wk_user_t *user;

    wk_auth_login(&user, &retry, db, email, "wrong password", "203.0.113.1",
                  &limits, start, pool);
    return (double)(apr_time_now() - start) / 1000.0;
}

static void test_login_timing(apr_pool_t *pool)
{
    wk_db_t *db = open_db("timing.db", pool);
    double known = 0, unknown = 0;
    int i;

    /* Cost 10, like `writekit user add`, so both paths run one bcrypt of
     * the same cost. */
    user_add(db, "ada@example.org", 10, pool);
    for (i = 0; i < 3; i++) {
        known += elapsed_ms(db, "ada@example.org", pool);
        unknown += elapsed_ms(db, "nobody@example.org", pool);
    }
    ok(unknown > known / 2 && unknown < known * 2,
       "unknown email costs a bcrypt too (%.1f ms vs %.1f ms)", unknown / 3,
       known / 3);
}

static void test_sessions(apr_pool_t *pool)
{
    wk_db_t *db = open_db("sessions.db", pool);
    apr_time_t now = apr_time_from_sec(1700000000);
    wk_session_t *session = NULL, *found = NULL;
    const char *token = NULL;
    char *error = NULL;
    sqlite3_stmt *stmt;
    int leaked = -1;
    apr_status_t rv;

    user_add(db, "ada@example.org", 4, pool);
    rv = wk_session_create(&token, &session, db, 1, apr_time_from_sec(3600),
                           now, &error, pool);
    ok(rv == APR_SUCCESS, "session create (%s)", error ? error : "no error");
    ok(token && strlen(token) == 43, "session token is 32 bytes base64url");
    ok(token && strspn(token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrs"
                       "tuvwxyz0123456789-_") == 43,
       "session token has only base64url characters");
    ok(session && strlen(session->csrf_token) == 22,
       "csrf token is 16 bytes base64url");
    is_str(session ? session->user.email : NULL, "ada@example.org",
           "session carries its user");

    sqlite3_prepare_v2(wk_db_handle(db), "SELECT count(*) FROM sessions"
                       " WHERE token_hash = ?1 OR csrf_token = ?1", -1,
                       &stmt, NULL);
    sqlite3_bind_text(stmt, 1, token, -1, SQLITE_STATIC);
    if (sqlite3_step(stmt) == SQLITE_ROW)
        leaked = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
    ok(leaked == 0, "session token is not stored");

    rv = wk_session_lookup(&found, db, token, now + apr_time_from_sec(10),
                           pool);
    ok(rv == APR_SUCCESS, "session lookup finds the session");
    is_str(found ? found->csrf_token : NULL, session->csrf_token,
           "session lookup returns the csrf token");
    ok(wk_session_lookup(&found, db, token, now + apr_time_from_sec(3600),
                         pool) == APR_NOTFOUND,
       "session lookup after expiry is APR_NOTFOUND");
    ok(wk_session_lookup(&found, db, "bm90IGEgdG9rZW4", now, pool)
       == APR_NOTFOUND, "session lookup unknown token");
    ok(wk_session_lookup(&found, db, "", now, pool) == APR_NOTFOUND,
       "session lookup empty token");

    ok(wk_session_revoke(db, token, pool) == APR_SUCCESS, "session revoke");
    ok(wk_session_lookup(&found, db, token, now, pool) == APR_NOTFOUND,
       "revoked session is gone");
    ok(wk_session_revoke(db, "unknown", pool) == APR_SUCCESS,
       "revoking an unknown token succeeds");

    rv = wk_session_create(&token, &session, db, 999, 0, now, &error, pool);
    ok(rv == WK_EINVAL, "session for unknown user is WK_EINVAL");
}

/* Signs in rounds times from a new connection; returns the number of
 * results other than success and WK_EAUTH. */
static int child_sign_ins(const char *path, int child, int rounds)
{
    apr_pool_t *pool;
    wk_db_t *db;
    char *error = NULL;
    int bad = 0, i;

    apr_pool_create(&pool, NULL);
    if (wk_db_open(&db, path, 0, &error, pool) != APR_SUCCESS)
        return rounds;
    for (i = 0; i < rounds; i++) {
        wk_login_limits_t limits = { 1000, 1000, apr_time_from_sec(60) };
        char addr[32];
        wk_user_t *user;
        apr_interval_time_t retry;
        apr_status_t rv;

        apr_snprintf(addr, sizeof(addr), "10.0.%d.%d", child, i);
        rv = wk_auth_login(&user, &retry, db, "ada@example.org",
                           i % 2 ? PASSWORD : "wrong", addr, &limits,
                           apr_time_now(), pool);
        if (rv != (i % 2 ? APR_SUCCESS : WK_EAUTH))
            bad++;
    }
    apr_pool_destroy(pool);
    return bad;
}

static void test_login_concurrent(apr_pool_t *pool)
{
    wk_db_t *db = open_db("concurrent.db", pool);
    const char *path = wk_db_path(db);
    pid_t pids[8];
    int i, failed = 0, rows;

    user_add(db, "ada@example.org", 4, pool);
    for (i = 0; i < 8; i++) {
        pids[i] = fork();
        if (pids[i] == 0)
            _exit(child_sign_ins(path, i, 20));
    }
    for (i = 0; i < 8; i++) {
        int status = 0;

        waitpid(pids[i], &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            failed++;
    }
    ok(failed == 0, "8 processes sign in at once without errors");
    rows = failure_rows(db);
    ok(rows == 80, "each wrong password is counted once (%d rows)", rows);
}

/* The longest Retry-After a client of these tests waits out: a lock
 * that only attempts in progress make must be shorter. */
#define SHORT_RETRY apr_time_from_sec(2)

/*
 * Signs in once from 192.0.2.50 at start with password, as a client that
 * waits out a short Retry-After, up to 10 times.  Exits 0 on success, 1
 * on a wrong password, 2 on a Retry-After longer than SHORT_RETRY, 3
 * when the short ones never end, 4 on any other error.
 */
static int child_sign_in(const char *path, const char *password,
                         apr_time_t start)
{
    wk_login_limits_t limits = { 3, 10, apr_time_from_sec(60) };
    apr_interval_time_t retry = 0;
    apr_pool_t *pool;
    wk_user_t *user;
    wk_db_t *db;
    char *error = NULL;
    apr_status_t rv;
    int tries;

    apr_pool_create(&pool, NULL);
    if (wk_db_open(&db, path, 0, &error, pool) != APR_SUCCESS)
        return 4;
    if (start > apr_time_now())
        apr_sleep(start - apr_time_now());
    for (tries = 0; tries < 10; tries++) {
        rv = wk_auth_login(&user, &retry, db, "ada@example.org", password,
                           "192.0.2.50", &limits, apr_time_now(), pool);
        if (rv == APR_SUCCESS)
            return 0;
        if (rv == WK_EAUTH)
            return 1;
        if (rv != WK_ELIMITED)
            return 4;
        if (retry > SHORT_RETRY)
            return 2;
        apr_sleep(retry);
    }
    return 3;
}

/* Runs count sign-ins with password at once, in as many processes, and
 * counts their exit codes in outcomes[0..4]. */
static void sign_ins_at_once(const char *path, const char *password,
                             int count, int outcomes[5])
{
    apr_time_t start = apr_time_now() + apr_time_from_msec(300);
    pid_t pids[16];
    int i;

    memset(outcomes, 0, 5 * sizeof(int));
    for (i = 0; i < count; i++) {
        pids[i] = fork();
        if (pids[i] == 0)
            _exit(child_sign_in(path, password, start));
    }
    for (i = 0; i < count; i++) {
        int status = 0;

        waitpid(pids[i], &status, 0);
        if (WIFEXITED(status) && WEXITSTATUS(status) <= 4)
            outcomes[WEXITSTATUS(status)]++;
        else
            outcomes[4]++;
    }
}

/*
 * Each attempt counts against the limit until its password is checked,
 * so that attempts at once count each other.  Right passwords at once,
 * more of them than the limit of 3, must get only short retries that
 * end in a sign-in, after earlier typos too.  The bcrypt cost of 10
 * makes each check long enough for the attempts to overlap.
 */
static void test_login_right_at_once(apr_pool_t *pool)
{
    wk_db_t *db = open_db("right-at-once.db", pool);
    const char *path = wk_db_path(db);
    int outcomes[5];

    user_add(db, "ada@example.org", 10, pool);
    sign_ins_at_once(path, PASSWORD, 8, outcomes);
    ok(outcomes[0] == 8, "8 right sign-ins at once all succeed (%d did, "
       "%d got a long retry)", outcomes[0], outcomes[2]);
    ok(failure_rows(db) == 0, "right sign-ins leave no failure behind");

    sign_ins_at_once(path, "typo", 2, outcomes);
    ok(outcomes[1] == 2, "2 typos are wrong passwords");
    sign_ins_at_once(path, PASSWORD, 8, outcomes);
    ok(outcomes[0] == 8, "8 right sign-ins after 2 typos all succeed "
       "(%d did, %d got a long retry)", outcomes[0], outcomes[2]);
    ok(failure_rows(db) == 2, "only the typos stay failures");
}

/* Wrong passwords at once: no more of them are checked than the limit
 * allows, and then the lock is the long one. */
static void test_login_wrong_at_once(apr_pool_t *pool)
{
    wk_db_t *db = open_db("wrong-at-once.db", pool);
    int outcomes[5];

    user_add(db, "ada@example.org", 10, pool);
    sign_ins_at_once(wk_db_path(db), "guess", 8, outcomes);
    ok(outcomes[1] == 3, "3 of 8 wrong passwords at once are checked "
       "(%d)", outcomes[1]);
    ok(outcomes[2] == 5, "the other 5 end on the long lock (%d)",
       outcomes[2]);
    ok(outcomes[3] == 0 && outcomes[4] == 0, "no attempt fails otherwise");
    ok(failure_rows(db) == 3, "3 failures recorded (%d)", failure_rows(db));
}

int main(int argc, const char *const *argv)
{
    apr_pool_t *pool;
    char template[] = "/tmp/wk-auth-test.XXXXXX";

    apr_app_initialize(&argc, &argv, NULL);
    apr_pool_create(&pool, NULL);
    tmpdir = mkdtemp(template);

    test_login_checks(pool);
    test_login_locked_hash(pool);
    test_login_limit_account(pool);
    test_login_no_account_lockout(pool);
    test_login_limit_address(pool);
    test_login_timing(pool);
    test_sessions(pool);
    test_login_concurrent(pool);
    test_login_right_at_once(pool);
    test_login_wrong_at_once(pool);

    if (system(apr_psprintf(pool, "rm -rf '%s'", tmpdir)) != 0)
        diag("could not remove %s", tmpdir);
    apr_pool_destroy(pool);
    return done_testing();
}
