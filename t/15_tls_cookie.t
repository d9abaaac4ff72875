# Over HTTPS the session cookie carries Secure.  (t/10_api_auth.t checks
# that it does not over plain HTTP, where the browser would drop it.)
use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use HTTP::Request;
use LWP::UserAgent;
use Test::More;
use WriteKit::Test;

my $mark = log_mark();
my $port = $ENV{WK_TEST_TLS_PORT} or plan skip_all => 'WK_TEST_TLS_PORT unset';
my $origin = "https://tls.test:$port";

my $file = make_blog('tls.db', title => 'Over TLS', base_url => $origin);
add_author($file, 'tia@example.test', 'a long tls password');

# The certificate is self-signed and made for this run alone.
my $ua = LWP::UserAgent->new(max_redirect => 0, timeout => 30,
    ssl_opts => { verify_hostname => 0, SSL_verify_mode => 0 });

sub tls_request {
    my ($method, $path, $body) = @_;
    my $request = HTTP::Request->new($method, "https://127.0.0.1:$port$path");
    $request->header(Host => "tls.test:$port");
    if (defined $body) {
        $request->header(Origin => $origin,
                         'Content-Type' => 'application/json');
        $request->content($body);
    }
    return $ua->request($request);
}

my $r = tls_request('GET', '/');
is($r->code, 200, 'blog served over HTTPS') or diag($r->status_line);
like($r->decoded_content, qr{<link rel="canonical" href="\Q$origin\E/">},
     'canonical link uses the https base URL');

$r = tls_request('POST', '/studio/api/session',
                 '{"email":"tia@example.test","password":"a long tls password"}');
is($r->code, 200, 'sign-in over HTTPS') or diag($r->content);
my $cookie = $r->header('Set-Cookie') // '';
like($cookie, qr/^wk_session=[^;]+/, 'session cookie set');
like($cookie, qr/;\s*Secure\b/i, 'cookie is Secure over HTTPS');
like($cookie, qr/;\s*HttpOnly\b/i, 'cookie is HttpOnly');
like($cookie, qr/;\s*SameSite=Strict\b/i, 'cookie is SameSite=Strict');

no_unexpected_errors($mark);
done_testing();
