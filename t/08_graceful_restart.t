# Graceful restarts recompile the theme and leave the parent with no
# handle more than before, and blogs keep serving across them.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;
use WriteKit::Test;

my $mark = log_mark();
my $pid = server_pid();

make_blog('alpha.db', title => 'Alpha Blog', posts => {
    'a.md' => "+++\ntitle = \"Across restarts\"\ndate = 2024-01-02\n+++\nA.\n",
});

sub open_fds { my @fds = glob "/proc/$pid/fd/*"; scalar @fds }

# Waits until a request is served again after a restart.
sub wait_serving {
    for (1 .. 100) {
        my $r = blog_get('alpha.test', '/posts/a');
        return $r->code if $r->code == 200;
        select undef, undef, undef, 0.1;
    }
    return 0;
}

is(wait_serving(), 200, 'serving before restarts');
kill 'USR1', $pid;
sleep 1;
is(wait_serving(), 200, 'serving after the first restart');
my $fds = open_fds();
ok($fds > 0, "parent has $fds descriptors");

for my $n (2 .. 5) {
    kill 'USR1', $pid;
    sleep 1;
    is(wait_serving(), 200, "serving after restart $n");
}
is(open_fds(), $fds, 'parent has as many descriptors after 4 more restarts');

no_unexpected_errors($mark);
done_testing();
