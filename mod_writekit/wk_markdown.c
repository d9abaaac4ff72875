/*
 * wk_markdown.c: markdown to HTML with cmark-gfm, each render in a forked
 * child process under resource limits.
 *
 * cmark-gfm 0.29.0.gfm.6 needs time or memory far out of proportion to the
 * source on some inputs (wide tables, a table row of many cells, a long
 * reference used many times, runs of "![[]()"), so the parent never
 * parses.  It checks the size, forks, and reads the child's output from a
 * pipe while the child's CPU time stays within the budget, then kills the
 * child.  The child sets an address-space and a
 * CPU limit, renders, writes an 8-byte length and the HTML, and calls
 * _exit() so that no pool cleanup or atexit handler of the parent runs
 * twice.  The length lets the parent tell a complete result from a child
 * that died halfway through writing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmark-gfm.h>
#include <cmark-gfm-core-extensions.h>

#include "wk_markdown.h"

/* Exit statuses of the child other than 0; each means the render failed. */
/* The wall-clock backstop, as a multiple of the CPU time budget. */
#define WALL_FACTOR 10

#define CHILD_EXIT_LIMIT  3  /* setrlimit() failed */
#define CHILD_EXIT_PARSE  4  /* cmark-gfm returned no document or HTML */
#define CHILD_EXIT_WRITE  5  /* the pipe to the parent failed */

/* A cmark-gfm syntax extension name, as registered by the core extensions. */
static const char *const markdown_extensions[] = {
    "table", "strikethrough", "autolink", "tasklist", "tagfilter", NULL
};

/*
 * Without CMARK_OPT_UNSAFE the HTML renderer omits raw HTML and empties
 * URLs with the schemes the header lists.
 */
#define MARKDOWN_OPTIONS (CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8 \
                          | CMARK_OPT_FOOTNOTES)

static pthread_once_t markdown_once = PTHREAD_ONCE_INIT;

void wk_render_limits_default(wk_render_limits_t *limits)
{
    limits->max_source_bytes = WK_RENDER_DEFAULT_MAX_SOURCE;
    limits->max_time = WK_RENDER_DEFAULT_MAX_TIME;
    limits->max_memory_bytes = WK_RENDER_DEFAULT_MAX_MEMORY;
}

void wk_markdown_init(void)
{
    pthread_once(&markdown_once, cmark_gfm_core_extensions_ensure_registered);
}

/* Formats a duration as "2 s" when it is whole seconds, else in ms. */
static const char *format_duration(apr_interval_time_t t, apr_pool_t *pool)
{
    if (t % APR_USEC_PER_SEC == 0)
        return apr_psprintf(pool, "%" APR_INT64_T_FMT " s",
                            (apr_int64_t)(t / APR_USEC_PER_SEC));
    return apr_psprintf(pool, "%" APR_INT64_T_FMT " ms",
                        (apr_int64_t)((t + 999) / 1000));
}

/* Formats a size as "256 MB" when it is whole megabytes, else in bytes. */
static const char *format_megabytes(apr_size_t bytes, apr_pool_t *pool)
{
    const apr_size_t mb = 1024 * 1024;

    if (bytes >= mb && bytes % mb == 0)
        return apr_psprintf(pool, "%" APR_SIZE_T_FMT " MB", bytes / mb);
    return apr_psprintf(pool, "%" APR_SIZE_T_FMT " bytes", bytes);
}

/*
 * Reads the process's current virtual size from /proc/self/statm, whose
 * first field is the size in pages.  The address-space limit of the child
 * is this plus the budget, because a forked httpd child starts with the
 * whole address space of its parent.
 */
static apr_status_t address_space_get(apr_size_t *bytes)
{
    char text[128];
    ssize_t got;
    unsigned long pages;
    char *end;
    int fd;

    do {
        fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return APR_FROM_OS_ERROR(errno);
    do {
        got = read(fd, text, sizeof(text) - 1);
    } while (got < 0 && errno == EINTR);
    close(fd);
    if (got <= 0)
        return APR_EGENERAL;

    text[got] = '\0';
    errno = 0;
    pages = strtoul(text, &end, 10);
    if (errno != 0 || end == text)
        return APR_EGENERAL;
    *bytes = (apr_size_t)pages * (apr_size_t)sysconf(_SC_PAGESIZE);
    return APR_SUCCESS;
}

/* Lowers the soft and hard limit of resource to value where it is higher. */
static int limit_set(int resource, rlim_t value)
{
    struct rlimit limit;

    if (getrlimit(resource, &limit) != 0)
        return -1;
    if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < value)
        value = limit.rlim_max;
    limit.rlim_cur = value;
    limit.rlim_max = value;
    return setrlimit(resource, &limit);
}

