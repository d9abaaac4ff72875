/*
 * mod_writekit.c: serves each virtual host's blog from its tenant file.
 *
 * The request path: translate_name claims the URLs that are the blog's
 * (index, posts, tags, feed, media) and notes the route; map_to_storage
 * skips the file system walk for them; the handler borrows a connection
 * from the per-process cache, runs one or two indexed queries and
 * renders the page with the theme compiled at start-up.  URLs that are
 * not the blog's go on to Apache; when no file answers them either, a
 * late handler redirects old post URLs and serves the themed 404.
 */
#include <string.h>

#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>

#include <ap_mpm.h>
#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>

#include "mod_writekit.h"
#include "wk_api.h"
#include "wk_host.h"
#include "wk_markdown.h"
#include "wk_pagecache.h"
#include "wk_pagefile.h"
#include "wk_view.h"

#define WK_HANDLER "writekit"

/* The per-process cache, made in each child after fork. */
static wk_cache_t *tenant_cache;

/* Rendered pages of this process, made in each child after fork, of
 * WriteKitPageCacheSize, or NULL when that is 0.  The cache grows only
 * with the pages requested.  The default 64 MB keeps the post pages of
 * about 14,000 small blogs at 4.6 KB each, key included.  An open tenant
 * takes about 130 KB (make bench), so under mass hosting a process keeps
 * pages for many more tenants than it keeps open. */
static wk_page_cache_t *page_cache;

/* The directory of page files that every process reads (wk_pagefile.h),
 * prepared by the parent at start-up, or NULL without WriteKitPageDir.
 * page_files_failed is set once this child has logged a failed write. */
static const char *page_files;
static int page_files_failed;

/* The version a page read from a page file is kept at in this process.
 * No tenant has it, so such a page is served only by its stamp. */
#define PAGE_VERSION_NONE APR_INT64_MIN

/* Whether this child started a render launcher, and whether it has
 * logged the launcher's end (note_launcher_lost()). */
static int launcher_started;
static int launcher_lost_logged;

/* Time zones the blogs of this process display dates in, parsed once:
 * name -> wk_zone_t, on zone_pool, both guarded by zone_mutex. */
static apr_hash_t *zone_cache;
static apr_pool_t *zone_pool;
static apr_thread_mutex_t *zone_mutex;

/* Bounds the zones kept; there are about 600 names in tzdata. */
#define ZONE_CACHE_MAX 1024

typedef enum {
    ROUTE_INDEX,
    ROUTE_POST,
    ROUTE_TAG,
    ROUTE_FEED,
    ROUTE_MEDIA,
    ROUTE_API,              /* the studio's JSON API */
    ROUTE_STUDIO,           /* the studio's app: index.html and assets */
    ROUTE_MOUNT_SLASH,      /* /blog -> /blog/ */
    ROUTE_DROP_SLASH,       /* /posts/slug/ -> /posts/slug */
    ROUTE_FALLBACK          /* not ours by path; alias or themed 404 */
} route_kind_t;

/* What translate_name decided, kept for the later hooks. */
typedef struct route {
    route_kind_t kind;
    const char *arg;        /* slug, tag slug, media path or API path */
    const char *rest;       /* the path below the mount point */

    /* Set when the page may be kept: where and at which version. */
    const char *cache_key;
    apr_int64_t cache_version;
    apr_time_t cache_expires;

    /* The stamp of the tenant's files, read before the version.
     * cache_stamp points to it when it may vouch for the page kept. */
    wk_page_stamp_t stamp;
    int stamped;
    const wk_page_stamp_t *cache_stamp;

    /* The stat() of the tenant file taken for the stamp, which
     * tenant_acquire() reuses; APR_NOFILE when there is none. */
    apr_finfo_t tenant_file;

    /* The WAL-index header, read before the version; cache_mark points
     * to it when it may vouch for the page kept. */
    wk_wal_mark_t mark;
    const wk_wal_mark_t *cache_mark;
} route_t;

static wk_server_conf_t *server_conf(const server_rec *s)
{
    return ap_get_module_config(s->module_config, &writekit_module);
}

/* Returns the part of a path after prefix, or NULL when it has none. */
static const char *after_prefix(const char *path, const char *prefix)
{
    apr_size_t len = strlen(prefix);

    return strncmp(path, prefix, len) == 0 ? path + len : NULL;
}

/* Takes "slug" or "slug/" as one path segment; NULL when not one. */
static const char *one_segment(const char *rest, apr_pool_t *pool)
{
    const char *slash = strchr(rest, '/');

    if (*rest == '\0')
        return NULL;
    if (slash == NULL)
        return rest;
    if (slash[1] != '\0' || slash == rest)
        return NULL;
    return apr_pstrmemdup(pool, rest, (apr_size_t)(slash - rest));
}

/* Matches the path below the mount point against the reader's routes. */
static int route_match(route_t *route, const char *rest, apr_pool_t *pool)
{
    const char *tail;

    route->rest = rest;
    if (*rest == '\0') {
        route->kind = ROUTE_INDEX;
        return 1;
    }
    if ((tail = after_prefix(rest, "posts/")) != NULL
        && (route->arg = one_segment(tail, pool)) != NULL) {
        /* One URL per post: relative media links in a post resolve
         * against it. */
        route->kind = tail[strlen(tail) - 1] == '/' ? ROUTE_DROP_SLASH
                                                    : ROUTE_POST;
        return 1;
    }
    if ((tail = after_prefix(rest, "tags/")) != NULL
        && (route->arg = one_segment(tail, pool)) != NULL) {
        route->kind = ROUTE_TAG;
        return 1;
    }
    if (strcmp(rest, "feed.atom") == 0) {
        route->kind = ROUTE_FEED;
        return 1;
    }
    if ((tail = after_prefix(rest, "media/")) != NULL && *tail != '\0') {
        route->kind = ROUTE_MEDIA;
        route->arg = tail;
        return 1;
    }
    return 0;
}

