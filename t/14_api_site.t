# The studio's preview, settings and export endpoints against the running
# server: WriteKitMaxPostSize and the render budget on preview, settings
# validation and what readers see after a change, and an export taken
# while another process writes to the tenant file.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use File::Temp qw(tempdir);
use JSON::PP ();
use Test::More;
use WriteKit::Test;

my $mark = log_mark();

my $file_a = make_blog('studio-a.db', title => 'Studio A', posts => {
    'one.md'   => "+++\ntitle = \"One\"\ndate = 2024-01-01\n+++\nFirst.\n",
    'two.md'   => "+++\ntitle = \"Two\"\ndate = 2024-01-02\n+++\nSecond.\n",
    'three.md' => "+++\ntitle = \"Three\"\ndate = 2024-01-03\n+++\nThird.\n",
});
add_author($file_a, 'ann@example.test', 'correct horse battery');
my $file_b = make_blog('studio-b.db', title => 'Studio B');
add_author($file_b, 'bob@example.test', 'another long password');

my $author_a = api_client('studio-a.test');
my $author_b = api_client('studio-b.test');
is(api_sign_in($author_a, 'ann@example.test', 'correct horse battery')->code, 200,
   'author of A signs in');
is(api_sign_in($author_b, 'bob@example.test', 'another long password')->code, 200,
   'author of B signs in');

my $stranger = api_client('studio-a.test');
is(api_call($stranger, 'POST', 'preview', json => { markdown => 'x' })->code,
   401, 'preview needs a session');
is(api_call($stranger, 'GET', 'settings')->code, 401,
   'settings need a session');
is(api_call($stranger, 'GET', 'export')->code, 401, 'export needs a session');

# ---- preview -----------------------------------------------------------

my $r = api_call($author_a, 'POST', 'preview',
                 json => { markdown => "# Hello\n\n*world* and ~~gone~~\n" });