/*
 * Applies the limits to the child.  RLIMIT_CPU is a backstop for a parent
 * that stops watching: its soft limit sends SIGXCPU one second after the
 * CPU time budget.  Core dumps are off because a child killed for its
 * budget is an expected outcome, not a crash to debug.
 */
static int child_limits_apply(apr_size_t address_space,
                              const wk_render_limits_t *limits)
{
    apr_interval_time_t seconds;
    struct rlimit cpu;

    if (limit_set(RLIMIT_CORE, 0) != 0)
        return -1;
    if (limit_set(RLIMIT_AS, (rlim_t)(address_space
                                      + limits->max_memory_bytes)) != 0)
        return -1;

    seconds = (limits->max_time + APR_USEC_PER_SEC - 1) / APR_USEC_PER_SEC;
    if (getrlimit(RLIMIT_CPU, &cpu) != 0)
        return -1;
    cpu.rlim_cur = (rlim_t)seconds + 1;
    if (cpu.rlim_max == RLIM_INFINITY || cpu.rlim_max > cpu.rlim_cur + 1)
        cpu.rlim_max = cpu.rlim_cur + 1;
    else
        cpu.rlim_cur = cpu.rlim_max;
    return setrlimit(RLIMIT_CPU, &cpu);
}

/*
 * Gives the child default signal handling.  httpd installs handlers for
 * SIGSEGV, SIGABRT and others, and its worker threads block some signals.
 * The child must instead die from them so the parent can read the cause.
 */
