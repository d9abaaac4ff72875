/*
 * wk_config.c: the WriteKit* directives and the start-up check.
 *
 * Directive handlers check what a single value can tell (a number, a
 * directory that exists); wk_conf_check() checks what only the whole
 * virtual host can tell (WriteKit on with no tenant) and compiles themes.
 */
#include <dlfcn.h>
#include <errno.h>
#include <unistd.h>

#include <apr_file_info.h>
#include <apr_hash.h>
#include <apr_md5.h>
#include <apr_strings.h>

#include <httpd.h>
#include <http_log.h>
#include <unixd.h>

#include "mod_writekit.h"
#include "wk_pagefile.h"

APLOG_USE_MODULE(writekit);

void *wk_server_conf_create(apr_pool_t *pool, server_rec *s)
{
    wk_server_conf_t *conf = apr_pcalloc(pool, sizeof(*conf));

    conf->enabled = WK_UNSET;
    conf->mass_hosting = WK_UNSET;
    conf->max_tenants = WK_UNSET;
    conf->idle_timeout = WK_UNSET;
    conf->page_cache_size = WK_UNSET;
    conf->studio_auth = WK_UNSET;
    conf->max_post_size = WK_UNSET;
    conf->max_upload_size = WK_UNSET;
    conf->session_lifetime = WK_UNSET;
    return conf;
}

#define MERGE_INT(field) \
    conf->field = add->field != WK_UNSET ? add->field : base->field
#define MERGE_PTR(field) \
    conf->field = add->field != NULL ? add->field : base->field

/* A virtual host takes its own value where it set one, else the main
 * server's. */
void *wk_server_conf_merge(apr_pool_t *pool, void *base_conf, void *add_conf)
{
    wk_server_conf_t *base = base_conf, *add = add_conf;
    wk_server_conf_t *conf = apr_pcalloc(pool, sizeof(*conf));

    MERGE_INT(enabled);
    MERGE_INT(mass_hosting);
    MERGE_PTR(tenant_file);
    MERGE_PTR(tenant_dir);
    MERGE_PTR(mount);
    MERGE_PTR(theme_dir);
    MERGE_PTR(defined_in);
    MERGE_PTR(studio);
    MERGE_INT(studio_auth);
    MERGE_PTR(studio_files);
    MERGE_INT(max_post_size);
    MERGE_INT(max_upload_size);
    MERGE_INT(session_lifetime);
    /* Cache bounds are per process, so only the main server's count. */
    conf->max_tenants = base->max_tenants;
    conf->idle_timeout = base->idle_timeout;
    conf->page_cache_size = base->page_cache_size;
    conf->page_dir = base->page_dir;
    return conf;
}

int wk_conf_enabled(const wk_server_conf_t *conf)
{
    return conf->enabled == 1;
}

const char *wk_conf_mount(const wk_server_conf_t *conf)
{
    return conf->mount ? conf->mount : WK_DEFAULT_MOUNT;
}

const char *wk_conf_theme_dir(const wk_server_conf_t *conf)
{
    return conf->theme_dir ? conf->theme_dir : WK_DEFAULT_THEME;
}

int wk_conf_max_tenants(const wk_server_conf_t *conf)
{
    return conf->max_tenants != WK_UNSET ? conf->max_tenants
                                         : WK_DEFAULT_MAX_TENANTS;
}

apr_interval_time_t wk_conf_idle_timeout(const wk_server_conf_t *conf)
{
    return apr_time_from_sec(conf->idle_timeout != WK_UNSET
                             ? conf->idle_timeout : WK_DEFAULT_IDLE_TIMEOUT);
}

apr_size_t wk_conf_page_cache_bytes(const wk_server_conf_t *conf)
{
    int megabytes = conf->page_cache_size != WK_UNSET
                    ? conf->page_cache_size : WK_DEFAULT_PAGE_CACHE_SIZE;

    return (apr_size_t)megabytes * 1024 * 1024;
}

const char *wk_conf_studio(const wk_server_conf_t *conf)
{
    return conf->studio ? conf->studio : WK_DEFAULT_STUDIO;
}

