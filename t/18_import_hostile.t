# Hostile and broken imports get a clear error that names the file and the
# reason, and change nothing: the tenant file dumps the same before and
# after.  A 1 GB export is read with bounded memory.
use strict;
use warnings;

use File::Temp qw(tempdir);
use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;
use WriteKit::Tenant;
use WriteKit::Test;

my $fixtures = "$FindBin::Bin/fixtures/import";
my $corpus = $ENV{WK_WORDPRESS_CORPUS}
             // "$FindBin::Bin/../../shared/corpus/wordpress";
my $mark = log_mark();

# A blog that already holds an import, so a change would show.
my $host = 'hostile.mass.example';
my $file = make_blog("mass/$host.db", title => 'Hostile',
                     base_url => "http://$host");
my ($rc, $out, $err) = writekit('import', $file, "$fixtures/wxr-1.1.xml");
is($rc, 0, 'a first import succeeds');
my $before = tenant_dump($file);
like($before, qr/INSERT INTO posts/, 'the dump shows the posts');

my @cases = (
    [ 'truncated.xml', qr/line \d+: malformed XML: the file ends inside an element/ ],
    [ 'fake-namespace.xml', qr/namespace 'http:\/\/wordpress\.org\.example\.net\/export\/1\.2\/' is not WordPress's export namespace/ ],
    [ 'billion-laughs.xml', qr/DOCTYPE .* rejected to prevent entity expansion attacks/ ],
    [ 'external-entity.xml', qr/DOCTYPE .* rejected to prevent entity expansion attacks/ ],
    [ 'latin1-as-utf8.xml', qr/line 4: wrong encoding: .*not proper UTF-8/ ],
    [ 'utf16.xml', qr/the file is UTF-16 or UTF-32; exports are read as UTF-8/ ],
    [ 'not-wordpress.xml', qr/not a WordPress export: <rss> declares no WordPress export namespace/ ],
);
for my $case (@cases) {
    my ($name, $reason) = @$case;
    my $path = "$fixtures/hostile/$name";
    ($rc, $out, $err) = writekit('import', $file, $path);
    is($rc, 1, "$name fails");
    like($err, qr/^writekit: \Q$path\E: /, "$name: message names the file");
    like($err, $reason, "$name: message gives the reason");
    is(tenant_dump($file), $before, "$name: tenant unchanged");
}
unlike("$out$err" . tenant_dump($file), qr/root:x:0/,
       'no file named by an external entity was read');

SKIP: {
    my $malformed = "$corpus/malformed-simple.xml";
    skip "WordPress corpus not found at $corpus", 3 unless -f $malformed;
    ($rc, $out, $err) = writekit('import', $file, $malformed);
    is($rc, 1, 'corpus malformed export fails');
    like($err, qr/\Q$malformed\E: line \d+: malformed XML/,
         'corpus malformed export: file and reason named');
    is(tenant_dump($file), $before, 'corpus malformed export: tenant unchanged');
}

# Files made for the run, never committed: a text node over libxml2's
# limit, a post over --max-post-size, and 1 GB of export.
my $tmp = tempdir(CLEANUP => 1);
my $head = qq{<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" }
    . qq{xmlns:content="http://purl.org/rss/1.0/modules/content/" }
    . qq{xmlns:wp="http://wordpress.org/export/1.2/">\n<channel>}
    . qq{<title>Huge</title><link>http://huge.example.net</link>}
    . qq{<wp:wxr_version>1.2</wp:wxr_version>\n};
sub post_item {
    my ($id, $content) = @_;
    return qq{<item><title>Post $id</title>}
        . qq{<link>http://huge.example.net/post-$id/</link>}
        . qq{<content:encoded><![CDATA[$content]]></content:encoded>}
        . qq{<wp:post_id>$id</wp:post_id>}
        . qq{<wp:post_date_gmt>2020-01-01 00:00:00</wp:post_date_gmt>}
        . qq{<wp:post_name>post-$id</wp:post_name>}
        . qq{<wp:status>publish</wp:status><wp:post_type>post</wp:post_type>}
        . qq{</item>\n};
}
sub write_export {
    my ($name, @items) = @_;
    open my $fh, '>', "$tmp/$name" or die $!;
    print $fh $head, @items, "</channel>\n</rss>\n";
    close $fh;
    return "$tmp/$name";
}

my $huge_text = write_export('huge-text.xml', post_item(1, 'y' x 30_000_000));
($rc, $out, $err) = writekit('import', $file, $huge_text);
is($rc, 1, 'a 30 MB text fails');
like($err, qr/over libxml2's limit of 10000000 bytes/, 'and names the limit');
is(tenant_dump($file), $before, 'a 30 MB text changes nothing');

my $long_post = write_export('long-post.xml', post_item(1, 'z' x 2_000_000),
                             post_item(2, 'short'));
($rc, $out, $err) = writekit('import', $file, $long_post);
is($rc, 1, 'a post over --max-post-size is an error');
like($err, qr/post 1 "Post 1": skipped: content:encoded is over the limit of 1048576 bytes/,
     'the long post is named with the limit');
like($out, qr/post 2 "Post 2": imported/, 'the other post goes in');

SKIP: {
    # The import does not depend on the MPM, so one run is enough.
    skip 'the 1 GB export runs under the event MPM only', 4
        if ($ENV{WK_TEST_MPM} // 'event') ne 'event';
    my $big = "$tmp/big.xml";
    open my $fh, '>', $big or die $!;
    print $fh $head, post_item(1, 'first');
    my $padding = 'x' x (1024 * 1024);
    for my $n (1 .. 1024) {
        print $fh "<item><title>Menu $n</title><wp:post_id>", 1000 + $n,
            "</wp:post_id><wp:status>publish</wp:status>",
            "<wp:post_type>nav_menu_item</wp:post_type><wp:postmeta>",
            "<wp:meta_key>_padding</wp:meta_key>",
            "<wp:meta_value>$padding</wp:meta_value></wp:postmeta></item>\n";
    }
    print $fh post_item(2, 'last'), "</channel>\n</rss>\n";
    close $fh;
    ok(-s $big > 1024 * 1024 * 1024, '1 GB export written');

    # 100 MB of address space is under a tenth of the file: only a
    # streaming import can finish in it.
    my $big_file = make_blog('mass/big.mass.example.db', title => 'Big');
    my $cli = "$FindBin::Bin/../build/writekit";
    $out = `sh -c 'ulimit -v 102400 && exec "\$0" "\$@"' $cli import $big_file $big 2>$tmp/err`;
    $rc = $? >> 8;
    $err = do { local (@ARGV, $/) = "$tmp/err"; <> };
    is($rc, 0, '1 GB export imports in 100 MB of address space')
        or diag($err);
    like($out, qr/: 2 imported, 0 updated, 0 unchanged, 0 images stored, 1024 ignored, 0 failed/,
         'both posts in, every menu item reported');
    unlink $big;
    is(`sqlite3 $big_file "SELECT count(*) FROM posts"`, "2\n",
       'two posts stored');
}

no_unexpected_errors($mark);
done_testing();
