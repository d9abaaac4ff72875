/*
 * wpformat_test.c: classic WordPress content turned into paragraphs and
 * figures the way WordPress shows it, case by case.
 */
#include <apr_general.h>

#include "tap.h"
#include "wk_wpformat.h"

typedef struct format_case {
    const char *name;
    const char *input;
    const char *expected;
} format_case_t;

static const format_case_t autop_cases[] = {
    { "lines and a blank line", "Hello\nworld\n\nSecond",
      "<p>Hello<br />\nworld</p>\n<p>Second</p>\n" },
    { "CRLF line ends", "One\r\ntwo\r\n\r\nThree",
      "<p>One<br />\ntwo</p>\n<p>Three</p>\n" },
    { "list stays bare", "<ul>\n<li>a</li>\n</ul>\nText",
      "<ul>\n<li>a</li>\n</ul>\n<p>Text</p>\n" },
    { "pre kept whole", "<pre>a\n\nb</pre>\nafter",
      "<pre>a\n\nb</pre>\n<p>after</p>\n" },
    { "text inside a div stays bare", "<div>inside</div>",
      "<div>inside</div>\n" },
    { "blockquote text gets a paragraph", "<blockquote>Quote\nline"
      "</blockquote>", "<blockquote><p>Quote<br />\nline</p></blockquote>\n" },
    { "two br make a paragraph break", "a<br>\n<br>b",
      "<p>a</p>\n<p>b</p>\n" },
    { "br before a line break stays one", "line<br />\nnext",
      "<p>line<br />\nnext</p>\n" },
    { "existing paragraph kept", "<p>already</p>", "<p>already</p>\n" },
    { "more marker removed", "before<!--more-->\n\nafter",
      "<p>before</p>\n<p>after</p>\n" },
    { "line break inside a tag kept", "text <a href=\"x\n y\">link</a>",
      "<p>text <a href=\"x\n y\">link</a></p>\n" },
    { "empty text", "", "" },
    { "only blank lines", "\n\n \n", "" },
    { "heading then text", "<h2>Title</h2>\nBody text",
      "<h2>Title</h2>\n<p>Body text</p>\n" },
    { "hr between paragraphs", "Text\n<hr />\nMore",
      "<p>Text</p>\n<hr />\n<p>More</p>\n" },
    { "lone less-than is text", "a < b\n\nc", "<p>a < b</p>\n<p>c</p>\n" },
    { "script kept with its lines", "<script>a\n\nb</script>",
      "<p><script>a\n\nb</script></p>\n" },
    { "inline markup in a paragraph", "Some <em>big</em>\n<strong>news"
      "</strong>", "<p>Some <em>big</em><br />\n<strong>news</strong></p>\n" },
    { "table rows stay bare", "<table>\n<tr>\n<td>1</td>\n</tr>\n</table>",
      "<table>\n<tr>\n<td>1</td>\n</tr>\n</table>\n" },
    { NULL, NULL, NULL }
};

static const format_case_t caption_cases[] = {
    { "caption with id and align",
      "[caption id=\"attachment_6\" align=\"alignright\" width=\"300\"]"
      "<img src=\"x.jpg\" alt=\"\" /> The caption[/caption]",
      "<figure id=\"attachment_6\" class=\"wp-caption alignright\">"
      "<img src=\"x.jpg\" alt=\"\" /><figcaption class=\"wp-caption-text\">"
      "The caption</figcaption></figure>" },
    { "caption around a link",
      "a [caption align=\"aligncenter\"]<a href=\"big.jpg\"><img src=\"s.jpg\""
      " /></a> Text[/caption] b",
      "a <figure class=\"wp-caption aligncenter\"><a href=\"big.jpg\">"
      "<img src=\"s.jpg\" /></a><figcaption class=\"wp-caption-text\">Text"
      "</figcaption></figure> b" },
    { "old caption attribute",
      "[caption id=\"c1\" caption=\"Old style\"]<img src=\"o.png\" />"
      "[/caption]",
      "<figure id=\"c1\" class=\"wp-caption\"><img src=\"o.png\" />"
      "<figcaption class=\"wp-caption-text\">Old style</figcaption>"
      "</figure>" },
    { "quote in an id is escaped",
      "[caption id='a\"b']<img src=\"q.png\" />[/caption]",
      "<figure id=\"a&quot;b\" class=\"wp-caption\"><img src=\"q.png\" />"
      "</figure>" },
    { "unclosed caption left alone", "[caption]<img src=\"x\" /> text",
      "[caption]<img src=\"x\" /> text" },
    { "no caption", "plain [captions] text", "plain [captions] text" },
    { NULL, NULL, NULL }
};

int main(int argc, const char *const *argv)
{
    apr_array_header_t *found;
    apr_pool_t *pool;
    int i;

    apr_app_initialize(&argc, &argv, NULL);
    apr_pool_create(&pool, NULL);

    for (i = 0; autop_cases[i].name != NULL; i++)
        is_str(wk_wp_autop(autop_cases[i].input, pool),
               autop_cases[i].expected, "autop: %s", autop_cases[i].name);
    for (i = 0; caption_cases[i].name != NULL; i++)
        is_str(wk_wp_captions(caption_cases[i].input, pool),
               caption_cases[i].expected, "captions: %s",
               caption_cases[i].name);

    ok(wk_wp_has_blocks("<!-- wp:paragraph -->\n<p>x</p>"),
       "block comment marks block content");
    ok(!wk_wp_has_blocks("<p>x</p><!-- a comment -->"),
       "other comments are not blocks");

    found = wk_wp_shortcodes("[gallery ids=\"1,2\"] and [embed]u[/embed]"
                             " and [gallery]", pool);
    ok(found->nelts == 2, "two shortcodes found once each");
    is_str(found->nelts > 0 ? APR_ARRAY_IDX(found, 0, const char *) : NULL,
           "gallery", "gallery found");
    is_str(found->nelts > 1 ? APR_ARRAY_IDX(found, 1, const char *) : NULL,
           "embed", "embed found");
    ok(wk_wp_shortcodes("[galleryx] [embedded]", pool)->nelts == 0,
       "longer names are not shortcodes");

    apr_pool_destroy(pool);
    return done_testing();
}
