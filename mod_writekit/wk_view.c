/*
 * wk_view.c: the reader's pages.  Contexts are small json-c trees made per
 * request and freed right after rendering; the post HTML inside them was
 * rendered when the post was saved.
 */
#include <string.h>

#include <apr_lib.h>

#include "wk_view.h"

/* Adds a string; an empty one is left out so a theme's {{#key}} section
 * treats it as absent. */
static void put_string(struct json_object *obj, const char *key,
                       const char *value)
{
    if (value != NULL && *value != '\0')
        json_object_object_add(obj, key, json_object_new_string(value));
}

void wk_url_encode_path(wk_buf_t *out, const char *path)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p;

    for (p = (const unsigned char *)path; *p; p++) {
        if (apr_isalnum(*p) || strchr("-._~/", *p)) {
            wk_buf_append(out, (const char *)p, 1);
        }
        else {
            char escaped[3] = { '%', hex[*p >> 4], hex[*p & 15] };

            wk_buf_append(out, escaped, 3);
        }
    }
}

/* Returns root + prefix + the encoded path as one string on pool. */
static const char *site_url(const char *root, const char *prefix,
                            const char *path, apr_pool_t *pool)
{
    wk_buf_t *buf = wk_buf_make(pool, 128);

    wk_buf_puts(buf, root);
    wk_buf_puts(buf, prefix);
    wk_url_encode_path(buf, path);
    return apr_pstrmemdup(pool, buf->data, buf->len);
}

/* Formats t as a date in the blog's time zone, e.g. "4 December 2026". */
static const char *human_date(apr_time_t t, const wk_zone_t *zone,
                              apr_pool_t *pool)
{
    static const char *const months[] = {
        "January", "February", "March", "April", "May", "June", "July",
        "August", "September", "October", "November", "December"
    };
    apr_time_exp_t tm;

    if (zone != NULL)
        t += apr_time_from_sec(wk_zone_offset_at(zone, t));
    apr_time_exp_gmt(&tm, t);
    return apr_psprintf(pool, "%d %s %d", tm.tm_mday, months[tm.tm_mon],
                        tm.tm_year + 1900);
}

/* Returns url when it is http, https or a path, else NULL, so a URL an
 * import stored can never run script from a page. */
static const char *url_web_or_path(const char *url)
{
    if (url == NULL)
        return NULL;
    if (strncmp(url, "https://", 8) == 0 || strncmp(url, "http://", 7) == 0
        || url[0] == '/' || strncmp(url, "../", 3) == 0)
        return url;
    return NULL;
}

static struct json_object *tags_json(const wk_site_t *site,
                                     const apr_array_header_t *tags,
                                     apr_pool_t *pool)
{
    struct json_object *list = json_object_new_array();
    int i;

    for (i = 0; tags && i < tags->nelts; i++) {
        const wk_tag_t *tag = &APR_ARRAY_IDX(tags, i, wk_tag_t);
        struct json_object *obj = json_object_new_object();

        put_string(obj, "name", tag->name);
        put_string(obj, "url", site_url(site->link_root, "tags/", tag->slug,
                                        pool));
        json_object_array_add(list, obj);
    }
    return list;
}

static struct json_object *post_json(const wk_site_t *site,
                                     const wk_post_t *post, apr_pool_t *pool)
{
    struct json_object *obj = json_object_new_object();

    put_string(obj, "title", post->title);
    put_string(obj, "description", post->description);
    put_string(obj, "author", post->author);
    put_string(obj, "url", site_url(site->link_root, "posts/", post->slug,
                                    pool));
    put_string(obj, "absolute_url", site_url(site->absolute_root, "posts/",
                                             post->slug, pool));
    put_string(obj, "date", human_date(post->published_at, site->zone,
                                       pool));
    put_string(obj, "date_iso", wk_time_rfc3339(post->published_at, pool));
    put_string(obj, "updated_iso", wk_time_rfc3339(post->updated_at, pool));
    put_string(obj, "featured_image", url_web_or_path(post->featured_image));
    if (post->html)
        put_string(obj, "html", post->html);
    json_object_object_add(obj, "tags", tags_json(site, post->tags, pool));
    if (post->tags && post->tags->nelts > 0)
        json_object_object_add(obj, "has_tags", json_object_new_boolean(1));
    return obj;
}

