# Concurrent writers on one tenant: of two saves on one revision exactly
# one wins, and 50 clients writing and reading at once never see the
# database locked.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use File::Temp qw(tempfile);
use Test::More;
use Time::HiRes qw(time sleep);
use WriteKit::Test;

my $mark = log_mark();

my $file = make_blog('studio-a.db', title => 'Busy blog');
add_author($file, 'ann@example.test', 'correct horse battery');
my $client = api_client('studio-a.test');
is(api_sign_in($client, 'ann@example.test', 'correct horse battery')->code,
   200, 'signed in');

# Runs code in count child processes that start together; each returns
# a list of HTTP statuses, and the parent gets them all.  Every child
# stops after 120 seconds at the latest.
sub in_parallel {
    my ($count, $code) = @_;
    my $start = time + 1;
    my @pipes;
    for my $n (1 .. $count) {
        pipe(my $reader, my $writer) or die "pipe: $!";
        my $pid = fork // die "fork: $!";
        if ($pid == 0) {
            close $reader;
            alarm 120;
            sleep($start - time) if $start > time;
            my @statuses = eval { $code->($n) };
            push @statuses, 'died' if $@;
            print $writer join(' ', @statuses), "\n";
            close $writer;
            POSIX::_exit(0);
        }
        close $writer;
        push @pipes, [ $pid, $reader ];
    }
    my @all;
    for my $child (@pipes) {
        my ($pid, $reader) = @$child;
        my $line = <$reader> // '';
        chomp $line;
        push @all, split / /, $line;
        waitpid $pid, 0;
    }
    return @all;
}
use POSIX ();

# Two saves on the same revision, five times over.
my $r = api_call($client, 'POST', 'posts',
                 json => { title => 'Contested', source => 'v1' });
is($r->code, 201, 'post to contend for');
my $id = $r->{json}{id};
for my $round (1 .. 5) {
    my $base = api_call($client, 'GET', "posts/$id")->{json}{revision};
    my @statuses = in_parallel(2, sub {
        my ($n) = @_;
        my $res = api_call($client, 'PUT', "posts/$id",
                           json => { source => "round $round writer $n" },
                           headers => { 'If-Match' => "\"rev-$base\"" });
        return $res->code;
    });
    is(scalar(grep { $_ == 200 } @statuses), 1,
       "round $round: one save wins") or diag("@statuses");
    is(scalar(grep { $_ == 412 } @statuses), 1,
       "round $round: the other gets 412") or diag("@statuses");
    is(api_call($client, 'GET', "posts/$id")->{json}{revision}, $base + 1,
       "round $round: one new revision");
}

# 50 clients, 20 requests each: half create and update their own post,
# half read the studio's list and the blog's pages.
my $started = time;
my @statuses = in_parallel(50, sub {
    my ($n) = @_;
    my @codes;
    if ($n % 2) {
        my $res = api_call($client, 'POST', 'posts', json => {
            title => "Writer $n", status => 'published', source => "n $n" });
        push @codes, $res->code;
        my $post = $res->{json} // {};
        for my $i (2 .. 20) {
            $res = api_call($client, 'PATCH', "posts/$post->{id}",
                            json => { revision => $post->{revision} // 1,
                                      source => "writer $n save $i" });
            push @codes, $res->code;
            $post = $res->{json} if $res->code == 200;
        }
    }
    else {
        for my $i (1 .. 20) {
            my $res = $i % 2 ? api_call($client, 'GET', 'posts?per_page=5')
                             : blog_get('studio-a.test', '/');
            push @codes, $res->code;
        }
    }
    return @codes;
});
my %count;
$count{$_}++ for @statuses;
is(scalar @statuses, 1000, '1000 requests answered')
    or diag(join ', ', map { "$_: $count{$_}" } sort keys %count);
is(scalar(grep { !/^20[01]$/ } @statuses), 0, 'every request succeeded')
    or diag(join ', ', map { "$_: $count{$_}" } sort keys %count);
note(sprintf '1000 requests in %.1f s', time - $started);
is(api_call($client, 'GET', 'posts?status=published')->{json}{total}, 25,
   'all 25 writers saved their post');

my @locked = grep { /locked|busy/i } log_errors_since($mark);
is(scalar @locked, 0, 'no database-locked errors in the log')
    or diag(@locked);
no_unexpected_errors($mark);
done_testing();
