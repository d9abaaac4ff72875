/*
 * sanitize_test.c: the allow-list HTML sanitizer against script injection
 * in the forms filter-evasion lists describe, broken markup and size.
 */
#include <stdlib.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "tap.h"
#include "wk_sanitize.h"

#define HOSTS "www.youtube-nocookie.com player.vimeo.com"

static const char *clean(const char *html, apr_pool_t *pool)
{
    const char *out = NULL;

    if (wk_html_sanitize(&out, html, strlen(html), HOSTS, pool)
        != APR_SUCCESS)
        return "(failed)";
    return out;
}

/* Returns nonzero when text contains needle, ignoring ASCII case. */
static int contains(const char *text, const char *needle)
{
    apr_size_t len = strlen(needle);

    for (; *text; text++) {
        if (strncasecmp(text, needle, len) == 0)
            return 1;
    }
    return 0;
}

static void same(const char *html, const char *expected, apr_pool_t *pool)
{
    is_str(clean(html, pool), expected, "sanitize %s", html);
}

static void test_allowed_markup(apr_pool_t *pool)
{
    same("<p>Hello <em>world</em></p>", "<p>Hello <em>world</em></p>", pool);
    same("<P CLASS=intro>Up</P>", "<p class=\"intro\">Up</p>", pool);
    same("<a href=\"https://example.org/?a=1&amp;b=2\" title='t'>x</a>",
         "<a href=\"https://example.org/?a=1&amp;b=2\" title=\"t\">x</a>",
         pool);
    same("<img src=/media/a.png alt=\"a > b\">",
         "<img src=\"/media/a.png\" alt=\"a &gt; b\" />", pool);
    same("<br><hr/>", "<br /><hr />", pool);
    same("<td colspan=2 rowspan=3 style=x>c</td>",
         "<td colspan=\"2\" rowspan=\"3\">c</td>", pool);
    same("<video src=v.mp4 controls muted poster=p.png></video>",
         "<video src=\"v.mp4\" controls=\"\" muted=\"\" poster=\"p.png\">"
         "</video>", pool);
    same("<details open><summary>s</summary>d</details>",
         "<details open=\"\"><summary>s</summary>d</details>", pool);
    same("<a href=\"mailto:ada@example.org\">m</a>",
         "<a href=\"mailto:ada@example.org\">m</a>", pool);
    same("<a href=\"#top\">t</a>", "<a href=\"#top\">t</a>", pool);
    /* A zero-width space is no URL whitespace, so this is a relative
     * path, harmless to keep. */
    same("<a href=\"\xE2\x80\x8Bjavascript:x\">z</a>",
         "<a href=\"\xE2\x80\x8Bjavascript:x\">z</a>", pool);
    same("<time datetime=2024-05-01>May</time>",
         "<time datetime=\"2024-05-01\">May</time>", pool);
    same("<img src=\"data:image/png;base64,iVBORw0KGgo=\">",
         "<img src=\"data:image/png;base64,iVBORw0KGgo=\" />", pool);
    same("<p>caf&eacute; &hellip; &#233; &#x263A; &lt;b&gt;</p>",
         "<p>caf&eacute; &hellip; \xC3\xA9 \xE2\x98\xBA &lt;b&gt;</p>", pool);
    same("<p lang=de title=\"a\" title=\"b\">x</p>",
         "<p lang=\"de\" title=\"a\">x</p>", pool);
}

static void test_dropped_elements(apr_pool_t *pool)
{
    same("a<script>alert(1)</script>b", "ab", pool);
    same("a<SCRIPT SRC=//evil.example/x.js></SCRIPT>b", "ab", pool);
    same("a<script>document.write('</scr' + 'ipt>')</script>b", "ab", pool);
    same("a<style>body{background:url(javascript:x)}</style>b", "ab", pool);
    same("a<template><p>t</p></template>b", "ab", pool);
    same("a<object data=x.swf><param name=a></object>b", "ab", pool);
    same("a<embed src=x.swf>b", "ab", pool);
    same("a<svg><svg onload=alert(1)></svg></svg>b", "ab", pool);
    same("a<math><mi xlink:href=javascript:x>m</mi></math>b", "ab", pool);
    same("a<iframe src=https://evil.example/></iframe>b", "ab", pool);
    same("a<iframe src=http://player.vimeo.com/v/1>x</iframe>b", "ab", pool);
    same("a<iframe src=\"https://player.vimeo.com@evil.example/\"></iframe>b",
         "ab", pool);
    same("a<iframe>x</iframe>b", "ab", pool);
    same("a<script>never closed", "a", pool);
    same("a<noscript><img src=x onerror=alert(1)></noscript>b", "ab", pool);
    same("a<form action=x><input name=y></form>b", "ab", pool);
    same("<font color=red>kept text</font>", "kept text", pool);
    same("a<textarea></textarea><script>x</script>b", "ab", pool);
}

