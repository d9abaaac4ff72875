/*
 * wk_markdown.c: markdown to HTML with cmark-gfm, each render in a child
 * process under resource limits.
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
 * that died halfway through writing.  In httpd a render runs instead in a
 * worker of the render launcher (below), which keeps the same limits per
 * render.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
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
#define CHILD_EXIT_SOURCE 6  /* the source from the caller was unreadable */

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

/* Writes a render's output: the HTML's length in 8 bytes, then the HTML.
 * Returns -1 when the pipe fails. */
static int output_write(int fd, const char *html)
{
    apr_uint64_t len = strlen(html);

    if (write_all(fd, (const char *)&len, sizeof(len)) != 0)
        return -1;
    return write_all(fd, html, (apr_size_t)len);
}

/*
 * Renders source and writes the output to fd, then frees the HTML.  A
 * failure ends the process with CHILD_EXIT_PARSE or CHILD_EXIT_WRITE, so
 * only a child of the caller or a render worker may call it.
 */
static void render_write(int fd, const char *source, apr_size_t len,
                         int options, wk_url_rewrite_fn *rewrite,
                         void *baton, apr_pool_t *pool)
{
    char *html = markdown_to_html(source, len, options, rewrite, baton,
                                  pool);

    if (html == NULL)
        _exit(CHILD_EXIT_PARSE);
    if (output_write(fd, html) != 0)
        _exit(CHILD_EXIT_WRITE);
    cmark_get_default_mem_allocator()->free(html);
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
    child_signals_reset();
    child_stderr_silence();
    if (child_limits_apply(address_space, limits) != 0)
        _exit(CHILD_EXIT_LIMIT);

    render_write(fd, source, len, options, rewrite, baton, pool);
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
 * or the child's CPU time passing budget, checked every CPU_CHECK_MS
 * unless pid is 0.  Returns APR_TIMEUP for either limit, APR_SUCCESS at
 * end of file (complete or not), or the error of poll() or read().
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
            if (pid != 0 && child_cpu_exceeded(pid, budget))
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

    if (killed_by_parent || signal_number == SIGXCPU
        || signal_number == SIGPROF) {
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

/*
 * Turns what a render's child left into the result: the HTML when the
 * output is complete, else the failure.  read_status is the status of
 * reading the output, wait_status the child's wait status (-1 when
 * unknown), killed 1 when the child was killed for its budget.
 */
static apr_status_t render_outcome(const char **html, child_output_t *out,
                                   apr_status_t read_status, int wait_status,
                                   int killed,
                                   const wk_render_limits_t *limits,
                                   char **error, apr_pool_t *pool)
{
    /* The child writes only after a full render, so complete output is
     * success whatever waitpid() returns.  That also covers a parent whose
     * SIGCHLD is ignored, where waitpid() fails with ECHILD. */
    if (read_status == APR_SUCCESS && output_complete(out)) {
        out->html[out->html_len] = '\0';
        *html = out->html;
        return APR_SUCCESS;
    }
    if (read_status != APR_SUCCESS && read_status != APR_TIMEUP) {
        *error = apr_psprintf(pool, "reading the rendered HTML failed: %s",
                              strerror(APR_TO_OS_ERROR(read_status)));
        return read_status;
    }
    if (read_status == APR_SUCCESS && wait_status == 0) {
        *error = apr_psprintf(pool, "rendering process sent malformed "
                              "output (%" APR_SIZE_T_FMT " of %"
                              APR_SIZE_T_FMT " bytes)",
                              out->html_got, out->html_len);
        return APR_EGENERAL;
    }
    return child_failure(wait_status, killed || read_status == APR_TIMEUP,
                         limits, error, pool);
}

/* Returns the time after which a render's child is killed whatever CPU
 * time it used.  The budget is CPU time, so a render does not fail
 * because the machine is busy, and the wall clock only stops a child
 * that hangs without using the CPU. */
static apr_time_t render_deadline(const wk_render_limits_t *limits)
{
    return apr_time_now() + WALL_FACTOR * limits->max_time
           + apr_time_from_sec(1);
}

/* Renders in a child forked from the caller itself. */
static apr_status_t fork_render(const char **html, const char *source,
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
    deadline = render_deadline(limits);
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
    return render_outcome(html, &out, rv, status, 0, limits, error, pool);
}

/*
 * The render launcher.  fork() from a large threaded process is slow
 * (it copies the page tables), and while the child lives every page the
 * other threads write is copied, which costs the readers of an httpd
 * child more than the render itself.  So httpd starts a launcher in each
 * child before the threads, while the process is small.
 *
 * The launcher forks render workers from its own small image and gives
 * each one render after another.  With a fork per render, even from the
 * launcher, the bench's post took about 0.9 ms of CPU per render on a
 * 2-CPU machine under read load, and in a worker 0.1 ms (perf).  A
 * worker keeps each render within its own budgets
 * (worker_render()) and ends after any failure, so a failed render is
 * reported from the worker's wait status, as for a child forked per
 * render.
 *
 * A caller sends one message on the launcher's socket per render, with
 * three descriptors: the source in a memfd, the write end of the output
 * pipe and the write end of the report pipe.  The launcher passes the
 * first two to an idle worker, which writes its output as a child of
 * fork_render() does.  The launcher writes launch_report_t records to the
 * report pipe: REPORT_STARTED with the worker's pid, or
 * REPORT_NOT_STARTED with an errno, and REPORT_ENDED with the worker's
 * wait status when the worker ends before it finished the render.
 */
typedef struct launch_request {
    int options;
    apr_size_t len;
    wk_render_limits_t limits;
} launch_request_t;

#define REPORT_STARTED     1
#define REPORT_NOT_STARTED 2
#define REPORT_ENDED       3

typedef struct launch_report {
    apr_int32_t kind;       /* REPORT_* */
    apr_int32_t killed;     /* REPORT_ENDED: 1 when killed for a limit */
    apr_int64_t value;      /* the pid, the errno or the wait status */
} launch_report_t;

/* Workers one launcher keeps at once.  Past that, renders fork the
 * caller. */
#define LAUNCHER_MAX_WORKERS 256

/* A worker retires after this many renders, or once its address space
 * is this much larger than at its start. */
#define WORKER_MAX_RENDERS 1000
#define WORKER_MAX_GROWTH  ((apr_size_t)16 * 1024 * 1024)

/* A worker idle this long ends, so that an httpd child that renders
 * rarely keeps no process for it. */
#define WORKER_IDLE_TIMEOUT apr_time_from_sec(10)

/* States a worker sends the launcher after each render it finished. */
#define WORKER_READY    1
#define WORKER_RETIRING 2

/* How long a caller waits for the launcher to report a start or an end
 * that is due now. */
#define LAUNCHER_REPLY_MS 2000

/* The launcher's record of one render worker. */
typedef struct worker {
    pid_t pid;
    int socket;             /* the launcher's end; -1 once closed */
    int report_fd;          /* the render's report pipe while busy, or -1 */
    apr_time_t deadline;    /* while busy: when the render is killed */
    apr_time_t idle_since;  /* while idle */
    int killed;             /* 1 once killed for its deadline */
} worker_t;

/* The caller's end of the launcher's socket, -1 when there is none.  It is
 * set before httpd starts its threads and only read afterwards. */
static int launcher_socket = -1;
static pid_t launcher_pid;

/* Set once the launcher is found gone, after which renders fork the
 * caller. */
static volatile int launcher_lost;

/* The launcher's SIGCHLD handler writes a byte to this pipe, so that its
 * poll() wakes up to reap. */
static int launcher_wakeup[2] = { -1, -1 };

static void launcher_on_sigchld(int signal_number)
{
    int saved = errno;
    ssize_t ignored = write(launcher_wakeup[1], "", 1);

    (void)ignored;
    errno = saved;
}

static void report_write(int fd, int kind, int killed, apr_int64_t value)
{
    launch_report_t report;

    memset(&report, 0, sizeof(report));
    report.kind = kind;
    report.killed = killed;
    report.value = value;
    write_all(fd, (const char *)&report, sizeof(report));
}

/* The maximum number of descriptors in one message between the launcher,
 * its callers and its workers. */
#define MESSAGE_MAX_FDS 3

/* Sends len bytes and count descriptors as one message on a
 * SOCK_SEQPACKET socket.  Returns 0 or the errno of sendmsg(). */
static int message_send(int socket, const void *data, apr_size_t len,
                        const int *fds, int count)
{
    char space[CMSG_SPACE(MESSAGE_MAX_FDS * sizeof(int))];
    struct iovec part = { (void *)data, len };
    struct msghdr message;
    struct cmsghdr *header;

    memset(space, 0, sizeof(space));
    memset(&message, 0, sizeof(message));
    message.msg_iov = &part;
    message.msg_iovlen = 1;
    message.msg_control = space;
    message.msg_controllen = CMSG_SPACE(count * sizeof(int));
    header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(count * sizeof(int));
    memcpy(CMSG_DATA(header), fds, count * sizeof(int));
    while (sendmsg(socket, &message, MSG_NOSIGNAL) < 0) {
        if (errno != EINTR)
            return errno;
    }
    return 0;
}

/*
 * Receives one message into len bytes of data and the count descriptors
 * that came with it into fds, -1 for each one missing.  Returns what
 * recvmsg() returned: 0 when the other end is closed, -1 with errno set
 * on failure.  A message of another size or with other descriptors is
 * the caller's to reject, closing what arrived.
 */
static ssize_t message_receive(int socket, void *data, apr_size_t len,
                               int *fds, int count)
{
    char space[CMSG_SPACE(MESSAGE_MAX_FDS * sizeof(int))];
    struct iovec part = { data, len };
    struct msghdr message;
    struct cmsghdr *header;
    ssize_t got;
    int i;

    for (i = 0; i < count; i++)
        fds[i] = -1;
    memset(&message, 0, sizeof(message));
    message.msg_iov = &part;
    message.msg_iovlen = 1;
    message.msg_control = space;
    message.msg_controllen = sizeof(space);
    do {
        got = recvmsg(socket, &message, MSG_CMSG_CLOEXEC);
    } while (got < 0 && errno == EINTR);
    if (got <= 0)
        return got;

    header = CMSG_FIRSTHDR(&message);
    if (header != NULL && header->cmsg_level == SOL_SOCKET
        && header->cmsg_type == SCM_RIGHTS
        && header->cmsg_len == CMSG_LEN(count * sizeof(int)))
        memcpy(fds, CMSG_DATA(header), count * sizeof(int));
    else if (header != NULL && header->cmsg_type == SCM_RIGHTS) {
        int *extra = (int *)CMSG_DATA(header);
        apr_size_t n = (header->cmsg_len - CMSG_LEN(0)) / sizeof(int);

        while (n-- > 0)
            close(extra[n]);
    }
    return got;
}

static void fds_close(int *fds, int count)
{
    int i;

    for (i = 0; i < count; i++)
        if (fds[i] >= 0)
            close(fds[i]);
}

/* Reads the source that a caller passed in a memfd; NULL on failure. */
static char *source_read(int fd, apr_size_t len)
{
    char *source = malloc(len + 1);
    apr_size_t got = 0;

    while (source != NULL && got < len) {
        ssize_t n = pread(fd, source + got, len - got, (off_t)got);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            free(source);
            return NULL;
        }
        got += (apr_size_t)n;
    }
    if (source != NULL)
        source[len] = '\0';
    return source;
}

/* Closes every descriptor above stderr but keep, such as httpd's
 * listening sockets, which the launcher and the renders have no use for. */
static void descriptors_close_except(int keep)
{
    int fd;

    if (close_range(3, (unsigned int)keep - 1, 0) == 0
        && close_range((unsigned int)keep + 1, ~0U, 0) == 0)
        return;
    for (fd = 3; fd < 1024; fd++)
        if (fd != keep)
            close(fd);
}

/* Sets the soft address-space limit to size plus budget.  The hard limit
 * stays, so that the next render can raise it again. */
static int worker_memory_limit(apr_size_t size, apr_size_t budget)
{
    struct rlimit limit;

    if (getrlimit(RLIMIT_AS, &limit) != 0)
        return -1;
    limit.rlim_cur = (rlim_t)(size + budget);
    if (limit.rlim_max != RLIM_INFINITY && limit.rlim_cur > limit.rlim_max)
        limit.rlim_cur = limit.rlim_max;
    return setrlimit(RLIMIT_AS, &limit);
}

/* Arms the CPU time timer whose SIGPROF ends the worker; 0 disarms it. */
static int worker_cpu_limit(apr_interval_time_t budget)
{
    struct itimerval timer;

    memset(&timer, 0, sizeof(timer));
    timer.it_value.tv_sec = (time_t)(budget / APR_USEC_PER_SEC);
    timer.it_value.tv_usec = (suseconds_t)(budget % APR_USEC_PER_SEC);
    return setitimer(ITIMER_PROF, &timer, NULL);
}

/*
 * Runs one render in a worker, under budgets that hold for this render
 * alone: a soft address-space limit of the worker's size now plus the
 * memory budget, as a child forked for the render would have, and a CPU
 * time timer (ITIMER_PROF, user and system time) of the time budget.
 * Returns the size the limit started from.  A failure ends the worker
 * with the exit status or signal that a child forked per render would
 * have.
 */
static apr_size_t worker_render(const launch_request_t *request,
                                int source_fd, int output_fd)
{
    apr_size_t size = 0;
    char *source;

    if (address_space_get(&size) != APR_SUCCESS
        || worker_memory_limit(size, request->limits.max_memory_bytes) != 0
        || worker_cpu_limit(request->limits.max_time) != 0)
        _exit(CHILD_EXIT_LIMIT);
    source = source_read(source_fd, request->len);
    close(source_fd);
    if (source == NULL)
        _exit(CHILD_EXIT_SOURCE);

    render_write(output_fd, source, request->len, request->options, NULL,
                 NULL, NULL);
    free(source);
    worker_cpu_limit(0);
    return size;
}

/* Returns WORKER_RETIRING when a worker that has done renders renders,
 * and had size bytes of address space before the last one against base
 * at its start, should make way for a fresh one; WORKER_READY
 * otherwise.  Memory that freed allocations left mapped costs the
 * machine, although each render's limit starts from the size it found. */
static int worker_state(int renders, apr_size_t size, apr_size_t base)
{
    if (renders >= WORKER_MAX_RENDERS || size > base + WORKER_MAX_GROWTH)
        return WORKER_RETIRING;
    return WORKER_READY;
}

/*
 * A worker's life: render what the launcher sends, say when each render
 * is done, and end when the launcher closes the socket or the worker
 * retires.  It keeps no descriptor of the launcher's but its socket, so
 * that no output or report pipe of another render waits for it.
 */
static void worker_run(int socket, pid_t launcher)
{
    launch_request_t request;
    apr_size_t base = 0, size;
    apr_int32_t state = WORKER_READY;
    int fds[2], renders = 0;

    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != launcher)
        _exit(1);
    descriptors_close_except(socket);
    child_signals_reset();
    child_stderr_silence();
    prctl(PR_SET_NAME, "wk-render-work");
    if (limit_set(RLIMIT_CORE, 0) != 0
        || address_space_get(&base) != APR_SUCCESS)
        _exit(CHILD_EXIT_LIMIT);

    while (state == WORKER_READY) {
        ssize_t got = message_receive(socket, &request, sizeof(request),
                                      fds, 2);

        if (got != (ssize_t)sizeof(request) || fds[1] < 0)
            _exit(0);
        size = worker_render(&request, fds[0], fds[1]);
        state = worker_state(++renders, size, base);

        /* The launcher hears that this worker is idle before the caller
         * sees the end of the output and sends its next render, or it
         * would fork another worker for that render. */
        if (write_all(socket, (const char *)&state, sizeof(state)) != 0)
            _exit(0);
        close(fds[1]);
    }
    _exit(0);
}