static void child_signals_reset(void)
{
    static const int signals[] = {
        SIGABRT, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGXCPU, SIGPIPE,
        SIGTERM, SIGHUP, SIGINT, SIGUSR1, SIGCHLD, 0
    };
    sigset_t none;
    int i;

    for (i = 0; signals[i] != 0; i++)
        signal(signals[i], SIG_DFL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

/*
 * Points the child's stderr at /dev/null.  cmark-gfm prints a line there
 * before it aborts on a failed allocation.  In httpd stderr is the error
 * log, where that line would name no tenant or post, so the parent
 * reports the failure instead.
 */
static void child_stderr_silence(void)
{
    int null_fd = open("/dev/null", O_WRONLY);

    if (null_fd < 0)
        return;
    dup2(null_fd, STDERR_FILENO);
    if (null_fd != STDERR_FILENO)
        close(null_fd);
}

/* Passes the URL of every link and image in doc to rewrite. */
static void urls_rewrite(cmark_node *doc, wk_url_rewrite_fn *rewrite,
                         void *baton, apr_pool_t *pool)
{
    cmark_iter *iter = cmark_iter_new(doc);
    cmark_event_type event;

    while ((event = cmark_iter_next(iter)) != CMARK_EVENT_DONE) {
        cmark_node *node = cmark_iter_get_node(iter);
        cmark_node_type type = cmark_node_get_type(node);
        const char *url, *replacement;

        if (event != CMARK_EVENT_ENTER
            || (type != CMARK_NODE_LINK && type != CMARK_NODE_IMAGE))
            continue;
        url = cmark_node_get_url(node);
        replacement = rewrite(baton, url ? url : "",
                              type == CMARK_NODE_IMAGE, pool);
        if (replacement != NULL)
            cmark_node_set_url(node, replacement);
    }
    cmark_iter_free(iter);
}

/*
 * Parses and renders source; returns HTML from cmark-gfm's allocator, or
 * NULL.  cmark-gfm aborts when an allocation fails, which is how a render
 * over the memory budget ends.
 */
static char *markdown_to_html(const char *source, apr_size_t len,
                              int options, wk_url_rewrite_fn *rewrite,
                              void *baton, apr_pool_t *pool)
{
    cmark_parser *parser = cmark_parser_new(options);
    cmark_node *doc;
    char *html;
    int i;

    for (i = 0; markdown_extensions[i] != NULL; i++) {
        cmark_syntax_extension *extension =
            cmark_find_syntax_extension(markdown_extensions[i]);

        /* The tag filter would turn an allowed iframe into text; with
         * raw HTML kept the caller's sanitizer does its work. */
        if ((options & CMARK_OPT_UNSAFE)
            && strcmp(markdown_extensions[i], "tagfilter") == 0)
            continue;
        if (extension != NULL)
            cmark_parser_attach_syntax_extension(parser, extension);
    }
    cmark_parser_feed(parser, source, len);
    doc = cmark_parser_finish(parser);
    if (doc == NULL) {
        cmark_parser_free(parser);
        return NULL;
    }

    if (rewrite != NULL)
        urls_rewrite(doc, rewrite, baton, pool);
    html = cmark_render_html(doc, options,
                             cmark_parser_get_syntax_extensions(parser));
    cmark_node_free(doc);
    cmark_parser_free(parser);
    return html;
}

/* Writes all len bytes to fd; returns -1 when the pipe fails. */
static int write_all(int fd, const char *bytes, apr_size_t len)
{
    while (len > 0) {
        ssize_t written = write(fd, bytes, len);

        if (written < 0 && errno == EINTR)
            continue;
        if (written <= 0)
            return -1;
        bytes += written;
        len -= (apr_size_t)written;
    }
    return 0;
}

/*
 * Runs the child: limits, render, write, _exit().  It uses no stdio and
 * no APR call that could wait on a lock that another thread of the parent
 * held at fork() time.  Only rewrite allocates on the caller's pool.
 */
static void child_run(int fd, const char *source, apr_size_t len,
                      const wk_render_limits_t *limits, int options,
                      apr_size_t address_space, wk_url_rewrite_fn *rewrite,
                      void *baton, apr_pool_t *pool)
{
    apr_uint64_t html_len;
    char *html;

    child_signals_reset();
    child_stderr_silence();
    if (child_limits_apply(address_space, limits) != 0)
        _exit(CHILD_EXIT_LIMIT);

    html = markdown_to_html(source, len, options, rewrite, baton, pool);
    if (html == NULL)
        _exit(CHILD_EXIT_PARSE);

    html_len = strlen(html);
    if (write_all(fd, (const char *)&html_len, sizeof(html_len)) != 0
        || write_all(fd, html, (apr_size_t)html_len) != 0)
        _exit(CHILD_EXIT_WRITE);
    _exit(0);
}

/* What the parent read from the child. */
typedef struct child_output {
    unsigned char header[sizeof(apr_uint64_t)];
    apr_size_t header_got;
    char *html;
    apr_size_t html_len;
    apr_size_t html_got;
    int overflow;        /* more bytes than the header announced */
} child_output_t;

/* Returns where the next bytes from the pipe go and how many fit. */
static char *output_space(child_output_t *out, apr_size_t *room,
                          apr_size_t max_len, apr_pool_t *pool)
{
    apr_uint64_t announced;

    if (out->header_got < sizeof(out->header)) {
        *room = sizeof(out->header) - out->header_got;
        return (char *)out->header + out->header_got;
    }
    if (out->html == NULL) {
        memcpy(&announced, out->header, sizeof(announced));
        if (announced > max_len) {
            out->overflow = 1;
            return NULL;
        }
        out->html_len = (apr_size_t)announced;
        out->html = apr_palloc(pool, out->html_len + 1);
    }
    *room = out->html_len - out->html_got;
    return out->html + out->html_got;
}

/* Records that count bytes arrived at the place output_space() gave. */
static void output_advance(child_output_t *out, apr_size_t count)
{
    if (out->header_got < sizeof(out->header))
        out->header_got += count;
    else
        out->html_got += count;
}

/* Returns nonzero when the header and all the HTML it announced arrived. */
static int output_complete(const child_output_t *out)
{
    return out->html != NULL && !out->overflow
           && out->html_got == out->html_len;
}

/*
 * Returns 1 when the child has used more CPU time than budget, read from
 * /proc/PID/stat (utime and stime, in clock ticks); 0 otherwise or when
 * the file cannot be read, since RLIMIT_CPU still stops the child.
 */
static int child_cpu_exceeded(pid_t pid, apr_interval_time_t budget)
{
    char path[64], stat[1024], *fields;
    unsigned long utime, stime;
    long ticks = sysconf(_SC_CLK_TCK);
    ssize_t len;
    int fd;

    snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
    fd = open(path, O_RDONLY);
    if (fd < 0)
        return 0;
    len = read(fd, stat, sizeof(stat) - 1);
    close(fd);
    if (len <= 0 || ticks <= 0)
        return 0;
    stat[len] = '\0';

    /* The command name in parentheses may hold spaces; the fields after
     * its closing parenthesis start with the state (field 3). */
    fields = strrchr(stat, ')');
    if (fields == NULL
        || sscanf(fields + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u"
                  " %lu %lu", &utime, &stime) != 2)
        return 0;
    return (apr_interval_time_t)(utime + stime) * APR_USEC_PER_SEC / ticks
           > budget;
}

/*
 * Reads the child's output until end of file, the wall-clock deadline,
 * or the child's CPU time passing budget, checked every CPU_CHECK_MS.
 * Returns APR_TIMEUP for either limit, APR_SUCCESS at end of file
 * (complete or not), or the error of poll() or read().
 */
#define CPU_CHECK_MS 50

static apr_status_t output_read(child_output_t *out, int fd, pid_t pid,
                                apr_time_t deadline,
                                apr_interval_time_t budget,
                                apr_size_t max_len, apr_pool_t *pool)
{
    for (;;) {
        apr_interval_time_t left = deadline - apr_time_now();
        struct pollfd watch = { fd, POLLIN, 0 };
        apr_size_t room;
        char *space;
        char spill[512];
        ssize_t got;
        int ready, wait_ms;

        if (left <= 0)
            return APR_TIMEUP;
        wait_ms = (int)((left + 999) / 1000);
        if (wait_ms > CPU_CHECK_MS)
            wait_ms = CPU_CHECK_MS;
        ready = poll(&watch, 1, wait_ms);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready < 0)
            return APR_FROM_OS_ERROR(errno);
        if (ready == 0) {
            if (child_cpu_exceeded(pid, budget))
                return APR_TIMEUP;
            continue;
        }

        /* Bytes past the announced length mean a broken child; read them
         * into spill so the pipe drains and the child can finish. */
        space = out->overflow ? NULL : output_space(out, &room, max_len, pool);
        if (space == NULL || room == 0) {
            space = spill;
            room = sizeof(spill);
        }
        got = read(fd, space, room);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return APR_FROM_OS_ERROR(errno);
        if (got == 0)
            return APR_SUCCESS;
        if (space == spill)
            out->overflow = 1;
        else
            output_advance(out, (apr_size_t)got);
    }
}

/* Waits for the child to end and returns its wait status. */
static int child_reap(pid_t pid)
{
    int status = 0;

    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return -1;
    }
    return status;
}

