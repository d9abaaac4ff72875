# The studio API's framework and sign-in: JSON errors for unknown paths
# and broken tenants, request bodies, sessions per tenant, the origin and
# CSRF checks, rate limits, and sign-in through Apache's own auth.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;
use WriteKit::Test;

my $mark = log_mark();

make_blog('studio-a.db', title => 'Studio A');
make_blog('studio-moved.db', title => 'Moved studio');

# Every answer of the API is JSON that no cache keeps.
my $client = api_client('studio-a.test');
my $r = api_call($client, 'GET', 'nothing-here');
is($r->code, 404, 'unknown group gets 404');
is($r->header('Content-Type'), 'application/json; charset=utf-8',
   '404 is JSON');
is($r->header('Cache-Control'), 'no-store', 'API answers are not cached');
is($r->{json}{error}{code}, 'not_found', 'error body has a code');
like($r->{json}{error}{message}, qr{/studio/api/nothing-here},
     'error message names the path');

# The reader's pages are untouched by the studio's mount point.
is(blog_get('studio-a.test', '/')->code, 200, 'reader index still served');
$r = blog_get('studio-a.test', '/studio/other');
is($r->code, 200, 'a studio path outside api/ is the app');
like($r->header('Content-Type'), qr{^text/html}, 'and gets HTML, not JSON');

# WriteKitStudio moves the API; the blog under /blog keeps its pages.
my $moved = api_client('studio-moved.test', studio => '/admin/');
$r = api_call($moved, 'GET', 'nothing-here');
is($r->code, 404, 'moved studio answers its API');
is($r->{json}{error}{code}, 'not_found', 'moved studio answers JSON');
is(blog_get('studio-moved.test', '/blog/')->code, 200,
   'blog under its mount point still served');