/* "/blog" for a blog mounted at "/blog/" */
static int is_mount_without_slash(const char *uri, const char *mount)
{
    apr_size_t len = strlen(uri);

    return len + 1 == strlen(mount) && strncmp(uri, mount, len) == 0;
}

/* Below the studio's mount point, api/ is the JSON API and every other
 * path the app. */
static void route_studio(route_t *route, const char *rest)
{
    const char *api = after_prefix(rest, "api/");

    if (api != NULL || strcmp(rest, "api") == 0) {
        route->kind = ROUTE_API;
        route->arg = api != NULL ? api : "";
    }
    else {
        route->kind = ROUTE_STUDIO;
        route->arg = rest;
    }
}

static int wk_translate_name(request_rec *r)
{
    wk_server_conf_t *conf = server_conf(r->server);
    const char *mount, *rest;
    route_t *route;

    if (!wk_conf_enabled(conf) || r->uri[0] != '/')
        return DECLINED;
    mount = wk_conf_mount(conf);
    route = apr_pcalloc(r->pool, sizeof(*route));

    if ((rest = after_prefix(r->uri, wk_conf_studio(conf))) != NULL)
        route_studio(route, rest);
    else if (is_mount_without_slash(r->uri, wk_conf_studio(conf)))
        route->kind = ROUTE_MOUNT_SLASH;
    else if ((rest = after_prefix(r->uri, mount)) == NULL) {
        if (!is_mount_without_slash(r->uri, mount))
            return DECLINED;
        route->kind = ROUTE_MOUNT_SLASH;
    }
    else if (!route_match(route, rest, r->pool)) {
        route->kind = ROUTE_FALLBACK;
        ap_set_module_config(r->request_config, &writekit_module, route);
        return DECLINED;
    }

    ap_set_module_config(r->request_config, &writekit_module, route);
    r->filename = apr_pstrcat(r->pool, "writekit:", r->uri, NULL);
    return OK;
}

static route_t *request_route(request_rec *r)
{
    return ap_get_module_config(r->request_config, &writekit_module);
}

/* The blog's own URLs are not files, so the directory walk is skipped. */
static int wk_map_to_storage(request_rec *r)
{
    route_t *route = request_route(r);

    if (route == NULL || route->kind == ROUTE_FALLBACK)
        return DECLINED;
    return OK;
}

static int wk_type_checker(request_rec *r)
{
    route_t *route = request_route(r);

    if (route == NULL || route->kind == ROUTE_FALLBACK)
        return DECLINED;
    r->handler = WK_HANDLER;
    return OK;
}

/*
 * Finds the tenant file for the request.  Returns OK, or 400 when mass
 * hosting gets a Host that is not a valid host name.
 */
static int tenant_path(const char **path, request_rec *r,
                       const wk_server_conf_t *conf)
{
    const char *host = apr_table_get(r->headers_in, "Host");
    const char *name;
    int i;

    if (conf->mass_hosting != 1) {
        *path = conf->tenant_file;
        return OK;
    }
    if (host == NULL)
        host = r->hostname;
    if (host == NULL
        || wk_host_normalize(&name, host, strlen(host), r->pool)
           != APR_SUCCESS)
        return HTTP_BAD_REQUEST;

    /* An exact ServerAlias reaches the tenant of the ServerName. */
    for (i = 0; r->server->names && i < r->server->names->nelts; i++) {
        const char *alias = APR_ARRAY_IDX(r->server->names, i, char *);

        if (strcasecmp(alias, name) == 0 && r->server->server_hostname
            && wk_host_normalize(&name, r->server->server_hostname,
                                 strlen(r->server->server_hostname),
                                 r->pool) == APR_SUCCESS)
            break;
    }
    *path = apr_pstrcat(r->pool, conf->tenant_dir, "/", name, ".db", NULL);
    return OK;
}

/* The site of a request with no tenant data: for errors only. */
static void site_fallback(wk_site_t *site, wk_settings_t *settings,
                          request_rec *r, const wk_server_conf_t *conf)
{
    memset(site, 0, sizeof(*site));
    memset(settings, 0, sizeof(*settings));
    settings->title = r->hostname ? r->hostname : "";
    settings->description = "";
    settings->base_url = "";
    settings->language = "en";
    site->theme = conf->theme;
    site->settings = settings;
    site->link_root = wk_conf_mount(conf);
    site->absolute_root = apr_pstrcat(r->pool, ap_http_scheme(r), "://",
                                      r->hostname ? r->hostname : "",
                                      wk_conf_mount(conf), NULL);
}

/* Returns the parsed zone of name, or NULL for UTC or an unknown name. */
static const wk_zone_t *zone_find(const char *name)
{
    wk_zone_t *zone;

    if (name == NULL || *name == '\0' || strcmp(name, "UTC") == 0
        || zone_cache == NULL)
        return NULL;
    apr_thread_mutex_lock(zone_mutex);
    zone = apr_hash_get(zone_cache, name, APR_HASH_KEY_STRING);
    if (zone == NULL && apr_hash_count(zone_cache) < ZONE_CACHE_MAX
        && wk_zone_load(&zone, name, zone_pool) == APR_SUCCESS)
        apr_hash_set(zone_cache, apr_pstrdup(zone_pool, name),
                     APR_HASH_KEY_STRING, zone);
    apr_thread_mutex_unlock(zone_mutex);
    return zone;
}

