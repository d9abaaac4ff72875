# A real blog: every post of the rust-blog corpus imports with its title
# and date, and is served at its old URL and its new one, images and all.
use strict;
use warnings;

use Encode qw(decode_utf8);
use File::Find;
use FindBin;
use HTML::Entities qw(decode_entities);
use lib "$FindBin::Bin/lib";

use Test::More;
use WriteKit::Test;

my $corpus = $ENV{WK_RUST_BLOG} // "$FindBin::Bin/../../shared/corpus/rust-blog";
plan skip_all => "corpus not found at $corpus" unless -d $corpus;

my $mark = log_mark();

# What the corpus says: each post's title and old path, from its front
# matter.
my (%expected, %untitled);
find(sub {
    return unless /\.md$/ && $_ ne '_index.md';
    my $file = $File::Find::name;
    open my $fh, '<:raw', $_ or die "$file: $!";
    local $/;
    my $text = decode_utf8(<$fh>);
    my ($front) = $text =~ /\A\+\+\+\n(.*?)\n\+\+\+/s or return;
    my ($title) = $front =~ /^title\s*=\s*'''(.*?)'''/m;
    ($title) = $front =~ /^title\s*=\s*"((?:[^"\\]|\\.)*)"/m unless defined $title;
    $title =~ s/\\(["\\])/$1/g if defined $title;
    ($title) = $front =~ /^title\s*=\s*'([^']*)'/m unless defined $title;
    my ($path) = $front =~ /^path\s*=\s*"([^"]*)"/m;
    if (!defined $title) {
        $untitled{$file} = 1;   # a page stub, not a post
        return;
    }
    $expected{$file} = { title => $title, path => $path };
}, $corpus);
my $count = keys %expected;
ok($count > 700, "corpus has $count posts");

my $file = make_blog('corpus.db', title => 'Rust Blog',
                     base_url => 'http://corpus.test');
my ($rc, $out, $err) = writekit('import', $file, $corpus);
my @imported = grep { /: imported$/ } split /\n/, $out;
my @skipped = grep { /skipped/ } split /\n/, "$out\n$err";
is(scalar @imported, $count, 'every post imported')
    or diag(join "\n", grep { !/_index\.md/ } @skipped);
my @unexpected = grep {
    my $line = $_;
    $line !~ /_index\.md/ && $line !~ /LICENSE/
        && !grep { index($line, "$_: skipped: missing title") >= 0 } keys %untitled
} @skipped;
ok(!@unexpected, 'only section indexes, untitled stubs and non-images skipped')
    or diag(join "\n", @unexpected);

my $posts = `sqlite3 $file "SELECT count(*) FROM posts WHERE status = 'published' AND published_at > 0"`;
chomp $posts;
is($posts, $count, 'every post stored as published with a date');

($rc, $out) = writekit('import', $file, $corpus);
my $again = `sqlite3 $file "SELECT count(*) FROM posts"`;
chomp $again;
is($again, $count, 're-import duplicates nothing');

# Every post: its old path redirects to its page, which has its title.
my ($served, $titled, $redirected, @failures) = (0, 0, 0);
my %images;
for my $source (sort keys %expected) {
    my $want = $expected{$source};
    next unless defined $want->{path};
    (my $old = $want->{path}) =~ s{^/}{};
    my $r = blog_get('corpus.test', "/$old");
    if ($r->code != 301) {
        push @failures, "$source: /$old gave " . $r->code;
        next;
    }
    $redirected++;
    my $location = $r->header('Location');
    $r = blog_get('corpus.test', $location);
    if ($r->code != 200) {
        push @failures, "$source: $location gave " . $r->code;
        next;
    }
    $served++;
    my $html = $r->decoded_content;
    my ($h1) = $html =~ m{<h1>(.*?)</h1>}s;
    $h1 = decode_entities($h1 // '');
    if ($h1 eq $want->{title}) {
        $titled++;
    }
    else {
        push @failures, "$source: title '$h1' expected '$want->{title}'";
    }
    # Media links are relative to the post's page, /posts/SLUG.
    $images{"/media/$_"} = $source for $html =~ m{<img src="\.\./media/([^"]+)"}g;
}
is($redirected, $count, 'every old path redirects');
is($served, $count, 'every post page 200');
is($titled, $count, 'every post page has its title');
diag(join "\n", @failures[0 .. ($#failures > 20 ? 20 : $#failures)])
    if @failures;

ok(scalar(keys %images) > 50, scalar(keys %images) . ' local images referenced');
my @broken = grep { blog_get('corpus.test', $_)->code != 200 } sort keys %images;
ok(!@broken, 'every image loads')
    or diag(join "\n", map { "$_ in $images{$_}" } @broken[0 .. ($#broken > 20 ? 20 : $#broken)]);

no_unexpected_errors($mark);
done_testing();