$r = api_call(api_client('studio-moved.test'), 'GET', 'session');
isnt(($r->header('Content-Type') // ''), 'application/json; charset=utf-8',
     'default studio path is not the API when moved');

# Tenant faults follow the reader's rules, with JSON bodies.
my $mass = api_client('nowhere.mass.example');
$r = api_call($mass, 'GET', 'session');
is($r->code, 404, 'mass hosting without a tenant file gets 404');
is($r->{json}{error}{code}, 'no_blog', 'missing tenant error is JSON');
$r = api_call(api_client(('b' x 64) . '.mass.example'), 'GET', 'session');
is($r->code, 400, 'invalid Host gets 400');
is($r->{json}{error}{code}, 'invalid_host', 'invalid Host error is JSON');

my $broken = tenant_dir() . '/broken.db';
unlink $broken, "$broken-wal", "$broken-shm";
open my $fh, '>', $broken or die "$broken: $!";
print $fh "not a database " x 300;
close $fh;
chmod 0666, $broken;
$r = api_call(api_client('broken.test'), 'GET', 'session');
is($r->code, 503, 'broken tenant gets 503');
is($r->{json}{error}{code}, 'blog_unavailable', '503 error is JSON');
ok($r->header('Retry-After'), '503 has Retry-After');

# Sign-in.
my $file_a = tenant_dir() . '/studio-a.db';
add_author($file_a, 'ann@example.test', 'correct horse battery');
my $file_b = make_blog('studio-b.db', title => 'Studio B');
add_author($file_b, 'ann@example.test', 'another long password');

$r = api_sign_in($client, 'ann@example.test', 'wrong password!');
is($r->code, 401, 'wrong password gets 401');
is($r->{json}{error}{code}, 'invalid_credentials', 'wrong password code');
ok(!defined $client->{cookie}, 'wrong password sets no cookie');
$r = api_sign_in($client, 'nobody@example.test', 'correct horse battery');
is($r->code, 401, 'unknown email gets 401');
is($r->{json}{error}{code}, 'invalid_credentials',
   'unknown email code same as wrong password');

$r = api_call($client, 'GET', 'session');
is($r->code, 401, 'no session before sign-in');
for my $group (qw(settings media export)) {
    $r = api_call($client, 'GET', $group);
    is($r->code, 401, "$group needs a session");
    is($r->{json}{error}{code}, 'unauthenticated', "$group 401 code");
}
is($r->{json}{error}{code}, 'unauthenticated', 'no session code');

$r = api_sign_in($client, 'ann@example.test', 'correct horse battery');
is($r->code, 200, 'sign-in succeeds') or diag($r->content);
is($r->{json}{user}{email}, 'ann@example.test', 'sign-in returns the user');
like($r->{json}{csrf_token} // '', qr/^\S{16,}$/, 'sign-in returns a CSRF token');
like($r->{json}{expires_at} // '', qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
     'expiry is RFC 3339 UTC');
is($r->{json}{limits}{max_post_size}, 1048576,
   'session names the default post size limit');
is($r->{json}{limits}{max_upload_size}, 10485760,
   'session names the default upload limit');
my $cookie = $r->header('Set-Cookie') // '';
like($cookie, qr/^wk_session=[^;]{20,};/, 'session cookie set');
like($cookie, qr/; Path=\/studio\/(;|$)/, 'cookie path is the studio');
like($cookie, qr/; HttpOnly/, 'cookie is HttpOnly');
like($cookie, qr/; SameSite=Strict/, 'cookie is SameSite=Strict');
unlike($cookie, qr/; Secure/, 'no Secure flag over plain HTTP');

$r = api_call($client, 'GET', 'session');
is($r->code, 200, 'session found by cookie');
is($r->{json}{user}{email}, 'ann@example.test', 'session names the user');

# A cookie of blog A opens nothing on blog B, though both have an
# author with the same email.
my $intruder = api_client('studio-b.test');
$intruder->{cookie} = $client->{cookie};
$r = api_call($intruder, 'GET', 'session');
is($r->code, 401, "another tenant's cookie gets 401");
is(api_call($intruder, 'GET', 'settings')->code, 401,
   "another tenant's cookie opens no settings");
is(api_call($client, 'GET', 'settings')->code, 200,
   'own cookie opens the settings');

# Each virtual host names its own limits.
my $author_b = api_client('studio-b.test');
$r = api_sign_in($author_b, 'ann@example.test', 'another long password');
is($r->{json}{limits}{max_post_size}, 65536,
   'session names the host post size limit');

# CSRF: changes need the blog's own Origin or the session's token.
my $other = api_client('studio-a.test');
api_sign_in($other, 'ann@example.test', 'correct horse battery');
$r = api_call($other, 'DELETE', 'session', origin => 'http://evil.test');
is($r->code, 403, 'foreign Origin gets 403');
is($r->{json}{error}{code}, 'csrf', 'foreign Origin code');
$r = api_call($other, 'DELETE', 'session',
              origin => 'http://studio-a.test:8080');
is($r->code, 403, 'Origin with another port gets 403');
$r = api_call($other, 'DELETE', 'session',
              origin => 'https://studio-a.test');
is($r->code, 403, 'Origin with another scheme gets 403');
$r = api_call($other, 'DELETE', 'session', origin => 'null');
is($r->code, 403, 'Origin null gets 403');
$r = api_call($other, 'DELETE', 'session', origin => undef);
is($r->code, 403, 'no Origin and no token gets 403');
$r = api_call($other, 'DELETE', 'session', origin => undef,
              headers => { 'X-CSRF-Token' => 'not-the-token' });
is($r->code, 403, 'wrong CSRF token gets 403');
is(api_call($other, 'GET', 'session')->code, 200,
   'rejected requests left the session alone');
$r = api_call($other, 'DELETE', 'session', origin => undef, csrf => 1);
is($r->code, 204, 'CSRF token without Origin signs out');
like($r->header('Set-Cookie') // '', qr/^wk_session=;.*Max-Age=0/,
     'sign-out clears the cookie');

# Sign-out revokes the session on the server, not only the cookie.
my $revoked = $client->{cookie};
$r = api_call($client, 'DELETE', 'session', origin => 'http://studio-a.test');
is($r->code, 204, 'sign-out with Origin');
$client->{cookie} = $revoked;
$r = api_call($client, 'GET', 'session');
is($r->code, 401, 'revoked session gets 401');

# A sign-in with a foreign Origin is rejected before the password is
# checked; one with no Origin (a client that is not a browser) is not.
$r = api_call(api_client('studio-a.test'), 'POST', 'session',
              origin => 'http://evil.test',
              json => { email => 'ann@example.test',
                        password => 'correct horse battery' });
is($r->code, 403, 'sign-in with foreign Origin gets 403');
$r = api_call(api_client('studio-a.test'), 'POST', 'session', origin => undef,
              json => { email => 'ann@example.test',
                        password => 'correct horse battery' });
is($r->code, 200, 'sign-in without Origin or session');

# Request bodies.
my $fresh = api_client('studio-a.test');
my @bad = (
    [ raw => '{"email": "a@b", ',            400, 'invalid_json', 'truncated JSON' ],
    [ raw => '{"email": "a@b"} trailing',    400, 'invalid_json', 'text after the object' ],
    [ raw => '["email"]',                    400, 'invalid_json', 'array body' ],
    [ raw => '"just a string"',              400, 'invalid_json', 'string body' ],
    [ raw => '',                             400, 'invalid_json', 'empty body' ],
    [ raw => "  \n",                          400, 'invalid_json', 'blank body' ],
    [ raw => "{\"email\": \"\xff\xfe\"}",    400, 'invalid_json', 'invalid UTF-8' ],
    [ raw => ('[' x 100) . (']' x 100),      400, 'invalid_json', 'deep nesting' ],
    [ raw => "{'email': 'a'}",               400, 'invalid_json', 'single quotes' ],
    [ json => { email => 'a@b', password => 'x', admin => JSON::PP::true },
      422, 'unknown_field', 'unknown field' ],
    [ json => { email => 42, password => 'x' }, 422, 'invalid_field', 'number for a string' ],
    [ json => { email => 'a@b' },            422, 'invalid_field', 'missing password' ],
);
for my $case (@bad) {
    my ($kind, $body, $code, $error, $name) = @$case;
    $r = api_call($fresh, 'POST', 'session', $kind => $body);
    is($r->code, $code, "$name gets $code");
    is($r->{json}{error}{code}, $error, "$name error code");
}
$r = api_call($fresh, 'POST', 'session', raw => '');
like($r->{json}{error}{message}, qr/body is empty/, 'empty body message');
$r = api_call($fresh, 'POST', 'session', json => { email => 7, password => 'x' });
is($r->{json}{field}, 'email', 'invalid_field names the field');
$r = api_call($fresh, 'POST', 'session', raw => '{}', type => 'text/plain');
is($r->code, 415, 'body that is not application/json gets 415');
$r = api_call($fresh, 'POST', 'session', raw => '{"email":"a","password":"b"}',
              type => 'application/json; charset=utf-8');
is($r->code, 401, 'Content-Type with a charset is accepted');

# A body over the limit is rejected from its Content-Length, before the
# server reads it: the answer comes while the client has sent 64 KB of
# 10 MB, and the connection closes after it.
sub oversized_request {
    my ($head, $chunk) = @_;
    my $socket = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                       PeerPort => server_port(),
                                       Timeout => 10) or die "connect: $!";
    my $start = time;
    print $socket $head;
    print $socket $chunk;
    my $response = '';
    local $SIG{ALRM} = sub { die "no answer\n" };
    alarm 10;
    eval { while (sysread($socket, my $buf, 65536)) { $response .= $buf } };
    alarm 0;
    return ($response, time - $start, $@);
}
use IO::Socket::INET;
use Time::HiRes qw(time);
my $body = '{"email":"' . ('a' x 65000);
my ($response, $took, $failed) = oversized_request(
    "POST /studio/api/session HTTP/1.1\r\nHost: studio-a.test\r\n"
    . "Content-Type: application/json\r\nContent-Length: 10485760\r\n\r\n",
    $body);
is($failed, '', '10 MB body: connection closes after the answer');
like($response, qr{^HTTP/1\.1 413 }, '10 MB body gets 413');
like($response, qr/"code":"body_too_large"/, '413 body is the JSON error');
like($response, qr/^Connection: close\r$/mi, '413 closes the connection');
ok($took < 5, '413 comes before the body is sent') or diag("took $took s");

# A chunked body has no length up front; reading stops once it passes
# the limit, though the client never ends it.
($response, $took, $failed) = oversized_request(
    "POST /studio/api/session HTTP/1.1\r\nHost: studio-a.test\r\n"
    . "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
    sprintf("%x\r\n%s\r\n", length $body, $body));
is($failed, '', 'unfinished chunked body: connection closes');
like($response, qr{^HTTP/1\.1 413 }, 'chunked body over the limit gets 413');

# Sessions end after WriteKitSessionLifetime (2 seconds on this host).
my $file_short = make_blog('studio-short.db', title => 'Short sessions');
add_author($file_short, 'ann@example.test', 'correct horse battery');
my $short = api_client('studio-short.test');
$r = api_sign_in($short, 'ann@example.test', 'correct horse battery');
is($r->code, 200, 'sign-in on the short-session blog');
like($r->header('Set-Cookie') // '', qr/Max-Age=2(;|$)/,
     'cookie lasts the session lifetime');
is(api_call($short, 'GET', 'session')->code, 200, 'fresh session works');
sleep 3;
is(api_call($short, 'GET', 'session')->code, 401, 'expired session gets 401');

# Five failures for one account from one address lock that pair out,
# even for the right password, with Retry-After.  Other accounts from
# the same address go on, so one author's typos behind a shared proxy
# lock out no one else.
my $locked = api_client('studio-b.test');
for my $i (1 .. 5) {
    $r = api_sign_in($locked, 'ann@example.test', "wrong password $i");
    is($r->code, 401, "failure $i gets 401");
}
$r = api_sign_in($locked, 'ann@example.test', 'another long password');
is($r->code, 429, 'sixth attempt gets 429');
is($r->{json}{error}{code}, 'too_many_attempts', '429 code');
like($r->header('Retry-After') // '', qr/^[1-9]\d*$/, '429 has Retry-After');
$r = api_sign_in($locked, 'other@example.test', 'another long password');
is($r->code, 401, 'other account from the address is still checked');

# Twenty failures from one address, over any accounts, lock the address.
for my $i (2 .. 15) {
    $r = api_sign_in($locked, "guess$i\@example.test", 'a guess');
    is($r->code, 401, "address failure $i gets 401");
}
$r = api_sign_in($locked, 'guess16@example.test', 'a guess');
is($r->code, 429, 'twenty-first failure from the address gets 429');
$r = api_sign_in($locked, 'another@example.test', 'a guess');
is($r->code, 429, 'address is then locked for every account');

# A second session cookie of the same name (a sibling host can set one
# on a parent domain) does not hide the live one.
{
    my $twin = api_client('studio-a.test');
    api_sign_in($twin, 'ann@example.test', 'correct horse battery');
    my $good = $twin->{cookie};
    for my $header ("wk_session=$good; wk_session=bogus",
                    "wk_session=bogus; wk_session=$good") {
        my $r2 = api_call($twin, 'GET', 'session',
                          headers => { Cookie => $header });
        is($r2->code, 200, "live session found in '"
           . ($header =~ /^wk_session=bogus/ ? 'bogus first' : 'live first')
           . "' cookies");
    }

    # Overlong UTF-8 and encoded surrogates pass json-c's own check.
    for my $bytes ("over\xc0\xaflong", "sur\xed\xa0\x80rogate") {
        my $r2 = api_call($twin, 'POST', 'posts', raw => qq({"title":"$bytes"}),
                          type => 'application/json');
        is($r2->code, 400, 'invalid UTF-8 in a body gets 400');
        is($r2->{json}{error}{code}, 'invalid_json',
           'invalid UTF-8 is invalid_json');
    }
}

# WriteKitStudioAuth apache: Apache's Basic auth signs the author in.
my $file_apache = make_blog('studio-apache.db', title => 'Apache auth');
add_author($file_apache, 'ann@example.test', 'unused password');
my $htpasswd = "$ENV{WK_TEST_ROOT}/htpasswd";
for my $user ('ann@example.test', 'bob@example.test', 'Ann@Example.Test') {
    my $create = -e $htpasswd ? '' : 'c';
    system("htpasswd -${create}bB '$htpasswd' '$user' 'basic secret' 2>/dev/null") == 0
        or die "htpasswd failed for $user";
}
chmod 0644, $htpasswd;
use MIME::Base64 qw(encode_base64);
sub basic { 'Basic ' . encode_base64("$_[0]:basic secret", '') }
my $apache = api_client('studio-apache.test');
$r = api_call($apache, 'GET', 'session');
is($r->code, 401, 'apache mode without credentials gets 401');
$r = api_call($apache, 'GET', 'session',
              headers => { Authorization => basic('ann@example.test') });
is($r->code, 200, 'Basic auth user with an author is signed in');
is($r->{json}{user}{email}, 'ann@example.test', 'apache mode names the author');
$r = api_call($apache, 'GET', 'session',
              headers => { Authorization => basic('bob@example.test') });
is($r->code, 403, 'Basic auth user without an author gets 403');
is($r->{json}{error}{code}, 'no_author', 'no author code');
# htpasswd keeps user names as typed: Ann@Example.Test is another account
# there and must not act as ann@example.test.
$r = api_call($apache, 'GET', 'session',
              headers => { Authorization => basic('Ann@Example.Test') });
is($r->code, 403, 'Apache user differing only in case is no author');
$r = api_call($apache, 'POST', 'session',
              headers => { Authorization => basic('ann@example.test') },
              json => { email => 'ann@example.test',
                        password => 'unused password' });
is($r->code, 404, 'no built-in sign-in in apache mode');
is($r->{json}{error}{code}, 'builtin_auth_disabled', 'apache mode code');

# The studio's directives are checked by configtest.
my ($rc, $out) = configtest("WriteKitStudio /admin\nWriteKitStudioAuth apache\n"
                            . "WriteKitMaxPostSize 2048\nWriteKitMaxUploadSize 4096\n"
                            . "WriteKitSessionLifetime 60\n");
is($rc, 0, 'valid studio directives pass configtest') or diag($out);
my @cases = (
    [ 'WriteKitStudio admin', qr/WriteKitStudio: invalid path 'admin'/ ],
    [ 'WriteKitStudio /',     qr/WriteKitStudio: invalid path '\/'/ ],
    [ 'WriteKitStudioAuth ldap', qr/WriteKitStudioAuth: invalid value 'ldap'; expected builtin or apache/ ],
    [ 'WriteKitMaxPostSize 1MB', qr/WriteKitMaxPostSize: invalid value '1MB'/ ],
    [ 'WriteKitMaxUploadSize 0', qr/WriteKitMaxUploadSize: invalid value '0'/ ],
    [ 'WriteKitSessionLifetime -1', qr/WriteKitSessionLifetime: invalid value '-1'/ ],
);
for my $case (@cases) {
    my ($line, $expected) = @$case;
    ($rc, $out) = configtest($line);
    isnt($rc, 0, "configtest rejects $line");
    like($out, $expected, "message names $line") or diag($out);
}

# A tenant file the server cannot write: sign-in fails with 503, and the
# log says why and what to do, not SQLite's "not an error".
my $ro_file = make_blog('mass/readonly.mass.example.db', title => 'Read-only');
add_author($ro_file, 'ann@example.test', 'correct horse battery');
chmod 0444, $ro_file or die "chmod: $!";
my $ro_mark = log_mark();
$r = api_sign_in(api_client('readonly.mass.example'), 'ann@example.test',
                 'correct horse battery');
is($r->code, 503, 'sign-in on a read-only tenant is 503');
is($r->{json}{error}{code}, 'database_error', 'read-only error code');
my @read_only = grep { /WK00004: tenant \Q$ro_file\E: sign-in failed/ }
    log_errors_since($ro_mark);
like($read_only[0] // '', qr/read-only for this process.*writable by the user the server runs as/,
     'log says the file is read-only and what to do');
is(blog_get('readonly.mass.example', '/')->code, 200,
   'readers still served from a read-only tenant');

no_unexpected_errors($mark, qr/WK00002: tenant .*broken\.db unavailable/,
                     qr/AH01618|AH01617/, qr/WK00004: tenant .*readonly/);

done_testing();
