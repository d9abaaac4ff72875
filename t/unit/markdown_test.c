/*
 * markdown_test.c: wk_markdown_render() with the real cmark-gfm: each
 * extension, the safe-mode URL filter, the size limit, and inputs that
 * make cmark-gfm 0.29.0.gfm.6 blow up, which must end in a budget error
 * and never hang the caller.  Every render test runs twice: with each
 * render forked from the test process, then through the render launcher.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <apr_thread_proc.h>

#include "tap.h"
#include "wk_markdown.h"

static apr_pool_t *test_pool;

/* Renders source with limits; returns the HTML or NULL, and the status. */
static const char *render_with(const char *source, apr_size_t len,
                               const wk_render_limits_t *limits,
                               apr_status_t *status, char **error)
{
    const char *html = NULL;

    *error = NULL;
    *status = wk_markdown_render(&html, source, len, limits, error,
                                 test_pool);
    return *status == APR_SUCCESS ? html : NULL;
}

/* Renders source with the default limits; returns "" on failure. */
static const char *render(const char *source)
{
    wk_render_limits_t limits;
    apr_status_t status;
    const char *html;
    char *error;

    wk_render_limits_default(&limits);
    html = render_with(source, strlen(source), &limits, &status, &error);
    if (html == NULL) {
        diag("render of '%.40s' failed: %s", source, error);
        return "";
    }
    return html;
}

static int contains(const char *html, const char *part)
{
    return strstr(html, part) != NULL;
}

static int count_open_fds(void)
{
    DIR *dir = opendir("/proc/self/fd");
    struct dirent *entry;
    int count = 0;

    if (dir == NULL)
        return -1;
    while ((entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] != '.')
            count++;
    }
    closedir(dir);
    return count - 1;  /* the directory stream's own descriptor */
}

/* Returns text repeated times, NUL-terminated, on the test pool. */
static char *repeat(const char *text, apr_size_t times)
{
    apr_size_t len = strlen(text), i;
    char *out = apr_palloc(test_pool, len * times + 1);

    for (i = 0; i < times; i++)
        memcpy(out + i * len, text, len);
    out[len * times] = '\0';
    return out;
}

static void test_extensions(void)
{
    const char *html;

    html = render("| a | b |\n|---|---|\n| 1 | 2 |\n");
    ok(contains(html, "<table>") && contains(html, "<th>a</th>")
       && contains(html, "<td>2</td>"), "table renders");

    html = render("~~gone~~\n");
    is_str(html, "<p><del>gone</del></p>\n", "strikethrough renders");

    html = render("see www.example.com now\n");
    ok(contains(html, "<a href=\"http://www.example.com\">www.example.com"
                      "</a>"), "www autolink renders");

    html = render("see https://example.org/x?y=1 now\n");
    ok(contains(html, "<a href=\"https://example.org/x?y=1\">"),
       "https autolink renders");

    html = render("- [x] done\n- [ ] open\n");
    ok(contains(html, "<input type=\"checkbox\" checked=\"\" disabled=\"\" "
                      "/> done"), "checked task renders");
    ok(contains(html, "<input type=\"checkbox\" disabled=\"\" /> open"),
       "open task renders");

    html = render("Claim[^n].\n\n[^n]: Source.\n");
    ok(contains(html, "<sup class=\"footnote-ref\"><a href=\"#fn-n\""),
       "footnote reference renders");
    ok(contains(html, "<section class=\"footnotes\"")
       && contains(html, "Source."), "footnote section renders");

    html = render("");
    is_str(html, "", "empty source renders empty");
}