static struct json_object *posts_json(const wk_site_t *site,
                                      const apr_array_header_t *posts,
                                      apr_pool_t *pool)
{
    struct json_object *list = json_object_new_array();
    int i;

    for (i = 0; posts && i < posts->nelts; i++)
        json_object_array_add(list, post_json(site,
            APR_ARRAY_IDX(posts, i, const wk_post_t *), pool));
    return list;
}

static const char *page_title(const char *title, const wk_settings_t *s)
{
    return title && *title ? title : s->title;
}

/* Builds the context every page shares: site and page metadata. */
static struct json_object *page_context(const wk_site_t *site,
                                        const char *title,
                                        const char *description,
                                        const char *canonical,
                                        apr_pool_t *pool)
{
    struct json_object *ctx = json_object_new_object();
    struct json_object *site_obj = json_object_new_object();
    struct json_object *page = json_object_new_object();
    const wk_settings_t *s = site->settings;

    put_string(site_obj, "title", s->title);
    put_string(site_obj, "description", s->description);
    put_string(site_obj, "language", s->language);
    put_string(site_obj, "home_url", site->link_root);
    put_string(site_obj, "feed_url", apr_pstrcat(pool, site->link_root,
                                                 "feed.atom", NULL));
    json_object_object_add(ctx, "site", site_obj);

    put_string(page, "title", page_title(title, s));
    put_string(page, "description", description && *description
                                    ? description
                                    : *s->description ? s->description
                                                      : page_title(title, s));
    if (canonical)
        put_string(page, "canonical", canonical);
    json_object_object_add(ctx, "page", page);
    return ctx;
}

/* Renders template name with ctx into out and frees ctx. */
static apr_status_t render_page(wk_buf_t *out, const wk_site_t *site,
                                const char *name, struct json_object *ctx)
{
    const wk_template_t *tpl = wk_template_set_get(site->theme, name);

    if (tpl == NULL) {
        json_object_put(ctx);
        return APR_NOTFOUND;
    }
    wk_template_render(site->theme, tpl, ctx, out);
    json_object_put(ctx);
    return APR_SUCCESS;
}

/* Adds newer/older links for page of pages under base (a list URL). */
static void add_pagination(struct json_object *ctx, const char *base,
                           int page, int pages, apr_pool_t *pool)
{
    struct json_object *nav = json_object_new_object();

    json_object_object_add(nav, "page", json_object_new_int(page));
    json_object_object_add(nav, "pages", json_object_new_int(pages));
    if (page > 1)
        put_string(nav, "newer_url", page == 2 ? base
                   : apr_psprintf(pool, "%s?page=%d", base, page - 1));
    if (page < pages)
        put_string(nav, "older_url", apr_psprintf(pool, "%s?page=%d", base,
                                                  page + 1));
    if (pages > 1)
        json_object_object_add(ctx, "pagination", nav);
    else
        json_object_put(nav);
}

static const char *page_url(const char *base, int page, apr_pool_t *pool)
{
    return page > 1 ? apr_psprintf(pool, "%s?page=%d", base, page) : base;
}

apr_status_t wk_view_index(wk_buf_t *out, const wk_site_t *site,
                           const apr_array_header_t *posts, int page,
                           int pages, apr_pool_t *pool)
{
    const char *title = page > 1
        ? apr_psprintf(pool, "%s, page %d", site->settings->title, page)
        : site->settings->title;
    struct json_object *ctx = page_context(site, title, NULL,
        page_url(site->absolute_root, page, pool), pool);

    json_object_object_add(ctx, "posts", posts_json(site, posts, pool));
    add_pagination(ctx, site->link_root, page, pages, pool);
    return render_page(out, site, "index", ctx);
}