/* Fills the site of a tenant: its settings and its URLs. */
static void site_init(wk_site_t *site, const wk_settings_t *settings,
                      request_rec *r, const wk_server_conf_t *conf)
{
    const char *mount = wk_conf_mount(conf);
    const char *base = settings->base_url;
    apr_size_t len = strlen(base);
    char *port_part = "";

    site->theme = conf->theme;
    site->settings = settings;
    site->link_root = mount;
    site->zone = zone_find(settings->timezone);
    if (len > 0) {
        site->absolute_root = base[len - 1] == '/'
            ? base : apr_pstrcat(r->pool, base, "/", NULL);
        return;
    }
    if (!ap_is_default_port(ap_get_server_port(r), r))
        port_part = apr_psprintf(r->pool, ":%u", ap_get_server_port(r));
    site->absolute_root = apr_pstrcat(r->pool, ap_http_scheme(r), "://",
                                      r->hostname ? r->hostname : "",
                                      port_part, mount, NULL);
}

/* FNV-1a over the body: a strong validator that changes with any byte. */
static const char *body_etag(const wk_buf_t *body, apr_pool_t *pool)
{
    apr_uint64_t hash = APR_UINT64_C(14695981039346656037);
    apr_size_t i;

    for (i = 0; i < body->len; i++) {
        hash ^= (unsigned char)body->data[i];
        hash *= APR_UINT64_C(1099511628211);
    }
    return apr_psprintf(pool, "\"%016" APR_UINT64_T_HEX_FMT "\"", hash);
}

/*
 * Reads ?page=N.  Returns the page (1 when absent), 0 when the value is
 * not a positive whole number, or -1 when it is one too large to exist.
 */
static int request_page(request_rec *r)
{
    const char *args = r->args, *p;
    apr_int64_t n = 0;
    apr_size_t digits = 0;

    while (args != NULL && *args != '\0') {
        if (strncmp(args, "page=", 5) == 0) {
            for (p = args + 5; *p >= '0' && *p <= '9'; p++)
                if (++digits <= 9)
                    n = n * 10 + (*p - '0');
            if ((*p != '\0' && *p != '&') || digits == 0 || n == 0)
                return 0;
            return digits > 9 ? -1 : (int)n;
        }
        args = strchr(args, '&');
        if (args != NULL)
            args++;
    }
    return 1;
}

/* Returns the name of the page file of route, for the tenant file that
 * stamp is of. */
static const char *page_file_name(request_rec *r, const route_t *route,
                                  const wk_page_stamp_t *stamp)
{
    int list_page = route->kind == ROUTE_INDEX || route->kind == ROUTE_TAG
                    ? request_page(r) : 0;

    return wk_page_file_name(stamp, server_conf(r->server)->page_scope,
                             r->uri, list_page, r->pool);
}

/*
 * Writes page to its page file for the other processes, when the stamp
 * read before the page's version vouches for it and the tenant's -wal
 * file was empty.  A commit whose writer stalls between appending to the
 * -wal file and publishing it leaves the files' times alone when it
 * becomes visible (wk_page_stamp_read()), and a page file would serve
 * the page from before it to every process until the next write.  With
 * no frame in the -wal file, no commit can be under way.
 */
static void page_file_keep(request_rec *r, const route_t *route,
                           const wk_page_t *page)
{
    apr_status_t rv;

    if (page_files == NULL || route->cache_stamp == NULL
        || route->cache_stamp->has_wal)
        return;
    rv = wk_page_file_write(page_files,
                            page_file_name(r, route, route->cache_stamp),
                            route->cache_key, route->cache_stamp, page,
                            r->pool);
    if (rv != APR_SUCCESS
        && !__atomic_exchange_n(&page_files_failed, 1, __ATOMIC_SEQ_CST))
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r,
                      "WK00302: cannot write page files in %s, so each "
                      "process renders the pages it has not kept itself; "
                      "later failures of this process are not logged",
                      page_files);
}

/* Keeps a page just rendered for this request's route, when it may be. */
static void page_keep(request_rec *r, const char *content_type,
                      const wk_buf_t *body, apr_time_t last_modified)
{
    route_t *route = ap_get_module_config(r->request_config,
                                          &writekit_module);
    wk_page_t page;

    if (route == NULL || route->cache_key == NULL)
        return;
    page.body = body->data;
    page.len = body->len;
    page.etag = apr_table_get(r->headers_out, "ETag");
    page.content_type = content_type;
    page.last_modified = last_modified;
    page.expires = route->cache_expires;
    if (page.etag == NULL)
        return;
    if (page_cache != NULL)
        wk_page_cache_put(page_cache, route->cache_key,
                          route->cache_version, route->cache_stamp,
                          route->cache_mark, &page);
    page_file_keep(r, route, &page);
}

/*
 * Sends a rendered page with its validators, or 304 when the client's
 * copy is current.  status is the response status (200 or an error).
 */
static int send_page(request_rec *r, int status, const char *content_type,
                     const wk_buf_t *body, apr_time_t last_modified)
{
    int cond;

    r->status = status;
    ap_set_content_type(r, content_type);
    if (status == HTTP_OK) {
        /* Error pages carry no-store from send_error() instead. */
        apr_table_setn(r->headers_out, "Cache-Control", "no-cache");
        apr_table_setn(r->headers_out, "ETag", body_etag(body, r->pool));
        if (last_modified > 0) {
            ap_update_mtime(r, last_modified);
            ap_set_last_modified(r);
        }
        page_keep(r, content_type, body, last_modified);
        cond = ap_meets_conditions(r);
        if (cond != OK) {
            r->status = HTTP_OK;
            return cond;
        }
    }
    ap_set_content_length(r, (apr_off_t)body->len);
    if (!r->header_only)
        ap_rwrite(body->data, (int)body->len, r);
    return OK;
}

