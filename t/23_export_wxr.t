# writekit export --wxr: a WordPress export (WXR 1.2) that is well-formed
# XML, has what WordPress's importer reads (the WXR version, authors by
# login, items with ids, slugs, statuses, dates, tags and attachments),
# and that writekit import reads back into the same posts, tags,
# redirects and images.
#
# NOTE: WordPress's importer plugin is not in Debian's packages, so it
# does not run here; the checks follow the fields its WXR parser reads.
use strict;
use warnings;

use File::Temp qw(tempdir);
use FindBin;
use JSON::PP;
use lib "$FindBin::Bin/lib";

use Test::More;
use WriteKit::Source;
use WriteKit::Test;

my $fixtures = "$FindBin::Bin/fixtures/import";
my $tmp = tempdir(CLEANUP => 1);
my $mark = log_mark();

sub query {
    my ($file, $sql) = @_;
    my $out = `sqlite3 -separator '|' $file "$sql"`;
    utf8::decode($out);
    return $out;
}

my $host = 'wxrout.mass.example';
my $file = make_blog("mass/$host.db", title => 'WXR <out> & about',
                     base_url => "http://$host");
for my $import (['wxr-1.2.xml', 'wxr-media'], ['ghost-5.json', 'ghost-media'],
                ['ghost-0.x.json', 'ghost-media']) {
    my ($rc, $out, $err) = writekit('import', $file, "$fixtures/$import->[0]",
                                    '--media', "$fixtures/$import->[1]");
    is($rc, 0, "$import->[0] imported") or diag($err);
}

# An excerpt with the end of a CDATA section in it.
my $tricky = encode_json({ db => [ { data => {
    posts => [ { id => 'x1', uuid => 'cdata-0001', title => 'Tricky ]]> title',
                 slug => 'tricky', status => 'published', type => 'post',
                 html => '<p>Text</p>', custom_excerpt => 'Ends ]]> here',
                 published_at => '2022-02-02T02:02:02.000Z' } ],
} } ] });
open my $fh, '>', "$tmp/tricky.json" or die $!;
print $fh $tricky;
close $fh;
my ($rc, $out, $err) = writekit('import', $file, "$tmp/tricky.json");
is($rc, 0, 'post with ]]> imported') or diag($err);

my $wxr = "$tmp/blog.wxr";
($rc, $out, $err) = writekit('export', $file, $wxr, '--wxr');
is($rc, 0, 'WXR export succeeds') or diag($err);
my $posts = query($file, 'SELECT count(*) FROM posts') + 0;
my $media = query($file, 'SELECT count(*) FROM media') + 0;
like($out, qr/: $posts posts and pages, $media images written to \Q$wxr\E/,
     'export counts what it wrote');
is(system("xmllint --noout $wxr"), 0, 'the export is well-formed XML');

($rc, $out, $err) = writekit('export', $file, $wxr, '--wxr');
is($rc, 1, 'WXR export over an existing file fails');
like($err, qr/\Q$wxr\E: cannot create the file: .*export into a new file/,
     'and says why');

# What WordPress's importer reads.
my $text = do { local (@ARGV, $/) = $wxr; <> };
like($text, qr{<wp:wxr_version>1\.2</wp:wxr_version>}, 'WXR version 1.2');
like($text, qr{xmlns:wp="http://wordpress\.org/export/1\.2/"},
     'WordPress export namespace');
like($text, qr{<title>WXR &lt;out&gt; &amp; about</title>},
     'blog title escaped');
my $source = wxr_read($wxr);
is($source->{base}, "http://$host", 'base URL is the blog');
my @items = @{ $source->{items} };
my @entries = grep { $_->{type} =~ /^(post|page)$/ } @items;
my @attachments = grep { $_->{type} eq 'attachment' } @items;
is(scalar @entries, $posts, 'every post and page is an item');
is(scalar @attachments, $media, 'every image is an attachment');
my %ids;
$ids{ $_->{id} }++ for @items;
ok(!grep({ $_ > 1 } values %ids), 'item ids are unique');
my %logins = %{ $source->{authors} };
ok(keys %logins >= 4, 'authors written with logins');
my @orphans = grep { $_->{creator} ne '' && !exists $logins{ $_->{creator} } }
              @entries;
ok(!@orphans, "every item's creator is a declared author")
    or diag(join ', ', map { $_->{creator} } @orphans);

