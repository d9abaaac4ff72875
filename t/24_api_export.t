# The studio API's downloads of writekit export: GET export?format=markdown
# (the folder, zipped) imports back into an equal blog, and
# GET export?format=wxr is the WordPress export the CLI writes.
use strict;
use warnings;

use Archive::Zip qw(:ERROR_CODES);
use File::Temp qw(tempdir);
use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;
use WriteKit::Tenant;
use WriteKit::Test;

my $fixtures = "$FindBin::Bin/fixtures/import";
my $tmp = tempdir(CLEANUP => 1);
my $mark = log_mark();

my $host = 'apiexport.mass.example';
my $file = make_blog("mass/$host.db", title => 'API export',
                     base_url => "http://$host");
my ($rc, $out, $err) = writekit('import', $file, "$fixtures/wxr-1.2.xml",
                                '--media', "$fixtures/wxr-media");
is($rc, 0, 'blog imported') or diag($err);
add_author($file, 'exporter@example.test', 'a long password');

my $anonymous = api_client($host);
is(api_call($anonymous, 'GET', 'export?format=markdown')->code, 401,
   'markdown export needs a session');
is(api_call($anonymous, 'GET', 'export?format=wxr')->code, 401,
   'WordPress export needs a session');

my $client = api_client($host);
is(api_sign_in($client, 'exporter@example.test', 'a long password')->code,
   200, 'author signs in');

my $bad = api_call($client, 'GET', 'export?format=rss');
is($bad->code, 400, 'unknown format rejected');
is($bad->{json}{error}{code}, 'invalid_parameter', 'as invalid_parameter');
is(api_call($client, 'GET', 'export')->header('Content-Type'),
   'application/vnd.sqlite3', 'no format is still the tenant file');

# Markdown: a zip that imports back into an equal blog.
my $zip = api_call($client, 'GET', 'export?format=markdown');
is($zip->code, 200, 'markdown export downloads');
is($zip->header('Content-Type'), 'application/zip', 'as a zip');
is($zip->header('Content-Disposition'),
   "attachment; filename=\"$host.zip\"", 'named after the host');
is($zip->header('Cache-Control'), 'no-store', 'not cached');
open my $fh, '>:raw', "$tmp/export.zip" or die $!;
print $fh $zip->content;
close $fh;
my $archive = Archive::Zip->new;
is($archive->read("$tmp/export.zip"), AZ_OK, 'the zip reads');
ok($archive->memberNamed('writekit-export.toml'), 'zip holds the marker');
ok($archive->memberNamed('posts/harbour-at-dawn.md'), 'zip holds the posts');
ok($archive->memberNamed('media/wp-content/uploads/2019/04/cover.png'),
   'zip holds the images');

my $copy = make_blog('mass/apicopy.mass.example.db', title => 'Copy',
                     base_url => "http://$host");
($rc, $out, $err) = writekit('import', $copy, "$tmp/export.zip");
is($rc, 0, 'the downloaded zip imports') or diag($err);
for my $sql ('SELECT slug, title, status, published_at, kind, source_format,'
             . ' description, excerpt, featured_image, source, html FROM posts'
             . ' ORDER BY slug',
             'SELECT p.slug, r.path FROM redirects r JOIN posts p'
             . ' ON p.id = r.post_id ORDER BY 1, 2',
             'SELECT p.slug, t.name FROM post_tags pt JOIN tags t'
             . ' ON t.id = pt.tag_id JOIN posts p ON p.id = pt.post_id'
             . ' ORDER BY 1, 2',
             'SELECT path, sha256 FROM media ORDER BY path') {
    my ($table) = $sql =~ /FROM (\w+)/;
    is(tenant_query($copy, $sql), tenant_query($file, $sql),
       "$table equal after the round trip");
}

# WordPress: the same export the CLI writes.
my $wxr = api_call($client, 'GET', 'export?format=wxr');
is($wxr->code, 200, 'WordPress export downloads');
is($wxr->header('Content-Type'), 'application/xml; charset=utf-8',
   'as XML');
is($wxr->header('Content-Disposition'),
   "attachment; filename=\"$host.wordpress.xml\"", 'named after the host');
open $fh, '>:raw', "$tmp/api.xml" or die $!;
print $fh $wxr->content;
close $fh;
is(system("xmllint --noout $tmp/api.xml"), 0, 'well-formed XML');
($rc, $out, $err) = writekit('export', $file, "$tmp/cli.xml", '--wxr');
is($rc, 0, 'CLI WordPress export');
my $cli = do { local (@ARGV, $/) = "$tmp/cli.xml"; <> };
my $api = $wxr->content;
s{<pubDate>[^<]*</pubDate>}{}s for $cli, $api;
ok($api eq $cli, 'the download is the export the CLI writes');

no_unexpected_errors($mark);
done_testing();
