package WriteKit::Test;

# Helpers the httpd tests share: making tenant files with the writekit
# CLI, talking to one blog by its Host header, and checking the error log.

use strict;
use warnings;

use Exporter 'import';
use File::Path qw(make_path);
use File::Temp qw(tempdir);
use FindBin;
use IO::Socket::INET;
use IPC::Open3;
use JSON::PP ();
use LWP::UserAgent;
use Symbol 'gensym';
use Test::More;

use Apache::Test ();
use Apache::TestConfig ();

our @EXPORT = qw(writekit make_blog write_posts blog_get raw_request
                 log_mark log_errors_since no_unexpected_errors
                 tenant_dir server_port server_pid children_of
                 add_author api_client api_call api_sign_in configtest);

my $top = "$FindBin::Bin/..";

sub tenant_dir {
    return "$ENV{WK_TEST_ROOT}/tenants" if $ENV{WK_TEST_ROOT};
    die "WK_TEST_ROOT is not set; run the tests through t/run-httpd-tests\n";
}

# Lets the server's children, which may run as another user, write the
# tenant files and the WAL files SQLite keeps beside them.
sub share_tenant_files {
    my @files = grep { -f } glob(tenant_dir() . '/*'), glob(tenant_dir() . '/*/*');
    chmod 0666, @files;
}

sub server_port { Apache::Test::vars('port') }

# The pid of the test server's parent process.
sub server_pid {
    my $file = "$FindBin::Bin/logs/httpd.pid";
    open my $fh, '<', $file or die "$file: $!";
    my $pid = <$fh>;
    close $fh;
    chomp $pid;
    return $pid;
}

# The pids of the processes whose parent is one of the given pids.
sub children_of {
    my %parents = map { $_ => 1 } @_;
    my @pids;
    for my $stat (glob '/proc/[0-9]*/stat') {
        open my $in, '<', $stat or next;
        my $line = <$in> // '';
        close $in;
        my ($pid, $ppid) = $line =~ /^(\d+) \(.*\) \S+ (\d+)/s or next;
        push @pids, $pid if $parents{$ppid};
    }
    return @pids;
}

# Runs the CLI; returns (exit status, stdout, stderr).
sub writekit {
    my ($stdin, @args) = ref $_[0] eq 'SCALAR' ? (${ shift() }, @_)
                                                : (undef, @_);
    my ($in, $out, $err) = (gensym, gensym, gensym);
    my $pid = open3($in, $out, $err, "$top/build/writekit", @args);
    # The CLI may stop reading early (a password that is too long).
    local $SIG{PIPE} = 'IGNORE';
    print $in $stdin if defined $stdin;
    close $in;
    local $/;
    my $stdout = <$out> // '';
    my $stderr = <$err> // '';
    waitpid $pid, 0;
    my $status = $? >> 8;
    share_tenant_files();
    return ($status, $stdout, $stderr);
}

# Writes posts (name => text) into a fresh directory and returns it.
sub write_posts {
    my (%posts) = @_;
    my $dir = tempdir(CLEANUP => 1);
    for my $name (keys %posts) {
        my $path = "$dir/$name";
        (my $parent = $path) =~ s{/[^/]+$}{};
        make_path($parent);
        open my $fh, '>:raw', $path or die "$path: $!";
        print $fh $posts{$name};
        close $fh;
    }
    return $dir;
}

