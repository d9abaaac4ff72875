# With WriteKitPageDir, a page rendered by one process is served by the
# others, new children after a restart included, without opening the
# tenant, for as long as the tenant's files are unchanged.  A child keeps
# a tenant it opened open for WriteKitIdleTimeout (60 s here), so a
# tenant file that no child has open shows that none opened it.
use strict;
use warnings;

use File::Temp qw(tempdir);
use FindBin;
use IO::Socket::INET;
use LWP::UserAgent;
use lib "$FindBin::Bin/lib";
use Time::HiRes qw(sleep);

use Apache::Test ();
use Test::More;
use WriteKit::Test;

my $mark = log_mark();
my $host = 'pagefiles.mass.example';
my $file = tenant_dir() . "/mass/$host.db";
my $root = "$ENV{WK_TEST_ROOT}/pages";
my $posts = tempdir(CLEANUP => 1);

# A file's stamp vouches for pages once the file is 3 s old.
my $settle = 3.5;

sub import_title {
    my ($title) = @_;
    open my $fh, '>', "$posts/kept.md" or die "kept.md: $!";
    print $fh "+++\ntitle = \"$title\"\ndate = 2024-03-01\n+++\nBody.\n";
    close $fh;
    my ($rc, $out, $err) = writekit('import', $file, $posts);
    is($rc, 0, "import of '$title' succeeds") or diag($err);
}

sub page_title {
    my $r = blog_get($host, '/posts/kept');
    return $r->code == 200 && $r->decoded_content =~ m{<title>([^<]*?) - }
        ? $1 : 'status ' . $r->code;
}

