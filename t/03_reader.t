# The reader's pages: drafts, validators, pagination, slugs, feed, HTML.
use strict;
use warnings;
use utf8;

use Encode qw(encode_utf8);
use File::Temp qw(tempfile);
use FindBin;
use lib "$FindBin::Bin/lib";
use URI::Escape qw(uri_escape_utf8);

use Test::More;
use WriteKit::Test;

my $mark = log_mark();

my %posts;
for my $n (1 .. 23) {
    $posts{sprintf 'post-%02d.md', $n} = sprintf
        "+++\ntitle = \"Post number %d\"\ndate = 2023-03-%02dT10:00:00Z\n"
        . "[taxonomies]\ntags = [\"%s\"]\n+++\nBody of post %d.\n",
        $n, $n, $n % 2 ? 'odd' : 'even', $n;
}
$posts{'draft.md'} = "+++\ntitle = \"Hidden draft\"\ndate = 2023-04-01\n"
    . "draft = true\n+++\nSecret.\n";
$posts{'unicode.md'} = encode_utf8("+++\ntitle = \"Ünïcödé title\"\n"
    . "slug = \"café-日本\"\ndate = 2023-04-02\n+++\nÜnïcödé body.\n");
$posts{'hostile.md'} = "+++\ntitle = \"<script>alert(1)</script> & \\\"quotes\\\" \\u0001\"\n"
    . "date = 2023-04-03\ndescription = \"Desc with <b>tags</b>\"\n"
    . "aliases = [\"/old/hostile.html\"]\n+++\n"
    . "Text <script>alert(2)</script> and [link](javascript:alert(3)) and "
    . "\x01\x02 control bytes and a ]]> marker.\n";
make_blog('beta.db', title => 'Reader & Tests', base_url => 'http://beta.test',
          posts => \%posts);

# Drafts
is(blog_get('beta.test', '/posts/draft')->code, 404,
   'draft slug 404');

# An error page must not be stored at all; a page may be, if revalidated.
my @cache_control = blog_get('beta.test', '/posts/nothing-here')
    ->header('Cache-Control');
is(join(', ', @cache_control), 'no-store',
   'error page has one Cache-Control: no-store');
@cache_control = blog_get('beta.test', '/')->header('Cache-Control');
is(join(', ', @cache_control), 'no-cache', 'index has Cache-Control: no-cache');
unlike(blog_get('beta.test', '/')->decoded_content, qr/Hidden draft/,
       'draft not in index');
unlike(blog_get('beta.test', '/feed.atom')->decoded_content,
       qr/Hidden draft/, 'draft not in feed');
unlike(blog_get('beta.test', '/?page=3')->decoded_content, qr/Hidden draft/,
       'draft not on last page');

# Index and pagination (10 per page, 25 visible posts)
my $r = blog_get('beta.test', '/');
is($r->code, 200, 'index 200');
is($r->header('Content-Type'), 'text/html; charset=utf-8',
   'Content-Type has charset');
my @titles = $r->decoded_content =~ /<h2><a [^>]+>([^<]+)</g;
is(scalar @titles, 10, 'ten posts on page 1');
like($titles[0], qr/script|Ünïcödé|Post number 23/, 'newest first');
is(blog_get('beta.test', '/?page=2')->code, 200, 'page 2');
is(blog_get('beta.test', '/?page=3')->code, 200, 'page 3');
is(blog_get('beta.test', '/?page=4')->code, 404, 'page past the end 404');
for my $bad ('0', '-1', 'abc', '', '1x', '%00') {
    is(blog_get('beta.test', "/?page=$bad")->code, 400, "page=$bad is 400");
}
is(blog_get('beta.test', '/?page=99999999999999999999')->code, 404,
   'huge page 404');
is(blog_get('beta.test', '/?page=2147483648')->code, 404,
   'page past int range 404');
is(blog_get('beta.test', '/tags/odd')->code, 200, 'tag page');
is(blog_get('beta.test', '/tags/odd?page=2')->code, 200, 'tag page 2');
is(blog_get('beta.test', '/tags/odd?page=3')->code, 404, 'tag page 3 404');
is(blog_get('beta.test', '/tags/none')->code, 404, 'unknown tag 404');

$r = blog_get('beta.test', '/posts/post-05/');
is($r->code, 301, 'post URL with a trailing slash redirects');
is($r->header('Location'), '/posts/post-05', 'to the one URL of the post');