# Creates the tenant file name in t/tenants (or a path under it) with a
# title and the given posts.  Returns the file's path.
sub make_blog {
    my ($name, %opt) = @_;
    my $file = tenant_dir() . "/$name";
    (my $parent = $file) =~ s{/[^/]+$}{};
    make_path($parent);
    unlink $file, "$file-wal", "$file-shm";

    my ($rc, $out, $err) = writekit('init', $file, '--title',
                                    $opt{title} // $name, '--base-url',
                                    $opt{base_url} // 'http://blog.test');
    die "writekit init $file failed: $err" if $rc != 0;
    if ($opt{posts}) {
        my $dir = write_posts(%{ $opt{posts} });
        ($rc, $out, $err) = writekit('import', $file, $dir);
        die "writekit import $file failed ($rc): $err$out" if $rc != 0;
    }
    return $file;
}

my $ua = LWP::UserAgent->new(max_redirect => 0, timeout => 30,
                             keep_alive => 0);

# GET (or another method) of path on the blog whose host is host.
sub blog_get {
    my ($host, $path, %headers) = @_;
    my $method = delete $headers{method} // 'GET';
    my $port = server_port();
    my $request = HTTP::Request->new($method,
                                     "http://127.0.0.1:$port$path");
    $request->header(Host => $host);
    $request->header($_ => $headers{$_}) for keys %headers;
    return $ua->request($request);
}

# Sends bytes as they are and returns the status line's code and the
# whole response.
sub raw_request {
    my ($bytes) = @_;
    my $socket = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                       PeerPort => server_port(),
                                       Timeout => 10)
        or die "connect: $!";
    print $socket $bytes;
    local $/;
    my $response = <$socket> // '';
    my ($code) = $response =~ m{^HTTP/1\.\d (\d{3})};
    return ($code // 0, $response);
}

# Runs `httpd -t` on a config that loads the built module, with body
# after the common head, in dir (default: a new temporary directory, with
# a tenants directory); returns (exit status, output).
sub configtest {
    my ($body, $dir) = @_;
    $dir //= tempdir(CLEANUP => 1);
    my $httpd = Apache::Test::vars('httpd');
    my $modules = `apxs -q LIBEXECDIR`;
    chomp $modules;
    mkdir "$dir/tenants" unless -d "$dir/tenants";
    open my $fh, '>', "$dir/httpd.conf" or die $!;
    print $fh <<CONF;
ServerRoot "$dir"
Listen 127.0.0.1:1
ServerName localhost
ErrorLog /dev/null
LoadModule mpm_event_module $modules/mod_mpm_event.so
LoadModule authz_core_module $modules/mod_authz_core.so
LoadModule writekit_module $top/build/mod_writekit.so
WriteKitTheme $top/templates/default
$body
CONF
    close $fh;
    my $out = `$httpd -t -f $dir/httpd.conf 2>&1`;
    return ($? >> 8, $out);
}

# Adds an author to a tenant file with the writekit CLI.
sub add_author {
    my ($file, $email, $password) = @_;
    my ($rc, $out, $err) = writekit(\"$password\n", 'user', 'add', $file,
                                    $email);
    die "writekit user add $email failed ($rc): $err" if $rc != 0;
}

my $json = JSON::PP->new->utf8->canonical;

# A client of one blog's studio API.  It keeps the session cookie the
# server sets (by hand: LWP's cookie jar files cookies under 127.0.0.1,
# not under the Host header's name) and the CSRF token of the last
# sign-in.
sub api_client {
    my ($host, %opt) = @_;
    return { host => $host, cookie => undef, csrf => undef,
             studio => $opt{studio} // '/studio/' };
}

# Sends method to the studio API path (below api/) and returns the
# HTTP::Response with ->{json} set to the decoded body when it is JSON.
# Options: json => data to send, raw => bytes to send, type =>
# Content-Type, origin => Origin header (default: the blog's own origin
# on POST, PUT, PATCH and DELETE; undef leaves it out), csrf => 1 to send
# the client's X-CSRF-Token, headers => { more headers }.
sub api_call {
    my ($client, $method, $path, %opt) = @_;
    my $port = server_port();
    my $request = HTTP::Request->new(
        $method, "http://127.0.0.1:$port$client->{studio}api/$path");
    $request->header(Host => $client->{host});
    my $changes = $method =~ /^(POST|PUT|PATCH|DELETE)$/;
    my $origin = exists $opt{origin} ? $opt{origin}
                 : $changes ? "http://$client->{host}" : undef;
    $request->header(Origin => $origin) if defined $origin;
    $request->header('X-CSRF-Token' => $client->{csrf}) if $opt{csrf};
    $request->header(Cookie => "wk_session=$client->{cookie}")
        if defined $client->{cookie};
    if (exists $opt{json}) {
        $request->content($json->encode($opt{json}));
    }
    elsif (exists $opt{raw}) {
        $request->content($opt{raw});
    }
    $request->header('Content-Type' => $opt{type} // 'application/json')
        if exists $opt{json} || exists $opt{raw};
    my %headers = %{ $opt{headers} // {} };
    $request->header($_ => $headers{$_}) for keys %headers;

    my $response = $ua->request($request);
    my $set = $response->header('Set-Cookie') // '';
    if ($set =~ /^wk_session=([^;]*)/) {
        $client->{cookie} = length $1 ? $1 : undef;
    }
    if (($response->header('Content-Type') // '') =~ m{^application/json}) {
        $response->{json} = eval { $json->decode($response->content) };
    }
    return $response;
}

# Signs a client in; returns the response.
sub api_sign_in {
    my ($client, $email, $password) = @_;
    my $r = api_call($client, 'POST', 'session',
                     json => { email => $email, password => $password });
    $client->{csrf} = $r->{json}{csrf_token} if $r->code == 200;
    return $r;
}

my $error_log = "$FindBin::Bin/logs/error_log";

# The error log's size now, so a test can look at what it adds.
sub log_mark { -s $error_log // 0 }

# Lines of error level or worse written since mark.
sub log_errors_since {
    my ($mark) = @_;
    open my $fh, '<', $error_log or return ();
    seek $fh, $mark, 0;
    return grep { /\[[a-z_]+:(error|crit|alert|emerg)\]/ } <$fh>;
}

# Fails when the log gained an error line that matches none of the
# expected patterns.
sub no_unexpected_errors {
    my ($mark, @expected) = @_;
    my @unexpected = grep {
        my $line = $_;
        !grep { $line =~ $_ } @expected
    } log_errors_since($mark);
    ok(!@unexpected, 'no unexpected errors in the error log')
        or diag(join '', @unexpected);
}

1;
