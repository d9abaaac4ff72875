#!/usr/bin/perl
# bench/bench.pl: the benchmark behind `make bench` (see docs/benchmarks.md).
#
# Starts the built module in throwaway httpd servers on 127.0.0.1 and
# measures it with wrk against the same httpd serving a static copy of
# the post page.  Every figure that a target is checked against is a ratio
# to a case measured in the same run, in alternating rounds, so that the
# targets do not depend on the machine.  The server runs on one CPU and
# wrk on another (taskset).  The bench reports; it exits 0 unless the
# harness itself failed.
#
# Environment: WK_BENCH_SECONDS (per case and round, default 4),
# WK_BENCH_ROUNDS (default 3), WK_BENCH_PORT (first port, default 19500),
# WK_BENCH_SAVE_RATE (autosaves a second in the write case, default 100).
use strict;
use warnings;
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Copy qw(copy);
use File::Path qw(make_path remove_tree);
use File::Temp qw(tempdir);
use IO::Socket::INET;
use JSON::PP;
use POSIX qw(strftime WNOHANG setpgid);
use Time::HiRes qw(sleep time);

# Progress lines show as they happen when the output goes to a file.
$| = 1;

my $TOP = abs_path(dirname(abs_path($0)) . '/..');
my $SECONDS = env_int('WK_BENCH_SECONDS', 4);
my $ROUNDS = env_int('WK_BENCH_ROUNDS', 3);
my $FIRST_PORT = env_int('WK_BENCH_PORT', 19500);
die "bench: WK_BENCH_PORT must be at most 65000, not $FIRST_PORT\n"
    if $FIRST_PORT > 65000;
# Autosaves a second in the write case.  The studio saves an author's
# post 1 s after the last keystroke, so this is 100 authors typing on one
# blog at once.
my $SAVE_RATE = env_int('WK_BENCH_SAVE_RATE', 100);
my $WARMUP_SECONDS = 1;
# Longer than WK_PAGE_STAMP_SETTLE: a kept page is served on its files'
# stamp only once they are that old.
my $SETTLE_SECONDS = 3.5;
my $FIRST_PASS_LIMIT = 600;    # seconds a pass over every tenant may take
my $CONNECTIONS = 32;          # wrk connections for every case
my $MASS_TENANTS = 10_000;
my $COLD_TENANTS = 1_000;
my $MEMORY_TENANTS = 1_000;    # tenants opened for the memory figure
my $MAX_TENANTS = 256;         # WriteKitMaxTenants on the main server
my $POST_PATH = '/posts/markdown-tour';
my $BLOG_HOST = 'blog.bench.test';
my $STATIC_HOST = 'static.bench.test';
my $AUTHOR_EMAIL = 'author@bench.test';
my $AUTHOR_PASSWORD = 'bench-password';

my %TARGET = (
    post_ratio        => 0.90,
    list_ratio        => 0.80,   # index, feed, tag
    p99_factor        => 2.0,
    cold_ratio        => 0.50,
    mass_ratio        => 0.70,   # to the single-tenant post page
    kb_per_tenant     => 256,
    unopened_kb       => 128,    # RSS growth allowed for 10,000 unopened files
    save_p99_ms       => 10,     # autosave p99 under full read load
    reader_loss       => 0.20,   # share of the post page's rate readers lose
);

my ($tmp, @servers, $wrk_pid);
my %config = read_config_mk();
# The server runs on CPU 0 and wrk on CPU 1 when there are two.
my $PIN = (command_output('nproc') =~ /(\d+)/ ? $1 : 1) >= 2;

$SIG{INT} = $SIG{TERM} = $SIG{HUP} = sub {
    print STDERR "\nbench: interrupted, stopping the servers\n";
    cleanup();
    exit 130;
};
# Perl has removed the signal handlers by the time END runs, so a second
# Ctrl-C would end the process half-way through removing the tenants.
END {
    $SIG{$_} = 'IGNORE' for qw(INT TERM HUP);
    cleanup();
}

main();
exit 0;

sub main {
    check_tools();
    $tmp = tempdir('writekit-bench.XXXXXX', TMPDIR => 1);
    chmod 0755, $tmp;
    my %machine = machine_facts();
    print "mod_writekit bench: $machine{cpu_model}, $machine{nproc} CPUs, "
        . "kernel $machine{kernel}\n";
    print "$machine{httpd}, SQLite $machine{sqlite}\n";
    print "temporary directory $tmp\n";
    printf "note: the CPUs were %d%% busy before the start; other work "
        . "on the machine skews the figures\n",
        $machine{cpu_busy_percent_at_start}
        if $machine{cpu_busy_percent_at_start} > 10;

    my @ports = free_ports(2);
    my %data = make_tenants();
    my $main = start_server('main', $ports[0], main_conf($ports[0], \%data));
    my $cold = start_server('cold', $ports[1], cold_conf($ports[1], \%data));
    my @cases = prepare_cases($main, $cold, \%data);

    my %runs = run_rounds(\@cases, $main, \%data);
    my $write = write_path_case($main);
    stop_server($_) for ($main, $cold);

    # Picked now rather than at the start: other work on the machine may
    # have taken a port that was free minutes ago.
    my $memory = measure_memory((free_ports(1))[0], \%data);
    my $summary = summarize(\@cases, \%runs);
    my @targets = check_targets($summary, $memory, $write);

    print_report(\@cases, $summary, $memory, \@targets, $write);
    write_json(\%machine, \@cases, $summary, \%runs, $memory, \@targets,
               $write, \%data);
    report_error_logs();
}

sub env_int {
    my ($name, $default) = @_;
    my $value = $ENV{$name};
    return $default unless defined $value && $value ne '';
    die "bench: $name must be a positive whole number, not '$value'\n"
        unless $value =~ /^[1-9][0-9]*$/;
    return 0 + $value;
}

sub read_config_mk {
    my %c;
    open my $fh, '<', "$TOP/config.mk"
        or die "bench: cannot read $TOP/config.mk ($!); run ./configure\n";
    while (<$fh>) {
        $c{$1} = $2 if /^(\w+)\s*=\s*(.*?)\s*$/;
    }
    return %c;
}

# Stops with the apt-get line when a tool the bench runs is missing.
sub check_tools {
    my %package = (wrk => 'wrk', taskset => 'util-linux',
                   sqlite3 => 'sqlite3');
    my @missing = grep { !in_path($_) } sort keys %package;
    if (@missing) {
        my %seen;
        my @packages = grep { !$seen{$_}++ } map { $package{$_} } @missing;
        die "bench: missing " . join(', ', @missing) . "; install with:\n"
            . "  apt-get install " . join(' ', @packages) . "\n";
    }
    die "bench: no HTTPD in config.mk; run ./configure\n"
        unless $config{HTTPD} && -x $config{HTTPD};
    for my $file ("$TOP/build/mod_writekit.so", "$TOP/build/writekit") {
        die "bench: $file not found; run make first\n" unless -f $file;
    }
}

sub in_path {
    my ($tool) = @_;
    return scalar grep { -x "$_/$tool" } split /:/, $ENV{PATH} // '';
}

sub command_output {
    my @cmd = @_;
    open my $fh, '-|', @cmd or return '';
    local $/;
    my $out = <$fh> // '';
    close $fh;
    return $out;
}

