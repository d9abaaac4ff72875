# The studio's posts: create, read, list, update against a revision,
# revisions, delete and tags, with the checks on every field, and what
# readers see of the result.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use IO::Socket::INET;
use POSIX qw(strftime);
use Test::More;
use Time::HiRes qw(time sleep);
use URI::Escape qw(uri_unescape);
use WriteKit::Test;

my $mark = log_mark();

my $file = make_blog('studio-a.db', title => 'Studio A');
add_author($file, 'ann@example.test', 'correct horse battery');
my $client = api_client('studio-a.test');

my $r = api_call($client, 'GET', 'posts');
is($r->code, 401, 'posts need a session');
$r = api_call($client, 'POST', 'posts', json => { title => 'x' });
is($r->code, 401, 'creating needs a session');
is(api_sign_in($client, 'ann@example.test', 'correct horse battery')->code,
   200, 'signed in');

# Create
$r = api_call($client, 'POST', 'posts', json => {
    title => 'First post', source => "Hello *world*.\n",
    status => 'published', published_at => '2024-05-01T09:30:00+02:00',
    tags => ['Rust', 'Web'] });
is($r->code, 201, 'create gets 201') or diag($r->content);
my $post = $r->{json};
my $id = $post->{id};
like($r->header('Location') // '', qr{^/studio/api/posts/$id$},
     'create sends Location');