/* Forks a worker into the next free slot; returns it, or NULL with
 * errno set. */
static worker_t *worker_start(worker_t *workers, int *count)
{
    pid_t launcher = getpid(), pid;
    worker_t *worker;
    int ends[2];

    if (*count >= LAUNCHER_MAX_WORKERS) {
        errno = EAGAIN;
        return NULL;
    }
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ends) != 0)
        return NULL;
    pid = fork();
    if (pid == 0)
        worker_run(ends[1], launcher);
    close(ends[1]);
    if (pid < 0) {
        int saved = errno;

        close(ends[0]);
        errno = saved;
        return NULL;
    }
    worker = &workers[(*count)++];
    memset(worker, 0, sizeof(*worker));
    worker->pid = pid;
    worker->socket = ends[0];
    worker->report_fd = -1;
    return worker;
}

/* Returns the idle worker that was busy last, so that the others reach
 * the idle timeout.  Starts a worker when none is idle, and returns NULL
 * with errno set when that fails. */
static worker_t *worker_find(worker_t *workers, int *count)
{
    worker_t *idle = NULL;
    int i;

    for (i = 0; i < *count; i++) {
        worker_t *worker = &workers[i];

        if (worker->socket >= 0 && worker->report_fd < 0
            && (idle == NULL || worker->idle_since > idle->idle_since))
            idle = worker;
    }
    return idle != NULL ? idle : worker_start(workers, count);
}

