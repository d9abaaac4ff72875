# Each virtual host serves its own tenant file and never another's.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;
use URI;
use WriteKit::Test;

my $mark = log_mark();

make_blog('alpha.db', title => 'Alpha Blog', posts => {
    'alpha-only.md' => "+++\ntitle = \"Alpha only\"\ndate = 2024-01-02\n+++\nAlpha body.\n",
});
make_blog('beta.db', title => 'Beta Blog', posts => {
    'beta-only.md' => "+++\ntitle = \"Beta only\"\ndate = 2024-01-03\n+++\nBeta body.\n",
});
# The smallest valid PNG: one transparent pixel.
my $png = pack('H*', '89504e470d0a1a0a0000000d4948445200000001000000010806'
    . '0000001f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082');
make_blog('mounted.db', title => 'Mounted Blog',
          base_url => 'http://mounted.test/blog', posts => {
    'mounted-post.md' => "+++\ntitle = \"Mounted post\"\ndate = 2024-01-04\n+++\n"
        . "Body.\n\n![a pixel](pixel.png)\n",
    'pixel.png' => $png,
});

my $r = blog_get('alpha.test', '/');
is($r->code, 200, 'alpha index 200');
like($r->decoded_content, qr/Alpha Blog/, 'alpha index has its title');
like($r->decoded_content, qr/Alpha only/, 'alpha index lists its post');
unlike($r->decoded_content, qr/Beta only/, 'alpha index has no beta post');

$r = blog_get('beta.test', '/');
like($r->decoded_content, qr/Beta only/, 'beta index lists its post');
unlike($r->decoded_content, qr/Alpha only/, 'beta index has no alpha post');

is(blog_get('alpha.test', '/posts/alpha-only')->code, 200,
   'alpha post on alpha');
is(blog_get('beta.test', '/posts/alpha-only')->code, 404,
   'alpha post not on beta');
is(blog_get('alpha.test', '/posts/beta-only')->code, 404,
   'beta post not on alpha');

$r = blog_get('www.alpha.test', '/posts/alpha-only');
is($r->code, 200, 'ServerAlias reaches the same tenant');

$r = blog_get('alpha.test', '/favicon.ico');
is($r->code, 200, 'file in DocumentRoot left to Apache');
is($r->content, "favicon\n", 'favicon bytes are the file');

$r = blog_get('default.test', '/');
unlike($r->decoded_content // '', qr/Alpha Blog|Beta Blog/,
       'host without WriteKit serves no blog');

$r = blog_get('mounted.test', '/blog/');
is($r->code, 200, 'blog under a mount point');
like($r->decoded_content, qr{href="/blog/posts/mounted-post"},
     'links carry the mount point');
$r = blog_get('mounted.test', '/blog');
is($r->code, 301, 'mount point without slash redirects');
is($r->header('Location'), '/blog/', 'to the mount point with slash');
$r = blog_get('mounted.test', '/blog/posts/mounted-post');
is($r->code, 200, 'post under the mount point');
my ($src) = $r->decoded_content =~ /<img src="([^"]+)"/;
my $image = URI->new_abs($src // '', 'http://mounted.test/blog/posts/mounted-post');
is($image->path, '/blog/media/pixel.png', 'image link resolves under the mount');
$r = blog_get('mounted.test', $image->path);
is($r->code, 200, 'image under the mount point loads');
is($r->header('Content-Type'), 'image/png', 'image has its type');
is($r->content, $png, 'image bytes are the file');
is(blog_get('mounted.test', '/posts/mounted-post')->code, 404,
   'post outside the mount point is not the blog');

no_unexpected_errors($mark);
done_testing();