sub machine_facts {
    my %m;
    $m{date} = strftime('%Y-%m-%dT%H:%M:%SZ', gmtime);
    chomp($m{nproc} = command_output('nproc'));
    open my $fh, '<', '/proc/cpuinfo' or die "bench: /proc/cpuinfo: $!\n";
    while (<$fh>) {
        if (/^model name\s*:\s*(.*?)\s*$/) { $m{cpu_model} = $1; last }
    }
    $m{cpu_model} //= 'unknown';
    chomp($m{kernel} = command_output('uname', '-r'));
    ($m{httpd}) = command_output($config{HTTPD}, '-v')
        =~ /Server version:\s*(.*?)\s*$/m;
    $m{httpd} //= 'unknown';
    my $sqlite = command_output('dpkg-query', '-W', '-f', '${Version}',
                                'libsqlite3-0');
    $sqlite = (split ' ', command_output('sqlite3', '--version'))[0]
        if $sqlite eq '';
    $m{sqlite} = $sqlite // 'unknown';
    # Other work on the machine skews the figures, so the bench records
    # how busy the CPUs were in the second before it started.
    $m{cpu_busy_percent_at_start} = cpu_busy_percent();
    $m{server_cpu} = cpu_pinning() ? 0 : undef;
    $m{client_cpu} = cpu_pinning() ? 1 : undef;
    return %m;
}

# Returns the share of CPU time, all CPUs together, that was not idle
# over one second, from the "cpu" line of /proc/stat.
sub cpu_busy_percent {
    my $read = sub {
        open my $fh, '<', '/proc/stat' or return;
        my ($user, $nice, $system, $idle, $iowait, @rest)
            = (split ' ', scalar <$fh>)[1 .. 10];
        return (sum($user, $nice, $system, $idle, $iowait, @rest),
                $idle + $iowait);
    };
    my ($total0, $idle0) = $read->();
    sleep 1;
    my ($total1, $idle1) = $read->();
    return 0 unless defined $total0 && $total1 > $total0;
    return 100 * (1 - ($idle1 - $idle0) / ($total1 - $total0));
}

sub cpu_pinning {
    return $PIN;
}

sub pinned {
    my ($cpu, @cmd) = @_;
    return @cmd unless cpu_pinning();
    return ('taskset', '-c', $cpu, @cmd);
}

# Returns n ports from WK_BENCH_PORT up that nothing listens on.
sub free_ports {
    my ($n) = @_;
    my @ports;
    for (my $port = $FIRST_PORT; @ports < $n; $port++) {
        die "bench: no free port on 127.0.0.1 from $FIRST_PORT up\n"
            if $port > $FIRST_PORT + 100;
        my $sock = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
                                         LocalPort => $port, Listen => 1,
                                         ReuseAddr => 1);
        next unless $sock;
        close $sock;
        push @ports, $port;
    }
    return @ports;
}

sub run {
    my @cmd = @_;
    my $out = command_output(@cmd);
    die "bench: command failed: @cmd\n$out" if $? != 0;
    return $out;
}

# Writes the main blog's extra posts: 40 posts under 5 tags, so that the
# index and tag pages list a full page of posts.
sub write_generated_posts {
    my ($dir) = @_;
    make_path($dir);
    my @tags = qw(apache sqlite markdown themes hosting);
    my @words = qw(server module tenant request page theme cache feed post
                   render connection latency throughput reader writer host
                   file index query template);
    srand(42);
    for my $i (1 .. 40) {
        my @post_tags = ($tags[$i % 5], $tags[($i * 3 + 1) % 5]);
        my $day = sprintf('2026-%02d-%02d', 1 + $i % 11, 1 + $i % 27);
        my $text = '';
        for my $paragraph (1 .. 4) {
            $text .= join(' ', map { $words[int rand @words] } 1 .. 60)
                . ".\n\n";
        }
        $text .= "- one item\n- another `item`\n\n"
            . "```c\nint main(void) { return 0; }\n```\n";
        open my $fh, '>', sprintf('%s/generated-%02d.md', $dir, $i) or die $!;
        print $fh "---\ntitle: \"Generated post $i\"\ndate: $day\n"
            . "tags: [$post_tags[0], $post_tags[1]]\n"
            . "description: \"Post $i of the bench blog.\"\n---\n\n$text";
        close $fh;
    }
}

# Creates the main blog, the mass-hosting tenants and the cold-path
# tenants under the temporary directory.
sub make_tenants {
    my %d = (tenants => "$tmp/tenants", mass => "$tmp/mass",
             cold => "$tmp/cold", memory => "$tmp/memory",
             htdocs => "$tmp/htdocs", empty => "$tmp/empty",
             pages => "$tmp/pages");
    make_path(@d{qw(tenants mass cold memory htdocs empty)});
    chmod 01777, @d{qw(tenants mass cold memory)};
    chmod 0755, @d{qw(htdocs empty)};
    my $cli = "$TOP/build/writekit";

    my $blog = "$d{tenants}/$BLOG_HOST.db";
    write_generated_posts("$tmp/posts");
    run($cli, 'init', $blog, '--title', 'Bench blog', '--base-url',
        "http://$BLOG_HOST");
    run($cli, 'import', $blog, "$TOP/examples/posts");
    run($cli, 'import', $blog, "$tmp/posts");
    chmod 0666, $blog;
    open my $user, '|-', $cli, 'user', 'add', $blog, $AUTHOR_EMAIL
        or die "bench: cannot run writekit user add: $!\n";
    print $user "$AUTHOR_PASSWORD\n";
    close $user or die "bench: writekit user add failed\n";

    # One small tenant copied many times.  1 KiB pages instead of
    # SQLite's 4 KiB keep each copy to about a third of the size; the
    # pages the post page reads are the same rows either way.
    my $template = "$tmp/small.db";
    run($cli, 'init', $template, '--title', 'Small blog', '--base-url',
        'http://small.bench.test');
    run($cli, 'import', $template, "$TOP/examples/posts");
    run('sqlite3', $template, 'PRAGMA journal_mode=DELETE;',
        'PRAGMA page_size=1024;', 'VACUUM;', 'PRAGMA journal_mode=WAL;');
    $d{tenant_bytes} = -s $template;

    my $started = time;
    copy_tenants($template, $d{mass}, 'mass.test', $MASS_TENANTS);
    copy_tenants($template, $d{cold}, 'cold.test', $COLD_TENANTS);
    for my $i (0 .. 9) {
        my $file = "$d{memory}/w$i.mass.test.db";
        copy($template, $file) or die "bench: copy to $file: $!\n";
        chmod 0666, $file;
    }
    $d{disk_bytes} = $d{tenant_bytes}
        * ($MASS_TENANTS + $COLD_TENANTS + 11) + (-s $blog);
    printf "tenant files: %d of %.1f KB each, %.0f MB in all, "
        . "copied in %.1f s\n",
        $MASS_TENANTS + $COLD_TENANTS + 10, $d{tenant_bytes} / 1024,
        $d{disk_bytes} / 1048576, time - $started;
    return %d;
}

sub copy_tenants {
    my ($template, $dir, $domain, $count) = @_;
    for my $i (0 .. $count - 1) {
        my $file = sprintf('%s/t%05d.%s.db', $dir, $i, $domain);
        copy($template, $file) or die "bench: copy to $file: $!\n";
        chmod 0666, $file;
    }
}