/* Receives one request and hands it to a worker.  Returns 0 when the
 * caller's end of the socket is closed. */
static int launcher_accept(int control, worker_t *workers, int *count)
{
    launch_request_t request;
    worker_t *worker;
    int fds[3], error;
    ssize_t got = message_receive(control, &request, sizeof(request), fds,
                                  3);

    if (got == 0)
        return 0;
    if (got < 0)
        return errno == EAGAIN;
    if (got != (ssize_t)sizeof(request) || fds[0] < 0 || fds[1] < 0
        || fds[2] < 0) {
        fds_close(fds, 3);
        return 1;
    }

    worker = worker_find(workers, count);
    error = worker == NULL ? errno
                           : message_send(worker->socket, &request,
                                          sizeof(request), fds, 2);
    close(fds[0]);
    close(fds[1]);
    if (error != 0) {
        if (worker != NULL) {
            close(worker->socket);
            worker->socket = -1;
        }
        report_write(fds[2], REPORT_NOT_STARTED, 0, error);
        close(fds[2]);
        return 1;
    }
    worker->report_fd = fds[2];
    worker->deadline = render_deadline(&request.limits);
    worker->killed = 0;
    report_write(fds[2], REPORT_STARTED, 0, worker->pid);
    return 1;
}

/*
 * Reads what a worker sent after a render.  The caller has the whole
 * output by then, so the report pipe closes without a report.  A worker
 * that retires, or whose socket closed, takes no more renders; it is
 * removed once reaped.
 */