static void test_safe_mode(void)
{
    const char *html;

    html = render("<script>alert(1)</script>\n\nText <b onclick=x>b</b>\n");
    ok(!contains(html, "<script") && !contains(html, "<b")
       && contains(html, "<!-- raw HTML omitted -->"), "raw HTML omitted");

    is_str(render("[x](javascript:alert(1))\n"),
           "<p><a href=\"\">x</a></p>\n", "javascript: link emptied");
    is_str(render("[x](JaVaScRiPt:alert(1))\n"),
           "<p><a href=\"\">x</a></p>\n", "mixed-case javascript: emptied");
    is_str(render("[x](&#106;avascript:alert(1))\n"),
           "<p><a href=\"\">x</a></p>\n", "entity javascript: emptied");
    is_str(render("[x](vbscript:msgbox)\n"),
           "<p><a href=\"\">x</a></p>\n", "vbscript: link emptied");
    is_str(render("[x](data:text/html,<b>hi</b>)\n"),
           "<p><a href=\"\">x</a></p>\n", "data:text/html link emptied");
    is_str(render("![i](file:///etc/passwd)\n"),
           "<p><img src=\"\" alt=\"i\" /></p>\n", "file: image emptied");
    is_str(render("![i](javascript:alert(1))\n"),
           "<p><img src=\"\" alt=\"i\" /></p>\n", "javascript: image emptied");
    is_str(render("<javascript:alert(1)>\n"),
           "<p><a href=\"\">javascript:alert(1)</a></p>\n",
           "javascript: autolink emptied");
    is_str(render("![i](data:image/png;base64,iVBORw0K)\n"),
           "<p><img src=\"data:image/png;base64,iVBORw0K\" alt=\"i\" /></p>\n",
           "data:image/png image kept");

    /* Browsers drop a raw tab inside a scheme but not a %09. */
    is_str(render("[x](<java&#9;script:alert(1)>)\n"),
           "<p><a href=\"java%09script:alert(1)\">x</a></p>\n",
           "tab inside a scheme is percent-encoded");

    html = render("bad \xff\xfe byte\n");
    is_str(html, "<p>bad \xEF\xBF\xBD\xEF\xBF\xBD byte</p>\n",
           "invalid UTF-8 becomes U+FFFD");
}

static void test_size_limit(void)
{
    wk_render_limits_t limits;
    apr_status_t status;
    const char *source = "# Title\n\nSome text.\n";
    apr_size_t len = strlen(source);
    const char *html;
    char *error;

    wk_render_limits_default(&limits);
    limits.max_source_bytes = len;
    html = render_with(source, len, &limits, &status, &error);
    ok(status == APR_SUCCESS && html != NULL, "source at the limit renders");

    limits.max_source_bytes = len - 1;
    html = render_with(source, len, &limits, &status, &error);
    ok(status == WK_ETOOBIG && html == NULL, "source over the limit fails");
    is_str(error, apr_psprintf(test_pool, "post source is %" APR_SIZE_T_FMT
                               " bytes, over the limit of %" APR_SIZE_T_FMT
                               " bytes", len, len - 1),
           "size error names both sizes");

    limits.max_source_bytes = WK_RENDER_DEFAULT_MAX_SOURCE;
    html = render_with(repeat("a", WK_RENDER_DEFAULT_MAX_SOURCE + 1),
                       WK_RENDER_DEFAULT_MAX_SOURCE + 1, &limits, &status,
                       &error);
    is_str(error, "post source is 1048577 bytes, over the limit of 1048576 "
                  "bytes", "default size limit is 1 MiB");
}

/* A render whose HTML is many times the pipe buffer of 64 KiB. */
static void test_large_output(void)
{
    const char *definition = apr_pstrcat(test_pool, "[r]: https://example.com/",
                                         repeat("x", 1000), "\n\n", NULL);
    const char *source = apr_pstrcat(test_pool, definition,
                                     repeat("[r] ", 2000), "\n", NULL);
    const char *html = render(source);
    const char *at = html;
    int links = 0;

    while ((at = strstr(at, "<a href=\"https://example.com/")) != NULL) {
        links++;
        at++;
    }
    ok(strlen(html) > 2000 * 1000, "large HTML arrives whole (%zu bytes)",
       strlen(html));
    ok(links == 2000, "large HTML has every link (%d of 2000)", links);
}

static const char *rewrite_media(void *baton, const char *url, int is_image,
                                 apr_pool_t *pool)
{
    int *calls = baton;

    (*calls)++;
    if (strcmp(url, "pic.png") == 0)
        return apr_pstrcat(pool, is_image ? "/media/" : "/link/", url, NULL);
    if (strcmp(url, "evil") == 0)
        return "javascript:alert(1)";
    return NULL;
}