# Config lines every server shares: 127.0.0.1 only, logs in the temp dir,
# the children as nobody when the bench runs as root.
sub common_conf {
    my ($name, $port, $mpm) = @_;
    my $modules = $config{HTTPD_LIBEXECDIR};
    my $user = $> == 0 ? "User nobody\nGroup nogroup\n" : '';
    return <<CONF;
# Generated by bench/bench.pl for one run; removed with its directory.
ServerRoot "$tmp"
Listen 127.0.0.1:$port
ServerName 127.0.0.1
PidFile "$tmp/$name.pid"
DefaultRuntimeDir "$tmp"
ErrorLog "$tmp/$name-error.log"
LogLevel warn
TypesConfig /dev/null
AddType "text/html; charset=utf-8" .html
DocumentRoot "$tmp/empty"
KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 30
$user
LoadModule mpm_${mpm}_module $modules/mod_mpm_$mpm.so
LoadModule authz_core_module $modules/mod_authz_core.so
LoadModule mime_module $modules/mod_mime.so
LoadModule writekit_module "$TOP/build/mod_writekit.so"
WriteKitTheme "$TOP/templates/default"
CONF
}

# One child with enough threads for every wrk connection, so that all
# tenants share one cache and the fd count is that of one process.
sub event_one_child {
    my $threads = 2 * $CONNECTIONS;
    return <<CONF;
StartServers 1
ServerLimit 1
ThreadLimit $threads
ThreadsPerChild $threads
MaxRequestWorkers $threads
MinSpareThreads 1
MaxSpareThreads $threads
MaxConnectionsPerChild 0
CONF
}

sub main_conf {
    my ($port, $d) = @_;
    return common_conf('main', $port, 'event') . event_one_child() . <<CONF;
WriteKitMaxTenants $MAX_TENANTS

<VirtualHost 127.0.0.1:$port>
    ServerName $BLOG_HOST
    WriteKit on
    WriteKitTenantDir "$d->{tenants}"
    WriteKitTenant $BLOG_HOST.db
</VirtualHost>

# The baseline: the same server, no blog, a static copy of the post page,
# sent with sendfile(), the fastest way httpd has (off by default).
<VirtualHost 127.0.0.1:$port>
    ServerName $STATIC_HOST
    DocumentRoot "$d->{htdocs}"
    EnableSendfile On
</VirtualHost>

<VirtualHost 127.0.0.1:$port>
    ServerName mass.test
    ServerAlias *.mass.test
    WriteKit on
    WriteKitMassHosting on
    WriteKitTenantDir "$d->{mass}"
</VirtualHost>
CONF
}

# The cold path: a post page whose tenant the process has not opened.
# The passes before the rounds render every page into a page file, and a
# graceful restart then replaces the child that rendered them.  With no
# page cache in the process, every request of the new child reads the
# page file, so each is a first request of its tenant in the process,
# and none opens the tenant (the fd samples show it).  With room for one
# open tenant, the passes keep open no more than they use.
sub cold_conf {
    my ($port, $d) = @_;
    return common_conf('cold', $port, 'event') . event_one_child() . <<CONF;
WriteKitMaxTenants 1
WriteKitPageCacheSize 0
WriteKitPageDir "$d->{pages}"

<VirtualHost 127.0.0.1:$port>
    ServerName cold.test
    ServerAlias *.cold.test
    WriteKit on
    WriteKitMassHosting on
    WriteKitTenantDir "$d->{cold}"
</VirtualHost>
CONF
}

# Prefork with a single child: every request runs in the process whose
# memory is read.
sub memory_conf {
    my ($port, $d) = @_;
    my $max = $MEMORY_TENANTS + 100;
    return common_conf('memory', $port, 'prefork') . <<CONF;
StartServers 1
MinSpareServers 1
MaxSpareServers 1
ServerLimit 1
MaxRequestWorkers 1
MaxConnectionsPerChild 0
WriteKitMaxTenants $max
WriteKitIdleTimeout 3600

<VirtualHost 127.0.0.1:$port>
    ServerName mass.test
    ServerAlias *.mass.test
    WriteKit on
    WriteKitMassHosting on
    WriteKitTenantDir "$d->{memory}"
</VirtualHost>
CONF
}

sub start_server {
    my ($name, $port, $conf) = @_;
    my $file = "$tmp/$name.conf";
    open my $fh, '>', $file or die "bench: $file: $!\n";
    print $fh $conf;
    close $fh;

    my $pid = fork // die "bench: fork: $!\n";
    if ($pid == 0) {
        # A process group of its own: the server stops when the bench
        # tells it to, after the bench has read what it needs.
        setpgid(0, 0);
        open STDOUT, '>>', "$tmp/$name-error.log";
        open STDERR, '>&', \*STDOUT;
        exec(pinned(0, $config{HTTPD}, '-f', $file, '-DFOREGROUND'))
            or POSIX::_exit(127);
    }
    my $server = { name => $name, port => $port, pid => $pid };
    push @servers, $server;

    my $deadline = time + 15;
    while (time < $deadline) {
        if (waitpid($pid, WNOHANG) == $pid) {
            $server->{pid} = undef;
            die "bench: the $name server exited at start:\n"
                . tail("$tmp/$name-error.log");
        }
        my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                         PeerPort => $port, Timeout => 1);
        my @children = children($pid);
        if ($sock && @children) {
            close $sock;
            return $server;
        }
        sleep 0.1;
    }
    die "bench: the $name server did not answer on port $port within 15 s\n"
        . tail("$tmp/$name-error.log");
}

# Restarts a server gracefully and waits until every child it had has
# ended and a new one answers: the new children have opened no tenant.
sub restart_gracefully {
    my ($server) = @_;
    my %old = map { $_ => 1 } children($server->{pid});
    kill 'USR1', $server->{pid};
    my $deadline = time + 15;
    while (time < $deadline) {
        my @children = children($server->{pid});
        if (@children && !grep { $old{$_} } @children) {
            my ($status) = http_get($server->{port}, 'nothing.test', '/');
            if ($status) {
                print "graceful restart of the $server->{name} server: "
                    . "new child @children\n";
                return;
            }
        }
        sleep 0.1;
    }
    die "bench: the $server->{name} server did not replace its children "
        . "within 15 s of a graceful restart\n"
        . tail("$tmp/$server->{name}-error.log");
}

sub stop_server {
    my ($server) = @_;
    my $pid = $server->{pid} or return;
    kill 'TERM', $pid;
    my $deadline = time + 10;
    while (time < $deadline) {
        if (waitpid($pid, WNOHANG) == $pid) {
            $server->{pid} = undef;
            return;
        }
        sleep 0.05;
    }
    kill 'KILL', $pid;
    waitpid($pid, 0);
    $server->{pid} = undef;
}

sub cleanup {
    kill 'TERM', $wrk_pid if $wrk_pid;
    stop_server($_) for @servers;
    @servers = ();
    remove_tree($tmp) if defined $tmp && -d $tmp;
    $tmp = undef;
}