is($r->header('ETag'), '"rev-1"', 'new post has ETag "rev-1"');
is($post->{revision}, 1, 'new post is revision 1');
is($post->{published_at}, '2024-05-01T07:30:00Z', 'published_at in UTC');
like($post->{html} // '', qr{<em>world</em>}, 'create renders markdown');
is_deeply([ sort @{ $post->{tags} } ], ['Rust', 'Web'], 'create sets tags');

$r = api_call($client, 'GET', "posts/$id");
is($r->code, 200, 'get post');
is($r->header('ETag'), '"rev-1"', 'get sends the ETag');
is($r->{json}{source}, "Hello *world*.\n", 'get returns the source');
like($r->{json}{html}, qr{<em>world</em>}, 'get returns the html');
is($r->{json}{status}, 'published', 'get returns the status');
is(blog_get('studio-a.test', "/posts/$post->{slug}")->code, 200,
   'readers see the published post');

# Drafts and the list
$r = api_call($client, 'POST', 'posts', json => { title => 'A draft' });
is($r->code, 201, 'draft with a title only');
is($r->{json}{status}, 'draft', 'posts start as drafts');
is($r->{json}{published_at}, undef, 'draft has no published_at');
is(blog_get('studio-a.test', "/posts/$r->{json}{slug}")->code, 404,
   'readers do not see drafts');

$r = api_call($client, 'GET', 'posts');
is($r->code, 200, 'list posts');
is($r->{json}{total}, 2, 'list counts both posts');
$r = api_call($client, 'GET', 'posts?status=draft');
is($r->{json}{total}, 1, 'status filter');
is($r->{json}{posts}[0]{title}, 'A draft', 'status filter finds the draft');
$r = api_call($client, 'GET', 'posts?q=FIRST');
is($r->{json}{total}, 1, 'title search ignores case');
# Browsers' URLSearchParams write a space as "+", and forms do too.
$r = api_call($client, 'GET', 'posts?q=a+draft');
is($r->{json}{total}, 1, 'title search takes + as a space');
$r = api_call($client, 'GET', 'posts?q=a%20draft');
is($r->{json}{total}, 1, 'title search takes %20 as a space');
$r = api_call($client, 'GET', 'posts?q=a%2Bdraft');
is($r->{json}{total}, 0, 'title search takes %2B as a plus sign');
$r = api_call($client, 'GET', 'posts?per_page=1&page=2');
is(scalar @{ $r->{json}{posts} }, 1, 'per_page and page');
for my $query ('page=0', 'page=x', 'per_page=101', 'status=live') {
    $r = api_call($client, 'GET', "posts?$query");
    is($r->code, 400, "list with $query gets 400");
}

# A scheduled post whose time has come is live for readers, so the API
# calls it published, in the post and in the list's filters.
$r = api_call($client, 'POST', 'posts', json => {
    title => 'Due long ago', status => 'scheduled',
    published_at => '2000-01-01T00:00:00Z' });
is($r->code, 201, 'scheduled in the past accepted') or diag($r->content);
is($r->{json}{status}, 'published', 'scheduled in the past is published');
my $due = $r->{json}{id};
is(blog_get('studio-a.test', "/posts/$r->{json}{slug}")->code, 200,
   'readers see the post that is due');
$r = api_call($client, 'POST', 'posts', json => {
    title => 'Due next year', status => 'scheduled',
    published_at => (1900 + (gmtime)[5] + 1) . '-06-01T00:00:00Z' });
is($r->{json}{status}, 'scheduled', 'scheduled in the future stays so');
my $later = $r->{json}{id};
my %listed = map { $_->{id} => $_->{status} }
             @{ api_call($client, 'GET', 'posts?status=scheduled&per_page=100')
                ->{json}{posts} };
ok(!exists $listed{$due}, 'due post not listed as scheduled');
is($listed{$later}, 'scheduled', 'future post listed as scheduled');
%listed = map { $_->{id} => $_->{status} }
          @{ api_call($client, 'GET', 'posts?status=published&per_page=100')
             ->{json}{posts} };
is($listed{$due}, 'published', 'due post listed as published');
ok(!exists $listed{$later}, 'future post not listed as published');
is(api_call($client, 'GET', "posts/$due")->{json}{status}, 'published',
   'due post reads as published');
is(api_call($client, 'DELETE', "posts/$due")->code, 204, 'due post removed');
is(api_call($client, 'DELETE', "posts/$later")->code, 204,
   'future post removed');

# Input checks
my @bad = (
    [ { title => 'x', colour => 'red' }, 422, 'unknown_field', undef, 'unknown field' ],
    [ { title => 42 },                   422, 'invalid_field', 'title', 'number title' ],
    [ { title => 'x', source => ['a'] }, 422, 'invalid_field', 'source', 'array source' ],
    [ { title => 'x', tags => 'rust' },  422, 'invalid_field', 'tags', 'string tags' ],
    [ { title => 'x', tags => [1] },     422, 'invalid_field', 'tags', 'number tag' ],
    [ { title => 'x', status => 'live' }, 422, 'invalid_field', 'status', 'bad status' ],
    [ { title => 'x', published_at => 'yesterday' }, 422, 'invalid_field',
      'published_at', 'bad time' ],
    [ { title => 'x', published_at => '2024-02-30' }, 422, 'invalid_field',
      'published_at', 'impossible date' ],
    [ { title => 'x', published_at => 17 }, 422, 'invalid_field',
      'published_at', 'number time' ],
    [ { source => 'no title' },          422, 'invalid_field', 'title', 'missing title' ],
    [ { title => "cut\x{0}here" },        422, 'invalid_field', 'title', 'NUL in title' ],
    [ { title => 'x', tags => ["a\x{0}b"] }, 422, 'invalid_field', 'tags', 'NUL in tag' ],
    # Limits of the core name their field too, so a client can show them.
    [ { title => 'x', tags => [ map { "tag $_" } 1 .. 65 ] }, 422,
      'invalid_field', 'tags', '65 tags' ],
    [ { title => 'x', tags => [ 'a' x 101 ] }, 422, 'invalid_field', 'tags',
      'tag over 100 bytes' ],
    [ { title => 'x' x 1025 }, 422, 'invalid_field', 'title',
      'title over 1024 bytes' ],
    [ { title => 'x', description => 'd' x 4097 }, 422, 'invalid_field',
      'description', 'description over 4096 bytes' ],
    [ { title => '' }, 422, 'invalid_field', 'title', 'empty title' ],
    [ { title => " \t " }, 422, 'invalid_field', 'title', 'blank title' ],
);
for my $case (@bad) {
    my ($body, $code, $error, $field, $name) = @$case;
    $r = api_call($client, 'POST', 'posts', json => $body);
    is($r->code, $code, "$name gets $code");
    is($r->{json}{error}{code}, $error, "$name error code");
    is($r->{json}{field}, $field, "$name names the field") if defined $field;
    like($r->{json}{error}{message} // '', qr/^[A-Z].*\.$/,
         "$name message is a sentence");
}
$r = api_call($client, 'POST', 'posts', raw => '{"title": "x",}');
is($r->code, 400, 'malformed JSON gets 400');
is($r->{json}{error}{code}, 'invalid_json', 'malformed JSON code');
is(api_call($client, 'GET', 'posts')->{json}{total}, 2,
   'rejected requests created nothing');

# A bare date is midnight in the blog's time zone (UTC here).
$r = api_call($client, 'POST', 'posts', json => {
    title => 'Dated', status => 'published', published_at => '2024-03-01' });
is($r->{json}{published_at}, '2024-03-01T00:00:00Z', 'bare date accepted');

# Size and render limits
my $file_b = make_blog('studio-b.db', title => 'Studio B');
add_author($file_b, 'ann@example.test', 'correct horse battery');
my $small = api_client('studio-b.test');
api_sign_in($small, 'ann@example.test', 'correct horse battery');
$r = api_call($small, 'POST', 'posts',
              json => { title => 'Big', source => 'a' x 65537 });
is($r->code, 413, 'source over WriteKitMaxPostSize gets 413');
is($r->{json}{error}{code}, 'post_too_large', 'post_too_large code');
like($r->{json}{error}{message}, qr/65536 bytes/, 'message names the limit');
$r = api_call($small, 'POST', 'posts',
              json => { title => 'Just fits', source => 'a' x 65536 });
is($r->code, 201, 'source at the limit is saved');

$r = api_call($client, 'POST', 'posts', json => {
    title => 'Reference bomb',
    source => "[a]: http://example.test/" . ('x' x 1000) . "\n\n"
              . ('[a]' x 200_000) . "\n" });
is($r->code, 422, 'render over its budget gets 422');
is($r->{json}{error}{code}, 'render_limit', 'render_limit code');
like($r->{json}{error}{message} // '', qr/memory|longer/,
     'render_limit message names the budget');

# A 10 MB body is rejected from its Content-Length without being read.
my $socket = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                   PeerPort => server_port(), Timeout => 10)
    or die "connect: $!";
