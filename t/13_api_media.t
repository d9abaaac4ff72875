# The studio's media endpoints against the running server: uploads whose
# type comes from the bytes, the size limit (declared, chunked and
# multipart), SVG served with a script-blocking policy, names that try
# to be paths, the library's list and delete, and how readers get the
# stored image back.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use IO::Socket::INET;
use Test::More;
use WriteKit::Test;

my $mark = log_mark();

# The default WriteKitMaxUploadSize (10 MiB); studio-a.test sets none.
my $limit = 10 * 1024 * 1024;

my $file = make_blog('studio-a.db', title => 'Studio A');
add_author($file, 'ann@example.test', 'correct horse battery');
my $client = api_client('studio-a.test');
is(api_sign_in($client, 'ann@example.test', 'correct horse battery')->code,
   200, 'author signs in');

# A 1x1 grey PNG (67 bytes).
my $png = pack 'H*', '89504e470d0a1a0a0000000d49484452000000010000000108'
    . '000000003a7e9b550000000a49444154789c63600000000200014'
    . '8afa4710000000049454e44ae426082';
my $svg = '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1">'
    . '<script>alert(document.cookie)</script></svg>';
my $php = "<?php system(\$_GET['c']); ?>\n";
my $zip = "PK\x03\x04\x14\x00\x00\x00\x08\x00" . ("\x00" x 16)
    . "evil.php";

# Options for api_call: a multipart/form-data body with a field named
# file, preceded by a text field when field names one.
sub form {
    my ($name, $bytes, %opt) = @_;
    my $boundary = '----wkTestBoundary7MA4YWxk';
    my $type = $opt{type} // 'application/octet-stream';
    my $body = '';
    if ($opt{field}) {
        $body .= "--$boundary\r\n"
            . "Content-Disposition: form-data; name=\"$opt{field}\"\r\n"
            . "\r\nignored text\r\n";
    }
    $body .= "--$boundary\r\n"
        . "Content-Disposition: form-data; name=\"file\"; "
        . "filename=\"$name\"\r\n"
        . "Content-Type: $type\r\n\r\n"
        . $bytes . "\r\n--$boundary--\r\n";
    return (raw => $body,
            type => "multipart/form-data; boundary=$boundary");
}

sub upload { api_call($client, 'POST', 'media', @_) }

sub media_count {
    my $r = api_call($client, 'GET', 'media?per_page=100');
    return $r->code == 200 ? $r->{json}{total} : -1;
}

# Signed out and cross-site requests are turned away by the framework.
my $stranger = api_client('studio-a.test');
is(api_call($stranger, 'GET', 'media')->code, 401, 'list needs a session');
is(api_call($stranger, 'POST', 'media', form('a.png', $png))->code, 401,
   'upload needs a session');
is(upload(form('a.png', $png), origin => 'http://evil.test')->code, 403,
   'upload from another origin gets 403');
is(media_count(), 0, 'rejected uploads stored nothing');

# A real PNG, as a browser's form sends it.
my $r = upload(form('dot.png', $png, type => 'image/png', field => 'alt'));
is($r->code, 201, 'PNG upload gets 201') or diag($r->content);
my $stored = $r->{json} // {};
like($stored->{path} // '', qr{^uploads/[0-9a-f]{16}\.png$},
     'stored under its hash, not its name');
is($stored->{url}, "/media/$stored->{path}", 'url is the reader URL');
is($stored->{content_type}, 'image/png', 'type from the bytes');
is($stored->{size}, length $png, 'size in bytes');
is($stored->{markdown}, "![]($stored->{url})", 'markdown to paste');

$r = blog_get('studio-a.test', $stored->{url});
is($r->code, 200, 'reader gets the PNG');
is($r->header('Content-Type'), 'image/png', 'served as image/png');
is($r->content, $png, 'same bytes served');
is($r->header('X-Content-Type-Options'), 'nosniff', 'PNG served nosniff');
is($r->header('Cache-Control'), 'public, max-age=31536000, immutable',
   'uploaded PNG cached for a year: its path is its hash');
my $etag = $r->header('ETag');
ok(defined $etag && length $etag > 2, 'PNG has an ETag');
is(blog_get('studio-a.test', $stored->{url},
            'If-None-Match' => $etag)->code, 304,
   'conditional request gets 304');