/*
 * Turns a failed render into a status and message.  A child that died
 * from SIGABRT ran out of memory, because cmark-gfm aborts when an
 * allocation fails.  SIGSEGV and SIGBUS come from a stack that cannot
 * grow, and a SIGKILL that the parent did not send comes from the
 * kernel's out-of-memory killer.
 */
static apr_status_t child_failure(int status, int killed_by_parent,
                                  const wk_render_limits_t *limits,
                                  char **error, apr_pool_t *pool)
{
    int signal_number = status != -1 && WIFSIGNALED(status)
                        ? WTERMSIG(status) : 0;

    if (killed_by_parent || signal_number == SIGXCPU) {
        *error = apr_psprintf(pool, "rendering took more CPU time than the "
                              "limit of %s",
                              format_duration(limits->max_time, pool));
        return WK_ETIMEOUT;
    }
    if (signal_number == SIGABRT || signal_number == SIGSEGV
        || signal_number == SIGBUS || signal_number == SIGKILL) {
        *error = apr_psprintf(pool, "rendering needed more memory than the "
                              "limit of %s",
                              format_megabytes(limits->max_memory_bytes,
                                               pool));
        return WK_ENOMEM;
    }
    if (signal_number != 0)
        *error = apr_psprintf(pool, "rendering process died from signal "
                              "%d", signal_number);
    else if (status == -1)
        *error = apr_psprintf(pool, "rendering process ended without "
                              "output and could not be waited for");
    else
        *error = apr_psprintf(pool, "rendering process failed with exit "
                              "status %d", WEXITSTATUS(status));
    return APR_EGENERAL;
}

/* Checks the source size and the limits before anything is forked. */
static apr_status_t render_check(apr_size_t len,
                                 const wk_render_limits_t *limits,
                                 char **error, apr_pool_t *pool)
{
    if (limits->max_time <= 0 || limits->max_memory_bytes == 0) {
        *error = apr_psprintf(pool, "render limits must be positive (time "
                              "%" APR_INT64_T_FMT " us, memory %"
                              APR_SIZE_T_FMT " bytes)",
                              (apr_int64_t)limits->max_time,
                              limits->max_memory_bytes);
        return WK_EINVAL;
    }
    if (len > limits->max_source_bytes) {
        *error = apr_psprintf(pool, "post source is %" APR_SIZE_T_FMT
                              " bytes, over the limit of %" APR_SIZE_T_FMT
                              " bytes", len, limits->max_source_bytes);
        return WK_ETOOBIG;
    }
    return APR_SUCCESS;
}

