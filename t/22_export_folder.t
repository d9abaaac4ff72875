# writekit export: a blog made of a WordPress export, two Ghost exports
# and a post written in the studio with an uploaded image goes out as a
# folder of markdown and images, and comes back through writekit import
# as an equal blog: posts, sources, HTML, slugs, dates, tags, redirects
# and images.
use strict;
use warnings;

use File::Temp qw(tempdir);
use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;
use WriteKit::Tenant;
use WriteKit::Test;

my $fixtures = "$FindBin::Bin/fixtures/import";
my $tmp = tempdir(CLEANUP => 1);
my $mark = log_mark();

my $host = 'exporter.mass.example';
my $file = make_blog("mass/$host.db", title => 'Exporter',
                     base_url => "http://$host");
for my $import (['wxr-1.2.xml', 'wxr-media'], ['ghost-0.x.json', 'ghost-media'],
                ['ghost-5.json', 'ghost-media']) {
    my ($rc, $out, $err) = writekit('import', $file, "$fixtures/$import->[0]",
                                    '--media', "$fixtures/$import->[1]");
    is($rc, 0, "$import->[0] imported") or diag($err);
}

# A post from the studio, with an upload linked by its reader URL.
add_author($file, 'writer@example.test', 'a long password');
my $client = api_client($host);
is(api_sign_in($client, 'writer@example.test', 'a long password')->code,
   200, 'author signs in');
my $png = pack 'H*', '89504e470d0a1a0a0000000d49484452000000010000000108'
    . '000000003a7e9b550000000a49444154789c63600000000200014'
    . '8afa4710000000049454e44ae426082';
my $upload = api_call($client, 'POST', 'media', raw => $png,
                      type => 'image/png');
is($upload->code, 201, 'image uploaded');
my $created = api_call($client, 'POST', 'posts', csrf => 1, json => {
    title => 'Written in the studio',
    source => "Look: ![dot]($upload->{json}{url})\n\n*Fine.*",
    status => 'published', tags => ['Studio'],
});
is($created->code, 201, 'studio post created');

my $dir = "$tmp/export";
my ($rc, $out, $err) = writekit('export', $file, $dir);
is($rc, 0, 'export succeeds') or diag($err);
my $posts = tenant_query($file, 'SELECT count(*) FROM posts') + 0;
my $media = tenant_query($file, 'SELECT count(*) FROM media') + 0;
like($out, qr/: $posts posts and pages, $media images written to \Q$dir\E/,
     'export counts what it wrote');

ok(-f "$dir/writekit-export.toml", 'marker written');
ok(-f "$dir/pages/about.md", 'pages in pages/');
my $harbour = do { local (@ARGV, $/) = "$dir/posts/harbour-at-dawn.md"; <> };
like($harbour, qr/\A\+\+\+\ntitle = "Harbour at dawn"\nslug = "harbour-at-dawn"\ndate = 2019-04-02T06:30:00Z\nformat = "html"\n/,
     'front matter starts with title, slug, date and format');
like($harbour, qr/^tags = \["Sea", "Travel"\]$/m, 'tags in the front matter');
like($harbour, qr{^aliases = \[.*"/\?p=101".*\]$}m,
     'old URLs kept as aliases');
like($harbour, qr{<figcaption class="wp-caption-text">The harbour at 6 a\.m\.</figcaption>},
     'HTML body kept as HTML');
my $draft = do { local (@ARGV, $/) = "$dir/posts/half-written.md"; <> };
like($draft, qr/^draft = true$/m, 'draft marked');
for my $path (split /\n/, tenant_query($file, 'SELECT path FROM media ORDER BY path')) {
    my $stored = tenant_query($file, "SELECT hex(data) FROM media WHERE path = '$path'");
    chomp $stored;
    open my $fh, '<:raw', "$dir/media/$path" or do {
        fail("media/$path written");
        next;
    };
    my $bytes = do { local $/; <$fh> };
    is(uc unpack('H*', $bytes), $stored, "media/$path has the stored bytes");
}

($rc, $out, $err) = writekit('export', $file, $dir);
is($rc, 1, 'export into a folder that is not empty fails');
like($err, qr/\Q$dir\E: the folder is not empty/, 'and says why');

# Back in: an equal blog.
my $copy_host = 'exported.mass.example';
my $copy = make_blog("mass/$copy_host.db", title => 'Copy',
                     base_url => "http://$host");
($rc, $out, $err) = writekit('import', $copy, $dir);
is($rc, 0, 'the exported folder imports') or diag($err);
like($out, qr/: $posts imported, 0 updated, 0 unchanged, $media images stored, /,
     'every post and image comes back');

my %queries = (
    posts => 'SELECT slug, title, status, published_at, kind, source_format,'
        . ' description, excerpt, featured_image, canonical_url, author,'
        . ' source, html FROM posts ORDER BY slug',
    tags => 'SELECT p.slug, t.name FROM post_tags pt JOIN tags t'
        . ' ON t.id = pt.tag_id JOIN posts p ON p.id = pt.post_id ORDER BY 1, 2',
    redirects => 'SELECT p.slug, r.path FROM redirects r JOIN posts p'
        . ' ON p.id = r.post_id ORDER BY 1, 2',
    media => 'SELECT path, content_type, sha256 FROM media ORDER BY path',
);
for my $name (sort keys %queries) {
    my $original = tenant_query($file, $queries{$name});
    ok(length $original > 0, "$name: the original has some");
    is(tenant_query($copy, $queries{$name}), $original,
       "$name: the same after export and import");
}

for my $path ('/2019/04/02/harbour-at-dawn/', '/welcome-to-ghost/',
              '/?p=103') {
    my $before = blog_get($host, $path);
    my $after = blog_get($copy_host, $path);
    is($after->code, 301, "$path redirects in the copy");
    is($after->header('Location'), $before->header('Location'),
       "$path goes where it went");
}
for my $slug ('written-in-the-studio', 'harbour-at-dawn') {
    my $page = blog_get($copy_host, "/posts/$slug");
    is($page->code, 200, "$slug served in the copy");
    my ($src) = $page->content =~ m{<img [^>]*src="([^"]*media/[^"]+)"};
    ok(defined $src, "$slug links a stored image");
    (my $media_path = $src // '') =~ s{^.*?media/}{/media/};
    is(blog_get($copy_host, $media_path)->code, 200,
       "$slug: its image $media_path is served");
}

my $dump = `sqlite3 $copy .dump`;
($rc, $out, $err) = writekit('import', $copy, $dir);
like($out, qr/: 0 imported, 0 updated, $posts unchanged, /,
     'importing the folder again changes no post');
is(`sqlite3 $copy .dump`, $dump, 'tenant file the same after it');

no_unexpected_errors($mark);
done_testing();