apr_status_t wk_view_post(wk_buf_t *out, const wk_site_t *site,
                          const wk_post_t *post, apr_pool_t *pool)
{
    /* A post first published elsewhere names that copy as canonical, so
     * search engines keep crediting the original. */
    const char *canonical = url_web_or_path(post->canonical_url) != NULL
                            && post->canonical_url[0] == 'h'
        ? post->canonical_url
        : site_url(site->absolute_root, "posts/", post->slug, pool);
    struct json_object *ctx = page_context(site,
        apr_pstrcat(pool, post->title, " - ", site->settings->title, NULL),
        post->description, canonical, pool);

    json_object_object_add(ctx, "post", post_json(site, post, pool));
    return render_page(out, site, "post", ctx);
}

apr_status_t wk_view_tag(wk_buf_t *out, const wk_site_t *site,
                         const wk_tag_t *tag,
                         const apr_array_header_t *posts, int page,
                         int pages, apr_pool_t *pool)
{
    const char *base = site_url(site->link_root, "tags/", tag->slug, pool);
    const char *absolute = site_url(site->absolute_root, "tags/", tag->slug,
                                    pool);
    struct json_object *ctx = page_context(site,
        apr_psprintf(pool, "Posts tagged %s - %s", tag->name,
                     site->settings->title),
        apr_psprintf(pool, "Posts tagged %s", tag->name),
        page_url(absolute, page, pool), pool);
    struct json_object *tag_obj = json_object_new_object();

    put_string(tag_obj, "name", tag->name);
    put_string(tag_obj, "url", base);
    json_object_object_add(ctx, "tag", tag_obj);
    json_object_object_add(ctx, "posts", posts_json(site, posts, pool));
    add_pagination(ctx, base, page, pages, pool);
    return render_page(out, site, "tag", ctx);
}

/*
 * The feed's updated time is the newest post's, not the clock's, so two
 * requests with no change between them get the same bytes.
 */
apr_status_t wk_view_feed(wk_buf_t *out, const wk_site_t *site,
                          const apr_array_header_t *posts, apr_pool_t *pool)
{
    struct json_object *ctx = page_context(site, NULL, NULL, NULL, pool);
    struct json_object *feed = json_object_new_object();
    struct json_object *entries = json_object_new_array();
    apr_time_t updated = 0;
    int i;

    for (i = 0; posts && i < posts->nelts; i++) {
        const wk_post_t *post = APR_ARRAY_IDX(posts, i, const wk_post_t *);
        struct json_object *entry = post_json(site, post, pool);

        put_string(entry, "id", apr_pstrcat(pool, "urn:uuid:", post->uid,
                                            NULL));
        json_object_array_add(entries, entry);
        if (post->updated_at > updated)
            updated = post->updated_at;
    }
    if (updated == 0)
        updated = site->settings->changed_at;

    put_string(feed, "id", site->absolute_root);
    put_string(feed, "self_url", apr_pstrcat(pool, site->absolute_root,
                                             "feed.atom", NULL));
    put_string(feed, "home_url", site->absolute_root);
    put_string(feed, "updated_iso", wk_time_rfc3339(updated, pool));
    json_object_object_add(ctx, "feed", feed);
    json_object_object_add(ctx, "entries", entries);
    return render_page(out, site, "feed", ctx);
}

apr_status_t wk_view_error(wk_buf_t *out, const wk_site_t *site,
                           int status, const char *title,
                           const char *message, apr_pool_t *pool)
{
    struct json_object *ctx = page_context(site, title, message, NULL, pool);
    struct json_object *error = json_object_new_object();

    json_object_object_add(error, "status", json_object_new_int(status));
    put_string(error, "title", title);
    put_string(error, "message", message);
    json_object_object_add(ctx, "error", error);
    return render_page(out, site, "error", ctx);
}
