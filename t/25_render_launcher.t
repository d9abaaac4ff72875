# A threaded child renders markdown through its render launcher.  When
# the launcher is killed, saves still render, each forked from the child,
# and the error log says once per child that the launcher has ended.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;
use WriteKit::Test;

my $server = server_pid();

# Returns the pids of the processes whose parent is one of @parents.
# The children of the httpd children are their launchers: render
# workers are the launchers' children, and no save runs yet that could
# fork a render from an httpd child.
my @launchers = children_of(children_of($server));
plan skip_all => 'this MPM starts no render launcher (prefork)'
    unless @launchers;

my $mark = log_mark();
my $file = make_blog('studio-b.db', title => 'Launcher');
add_author($file, 'lee@example.test', 'launcher password');
my $client = api_client('studio-b.test');
is(api_sign_in($client, 'lee@example.test', 'launcher password')->code,
   200, 'author signs in');

is(kill('KILL', @launchers), scalar @launchers,
   'every launcher is killed (' . scalar(@launchers) . ')');

my $r = api_call($client, 'POST', 'posts', json => {
    title => 'After the launcher', source => "Some *emphasis*.\n",
    status => 'published' });
is($r->code, 201, 'a save after the launcher is gone succeeds')
    or diag($r->content);
my $slug = $r->{json}{slug} // '';
like(blog_get('studio-b.test', "/posts/$slug")->decoded_content,
     qr{<em>emphasis</em>}, 'its markdown was rendered');

my @lost = grep { /WK00301: the render launcher of this process has ended/ }
    log_errors_since($mark);
ok(@lost >= 1, 'the error log says the launcher has ended');

$r = api_call($client, 'POST', 'posts', json => {
    title => 'Again', source => "More *text*.\n" });
is($r->code, 201, 'a second save succeeds too');

no_unexpected_errors($mark, qr/WK00301:/);

# New children start new launchers, so later tests do not meet this one's
# state.
kill 'USR1', $server;
sleep 1;
for (1 .. 100) {
    last if blog_get('studio-b.test', '/')->code == 200;
    select undef, undef, undef, 0.1;
}
ok(children_of(children_of($server)) > 0, 'launchers run again after a '
   . 'graceful restart');

done_testing();