int wk_conf_studio_auth(const wk_server_conf_t *conf)
{
    return conf->studio_auth != WK_UNSET ? conf->studio_auth
                                         : WK_DEFAULT_STUDIO_AUTH;
}

const char *wk_conf_studio_files(const wk_server_conf_t *conf)
{
    return conf->studio_files ? conf->studio_files : WK_DEFAULT_STUDIO_FILES;
}

apr_size_t wk_conf_max_post_size(const wk_server_conf_t *conf)
{
    return (apr_size_t)(conf->max_post_size != WK_UNSET
                        ? conf->max_post_size : WK_DEFAULT_MAX_POST_SIZE);
}

apr_size_t wk_conf_max_upload_size(const wk_server_conf_t *conf)
{
    return (apr_size_t)(conf->max_upload_size != WK_UNSET
                        ? conf->max_upload_size
                        : WK_DEFAULT_MAX_UPLOAD_SIZE);
}

apr_interval_time_t wk_conf_session_lifetime(const wk_server_conf_t *conf)
{
    return apr_time_from_sec(conf->session_lifetime != WK_UNSET
                             ? conf->session_lifetime
                             : WK_DEFAULT_SESSION_LIFETIME);
}

static wk_server_conf_t *cmd_conf(cmd_parms *cmd)
{
    return ap_get_module_config(cmd->server->module_config, &writekit_module);
}

/* Parses a whole decimal number in [min, max]; trailing junk fails. */
static const char *parse_int(cmd_parms *cmd, const char *arg, int min,
                             int max, int *out)
{
    char *end;
    apr_int64_t n;

    n = apr_strtoi64(arg, &end, 10);
    if (*arg == '\0' || *end != '\0' || n < min || n > max)
        return apr_psprintf(cmd->pool, "%s: invalid value '%s'; expected a "
                            "whole number from %d to %d", cmd->cmd->name,
                            arg, min, max);
    *out = (int)n;
    return NULL;
}

static const char *set_enabled(cmd_parms *cmd, void *dconf, int flag)
{
    wk_server_conf_t *conf = cmd_conf(cmd);

    conf->enabled = flag;
    conf->defined_in = apr_psprintf(cmd->pool, "%s:%d",
                                    cmd->directive->filename,
                                    cmd->directive->line_num);
    return NULL;
}

static const char *set_mass_hosting(cmd_parms *cmd, void *dconf, int flag)
{
    cmd_conf(cmd)->mass_hosting = flag;
    return NULL;
}

static const char *set_tenant_file(cmd_parms *cmd, void *dconf,
                                   const char *arg)
{
    cmd_conf(cmd)->tenant_file = arg;
    return NULL;
}

/* Resolves a directory argument against ServerRoot and checks that it
 * is a directory; returns a message naming the directive otherwise. */
static const char *resolve_dir(cmd_parms *cmd, const char *arg,
                               const char **dir)
{
    apr_finfo_t finfo;

    *dir = ap_server_root_relative(cmd->pool, arg);
    if (*dir == NULL
        || apr_stat(&finfo, *dir, APR_FINFO_TYPE, cmd->temp_pool)
           != APR_SUCCESS
        || finfo.filetype != APR_DIR)
        return apr_psprintf(cmd->pool, "%s: '%s' is not a directory",
                            cmd->cmd->name, arg);
    return NULL;
}

static const char *set_tenant_dir(cmd_parms *cmd, void *dconf,
                                  const char *arg)
{
    return resolve_dir(cmd, arg, &cmd_conf(cmd)->tenant_dir);
}

/* Checks a URL path argument and stores it with a trailing slash. */
static const char *parse_url_path(cmd_parms *cmd, const char *arg,
                                  const char *example, const char **path)
{
    apr_size_t len = strlen(arg);

    if (arg[0] != '/' || strstr(arg, "//") || strstr(arg, "/../")
        || strstr(arg, "/./") || strpbrk(arg, "?#%\\ \t"))
        return apr_psprintf(cmd->pool, "%s: invalid path '%s'; expected a "
                            "URL path such as %s", cmd->cmd->name, arg,
                            example);
    *path = arg[len - 1] == '/' ? arg : apr_pstrcat(cmd->pool, arg, "/", NULL);
    return NULL;
}

