# Importing again changes nothing and adds nothing, and an import that
# fails part-way leaves the tenant file as it was: the write failures
# come from SQLite itself, through triggers in the tenant file.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;
use WriteKit::Tenant;
use WriteKit::Test;

my $fixtures = "$FindBin::Bin/fixtures/import";
my $mark = log_mark();

sub count_of {
    my ($file, $table) = @_;
    my $count = `sqlite3 $file "SELECT count(*) FROM $table"`;
    chomp $count;
    return $count;
}

sub sql_run {
    my ($file, $sql) = @_;
    system('sqlite3', $file, $sql) == 0 or die "sqlite3 $file: $?";
}

# --- A WordPress export, twice ------------------------------------------

my $file = make_blog('mass/again.mass.example.db', title => 'Again',
                     base_url => 'http://again.mass.example');
my @import = ('import', $file, "$fixtures/wxr-1.2.xml", '--media',
              "$fixtures/wxr-media");
my ($rc, $out, $err) = writekit(@import);
is($rc, 0, 'first import') or diag($err);
my %first = map { $_ => count_of($file, $_) }
            qw(posts tags post_tags redirects media authors);
my $dump = tenant_dump($file);

($rc, $out, $err) = writekit(@import);
is($rc, 0, 'second import');
like($out, qr/: 0 imported, 0 updated, 9 unchanged, /,
     'second import changes no post');
for my $table (sort keys %first) {
    is(count_of($file, $table), $first{$table},
       "$table: $first{$table} rows after the second import too");
}
is(tenant_dump($file), $dump, 'tenant file the same after the second import');

# A changed export updates the post it changed and nothing else.
(my $changed = do { local (@ARGV, $/) = "$fixtures/wxr-1.2.xml"; <> })
    =~ s/Anna and Ben\./Anna, Ben and Cleo./;
my $changed_file = write_posts('changed.xml' => $changed);
($rc, $out, $err) = writekit('import', $file, "$changed_file/changed.xml",
                             '--media', "$fixtures/wxr-media");
is($rc, 0, 'changed export imports');
like($out, qr/page 104 "Team": updated/, 'the changed page is updated');
like($out, qr/: 0 imported, 1 updated, 8 unchanged, /,
     'the others are unchanged');
is(count_of($file, 'posts'), $first{posts}, 'still no post added');

# --- Failures part-way roll everything back -----------------------------

my $partial = make_blog('mass/partial.mass.example.db', title => 'Partial',
                        base_url => 'http://partial.mass.example');
($rc, $out, $err) = writekit('import', $partial, "$fixtures/wxr-1.1.xml");
is($rc, 0, 'a first import into the partial blog');

# The eighth post of the export fails to insert, after seven posts, two
# images and two authors went in within the same transaction.
sql_run($partial, "CREATE TRIGGER fail_post BEFORE INSERT ON posts"
                  . " WHEN NEW.title = 'Gallery day'"
                  . " BEGIN SELECT RAISE(ABORT, 'injected post failure'); END");
my $before = tenant_dump($partial);
($rc, $out, $err) = writekit('import', $partial, "$fixtures/wxr-1.2.xml",
                             '--media', "$fixtures/wxr-media");
is($rc, 1, 'import with a failing write fails');
like($err, qr/injected post failure; nothing was imported/,
     'the message gives the failure');
like($out, qr/post 101 "Harbour at dawn": imported/,
     'posts before the failure had been written');
is(tenant_dump($partial), $before, 'and are rolled back with the rest');

sql_run($partial, "DROP TRIGGER fail_post");
sql_run($partial, "CREATE TRIGGER fail_media BEFORE INSERT ON media"
                  . " BEGIN SELECT RAISE(ABORT, 'injected media failure'); END");
$before = tenant_dump($partial);
($rc, $out, $err) = writekit('import', $partial, "$fixtures/wxr-1.2.xml",
                             '--media', "$fixtures/wxr-media");
is($rc, 1, 'import with a failing media write fails');
like($err, qr/injected media failure; nothing was imported/,
     'the media failure is named');
is(tenant_dump($partial), $before, 'and nothing is kept');

# The same for a folder: the second file fails, the first is undone.
my $dir = write_posts(
    'a-first.md' => "+++\ntitle = \"First\"\ndate = 2024-01-01\n+++\nOne.\n",
    'b-second.md' => "+++\ntitle = \"Second\"\ndate = 2024-01-02\n+++\nTwo.\n",
);
sql_run($partial, "DROP TRIGGER fail_media");
sql_run($partial, "CREATE TRIGGER fail_folder BEFORE INSERT ON posts"
                  . " WHEN NEW.title = 'Second'"
                  . " BEGIN SELECT RAISE(ABORT, 'injected folder failure'); END");
$before = tenant_dump($partial);
($rc, $out, $err) = writekit('import', $partial, $dir);
is($rc, 1, 'folder import with a failing write fails');
like($err, qr/injected folder failure; nothing was imported/,
     'the folder failure is named');
like($out, qr{a-first\.md: imported}, 'the first file had been written');
is(tenant_dump($partial), $before, 'and is rolled back');

sql_run($partial, "DROP TRIGGER fail_folder");
($rc, $out, $err) = writekit('import', $partial, $dir);
is($rc, 0, 'the folder imports once the failure is gone');
my $folder_dump = tenant_dump($partial);
($rc, $out, $err) = writekit('import', $partial, $dir);
like($out, qr/: 0 imported, 0 updated, 2 unchanged, /,
     'a folder imported again is unchanged');
is(tenant_dump($partial), $folder_dump, 'tenant file the same after it');

no_unexpected_errors($mark);
done_testing();