static void test_rewrite(void)
{
    const char *source = "![p](pic.png) [l](pic.png) [k](keep.html) "
                         "[e](evil) www.example.com\n";
    wk_render_limits_t limits;
    const char *html = NULL;
    char *error = NULL;
    int calls = 0;
    apr_status_t status;

    wk_render_limits_default(&limits);
    status = wk_markdown_render_rewrite(&html, source, strlen(source),
                                        &limits, rewrite_media, &calls,
                                        &error, test_pool);
    ok(status == APR_SUCCESS, "render with rewrite succeeds");
    is_str(html, "<p><img src=\"/media/pic.png\" alt=\"p\" /> "
                 "<a href=\"/link/pic.png\">l</a> "
                 "<a href=\"keep.html\">k</a> <a href=\"\">e</a> "
                 "<a href=\"http://www.example.com\">www.example.com</a></p>\n",
           "rewrite changes images and links, filter still applies");
    ok(calls == 0, "rewrite runs in the child, not the caller (%d calls)",
       calls);
}

/* Expected status of a blow-up that may hit either budget first. */
#define WK_BUDGET ((apr_status_t)-1)

typedef struct blowup {
    const char *name;
    const char *source;
    apr_status_t expected;  /* 0: any of success, timeout, memory;
                               WK_BUDGET: timeout or memory */
} blowup_t;

/*
 * Each input must return within the wall-clock budget plus the time to
 * kill and reap, and fail only with a budget error.  The expected statuses
 * are far from the edge.  Rendered without limits by cmark-gfm
 * 0.29.0.gfm.6 on a 2-core Xeon, these were the time and peak memory:
 * reference uses 0.2 s and 128 MB, wide tables 6 s and 282 MB, row of
 * cells 9.7 s and 10 MB, image-link run 116 s and 44 MB.
 */
static void test_blowups(void)
{
    const char *wide_header = apr_pstrcat(test_pool, "|", repeat("a|", 5000),
                                          "\n|", repeat("-|", 5000), "\n",
                                          NULL);
    const char *wide_table = apr_pstrcat(test_pool, wide_header,
                                         repeat("|b|\n", 10), "\n", NULL);
    const char *big_definition =
        apr_pstrcat(test_pool, "[a]: https://example.com/",
                    repeat("x", 1000), "\n\n", NULL);
    blowup_t cases[] = {
        { "reference used 50,000 times",
          apr_pstrcat(test_pool, big_definition, repeat("[a] ", 50000), "\n",
                      NULL), WK_ENOMEM },
        /* Memory runs out after about 0.3 s on an idle machine; on a
         * loaded one the time budget may come first. */
        { "wide tables repeated",
          repeat(wide_table, 20), WK_BUDGET },
        { "wide header over 100,000 rows",
          apr_pstrcat(test_pool, wide_header, repeat("|\n", 100000), NULL), 0 },
        { "row of 100,000 cells",
          apr_pstrcat(test_pool, "a|b\n-|-\n", repeat("x|", 100000), "\n",
                      NULL), WK_ETIMEOUT },
        { "100,000 nested [", repeat("[", 100000), 0 },
        { "100,000 nested ![", repeat("![", 100000), 0 },
        { "100,000 ![[]()", repeat("![[]()", 100000), WK_ETIMEOUT },
    };
    wk_render_limits_t limits;
    apr_size_t i;

    limits.max_source_bytes = WK_RENDER_DEFAULT_MAX_SOURCE;
    limits.max_time = apr_time_from_sec(1);
    limits.max_memory_bytes = 64 * 1024 * 1024;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        apr_time_t started = apr_time_now();
        apr_interval_time_t took;
        apr_status_t status;
        char *error;

        render_with(cases[i].source, strlen(cases[i].source), &limits,
                    &status, &error);
        took = apr_time_now() - started;
        diag("%s: %s after %" APR_INT64_T_FMT " ms", cases[i].name,
             status == APR_SUCCESS ? "rendered" : error,
             (apr_int64_t)(took / 1000));
        /* The budget is CPU time; the wall clock stops a child only at
         * ten times the budget plus a second. */
        ok(took < 10 * limits.max_time + apr_time_from_msec(1500),
           "%s returns in time", cases[i].name);
        if (cases[i].expected == WK_BUDGET)
            ok(status == WK_ETIMEOUT || status == WK_ENOMEM,
               "%s hits a budget", cases[i].name);
        else if (cases[i].expected != 0)
            ok(status == cases[i].expected, "%s hits its budget",
               cases[i].name);
        else
            ok(status == APR_SUCCESS || status == WK_ETIMEOUT
               || status == WK_ENOMEM, "%s renders or hits a budget",
               cases[i].name);
    }
}