static void worker_heard(worker_t *worker)
{
    apr_int32_t state = 0;
    ssize_t got = recv(worker->socket, &state, sizeof(state), 0);

    if (got < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (got == (ssize_t)sizeof(state) && worker->report_fd >= 0) {
        close(worker->report_fd);
        worker->report_fd = -1;
        worker->idle_since = apr_time_now();
    }
    if (got != (ssize_t)sizeof(state) || state != WORKER_READY) {
        close(worker->socket);
        worker->socket = -1;
    }
}

/* Reaps ended workers.  One that ended during a render reports its wait
 * status to that render's caller. */
static void workers_reap(worker_t *workers, int *count)
{
    int status, i;
    pid_t pid;

    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        for (i = 0; i < *count && workers[i].pid != pid; i++)
            ;
        if (i == *count)
            continue;
        if (workers[i].report_fd >= 0) {
            report_write(workers[i].report_fd, REPORT_ENDED,
                         workers[i].killed, status);
            close(workers[i].report_fd);
        }
        if (workers[i].socket >= 0)
            close(workers[i].socket);
        workers[i] = workers[--(*count)];
    }
}

/* Kills the workers whose render passed its wall-clock deadline, and
 * closes the socket of those idle for WORKER_IDLE_TIMEOUT, which ends
 * them. */