static const char *set_mount(cmd_parms *cmd, void *dconf, const char *arg)
{
    return parse_url_path(cmd, arg, "/ or /blog", &cmd_conf(cmd)->mount);
}

/* The studio cannot be "/": its API would hide the blog's own pages. */
static const char *set_studio(cmd_parms *cmd, void *dconf, const char *arg)
{
    if (strcmp(arg, "/") == 0)
        return "WriteKitStudio: invalid path '/'; expected a path of its "
               "own such as /studio";
    return parse_url_path(cmd, arg, "/studio", &cmd_conf(cmd)->studio);
}

static const char *set_studio_auth(cmd_parms *cmd, void *dconf,
                                   const char *arg)
{
    if (strcasecmp(arg, "builtin") == 0)
        cmd_conf(cmd)->studio_auth = WK_STUDIO_AUTH_BUILTIN;
    else if (strcasecmp(arg, "apache") == 0)
        cmd_conf(cmd)->studio_auth = WK_STUDIO_AUTH_APACHE;
    else
        return apr_psprintf(cmd->pool, "WriteKitStudioAuth: invalid value "
                            "'%s'; expected builtin or apache", arg);
    return NULL;
}

/* The directory of a studio build: index.html and assets/. */
static const char *set_studio_files(cmd_parms *cmd, void *dconf,
                                    const char *arg)
{
    const char *dir, *index;
    apr_finfo_t finfo;
    const char *error = resolve_dir(cmd, arg, &dir);

    if (error != NULL)
        return error;
    index = apr_pstrcat(cmd->temp_pool, dir, "/index.html", NULL);
    if (apr_stat(&finfo, index, APR_FINFO_TYPE, cmd->temp_pool) != APR_SUCCESS
        || finfo.filetype != APR_REG)
        return apr_psprintf(cmd->pool, "WriteKitStudioFiles: '%s' has no "
                            "index.html; expected the studio's build, "
                            "studio/dist after make", arg);
    cmd_conf(cmd)->studio_files = dir;
    return NULL;
}

static const char *set_max_post_size(cmd_parms *cmd, void *dconf,
                                     const char *arg)
{
    return parse_int(cmd, arg, 1, 1 << 30, &cmd_conf(cmd)->max_post_size);
}

static const char *set_max_upload_size(cmd_parms *cmd, void *dconf,
                                       const char *arg)
{
    return parse_int(cmd, arg, 1, 1 << 30, &cmd_conf(cmd)->max_upload_size);
}

static const char *set_session_lifetime(cmd_parms *cmd, void *dconf,
                                        const char *arg)
{
    return parse_int(cmd, arg, 1, 86400 * 365,
                     &cmd_conf(cmd)->session_lifetime);
}

static const char *set_theme(cmd_parms *cmd, void *dconf, const char *arg)
{
    return resolve_dir(cmd, arg, &cmd_conf(cmd)->theme_dir);
}

/* Parses a per-process bound, which only the main server may set. */
static const char *parse_process_int(cmd_parms *cmd, const char *arg,
                                     int min, int max, int *out)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);

    if (err != NULL)
        return err;
    return parse_int(cmd, arg, min, max, out);
}

static const char *set_max_tenants(cmd_parms *cmd, void *dconf,
                                   const char *arg)
{
    return parse_process_int(cmd, arg, 1, 1000000,
                             &cmd_conf(cmd)->max_tenants);
}

static const char *set_idle_timeout(cmd_parms *cmd, void *dconf,
                                    const char *arg)
{
    return parse_process_int(cmd, arg, 1, 86400 * 365,
                             &cmd_conf(cmd)->idle_timeout);
}

/* 0 turns the page cache off.  The limit of 2047 MB keeps the size
 * within a 32-bit size_t. */
static const char *set_page_cache_size(cmd_parms *cmd, void *dconf,
                                       const char *arg)
{
    return parse_process_int(cmd, arg, 0, 2047,
                             &cmd_conf(cmd)->page_cache_size);
}