static void test_budget_messages(void)
{
    wk_render_limits_t limits;
    apr_status_t status;
    char *error;

    limits.max_source_bytes = WK_RENDER_DEFAULT_MAX_SOURCE;
    limits.max_time = apr_time_from_msec(300);
    limits.max_memory_bytes = 64 * 1024 * 1024;
    render_with(repeat("![[]()", 100000), 600000, &limits, &status, &error);
    ok(status == WK_ETIMEOUT, "slow input times out");
    is_str(error, "rendering took more CPU time than the limit of 300 ms",
           "timeout message names the limit");

    /* Without limits this source takes 0.2 s and 85 MB. */
    limits.max_time = apr_time_from_sec(2);
    limits.max_memory_bytes = 16 * 1024 * 1024;
    render_with(repeat("| a | b | c | d |\n|-|-|-|-|\n| 1 | 2 | 3 | 4 |\n\n",
                       20000), 20000 * 49, &limits, &status, &error);
    ok(status == WK_ENOMEM, "large input over a small budget fails");
    is_str(error, "rendering needed more memory than the limit of 16 MB",
           "memory message names the limit");
}

#define THREAD_COUNT   4
#define THREAD_RENDERS 25

/* Renders a post THREAD_RENDERS times on the thread's own pool and
 * counts in *data the renders that gave the expected HTML. */
static void *APR_THREAD_FUNC render_thread(apr_thread_t *thread, void *data)
{
    int *good = data;
    wk_render_limits_t limits;
    apr_pool_t *pool;
    int i;

    wk_render_limits_default(&limits);
    apr_pool_create(&pool, NULL);
    for (i = 0; i < THREAD_RENDERS; i++) {
        const char *source = apr_psprintf(pool, "# Post %d\n\n~~x~~\n", i);
        const char *html = NULL;
        char *error;

        if (wk_markdown_render(&html, source, strlen(source), &limits,
                               &error, pool) == APR_SUCCESS
            && strcmp(html, apr_psprintf(pool, "<h1>Post %d</h1>\n"
                                         "<p><del>x</del></p>\n", i)) == 0)
            (*good)++;
    }
    apr_pool_destroy(pool);
    apr_thread_exit(thread, APR_SUCCESS);
    return NULL;
}

/* httpd renders from many threads of one process at once. */
static void test_threads(void)
{
    apr_thread_t *threads[THREAD_COUNT];
    int good[THREAD_COUNT] = { 0 };
    apr_status_t ignored;
    int i, total = 0;

    for (i = 0; i < THREAD_COUNT; i++)
        apr_thread_create(&threads[i], NULL, render_thread, &good[i],
                          test_pool);
    for (i = 0; i < THREAD_COUNT; i++) {
        apr_thread_join(&ignored, threads[i]);
        total += good[i];
    }
    ok(total == THREAD_COUNT * THREAD_RENDERS,
       "renders from %d threads at once all succeed (%d of %d)",
       THREAD_COUNT, total, THREAD_COUNT * THREAD_RENDERS);
}

#define BUSY_COUNT 8

/* Renders a source that costs about 0.3 s of CPU under a 1 s budget and
 * stores the status in *data. */
static void *APR_THREAD_FUNC busy_thread(apr_thread_t *thread, void *data)
{
    apr_status_t *status = data;
    wk_render_limits_t limits;
    const char *html;
    char *error;
    apr_pool_t *pool;
    wk_buf_t *source;
    int i;

    apr_pool_create(&pool, NULL);
    source = wk_buf_make(pool, 80000);
    for (i = 0; i < 12000; i++)
        wk_buf_puts(source, "![[]()");
    wk_render_limits_default(&limits);
    limits.max_time = apr_time_from_sec(1);
    *status = wk_markdown_render(&html, source->data, source->len, &limits,
                                 &error, pool);
    apr_pool_destroy(pool);
    apr_thread_exit(thread, APR_SUCCESS);
    return NULL;
}

/*
 * Eight such renders at once share the machine's cores, so each takes
 * more than a second of wall-clock time.  The budget counts CPU time,
 * so all of them succeed, as they would one at a time.
 */