my %by_slug;
for my $item (@entries) {
    (my $slug = $item->{name}) =~ s/%([0-9a-f]{2})/chr hex $1/ge;
    utf8::decode($slug);
    $by_slug{$slug} = $item;
}
my %statuses = (published => 'publish', scheduled => 'future',
                draft => 'draft');
my @wrong;
for my $row (split /\n/, query($file, "SELECT slug, status, kind, published_at, title FROM posts")) {
    my ($slug, $status, $kind, $published, $title) = split /\|/, $row, 5;
    my $item = $by_slug{$slug};
    if (!$item) {
        push @wrong, "$slug: no item";
        next;
    }
    push @wrong, "$slug: status $item->{status}"
        if $item->{status} ne $statuses{$status};
    push @wrong, "$slug: type $item->{type}" if $item->{type} ne $kind;
    push @wrong, "$slug: title $item->{title}" if $item->{title} ne $title;
    push @wrong, "$slug: date $item->{date_gmt}"
        if $published ne '' && (wxr_gmt($item->{date_gmt}) // 0) != $published;
}
ok(!@wrong, 'items have the slug, status, type, title and date of the posts')
    or diag(join "\n", @wrong);
is_deeply([sort @{ $by_slug{'harbour-at-dawn'}{tags} }], ['Sea', 'Travel'],
          'tags as post_tag categories');
is($by_slug{'tricky'}{title}, 'Tricky ]]> title', 'title with ]]> intact');
like($text, qr{<excerpt:encoded><!\[CDATA\[Ends \]\]\]\]><!\[CDATA\[> here\]\]></excerpt:encoded>},
     ']]> split across two CDATA sections');
like($by_slug{'harbour-at-dawn'}{content},
     qr{<img [^>]*src="http://\Q$host\E/media/wp-content/uploads/2019/04/harbour\.png"},
     'stored images linked by absolute URL');
is($by_slug{'harbour-at-dawn'}{meta}{_yoast_wpseo_metadesc},
   'A morning at the harbour.', 'description as Yoast meta');
my ($cover) = grep { $_->{attachment_url} =~ m{/cover\.png$} } @attachments;
is($by_slug{'harbour-at-dawn'}{meta}{_thumbnail_id}, $cover->{id},
   'featured image as the attachment id');
is($cover->{attachment_url},
   "http://$host/media/wp-content/uploads/2019/04/cover.png",
   'attachment URL under the blog');
is(blog_get($host, "/media/wp-content/uploads/2019/04/cover.png")->code,
   200, 'attachment URL is served');

# Back in through writekit import, with the images of a folder export.
my $folder = "$tmp/folder";
($rc, $out, $err) = writekit('export', $file, $folder);
is($rc, 0, 'folder export for the images');
my $copy = make_blog('mass/wxrin.mass.example.db', title => 'Copy',
                     base_url => "http://$host");
($rc, $out, $err) = writekit('import', $copy, $wxr, '--media', $folder);
is($rc, 0, 'the WXR export imports') or diag($err);
like($out, qr/: $posts imported, 0 updated, 0 unchanged, $media images stored, 0 ignored, 0 failed/,
     'every post and image comes back');
my $html_slugs = join ', ', map { "'$_'" } split /\n/,
    query($file, "SELECT slug FROM posts WHERE source_format = 'html'");
for my $case (
    [ posts => 'SELECT slug, title, status, published_at, kind, description,'
        . ' excerpt, featured_image, canonical_url FROM posts ORDER BY slug' ],
    [ tags => 'SELECT p.slug, t.name FROM post_tags pt JOIN tags t'
        . ' ON t.id = pt.tag_id JOIN posts p ON p.id = pt.post_id ORDER BY 1, 2' ],
    [ redirects => 'SELECT p.slug, r.path FROM redirects r JOIN posts p'
        . ' ON p.id = r.post_id ORDER BY 1, 2' ],
    [ media => 'SELECT path, content_type, sha256 FROM media ORDER BY path' ],
    # Markdown posts go out as their HTML, which the sanitizer then takes
    # as HTML posts; HTML posts come back as they were.
    [ html => "SELECT slug, trim(html, char(10)) FROM posts WHERE slug IN"
        . " ($html_slugs) ORDER BY slug" ],
) {
    my ($name, $sql) = @$case;
    is(query($copy, $sql), query($file, $sql), "$name: the same after the round trip");
}

no_unexpected_errors($mark);
done_testing();