# The page files of this test's tenant file: their keys name its path,
# its inode and the host.
sub page_files {
    my $inode = (stat $file)[1];
    my @found;
    for my $path (glob "$root/gen-*/*") {
        open my $fh, '<', $path or next;
        local $/;
        my $bytes = <$fh>;
        push @found, $path
            if $bytes =~ m{\Q$file\E\n$inode\n[0-9a-f]+\nhttp://\Q$host\E:\d+\n/posts/kept\?};
    }
    return @found;
}

sub file_text {
    my ($path) = @_;
    open my $fh, '<', $path or return '';
    local $/;
    return <$fh> // '';
}

sub generations { map { m{/(gen-[0-9a-f]+)$} } glob "$root/gen-*" }

sub tenant_opened {
    for my $pid (children_of(server_pid())) {
        for my $fd (glob "/proc/$pid/fd/*") {
            my $target = readlink $fd;
            return 1 if defined $target && $target eq $file;
        }
    }
    return 0;
}

# Restarts gracefully and waits until the old children have closed the
# tenant and new ones serve.
sub restart {
    kill 'USR1', server_pid();
    sleep 1;
    for (1 .. 100) {
        last if !tenant_opened() && blog_get('nothing.test', '/')->code;
        sleep 0.1;
    }
    ok(!tenant_opened(), 'no child has the tenant open after restart');
}

make_blog("mass/$host.db", title => 'Page files');
import_title('First title');
sleep $settle;

is(page_title(), 'First title', 'page rendered');
my @files = page_files();
is(scalar @files, 1, 'page file written');
my @stat = stat $files[0];
is($stat[2] & 07777, 0600, 'page file private to its owner');
isnt($stat[4], 0, 'page file owned by the server user, not root')
    if $> == 0;

restart();
is(page_title(), 'First title', 'page served by a new child');
ok(!tenant_opened(), 'tenant not opened for it');
is((stat $files[0])[1], $stat[1], 'page file not written again');

# The same request with no page file opens the tenant: the check above
# can fail.
restart();
unlink @files;
is(page_title(), 'First title', 'page rendered without its file');
ok(tenant_opened(), 'tenant opened to render it');
is(scalar(page_files()), 1, 'page file written again');

# A write changes the stamp, so the old file is not served, before or
# after the new one settles.  Each import runs while no child has the
# tenant open, so the CLI's connection is the last, and it copies its
# -wal file into the database file and removes it.  A -wal file that the
# server's user cannot remove would be copied again at every close.
restart();
import_title('Second title');
is(page_title(), 'Second title', 'write shown next, files not settled');
restart();
sleep $settle;
is(page_title(), 'Second title', 'write shown once settled');
restart();
is(page_title(), 'Second title', 'page file of the write served');
ok(!tenant_opened(), 'tenant not opened for the rewritten page');

# Commits in the -wal file: a page file could hide one whose writer
# stalled, so none is written until the -wal file is gone.  The import
# runs while a child has the tenant open, so its commit stays there.
restart();
unlink page_files();
is(page_title(), 'Second title', 'tenant open before the write');
ok(tenant_opened(), 'a child has the tenant open');
import_title('Commit in the WAL');
ok(-s "$file-wal", 'the import left its commit in the -wal file');
sleep $settle;
my @before_wal = map { (stat $_)[1] } page_files();
is(page_title(), 'Commit in the WAL', 'write shown with the WAL');
my @after_wal = map { (stat $_)[1] } page_files();
is("@after_wal", "@before_wal", 'no page file written over a busy WAL');

# Once the last connection closes, the -wal file is gone and page files
# are written again.
restart();
import_title('Second title');
restart();
sleep $settle;
is(page_title(), 'Second title', 'back to the second title');

# A damaged file is a miss, not an error.
@files = page_files();
truncate $files[0], 10 or die "truncate: $!";
restart();
is(page_title(), 'Second title', 'damaged page file rendered again');
is(scalar(page_files()), 1, 'damaged page file replaced');

# A rebuilt module starts a new generation and removes the old one.
my @before = generations();
is(scalar @before, 1, 'one generation before');
utime undef, undef, "$FindBin::Bin/../build/mod_writekit.so"
    or die "touch module: $!";
restart();
my @after = generations();
is(scalar @after, 1, 'one generation after');
isnt($after[0], $before[0], 'new generation for the rebuilt module');
is(page_title(), 'Second title', 'page rendered in the new generation');
is(scalar(page_files()), 1, 'page file in the new generation');

# A directory the server cannot write to is logged once per child.
my ($gen) = glob "$root/gen-*";
chmod 0500, $gen or die "chmod: $!";
my $write_mark = log_mark();
restart();
import_title('Third title');
sleep $settle;
is(page_title(), 'Third title', 'page served without a writable directory');
my @failed = grep { /WK00302: cannot write page files in \Q$gen\E/ }
    log_errors_since($write_mark);
ok(@failed >= 1, 'failed write logged');
chmod 0700, $gen;

# Two hosts share a tenant but not their pages, even when a client sends
# one host's name to the other's address.  Without a port in the Host
# header, both requests name port 80.
{
    make_blog('scoped.db', title => 'Scoped', posts => {
        's.md' => "+++\ntitle = \"Scoped post\"\ndate = 2024-03-01\n+++\nS.\n",
    });
    sleep $settle;
    my $alt = "http://127.0.0.1:$ENV{WK_TEST_ALT_PORT}/posts/s";
    my $ua = LWP::UserAgent->new(timeout => 30, keep_alive => 0);
    my $main_host = 'scoped.test:' . server_port();

    my $r = blog_get('scoped.test', '/posts/s');
    is($r->code, 200, 'scoped page on the main port');
    unlike($r->decoded_content, qr/theme two/, 'main port has its theme');
    $r = $ua->get($alt, Host => 'scoped.test');
    is($r->code, 200, "other port with the main port's host name");
    like($r->decoded_content, qr/theme two/,
         "other port keeps its theme for the main port's host name");

    # One file for each host, which requests to the other leave alone.
    # The same page for another Host value replaces the file, so this
    # comes before the requests with a port in the Host header.
    my $scoped = tenant_dir() . '/scoped.db';
    my @files = grep { index(file_text($_), "$scoped\n") >= 0 }
        glob "$root/gen-*/*";
    is(scalar @files, 2, 'one page file for each host');
    my @inodes = map { (stat $_)[1] } @files;
    for (1 .. 3) {
        $ua->get($alt, Host => 'scoped.test');
        blog_get('scoped.test', '/posts/s');
    }
    is(join(' ', map { (stat $_)[1] // 'gone' } @files), "@inodes",
       'requests to both hosts rewrite neither file');

    $r = $ua->get($alt, Host => $main_host);
    like($r->decoded_content, qr/theme two/,
         "other port keeps its theme for the main port's Host");
    unlike(blog_get($main_host, '/posts/s')->decoded_content, qr/theme two/,
           'main port keeps its theme for its own Host');

    restart();
    like($ua->get($alt, Host => 'scoped.test')->decoded_content,
         qr/theme two/, 'other port keeps its theme after a restart');
    unlike(blog_get('scoped.test', '/posts/s')->decoded_content,
           qr/theme two/, 'main port keeps its theme after a restart');
}

# A page directory that cannot be made is logged, and the server goes on
# without page files.
{
    my $dir = tempdir(CLEANUP => 1);
    open my $fh, '>', "$dir/plain" or die "plain: $!";
    close $fh;
    my $port = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1',
                                     LocalPort => 0)->sockport;
    my $modules = `apxs -q LIBEXECDIR`;
    chomp $modules;
    my $top = "$FindBin::Bin/..";
    open $fh, '>', "$dir/httpd.conf" or die "httpd.conf: $!";
    print $fh <<CONF;
ServerRoot "$dir"
Listen 127.0.0.1:$port
ServerName localhost
PidFile $dir/httpd.pid
ErrorLog $dir/error.log
LoadModule mpm_event_module $modules/mod_mpm_event.so
LoadModule authz_core_module $modules/mod_authz_core.so
LoadModule writekit_module $top/build/mod_writekit.so
WriteKitTheme $top/templates/default
WriteKitPageDir $dir/plain/pages
CONF
    close $fh;
    my $httpd = Apache::Test::vars('httpd');
    my $out = `timeout 3 $httpd -X -f $dir/httpd.conf 2>&1`;
    my $rc = $? >> 8;
    is($rc, 124, 'server still runs after 3 s');
    open $fh, '<', "$dir/error.log";
    my $log = join '', $out, $fh ? <$fh> : ();
    like($log, qr/WK00005: WriteKitPageDir: cannot create \Q$dir\E\/plain\/pages: Not a directory/,
         'error names the directive, the path and the reason');
}

no_unexpected_errors($mark, qr/WK00302:/);
done_testing();