/* Sends a page from the cache with its validators, or 304. */
static int send_cached_page(request_rec *r, const wk_page_t *page)
{
    int cond;

    ap_set_content_type(r, page->content_type);
    apr_table_setn(r->headers_out, "Cache-Control", "no-cache");
    apr_table_setn(r->headers_out, "ETag", page->etag);
    if (page->last_modified > 0) {
        ap_update_mtime(r, page->last_modified);
        ap_set_last_modified(r);
    }
    cond = ap_meets_conditions(r);
    if (cond != OK)
        return cond;
    ap_set_content_length(r, (apr_off_t)page->len);
    if (!r->header_only)
        ap_rwrite(page->body, (int)page->len, r);
    return OK;
}

/* Sends the theme's error page with status. */
static int send_tenant_fault(request_rec *r, const wk_site_t *site,
                             wk_db_t *db, const char *what);

static int send_error(request_rec *r, const wk_site_t *site, int status,
                      const char *title, const char *message)
{
    wk_buf_t *body = wk_buf_make(r->pool, 4096);

    if (site->theme == NULL
        || wk_view_error(body, site, status, title, message, r->pool)
           != APR_SUCCESS)
        return status;
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    return send_page(r, status, "text/html; charset=utf-8", body, 0);
}

static int send_not_found(request_rec *r, const wk_site_t *site)
{
    return send_error(r, site, HTTP_NOT_FOUND, "Page not found",
                      "There is nothing at this address. The post may have "
                      "moved, or the link may be mistyped.");
}

static apr_time_t newest_of(const apr_array_header_t *posts, apr_time_t t)
{
    int i;

    for (i = 0; posts && i < posts->nelts; i++) {
        const wk_post_t *post = APR_ARRAY_IDX(posts, i, const wk_post_t *);

        if (post->published_at > t)
            t = post->published_at;
    }
    return t;
}

/*
 * Returns the redirect key of a WordPress plain permalink in the query,
 * "?p=ID" or "?page_id=ID", or NULL when the query has neither.  Imports
 * from WordPress store these keys, so old links such as /?p=12 still
 * reach their post.
 */
static const char *request_old_permalink(request_rec *r)
{
    static const char *const names[] = { "p=", "page_id=", NULL };
    const char *args = r->args;
    int i;

    while (args != NULL && *args != '\0') {
        for (i = 0; names[i] != NULL; i++) {
            apr_size_t len = strlen(names[i]);
            apr_size_t digits = strspn(args + len, "0123456789");

            if (strncmp(args, names[i], len) == 0 && digits > 0
                && digits <= 19
                && (args[len + digits] == '\0' || args[len + digits] == '&'))
                return apr_pstrcat(r->pool, "?",
                                   apr_pstrmemdup(r->pool, args,
                                                  len + digits), NULL);
        }
        args = strchr(args, '&');
        if (args != NULL)
            args++;
    }
    return NULL;
}

static int send_post_redirect(request_rec *r, const wk_site_t *site,
                              const char *slug);

/* Serves the index or a tag's list, page by page. */
static int serve_list(request_rec *r, const wk_site_t *site, wk_db_t *db,
                      const char *tag_slug)
{
    int per_page = site->settings->posts_per_page;
    int page = request_page(r), pages, total;
    apr_array_header_t *posts;
    const char *old, *slug;
    wk_tag_t *tag = NULL;
    wk_buf_t *body;
    apr_status_t rv;

    if (tag_slug == NULL && (old = request_old_permalink(r)) != NULL
        && wk_redirect_lookup(&slug, db, old, r->request_time, r->pool)
           == APR_SUCCESS)
        return send_post_redirect(r, site, slug);
    if (page == 0)
        return send_error(r, site, HTTP_BAD_REQUEST, "Invalid page number",
                          "The page parameter must be a whole number "
                          "from 1 up.");
    if (page < 0)
        return send_not_found(r, site);
    if (tag_slug != NULL) {
        rv = wk_tag_get(&tag, db, tag_slug, r->pool);
        if (rv == APR_NOTFOUND)
            return send_not_found(r, site);
        if (rv != APR_SUCCESS)
            return send_tenant_fault(r, site, db, "a tag");
    }

    rv = wk_post_list_visible(&posts, &total, db, tag_slug,
                              (page - 1) * per_page, per_page,
                              r->request_time, r->pool);
    if (rv != APR_SUCCESS)
        return send_tenant_fault(r, site, db, "the list of posts");
    pages = total == 0 ? 1 : (total + per_page - 1) / per_page;
    if (page > pages || (tag != NULL && total == 0))
        return send_not_found(r, site);

    body = wk_buf_make(r->pool, 16384);
    if (tag != NULL)
        rv = wk_view_tag(body, site, tag, posts, page, pages, r->pool);
    else
        rv = wk_view_index(body, site, posts, page, pages, r->pool);
    if (rv != APR_SUCCESS)
        return HTTP_INTERNAL_SERVER_ERROR;
    return send_page(r, HTTP_OK, "text/html; charset=utf-8", body,
                     newest_of(posts, site->settings->changed_at));
}

/* Sends a permanent redirect to the post with slug. */
static int send_post_redirect(request_rec *r, const wk_site_t *site,
                              const char *slug)
{
    wk_buf_t *url = wk_buf_make(r->pool, 256);

    wk_buf_puts(url, site->link_root);
    wk_buf_puts(url, "posts/");
    wk_url_encode_path(url, slug);
    apr_table_setn(r->headers_out, "Location", url->data);
    return HTTP_MOVED_PERMANENTLY;
}

