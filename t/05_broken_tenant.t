# A broken tenant file costs that tenant only: 503 there, logged once,
# and every other blog keeps serving.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;
use WriteKit::Test;

my $mark = log_mark();
my $file = tenant_dir() . '/broken.db';

make_blog('alpha.db', title => 'Alpha Blog', posts => {
    'a.md' => "+++\ntitle = \"Still here\"\ndate = 2024-01-02\n+++\nA.\n",
});

# Not SQLite at all
unlink $file, "$file-wal", "$file-shm";
open my $fh, '>', $file or die "$file: $!";
print $fh "This is not a database. " x 200;
close $fh;

my $r = blog_get('broken.test', '/');
is($r->code, 503, 'garbage tenant file gets 503');
ok($r->header('Retry-After'), '503 has Retry-After');
is(blog_get('broken.test', '/posts/x')->code, 503, 'again 503');
is(blog_get('alpha.test', '/posts/a')->code, 200,
   'other tenant keeps serving');

my @errors = grep { /WK00002/ } log_errors_since($mark);
ok(scalar(@errors) >= 1, 'fault is logged with our tag');
like($errors[0] // '', qr/broken\.db/, 'log names the tenant file');
# One child may log it once each; with two children at most two lines.
ok(scalar(@errors) <= 2, 'fault logged once per process, not per request')
    or diag(scalar(@errors) . " lines");

# A missing tenant file that the configuration names: 503, logged once
# per process rather than once per request
unlink $file, "$file-wal", "$file-shm";
my $missing_mark = log_mark();
for (1 .. 20) {
    is(blog_get('broken.test', '/')->code, 503, "missing tenant file 503 ($_)")
        if $_ == 1;
    blog_get('broken.test', '/') if $_ > 1;
}
my @missing = grep { /WK00002.*no such tenant file/ } log_errors_since($missing_mark);
ok(@missing >= 1, 'missing tenant file is logged');
ok(@missing < 10, 'missing tenant file logged once per process ('
   . scalar(@missing) . ' lines for 20 requests)');

# An empty file is no blog, and a request leaves it empty
unlink $file, "$file-wal", "$file-shm";
open $fh, '>', $file or die "$file: $!";
close $fh;
chmod 0666, $file;
is(blog_get('broken.test', '/')->code, 503, 'empty tenant file gets 503');
is(-s $file, 0, 'empty tenant file left empty');

# A truncated SQLite file (header kept, pages gone)
make_blog('broken.db', title => 'Soon broken', posts => {
    'b.md' => "+++\ntitle = \"B\"\ndate = 2024-01-02\n+++\nB.\n",
});
my ($rc) = writekit('migrate', $file);
truncate $file, 2048 or die "truncate: $!";
unlink "$file-wal", "$file-shm";
$r = blog_get('broken.test', '/');
ok($r->code == 503 || $r->code == 200,
   'truncated file answers without crashing (' . $r->code . ')');
is(blog_get('alpha.test', '/')->code, 200, 'other tenant still serving');

# A schema newer than this build knows
make_blog('broken.db', title => 'From the future');
system('sqlite3', $file, 'PRAGMA user_version = 999') == 0
    or die "sqlite3 failed";
$r = blog_get('broken.test', '/');
is($r->code, 503, 'newer schema gets 503');
my @newer = grep { /WK00002.*newer/ } log_errors_since($mark);
ok(@newer >= 1, 'newer schema logged with the reason');

# A file whose settings read but whose posts table is damaged: the themed
# 503 with Retry-After, logged once per process.
make_blog('broken.db', title => 'Half broken', posts => {
    map { ("p$_.md" => "+++\ntitle = \"Post $_\"\ndate = 2024-01-02\n+++\n"
                      . ('Text. ' x 400) . "\n") } 1 .. 20
});
my $root = `sqlite3 $file "SELECT rootpage FROM sqlite_master WHERE name = 'posts'"`;
my $page_size = `sqlite3 $file 'PRAGMA page_size'`;
chomp($root, $page_size);
open $fh, '+<', $file or die "$file: $!";
seek $fh, ($root - 1) * $page_size, 0;
print $fh "\xff" x $page_size;
close $fh;
my $damaged_mark = log_mark();
$r = blog_get('broken.test', '/');
is($r->code, 503, 'damaged posts table gets 503');
ok($r->header('Retry-After'), 'that 503 has Retry-After');
like($r->decoded_content, qr/Blog unavailable/, 'that 503 is the themed page');
blog_get('broken.test', '/posts/p1') for 1 .. 20;
my @damaged = grep { /WK00002.*broken\.db/ } log_errors_since($damaged_mark);
ok(@damaged >= 1, 'damaged posts table logged');
my %lines_of_pid;
$lines_of_pid{$_}++ for map { /\[pid (\d+)/ ? $1 : 0 } @damaged;
ok(!grep({ $_ > 1 } values %lines_of_pid),
   'damaged posts table logged once per process (' . scalar(@damaged)
   . ' lines for 21 requests, ' . scalar(keys %lines_of_pid)
   . ' processes)');

# A fault that a write through the -wal file repairs, with the tenant
# open: the next request is served again.
make_blog('broken.db', title => 'Renamed', posts => {
    'r.md' => "+++\ntitle = \"R\"\ndate = 2024-01-02\ntags = [\"t\"]\n+++\nR.\n",
});
chmod 0666, $file;
is(blog_get('broken.test', '/posts/r')->code, 200, 'post served before');
system('sqlite3', $file, 'ALTER TABLE post_tags RENAME TO post_tags_gone') == 0
    or die 'rename';
# Enough requests to reach every child; a child that kept the page
# before still serves it.
my @codes = map { blog_get('broken.test', '/posts/r')->code } 1 .. 20;
ok(scalar(grep { $_ == 503 } @codes), "missing table gets 503 (@codes)");
system('sqlite3', $file, 'ALTER TABLE post_tags_gone RENAME TO post_tags') == 0
    or die 'rename back';
ok(-s "$file-wal", 'repair is in the -wal file');
@codes = map { blog_get('broken.test', '/posts/r')->code } 1 .. 20;
is("@codes", join(' ', (200) x 20),
   'repair through the -wal file served at once');

# The same for the settings, which every rendered page reads first.
chmod 0666, $file;
system('sqlite3', $file, 'ALTER TABLE settings RENAME TO settings_gone') == 0
    or die 'rename settings';
@codes = map { blog_get('broken.test', '/tags/t')->code } 1 .. 20;
ok(scalar(grep { $_ == 503 } @codes), "missing settings get 503 (@codes)");
system('sqlite3', $file, 'ALTER TABLE settings_gone RENAME TO settings') == 0
    or die 'rename settings back';
@codes = map { blog_get('broken.test', '/tags/t')->code } 1 .. 20;
is("@codes", join(' ', (200) x 20),
   'settings repaired through the -wal file served at once');

# Repaired: serving again
make_blog('broken.db', title => 'Repaired Blog');
like(blog_get('broken.test', '/')->decoded_content, qr/Repaired Blog/,
     'repaired file serves again');

no_unexpected_errors($mark, qr/WK00002/);
done_testing();