/* Renders in a child process with cmark options; see the header. */
static apr_status_t render_run(const char **html, const char *source,
                               apr_size_t len,
                               const wk_render_limits_t *limits, int options,
                               wk_url_rewrite_fn *rewrite, void *baton,
                               char **error, apr_pool_t *pool)
{
    child_output_t out;
    apr_size_t address_space = 0;
    apr_time_t deadline;
    apr_status_t rv;
    int fds[2];
    int status;
    pid_t pid;

    rv = render_check(len, limits, error, pool);
    if (rv != APR_SUCCESS)
        return rv;
    rv = address_space_get(&address_space);
    if (rv != APR_SUCCESS) {
        *error = apr_psprintf(pool, "cannot read /proc/self/statm to set "
                              "the render memory limit");
        return rv;
    }

    /* O_CLOEXEC keeps the pipe out of programs that other threads start
     * meanwhile, because a copy of the write end there would delay end of
     * file. */
    if (pipe2(fds, O_CLOEXEC) != 0) {
        rv = APR_FROM_OS_ERROR(errno);
        *error = apr_psprintf(pool, "pipe() for rendering failed: %s",
                              strerror(errno));
        return rv;
    }
    /* NOTE: fork() copies the parent's page tables, so its cost grows with
     * the caller's resident memory: about 0.7 ms per render of a 7 KB post
     * from a small process, 4 ms with 200 MB resident (2-core Xeon). */
    /* The budget is CPU time, so a render does not fail because the
     * machine is busy; the wall clock only stops a child that hangs
     * without using the CPU. */
    deadline = apr_time_now() + WALL_FACTOR * limits->max_time
               + apr_time_from_sec(1);
    pid = fork();
    if (pid < 0) {
        rv = APR_FROM_OS_ERROR(errno);
        *error = apr_psprintf(pool, "fork() for rendering failed: %s",
                              strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return rv;
    }
    if (pid == 0) {
        close(fds[0]);
        child_run(fds[1], source, len, limits, options, address_space,
                  rewrite, baton, pool);
    }

    close(fds[1]);
    memset(&out, 0, sizeof(out));
    rv = output_read(&out, fds[0], pid, deadline, limits->max_time,
                     limits->max_memory_bytes, pool);
    if (rv != APR_SUCCESS)
        kill(pid, SIGKILL);
    close(fds[0]);
    status = child_reap(pid);

    /* The child writes only after a full render, so complete output is
     * success whatever waitpid() returns.  That also covers a parent whose
     * SIGCHLD is ignored, where waitpid() fails with ECHILD. */
    if (rv == APR_SUCCESS && output_complete(&out)) {
        out.html[out.html_len] = '\0';
        *html = out.html;
        return APR_SUCCESS;
    }
    if (rv != APR_SUCCESS && rv != APR_TIMEUP) {
        *error = apr_psprintf(pool, "reading the rendered HTML failed: %s",
                              strerror(APR_TO_OS_ERROR(rv)));
        return rv;
    }
    if (rv == APR_SUCCESS && status == 0) {
        *error = apr_psprintf(pool, "rendering process sent malformed "
                              "output (%" APR_SIZE_T_FMT " of %"
                              APR_SIZE_T_FMT " bytes)",
                              out.html_got, out.html_len);
        return APR_EGENERAL;
    }
    return child_failure(status, rv == APR_TIMEUP, limits, error, pool);
}

apr_status_t wk_markdown_render_rewrite(const char **html,
                                        const char *source, apr_size_t len,
                                        const wk_render_limits_t *limits,
                                        wk_url_rewrite_fn *rewrite,
                                        void *baton, char **error,
                                        apr_pool_t *pool)
{
    return render_run(html, source, len, limits, MARKDOWN_OPTIONS, rewrite,
                      baton, error, pool);
}

apr_status_t wk_markdown_render(const char **html, const char *source,
                                apr_size_t len,
                                const wk_render_limits_t *limits,
                                char **error, apr_pool_t *pool)
{
    return render_run(html, source, len, limits, MARKDOWN_OPTIONS, NULL,
                      NULL, error, pool);
}

apr_status_t wk_markdown_render_raw(const char **html, const char *source,
                                    apr_size_t len,
                                    const wk_render_limits_t *limits,
                                    char **error, apr_pool_t *pool)
{
    return render_run(html, source, len, limits,
                      MARKDOWN_OPTIONS | CMARK_OPT_UNSAFE, NULL, NULL, error,
                      pool);
}