static void test_iframe_hosts(apr_pool_t *pool)
{
    const char *out = NULL;

    same("<iframe src=\"https://player.vimeo.com/video/1\" width=640>"
         "</iframe>",
         "<iframe src=\"https://player.vimeo.com/video/1\" width=\"640\">"
         "</iframe>", pool);
    same("<iframe src=\"https://PLAYER.VIMEO.COM:443/v\"></iframe>",
         "<iframe src=\"https://PLAYER.VIMEO.COM:443/v\"></iframe>", pool);
    same("<iframe src=\"https://player.vimeo.com.evil.example/\"></iframe>",
         "", pool);
    wk_html_sanitize(&out, "<iframe src=\"https://player.vimeo.com/\">"
                     "</iframe>", 42, NULL, pool);
    is_str(out, "", "iframe without a host list is dropped");
    wk_html_sanitize(&out, "<iframe src=\"https://player.vimeo.com/\">"
                     "</iframe>", 42, "", pool);
    is_str(out, "", "iframe with an empty host list is dropped");
}

/* Each vector must lose every way to run script. */
static void test_xss_vectors(apr_pool_t *pool)
{
    static const char *const vectors[] = {
        "<a href=\"javascript:alert(1)\">x</a>",
        "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
        "<a href=\"java&#x09;script:alert(1)\">x</a>",
        "<a href=\"java&#9;script:alert(1)\">x</a>",
        "<a href=\"java&Tab;script:alert(1)\">x</a>",
        "<a href=\"&#106;avascript:alert(1)\">x</a>",
        "<a href=\"&#x6A;&#x61;&#x76;&#x61;script:alert(1)\">x</a>",
        "<a href=\"&#0000106&#0000097vascript:alert(1)\">x</a>",
        "<a href=\"javascript&colon;alert(1)\">x</a>",
        "<a href=\" \x01 javascript:alert(1)\">x</a>",
        "<a href=\"jav\nascript:alert(1)\">x</a>",
        "<a href=\"jav&#xA;ascript:alert(1)\">x</a>",
        "<a href=javascript:alert(1)>x</a>",
        "<a href='vbscript:msgbox(1)'>x</a>",
        "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
        "<img src=\"data:image/svg+xml,<svg onload=alert(1)>\">",
        "<img src=\"javascript:alert(1)\">",
        "<img src=x onerror=alert(1)>",
        "<img src=x ONERROR=alert(1)>",
        "<img/src=x/onerror=alert(1)>",
        "<img src=x onerror\n=\nalert(1)>",
        "<img src=\"x\"onerror=\"alert(1)\">",
        "<img srcset=\"javascript:alert(1) 1x\">",
        "<img srcset=\"a.png 1x, javascript:alert(1) 2x\">",
        "<video poster=javascript:alert(1)></video>",
        "<blockquote cite=\"javascript:alert(1)\">q</blockquote>",
        "<p style=\"background:url(javascript:alert(1))\">x</p>",
        "<div onmouseover=\"alert(1)\">x</div>",
        "<scr\0ipt>alert(1)</scr\0ipt>",
        "<<script>alert(1);//<</script>",
        "<script/xss src=x></script>",
        "<body onload=alert(1)>",
        "<svg/onload=alert(1)>",
        "<iframe src=javascript:alert(1)></iframe>",
        "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
        "<meta http-equiv=refresh content=\"0;url=javascript:alert(1)\">",
        "<link rel=stylesheet href=javascript:alert(1)>",
        "<base href=javascript:alert(1)//>",
        "<!--<script>alert(1)</script>-->",
        "<![CDATA[<script>alert(1)</script>]]>",
        "<?xml-stylesheet href=javascript:alert(1)?>",
        "<a href=\"https://example.org\" onclick=\"alert(1)\">x</a>",
        "<x onclick=alert(1)>x</x>",
        "<a href=\"&#x26;#x6A;avascript:alert(1)\">x</a>",
        "<math><a xlink:href=javascript:alert(1)>x</a></math>",
        "<table background=\"javascript:alert(1)\"><tr><td>x</td></tr></table>",
        NULL
    };
    int i;

    for (i = 0; vectors[i] != NULL; i++) {
        apr_size_t len = strlen(vectors[i]);
        const char *out = NULL;

        /* strlen() stops at the NUL inside this vector. */
        if (strncmp(vectors[i], "<scr", 4) == 0)
            len = 26;
        wk_html_sanitize(&out, vectors[i], len, HOSTS, pool);
        ok(out && !contains(out, "javascript") && !contains(out, "vbscript")
           && !contains(out, "<script") && !contains(out, " on")
           && !contains(out, "data:text") && !contains(out, "svg")
           && !contains(out, "style=") && !contains(out, "<iframe"),
           "vector %d is harmless: %s", i, out ? out : "(null)");
    }
}