sub tail {
    my ($file) = @_;
    open my $fh, '<', $file or return "(no $file)\n";
    my @lines = <$fh>;
    return join '', @lines[($#lines > 20 ? $#lines - 20 : 0) .. $#lines];
}

# Returns the pids of the server's children.
sub children {
    my ($parent) = @_;
    my @pids;
    opendir my $dh, '/proc' or return;
    for my $pid (grep { /^\d+$/ } readdir $dh) {
        open my $fh, '<', "/proc/$pid/stat" or next;
        my $stat = <$fh> // next;
        push @pids, $pid if $stat =~ /\)\s+\S\s+(\d+)/ && $1 == $parent;
    }
    return sort { $a <=> $b } @pids;
}

# One GET over a fresh connection: (status, headers, body).
sub http_get {
    my ($port, $host, $path, %headers) = @_;
    return http_request('GET', $port, $host, $path, \%headers);
}

# One request over a fresh connection, body optional; returns (status,
# headers with lowercase names, body).  Responses need Content-Length or
# end with the connection, which "Connection: close" asks for.
sub http_request {
    my ($method, $port, $host, $path, $headers, $body) = @_;
    my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                     PeerPort => $port, Timeout => 10)
        or die "bench: connect to 127.0.0.1:$port: $!\n";
    my %h = %{ $headers // {} };
    $h{'Content-Length'} = length $body if defined $body;
    my $request = "$method $path HTTP/1.1\r\nHost: $host\r\n"
        . "Connection: close\r\n"
        . join('', map { "$_: $h{$_}\r\n" } sort keys %h)
        . "\r\n" . ($body // '');
    print $sock $request;
    my $response = '';
    local $SIG{ALRM} = sub { die "bench: no response to $method $path\n" };
    alarm 10;
    while (sysread($sock, my $chunk, 65536)) { $response .= $chunk }
    alarm 0;
    close $sock;
    my ($head, $content) = split /\r\n\r\n/, $response, 2;
    my ($status) = ($head // '') =~ m{^HTTP/1\.\d (\d{3})};
    my %out;
    for (split /\r\n/, $head // '') {
        $out{lc $1} = $2 if /^([^:]+):\s*(.*)$/;
    }
    return ($status // 0, \%out, $content // '');
}

sub first_link {
    my ($html, $prefix) = @_;
    return $html =~ m{href="(?:https?://[^/"]+)?(\Q$prefix\E[^"?#]+)"}
        ? $1 : undef;
}

# Builds the list of cases after checking that each answers as expected.
sub prepare_cases {
    my ($main, $cold, $d) = @_;
    my $port = $main->{port};
    my ($status, $h, $page) = http_get($port, $BLOG_HOST, $POST_PATH);
    die "bench: GET $POST_PATH returned $status\n" unless $status == 200;
    my $etag = $h->{etag} or die "bench: the post page has no ETag\n";
    my $tag_path = first_link($page, '/tags/')
        or die "bench: no tag link on the post page\n";

    open my $fh, '>:raw', "$d->{htdocs}/post.html" or die $!;
    print $fh $page;
    close $fh;
    chmod 0644, "$d->{htdocs}/post.html";
    my (undef, undef, $copy) = http_get($port, $STATIC_HOST, '/post.html');
    die "bench: the static copy differs from the post page\n"
        unless $copy eq $page;
    $d->{page_bytes} = length $page;

    my $rotate = "$TOP/bench/hosts.lua";
    my @cases = (
        { name => 'baseline', label => 'static copy of the post page',
          port => $port, host => $STATIC_HOST, path => '/post.html' },
        { name => 'post', label => 'post page', port => $port,
          host => $BLOG_HOST, path => $POST_PATH },
        { name => 'index', label => 'index', port => $port,
          host => $BLOG_HOST, path => '/' },
        { name => 'feed', label => 'Atom feed', port => $port,
          host => $BLOG_HOST, path => '/feed.atom' },
        { name => 'tag', label => "tag page", port => $port,
          host => $BLOG_HOST, path => $tag_path },
        { name => 'not_modified', label => 'post page, 304',
          port => $port, host => $BLOG_HOST, path => $POST_PATH,
          headers => { 'If-None-Match' => $etag }, expect => 304 },
        { name => 'cold', label => 'post page, tenant not open in process',
          port => $cold->{port}, host => 't00000.cold.test',
          path => $POST_PATH,
          script => [$rotate, $COLD_TENANTS, $POST_PATH, 'cold.test'],
          sample_fds => $d->{cold}, fresh_child => $cold },
        { name => 'mass', label => "post page over $MASS_TENANTS tenants",
          port => $port, host => 't00000.mass.test', path => $POST_PATH,
          script => [$rotate, $MASS_TENANTS, $POST_PATH, 'mass.test'],
          sample_fds => $d->{mass} },
    );
    for my $case (@cases) {
        my ($got) = http_get($case->{port}, $case->{host}, $case->{path},
                             %{ $case->{headers} // {} });
        my $expect = $case->{expect} // 200;
        die "bench: case $case->{name}: GET $case->{path} (Host "
            . "$case->{host}) returned $got, expected $expect\n"
            unless $got == $expect;
    }
    return @cases;
}

sub wrk_command {
    my ($case, $seconds) = @_;
    my @cmd = ('wrk', '-t1', "-c$CONNECTIONS", "-d${seconds}s", '--latency',
               '--timeout', '10s');
    if ($case->{script}) {
        my ($script, @args) = @{ $case->{script} };
        push @cmd, '-s', $script, "http://127.0.0.1:$case->{port}",
            '--', @args;
    }
    else {
        push @cmd, '-H', "Host: $case->{host}";
        my $headers = $case->{headers} // {};
        push @cmd, '-H', "$_: $headers->{$_}" for sort keys %$headers;
        push @cmd, "http://127.0.0.1:$case->{port}$case->{path}";
    }
    return pinned(1, @cmd);
}

# Runs wrk once; while it runs, sample_fds reads the fds of the server's
# children half-way through.
sub run_wrk {
    my ($case, $seconds, $server_pid, $d) = @_;
    my @cmd = wrk_command($case, $seconds);
    $wrk_pid = open(my $fh, '-|', @cmd)
        or die "bench: cannot run wrk: $!\n";
    my $fds;
    if ($case->{sample_fds}) {
        sleep $seconds / 2;
        $fds = sample_fds($server_pid, $case->{sample_fds});
    }
    my $out = do { local $/; <$fh> } // '';
    close $fh;
    $wrk_pid = undef;
    die "bench: wrk failed for $case->{name}:\n$out" if $? != 0;
    my $result = parse_wrk($out)
        // die "bench: cannot read wrk's output for $case->{name}:\n$out";
    $result->{fds} = $fds if $fds;
    return $result;
}

sub to_ms {
    my ($value, $unit) = @_;
    return $value / 1000 if $unit eq 'us';
    return $value if $unit eq 'ms';
    return $value * 1000 if $unit eq 's';
    return $value * 60000 if $unit eq 'm';
    return undef;
}

sub parse_wrk {
    my ($out) = @_;
    my %r;
    ($r{rps}) = $out =~ /^Requests\/sec:\s*([\d.]+)/m or return undef;
    $r{rps} += 0;
    my ($p50, $u50) = $out =~ /^\s*50%\s+([\d.]+)(us|ms|s|m)\s*$/m;
    my ($p99, $u99) = $out =~ /^\s*99%\s+([\d.]+)(us|ms|s|m)\s*$/m;
    return undef unless defined $p50 && defined $p99;
    $r{p50_ms} = to_ms($p50, $u50);
    $r{p99_ms} = to_ms($p99, $u99);
    ($r{requests}) = $out =~ /(\d+) requests in/;
    $r{requests} += 0;
    ($r{non_2xx_3xx}) = $out =~ /Non-2xx or 3xx responses:\s*(\d+)/;
    $r{non_2xx_3xx} = 0 + ($r{non_2xx_3xx} // 0);
    # wrk: "Socket errors: connect 0, read 0, write 0, timeout 0"
    my @n = $out =~ /connect (\d+), read (\d+), write (\d+), timeout (\d+)/;
    $r{socket_errors} = sum(@n);
    return \%r;
}

# Counts each child's open fds, those on the tenant files in tenant_dir,
# and the distinct tenants they belong to.
sub sample_fds {
    my ($parent, $tenant_dir) = @_;
    my @sample;
    for my $pid (children($parent)) {
        opendir my $dh, "/proc/$pid/fd" or next;
        my ($all, $tenant_fds, %tenants) = (0, 0);
        for my $fd (grep { /^\d+$/ } readdir $dh) {
            $all++;
            my $target = readlink("/proc/$pid/fd/$fd") // next;
            next unless index($target, "$tenant_dir/") == 0;
            $tenant_fds++;
            (my $db = $target) =~ s/-(wal|shm)$//;
            $tenants{$db} = 1;
        }
        push @sample, { pid => $pid + 0, fds => $all,
                        tenant_fds => $tenant_fds,
                        open_tenants => scalar keys %tenants };
    }
    return \@sample;
}

# Requests every tenant of a case that rotates over many once, with the
# case's wrk connections, and stops wrk when all have answered.  Returns
# the pass's figures: its rate is that of the first request to a tenant
# in the process, which opens the tenant and renders its page.
sub first_pass {
    my ($case) = @_;
    my (undef, $count, @args) = @{ $case->{script} };
    my @cmd = pinned(1, 'wrk', '-t1', "-c$CONNECTIONS",
                     "-d${FIRST_PASS_LIMIT}s", '--timeout', '10s', '-s',
                     "$TOP/bench/tenants-once.lua",
                     "http://127.0.0.1:$case->{port}", '--', $count, @args);
    my $started = time;
    $wrk_pid = open(my $fh, '-|', @cmd)
        or die "bench: cannot run wrk: $!\n";
    my ($seconds, $out) = (undef, '');
    while (my $line = <$fh>) {
        $out .= $line;
        next if defined $seconds || $line !~ /^all tenants answered/;
        $seconds = time - $started;
        kill 'INT', $wrk_pid;
    }
    close $fh;
    $wrk_pid = undef;
    die "bench: the first pass of $case->{name} over $count tenants did "
        . "not end within $FIRST_PASS_LIMIT s:\n$out" unless defined $seconds;
    my $r = parse_wrk($out) // {};
    return { tenants => $count + 0, seconds => round($seconds, 2),
             rps => round($count / $seconds, 1),
             bad_responses => ($r->{non_2xx_3xx} // 0)
                              + ($r->{socket_errors} // 0) };
}

# Requests every tenant of the rotating cases once, warms every case up,
# then runs all cases in turn, ROUNDS times.
sub run_rounds {
    my ($cases, $main, $d) = @_;
    my %runs;
    my %server_pid = map { $_->{port} => $_->{pid} } @servers;
    for my $case (grep { $_->{script} } @$cases) {
        $case->{first_pass} = first_pass($case);
        printf "first pass: %s, %d tenants in %.1f s, %.0f req/s\n",
            $case->{name}, $case->{first_pass}{tenants},
            $case->{first_pass}{seconds}, $case->{first_pass}{rps};
    }
    # A page kept while its tenant's files were younger than
    # WK_PAGE_STAMP_SETTLE has no file stamp, and the first request
    # after they settle opens the tenant to give it one.  Left to the
    # rounds, that would be 10,000 tenant opens in the first round only.
    sleep $SETTLE_SECONDS;
    for my $case (grep { $_->{script} } @$cases) {
        $case->{second_pass} = first_pass($case);
        printf "second pass: %s, %d tenants in %.1f s, %.0f req/s\n",
            $case->{name}, $case->{second_pass}{tenants},
            $case->{second_pass}{seconds}, $case->{second_pass}{rps};
    }
    restart_gracefully($_->{fresh_child})
        for grep { $_->{fresh_child} } @$cases;
    printf "warm-up: %d s per case\n", $WARMUP_SECONDS;
    run_wrk($_, $WARMUP_SECONDS, $server_pid{$_->{port}}, $d) for @$cases;
    for my $round (1 .. $ROUNDS) {
        printf "round %d of %d: %d s per case\n", $round, $ROUNDS, $SECONDS;
        for my $case (@$cases) {
            my $r = run_wrk($case, $SECONDS, $server_pid{$case->{port}}, $d);
            push @{ $runs{$case->{name}} }, $r;
            printf "  %-13s %9.0f req/s  p50 %7.2f ms  p99 %7.2f ms%s\n",
                $case->{name}, $r->{rps}, $r->{p50_ms}, $r->{p99_ms},
                $r->{non_2xx_3xx} || $r->{socket_errors}
                    ? "  ($r->{non_2xx_3xx} bad responses, "
                      . "$r->{socket_errors} socket errors)" : '';
        }
    }
    return %runs;
}

sub median {
    my @v = sort { $a <=> $b } grep { defined } @_;
    return undef unless @v;
    return @v % 2 ? $v[$#v / 2] : ($v[@v / 2 - 1] + $v[@v / 2]) / 2;
}

# Medians over rounds; a ratio is the median of the per-round ratios.
sub summarize {
    my ($cases, $runs) = @_;
    my %s;
    my $base = $runs->{baseline};
    my $post = $runs->{post};
    for my $case (@$cases) {
        my $r = $runs->{ $case->{name} };
        my $n = $#$r;
        $s{ $case->{name} } = {
            rps => median(map { $_->{rps} } @$r),
            p50_ms => median(map { $_->{p50_ms} } @$r),
            p99_ms => median(map { $_->{p99_ms} } @$r),
            ratio => median(map { $r->[$_]{rps} / $base->[$_]{rps} } 0 .. $n),
            p99_factor => median(map { $r->[$_]{p99_ms} / $base->[$_]{p99_ms} }
                                 0 .. $n),
            post_ratio => median(map { $r->[$_]{rps} / $post->[$_]{rps} }
                                 0 .. $n),
            bad_responses => sum(map { $_->{non_2xx_3xx}
                                       + $_->{socket_errors} } @$r),
        };
    }
    for my $name (qw(mass cold)) {
        my @fds = map { @{ $_->{fds} // [] } } @{ $runs->{$name} // [] };
        $s{$name}{fds_max} = max(map { $_->{fds} } @fds);
        $s{$name}{tenant_fds_max} = max(map { $_->{tenant_fds} } @fds);
        $s{$name}{open_tenants_max} = max(map { $_->{open_tenants} } @fds);
        $s{$name}{fd_samples} = \@fds;
    }
    return \%s;
}

sub sum { my $t = 0; $t += $_ for @_; return $t }

sub max {
    my $m;
    for (@_) { $m = $_ if !defined $m || $_ > $m }
    return $m;
}

sub vm_rss_kb {
    my ($pid) = @_;
    open my $fh, '<', "/proc/$pid/status" or die "bench: /proc/$pid: $!\n";
    while (<$fh>) { return $1 if /^VmRSS:\s*(\d+)\s*kB/ }
    die "bench: no VmRSS in /proc/$pid/status\n";
}

sub fd_count {
    my ($pid) = @_;
    opendir my $dh, "/proc/$pid/fd" or return undef;
    return scalar grep { /^\d+$/ } readdir $dh;
}

sub get_ok {
    my ($port, $host, $path) = @_;
    my ($status) = http_get($port, $host, $path);
    die "bench: GET $path (Host $host) returned $status\n"
        unless $status == 200;
}

# Resident memory of one prefork child: first with 10 tenants open and
# 10 files in its tenant directory, then with 10,000 more files that no
# request names, then after one request to each of 1,000 of them.
sub measure_memory {
    my ($port, $d) = @_;
    my $server = start_server('memory', $port, memory_conf($port, $d));
    my ($child) = children($server->{pid});
    die "bench: the memory server has no child\n" unless $child;

    for my $round (1 .. 3) {
        get_ok($port, "w$_.mass.test", $POST_PATH) for 0 .. 9;
    }
    my %m = (rss_start_kb => vm_rss_kb($child), fds_start => fd_count($child));

    opendir my $dh, $d->{mass} or die "bench: $d->{mass}: $!\n";
    my @files = grep { /^t\d{5}\.mass\.test\.db(-wal|-shm)?$/ } readdir $dh;
    for my $file (@files) {
        rename "$d->{mass}/$file", "$d->{memory}/$file"
            or die "bench: rename $file: $!\n";
    }
    closedir $dh;
    get_ok($port, "w0.mass.test", $POST_PATH);
    $m{rss_unopened_kb} = vm_rss_kb($child);
    $m{unopened_files} = $MASS_TENANTS;
    $m{unopened_growth_kb} = $m{rss_unopened_kb} - $m{rss_start_kb};

    get_ok($port, sprintf('t%05d.mass.test', $_), $POST_PATH)
        for 0 .. $MEMORY_TENANTS - 1;
    $m{rss_open_kb} = vm_rss_kb($child);
    $m{fds_open} = fd_count($child);
    $m{opened_tenants} = $MEMORY_TENANTS;
    $m{kb_per_tenant} = ($m{rss_open_kb} - $m{rss_unopened_kb})
        / $MEMORY_TENANTS;
    $m{fds_per_tenant} = ($m{fds_open} - $m{fds_start}) / $MEMORY_TENANTS;
    stop_server($server);
    return \%m;
}

# The autosave case needs the studio API's posts endpoints.  Until they
# exist it is skipped; the probe tells the two reasons apart.  The API
# answers 401 with JSON to an unsigned request for an endpoint it has,
# and 404 for one it lacks.
sub write_path_case {
    my ($main) = @_;
    my ($status, $h) = http_get($main->{port}, $BLOG_HOST,
                                '/studio/api/session');
    my $json = ($h->{'content-type'} // '') =~ m{^application/json};
    return { status => 'skipped', reason => 'needs the studio API' }
        unless $status == 401 && $json;
    ($status) = http_get($main->{port}, $BLOG_HOST, '/studio/api/posts');
    return { status => 'skipped',
             reason => "needs the studio API's posts endpoints "
                       . "(GET /studio/api/posts returned $status)" }
        unless $status == 401;
    return autosave_case($main);
}

# Signs in, then measures autosaves of the post page's post while wrk
# reads the post page, in $ROUNDS rounds (autosave_rounds()).
sub autosave_case {
    my ($main) = @_;
    my $port = $main->{port};
    my $json = JSON::PP->new->canonical;
    my %origin = (Origin => "http://$BLOG_HOST");
    my ($status, $h, $body) = http_request(
        'POST', $port, $BLOG_HOST, '/studio/api/session',
        { %origin, 'Content-Type' => 'application/json' },
        $json->encode({ email => $AUTHOR_EMAIL,
                        password => $AUTHOR_PASSWORD }));
    my ($cookie) = ($h->{'set-cookie'} // '') =~ /^(wk_session=[^;]+)/;
    return { status => 'error', reason => "sign-in returned $status" }
        unless $status == 200 && $cookie;
    my $csrf = eval { $json->decode($body)->{csrf_token} };
    my %auth = (Cookie => $cookie,
                $csrf ? ('X-CSRF-Token' => $csrf) : %origin);

    ($status, undef, $body) = http_request(
        'GET', $port, $BLOG_HOST, '/studio/api/posts?per_page=100', \%auth);
    my $list = eval { $json->decode($body) } // {};
    my ($item) = grep { ($_->{slug} // '') eq 'markdown-tour' }
        @{ $list->{posts} // $list->{items} // [] };
    return { status => 'error',
             reason => "GET /studio/api/posts returned $status without "
                       . "the post markdown-tour" } unless $item;
    my $url = "/studio/api/posts/$item->{id}";
    ($status, undef, $body) = http_request('GET', $port, $BLOG_HOST, $url,
                                           \%auth);
    my $post = eval { $json->decode($body) }
        // return { status => 'error', reason => "GET $url returned $status" };
    my $save = autosave_body($json, $post);
    my %run = (port => $port, url => $url, auth => \%auth, save => $save,
               revision => $post->{revision},
               readers => { name => 'post', port => $port,
                            host => $BLOG_HOST, path => $POST_PATH });
    return autosave_rounds(\%run);
}

# Each round reads the post page with no save, once the tenant's files
# have settled, then during $SAVE_RATE saves a second, the run the
# targets apply to, then during one save after another (max).  A run's
# readers' ratio is to the quiet run of its round, so that the machine's
# drift over the bench does not count as the cost of the saves.  Returns
# the medians of the rounds, or the first run that failed.
sub autosave_rounds {
    my ($run) = @_;
    my (@paced, @max);
    for (1 .. $ROUNDS) {
        # The post case's rounds read a tenant nobody writes, so the
        # quiet run starts once the files have settled too.
        sleep $SETTLE_SECONDS;
        my $quiet = run_wrk($run->{readers}, $SECONDS, 0, {});
        for ([\@paced, $SAVE_RATE], [\@max, 0]) {
            my ($runs, $rate) = @$_;
            my $r = autosave_run($run, $rate);
            return $r if $r->{status} ne 'measured';
            $r->{quiet_readers_rps} = $quiet->{rps};
            $r->{readers_ratio} = $r->{readers_rps} / $quiet->{rps};
            $r->{readers_bad} += $quiet->{non_2xx_3xx}
                                 + $quiet->{socket_errors};
            push @$runs, $r;
        }
    }
    my $out = autosave_medians(\@paced, $SAVE_RATE);
    $out->{max} = autosave_medians(\@max, 0);
    return $out;
}

sub autosave_medians {
    my ($runs, $rate) = @_;
    my %out = (status => 'measured', rate_asked => 0 + $rate,
               rounds => $runs);
    for my $key (qw(saves saves_per_second save_p50_ms save_p99_ms
                    readers_rps readers_p50_ms readers_p99_ms
                    quiet_readers_rps
                    readers_ratio)) {
        $out{$key} = median(map { $_->{$key} } @$runs);
    }
    $out{readers_bad} = sum(map { $_->{readers_bad} } @$runs);
    return \%out;
}

# Saves the post, each PUT naming the revision the last one returned,
# while wrk reads the post page for $SECONDS.  With a rate, a PUT starts
# every 1/rate s, or at once when the last one ended later; with 0, each
# starts when the last one ends.  Latencies are those of the PUTs.
sub autosave_run {
    my ($run, $rate) = @_;
    my @cmd = wrk_command($run->{readers}, $SECONDS);

    # The client is load, like wrk, so it runs on wrk's CPU.  It builds
    # each body from a prefix encoded once and reads only the revision of
    # each reply: encoding and decoding the whole post with JSON::PP took
    # about 0.7 ms of CPU per save, a third of a CPU at 450 saves a second.
    $wrk_pid = open(my $wrk, '-|', @cmd) or die "bench: cannot run wrk: $!\n";
    my $own_cpus = cpu_pinning_set($$, 1);
    my ($status, $body, @ms, $failed) = (0, '', (), 0);
    my $started_at = time;
    my $deadline = $started_at + $SECONDS - 0.5;
    my $next_at = $started_at;
    while (time < $deadline) {
        if ($rate) {
            my $wait = $next_at - time;
            sleep $wait if $wait > 0;
            $next_at = max($next_at + 1 / $rate, time);
        }
        my $request_body = $run->{save}->(scalar @ms, $run->{revision});
        my $started = time;
        ($status, undef, $body) = http_request(
            'PUT', $run->{port}, $BLOG_HOST, $run->{url},
            { %{ $run->{auth} }, 'Content-Type' => 'application/json' },
            $request_body);
        push @ms, (time - $started) * 1000;
        my ($next) = $status == 200 ? $body =~ /"revision"\s*:\s*(\d+)/
                                    : ();
        if (!$next) {
            $failed++;
            last;
        }
        $run->{revision} = $next;
    }
    my $seconds = time - $started_at;
    cpu_pinning_set($$, $own_cpus);
    my $out = do { local $/; <$wrk> } // '';
    close $wrk;
    $wrk_pid = undef;
    my $reading = parse_wrk($out) // {};
    return { status => 'error', reason => "PUT $run->{url} returned $status" }
        if $failed;
    return { status => 'error', reason => "cannot read wrk's output:\n$out" }
        unless defined $reading->{rps};
    return { status => 'measured', rate_asked => $rate,
             saves => scalar @ms, saves_per_second => @ms / $seconds,
             save_p50_ms => percentile(50, @ms),
             save_p99_ms => percentile(99, @ms),
             readers_rps => $reading->{rps},
             readers_p50_ms => $reading->{p50_ms},
             readers_p99_ms => $reading->{p99_ms},
             readers_bad => ($reading->{non_2xx_3xx} // 0)
                            + ($reading->{socket_errors} // 0) };
}

# Returns a function of (save number, revision) that makes the body of
# one autosave PUT: the post's fields, its source with "Autosave N."
# appended, and the revision.
sub autosave_body {
    my ($json, $post) = @_;
    my %fields = map { exists $post->{$_} ? ($_ => $post->{$_}) : () }
        qw(title slug description status published_at tags);
    my $fields = $json->encode(\%fields);
    my $source = $json->encode([$post->{source}]);
    $source =~ s/"\]\z// or die "bench: cannot encode the post's source\n";
    $source =~ s/\A\[//;
    $fields =~ s/\}\z//;
    $fields .= ',' if $fields ne '{';
    return sub {
        my ($n, $revision) = @_;
        return $fields . '"source":' . $source . "\\n\\nAutosave $n.\\n\","
            . '"revision":' . (0 + $revision) . '}';
    };
}

# Pins process pid to the CPUs of list (taskset syntax) when the bench
# pins, and returns the list it had, for restoring it.
sub cpu_pinning_set {
    my ($pid, $list) = @_;
    return undef unless $PIN && defined $list;
    my ($old) = command_output('taskset', '-pc', $pid) =~ /:\s*(\S+)\s*$/;
    command_output('taskset', '-pc', $list, $pid);
    die "bench: taskset -pc $list $pid failed\n" if $? != 0;
    return $old;
}

sub percentile {
    my ($p, @values) = @_;
    my @v = sort { $a <=> $b } @values;
    return undef unless @v;
    my $i = int($p / 100 * $#v + 0.5);
    return $v[$i];
}

sub verdict { $_[0] ? 'PASS' : 'MISS' }

sub check_targets {
    my ($s, $m, $write) = @_;
    my @t;
    my $ratio = sub {
        my ($case, $min) = @_;
        my $v = $s->{$case}{ratio};
        my $bad = $s->{$case}{bad_responses};
        push @t, { target => "$case req/s >= $min x baseline",
                   value => sprintf('%.2f', $v),
                   pass => !$bad && $v >= $min };
    };
    $ratio->('post', $TARGET{post_ratio});
    $ratio->($_, $TARGET{list_ratio}) for qw(index feed tag);
    for my $case (qw(post index feed tag not_modified)) {
        my $v = $s->{$case}{p99_factor};
        push @t, { target => "$case p99 <= $TARGET{p99_factor} x baseline p99",
                   value => sprintf('%.2f', $v),
                   pass => $v <= $TARGET{p99_factor} };
    }
    # A tenant open in the cold child means its requests were not all
    # first requests of their tenant in the process.
    my $cold_open = $s->{cold}{open_tenants_max};
    push @t, { target => "cold req/s >= $TARGET{cold_ratio} x baseline",
               value => sprintf('%.2f', $s->{cold}{ratio})
                        . ($cold_open ? " ($cold_open tenants open)" : ''),
               pass => !$s->{cold}{bad_responses} && defined $cold_open
                       && $cold_open == 0
                       && $s->{cold}{ratio} >= $TARGET{cold_ratio} };

    my $mass = $s->{mass};
    push @t, { target => "mass req/s >= $TARGET{mass_ratio} x post page",
               value => sprintf('%.2f', $mass->{post_ratio}),
               pass => !$mass->{bad_responses}
                       && $mass->{post_ratio} >= $TARGET{mass_ratio} };
    # A tenant in use stays open past the limit, so the bound is the
    # limit plus one tenant per wrk connection.
    my $bound = $MAX_TENANTS + $CONNECTIONS;
    push @t, { target => "mass open tenants <= WriteKitMaxTenants "
                         . "($MAX_TENANTS) + $CONNECTIONS in use",
               value => "$mass->{open_tenants_max} tenants, "
                        . "$mass->{tenant_fds_max} fds",
               pass => defined $mass->{open_tenants_max}
                       && $mass->{open_tenants_max} <= $bound };
    push @t, { target => "RSS per open idle tenant "
                         . "<= $TARGET{kb_per_tenant} KB",
               value => sprintf('%.1f KB', $m->{kb_per_tenant}),
               pass => $m->{kb_per_tenant} <= $TARGET{kb_per_tenant} };
    push @t, { target => "RSS growth for $MASS_TENANTS unopened files "
                         . "<= $TARGET{unopened_kb} KB",
               value => "$m->{unopened_growth_kb} KB",
               pass => $m->{unopened_growth_kb} <= $TARGET{unopened_kb} };
    push @t, write_targets($s, $write);
    return @t;
}

# The write path's targets; MISS with the reason when it was not measured.
# The readers' share is the lower of two: the median of the ratios to the
# quiet run of each round, and the readers' median over the post case's,
# so that a quiet run slowed by other work cannot flatter it.  It counts
# only when the readers got no error and the saves reached 90% of their
# rate.
sub write_targets {
    my ($s, $write) = @_;
    my $why = "$write->{status}: " . ($write->{reason} // '');
    return (
        { target => "autosave p99 <= $TARGET{save_p99_ms} ms under read "
                    . "load", value => $why, pass => 0 },
        { target => "readers lose <= " . 100 * $TARGET{reader_loss}
                    . "% during $SAVE_RATE autosaves a second",
          value => $why, pass => 0 },
    ) if $write->{status} ne 'measured';

    my $kept = readers_kept($s, $write);
    my $rate = $write->{saves_per_second};
    my @notes = (sprintf('%.0f saves/s', $rate));
    push @notes, "$write->{readers_bad} reader errors" if $write->{readers_bad};
    return (
        { target => "autosave p99 <= $TARGET{save_p99_ms} ms under read "
                    . "load",
          value => sprintf('%.2f ms', $write->{save_p99_ms}),
          pass => $write->{save_p99_ms} <= $TARGET{save_p99_ms} },
        { target => "readers lose <= " . 100 * $TARGET{reader_loss}
                    . "% during $SAVE_RATE autosaves a second",
          value => sprintf('lose %.0f%% (%s)', 100 * (1 - $kept),
                           join(', ', @notes)),
          pass => 1 - $kept <= $TARGET{reader_loss}
                  && !$write->{readers_bad} && $rate >= 0.9 * $SAVE_RATE },
    );
}

# The lower of the readers' two shares (see write_targets()).
sub readers_kept {
    my ($s, $write) = @_;
    my $to_post = $write->{readers_rps} / $s->{post}{rps};
    return $write->{readers_ratio} < $to_post ? $write->{readers_ratio}
                                              : $to_post;
}

sub print_write_rows {
    my ($name, $label, $w, $s) = @_;
    printf "%-17s %-34s %9.0f %8.2f %8.2f %7s\n", $name, $label,
        $w->{saves_per_second}, $w->{save_p50_ms}, $w->{save_p99_ms}, '';
    printf "%-17s %-34s %9.0f %8.2f %8.2f %7.2f\n", "${name}_readers",
        'post page meanwhile', $w->{readers_rps}, $w->{readers_p50_ms},
        $w->{readers_p99_ms}, readers_kept($s, $w);
}

sub print_fd_samples {
    my ($samples) = @_;
    my $round = 0;
    for my $f (@$samples) {
        printf "  round %d, pid %d: %d fds, %d on tenant files, "
            . "%d tenants open\n", ++$round, $f->{pid}, $f->{fds},
            $f->{tenant_fds}, $f->{open_tenants};
    }
}

sub print_report {
    my ($cases, $s, $m, $targets, $write) = @_;
    print "\nmedians over $ROUNDS rounds of $SECONDS s, wrk -t1 "
        . "-c$CONNECTIONS\n";
    printf "%-13s %-38s %9s %8s %8s %7s\n", 'case', 'what', 'req/s',
        'p50 ms', 'p99 ms', 'ratio';
    for my $case (@$cases) {
        my $r = $s->{ $case->{name} };
        printf "%-13s %-38s %9.0f %8.2f %8.2f %7.2f\n", $case->{name},
            $case->{label}, $r->{rps}, $r->{p50_ms}, $r->{p99_ms},
            $r->{ratio};
    }
    if ($write->{status} eq 'measured') {
        printf "%-17s %-34s %9.0f\n", 'write_quiet',
            'post page, no save', $write->{quiet_readers_rps};
        print_write_rows('write', "$SAVE_RATE autosaves a second", $write,
                         $s);
        print_write_rows('write_max', 'autosaves one after another',
                         $write->{max}, $s);
        printf "  (write: PUT of the post page's post, saves a second in "
            . "the req/s column;\n   _readers: wrk on the post page "
            . "meanwhile; its ratio is the lower of two, here\n   %.2f of "
            . "write_quiet in the same round and %.2f of the post case)\n",
            $write->{readers_ratio},
            $write->{readers_rps} / $s->{post}{rps};
    }
    else {
        printf "%-13s %-38s %s: %s\n", 'write', 'autosave while readers run',
            uc $write->{status}, $write->{reason};
    }

    print "\nfirst request of each tenant in any process, before any page "
        . "of it was rendered\n(one pass over all tenants before the "
        . "rounds; the tenant is opened and the page\nrendered):\n";
    for my $case (grep { $_->{first_pass} } @$cases) {
        my $f = $case->{first_pass};
        printf "  %-5s %6d tenants in %6.1f s: %7.0f req/s, %.2f x "
            . "baseline%s\n",
            $case->{name}, $f->{tenants}, $f->{seconds}, $f->{rps},
            $f->{rps} / $s->{baseline}{rps},
            $f->{bad_responses} ? "  ($f->{bad_responses} bad responses)"
                                : '';
    }

    print "\nopen fds of each child under mass hosting "
        . "(WriteKitMaxTenants $MAX_TENANTS):\n";
    print_fd_samples($s->{mass}{fd_samples});
    print "open fds of the cold case's child, restarted after the passes "
        . "(no tenant should be open):\n";
    print_fd_samples($s->{cold}{fd_samples});
    printf "\nmemory (one prefork child): %.1f KB resident per open idle "
        . "tenant (%d tenants, %d to %d KB), %.1f fds per tenant;\n"
        . "  %d unopened tenant files: RSS %d to %d KB\n",
        $m->{kb_per_tenant}, $m->{opened_tenants}, $m->{rss_unopened_kb},
        $m->{rss_open_kb}, $m->{fds_per_tenant}, $m->{unopened_files},
        $m->{rss_start_kb}, $m->{rss_unopened_kb};

    print "\ntargets:\n";
    printf "  %s  %-58s %s\n", verdict($_->{pass}), $_->{target}, $_->{value}
        for @$targets;
    for my $case (@$cases) {
        my $bad = $s->{ $case->{name} }{bad_responses};
        print "  note: $case->{name} had $bad bad responses or socket "
            . "errors\n" if $bad;
    }
}

sub write_json {
    my ($machine, $cases, $s, $runs, $m, $targets, $write, $d) = @_;
    my %cases;
    for my $case (@$cases) {
        my $name = $case->{name};
        $cases{$name} = {
            what => $case->{label}, host => $case->{host},
            path => $case->{path},
            rps => round($s->{$name}{rps}, 1),
            p50_ms => round($s->{$name}{p50_ms}, 3),
            p99_ms => round($s->{$name}{p99_ms}, 3),
            ratio_to_baseline => round($s->{$name}{ratio}, 3),
            p99_to_baseline => round($s->{$name}{p99_factor}, 3),
            bad_responses => $s->{$name}{bad_responses},
            rounds => $runs->{$name},
        };
        $cases{$name}{first_pass} = { %{ $case->{first_pass} },
            ratio_to_baseline => round($case->{first_pass}{rps}
                                       / $s->{baseline}{rps}, 3) }
            if $case->{first_pass};
        $cases{$name}{second_pass} = $case->{second_pass}
            if $case->{second_pass};
    }
    $cases{mass}{ratio_to_post} = round($s->{mass}{post_ratio}, 3);
    $cases{write} = $write;
    my %out = (
        date => $machine->{date}, machine => $machine,
        method => { rounds => $ROUNDS, seconds => $SECONDS,
                    warmup_seconds => $WARMUP_SECONDS,
                    wrk => "-t1 -c$CONNECTIONS --latency",
                    page_bytes => $d->{page_bytes},
                    save_rate => $SAVE_RATE,
                    mass_tenants => $MASS_TENANTS,
                    cold_tenants => $COLD_TENANTS,
                    max_tenants => $MAX_TENANTS,
                    tenant_file_bytes => $d->{tenant_bytes},
                    tenant_files_disk_bytes => $d->{disk_bytes} },
        cases => \%cases, memory => $m,
        targets => [ map { { %$_, pass => $_->{pass}
                                 ? JSON::PP::true : JSON::PP::false } }
                     @$targets ],
    );
    my $dir = "$TOP/bench/results";
    make_path($dir);
    open my $fh, '>', "$dir/latest.json" or die "bench: $dir: $!\n";
    print $fh JSON::PP->new->pretty->canonical->encode(\%out);
    close $fh;
    print "\nfigures written to bench/results/latest.json\n";
}

sub round {
    my ($v, $places) = @_;
    return undef unless defined $v;
    return sprintf("%.${places}f", $v) + 0;
}

# Lists error lines the servers logged; the bench expects none.  AH00161
# (all workers busy) is expected from the memory server, whose one
# prefork child is busy whenever a request runs.
sub report_error_logs {
    for my $log (glob "$tmp/*-error.log") {
        open my $fh, '<', $log or next;
        my @errors = grep { /\[(\w+:)?(error|crit|alert|emerg)\]/
                            && !/AH00161/ } <$fh>;
        next unless @errors;
        (my $name = $log) =~ s{.*/}{};
        printf "%s: %d error lines, first: %s", $name, scalar @errors,
            $errors[0];
    }
}
