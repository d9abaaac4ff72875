/*
 * wk_markdown.h: markdown to HTML with cmark-gfm, bounded in size, time and
 * memory.
 *
 * Rendering runs when a post is saved or imported, never on the read path.
 * cmark-gfm 0.29.0.gfm.6 has inputs whose parse time or memory grows far
 * faster than their size, so each render runs in a forked process with
 * resource limits and the caller gets either HTML or an error.
 */
#ifndef WK_MARKDOWN_H
#define WK_MARKDOWN_H

#include <sys/types.h>

#include "wk_core.h"

typedef struct wk_render_limits {
    apr_size_t max_source_bytes;  /* larger sources fail with WK_ETOOBIG */
    apr_interval_time_t max_time; /* CPU time; WK_ETIMEOUT past it */
    apr_size_t max_memory_bytes;  /* address space the render may add */
} wk_render_limits_t;

#define WK_RENDER_DEFAULT_MAX_SOURCE (1024 * 1024)
#define WK_RENDER_DEFAULT_MAX_TIME   apr_time_from_sec(2)
#define WK_RENDER_DEFAULT_MAX_MEMORY (256 * 1024 * 1024)

void wk_render_limits_default(wk_render_limits_t *limits);

/*
 * Registers cmark-gfm's extensions.  Call once per process before any
 * thread renders, because the registry is a library global.
 */
void wk_markdown_init(void);

/*
 * Starts the render launcher: a process forked now, while the caller is
 * small, that forks render workers from then on and gives each one
 * render after another, under the same limits per render.  fork() from a
 * large threaded process costs time in proportion to its memory and
 * slows its other threads while the child lives.
 * Call it after wk_markdown_init() and before the caller starts threads.
 * The launcher ends when pool is cleared.  Renders with a URL rewrite,
 * and all renders once the launcher is gone, fork the caller.
 */
apr_status_t wk_render_launcher_start(apr_pool_t *pool);

/* Returns the launcher's process id, or 0 when renders fork the caller
 * (for tests). */
pid_t wk_render_launcher_pid(void);

/*
 * Renders markdown source (len bytes) to HTML allocated on pool.  Uses
 * tables, strikethrough, autolinks, task lists, footnotes and the tag
 * filter.  Raw HTML is omitted, invalid UTF-8 becomes U+FFFD, and links
 * and images with dangerous schemes (javascript:, vbscript:, file:, data:
 * other than PNG, GIF, JPEG and WebP images) get an empty URL.
 * Fails with WK_ETOOBIG, WK_ETIMEOUT, WK_ENOMEM or WK_EINVAL, setting
 * *error to a message that names the limit and its value; a failed fork()
 * or pipe() returns its errno as an APR status.  Safe to call from several
 * threads at once after wk_markdown_init().
 */
apr_status_t wk_markdown_render(const char **html, const char *source,
                                apr_size_t len,
                                const wk_render_limits_t *limits,
                                char **error, apr_pool_t *pool);

/*
 * Like wk_markdown_render() but keeps raw HTML and leaves every URL as
 * written (cmark-gfm's CMARK_OPT_UNSAFE, without the tag filter).  The
 * result is NOT safe to serve: pass it through wk_html_sanitize() first.
 */
apr_status_t wk_markdown_render_raw(const char **html, const char *source,
                                    apr_size_t len,
                                    const wk_render_limits_t *limits,
                                    char **error, apr_pool_t *pool);

/*
 * Returns the URL to use in place of url, or NULL to keep it.  is_image
 * is nonzero for an image and zero for a link.  It runs in the render's
 * child process, so it must not change anything the caller later reads:
 * whatever it allocates on pool dies with the child.
 */
typedef const char *wk_url_rewrite_fn(void *baton, const char *url,
                                      int is_image, apr_pool_t *pool);

/*
 * Like wk_markdown_render() but first passes the URL of every link and
 * image in the parsed document, autolinks included, to rewrite.  The
 * dangerous-scheme check applies to the rewritten URLs too.
 */
apr_status_t wk_markdown_render_rewrite(const char **html,
                                        const char *source, apr_size_t len,
                                        const wk_render_limits_t *limits,
                                        wk_url_rewrite_fn *rewrite,
                                        void *baton, char **error,
                                        apr_pool_t *pool);

#endif
