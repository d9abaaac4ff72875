# Rendering is bounded: a post over the size limit and the inputs that
# blow cmark-gfm up in time or memory get an error naming the limit, the
# rest of the import goes in, and the server keeps serving throughout.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;
use WriteKit::Test;

my $mark = log_mark();
my $limit = 1024 * 1024;
my $front = "+++\ntitle = \"%s\"\ndate = 2024-01-0%d\n+++\n";

# The body is what the limit counts: front matter aside, the markdown
# source as stored.
my %posts = (
    'under.md' => sprintf($front, 'Just under', 1) . ('a' x ($limit - 1)) . "\n",
    'over.md'  => sprintf($front, 'Just over', 2) . ('a' x $limit) . "\n",
    'normal.md' => sprintf($front, 'Normal post', 3) . "Fine.\n",
    # One reference definition used 200,000 times.
    'refs.md' => sprintf($front, 'Reference bomb', 4)
        . "[a]: http://example.test/" . ('x' x 1000) . "\n\n"
        . ('[a]' x 200_000) . "\n",
    # A table 20,000 columns wide whose 3,000 short rows get padded out.
    'table.md' => sprintf($front, 'Wide table', 5) . '|' . ('a|' x 20_000)
        . "\n|" . ('-|' x 20_000) . "\n" . ("|x\n" x 3000),
    # Long runs of nested brackets.
    'brackets.md' => sprintf($front, 'Brackets', 6) . ('[' x 300_000)
        . ('![' x 100_000) . "\n",
);

my $file = make_blog('beta.db', title => 'Limits', base_url => 'http://beta.test');
is(blog_get('beta.test', '/')->code, 200, 'blog serves before import');

# Another tenant, to check that it keeps serving during the renders.
make_blog('alpha.db', title => 'Alpha Blog');

my ($rc, $out, $err);
eval {
    local $SIG{ALRM} = sub { die "import hung\n" };
    alarm 120;
    ($rc, $out, $err) = writekit('import', $file, write_posts(%posts));
    alarm 0;
};
is($@, '', 'import returns');
is($rc, 1, 'import exits 1 when files were skipped');
like($out, qr/under\.md: imported/, 'post just under the limit imported');
like($out, qr/normal\.md: imported/, 'normal post imported');
like($err, qr/over\.md: skipped: post source is \d+ bytes, over the limit of $limit bytes/,
     'post over the limit names the limit');
like($err, qr/refs\.md: skipped: rendering (needed more memory than the limit of \d+ MB|took more CPU time than the limit of \d+ s)/,
     'reference bomb stopped by a render budget');
like($err, qr/table\.md: skipped: rendering (needed more memory|took more CPU time)/,
     'wide table stopped by a render budget');
like("$out$err", qr/brackets\.md: (imported|skipped: rendering)/,
     'nested brackets rendered or stopped, never hung');

my $r = blog_get('beta.test', '/posts/under');
is($r->code, 200, 'post just under the limit served');
ok(length($r->content) > $limit, 'with its whole body');
is(blog_get('beta.test', '/posts/over')->code, 404, 'post over the limit not stored');
is(blog_get('beta.test', '/posts/refs')->code, 404, 'bomb not stored');
is(blog_get('beta.test', '/posts/normal')->code, 200, 'the rest went in');
is(blog_get('alpha.test', '/')->code, 200, 'other blogs keep serving');

no_unexpected_errors($mark);
done_testing();
