/*
 * mod_writekit.h: the httpd glue's configuration, shared by the directive
 * handlers (wk_config.c) and the hooks (mod_writekit.c).
 *
 * Every field starts unset (WK_UNSET or NULL) so a virtual host inherits
 * exactly what it does not set itself; the defaults are applied by the
 * getters in wk_config.c, never stored in the records.
 */
#ifndef MOD_WRITEKIT_H
#define MOD_WRITEKIT_H

#include <httpd.h>
#include <http_config.h>

#include "wk_cache.h"
#include "wk_template.h"

#define WK_UNSET -1

/* Defaults of every directive, in one place. */
#define WK_DEFAULT_MOUNT          "/"
#define WK_DEFAULT_MAX_TENANTS    256
#define WK_DEFAULT_IDLE_TIMEOUT   300   /* seconds */
#define WK_DEFAULT_PAGE_CACHE_SIZE 64   /* MB */
#define WK_DEFAULT_THEME          WK_DATADIR "/templates/default"
#define WK_DEFAULT_STUDIO         "/studio/"
#define WK_DEFAULT_STUDIO_AUTH    WK_STUDIO_AUTH_BUILTIN
#define WK_DEFAULT_STUDIO_FILES   WK_DATADIR "/studio"
#define WK_DEFAULT_MAX_POST_SIZE  1048576             /* bytes */
#define WK_DEFAULT_MAX_UPLOAD_SIZE (10 * 1048576)     /* bytes */
#define WK_DEFAULT_SESSION_LIFETIME (14 * 86400)      /* seconds */

/* WriteKitStudioAuth: who signs authors in to the studio. */
#define WK_STUDIO_AUTH_BUILTIN 0  /* the studio's own sign-in */
#define WK_STUDIO_AUTH_APACHE  1  /* r->user from Apache's auth modules */

#ifndef WK_DATADIR
#define WK_DATADIR "/usr/local/share/writekit"
#endif

typedef struct wk_server_conf {
    int enabled;                  /* WriteKit on|off */
    int mass_hosting;             /* WriteKitMassHosting on|off */
    const char *tenant_file;      /* WriteKitTenant, absolute */
    const char *tenant_dir;       /* WriteKitTenantDir, absolute */
    const char *mount;            /* WriteKitMount, begins and ends in / */
    const char *theme_dir;        /* WriteKitTheme, absolute */
    int max_tenants;              /* WriteKitMaxTenants, main server only */
    int idle_timeout;             /* WriteKitIdleTimeout, main server only */
    int page_cache_size;          /* WriteKitPageCacheSize, MB, main server only */
    const char *page_dir;         /* WriteKitPageDir, absolute, main server only */
    const char *studio;           /* WriteKitStudio, begins and ends in / */
    int studio_auth;              /* WriteKitStudioAuth, WK_STUDIO_AUTH_* */
    const char *studio_files;     /* WriteKitStudioFiles, absolute */
    int max_post_size;            /* WriteKitMaxPostSize, bytes */
    int max_upload_size;          /* WriteKitMaxUploadSize, bytes */
    int session_lifetime;         /* WriteKitSessionLifetime, seconds */

    /* File and line of WriteKit on, for messages at start-up. */
    const char *defined_in;

    /* Filled at start-up: the compiled theme, and a digest of what this
     * host's pages depend on besides the tenant, for the keys of kept
     * pages. */
    const wk_template_set_t *theme;
    const char *page_scope;
} wk_server_conf_t;

extern module AP_MODULE_DECLARE_DATA writekit_module;
extern const command_rec wk_directives[];

void *wk_server_conf_create(apr_pool_t *pool, server_rec *s);
void *wk_server_conf_merge(apr_pool_t *pool, void *base, void *add);

/* Getters that apply the defaults. */
int wk_conf_enabled(const wk_server_conf_t *conf);
const char *wk_conf_mount(const wk_server_conf_t *conf);
const char *wk_conf_theme_dir(const wk_server_conf_t *conf);
int wk_conf_max_tenants(const wk_server_conf_t *conf);
apr_interval_time_t wk_conf_idle_timeout(const wk_server_conf_t *conf);
apr_size_t wk_conf_page_cache_bytes(const wk_server_conf_t *conf);
const char *wk_conf_studio(const wk_server_conf_t *conf);
int wk_conf_studio_auth(const wk_server_conf_t *conf);
const char *wk_conf_studio_files(const wk_server_conf_t *conf);
apr_size_t wk_conf_max_post_size(const wk_server_conf_t *conf);
apr_size_t wk_conf_max_upload_size(const wk_server_conf_t *conf);
apr_interval_time_t wk_conf_session_lifetime(const wk_server_conf_t *conf);

/*
 * Checks each virtual host's settings as a whole and compiles the themes
 * they use.  Runs from the check_config hook, so `apachectl configtest`
 * reports the same errors as a start.
 */
int wk_conf_check(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *main_server);

/*
 * Prepares the page files' directory below WriteKitPageDir for this
 * configuration (wk_pagefile.h), owned by the user the children run as.
 * Sets *dir to it, or to NULL when WriteKitPageDir is not set or the
 * directory cannot be prepared, which it logs.  Returns OK.
 */
int wk_conf_page_dir_prepare(const char **dir, apr_pool_t *pconf,
                             apr_pool_t *ptemp, server_rec *main_server);

/* Serves the studio's app for a path below its mount point that is not
 * the API (wk_studio.c); returns an HTTP status. */
int wk_studio_serve(request_rec *r, const wk_server_conf_t *conf,
                    const char *rest);

#endif