my $start = time;
print $socket "POST /studio/api/posts HTTP/1.1\r\nHost: studio-a.test\r\n"
    . "Origin: http://studio-a.test\r\nCookie: wk_session=$client->{cookie}\r\n"
    . "Content-Type: application/json\r\nContent-Length: 10485760\r\n\r\n"
    . '{"title":"big","source":"' . ('a' x 65536);
my $response = '';
eval {
    local $SIG{ALRM} = sub { die "no answer\n" };
    alarm 10;
    while (sysread($socket, my $buf, 65536)) { $response .= $buf }
    alarm 0;
};
is($@, '', '10 MB post: connection closes after the answer');
like($response, qr{^HTTP/1\.1 413 }, '10 MB post body gets 413');
ok(time - $start < 5, '10 MB post answered before the body is sent');

# Updates against a revision
$r = api_call($client, 'PUT', "posts/$id", json => { title => 'First, edited' },
              headers => { 'If-Match' => '"rev-1"' });
is($r->code, 200, 'update with If-Match') or diag($r->content);
is($r->header('ETag'), '"rev-2"', 'update moves the ETag');
is($r->{json}{revision}, 2, 'update moves the revision');
is($r->{json}{title}, 'First, edited', 'update changes the title');
like($r->{json}{html}, qr{<em>world</em>}, 'fields not sent are kept');

$r = api_call($client, 'PUT', "posts/$id", json => { title => 'Stale' },
              headers => { 'If-Match' => '"rev-1"' });
is($r->code, 412, 'stale If-Match gets 412');
is($r->{json}{error}{code}, 'conflict', 'stale If-Match code');
is($r->{json}{post}{revision}, 2, 'conflict sends the current revision');
is($r->{json}{post}{title}, 'First, edited', 'conflict sends the current post');

$r = api_call($client, 'PATCH', "posts/$id",
              json => { title => 'Stale', revision => 1 });
is($r->code, 409, 'stale revision field gets 409');
is($r->{json}{post}{revision}, 2, '409 sends the current revision');

$r = api_call($client, 'PATCH', "posts/$id", json => { title => 'No base' });
is($r->code, 428, 'update without a revision gets 428');
$r = api_call($client, 'PATCH', "posts/$id", json => { title => 'x' },
              headers => { 'If-Match' => '*' });
is($r->code, 400, 'If-Match that is no revision gets 400');
$r = api_call($client, 'PATCH', "posts/$id", json => { revision => 'two' });
is($r->code, 422, 'revision of the wrong type gets 422');
is(api_call($client, 'GET', "posts/$id")->{json}{title}, 'First, edited',
   'rejected updates changed nothing');

