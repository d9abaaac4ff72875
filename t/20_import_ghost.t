# Ghost exports: a Ghost 5 export (db wrapper, html, lexical and
# mobiledoc posts, secrets) and a Ghost 0.x one (no wrapper, markdown,
# times in milliseconds) import with what the source says, no secret
# reaches the tenant file, and broken exports change nothing.
use strict;
use warnings;

use Encode qw(decode_utf8);
use FindBin;
use HTML::Entities qw(decode_entities);
use JSON::PP;
use Time::Local qw(timegm);
use lib "$FindBin::Bin/lib";

use Test::More;
use WriteKit::Tenant;
use WriteKit::Test;

my $fixtures = "$FindBin::Bin/fixtures/import";
my $mark = log_mark();

sub sql {
    my ($file, $query) = @_;
    my $out = `sqlite3 -separator '|' $file "$query"`;
    chomp $out;
    return decode_utf8($out);
}

sub page_of {
    my ($host, $path) = @_;
    return decode_utf8(blog_get($host, $path)->content);
}

# --- Ghost 5 --------------------------------------------------------------

my $host = 'ghost5.mass.example';
my $file = make_blog("mass/$host.db", title => 'Ghost 5',
                     base_url => "http://$host");
my ($rc, $out, $err) = writekit('import', $file, "$fixtures/ghost-5.json",
                                '--media', "$fixtures/ghost-media");
is($rc, 0, 'Ghost 5 export imports') or diag("$out$err");
like($out, qr/: 6 imported, 0 updated, 0 unchanged, 2 images stored, 3 ignored, 0 failed, /,
     'Ghost 5 counts');
like($out, qr/post members-corner "Members corner": skipped: for members only/,
     'members-only post reported and skipped');
like($out, qr/post paid-deep-dive "Paid deep dive": skipped: for paying members only/,
     'paid post reported and skipped');
like($out, qr/post newsletter-12 "Newsletter 12": skipped: sent by email only/,
     'email-only post reported and skipped');
like($out, qr{post lighthouse-keepers "Lighthouse keepers": media file not found in \Q$fixtures\E/ghost-media: \S*/content/images/2023/05/missing\.png},
     'missing image reported for its post');
like($out, qr/post lexical-only "Lexical only": card 'signup' left out/,
     'card without HTML reported');

my $source = decode_json(do {
    local (@ARGV, $/) = "$fixtures/ghost-5.json";
    <>;
});
my %posts = map { $_->{slug} => $_ } @{ $source->{db}[0]{data}{posts} };
for my $slug (qw(lighthouse-keepers lexical-only mobiledoc-only about
                 next-season)) {
    my ($y, $mo, $d, $h, $mi, $s) = $posts{$slug}{published_at}
        =~ /^(\d+)-(\d+)-(\d+)T(\d+):(\d+):(\d+)/;
    is(sql($file, "SELECT published_at FROM posts WHERE slug = '$slug'"),
       timegm($s, $mi, $h, $d, $mo - 1, $y), "$slug dated as in the export");
}
is(sql($file, "SELECT status FROM posts WHERE slug = 'unfinished'"), 'draft',
   'draft stays a draft');
is(sql($file, "SELECT status FROM posts WHERE slug = 'next-season'"),
   'scheduled', 'scheduled post stays scheduled');
is(sql($file, "SELECT kind FROM posts WHERE slug = 'about'"), 'page',
   'page stored as a page');
is(sql($file, "SELECT author FROM posts WHERE slug = 'lighthouse-keepers'"),
   'Mara Lind, Olle Berg', 'authors in their sort order');
is(sql($file, "SELECT group_concat(name, ',') FROM (SELECT t.name FROM tags t JOIN post_tags pt ON pt.tag_id = t.id JOIN posts p ON p.id = pt.post_id WHERE p.slug = 'lighthouse-keepers' ORDER BY t.name)"),
   'Coast,History', 'tags without the internal one');
is(sql($file, "SELECT description || '|' || excerpt || '|' || canonical_url FROM posts WHERE slug = 'lighthouse-keepers'"),
   'How keepers kept the light.|Ninety steps a night.|https://coast-magazine.example.com/keepers',
   'meta description, excerpt and canonical URL');
