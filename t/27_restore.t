# writekit restore puts a backup back into a tenant file that the server
# has open, through SQLite's online backup: readers see the restored blog
# on their next request, the file stays sound, and a bad backup changes
# nothing.
use strict;
use warnings;

use File::Temp qw(tempdir);
use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;
use WriteKit::Test;

my $mark = log_mark();
my $host = 'restore.mass.example';
my $file = tenant_dir() . "/mass/$host.db";
my $dir = tempdir(CLEANUP => 1);

sub post {
    my ($slug, $title) = @_;
    return ("$slug.md" => "+++\ntitle = \"$title\"\ndate = 2024-03-01\n"
                          . "+++\nBody of $title.\n");
}

sub status_of { blog_get($host, $_[0])->code }

sub integrity {
    my $out = `sqlite3 $file 'PRAGMA integrity_check'`;
    chomp $out;
    return $out;
}

make_blog("mass/$host.db", title => 'Restore', posts => { post('kept', 'Kept') });
is(system('sqlite3', $file, ".backup $dir/backup.db"), 0, 'backup taken');

# A later post, written while the server has the tenant open, so that its
# commit stays in the -wal file beside the tenant.
is(status_of('/posts/kept'), 200, 'kept post served');
my ($rc, $out, $err) = writekit('import', $file,
                                write_posts(post('later', 'Later')));
is($rc, 0, 'later post imported') or diag($err);
is(status_of('/posts/later'), 200, 'later post served');
ok(-s "$file-wal", 'tenant has commits in its -wal file');

($rc, $out, $err) = writekit('restore', $file, "$dir/backup.db");
is($rc, 0, 'restore succeeds') or diag($err);
like($out, qr/\Q$file\E: restored from \Q$dir\E\/backup\.db/,
     'restore names both files');
is(status_of('/posts/later'), 404, 'later post gone at once');
is(status_of('/posts/kept'), 200, 'kept post still served');
unlike(blog_get($host, '/')->decoded_content, qr/Later/,
       'index lists the restored posts only');
is(integrity(), 'ok', 'tenant file sound after restore');

# Bad backups: each fails with the file and the reason, and the tenant
# keeps its posts.
open my $fh, '>', "$dir/notes.txt" or die $!;
print $fh "not a database\n";
close $fh;
system('sqlite3', "$dir/newer.db", ".restore $dir/backup.db") == 0
    or die 'copy backup';
system('sqlite3', "$dir/newer.db", 'PRAGMA user_version = 999') == 0
    or die 'set version';
system('sqlite3', "$dir/foreign.db",
       'CREATE TABLE t (x); PRAGMA user_version = 3') == 0
    or die 'foreign file';
# Backups that are blogs but carry objects of their own: a trigger that
# would keep sessions alive in the live blog, and a users table of
# another shape.
sub backup_changed {
    my ($name, @sql) = @_;
    system('sqlite3', "$dir/$name", ".restore $dir/backup.db") == 0
        or die "copy $name";
    system('sqlite3', "$dir/$name", @sql) == 0 or die "change $name";
    return "$dir/$name";
}
my $trigger = backup_changed('trigger.db',
    'CREATE TRIGGER keep_sessions BEFORE DELETE ON sessions'
    . ' BEGIN SELECT RAISE(IGNORE); END');
my $users = backup_changed('users.db', 'PRAGMA foreign_keys = OFF',
    'ALTER TABLE users RENAME TO users_old',
    'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)');
my @bad = (
    [ "$dir/notes.txt", qr/not a writekit tenant file/, 'text file' ],
    [ "$dir/foreign.db", qr/not a writekit blog/, 'other SQLite file' ],
    [ $trigger, qr/not a writekit blog: its trigger keep_sessions is not one this build makes/,
      'backup with a trigger of its own' ],
    [ $users, qr/not a writekit blog: its index sqlite_autoindex_users_old_1 is not one/,
      'backup with another users table' ],
    [ "$dir/missing.db", qr/cannot read the file: No such file/,
      'missing file' ],
    [ "$dir/newer.db", qr/schema version 999 is newer than \d+/,
      'newer schema' ],
    [ $dir, qr/not a regular file/, 'directory' ],
);
for my $case (@bad) {
    my ($backup, $reason, $name) = @$case;
    ($rc, $out, $err) = writekit('restore', $file, $backup);
    is($rc, 1, "$name rejected");
    like($err, qr/\Q$backup\E: /, "$name error names the backup");
    like($err, $reason, "$name error gives the reason");
}
ok(!-e "$dir/missing.db", 'missing backup not created');
is(status_of('/posts/kept'), 200, 'tenant unchanged by bad backups');
is(integrity(), 'ok', 'tenant file sound after bad backups');

# A backup in another page size than the tenant's.
system('sqlite3', "$dir/small-pages.db", ".restore $dir/backup.db",
       'PRAGMA journal_mode = DELETE', 'PRAGMA page_size = 1024', 'VACUUM') == 0
    or die 'small pages';
($rc, $out, $err) = writekit('restore', $file, "$dir/small-pages.db");
is($rc, 0, 'backup of another page size restored') or diag($err);
is(status_of('/posts/kept'), 200, 'restored from another page size');

# Sessions live in the tenant file: a restore signs every author out, so
# that a session revoked since the backup does not come back.
add_author($file, 'ann@example.test', 'correct horse battery');
chmod 0666, $file, "$file-wal", "$file-shm";
my $client = api_client($host);
is(api_sign_in($client, 'ann@example.test', 'correct horse battery')->code,
   200, 'author signed in');
is(system('sqlite3', $file, ".backup $dir/with-session.db"), 0,
   'backup with the session taken');
is(api_call($client, 'DELETE', 'session', csrf => 1)->code, 204,
   'author signed out');
($rc, $out, $err) = writekit('restore', $file, "$dir/with-session.db");
is($rc, 0, 'backup with the session restored') or diag($err);
like($out, qr/every author is signed out/, 'restore says authors are out');
is(api_call($client, 'GET', 'session')->code, 401,
   'revoked session stays revoked');

# A damaged tenant file is what a restore is for.
system('sqlite3', $file, 'DROP TABLE post_tags') == 0 or die 'drop';
($rc, $out, $err) = writekit('restore', $file, "$dir/backup.db");
is($rc, 0, 'restore into a damaged tenant succeeds') or diag($err);
is(status_of('/posts/kept'), 200, 'damaged tenant serves again');
is(integrity(), 'ok', 'tenant file sound after restoring a damaged one');

# A tenant whose header is gone is no SQLite file: the message says how
# to restore anyway.
system('cp', $file, "$dir/headless.db") == 0 or die 'copy';
open my $head, '+<', "$dir/headless.db" or die $!;
print $head "\0" x 100;
close $head;
($rc, $out, $err) = writekit('restore', "$dir/headless.db", "$dir/backup.db");
is($rc, 1, 'restore into a file with no header fails');
like($err, qr/make a new one with 'writekit init' and restore into that/,
     'message says how to go on');

($rc, $out, $err) = writekit('restore', "$dir/nothing.db", "$dir/backup.db");
is($rc, 1, 'restore into a missing tenant fails');
ok(!-e "$dir/nothing.db", 'missing tenant not created');

no_unexpected_errors($mark, qr/WK00002: tenant .*restore\.mass\.example/);
done_testing();
