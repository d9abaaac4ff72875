# Zip files: a WordPress export, a Ghost export and a folder of posts
# import from a zip with the images in it, a zip serves as --media, and
# hostile zips (.. and absolute names, links, bombs, damage) are rejected
# whole with the tenant file unchanged.  The zips are made for the run.
use strict;
use warnings;

use Archive::Zip qw(:ERROR_CODES :CONSTANTS);
use File::Temp qw(tempdir);
use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;
use WriteKit::Tenant;
use WriteKit::Test;

my $fixtures = "$FindBin::Bin/fixtures/import";
my $tmp = tempdir(CLEANUP => 1);
my $mark = log_mark();

sub sql {
    my ($file, $query) = @_;
    my $out = `sqlite3 -separator '|' $file "$query"`;
    chomp $out;
    return $out;
}

# Writes a zip of name => content (a scalar ref for bytes, or a path of a
# file to add) and returns its path.
sub zip_make {
    my ($name, @members) = @_;
    my $zip = Archive::Zip->new;
    while (my ($member_name, $content) = splice @members, 0, 2) {
        my $member = ref $content
                     ? $zip->addString($$content, $member_name)
                     : $zip->addFile($content, $member_name);
        $member->desiredCompressionMethod(COMPRESSION_DEFLATED);
    }
    $zip->writeToFileNamed("$tmp/$name") == AZ_OK or die "zip $name";
    return "$tmp/$name";
}

# Replaces the uncompressed size of every entry, in the local headers and
# the central directory alike.
sub zip_sizes_patch {
    my ($path, $size) = @_;
    open my $fh, '+<:raw', $path or die $!;
    my $bytes = do { local $/; <$fh> };
    my $packed = pack('V', $size);
    my @fields;
    push @fields, $-[0] + 22 while $bytes =~ /PK\x03\x04/g;
    push @fields, $-[0] + 24 while $bytes =~ /PK\x01\x02/g;
    substr($bytes, $_, 4) = $packed for @fields;
    seek $fh, 0, 0;
    print $fh $bytes;
    close $fh;
}

# Sets the Unix mode of the entry name in the central directory (made by
# Unix; the mode is the high half of the external attributes).
sub zip_mode_patch {
    my ($path, $name, $mode) = @_;
    open my $fh, '+<:raw', $path or die $!;
    my $bytes = do { local $/; <$fh> };
    my @entries;
    push @entries, $-[0] while $bytes =~ /PK\x01\x02/g;
    for my $at (@entries) {
        my $name_length = unpack('v', substr($bytes, $at + 28, 2));
        next unless substr($bytes, $at + 46, $name_length) eq $name;
        substr($bytes, $at + 5, 1) = chr(3);
        substr($bytes, $at + 38, 4) = pack('V', $mode << 16);
    }
    seek $fh, 0, 0;
    print $fh $bytes;
    close $fh;
}

my $uploads = "$fixtures/wxr-media/2019/04";

# --- A WordPress export with its uploads --------------------------------

my $wxr_zip = zip_make('wordpress.zip',
    'site/wxr-1.2.xml' => "$fixtures/wxr-1.2.xml",
    'site/wp-content/uploads/2019/04/harbour.png' => "$uploads/harbour.png",
    'site/wp-content/uploads/2019/04/cover.png' => "$uploads/cover.png",
    '__MACOSX/site/._wxr-1.2.xml' => \"resource fork",
);
my $file = make_blog('mass/zipwxr.mass.example.db');
my ($rc, $out, $err) = writekit('import', $file, $wxr_zip);
is($rc, 0, 'WordPress export in a zip imports') or diag($err);
like($out, qr/: 8 imported, 0 updated, 1 unchanged, 2 images stored, /,
     'posts and the images in the zip');
like($out, qr/^\Q$wxr_zip\E: post 101 "Harbour at dawn": imported$/m,
     'report lines name the zip and the item');
is(sql($file, "SELECT group_concat(path, ' ') FROM (SELECT path FROM media ORDER BY path)"),
   'wp-content/uploads/2019/04/cover.png wp-content/uploads/2019/04/harbour.png',
   'images stored from the zip');
is(blog_get('zipwxr.mass.example', '/media/wp-content/uploads/2019/04/cover.png')->code,
   200, 'image from the zip served');
my $dump = tenant_dump($file);
($rc, $out, $err) = writekit('import', $file, $wxr_zip);
like($out, qr/: 0 imported, 0 updated, 9 unchanged, /,
     'the same zip again changes no post');
is(tenant_dump($file), $dump, 'tenant file the same after it');

# The export alone, with its uploads as a zip given to --media.
my $media_zip = zip_make('uploads.zip',
    'uploads/2019/04/harbour.png' => "$uploads/harbour.png",
    'uploads/2019/04/cover.png' => "$uploads/cover.png",
);
my $media_file = make_blog('mass/zipmedia.mass.example.db');
($rc, $out, $err) = writekit('import', $media_file, "$fixtures/wxr-1.2.xml",
                             '--media', $media_zip);
is($rc, 0, 'export with a zip as --media imports') or diag($err);
is(sql($media_file, "SELECT count(*) FROM media"), 2,
   'images stored from the media zip');

# --- A Ghost export with its images -------------------------------------

