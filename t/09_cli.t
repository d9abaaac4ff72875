# The writekit CLI: every mistake gets a message that names the file and
# the reason, and the right exit status.
use strict;
use warnings;

use File::Temp qw(tempdir);
use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;
use WriteKit::Test;

my $dir = tempdir(CLEANUP => 1);
my $db = "$dir/blog.db";

my ($rc, $out, $err) = writekit('init', $db, '--title', 'CLI', '--base-url',
                                'http://cli.test');
is($rc, 0, 'init succeeds');

# init
($rc, $out, $err) = writekit('init', "$dir/missing/blog.db", '--title', 'x',
                             '--base-url', 'http://x.test');
is($rc, 1, 'init in a missing directory fails');
like($err, qr{\Q$dir\E/missing/blog\.db}, 'and names the file');
open my $fh, '>', "$dir/notes.txt" or die $!;
print $fh "not a database, only some text for the header page\n" x 20;
close $fh;
($rc, $out, $err) = writekit('init', "$dir/notes.txt", '--title', 'x',
                             '--base-url', 'http://x.test');
is($rc, 1, 'init on a text file fails');
like($err, qr{notes\.txt: .*not a database}, 'and says it is not a database');
($rc, $out, $err) = writekit('init', $db, '--title', 'x', '--base-url',
                             'ftp://x.test');
is($rc, 2, 'init with a non-HTTP base URL is a usage error');
like($err, qr/--base-url/, 'and names the option');
# The same rules as the studio's settings: a host, nothing after the
# path, and no character a URL never carries unencoded.
for my $url ('https://x.test/"><b>', 'https://x.test/?q=1',
             'https://user@x.test', 'https://x.test/a{b}', 'https://') {
    ($rc, $out, $err) = writekit('init', "$dir/bad-url.db", '--title', 'x',
                                 '--base-url', $url);
    is($rc, 2, "init with base URL $url is a usage error");
    ok(!-e "$dir/bad-url.db", "init with base URL $url creates no file");
}
($rc) = writekit('frobnicate', $db);
is($rc, 2, 'unknown command is a usage error');

# user add
my %passwords = (
    'empty'         => [ "\n", qr/the password is empty/ ],
    'short'         => [ "short\n", qr/shorter than 8 bytes/ ],
    'only spaces'   => [ (' ' x 10) . "\n", qr/only spaces/ ],
    'over 72 bytes' => [ ('a' x 100) . "\n", qr/longer than 72 bytes/ ],
    'huge'          => [ ('a' x 100_000) . "\n", qr/longer than 72 bytes/ ],
    'NUL byte'      => [ "abcd\0efghij\n", qr/contains a NUL byte/ ],
    'no input'      => [ '', qr/no password/ ],
);
for my $case (sort keys %passwords) {
    my ($input, $expected) = @{ $passwords{$case} };
    ($rc, $out, $err) = writekit(\$input, 'user', 'add', $db, 'a@cli.test');
    is($rc, 1, "password $case rejected");
    like($err, qr/^writekit: \Q$db\E: /, "password $case message names the file");
    like($err, $expected, "password $case message gives the reason");
}
($rc, $out, $err) = writekit(\"a good password\n", 'user', 'add', $db,
                             'a@cli.test');
is($rc, 0, 'good password accepted');
($rc, $out, $err) = writekit(\"a good password\n", 'user', 'add', $db,
                             'A@CLI.test');
is($rc, 1, 'same email in other case rejected');
like($err, qr/already exists/, 'duplicate email message');
for my $email ('no-at-sign', '@cli.test', 'a@', 'a b@cli.test',
               ('x' x 250) . '@cli.test', "caf\xe9\@cli.test") {
    ($rc, $out, $err) = writekit(\"a good password\n", 'user', 'add', $db,
                                 $email);
    is($rc, 2, "email '" . substr($email, 0, 20) . "' rejected");
}
my $users = `sqlite3 $db "SELECT count(*) FROM users"`;
chomp $users;
is($users, 1, 'only the good user was stored');

# import
($rc, $out, $err) = writekit('import', $db, "$dir/no-such-folder");
is($rc, 1, 'import of a missing folder fails');
like($err, qr/no-such-folder/, 'and names the folder');

done_testing();