# The same bytes again land on the same path.
$r = upload(form('copy.png', $png));
is($r->code, 201, 'second upload of the same bytes');
is($r->{json}{path}, $stored->{path}, 'same bytes, same path');

# A raw body: the Content-Type is ignored, the bytes decide.
$r = upload(raw => $png, type => 'text/html');
is($r->code, 201, 'raw PNG body labelled text/html gets 201');
is($r->{json}{content_type}, 'image/png', 'raw body typed from its bytes');

# Files that pretend to be images.
my $before = media_count();
$r = upload(form('shell.png', $php, type => 'image/png'));
is($r->code, 415, 'PHP named .png gets 415');
is($r->{json}{error}{code}, 'unsupported_media_type', 'PHP error code');
$r = upload(form('photo.jpg', $zip, type => 'image/jpeg'));
is($r->code, 415, 'zip named .jpg gets 415');
$r = upload(raw => $php, type => 'image/png');
is($r->code, 415, 'raw PHP body labelled image/png gets 415');
$r = upload(form('truncated.png', substr($png, 0, 20)));
is($r->code, 415, 'truncated PNG header gets 415');
$r = upload(form('empty.png', ''));
is($r->code, 422, 'empty file gets 422');
is($r->{json}{error}{code}, 'empty_file', 'empty file error code');
$r = upload(raw => '', type => 'image/png');
is($r->code, 422, 'empty raw body gets 422');
is(media_count(), $before, 'none of them stored');

# File names are never paths.
$r = upload(form('../../../etc/passwd.png', $svg));
is($r->code, 201, 'name with ../ is accepted as a name only');
like($r->{json}{path} // '', qr{^uploads/[0-9a-f]{16}\.svg$},
     'name with ../ does not reach the path');
my $svg_url = $r->{json}{url};
$r = upload(form("evil\x00.png", $png));
is($r->code, 400, 'NUL in the file name gets 400');
is($r->{json}{error}{code}, 'invalid_multipart', 'NUL error code');
$r = upload(raw => "--x\r\nContent-Disposition: form-data; name=\"file\""
                   . "\r\n\r\nabc", type => 'multipart/form-data; boundary=x');
is($r->code, 400, 'multipart without closing boundary gets 400');
$r = upload(raw => $png, type => 'multipart/form-data');
is($r->code, 400, 'multipart without boundary gets 400');
$r = upload(raw => "--b\r\nContent-Disposition: form-data; name=\"other\""
                   . "\r\n\r\n$png\r\n--b--\r\n",
            type => 'multipart/form-data; boundary=b');
is($r->code, 422, 'multipart without a file field gets 422');
is($r->{json}{error}{code}, 'missing_file', 'missing file error code');

# SVG with a script is stored, and served so the script never runs.
$r = blog_get('studio-a.test', $svg_url);
is($r->code, 200, 'reader gets the SVG');
is($r->header('Content-Type'), 'image/svg+xml', 'SVG served as image/svg+xml');
unlike($r->header('Content-Type'), qr/html/, 'SVG never served as HTML');
is($r->header('X-Content-Type-Options'), 'nosniff', 'SVG served nosniff');
my $csp = $r->header('Content-Security-Policy') // '';
like($csp, qr/default-src 'none'/, 'SVG policy allows no script source');
like($csp, qr/\bsandbox\b/, 'SVG policy sandboxes the document');

# The size limit.  A declared length over it gets 413 before the body is
# read: the server answers with only the headers sent.
sub raw_upload_headers {
    my (%h) = @_;
    my $headers = "POST /studio/api/media HTTP/1.1\r\n"
        . "Host: studio-a.test\r\n"
        . "Origin: http://studio-a.test\r\n"
        . "Cookie: wk_session=$client->{cookie}\r\n"
        . "Content-Type: image/png\r\n"
        . "Connection: close\r\n";
    $headers .= "$_: $h{$_}\r\n" for sort keys %h;
    return "$headers\r\n";
}

sub read_response {
    my ($socket) = @_;
    my $response = '';
    local $SIG{ALRM} = sub { die "timed out\n" };
    alarm 20;
    eval {
        while (my $n = sysread $socket, my $buf, 65536) {
            $response .= $buf;
        }
    };
    alarm 0;
    return $response;
}

