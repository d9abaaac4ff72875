# Mass hosting picks the tenant from the Host header and rejects hosts
# that are no host names.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;
use WriteKit::Test;

my $mark = log_mark();
my $dir = tenant_dir() . '/mass';

make_blog('mass/one.mass.example.db', title => 'Blog One', posts => {
    'one.md' => "+++\ntitle = \"First of one\"\ndate = 2024-02-01\n+++\nOne.\n",
});
make_blog('mass/two.mass.example.db', title => 'Blog Two', posts => {
    'two.md' => "+++\ntitle = \"First of two\"\ndate = 2024-02-02\n+++\nTwo.\n",
});
make_blog('mass/mass.example.db', title => 'Main Blog');

my $r = blog_get('one.mass.example', '/');
is($r->code, 200, 'known host 200');
like($r->decoded_content, qr/Blog One/, 'tenant picked by host');
unlike($r->decoded_content, qr/First of two/, 'other tenant not shown');

like(blog_get('TWO.Mass.Example.', '/')->decoded_content, qr/Blog Two/,
     'host is lowercased and its trailing dot dropped');
like(blog_get('two.mass.example:' . server_port(), '/')->decoded_content,
     qr/Blog Two/, 'port is dropped');
like(blog_get('alias.mass.example', '/')->decoded_content, qr/Main Blog/,
     'exact ServerAlias reaches the ServerName tenant');

my @before = glob "$dir/*";
$r = blog_get('nobody.mass.example', '/');
is($r->code, 404, 'unknown host 404');
is(blog_get('nobody.mass.example', '/posts/one')->code, 404,
   'unknown host post 404');
my @after = glob "$dir/*";
is(scalar @after, scalar @before, 'unknown host creates no file');
ok(!-e "$dir/nobody.mass.example.db", 'no tenant file for unknown host');

# Hosts that are no host names, sent raw so no client cleans them up.
my $long = join('.', ('a' x 60) x 4) . '.mass.example';
my %hostile = (
    'dot dot'         => 'x..mass.example',
    'slash'           => 'a/b.mass.example',
    'backslash'       => 'a\\b.mass.example',
    'space'           => 'a b.mass.example',
    'over 253 bytes'  => $long,
    'label over 63'   => ('b' x 64) . '.mass.example',
    'traversal'       => '../../etc/passwd',
);
for my $case (sort keys %hostile) {
    my ($code) = raw_request("GET / HTTP/1.1\r\nHost: $hostile{$case}\r\n"
                             . "Connection: close\r\n\r\n");
    is($code, 400, "hostile Host ($case) gets 400");
}
my ($code) = raw_request("GET / HTTP/1.1\r\nHost: a\0b.mass.example\r\n"
                         . "Connection: close\r\n\r\n");
is($code, 400, 'Host with NUL gets 400');

@after = glob "$dir/*";
is(scalar @after, scalar @before, 'hostile hosts create no file');

# httpd itself logs malformed Host headers at info level, not as errors.
no_unexpected_errors($mark);
done_testing();