/* Redirects /posts/OLD to the post that had that slug, or sends 404. */
static int send_moved_or_not_found(request_rec *r, const wk_site_t *site,
                                   wk_db_t *db, const char *old_slug)
{
    const char *slug;

    if (wk_post_find_moved(&slug, db, old_slug, r->request_time, r->pool)
        != APR_SUCCESS)
        return send_not_found(r, site);
    return send_post_redirect(r, site, slug);
}

static int serve_post(request_rec *r, const wk_site_t *site, wk_db_t *db,
                      const char *slug)
{
    wk_post_t *post;
    wk_buf_t *body;
    apr_status_t rv;
    apr_time_t modified;

    rv = wk_post_get_visible(&post, db, slug, r->request_time, r->pool);
    if (rv == APR_NOTFOUND)
        return send_moved_or_not_found(r, site, db, slug);
    if (rv != APR_SUCCESS)
        return send_tenant_fault(r, site, db, "a post");

    body = wk_buf_make(r->pool, 16384 + strlen(post->html));
    if (wk_view_post(body, site, post, r->pool) != APR_SUCCESS)
        return HTTP_INTERNAL_SERVER_ERROR;
    modified = post->updated_at > post->published_at ? post->updated_at
                                                     : post->published_at;
    if (site->settings->changed_at > modified)
        modified = site->settings->changed_at;
    return send_page(r, HTTP_OK, "text/html; charset=utf-8", body, modified);
}

static int serve_feed(request_rec *r, const wk_site_t *site, wk_db_t *db)
{
    apr_array_header_t *posts;
    wk_buf_t *body;

    if (wk_post_list_feed(&posts, db, 20, r->request_time, r->pool)
        != APR_SUCCESS)
        return send_tenant_fault(r, site, db, "the feed's posts");
    body = wk_buf_make(r->pool, 65536);
    if (wk_view_feed(body, site, posts, r->pool) != APR_SUCCESS)
        return HTTP_INTERNAL_SERVER_ERROR;
    return send_page(r, HTTP_OK, "application/atom+xml; charset=utf-8", body,
                     newest_of(posts, site->settings->changed_at));
}

static int serve_media(request_rec *r, const wk_site_t *site, wk_db_t *db,
                       const char *path)
{
    wk_media_t *media;
    apr_status_t rv;
    wk_buf_t body;
    int cond;

    rv = wk_media_get(&media, db, path, r->pool);
    if (rv == APR_NOTFOUND)
        return send_not_found(r, site);
    if (rv != APR_SUCCESS)
        return send_tenant_fault(r, site, db, "a media file");

    ap_set_content_type(r, media->content_type);
    apr_table_setn(r->headers_out, "X-Content-Type-Options", "nosniff");
    /* An upload's path is its content hash, so its bytes never change;
     * an imported image keeps its path when a re-import replaces it. */
    apr_table_setn(r->headers_out, "Cache-Control",
                   strncmp(path, "uploads/", 8) == 0
                   ? "public, max-age=31536000, immutable"
                   : "public, max-age=86400");
    /* SVG may carry script; this keeps it from running when the image is
     * opened on its own. */
    if (strcmp(media->content_type, "image/svg+xml") == 0)
        apr_table_setn(r->headers_out, "Content-Security-Policy",
                       "default-src 'none'; style-src 'unsafe-inline'; "
                       "sandbox");
    apr_table_setn(r->headers_out, "ETag",
                   apr_psprintf(r->pool, "\"%.32s\"", media->sha256));
    ap_update_mtime(r, media->created_at);
    ap_set_last_modified(r);
    cond = ap_meets_conditions(r);
    if (cond != OK)
        return cond;

    body.data = (char *)media->data;
    body.len = media->size;
    ap_set_content_length(r, (apr_off_t)body.len);
    if (!r->header_only)
        ap_rwrite(body.data, (int)body.len, r);
    return OK;
}

/* Redirects an old URL to its post, or serves the themed 404. */
static int serve_fallback(request_rec *r, const wk_site_t *site,
                          wk_db_t *db, const char *rest)
{
    apr_size_t len = strlen(rest);
    const char *slug;

    while (len > 0 && rest[len - 1] == '/')
        len--;
    if (len > 0 && wk_redirect_lookup(&slug, db,
                                      apr_pstrmemdup(r->pool, rest, len),
                                      r->request_time, r->pool)
                   == APR_SUCCESS)
        return send_post_redirect(r, site, slug);
    return send_not_found(r, site);
}

/* Logs a tenant fault the first time it is seen and returns 503. */
static int tenant_unavailable(request_rec *r, const char *path,
                              const char *error, int first_report)
{
    if (first_report)
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "WK00002: tenant %s unavailable: %s", path, error);
    apr_table_setn(r->err_headers_out, "Retry-After", "60");
    return HTTP_SERVICE_UNAVAILABLE;
}

/*
 * Sends the themed 503 for a query on an open tenant that failed, such as
 * on a file damaged while open, and logs the fault as
 * wk_cache_note_query_fault() allows.  The tenant stays open, so a repair
 * shows on the next request.
 * what names what the query read.
 */
static int send_tenant_fault(request_rec *r, const wk_site_t *site,
                             wk_db_t *db, const char *what)
{
    const char *error = apr_psprintf(r->pool, "cannot read %s: %s", what,
                                     sqlite3_errmsg(wk_db_handle(db)));

    tenant_unavailable(r, wk_db_path(db), error,
                       wk_cache_note_query_fault(tenant_cache, db,
                                                 r->request_time));
    return send_error(r, site, HTTP_SERVICE_UNAVAILABLE, "Blog unavailable",
                      "This blog cannot be served right now. The site's "
                      "administrator has been told.");
}

/*
 * Borrows the connection to the request's tenant.  Returns OK, 400 for a
 * Host that is not a host name, 404 for a mass hosting host with no file,
 * or 503 for a tenant that cannot be opened (logged once).  known is a
 * stat() of the tenant file this request took already, or NULL.
 */
