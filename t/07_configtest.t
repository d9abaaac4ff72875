# Mistakes in httpd.conf fail `httpd -t` with the directive and the value
# in the message.
use strict;
use warnings;

use File::Temp qw(tempdir);
use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test ();
use Test::More;
use WriteKit::Test;

my $dir = tempdir(CLEANUP => 1);
mkdir "$dir/tenants";
mkdir "$dir/badtheme";
for my $name (qw(layout index post tag error feed)) {
    open my $fh, '>', "$dir/badtheme/$name.mustache" or die $!;
    print $fh $name eq 'post' ? "line one\n{{#post}}never closed\n" : "ok\n";
    close $fh;
}

my ($rc, $out) = configtest(<<CONF, $dir);
WriteKitTenantDir $dir/tenants
<VirtualHost 127.0.0.1:1>
    ServerName blog.test
    WriteKit on
    WriteKitTenant blog.db
</VirtualHost>
CONF
is($rc, 0, 'valid config passes') or diag($out);

# 0 turns the page cache off.
for my $size (0, 2047) {
    ($rc, $out) = configtest("WriteKitPageCacheSize $size\n", $dir);
    is($rc, 0, "page cache of $size MB passes") or diag($out);
}

# The page directory is made at start-up, which httpd -t does not run.
($rc, $out) = configtest("WriteKitPageDir pages\n", $dir);
is($rc, 0, 'page dir not made yet passes') or diag($out);
ok(!-e "$dir/pages", 'httpd -t makes no page dir');

my @cases = (
    [ 'WriteKitMaxTenants abc', qr/WriteKitMaxTenants: invalid value 'abc'/,
      'non-number' ],
    [ 'WriteKitMaxTenants 10x', qr/WriteKitMaxTenants: invalid value '10x'/,
      'trailing junk' ],
    [ 'WriteKitMaxTenants 0', qr/WriteKitMaxTenants: invalid value '0'/,
      'zero tenants' ],
    [ 'WriteKitIdleTimeout -5', qr/WriteKitIdleTimeout: invalid value '-5'/,
      'negative timeout' ],
    [ 'WriteKitPageCacheSize 64MB',
      qr/WriteKitPageCacheSize: invalid value '64MB'; expected a whole number from 0 to 2047/,
      'page cache size with a unit' ],
    [ 'WriteKitPageCacheSize 2048',
      qr/WriteKitPageCacheSize: invalid value '2048'/, 'page cache over 2 GB' ],
    [ "<VirtualHost 127.0.0.1:1>\nServerName a.test\nWriteKitPageCacheSize 8\n</VirtualHost>",
      qr/WriteKitPageCacheSize cannot occur within <VirtualHost> section/,
      'page cache size inside a virtual host' ],
    [ "<VirtualHost 127.0.0.1:1>\nServerName a.test\nWriteKitPageDir pages\n</VirtualHost>",
      qr/WriteKitPageDir cannot occur within <VirtualHost> section/,
      'page dir inside a virtual host' ],
    [ "WriteKitTenantDir $dir/nope", qr/WriteKitTenantDir: '\Q$dir\E\/nope' is not a directory/,
      'missing tenant dir' ],
    [ "WriteKitTheme $dir/nope", qr/WriteKitTheme: '\Q$dir\E\/nope' is not a directory/,
      'missing theme dir' ],
    [ "WriteKitMount blog", qr/WriteKitMount: invalid path 'blog'/,
      'mount without slash' ],
    [ "WriteKitMount /a/../b", qr/WriteKitMount: invalid path/,
      'mount with dot segment' ],
    [ "WriteKit maybe", qr/WriteKit must be On or Off/, 'WriteKit not a flag' ],
    [ "<VirtualHost 127.0.0.1:1>\nServerName a.test\nWriteKit on\n</VirtualHost>",
      qr/WriteKit on at .*\(a\.test\) needs WriteKitTenant FILE or WriteKitMassHosting on/,
      'WriteKit on without a tenant' ],
    [ "WriteKitTenantDir $dir/tenants\n<VirtualHost 127.0.0.1:1>\nServerName a.test\n"
      . "WriteKit on\nWriteKitTenant a.db\nWriteKitMassHosting on\n</VirtualHost>",
      qr/set either WriteKitTenant or WriteKitMassHosting, not both/,
      'tenant and mass hosting both' ],
    [ "<VirtualHost 127.0.0.1:1>\nServerName a.test\nWriteKit on\n"
      . "WriteKitMassHosting on\n</VirtualHost>",
      qr/WriteKitMassHosting on at .* needs WriteKitTenantDir/,
      'mass hosting without a directory' ],
    [ "<VirtualHost 127.0.0.1:1>\nServerName a.test\nWriteKitMaxTenants 5\n</VirtualHost>",
      qr/WriteKitMaxTenants cannot occur within <VirtualHost> section/,
      'process bound inside a virtual host' ],
    [ "WriteKitTenantDir $dir/tenants\n<VirtualHost 127.0.0.1:1>\nServerName a.test\n"
      . "WriteKit on\nWriteKitTenant a.db\nWriteKitTheme $dir/badtheme\n</VirtualHost>",
      qr/WriteKitTheme: .*post\.mustache:2: .*post/,
      'theme with a syntax error names file and line' ],
);
for my $case (@cases) {
    my ($body, $expected, $name) = @$case;
    ($rc, $out) = configtest($body, $dir);
    isnt($rc, 0, "$name fails configtest");
    like($out, $expected, "$name message") or diag($out);
}

done_testing();