/* The directory need not exist: it is created at start-up. */
static const char *set_page_dir(cmd_parms *cmd, void *dconf, const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);

    if (err != NULL)
        return err;
    cmd_conf(cmd)->page_dir = ap_server_root_relative(cmd->pool, arg);
    if (cmd_conf(cmd)->page_dir == NULL)
        return apr_psprintf(cmd->pool, "WriteKitPageDir: invalid path '%s'",
                            arg);
    return NULL;
}

const command_rec wk_directives[] = {
    AP_INIT_FLAG("WriteKit", set_enabled, NULL, RSRC_CONF,
                 "On to serve a blog on this server or virtual host"),
    AP_INIT_FLAG("WriteKitMassHosting", set_mass_hosting, NULL, RSRC_CONF,
                 "On to pick the tenant file from the Host header: "
                 "WriteKitTenantDir/HOST.db"),
    AP_INIT_TAKE1("WriteKitTenant", set_tenant_file, NULL, RSRC_CONF,
                  "The tenant SQLite file of this virtual host; a relative "
                  "path is taken from WriteKitTenantDir"),
    AP_INIT_TAKE1("WriteKitTenantDir", set_tenant_dir, NULL, RSRC_CONF,
                  "Directory of the tenant files (relative to ServerRoot)"),
    AP_INIT_TAKE1("WriteKitMount", set_mount, NULL, RSRC_CONF,
                  "URL path the blog is served under (default /)"),
    AP_INIT_TAKE1("WriteKitTheme", set_theme, NULL, RSRC_CONF,
                  "Directory of the Mustache theme (default "
                  WK_DEFAULT_THEME ")"),
    AP_INIT_TAKE1("WriteKitMaxTenants", set_max_tenants, NULL, RSRC_CONF,
                  "Open tenants per process before the least recently used "
                  "one is closed (default 256)"),
    AP_INIT_TAKE1("WriteKitIdleTimeout", set_idle_timeout, NULL, RSRC_CONF,
                  "Seconds a tenant may stay unused before its connections "
                  "are closed (default 300)"),
    AP_INIT_TAKE1("WriteKitPageCacheSize", set_page_cache_size, NULL,
                  RSRC_CONF,
                  "Megabytes of rendered pages kept per process, 0 for none "
                  "(default 64)"),
    AP_INIT_TAKE1("WriteKitPageDir", set_page_dir, NULL, RSRC_CONF,
                  "Directory where rendered pages are kept for every "
                  "process to serve (relative to ServerRoot; default none)"),
    AP_INIT_TAKE1("WriteKitStudio", set_studio, NULL, RSRC_CONF,
                  "URL path of the studio, whose JSON API is at api/ below "
                  "it (default /studio/)"),
    AP_INIT_TAKE1("WriteKitStudioAuth", set_studio_auth, NULL, RSRC_CONF,
                  "builtin: authors sign in with the studio's own form; "
                  "apache: trust the user of Apache's authentication "
                  "(default builtin)"),
    AP_INIT_TAKE1("WriteKitStudioFiles", set_studio_files, NULL, RSRC_CONF,
                  "Directory of the studio's built app, with index.html "
                  "(default " WK_DEFAULT_STUDIO_FILES ")"),
    AP_INIT_TAKE1("WriteKitMaxPostSize", set_max_post_size, NULL, RSRC_CONF,
                  "Largest markdown source of a post, in bytes, for saves "
                  "and previews (default 1048576)"),
    AP_INIT_TAKE1("WriteKitMaxUploadSize", set_max_upload_size, NULL,
                  RSRC_CONF, "Largest media upload, in bytes (default "
                  "10485760)"),
    AP_INIT_TAKE1("WriteKitSessionLifetime", set_session_lifetime, NULL,
                  RSRC_CONF, "Seconds a studio session lasts after sign-in "
                  "(default 1209600, 14 days)"),
    { NULL }
};

/* Adds text and its NUL, so that "ab" "c" and "a" "bc" differ. */
static void digest_add(apr_md5_ctx_t *md5, const char *text)
{
    if (text == NULL)
        text = "";
    apr_md5_update(md5, text, strlen(text) + 1);
}