static int tenant_acquire(wk_db_t **db, request_rec *r,
                          const wk_server_conf_t *conf,
                          const apr_finfo_t *known)
{
    const char *path;
    char *error = NULL;
    int first_report = 0;
    apr_status_t rv;

    if (tenant_path(&path, r, conf) != OK)
        return HTTP_BAD_REQUEST;
    rv = wk_cache_acquire(db, tenant_cache, path, known, r->pool, &error,
                          &first_report);
    if (rv == APR_SUCCESS)
        return OK;
    if (rv == APR_ENOENT && conf->mass_hosting == 1)
        return HTTP_NOT_FOUND;
    if (rv == APR_ENOENT)
        first_report = wk_cache_report_missing(tenant_cache, path);
    return tenant_unavailable(r, path, error, first_report);
}

/* Loads the tenant's settings, or returns 503 when they cannot be read,
 * logged as wk_cache_note_query_fault() allows.  The tenant stays open,
 * so a repair through the -wal file shows on the next request. */
static int tenant_settings(wk_settings_t **settings, request_rec *r,
                           wk_db_t *db)
{
    char *error;

    *settings = apr_palloc(r->pool, sizeof(**settings));
    if (wk_settings_load(*settings, db, r->pool) == APR_SUCCESS)
        return OK;
    error = apr_psprintf(r->pool, "cannot read settings: %s",
                         sqlite3_errmsg(wk_db_handle(db)));
    return tenant_unavailable(r, wk_db_path(db), error,
                              wk_cache_note_query_fault(tenant_cache, db,
                                                        r->request_time));
}

/*
 * Borrows the connection to the request's tenant and loads its settings.
 * Returns OK, 400 for a Host that is not a host name, 404 for a mass
 * hosting tenant with no file, or 503 for a tenant that cannot be served
 * (logged once per fault).
 */
static int tenant_open(wk_db_t **db, wk_settings_t **settings,
                       request_rec *r, const wk_server_conf_t *conf)
{
    int status = tenant_acquire(db, r, conf, NULL);

    return status == OK ? tenant_settings(settings, r, *db) : status;
}

static int route_cacheable(const route_t *route)
{
    return route->kind == ROUTE_INDEX || route->kind == ROUTE_TAG
           || route->kind == ROUTE_POST || route->kind == ROUTE_FEED;
}

/*
 * Returns the key of the request's page in the page cache.  The key
 * includes the host and port, because with an empty base URL the page's
 * absolute links depend on them, and the virtual host's scope, because
 * the host and port come from the client.  A file moved into place may
 * be at the version of the file it replaced, so the inode of the tenant
 * file keeps their pages apart.
 */
static const char *page_key(request_rec *r, const wk_server_conf_t *conf,
                            const char *path, apr_ino_t inode)
{
    /* apr_pstrcat() rather than apr_psprintf(), whose format parser took
     * 2,200 of the 20,000 instructions of a request for a kept page
     * (callgrind). */
    return apr_pstrcat(r->pool, path, "\n",
                       apr_off_t_toa(r->pool, (apr_off_t)inode), "\n",
                       conf->page_scope ? conf->page_scope : "", "\n",
                       ap_http_scheme(r), "://",
                       r->hostname ? r->hostname : "", ":",
                       apr_itoa(r->pool, ap_get_server_port(r)), "\n",
                       r->uri, "?", r->args ? r->args : "", NULL);
}

/*
 * Reads the page of route from its page file into page, and keeps it in
 * this process's cache, when the file was written under the stamp that
 * the tenant's files have now.
 */
static int page_from_file(request_rec *r, const route_t *route,
                          const char *key, wk_page_t *page)
{
    const char *path;

    if (page_files == NULL)
        return 0;
    path = apr_pstrcat(r->pool, page_files, "/",
                       page_file_name(r, route, &route->stamp), NULL);
    if (!wk_page_file_read(page, path, key, &route->stamp, r->request_time,
                           r->pool))
        return 0;
    if (page_cache != NULL)
        wk_page_cache_put(page_cache, key, PAGE_VERSION_NONE, &route->stamp,
                          NULL, page);
    return 1;
}

/*
 * Serves the page of route without opening the tenant, when its files
 * still have the stamp of a page kept in this process or in a page file.
 * An equal stamp means that nothing was written since the page was known
 * to be current.  Otherwise it notes the stamp in route, for
 * page_from_cache(), and returns DECLINED.
 */
static int page_from_stamp(request_rec *r, const wk_server_conf_t *conf,
                           route_t *route)
{
    const char *path, *key;
    wk_page_t page;

    if ((page_cache == NULL && page_files == NULL)
        || !route_cacheable(route) || tenant_path(&path, r, conf) != OK)
        return DECLINED;
    route->stamped = wk_page_stamp_read(&route->stamp, &route->tenant_file,
                                        path, r->request_time, r->pool);
    if (!route->stamped)
        return DECLINED;

    key = page_key(r, conf, path, route->stamp.inode);
    if ((page_cache != NULL
         && wk_page_cache_get_stamped(page_cache, key, &route->stamp,
                                      r->request_time, &page, r->pool))
        || page_from_file(r, route, key, &page))
        return send_cached_page(r, &page);
    return DECLINED;
}

/*
 * Sends a page this process kept.  A stamp in route is new to the page,
 * because page_from_stamp() missed it, so the page file gets it too.
 */
static int send_kept_page(request_rec *r, route_t *route,
                          const wk_page_t *page)
{
    page_file_keep(r, route, page);
    route->cache_key = NULL;    /* nothing to keep: it came from there */
    return send_cached_page(r, page);
}