static void workers_enforce(worker_t *workers, int count)
{
    apr_time_t now = apr_time_now();
    int i;

    for (i = 0; i < count; i++) {
        worker_t *worker = &workers[i];

        if (worker->report_fd >= 0 && !worker->killed
            && now >= worker->deadline) {
            kill(worker->pid, SIGKILL);
            worker->killed = 1;
        }
        else if (worker->report_fd < 0 && worker->socket >= 0
                 && now - worker->idle_since >= WORKER_IDLE_TIMEOUT) {
            close(worker->socket);
            worker->socket = -1;
        }
    }
}

/* Returns how long poll() may wait: until the nearest deadline or idle
 * timeout, or -1 (for ever) when no worker has one. */
static int launcher_wait_ms(const worker_t *workers, int count)
{
    apr_time_t now = apr_time_now(), next = 0;
    int i;

    for (i = 0; i < count; i++) {
        const worker_t *worker = &workers[i];
        apr_time_t at;

        if (worker->report_fd >= 0 && !worker->killed)
            at = worker->deadline;
        else if (worker->report_fd < 0 && worker->socket >= 0)
            at = worker->idle_since + WORKER_IDLE_TIMEOUT;
        else
            continue;
        if (next == 0 || at < next)
            next = at;
    }
    if (next == 0)
        return -1;
    return next <= now ? 0 : (int)((next - now + 999) / 1000);
}

