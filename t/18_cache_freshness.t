# Pages kept for a tenant whose files have not changed are served without
# opening the tenant.  A write from another process still shows on the
# next request, whether it went to the database file or to the -wal file
# that a connection of the server keeps open, and whether or not the
# files had settled.
use strict;
use warnings;

use File::Copy qw(move);
use File::Temp qw(tempdir);
use FindBin;
use lib "$FindBin::Bin/lib";
use Time::HiRes qw(sleep);

use Test::More;
use WriteKit::Test;

my $mark = log_mark();
my $host = 'fresh.mass.example';
my $file = tenant_dir() . "/mass/$host.db";

# A file's stamp vouches for kept pages once the file is 3 s old.
my $settle = 3.5;

sub post_with_title {
    my ($title) = @_;
    return ('fresh.md' => "+++\ntitle = \"$title\"\ndate = 2024-03-01\n"
                          . "+++\nBody.\n");
}

# An import updates the post it made from the same file, so the posts
# stay in one directory.
my $posts = tempdir(CLEANUP => 1);

sub import_title {
    my ($title) = @_;
    my %post = post_with_title($title);
    open my $fh, '>', "$posts/fresh.md" or die "fresh.md: $!";
    print $fh $post{'fresh.md'};
    close $fh;
    my ($rc, $out, $err) = writekit('import', $file, $posts);
    is($rc, 0, "import of '$title' succeeds") or diag($err);
}

sub page_title {
    my $r = blog_get($host, '/posts/fresh');
    return $r->code == 200 && $r->decoded_content =~ m{<title>([^<]*?) - }
        ? $1 : 'status ' . $r->code;
}

make_blog("mass/$host.db", title => 'Fresh');
import_title('First title');
sleep $settle;
is(page_title(), 'First title', 'page rendered');
is(page_title(), 'First title', 'page kept');

import_title('Second title');
is(page_title(), 'Second title', 'write by another process shown next');

sleep $settle;
is(page_title(), 'Second title', 'page rendered again after settling');
is(page_title(), 'Second title', 'page kept again');
import_title('Third title');
sleep $settle;
is(page_title(), 'Third title', 'write shown after it settled');
is(page_title(), 'Third title', 'settled write still shown');
import_title('Fourth title');
is(page_title(), 'Fourth title', 'write to a settled tenant shown next');

# Back to back, no write settles, so the file stamp vouches for nothing
# and each request compares the WAL-index header instead.
my @shown;
for my $n (1 .. 5) {
    import_title("Rapid title $n");
    push @shown, page_title(), page_title();
}
is_deeply(\@shown, [map { ("Rapid title $_") x 2 } 1 .. 5],
          'each of five writes in a row shown next and after');

sleep $settle;
is(page_title(), 'Rapid title 5', 'page kept for the last title');
make_blog('mass/replacement.db', title => 'Fresh',
          posts => { post_with_title('Replacement title') });
move(tenant_dir() . '/mass/replacement.db', $file)
    or die "move replacement.db: $!";
unlink "$file-wal", "$file-shm";
is(page_title(), 'Replacement title', 'file moved into place shown next');

no_unexpected_errors($mark);
done_testing();