/*
 * Serves the page of route from the cache when nothing was committed to
 * the tenant since the page was known to be current, or when the tenant
 * is still at the version the page was rendered at.  Otherwise it notes
 * in route the key, version and expiry to keep the page under once
 * rendered, and returns DECLINED.  From now on the WAL-index header
 * vouches for the page, and so does the stamp that page_from_stamp() read
 * when it is of the file that db has open.  Both were read before this
 * version.
 */
static int page_from_cache(request_rec *r, wk_db_t *db, route_t *route)
{
    apr_int64_t version;
    apr_time_t next_visible;
    wk_page_t page;

    if ((page_cache == NULL && page_files == NULL)
        || !route_cacheable(route))
        return DECLINED;

    /* While a tenant is being written its file stamp changes with every
     * commit, and the version query's read transaction took about a tenth
     * of the CPU under the bench's autosaves (perf).  The header read from
     * shared memory costs no system call. */
    route->cache_mark = wk_db_wal_mark(db, &route->mark) ? &route->mark
                                                          : NULL;
    route->cache_key = page_key(r, server_conf(r->server), wk_db_path(db),
                                wk_db_inode(db));
    route->cache_stamp = route->stamped
                         && route->stamp.inode == wk_db_inode(db)
                         ? &route->stamp : NULL;
    if (page_cache != NULL && route->cache_mark != NULL
        && wk_page_cache_get_marked(page_cache, route->cache_key,
                                    route->cache_mark, route->cache_stamp,
                                    r->request_time, &page, r->pool))
        return send_kept_page(r, route, &page);
    if (wk_site_version(&version, &next_visible, db, r->request_time)
        != APR_SUCCESS) {
        route->cache_key = NULL;
        return DECLINED;
    }

    route->cache_version = version;
    route->cache_expires = next_visible;
    if (page_cache == NULL
        || !wk_page_cache_get(page_cache, route->cache_key, version,
                              r->request_time, route->cache_stamp,
                              route->cache_mark, &page, r->pool))
        return DECLINED;
    return send_kept_page(r, route, &page);
}

/*
 * Closes this process's idle tenants at most once a second, so that a
 * tenant read only from kept pages still closes after the idle timeout.
 * Its -wal file goes with its last connection, and while it is there no
 * page file is written for the tenant (page_file_keep()).
 */
static void tenants_close_idle(apr_time_t now)
{
    static apr_time_t last;
    apr_time_t seen = __atomic_load_n(&last, __ATOMIC_RELAXED);

    if (now - seen < apr_time_from_sec(1)
        || !__atomic_compare_exchange_n(&last, &seen, now, 0,
                                        __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        return;
    wk_cache_close_idle(tenant_cache, now);
}

static int serve_route(request_rec *r, wk_server_conf_t *conf,
                       route_t *route)
{
    wk_settings_t fallback_settings, *settings;
    wk_site_t site;
    wk_db_t *db;
    int status;

    site_fallback(&site, &fallback_settings, r, conf);
    if (tenant_cache != NULL)
        tenants_close_idle(r->request_time);

    /* A kept page needs neither the settings nor the theme, and while
     * the tenant's files are unchanged not even the tenant. */
    status = page_from_stamp(r, conf, route);
    if (status != DECLINED)
        return status;
    status = tenant_acquire(&db, r, conf, &route->tenant_file);
    if (status == OK) {
        status = page_from_cache(r, db, route);
        if (status != DECLINED)
            return status;
        status = tenant_settings(&settings, r, db);
    }
    if (status == HTTP_BAD_REQUEST)
        return send_error(r, &site, status, "Bad request",
                          "The Host header is not a valid host name.");
    if (status == HTTP_NOT_FOUND)
        return send_not_found(r, &site);
    if (status != OK)
        return send_error(r, &site, HTTP_SERVICE_UNAVAILABLE,
                          "Blog unavailable",
                          "This blog cannot be served right now. The site's "
                          "administrator has been told.");
    site_init(&site, settings, r, conf);

    switch (route->kind) {
    case ROUTE_INDEX:
        return serve_list(r, &site, db, NULL);
    case ROUTE_TAG:
        return serve_list(r, &site, db, route->arg);
    case ROUTE_POST:
        return serve_post(r, &site, db, route->arg);
    case ROUTE_FEED:
        return serve_feed(r, &site, db);
    case ROUTE_MEDIA:
        return serve_media(r, &site, db, route->arg);
    default:
        return serve_fallback(r, &site, db, route->rest);
    }
}

/* Serves a studio API request with the same tenant rules as the reader,
 * errors as JSON. */
static int serve_api(request_rec *r, wk_server_conf_t *conf,
                     const route_t *route)
{
    wk_api_request_t *req = apr_pcalloc(r->pool, sizeof(*req));
    wk_settings_t *settings = NULL;
    int status;

    req->r = r;
    req->conf = conf;
    req->path = route->arg;
    status = tenant_open(&req->db, &settings, r, conf);
    req->settings = settings;
    if (status == HTTP_BAD_REQUEST)
        return wk_api_error(req, status, "invalid_host",
                            "The Host header is not a valid host name.");
    if (status == HTTP_NOT_FOUND)
        return wk_api_error(req, status, "no_blog",
                            "There is no blog at this host name.");
    if (status != OK)
        return wk_api_error(req, status, "blog_unavailable",
                            "This blog cannot be served right now. The "
                            "site's administrator has been told.");
    return wk_api_dispatch(req);
}

/*
 * Logs once per child that its render launcher has ended.  Renders still
 * work, each forked from this child, so the API request that found the
 * launcher gone succeeds, and this line is the admin's only sign of it.
 */
static void note_launcher_lost(request_rec *r)
{
    if (!launcher_started || wk_render_launcher_pid() != 0
        || __atomic_exchange_n(&launcher_lost_logged, 1, __ATOMIC_SEQ_CST))
        return;
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                  "WK00301: the render launcher of this process has "
                  "ended, so each render now forks this process; a "
                  "graceful restart starts a new launcher");
}

static int wk_handler(request_rec *r)
{
    wk_server_conf_t *conf = server_conf(r->server);
    route_t *route = request_route(r);
    int status;

    if (route == NULL || r->handler == NULL
        || strcmp(r->handler, WK_HANDLER) != 0)
        return DECLINED;
    if (route->kind == ROUTE_API) {
        status = serve_api(r, conf, route);
        note_launcher_lost(r);
        return status;
    }
    if (r->method_number != M_GET) {
        /* httpd builds Allow from allowed_methods (HEAD comes with GET). */
        ap_allow_standard_methods(r, REPLACE_ALLOW, M_GET, -1);
        return HTTP_METHOD_NOT_ALLOWED;
    }
    if (route->kind == ROUTE_STUDIO)
        return wk_studio_serve(r, conf, route->arg);
    if (route->kind == ROUTE_MOUNT_SLASH || route->kind == ROUTE_DROP_SLASH) {
        const char *path = route->kind == ROUTE_MOUNT_SLASH
            ? apr_pstrcat(r->pool, r->uri, "/", NULL)
            : apr_pstrndup(r->pool, r->uri, strlen(r->uri) - 1);
        wk_buf_t *url = wk_buf_make(r->pool, 256);

        wk_url_encode_path(url, path);
        if (r->args)
            wk_buf_printf(url, "?%s", r->args);
        apr_table_setn(r->headers_out, "Location", url->data);
        return HTTP_MOVED_PERMANENTLY;
    }
    return serve_route(r, conf, route);
}

/*
 * Runs after every other handler: a URL under the blog that no file
 * answered may be an old post URL, else it gets the blog's 404 page.
 * Handlers of other modules (CGI, PHP, ...) are left alone.
 */
static int wk_fallback_handler(request_rec *r)
{
    wk_server_conf_t *conf = server_conf(r->server);
    route_t *route = request_route(r);

    if (route == NULL || route->kind != ROUTE_FALLBACK
        || r->method_number != M_GET || r->finfo.filetype != APR_NOFILE)
        return DECLINED;
    /* httpd names the default handler "" or "default-handler", and uses
     * the MIME type as the handler name when no module set one. */
    if (r->handler != NULL && *r->handler != '\0'
        && strcmp(r->handler, "default-handler") != 0
        && ap_strchr_c(r->handler, '/') == NULL)
        return DECLINED;
    return serve_route(r, conf, route);
}

static int wk_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                           apr_pool_t *ptemp, server_rec *s)
{
    return wk_conf_check(pconf, ptemp, s);
}