static void test_busy_machine(void)
{
    apr_thread_t *threads[BUSY_COUNT];
    apr_status_t status[BUSY_COUNT], ignored;
    apr_time_t started = apr_time_now();
    int i, good = 0;

    for (i = 0; i < BUSY_COUNT; i++)
        apr_thread_create(&threads[i], NULL, busy_thread, &status[i],
                          test_pool);
    for (i = 0; i < BUSY_COUNT; i++) {
        apr_thread_join(&ignored, threads[i]);
        good += status[i] == APR_SUCCESS;
    }
    diag("%d renders of 0.3 s of CPU each took %" APR_INT64_T_FMT " ms",
         BUSY_COUNT, (apr_int64_t)((apr_time_now() - started) / 1000));
    ok(good == BUSY_COUNT, "renders on a busy machine keep their CPU "
       "budget (%d of %d)", good, BUSY_COUNT);
}

/* Times renders of an ordinary post, fork included, for the record. */
static void test_render_cost(void)
{
    const char *post = repeat("## Section\n\nA paragraph with *emphasis*, "
                              "`code`, a [link](https://example.com/) and "
                              "a footnote[^1].\n\n- one\n- two\n\n"
                              "| a | b |\n|---|---|\n| 1 | 2 |\n\n"
                              "```c\nint x = 1;\n```\n\n", 40);
    const char *source = apr_pstrcat(test_pool, post, "[^1]: Note.\n", NULL);
    wk_render_limits_t limits;
    apr_time_t started;
    apr_status_t status = APR_SUCCESS;
    char *error;
    int i, runs = 200;

    wk_render_limits_default(&limits);
    started = apr_time_now();
    for (i = 0; i < runs && status == APR_SUCCESS; i++)
        render_with(source, strlen(source), &limits, &status, &error);
    ok(status == APR_SUCCESS, "%d renders of a %zu-byte post succeed", runs,
       strlen(source));
    diag("one render of a %zu-byte post takes %.2f ms", strlen(source),
         (double)(apr_time_now() - started) / runs / 1000.0);
}

static void test_renders(void)
{
    test_extensions();
    test_safe_mode();
    test_size_limit();
    test_large_output();
    test_rewrite();
    test_blowups();
    test_budget_messages();
    test_threads();
    test_busy_machine();
    test_render_cost();
}