/* Sets up the launcher's signals: the defaults, SIGPIPE ignored so that a
 * caller that gave up does not end it, SIGCHLD to wake poll(). */
static int launcher_signals_set(void)
{
    struct sigaction action;

    child_signals_reset();
    signal(SIGPIPE, SIG_IGN);
    if (pipe2(launcher_wakeup, O_CLOEXEC | O_NONBLOCK) != 0)
        return -1;
    memset(&action, 0, sizeof(action));
    action.sa_handler = launcher_on_sigchld;
    action.sa_flags = SA_RESTART | SA_NOCLDSTOP;
    sigemptyset(&action.sa_mask);
    return sigaction(SIGCHLD, &action, NULL);
}

/* The launcher's main loop; never returns. */
static void launcher_run(int control, pid_t parent)
{
    worker_t workers[LAUNCHER_MAX_WORKERS];
    struct pollfd watch[2 + LAUNCHER_MAX_WORKERS];
    int count = 0, i;

    /* It ends with the httpd child that started it, even when that child
     * is killed and cannot close the socket. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(1);
    descriptors_close_except(control);
    if (launcher_signals_set() != 0)
        _exit(1);
    prctl(PR_SET_NAME, "wk-render");

    for (;;) {
        int watched = count, ready;
        char drain[64];

        watch[0].fd = control;
        watch[1].fd = launcher_wakeup[0];
        for (i = 0; i < watched; i++)
            watch[2 + i].fd = workers[i].socket;
        for (i = 0; i < 2 + watched; i++) {
            watch[i].events = POLLIN;
            watch[i].revents = 0;
        }
        ready = poll(watch, (nfds_t)(2 + watched),
                     launcher_wait_ms(workers, count));
        if (ready < 0 && errno != EINTR)
            break;

        /* Workers first: one that said it was done before it ended must
         * not be reaped as if it ended during its render. */
        for (i = 0; ready > 0 && i < watched; i++)
            if (watch[2 + i].revents != 0 && workers[i].socket >= 0)
                worker_heard(&workers[i]);
        if (ready > 0 && (watch[1].revents & POLLIN)) {
            while (read(launcher_wakeup[0], drain, sizeof(drain)) > 0)
                ;
            workers_reap(workers, &count);
        }
        if (ready > 0 && watch[0].revents != 0
            && !launcher_accept(control, workers, &count))
            break;
        workers_enforce(workers, count);
    }

    for (i = 0; i < count; i++)
        kill(workers[i].pid, SIGKILL);
    _exit(0);
}

/* Closes the caller's end of the socket, so that the launcher kills its
 * children and ends, and reaps it.  A launcher that has not ended after
 * LAUNCHER_STOP_MS is killed. */