$r = blog_get('beta.test', '/posts/post-05', method => 'POST');
is($r->code, 405, 'POST to a post page is 405');
like($r->header('Allow') // '', qr/\bGET\b/, '405 allows GET');
like($r->header('Allow') // '', qr/\bHEAD\b/, '405 allows HEAD');

# Validators
$r = blog_get('beta.test', '/posts/post-05');
is($r->code, 200, 'post 200');
my $etag = $r->header('ETag');
my $modified = $r->header('Last-Modified');
ok($etag, 'post has ETag');
ok($modified, 'post has Last-Modified');
is(blog_get('beta.test', '/posts/post-05', 'If-None-Match' => $etag)
   ->code, 304, 'If-None-Match gets 304');
is(blog_get('beta.test', '/posts/post-05',
            'If-Modified-Since' => $modified)->code, 304,
   'If-Modified-Since gets 304');
is(blog_get('beta.test', '/posts/post-05',
            'If-None-Match' => '"other"')->code, 200,
   'other ETag gets 200');
for my $path ('/', '/tags/odd', '/feed.atom') {
    my $first = blog_get('beta.test', $path);
    ok($first->header('ETag'), "$path has ETag");
    is(blog_get('beta.test', $path, 'If-None-Match' => $first->header('ETag'))
       ->code, 304, "$path conditional 304");
}
$r = blog_get('beta.test', '/posts/post-05', method => 'HEAD');
is($r->code, 200, 'HEAD 200');
is($r->content, '', 'HEAD has no body');
is($r->header('ETag'), $etag, 'HEAD has the same ETag');

# Unicode slug, raw and percent-encoded
my $slug = 'café-日本';
$r = blog_get('beta.test', '/posts/' . uri_escape_utf8($slug));
is($r->code, 200, 'percent-encoded unicode slug');
like($r->decoded_content, qr/Ünïcödé title/, 'unicode title');
($r) = raw_request(encode_utf8("GET /posts/$slug HTTP/1.1\r\nHost: beta.test\r\n"
                               . "Connection: close\r\n\r\n"));
is($r, 200, 'raw UTF-8 slug');

# Hostile content is escaped and scrubbed
$r = blog_get('beta.test', '/posts/hostile');
is($r->code, 200, 'hostile post 200');
my $html = $r->decoded_content;
unlike($html, qr/<script/i, 'no script element on the page');
unlike($html, qr/javascript:/i, 'no javascript: URL');
like($html, qr/&lt;script&gt;alert\(1\)&lt;\/script&gt;/, 'title escaped');
is(blog_get('beta.test', '/old/hostile.html')->code, 301, 'alias redirects');
is(blog_get('beta.test', '/old/hostile.html')->header('Location'),
   '/posts/hostile', 'alias points at the post');

# HTML5: structure, and tidy finds no errors
for my $path ('/', '/posts/post-05', '/tags/odd', '/posts/nope') {
    my $page = blog_get('beta.test', $path);
    my $body = $page->decoded_content;
    like($body, qr/^<!DOCTYPE html>/, "$path has the doctype");
    like($body, qr/<title>[^<]+<\/title>/, "$path has a title");
    like($body, qr/<meta name="description" content="[^"]+">/,
         "$path has a description");
    unlike($body, qr/<script/i, "$path has no JavaScript");
    my ($fh, $file) = tempfile(SUFFIX => '.html');
    print $fh $page->content;
    close $fh;
    my $report = `tidy -q -e --drop-empty-elements no $file 2>&1`;
    my @errors = grep { /Error:/ } split /\n/, $report;
    ok(!@errors, "$path passes tidy") or diag(join "\n", @errors);
}
like(blog_get('beta.test', '/posts/post-05')->decoded_content,
     qr{<link rel="canonical" href="http://beta.test[^"]*/posts/post-05">},
     'post has canonical link');

# Themed 404
$r = blog_get('beta.test', '/posts/does-not-exist');
is($r->code, 404, 'missing post 404');
like($r->decoded_content, qr/Reader &amp; Tests/, '404 page is themed');
$r = blog_get('beta.test', '/no/such/page');
is($r->code, 404, 'unknown path 404');
like($r->decoded_content, qr/Page not found/, 'unknown path themed');

# Feed: well-formed and byte-identical
my $feed1 = blog_get('beta.test', '/feed.atom');
my $feed2 = blog_get('beta.test', '/feed.atom');
is($feed1->header('Content-Type'), 'application/atom+xml; charset=utf-8',
   'feed content type');
is($feed1->content, $feed2->content, 'feed identical between requests');
my ($fh, $file) = tempfile(SUFFIX => '.xml');
print $fh $feed1->content;
close $fh;
my $xml_errors = `xmllint --noout $file 2>&1`;
is($? >> 8, 0, 'feed is well-formed XML') or diag($xml_errors);
my @ids = $feed1->content =~ m{<id>(urn:uuid:[^<]+)</id>}g;
is(scalar @ids, 20, 'feed has 20 entries with ids');

# Re-import keeps ids and dates
writekit('import', tenant_dir() . '/beta.db',
         write_posts('post-05.md' => $posts{'post-05.md'}));
my $feed3 = blog_get('beta.test', '/feed.atom')->content;
my @ids3 = $feed3 =~ m{<id>(urn:uuid:[^<]+)</id>}g;
is_deeply(\@ids3, \@ids, 'entry ids stable across re-import');
is($feed3, $feed1->content, 'feed unchanged by a re-import of the same post');

# Pages are kept per process; a write by another process (the CLI here)
# shows on the very next request, from every child.
for (1 .. 5) { blog_get('beta.test', '/') }
writekit('import', tenant_dir() . '/beta.db', write_posts('fresh.md' =>
    "+++\ntitle = \"Fresh from the CLI\"\ndate = 2024-12-01\n+++\nNew.\n"));
for my $try (1 .. 5) {
    like(blog_get('beta.test', '/')->decoded_content, qr/Fresh from the CLI/,
         "new post on the index at once (request $try)");
}
like(blog_get('beta.test', '/feed.atom')->decoded_content,
     qr/Fresh from the CLI/, 'new post in the feed at once');

no_unexpected_errors($mark);
done_testing();
