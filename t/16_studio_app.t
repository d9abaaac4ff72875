# The studio's app as the module serves it: index.html for every path
# below the studio's mount point that is not the API, its <base href>
# set to that mount point, hashed assets cached for a year, and the
# directive's checks at start-up.  The server serves t/fixtures/studio,
# a stand-in for studio/dist.
use strict;
use warnings;

use File::Temp qw(tempdir);
use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;
use WriteKit::Test;

my $mark = log_mark();
my $asset = '/studio/assets/index-T3stBu1d.js';

make_blog('studio-a.db', title => 'Studio A');
make_blog('studio-moved.db', title => 'Moved studio');

# Every route of the app gets the same page, which the browser routes.
for my $path ('/studio/', '/studio/posts/12', '/studio/settings',
              '/studio/media?page=2') {
    my $r = blog_get('studio-a.test', $path);
    is($r->code, 200, "$path gets the app");
    is($r->header('Content-Type'), 'text/html; charset=utf-8',
       "$path is HTML");
    like($r->content, qr{<div id="root">}, "$path is index.html");
}

my $r = blog_get('studio-a.test', '/studio/posts/12');
like($r->content, qr{<base href="/studio/">}, 'base names the mount point');
is($r->header('Cache-Control'), 'no-cache', 'index is revalidated');
like($r->header('Content-Security-Policy') // '', qr/default-src 'self'/,
     'index has a CSP limited to its origin');
like($r->header('Content-Security-Policy') // '', qr/frame-ancestors 'none'/,
     'index cannot be framed');
is($r->header('X-Content-Type-Options'), 'nosniff', 'index is nosniff');
my $etag = $r->header('ETag');
ok(defined $etag, 'index has an ETag');
$r = blog_get('studio-a.test', '/studio/', 'If-None-Match' => $etag);
is($r->code, 304, 'index revalidates with 304');

# Under another mount point, the same build points at it.
$r = blog_get('studio-moved.test', '/admin/posts/3');
is($r->code, 200, 'moved studio serves the app');
like($r->content, qr{<base href="/admin/">}, 'base follows WriteKitStudio');
isnt($r->header('ETag'), $etag, 'ETag differs with the mount point');
is(blog_get('studio-moved.test', '/studio/')->code, 404,
   'old studio path is not the app when moved');

# Hashed assets: the file's bytes, cached for a year.
$r = blog_get('studio-a.test', $asset);
is($r->code, 200, 'asset served');
is($r->header('Content-Type'), 'text/javascript; charset=utf-8',
   'asset has its type');
is($r->header('Cache-Control'), 'public, max-age=31536000, immutable',
   'asset cached for a year');
like($r->content, qr/studio test build/, 'asset bytes are the file');
is($r->header('Content-Length'), -s "$FindBin::Bin/fixtures/studio"
                                    . "/assets/index-T3stBu1d.js",
   'asset length is the file size');
$r = blog_get('studio-a.test', $asset,
              'If-None-Match' => $r->header('ETag'));
is($r->code, 304, 'asset revalidates with 304');
$r = blog_get('studio-a.test', $asset, method => 'HEAD');
is($r->code, 200, 'HEAD of an asset');
is($r->content, '', 'HEAD sends no body');

# Missing or strange asset names are 404, never index.html or a file
# outside the build.
for my $path ('/studio/assets/missing.js', '/studio/assets/',
              '/studio/assets/.hidden.js', '/studio/assets/a/b.js',
              '/studio/assets/index.html',
              '/studio/assets/%2e%2e%2findex.html',
              '/studio/assets/..%2f..%2fetc%2fpasswd') {
    $r = blog_get('studio-a.test', $path);
    is($r->code, 404, "$path is 404");
    unlike($r->content, qr{<div id="root">}, "$path is not the app");
}

# The API stays the API, with or without the slash.
$r = blog_get('studio-a.test', '/studio/api/nothing');
is($r->header('Content-Type'), 'application/json; charset=utf-8',
   'API path is JSON');
$r = blog_get('studio-a.test', '/studio/api');
is($r->code, 404, 'bare api path is 404');
is($r->header('Content-Type'), 'application/json; charset=utf-8',
   'bare api path is JSON');

# The mount point without its slash, and methods the app does not take.
$r = blog_get('studio-a.test', '/studio');
is($r->code, 301, 'studio without slash redirects');
like($r->header('Location') // '', qr{/studio/$}, 'redirect adds the slash');
$r = blog_get('studio-a.test', '/studio/posts/1', method => 'POST');
is($r->code, 405, 'POST to the app is 405');
like($r->header('Allow') // '', qr/GET/, '405 names GET');

# The reader's pages carry no script at all.
$r = blog_get('studio-a.test', '/');
is($r->code, 200, 'reader index served');
unlike($r->content, qr/<script/i, 'reader index has no script');

# Start-up checks name the directive.
my $empty = tempdir(CLEANUP => 1);
my ($rc, $out) = configtest("WriteKitStudioFiles $empty/none\n");
isnt($rc, 0, 'missing studio directory fails configtest');
like($out, qr/WriteKitStudioFiles: '[^']*none' is not a directory/,
     'missing directory named');
($rc, $out) = configtest("WriteKitStudioFiles $empty\n");
isnt($rc, 0, 'studio directory without index.html fails configtest');
like($out, qr/WriteKitStudioFiles: '[^']*' has no index\.html/,
     'missing index.html named');

no_unexpected_errors($mark);
done_testing();