/*
 * Returns a digest of what a blog's pages depend on besides the tenant
 * and the request: the host's name and addresses, the mount point, the
 * studio's path and the theme.  Kept pages are keyed by it, so that two
 * hosts sharing a tenant file never serve each other's pages, even when
 * a client sends one host's name and port to the other's address.
 */
static const char *page_scope(const wk_server_conf_t *conf, server_rec *s,
                              apr_pool_t *pconf)
{
    unsigned char digest[APR_MD5_DIGESTSIZE];
    char *hex = apr_palloc(pconf, 2 * APR_MD5_DIGESTSIZE + 1);
    char ip[64];
    apr_md5_ctx_t md5;
    server_addr_rec *addr;

    apr_md5_init(&md5);
    digest_add(&md5, s->server_hostname);
    for (addr = s->addrs; addr != NULL; addr = addr->next) {
        if (apr_sockaddr_ip_getbuf(ip, sizeof(ip), addr->host_addr)
            != APR_SUCCESS)
            ip[0] = '\0';
        digest_add(&md5, apr_psprintf(pconf, "%s %s:%u", addr->virthost,
                                      ip, (unsigned)addr->host_port));
    }
    digest_add(&md5, wk_conf_mount(conf));
    digest_add(&md5, wk_conf_studio(conf));
    digest_add(&md5, wk_conf_theme_dir(conf));
    digest_add(&md5, apr_psprintf(pconf, "%" APR_UINT64_T_HEX_FMT,
                                  wk_template_set_digest(conf->theme)));
    apr_md5_final(digest, &md5);
    ap_bin2hex(digest, sizeof(digest), hex);
    return hex;
}

/* Compiles each theme directory once, however many hosts share it. */
static const char *theme_compile(const wk_template_set_t **theme,
                                 apr_hash_t *themes, const char *dir,
                                 apr_pool_t *pconf)
{
    wk_template_set_t *set = apr_hash_get(themes, dir, APR_HASH_KEY_STRING);
    static const char *const required[] = {
        "layout", "index", "post", "tag", "error", "feed", NULL
    };
    char *error = NULL;
    int i;

    if (set == NULL) {
        set = wk_template_set_make(pconf);
        if (wk_template_set_load_dir(set, dir, &error) != APR_SUCCESS)
            return apr_psprintf(pconf, "WriteKitTheme: %s", error);
        for (i = 0; required[i]; i++)
            if (wk_template_set_get(set, required[i]) == NULL)
                return apr_psprintf(pconf, "WriteKitTheme: %s has no %s."
                                    "mustache", dir, required[i]);
        apr_hash_set(themes, dir, APR_HASH_KEY_STRING, set);
    }
    *theme = set;
    return NULL;
}

/* Checks one server's settings; returns a message or NULL. */
static const char *conf_check_server(wk_server_conf_t *conf, server_rec *s,
                                     apr_hash_t *themes, apr_pool_t *pconf)
{
    const char *where = conf->defined_in ? conf->defined_in : "";
    const char *error;

    if (!wk_conf_enabled(conf))
        return NULL;
    if (conf->mass_hosting == 1 && conf->tenant_file != NULL)
        return apr_psprintf(pconf, "WriteKit on at %s (%s): set either "
                            "WriteKitTenant or WriteKitMassHosting, not both",
                            where, s->server_hostname);
    if (conf->mass_hosting != 1 && conf->tenant_file == NULL)
        return apr_psprintf(pconf, "WriteKit on at %s (%s) needs "
                            "WriteKitTenant FILE or WriteKitMassHosting on",
                            where, s->server_hostname);
    if (conf->mass_hosting == 1 && conf->tenant_dir == NULL)
        return apr_psprintf(pconf, "WriteKitMassHosting on at %s (%s) needs "
                            "WriteKitTenantDir", where, s->server_hostname);
    if (conf->tenant_file != NULL && conf->tenant_file[0] != '/') {
        conf->tenant_file = conf->tenant_dir
            ? apr_pstrcat(pconf, conf->tenant_dir, "/", conf->tenant_file,
                          NULL)
            : ap_server_root_relative(pconf, conf->tenant_file);
    }
    error = theme_compile(&conf->theme, themes, wk_conf_theme_dir(conf),
                          pconf);
    if (error == NULL)
        conf->page_scope = page_scope(conf, s, pconf);
    return error;
}