static void test_broken_markup(apr_pool_t *pool)
{
    const char *out = NULL;
    char with_nul[] = "<p>a\0b</p>";

    same("<p><b>bold <i>both</p> after", "<p><b>bold <i>both</i></b></p> after",
         pool);
    same("<div><span>open", "<div><span>open</span></div>", pool);
    same("</p>stray end</div>", "stray end", pool);
    same("1 < 2 & 3 > 2", "1 &lt; 2 &amp; 3 &gt; 2", pool);
    same("a <3 b", "a &lt;3 b", pool);
    same("AT&T &amp co", "AT&amp;T &amp;amp co", pool);
    same("<p title=\"a<b>c\">x</p>", "<p title=\"a&lt;b&gt;c\">x</p>", pool);
    same("<p title=\"unterminated>x</p>", "", pool);
    same("<p", "", pool);
    same("x<!-- unterminated comment <script>", "x", pool);
    same("<!DOCTYPE html><p>x</p>", "<p>x</p>", pool);
    same("a<!-->b", "ab", pool);
    same("a</>b", "ab", pool);
    same("a</ x>b", "ab", pool);
    same("<a href=x>one<a href=y>two</a></a>",
         "<a href=\"x\">one<a href=\"y\">two</a></a>", pool);
    same("<p>\xff\xfe bad utf-8</p>",
         "<p>\xEF\xBF\xBD\xEF\xBF\xBD bad utf-8</p>", pool);
    same("<p>&#0; &#xD800; &#x110000;</p>",
         "<p>\xEF\xBF\xBD \xEF\xBF\xBD \xEF\xBF\xBD</p>", pool);

    wk_html_sanitize(&out, with_nul, sizeof(with_nul) - 1, NULL, pool);
    is_str(out, "<p>ab</p>", "NUL byte in text is dropped");
    wk_html_sanitize(&out, NULL, 0, NULL, pool);
    is_str(out, "", "NULL input gives empty output");
}

/* Builds count copies of unit. */
static char *repeat(const char *unit, apr_size_t count, apr_pool_t *pool)
{
    apr_size_t len = strlen(unit), i;
    char *text = apr_palloc(pool, len * count + 1);

    for (i = 0; i < count; i++)
        memcpy(text + i * len, unit, len);
    text[len * count] = '\0';
    return text;
}

static double sanitize_ms(const char *html, const char **out,
                          apr_pool_t *pool)
{
    apr_time_t start = apr_time_now();

    wk_html_sanitize(out, html, strlen(html), HOSTS, pool);
    return (double)(apr_time_now() - start) / 1000.0;
}

static void test_large_inputs(apr_pool_t *pool)
{
    const char *out = NULL;
    char *nested = repeat("<div>", 200000, pool);
    char *mixed = repeat("<p class=a title=\"x&amp;y\">t &lt; <b>u</p>",
                         25000, pool);
    char *closers = apr_pstrcat(pool, repeat("<div>", 1000, pool),
                                repeat("</span>", 150000, pool), NULL);
    double ms;
    int i, opens = 0;

    ms = sanitize_ms(nested, &out, pool);
    for (i = 0; out[i]; i++)
        opens += strncmp(out + i, "<div>", 5) == 0;
    ok(opens == 256, "nesting is capped at 256 (%d)", opens);
    ok(ms < 2000, "1 MB of open tags in %.0f ms", ms);

    ms = sanitize_ms(mixed, &out, pool);
    ok(strlen(mixed) > 1000000, "mixed input is over 1 MB");
    ok(ms < 2000, "1 MB of mixed markup in %.0f ms", ms);

    ms = sanitize_ms(closers, &out, pool);
    ok(ms < 2000, "1 MB of unmatched end tags in %.0f ms", ms);
    ms = sanitize_ms(repeat("<script>", 150000, pool), &out, pool);
    ok(ms < 2000 && *out == '\0', "1 MB of script tags in %.0f ms", ms);
    ms = sanitize_ms(repeat("<svg>", 200000, pool), &out, pool);
    ok(ms < 2000 && *out == '\0', "1 MB of nested svg in %.0f ms", ms);
}

int main(int argc, const char *const *argv)
{
    apr_pool_t *pool;

    apr_app_initialize(&argc, &argv, NULL);
    apr_pool_create(&pool, NULL);

    test_allowed_markup(pool);
    test_dropped_elements(pool);
    test_iframe_hosts(pool);
    test_xss_vectors(pool);
    test_broken_markup(pool);
    test_large_inputs(pool);

    apr_pool_destroy(pool);
    return done_testing();
}