$r = api_call($client, 'PATCH', "posts/$id",
              json => { revision => 2, source => 'Second *version*.' });
is($r->code, 200, 'update with a revision field');
is($r->{json}{revision}, 3, 'revision field update moves the revision');

# Revisions and restore
$r = api_call($client, 'GET', "posts/$id/revisions");
is($r->code, 200, 'list revisions');
my @kept = map { $_->{revision} } @{ $r->{json}{revisions} };
ok((grep { $_ == 1 } @kept), 'revision 1 is kept') or diag("@kept");

# One kept revision, with its text, to look at before restoring it.
$r = api_call($client, 'GET', "posts/$id/revisions/1");
is($r->code, 200, 'get revision 1') or diag($r->content);
is($r->{json}{revision}, 1, 'revision names its number');
is($r->{json}{title}, 'First post', 'revision has its title');
is($r->{json}{source}, "Hello *world*.\n", 'revision has its source');
is_deeply([ sort @{ $r->{json}{tags} } ], ['Rust', 'Web'],
          'revision has its tags');
like($r->{json}{saved_at} // '', qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
     'revision has its time');
is(api_call($client, 'GET', "posts/$id/revisions/99")->code, 404,
   'missing revision gets 404');
is(api_call($client, 'GET', "posts/999999/revisions/1")->code, 404,
   'revision of a missing post gets 404');
is(api_call($client, 'DELETE', "posts/$id/revisions/1")->code, 405,
   'DELETE of a revision gets 405');
$r = api_call($client, 'POST', "posts/$id/revisions/1/restore",
              headers => { 'If-Match' => '"rev-3"' });
is($r->code, 200, 'restore revision 1') or diag($r->content);
is($r->{json}{title}, 'First post', 'restore brings the old title back');
is($r->{json}{revision}, 4, 'restore is a new revision');
$r = api_call($client, 'POST', "posts/$id/revisions/1/restore",
              headers => { 'If-Match' => '"rev-3"' });
is($r->code, 412, 'restore on a stale revision gets 412');
is(api_call($client, 'GET', "posts/999999/revisions")->code, 404,
   'revisions of a missing post get 404');