$before = media_count();
{
    my $socket = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                       PeerPort => server_port(),
                                       Timeout => 10) or die "connect: $!";
    print $socket raw_upload_headers('Content-Length' => $limit + 1);
    print $socket $png;
    my $response = read_response($socket);
    like($response, qr{^HTTP/1\.1 413 }, 'declared length over the limit '
         . 'gets 413 with the body unsent');
    like($response, qr/"code":\s*"too_large"/, 'too_large error code');
    like($response, qr/\Q$limit\E/, 'message names the limit');
}

# A chunked body that passes the limit: reading stops there.
{
    my $socket = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                       PeerPort => server_port(),
                                       Timeout => 10) or die "connect: $!";
    print $socket raw_upload_headers('Transfer-Encoding' => 'chunked');
    my $chunk = $png . ("\x00" x (1024 * 1024 - length $png));
    my $sent = 0;
    local $SIG{PIPE} = 'IGNORE';
    while ($sent <= $limit) {
        last unless print $socket sprintf("%x\r\n", length $chunk), $chunk,
            "\r\n";
        $sent += length $chunk;
    }
    print $socket "0\r\n\r\n";
    my $response = read_response($socket);
    like($response, qr{^HTTP/1\.1 413 }, 'chunked body over the limit '
         . 'gets 413');
}

# Multipart whose file passes the limit by one byte.
my $big = $png . ("\x00" x ($limit + 1 - length $png));
$r = upload(form('big.png', $big));
is($r->code, 413, 'multipart file one byte over the limit gets 413');
is($r->{json}{error}{code}, 'too_large', 'multipart too_large code');
is(media_count(), $before, 'nothing over the limit stored');

# Exactly at the limit is accepted, raw and as a form.
my $at_limit = substr($big, 0, $limit);
$r = upload(raw => $at_limit, type => 'image/png');
is($r->code, 201, 'raw upload of exactly the limit gets 201');
is($r->{json}{size}, $limit, 'all of it stored');
$r = upload(form('limit.png', $at_limit));
is($r->code, 201, 'form upload of exactly the limit gets 201');

# The library: newest first, paginated.
$r = api_call($client, 'GET', 'media');
is($r->code, 200, 'list media');
my $total = $r->{json}{total};
is($total, $before + 1, 'total counts every stored image');
my @items = @{ $r->{json}{media} // [] };
is(scalar @items, $total, 'all listed on the first page');
my ($listed) = grep { $_->{path} eq $stored->{path} } @items;
ok($listed, 'uploaded PNG is listed');
is($listed->{content_type}, 'image/png', 'listed with its type');
is($listed->{size}, length $png, 'listed with its size');
like($listed->{created_at} // '', qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
     'listed with its time');
is($items[0]{size}, $limit, 'newest first');

$r = api_call($client, 'GET', 'media?per_page=1&page=2');
is($r->code, 200, 'second page of one');
is(scalar @{ $r->{json}{media} }, 1, 'one item on it');
is($r->{json}{media}[0]{path}, $items[1]{path}, 'the second newest');
is(api_call($client, 'GET', 'media?page=0')->code, 400, 'page 0 gets 400');
is(api_call($client, 'GET', 'media?per_page=101')->code, 400,
   'per_page over 100 gets 400');
is(api_call($client, 'PUT', 'media')->code, 405, 'PUT media gets 405');

# Delete.
$r = api_call($client, 'DELETE', "media/$stored->{path}");
is($r->code, 204, 'delete gets 204');
is(blog_get('studio-a.test', $stored->{url})->code, 404,
   'deleted image is gone for readers');
$r = api_call($client, 'DELETE', "media/$stored->{path}");
is($r->code, 404, 'deleting it again gets 404');
is($r->{json}{error}{code}, 'not_found', 'not_found code');
is(api_call($client, 'DELETE', "media/$stored->{path}",
            origin => 'http://evil.test')->code, 403,
   'delete from another origin gets 403');
is(api_call($client, 'GET', "media/$stored->{path}")->code, 405,
   'GET of one media item gets 405');

no_unexpected_errors($mark);

done_testing();