int wk_conf_check(apr_pool_t *pconf, apr_pool_t *ptemp,
                  server_rec *main_server)
{
    apr_hash_t *themes = apr_hash_make(ptemp);
    server_rec *s;

    for (s = main_server; s != NULL; s = s->next) {
        wk_server_conf_t *conf = ap_get_module_config(s->module_config,
                                                      &writekit_module);
        const char *error = conf_check_server(conf, s, themes, pconf);

        if (error != NULL) {
            ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_CRIT, 0, s,
                         "WK00001: %s", error);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    return OK;
}

/*
 * Adds the module's shared object to md5, so that a rebuilt module starts
 * a new generation of page files.  Without it, each start does.
 */
static void digest_add_module(apr_md5_ctx_t *md5, apr_pool_t *ptemp)
{
    Dl_info info;
    apr_finfo_t finfo;

    if (dladdr((void *)&writekit_module, &info) != 0
        && info.dli_fname != NULL
        && apr_stat(&finfo, info.dli_fname,
                    APR_FINFO_IDENT | APR_FINFO_SIZE | APR_FINFO_MTIME,
                    ptemp) == APR_SUCCESS) {
        digest_add(md5, info.dli_fname);
        digest_add(md5, apr_psprintf(ptemp, "%" APR_OFF_T_FMT " %"
                                     APR_INT64_T_FMT " %" APR_UINT64_T_FMT,
                                     finfo.size, (apr_int64_t)finfo.mtime,
                                     (apr_uint64_t)finfo.inode));
        return;
    }
    digest_add(md5, apr_psprintf(ptemp, "%" APR_INT64_T_FMT,
                                 (apr_int64_t)apr_time_now()));
}

/*
 * Returns the hex digest of everything other than the tenant and the
 * request that a reader's page depends on: the module, and each blog's
 * scope (page_scope()).
 */
static const char *page_generation(server_rec *main_server,
                                   apr_pool_t *ptemp)
{
    unsigned char digest[APR_MD5_DIGESTSIZE];
    char *hex = apr_palloc(ptemp, 2 * APR_MD5_DIGESTSIZE + 1);
    apr_md5_ctx_t md5;
    server_rec *s;

    apr_md5_init(&md5);
    digest_add_module(&md5, ptemp);
    for (s = main_server; s != NULL; s = s->next) {
        wk_server_conf_t *conf = ap_get_module_config(s->module_config,
                                                      &writekit_module);

        if (wk_conf_enabled(conf))
            digest_add(&md5, conf->page_scope);
    }
    apr_md5_final(digest, &md5);
    ap_bin2hex(digest, sizeof(digest), hex);
    return hex;
}

int wk_conf_page_dir_prepare(const char **dir, apr_pool_t *pconf,
                             apr_pool_t *ptemp, server_rec *main_server)
{
    wk_server_conf_t *conf = ap_get_module_config(main_server->module_config,
                                                  &writekit_module);
    char *error = NULL;

    *dir = NULL;
    if (conf->page_dir == NULL)
        return OK;

    /* A cache is no reason to stop serving, and a graceful restart that
     * returned an error here would end the whole server, after httpd -t
     * had passed the same configuration. */
    if (wk_page_dir_prepare(dir, &error, conf->page_dir,
                            page_generation(main_server, ptemp), pconf)
        != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_ERR, 0, main_server,
                     "WK00005: WriteKitPageDir: %s; until this is fixed and "
                     "the server restarted, each process keeps only the "
                     "pages it rendered itself", error);
        *dir = NULL;
        return OK;
    }

    /* The parent runs as root and the children as User, who write the
     * files.  The root stays the parent's, so that no other user can
     * put a link where the generation was just made, and lchown() would
     * not follow one anyway. */
    if (geteuid() == 0
        && lchown(*dir, ap_unixd_config.user_id, ap_unixd_config.group_id)
           != 0) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_ERR, errno,
                     main_server, "WK00005: WriteKitPageDir: cannot give %s "
                     "to the user the server runs as; each process keeps "
                     "only the pages it rendered itself", *dir);
        *dir = NULL;
    }
    return OK;
}