#define LAUNCHER_STOP_MS 1000

static apr_status_t launcher_stop(void *data)
{
    int waited;

    if (launcher_socket < 0)
        return APR_SUCCESS;
    close(launcher_socket);
    launcher_socket = -1;
    for (waited = 0; waited < LAUNCHER_STOP_MS; waited += 10) {
        if (waitpid(launcher_pid, NULL, WNOHANG) != 0)
            return APR_SUCCESS;
        apr_sleep(apr_time_from_msec(10));
    }
    kill(launcher_pid, SIGKILL);
    while (waitpid(launcher_pid, NULL, 0) < 0 && errno == EINTR)
        ;
    return APR_SUCCESS;
}

apr_status_t wk_render_launcher_start(apr_pool_t *pool)
{
    int ends[2];
    pid_t parent = getpid(), pid;

    if (launcher_socket >= 0)
        return APR_SUCCESS;
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ends) != 0)
        return APR_FROM_OS_ERROR(errno);
    pid = fork();
    if (pid < 0) {
        apr_status_t rv = APR_FROM_OS_ERROR(errno);

        close(ends[0]);
        close(ends[1]);
        return rv;
    }
    if (pid == 0) {
        close(ends[0]);
        launcher_run(ends[1], parent);
    }
    close(ends[1]);
    launcher_socket = ends[0];
    launcher_pid = pid;
    launcher_lost = 0;
    apr_pool_cleanup_register(pool, NULL, launcher_stop,
                              apr_pool_cleanup_null);
    return APR_SUCCESS;
}

pid_t wk_render_launcher_pid(void)
{
    return launcher_socket >= 0 && !launcher_lost ? launcher_pid : 0;
}

/*
 * Records that the launcher is gone, after which renders fork the caller,
 * and reaps it so that it does not stay a zombie for the caller's life.
 * Only the first thread to find it gone kills and reaps it, so that no
 * thread signals a pid that was reaped and reused.
 */
static void launcher_mark_lost(void)
{
    if (__atomic_exchange_n(&launcher_lost, 1, __ATOMIC_SEQ_CST) != 0)
        return;
    kill(launcher_pid, SIGKILL);
    while (waitpid(launcher_pid, NULL, 0) < 0 && errno == EINTR)
        ;
}