/* Runs in the parent at every start and restart, before the children
 * fork, so they inherit page_files. */
static int wk_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                          apr_pool_t *ptemp, server_rec *s)
{
    return wk_conf_page_dir_prepare(&page_files, pconf, ptemp, s);
}

static void wk_child_init(apr_pool_t *pchild, server_rec *s)
{
    wk_server_conf_t *conf = server_conf(s);
    wk_cache_limits_t limits;
    apr_size_t page_bytes;
    int threads = 1, threaded = AP_MPMQ_NOT_SUPPORTED;
    apr_status_t rv;

    /* cmark-gfm's extension registry is a library global: fill it
     * before this child starts its threads. */
    wk_markdown_init();

    /* A render forked from a threaded child would copy its page tables
     * and make its threads copy the pages they write.  The launcher
     * forks renders from a copy of this child made now, before the
     * threads start.  A prefork child has no other threads to slow. */
    ap_mpm_query(AP_MPMQ_IS_THREADED, &threaded);
    if (threaded != AP_MPMQ_NOT_SUPPORTED) {
        rv = wk_render_launcher_start(pchild);
        launcher_started = rv == APR_SUCCESS;
        if (rv != APR_SUCCESS)
            ap_log_error(APLOG_MARK, APLOG_ERR, rv, s,
                         "WK00300: cannot start the render launcher, so "
                         "each render forks this process");
    }

    ap_mpm_query(AP_MPMQ_MAX_THREADS, &threads);
    limits.max_tenants = wk_conf_max_tenants(conf);
    limits.max_connections = threads > 0 ? threads : 1;
    limits.idle_timeout = wk_conf_idle_timeout(conf);

    rv = wk_cache_create(&tenant_cache, &limits, pchild);
    if (rv != APR_SUCCESS)
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s,
                     "WK00003: cannot create the tenant cache");

    page_bytes = wk_conf_page_cache_bytes(conf);
    if (page_bytes > 0
        && wk_page_cache_create(&page_cache, page_bytes, pchild)
           != APR_SUCCESS)
        page_cache = NULL;

    if (apr_pool_create(&zone_pool, pchild) == APR_SUCCESS
        && apr_thread_mutex_create(&zone_mutex, APR_THREAD_MUTEX_DEFAULT,
                                   pchild) == APR_SUCCESS)
        zone_cache = apr_hash_make(zone_pool);
}

static void wk_register_hooks(apr_pool_t *pool)
{
    ap_hook_check_config(wk_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(wk_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(wk_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_translate_name(wk_translate_name, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_map_to_storage(wk_map_to_storage, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_type_checker(wk_type_checker, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_handler(wk_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(wk_fallback_handler, NULL, NULL, APR_HOOK_LAST);
}

AP_DECLARE_MODULE(writekit) = {
    STANDARD20_MODULE_STUFF,
    NULL,
    NULL,
    wk_server_conf_create,
    wk_server_conf_merge,
    wk_directives,
    wk_register_hooks
};