my $ghost_zip = zip_make('ghost.zip',
    'ghost-5.json' => "$fixtures/ghost-5.json",
    'content/images/2023/05/lighthouse.png'
        => "$fixtures/ghost-media/2023/05/lighthouse.png",
    'content/images/2023/05/keeper.png'
        => "$fixtures/ghost-media/2023/05/keeper.png",
);
my $ghost_file = make_blog('mass/zipghost.mass.example.db');
($rc, $out, $err) = writekit('import', $ghost_file, $ghost_zip);
is($rc, 0, 'Ghost export in a zip imports') or diag($err);
like($out, qr/: 6 imported, 0 updated, 0 unchanged, 2 images stored, /,
     'Ghost posts and images from the zip');

# --- A folder of posts --------------------------------------------------

my $posts_zip = zip_make('posts.zip',
    'blog/content/2024-05-01-first.md' => \"+++\ntitle = \"First from a zip\"\n+++\n![dot](dot.png)\n",
    'blog/content/dot.png' => "$uploads/harbour.png",
    'blog/content/2024-05-02-second.md' => \"---\ntitle: Second from a zip\ntags: [zip]\n---\nText.\n",
);
my $posts_host = 'zipposts.mass.example';
my $posts_file = make_blog("mass/$posts_host.db");
($rc, $out, $err) = writekit('import', $posts_file, $posts_zip);
is($rc, 0, 'folder of posts in a zip imports') or diag($err);
like($out, qr/: 2 imported, 0 updated, 0 unchanged, 1 images stored, /,
     'two posts and an image');
like(decode(blog_get($posts_host, '/posts/first')->content),
     qr{<img src="\.\./media/dot\.png" alt="dot" />}, 'image linked');
$dump = tenant_dump($posts_file);
($rc, $out, $err) = writekit('import', $posts_file, $posts_zip);
like($out, qr/: 0 imported, 0 updated, 2 unchanged, /,
     'the same zip of posts again changes nothing, unpacked elsewhere');
is(tenant_dump($posts_file), $dump, 'tenant file the same after it');

sub decode { my ($bytes) = @_; utf8::decode($bytes); return $bytes }

# --- Hostile zips -------------------------------------------------------

my $victim = make_blog('mass/zipvictim.mass.example.db');
($rc, $out, $err) = writekit('import', $victim, "$fixtures/wxr-1.1.xml");
is($rc, 0, 'the victim blog has posts');
my $before = tenant_dump($victim);
my $escape = "wk-zip-escape-$$.md";

# Archive::Zip 1.68 writes broken symbolic link entries, so the link is a
# file whose Unix mode in the central directory is then set to a link's.
my $link_zip = zip_make('link.zip', 'a.md' => \'post', 'link.md' => \'/etc/passwd');
zip_mode_patch($link_zip, 'link.md', 0120777);

my $bomb = zip_make('bomb.zip', 'zeros.md' => \("\0" x 50_000_000));
my $liar = zip_make('liar.zip', 'zeros.md' => \("\0" x 50_000_000));
zip_sizes_patch($liar, 1000);
my $huge = zip_make('huge.zip', 'a.md' => \"small");
zip_sizes_patch($huge, 0xFFFFFF00);
my $duplicate = Archive::Zip->new;
$duplicate->addString("one", 'same.md');
$duplicate->addString("two", 'same.md');
$duplicate->writeToFileNamed("$tmp/duplicate.zip") == AZ_OK or die;
open my $fh, '>:raw', "$tmp/damaged.zip" or die $!;
print $fh substr(do { local (@ARGV, $/) = $wxr_zip; <> }, 0, 3000);
close $fh;

my @cases = (
    [ zip_make('climb.zip', "../$escape" => \"escape"),
      qr{entry '\.\./\Q$escape\E' climbs out with \.\.; the zip is rejected} ],
    [ zip_make('absolute.zip', "/tmp/$escape" => \"escape"),
      qr{entry '/tmp/\Q$escape\E' has an absolute path} ],
    [ "$tmp/link.zip", qr{entry 'link\.md' is a symbolic link} ],
    [ $bomb, qr/unpack to more than the limit of 10000000 bytes/, '--max-archive-size', 10_000_000 ],
    [ $liar, qr/entry 'zeros\.md' unpacks to more than its declared 1000 bytes/ ],
    [ $huge, qr/unpack to more than the limit of 2147483648 bytes/ ],
    [ "$tmp/duplicate.zip", qr/not a readable zip: two entries have the same name/ ],
    [ "$tmp/damaged.zip", qr/not a readable zip/ ],
    [ zip_make('two.zip', 'a.xml' => "$fixtures/wxr-1.1.xml",
               'b.json' => "$fixtures/ghost-5.json"),
      qr/the zip holds several exports \(a\.xml and b\.json\)|several exports \(b\.json and a\.xml\)/ ],
    [ zip_make('hostile-inside.zip',
               'x.xml' => "$fixtures/hostile/billion-laughs.xml"),
      qr/rejected to prevent entity expansion attacks/ ],
);
for my $case (@cases) {
    my ($zip, $reason, @options) = @$case;
    (my $name = $zip) =~ s{.*/}{};
    ($rc, $out, $err) = writekit('import', $victim, $zip, @options);
    is($rc, 1, "$name fails");
    like($err, qr/^writekit: \Q$zip\E/m, "$name: message names the zip");
    like($err, $reason, "$name: message gives the reason");
    is(tenant_dump($victim), $before, "$name: tenant unchanged");
}
ok(!-e "/tmp/$escape", 'no entry was written outside the unpack folder');
ok(!glob('/tmp/wk-folder-*/zeros.md'), 'unpack folders removed');

no_unexpected_errors($mark);
done_testing();