is($r->code, 200, 'preview renders') or diag($r->content);
like($r->{json}{html} // '', qr{<h1>Hello</h1>}, 'heading rendered');
like($r->{json}{html} // '', qr{<em>world</em>}, 'emphasis rendered');
like($r->{json}{html} // '', qr{<del>gone</del>}, 'strikethrough rendered');

$r = api_call($author_a, 'POST', 'preview', json => {
    markdown => "<script>alert(1)</script>\n\n[x](javascript:alert(1))\n" });
is($r->code, 200, 'preview of hostile markdown');
unlike($r->{json}{html} // '', qr/<script/i, 'raw script dropped');
unlike($r->{json}{html} // '', qr/javascript:/i, 'javascript: link emptied');

$r = api_call($author_a, 'POST', 'preview', json => {});
is($r->code, 422, 'preview without markdown gets 422');
is($r->{json}{field}, 'markdown', 'error names the field');
$r = api_call($author_a, 'POST', 'preview', json => { markdown => 12 });
is($r->code, 422, 'markdown of the wrong type gets 422');
$r = api_call($author_a, 'POST', 'preview', json => { markdown => 'x', html => 1 });
is($r->code, 422, 'unknown field gets 422');
is($r->{json}{error}{code}, 'unknown_field', 'unknown field code');
$r = api_call($author_a, 'POST', 'preview', raw => '# hi', type => 'text/markdown');
is($r->code, 415, 'a body that is not JSON gets 415');
is(api_call($author_a, 'GET', 'preview')->code, 405, 'GET preview gets 405');
is(api_call($author_a, 'POST', 'preview', json => { markdown => 'x' },
            origin => 'http://evil.test')->code, 403,
   'preview from another origin gets 403');

# studio-b.test sets WriteKitMaxPostSize 65536.
$r = api_call($author_b, 'POST', 'preview', json => { markdown => 'a' x 65536 });
is($r->code, 200, 'markdown of exactly the limit renders');
$r = api_call($author_b, 'POST', 'preview', json => { markdown => 'a' x 65537 });
is($r->code, 413, 'one byte over the limit gets 413');
is($r->{json}{error}{code}, 'post_too_large', 'post_too_large code');
like($r->{json}{error}{message} // '', qr/65536/, 'message names the limit');

# One reference with a 1,000-character URL, used many times: cmark-gfm
# copies the URL into each link.  20,000 uses make about 20 MB of HTML,
# which the default budget (2 s, 256 MB) still allows; 200,000 uses pass
# the memory budget and must fail with its error.
my $definition = "[r]: http://example.test/" . ('a' x 1000) . "\n\n";
# One use a line, so no two brackets pair into a full reference link.
my $small_bomb = $definition . ("[r]\n" x 20000);
$r = api_call($author_a, 'POST', 'preview', json => { markdown => $small_bomb });
is($r->code, 200, '20,000 uses render within the budget');
ok(length($r->{json}{html} // '') > 20000 * 1000,
   'every use became a link');

my $bomb = $definition . ("[r]\n" x 200000);
$r = api_call($author_a, 'POST', 'preview', json => { markdown => $bomb });
is($r->code, 422, '200,000 uses get 422');
is($r->{json}{error}{code}, 'render_limit', 'render_limit code');
like($r->{json}{error}{message} // '', qr/\d+ (s|ms|MB)/,
     'message names the budget');
$r = api_call($author_b, 'POST', 'preview', json => { markdown => '*still up*' });
is($r->code, 200, 'preview works after the bomb');
is(blog_get('studio-b.test', '/')->code, 200, 'readers served after the bomb');

# ---- settings ----------------------------------------------------------

$r = api_call($author_a, 'GET', 'settings');
is($r->code, 200, 'get settings');
my $settings = $r->{json} // {};
is($settings->{title}, 'Studio A', 'title');
is($settings->{base_url}, 'http://blog.test', 'base_url');
is($settings->{posts_per_page}, 10, 'posts_per_page');
is($settings->{timezone}, 'UTC', 'timezone');
ok(defined $settings->{allow_raw_html} && !$settings->{allow_raw_html},
   'allow_raw_html is false');
is_deeply($settings->{iframe_hosts}, [], 'no iframe hosts');

$r = api_call($author_a, 'PUT', 'settings', json => {
    title => 'Renamed blog', description => 'About things',
    base_url => 'https://blog.example.com/', posts_per_page => 2,
    timezone => 'Europe/Berlin', allow_raw_html => JSON::PP::true(),
    iframe_hosts => ['www.youtube-nocookie.com', 'player.vimeo.com'] });
is($r->code, 200, 'put settings') or diag($r->content);
is($r->{json}{title}, 'Renamed blog', 'new title returned');
is($r->{json}{base_url}, 'https://blog.example.com',
   'trailing slash dropped from base_url');
is($r->{json}{timezone}, 'Europe/Berlin', 'new timezone');
ok($r->{json}{allow_raw_html}, 'raw HTML allowed');
is_deeply($r->{json}{iframe_hosts},
          ['www.youtube-nocookie.com', 'player.vimeo.com'], 'iframe hosts');

my $page = blog_get('studio-a.test', '/');
like($page->content, qr/Renamed blog/, 'readers see the new title');
is(() = $page->content =~ m{href="/posts/}g, 2,
   'readers get two posts a page');

$r = api_call($author_a, 'PUT', 'settings', json => { title => 'Partial' });
is($r->code, 200, 'put one field');
is($r->{json}{timezone}, 'Europe/Berlin', 'fields left out are kept');

my @invalid = (
    [ { title => '' }, 'title' ],
    [ { title => 7 }, 'title' ],
    [ { description => [] }, 'description' ],
    [ { base_url => 'ftp://blog.example.com' }, 'base_url' ],
    [ { base_url => 'https://' }, 'base_url' ],
    [ { base_url => 'https://blog.example.com/?q=1' }, 'base_url' ],
    [ { base_url => 'https://user@blog.example.com' }, 'base_url' ],
    [ { base_url => "https://blog.example.com/\nX" }, 'base_url' ],
    # Characters that no URL may carry unencoded, which would make the
    # canonical links and feed ids invalid.
    [ { base_url => 'https://blog.example.com/"><script>' }, 'base_url' ],
    [ { base_url => 'https://blog.example.com/a\\b' }, 'base_url' ],
    [ { base_url => 'https://blog.example.com/{x}' }, 'base_url' ],
    [ { base_url => 'https://blog.example.com/a|b' }, 'base_url' ],
    [ { base_url => 'https://blog.example.com/a^b' }, 'base_url' ],
    [ { base_url => 'https://blog.example.com/a`b' }, 'base_url' ],
    [ { posts_per_page => 0 }, 'posts_per_page' ],
    [ { posts_per_page => 101 }, 'posts_per_page' ],
    [ { posts_per_page => '10' }, 'posts_per_page' ],
    [ { posts_per_page => 2.5 }, 'posts_per_page' ],
    [ { timezone => 'Mars/Olympus_Mons' }, 'timezone' ],
    [ { timezone => '../../../etc/passwd' }, 'timezone' ],
    [ { timezone => 'Europe/../../etc/passwd' }, 'timezone' ],
    [ { timezone => '/etc/localtime' }, 'timezone' ],
    [ { timezone => '' }, 'timezone' ],
    [ { allow_raw_html => 'yes' }, 'allow_raw_html' ],
    [ { allow_raw_html => 1 }, 'allow_raw_html' ],
    [ { iframe_hosts => 'www.youtube.com' }, 'iframe_hosts' ],
    [ { iframe_hosts => ['https://www.youtube.com'] }, 'iframe_hosts' ],
    [ { iframe_hosts => ['www.youtube.com:443'] }, 'iframe_hosts' ],
    [ { iframe_hosts => ['a b'] }, 'iframe_hosts' ],
    [ { iframe_hosts => [1] }, 'iframe_hosts' ],
);
for my $case (@invalid) {
    my ($body, $field) = @$case;
    my $what = JSON::PP->new->canonical->encode($body);
    $r = api_call($author_a, 'PUT', 'settings', json => $body);
    is($r->code, 422, "$what gets 422");
    is($r->{json}{field}, $field, "$what names $field");
}

$r = api_call($author_a, 'PUT', 'settings', json => { colour => 'red' });
is($r->code, 422, 'unknown setting gets 422');
is($r->{json}{error}{code}, 'unknown_field', 'unknown setting code');
$r = api_call($author_a, 'PUT', 'settings',
              json => { title => 'Not saved', posts_per_page => 0 });
is($r->code, 422, 'one bad field in a good body gets 422');
is(api_call($author_a, 'GET', 'settings')->{json}{title}, 'Partial',
   'nothing saved from a body with a bad field');
is(api_call($author_a, 'PUT', 'settings', json => { title => 'X' },
            origin => 'http://evil.test')->code, 403,
   'settings from another origin get 403');
is(api_call($author_a, 'POST', 'settings', json => {})->code, 405,
   'POST settings gets 405');
is(api_call($author_b, 'GET', 'settings')->{json}{title}, 'Studio B',
   "other tenant's settings untouched");

# ---- export ------------------------------------------------------------

is(api_call($author_a, 'POST', 'export')->code, 405, 'POST export gets 405');

# A writer in another process adds pairs of rows, each pair in one
# transaction, while exports run: every snapshot has an even count.
my $dir = tempdir(CLEANUP => 1);
my $script = "$dir/writer.sql";
open my $sql, '>', $script or die "$script: $!";
print $sql ".timeout 10000\n";
for my $i (1 .. 150) {
    print $sql "BEGIN IMMEDIATE;\n";
    for my $half ('a', 'b') {
        print $sql "INSERT INTO media (path, content_type, data, sha256,"
            . " created_at) VALUES ('writer/$i$half', 'image/png',"
            . " randomblob(20000), 'x', 0);\n";
    }
    print $sql "COMMIT;\n";
}
close $sql;

my @tmp_before = glob('/tmp/wk-export-*');
my $writer = fork() // die "fork: $!";
if ($writer == 0) {
    open STDIN, '<', $script or die "$script: $!";
    exec 'timeout', '60', 'sqlite3', $file_a or die "exec sqlite3: $!";
}

my $exports = 0;
for my $n (1 .. 3) {
    $r = api_call($author_a, 'GET', 'export');
    is($r->code, 200, "export $n during writes") or diag($r->content);
    next unless $r->code == 200;
    $exports++;
    is($r->header('Content-Type'), 'application/vnd.sqlite3',
       "export $n type");
    is($r->header('Content-Disposition'),
       'attachment; filename="studio-a.test.db"', "export $n file name");
    my $copy = "$dir/export-$n.db";
    open my $out, '>:raw', $copy or die "$copy: $!";
    print $out $r->content;
    close $out;
    my $check = `sqlite3 '$copy' 'PRAGMA integrity_check'`;
    chomp $check;
    is($check, 'ok', "export $n passes integrity_check");
    my $posts = `sqlite3 '$copy' 'SELECT count(*) FROM posts'`;
    chomp $posts;
    is($posts, 3, "export $n has the posts");
    my $rows = `sqlite3 '$copy' "SELECT count(*) FROM media WHERE path LIKE 'writer/%'"`;
    chomp $rows;
    ok($rows =~ /^\d+$/ && $rows % 2 == 0,
       "export $n is one snapshot ($rows writer rows)");
}
waitpid $writer, 0;
is($? >> 8, 0, 'writer finished');
is($exports, 3, 'three exports taken');

my $guess = api_client('studio-a.test');
is(api_sign_in($guess, 'ann@example.test', 'a wrong guess')->code, 401,
   'a failed sign-in before the last export');
$r = api_call($author_a, 'GET', 'export');
my $last = "$dir/export-last.db";
open my $out, '>:raw', $last or die "$last: $!";
print $out $r->content;
close $out;
my $rows = `sqlite3 '$last' "SELECT count(*) FROM media WHERE path LIKE 'writer/%'"`;
chomp $rows;
is($rows, 300, 'export after the writer has every row');

# An author's download carries no author's secrets: password hashes,
# sessions and failed sign-ins are gone, and overwritten, not just freed.
sub sql_value {
    my ($file, $query) = @_;
    my $value = `sqlite3 '$file' "$query"`;
    chomp $value;
    return $value;
}
is(sql_value($last, 'SELECT count(*) FROM users'), 1,
   'export keeps the author');
is(sql_value($last, "SELECT count(*) FROM users WHERE password_hash LIKE '\$%'"),
   0, 'export has no password hash');
is(sql_value($last, 'SELECT count(*) FROM sessions'), 0,
   'export has no session');
is(sql_value($last, 'SELECT count(*) FROM login_failures'), 0,
   'export has no failed sign-in');
unlike($r->content, qr/\$2[aby]\$/, 'no bcrypt hash anywhere in the file');
# NOTE: another server exporting at the same moment would add its own
# file here; only this suite's runs do exports.
my %existed = map { $_ => 1 } @tmp_before;
my @left = grep { !$existed{$_} } glob('/tmp/wk-export-*');
is(scalar @left, 0, 'no temporary export file left behind')
    or diag("@left");

# A JSON encoder that escapes every character (\u0041) makes the body six
# times the markdown; a preview under the limit still renders.
{
    my $escaped = '{"markdown":"' . ('\\u0041' x 60000) . '"}';
    $r = api_call($author_b, 'POST', 'preview', raw => $escaped,
                  type => 'application/json');
    is($r->code, 200, 'escaped markdown under the limit previews')
        or diag($r->content);
}

# ---- raw HTML: preview and save agree --------------------------------
my $raw = "Text <b>bold</b> <script>alert(1)</script> "
        . "<a href=\"javascript:alert(2)\" onclick=\"x()\">link</a>\n";
$r = api_call($author_b, 'POST', 'preview', json => { markdown => $raw });
unlike($r->{json}{html} // '', qr/<b>/, 'raw HTML dropped while not allowed');
is(api_call($author_b, 'PUT', 'settings', json => { allow_raw_html => JSON::PP::true })->code,
   200, 'raw HTML allowed');
$r = api_call($author_b, 'POST', 'preview', json => { markdown => $raw });
my $preview_html = $r->{json}{html} // '';
like($preview_html, qr{<b>bold</b>}, 'preview keeps allowed raw HTML');
unlike($preview_html, qr/<script/i, 'preview drops script');
unlike($preview_html, qr/javascript:|onclick/i,
       'preview drops dangerous URL and handler');
$r = api_call($author_b, 'POST', 'posts', json => { title => 'Raw', source => $raw });
is($r->code, 201, 'post with raw HTML saved');
is($r->{json}{html}, $preview_html, 'saved HTML is exactly the preview');

# Turning raw HTML off, or taking a host off iframe_hosts, applies to
# the posts already saved: readers see the change on their next request.
is(api_call($author_b, 'PUT', 'settings', json => {
       iframe_hosts => ['player.vimeo.com'] })->code, 200,
   'iframe host allowed');
$r = api_call($author_b, 'POST', 'posts', json => {
    title => 'Raw and framed', status => 'published',
    source => "Some <b>bold</b> words.\n\n"
            . "<iframe src=\"https://player.vimeo.com/video/1\"></iframe>\n" });
is($r->code, 201, 'published post with raw HTML and an iframe');
my $framed_url = "/posts/$r->{json}{slug}";
my $page = blog_get('studio-b.test', $framed_url)->decoded_content;
like($page, qr{<b>bold</b>}, 'readers get the raw HTML while allowed');
like($page, qr{<iframe[^>]*player\.vimeo\.com}, 'readers get the iframe');
is(api_call($author_b, 'PUT', 'settings', json => { iframe_hosts => [] })->code,
   200, 'iframe host removed');
$page = blog_get('studio-b.test', $framed_url)->decoded_content;
unlike($page, qr{<iframe}, 'iframe gone once its host is removed');
like($page, qr{<b>bold</b>}, 'other raw HTML stays while allowed');
is(api_call($author_b, 'PUT', 'settings', json => { allow_raw_html => JSON::PP::false })->code,
   200, 'raw HTML turned off');
$page = blog_get('studio-b.test', $framed_url)->decoded_content;
unlike($page, qr{<b>bold</b>}, 'raw HTML gone once turned off');
like($page, qr{bold}, 'the words stay');

# ---- dates readers see are in the blog's time zone ----------------------
$r = api_call($author_b, 'POST', 'posts', json => {
    title => 'Late evening', status => 'published',
    published_at => '2024-05-01T20:00:00Z', source => "Late.\n" });
is($r->code, 201, 'post at 20:00 UTC saved');
my $late_url = "/posts/$r->{json}{slug}";
like(blog_get('studio-b.test', $late_url)->decoded_content,
     qr{<time datetime="2024-05-01T20:00:00Z">1 May 2024</time>},
     'UTC blog shows the UTC date');
is(api_call($author_b, 'PUT', 'settings', json => { timezone => 'Asia/Kolkata' })->code,
   200, 'time zone set to Asia/Kolkata');
like(blog_get('studio-b.test', $late_url)->decoded_content,
     qr{<time datetime="2024-05-01T20:00:00Z">2 May 2024</time>},
     'Kolkata blog shows the next day (UTC+05:30)');
api_call($author_b, 'PUT', 'settings', json => { timezone => 'UTC' });

no_unexpected_errors($mark);

done_testing();