is(sql($file, "SELECT group_concat(slug || '=' || name || '=' || email || '=' || bio, ' ') FROM (SELECT * FROM authors ORDER BY slug)"),
   'mara=Mara Lind=mara@example.org=Keeps the north light. olle=Olle Berg=olle@example.org=',
   'users stored as author profiles');

# Secrets: not in the tenant file, its WAL or any table.
open my $fh, '<:raw', $file or die $!;
my $bytes = do { local $/; <$fh> };
close $fh;
$bytes .= do { local (@ARGV, $/) = "$file-wal"; <> } // '' if -f "$file-wal";
unlike($bytes, qr/SECRETMARKER/, 'no secret of the export in the tenant file');
unlike($bytes, qr/\$2a\$10\$/, 'no password hash in the tenant file');
unlike($bytes, qr/secretmarker-member/, 'no member in the tenant file');
is(sql($file, "SELECT count(*) FROM users"), 0, 'no sign-in account made');
is(sql($file, "SELECT value FROM settings WHERE name = 'title'"), 'Ghost 5',
   'the blog keeps its own title');

# Served, from the old URLs too.
for my $slug (qw(lighthouse-keepers lexical-only mobiledoc-only about)) {
    my $r = blog_get($host, "/$slug/");
    is($r->code, 301, "/$slug/ redirects");
    is($r->header('Location'), "/posts/$slug", "/$slug/ points at the post");
    my ($h1) = page_of($host, "/posts/$slug") =~ m{<h1>(.*?)</h1>}s;
    is(decode_entities($h1 // ''), $posts{$slug}{title}, "$slug has its title");
}
is(blog_get($host, '/posts/unfinished')->code, 404, 'draft not served');
is(blog_get($host, '/posts/members-corner')->code, 404,
   'members-only post not served');

my $html = page_of($host, '/posts/lighthouse-keepers');
like($html, qr{<p>Keepers climbed <strong>ninety</strong> steps\.</p>},
     'html preferred over lexical');
like($html, qr{<img src="\.\./media/content/images/2023/05/lighthouse\.png" class="kg-image"},
     'resized copy replaced by the stored original');
like($html, qr{<img class="featured" src="\.\./media/content/images/2023/05/keeper\.png"},
     'featured image stored');
like($html, qr{<a href="http://\Q$host\E/about/">about us</a>},
     '__GHOST_URL__ becomes the blog URL');
unlike($html, qr/<script|onmouseover|document\.cookie/, 'no script survives');
like($html, qr{<link rel="canonical" href="https://coast-magazine\.example\.com/keepers">},
     'canonical link');

my $lexical = page_of($host, '/posts/lexical-only');
like($lexical, qr{<h2>The lamp</h2>}, 'lexical heading');
like($lexical, qr{<p><em>Quiet</em> nights <a href="https://charts\.example\.org/north">and charts</a><br />&lt;b&gt;not bold&lt;/b&gt;</p>},
     'lexical paragraph with formats, link, break and escaped text');
like($lexical, qr{<ol><li>Oil</li><li>Wicks</li></ol>}, 'lexical list');
like($lexical, qr{<figure class="kg-image-card"><img src="\.\./media/content/images/2023/05/lighthouse\.png" alt="The tower" /><figcaption><span>The tower at dusk</span></figcaption></figure>},
     'lexical image card');
like($lexical, qr{<pre><code class="language-c">if \(dark\) \{ light\(\); \}</code></pre>},
     'lexical code card');
like($lexical, qr{<p>A <strong>markdown</strong> card\.</p>},
     'lexical markdown card');

my $mobiledoc = page_of($host, '/posts/mobiledoc-only');
like($mobiledoc, qr{<p>Read the <a href="https://tides\.example\.org/">tide tables</a> and <strong>hurry</strong>\.</p>},
     'mobiledoc markups');
like($mobiledoc, qr{<ul><li>Boots</li><li>Coat</li></ul>}, 'mobiledoc list');
like($mobiledoc, qr{<p>Fog <em>rolls</em> in\.</p>}, 'mobiledoc markdown card');
like($mobiledoc, qr{<img src="\.\./media/content/images/2023/05/keeper\.png" alt="Keeper" />},
     'mobiledoc image card');
like($mobiledoc, qr{<hr />\s*<h3>End</h3>}, 'mobiledoc rule and heading');

# Again: nothing changes.
my $dump = tenant_dump($file);
($rc, $out, $err) = writekit('import', $file, "$fixtures/ghost-5.json",
                             '--media', "$fixtures/ghost-media");
like($out, qr/: 0 imported, 0 updated, 6 unchanged, /,
     'second import changes no post');
is(tenant_dump($file), $dump, 'tenant file the same after it');

# --private draft brings members-only posts in as drafts.
my $private = make_blog('mass/ghost-private.mass.example.db');
($rc, $out, $err) = writekit('import', $private, "$fixtures/ghost-5.json",
                             '--private', 'draft');
is($rc, 0, 'import with --private draft');
is(sql($private, "SELECT group_concat(status, ',') FROM (SELECT status FROM posts WHERE slug IN ('members-corner', 'paid-deep-dive', 'newsletter-12') ORDER BY slug)"),
   'draft,draft,draft', 'hidden and email-only posts are drafts');

# --- Ghost 0.x: no db wrapper, markdown, milliseconds ---------------------

my $old_host = 'ghost0.mass.example';
my $old = make_blog("mass/$old_host.db", title => 'Ghost 0',
                    base_url => "http://$old_host");
($rc, $out, $err) = writekit('import', $old, "$fixtures/ghost-0.x.json",
                             '--media', "$fixtures/ghost-media");
is($rc, 0, 'Ghost 0.x export imports') or diag("$out$err");
like($out, qr/: 3 imported, /, 'three posts imported');
is(sql($old, "SELECT published_at FROM posts WHERE slug = 'welcome-to-ghost'"),
   1388318310, 'epoch milliseconds turned into seconds');
is(sql($old, "SELECT source_format FROM posts WHERE slug = 'welcome-to-ghost'"),
   'markdown', 'markdown stays markdown');
like(sql($old, "SELECT source FROM posts WHERE slug = 'welcome-to-ghost'"),
     qr{!\[An old picture\]\(\.\./media/content/images/2014/01/old\.png\)},
     'markdown source links the stored image');
is(sql($old, "SELECT kind FROM posts WHERE slug = 'colophon'"), 'page',
   'page flag read');
is(sql($old, "SELECT featured_image FROM posts WHERE slug = 'welcome-to-ghost'"),
   '../media/content/images/2014/01/old.png', 'old image field read');
is(sql($old, "SELECT author || '|' || description FROM posts WHERE slug = 'welcome-to-ghost'"),
   'Old Author|The first post.', 'author_id and meta_description read');
is(sql($old, "SELECT group_concat(name) FROM tags"), 'Getting Started',
   'tag read');
like(page_of($old_host, '/posts/welcome-to-ghost'),
     qr{<p><img src="\.\./media/content/images/2014/01/old\.png" alt="An old picture" /></p>},
     'markdown rendered with the stored image');
unlike(sql($old, ".dump"), qr/SECRETMARKER|\$2a\$10\$/,
       'no secret of the old export stored');

# --- Broken exports change nothing ---------------------------------------

my $before = tenant_dump($old);
for my $case (
    [ 'ghost-truncated.json', qr/malformed JSON at byte 2000: the file ends before the JSON does/ ],
    [ 'ghost-not-export.json', qr/not a Ghost export: no data\.posts list/ ],
    [ 'ghost-latin1.json', qr/wrong encoding: the file is not valid UTF-8/ ],
    [ 'ghost-deep.json', qr/malformed JSON at byte \d+: nesting too deep/ ],
) {
    my ($name, $reason) = @$case;
    my $path = "$fixtures/hostile/$name";
    ($rc, $out, $err) = writekit('import', $old, $path);
    is($rc, 1, "$name fails");
    like($err, qr/^writekit: \Q$path\E: /, "$name: message names the file");
    like($err, $reason, "$name: message gives the reason");
    is(tenant_dump($old), $before, "$name: tenant unchanged");
}

no_unexpected_errors($mark);
done_testing();