/* Returns the CPU time of the children this process has reaped. */
static apr_interval_time_t reaped_children_cpu(void)
{
    struct rusage usage;

    if (getrusage(RUSAGE_CHILDREN, &usage) != 0)
        return 0;
    return apr_time_from_sec(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
           + usage.ru_utime.tv_usec + usage.ru_stime.tv_usec;
}

/* Reads the pids of the launcher's children, its render workers, into
 * pids; returns how many, or -1 when /proc cannot tell. */
static int launcher_workers(pid_t *pids, int max)
{
    char path[64];
    FILE *file;
    int count = 0;
    long pid;

    snprintf(path, sizeof(path), "/proc/%ld/task/%ld/children",
             (long)wk_render_launcher_pid(), (long)wk_render_launcher_pid());
    file = fopen(path, "r");
    if (file == NULL)
        return -1;
    while (count < max && fscanf(file, "%ld", &pid) == 1)
        pids[count++] = (pid_t)pid;
    fclose(file);
    return count;
}

/* Returns the launcher's only worker, or 0 when it has none or more. */
static pid_t launcher_worker(void)
{
    pid_t pids[4];

    return launcher_workers(pids, 4) == 1 ? pids[0] : 0;
}

/* Renders a source that costs about 0.3 s of CPU under a 1 s budget. */
static apr_status_t render_busy(void)
{
    wk_render_limits_t limits;
    const char *source = repeat("![[]()", 12000);
    apr_status_t status;
    char *error;

    wk_render_limits_default(&limits);
    limits.max_time = apr_time_from_sec(1);
    render_with(source, strlen(source), &limits, &status, &error);
    return status;
}

/*
 * The launcher's workers render one source after another.  Each render
 * gets the whole budget, whatever the worker spent before, and a worker
 * that failed a render is replaced.  Run with the launcher's other
 * workers gone, so that one worker takes every render.
 */
static void test_workers(void)
{
    wk_render_limits_t limits;
    const char *html, *source, *row = repeat("x|", 100000);
    apr_status_t status;
    pid_t first, worker;
    char *error;
    int i, good = 0;

    html = render("*one*\n");
    first = launcher_worker();
    ok(first > 0, "one worker renders (pid %ld)", (long)first);
    for (i = 0; i < 50; i++)
        good += strcmp(render("*again*\n"), "<p><em>again</em></p>\n") == 0;
    ok(good == 50 && launcher_worker() == first,
       "the same worker takes 50 renders in a row (%d good)", good);

    for (i = 0, good = 0; i < 4; i++)
        good += render_busy() == APR_SUCCESS;
    ok(good == 4 && launcher_worker() == first,
       "4 renders of 0.3 s in one worker each keep a budget of 1 s "
       "(%d of 4)", good);

    wk_render_limits_default(&limits);
    limits.max_time = apr_time_from_sec(1);
    source = apr_pstrcat(test_pool, "a|b\n-|-\n", row, "\n", NULL);
    render_with(source, strlen(source), &limits, &status, &error);
    ok(status == WK_ETIMEOUT, "a render over its budget fails: %s",
       error ? error : "no error");
    html = render("*after the failure*\n");
    worker = launcher_worker();
    ok(strcmp(html, "<p><em>after the failure</em></p>\n") == 0
       && worker > 0 && worker != first,
       "a new worker takes the next render (pid %ld)", (long)worker);

    for (i = 0, good = 0; i < 1000; i++)
        good += strcmp(render("x\n"), "<p>x</p>\n") == 0;
    ok(good == 1000 && launcher_worker() != worker,
       "a worker retires after 1,000 renders and none is lost (%d good)",
       good);
}

/*
 * Runs the render tests again through the launcher.  Its children are
 * not this process's, so the CPU time of the renders (over 2 s in the
 * busy test alone) must not show among the children this process reaps.
 * Once the launcher is killed, renders fork the test process again.
 */
static void test_launcher(void)
{
    apr_pool_t *pool;
    apr_interval_time_t cpu_before;
    const char *html;
    pid_t launcher, killer;

    apr_pool_create(&pool, test_pool);
    ok(wk_render_launcher_start(pool) == APR_SUCCESS, "launcher starts");
    ok(wk_render_launcher_pid() > 0, "launcher runs");
    cpu_before = reaped_children_cpu();

    test_workers();
    test_renders();
    ok(wk_render_launcher_pid() > 0, "launcher still runs after the tests");
    ok(reaped_children_cpu() - cpu_before < apr_time_from_sec(1),
       "renders ran in the launcher's children (%" APR_INT64_T_FMT " ms of "
       "children's CPU reaped here)",
       (apr_int64_t)((reaped_children_cpu() - cpu_before) / 1000));

    /* Killed 0.1 s into a render of about 0.3 s, the launcher takes its
     * worker with it, and the render runs again in a child of this
     * process. */
    launcher = wk_render_launcher_pid();
    killer = fork();
    if (killer == 0) {
        usleep(100 * 1000);
        kill(launcher, SIGKILL);
        _exit(0);
    }
    ok(render_busy() == APR_SUCCESS,
       "a render succeeds when the launcher is killed during it");
    waitpid(killer, NULL, 0);

    html = render("*after*\n");
    is_str(html, "<p><em>after</em></p>\n",
           "render succeeds after the launcher is killed");
    ok(wk_render_launcher_pid() == 0, "renders fork the caller once the "
       "launcher is gone");
    ok(kill(launcher, 0) == -1 && errno == ESRCH,
       "the killed launcher is reaped, not left a zombie");
    apr_pool_destroy(pool);
}

int main(void)
{
    int fds_before, fds_after;

    apr_initialize();
    apr_pool_create(&test_pool, NULL);
    wk_markdown_init();
    fds_before = count_open_fds();

    test_renders();
    test_launcher();

    fds_after = count_open_fds();
    ok(fds_before == fds_after, "no descriptor leaks (%d before, %d after)",
       fds_before, fds_after);
    ok(waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD,
       "no child left unreaped");

    apr_pool_destroy(test_pool);
    apr_terminate();
    return done_testing();
}