# Titles that look like SQL or HTML are stored as written and escaped on
# the reader's page.
for my $title (q{Robert'); DROP TABLE posts;--},
               q{<script>alert("x")</script> & <b>bold</b>}) {
    $r = api_call($client, 'POST', 'posts',
                  json => { title => $title, status => 'published',
                            source => 'Body.' });
    is($r->code, 201, "create title $title");
    my $got = api_call($client, 'GET', "posts/$r->{json}{id}");
    is($got->{json}{title}, $title, 'title stored verbatim');
    my $page = blog_get('studio-a.test', $r->{json}{url});
    is($page->code, 200, 'reader page of the title');
    unlike($page->content, qr{<script>alert}, 'no raw script on the page');
}
my $page = blog_get('studio-a.test', '/');
like($page->content, qr{&lt;script&gt;alert}, 'HTML title escaped in the index');
is(api_call($client, 'GET', 'posts')->code, 200, 'posts table still there');

# A UTF-8 slug from a non-ASCII title reaches the post raw and
# percent-encoded.
$r = api_call($client, 'POST', 'posts', json => {
    title => "\x{dc}ber Gr\x{f6}\x{df}e", status => 'published',
    source => 'Umlauts.' });
is($r->code, 201, 'create non-ASCII title');
my $url = $r->{json}{url};
like($url, qr{^/posts/%}, 'url is percent-encoded');
is(blog_get('studio-a.test', $url)->code, 200, 'percent-encoded slug served');
my ($code) = raw_request('GET ' . uri_unescape($url) . " HTTP/1.1\r\n"
                         . "Host: studio-a.test\r\nConnection: close\r\n\r\n");
is($code, 200, 'raw UTF-8 slug served');

# A post scheduled 3 seconds ahead appears when its time passes.
my $when = time + 3;
$r = api_call($client, 'POST', 'posts', json => {
    title => 'Later', status => 'scheduled', source => 'Soon.',
    published_at => strftime('%Y-%m-%dT%H:%M:%SZ', gmtime $when) });
is($r->code, 201, 'create scheduled post');
my $later = $r->{json}{url};
is(blog_get('studio-a.test', $later)->code, 404, 'scheduled post hidden');
my $seen;
for (1 .. 40) {
    if (blog_get('studio-a.test', $later)->code == 200) { $seen = time; last }
    sleep 0.25;
}
ok($seen, 'scheduled post appears');
ok($seen && $seen >= int($when), 'not before its time');

# Tags with counts
$r = api_call($client, 'GET', 'tags');
is($r->code, 200, 'list tags');
my %count = map { $_->{name} => $_->{count} } @{ $r->{json}{tags} };
is($count{Rust}, 1, 'tag count');

# Delete
$r = api_call($client, 'DELETE', "posts/$id",
              headers => { 'If-Match' => '"rev-1"' });
is($r->code, 412, 'delete with a stale If-Match gets 412');
is($r->{json}{post}{revision}, 4, 'stale delete sends the current post');
is(api_call($client, 'GET', "posts/$id")->code, 200,
   'stale delete kept the post');
$r = api_call($client, 'DELETE', "posts/$id");
is($r->code, 204, 'delete gets 204');
is(api_call($client, 'GET', "posts/$id")->code, 404, 'deleted post is gone');
is(api_call($client, 'DELETE', "posts/$id")->code, 404, 'deleting again gets 404');
is(api_call($client, 'GET', 'posts/abc')->code, 404, 'non-numeric id gets 404');
is(api_call($client, 'POST', "posts/$id")->code, 405, 'POST on a post gets 405');

# CSRF applies to posts too.
$r = api_call($client, 'POST', 'posts', origin => 'http://evil.test',
              json => { title => 'Forged' });
is($r->code, 403, 'post with a foreign Origin gets 403');
$r = api_call($client, 'POST', 'posts', origin => undef,
              json => { title => 'No origin' });
is($r->code, 403, 'post without Origin or token gets 403');
$r = api_call($client, 'POST', 'posts', origin => undef, csrf => 1,
              json => { title => 'With token' });
is($r->code, 201, 'post with the CSRF token');

# A cookie of blog A opens no posts on blog B.
my $intruder = api_client('studio-b.test');
$intruder->{cookie} = $client->{cookie};
is(api_call($intruder, 'GET', 'posts')->code, 401,
   "another tenant's cookie opens no posts");

# An acknowledged save survives kill -9 of every child right after it.
$r = api_call($client, 'POST', 'posts', json => {
    title => 'Durable', status => 'published', source => 'Saved.' });
is($r->code, 201, 'save before the kill');
my $durable = $r->{json}{id};
my $parent = do {
    open my $fh, '<', "$FindBin::Bin/logs/httpd.pid" or die "httpd.pid: $!";
    local $/; my $pid = <$fh>; $pid =~ s/\s+//g; $pid;
};
# A process may exit between the glob and the open, so a failed open
# counts as "not a child".
sub parent_of {
    my ($pid) = @_;
    open my $fh, '<', "/proc/$pid/stat" or return -1;
    my $stat = <$fh> // '';
    return (split ' ', $stat)[3] // -1;
}
my @children = grep { parent_of($_) == $parent }
               map { m{/proc/(\d+)$} ? $1 : () } glob '/proc/[0-9]*';
ok(@children > 0, 'found the server children') or diag("parent $parent");
kill 'KILL', @children;
my $after;
for (1 .. 40) {
    $after = api_call($client, 'GET', "posts/$durable");
    last if $after->code == 200;
    sleep 0.25;
}
is($after->code, 200, 'server answers after the kill');
is($after->{json}{title}, 'Durable', 'acknowledged save survived kill -9');

# A published post whose slug changes keeps its old URL as a redirect
$r = api_call($client, 'POST', 'posts', json => {
    title => 'Moving post', status => 'published', source => "Moves.\n" });
is($r->code, 201, 'post to move created');
my $moving = $r->{json};
is(blog_get('studio-a.test', '/posts/moving-post')->code, 200,
   'post served at its first slug');
$r = api_call($client, 'PATCH', "posts/$moving->{id}",
              json => { slug => 'moved-post', revision => $moving->{revision} });
is($r->code, 200, 'slug changed');
$r = blog_get('studio-a.test', '/posts/moving-post');
is($r->code, 301, 'old slug redirects');
is($r->header('Location'), '/posts/moved-post', 'to the new slug');
is(blog_get('studio-a.test', '/posts/moved-post')->code, 200,
   'post served at its new slug');

no_unexpected_errors($mark, qr/AH00052: child pid \d+ exit signal Killed/);
done_testing();