/* Puts the source in a memfd for the launcher's child; -1 on failure. */
static int source_memfd(const char *source, apr_size_t len)
{
    int fd = memfd_create("wk-render-source", MFD_CLOEXEC);

    if (fd >= 0 && write_all(fd, source, len) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Sends one render to the launcher; returns 0 or the errno of sendmsg(). */
static int launcher_send(const launch_request_t *request, const int fds[3])
{
    return message_send(launcher_socket, request, sizeof(*request), fds, 3);
}

/*
 * Reads the next report from the launcher before deadline.  Returns
 * APR_SUCCESS, APR_EOF when the launcher closed the pipe without one, or
 * APR_TIMEUP.
 */
static apr_status_t report_read(launch_report_t *report, int fd,
                                apr_time_t deadline)
{
    apr_size_t got = 0;

    while (got < sizeof(*report)) {
        apr_interval_time_t left = deadline - apr_time_now();
        struct pollfd watch = { fd, POLLIN, 0 };
        ssize_t n;

        if (left <= 0)
            return APR_TIMEUP;
        if (poll(&watch, 1, (int)((left + 999) / 1000)) <= 0)
            continue;
        n = read(fd, (char *)report + got, sizeof(*report) - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return APR_EOF;
        got += (apr_size_t)n;
    }
    return APR_SUCCESS;
}

/*
 * Renders in a child of the launcher.  Sets *launched to 0, without
 * rendering, when the launcher cannot take the render or ends during it,
 * so that the caller forks instead.
 */
static apr_status_t launcher_render(const char **html, const char *source,
                                    apr_size_t len,
                                    const wk_render_limits_t *limits,
                                    int options, int *launched,
                                    char **error, apr_pool_t *pool)
{
    launch_request_t request;
    launch_report_t report;
    child_output_t out;
    int output[2] = { -1, -1 }, reports[2] = { -1, -1 }, fds[3];
    int source_fd = source_memfd(source, len);
    apr_time_t deadline;
    apr_status_t rv, reported;
    pid_t pid;
    int sent = -1;

    *launched = 0;
    if (source_fd >= 0 && pipe2(output, O_CLOEXEC) == 0
        && pipe2(reports, O_CLOEXEC) == 0) {
        memset(&request, 0, sizeof(request));
        request.options = options;
        request.len = len;
        request.limits = *limits;
        fds[0] = source_fd;
        fds[1] = output[1];
        fds[2] = reports[1];
        sent = launcher_send(&request, fds);
        if (sent == EPIPE || sent == ECONNREFUSED || sent == ECONNRESET)
            launcher_mark_lost();
    }
    if (source_fd >= 0)
        close(source_fd);
    if (output[1] >= 0)
        close(output[1]);
    if (reports[1] >= 0)
        close(reports[1]);

    /* A launcher that closes the report pipe without a report has ended.
     * One that sends none within LAUNCHER_REPLY_MS may only be slow, so
     * this render forks the caller and later ones try the launcher. */
    rv = sent == 0 ? report_read(&report, reports[0], apr_time_now()
                                 + apr_time_from_msec(LAUNCHER_REPLY_MS))
                   : APR_EGENERAL;
    if (rv == APR_EOF)
        launcher_mark_lost();
    if (rv != APR_SUCCESS || report.kind != REPORT_STARTED) {
        if (output[0] >= 0)
            close(output[0]);
        if (reports[0] >= 0)
            close(reports[0]);
        return APR_SUCCESS;
    }
    *launched = 1;
    pid = (pid_t)report.value;

    /* The launcher kills the child at the render's deadline; the caller
     * waits a little longer, and kills it itself past that. */
    deadline = render_deadline(limits) + apr_time_from_sec(2);
    memset(&out, 0, sizeof(out));
    rv = output_read(&out, output[0], 0, deadline, limits->max_time,
                     limits->max_memory_bytes, pool);
    close(output[0]);
    if (rv == APR_SUCCESS && output_complete(&out)) {
        close(reports[0]);
        return render_outcome(html, &out, rv, 0, 0, limits, error, pool);
    }
    if (rv == APR_TIMEUP) {
        kill(pid, SIGKILL);
        deadline = apr_time_now() + apr_time_from_msec(LAUNCHER_REPLY_MS);
    }

    reported = report_read(&report, reports[0], deadline);
    close(reports[0]);
    if (reported == APR_SUCCESS && report.kind == REPORT_ENDED)
        return render_outcome(html, &out, rv, (int)report.value,
                              report.killed, limits, error, pool);
    if (reported == APR_EOF)
        launcher_mark_lost();

    /* A launcher that ended took its worker along (PR_SET_PDEATHSIG), so
     * output that ended early within the render's time is no fault of
     * the source: the caller renders it again in a child of its own. */
    if (reported == APR_EOF && rv == APR_SUCCESS) {
        *launched = 0;
        return APR_SUCCESS;
    }
    *error = apr_psprintf(pool, "the render launcher stopped before the "
                          "rendering process ended");
    return APR_EGENERAL;
}

/* Renders in a child process with cmark options; see the header.  A URL
 * rewrite runs in the child on the caller's memory, so only a child of
 * the caller can run it. */
static apr_status_t render_run(const char **html, const char *source,
                               apr_size_t len,
                               const wk_render_limits_t *limits, int options,
                               wk_url_rewrite_fn *rewrite, void *baton,
                               char **error, apr_pool_t *pool)
{
    apr_status_t rv = render_check(len, limits, error, pool);
    int launched = 0;

    if (rv != APR_SUCCESS)
        return rv;
    if (rewrite == NULL && launcher_socket >= 0 && !launcher_lost) {
        rv = launcher_render(html, source, len, limits, options, &launched,
                             error, pool);
        if (launched)
            return rv;
    }
    return fork_render(html, source, len, limits, options, rewrite, baton,
                       error, pool);
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
