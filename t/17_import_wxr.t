# WordPress exports: the hand-made WXR 1.0, 1.1 and 1.2 fixtures and the
# real exports of the WordPress corpus import with what the source says
# (posts, pages, statuses, dates in UTC, tags, authors, redirects and
# images), and every published post and page is served.
use strict;
use warnings;

use Encode qw(decode_utf8 encode_utf8);
use FindBin;
use HTML::Entities qw(decode_entities);
use lib "$FindBin::Bin/lib";

use Test::More;
use WriteKit::Source;
use WriteKit::Test;

my $fixtures = "$FindBin::Bin/fixtures/import";
my $corpus = $ENV{WK_WORDPRESS_CORPUS}
             // "$FindBin::Bin/../../shared/corpus/wordpress";
my $mark = log_mark();

# A blog of the mass hosting virtual host, so each test has its own.
sub mass_blog {
    my ($name) = @_;
    my $host = "$name.mass.example";
    my $file = make_blog("mass/$host.db", title => $name,
                         base_url => "http://$host");
    return ($host, $file);
}

sub sql {
    my ($file, $query) = @_;
    my $out = `sqlite3 -separator '|' $file "$query"`;
    chomp $out;
    return decode_utf8($out);
}

# Follows one redirect; returns the final response and the Location.
sub get_via_redirect {
    my ($host, $path) = @_;
    my $r = blog_get($host, $path);
    return ($r, undef) unless $r->code == 301;
    my $location = $r->header('Location');
    return (blog_get($host, $location), $location);
}

sub h1_of {
    my ($response) = @_;
    my ($h1) = decode_utf8($response->content) =~ m{<h1>(.*?)</h1>}s;
    return decode_entities($h1 // '');
}

# --- WXR 1.2: every feature on one small blog ---------------------------

my ($host, $file) = mass_blog('wxr12');
my ($rc, $out, $err) = writekit('import', $file, "$fixtures/wxr-1.2.xml",
                                '--media', "$fixtures/wxr-media");
is($rc, 0, 'WXR 1.2 imports') or diag("$out$err");
like($out, qr/: 8 imported, 0 updated, 1 unchanged, 2 images stored, 4 ignored, 0 failed, /,
     'WXR 1.2 counts');
like($out, qr/post 106 "Private thoughts": skipped: private/,
     'private post reported and skipped');
like($out, qr/post 107 "Thrown away": skipped: in the trash/,
     'trashed post reported and skipped');
like($out, qr/post 108 "Members only": skipped: password-protected/,
     'password-protected post reported and skipped');
like($out, qr/nav_menu_item 301 "Home": skipped: items of type 'nav_menu_item'/,
     'menu item reported and skipped');
like($out, qr{post 101 "Harbour at dawn": media file not found in \Q$fixtures\E/wxr-media: \Qhttps://old.example.org/blog/wp-content/uploads/2019/04/lost.png\E; the post keeps this link},
     'missing image reported for its post');
like($out, qr{post 101 "Harbour at dawn": media file not stored: .*notes\.png is not a PNG},
     'file that is no image reported for its post');
like($out, qr{attachment 202 "gone": file not found in the media folder: 2019/04/gone\.png},
     'missing attachment reported');
like($out, qr{post 111 "Gallery day": shortcode \[gallery\] left as text},
     'gallery shortcode reported');

my $wxr = wxr_read("$fixtures/wxr-1.2.xml");
my %by_id = map { $_->{id} => $_ } @{ $wxr->{items} };
is(sql($file, "SELECT count(*) FROM posts WHERE kind = 'post'"), 6,
   'six posts stored');
is(sql($file, "SELECT group_concat(slug, ' ') FROM (SELECT slug FROM posts WHERE kind = 'page' ORDER BY slug)"),
   'about team', 'two pages stored');
is(sql($file, "SELECT status FROM posts WHERE slug = 'half-written'"), 'draft',
   'draft stays a draft');
is(sql($file, "SELECT status FROM posts WHERE slug = 'next-century'"),
   'scheduled', 'future post is scheduled');
is(sql($file, "SELECT count(*) FROM posts WHERE title IN ('Private thoughts', 'Thrown away', 'Members only')"),
   0, 'skipped posts not stored');

# Dates: the UTC date of the source, and for the draft without one its
# local date at the offset the other items show (two hours).
for my $id (101, 102, 103, 104, 109) {
    my $want = wxr_gmt($by_id{$id}{date_gmt});
    is(sql($file, "SELECT published_at FROM posts p JOIN redirects r ON r.post_id = p.id WHERE r.path = '?p=$id'"),
       $want, "post $id dated $by_id{$id}{date_gmt} UTC");
}
is(sql($file, "SELECT published_at FROM posts WHERE slug = 'half-written'"),
   wxr_gmt('2021-03-01 08:00:00'), 'local draft date turned into UTC');

is(sql($file, "SELECT group_concat(name, ',') FROM (SELECT t.name FROM tags t JOIN post_tags pt ON pt.tag_id = t.id JOIN posts p ON p.id = pt.post_id WHERE p.slug = 'harbour-at-dawn' ORDER BY t.name)"),
   'Sea,Travel', 'category and tag become tags');
is(sql($file, "SELECT group_concat(name, ',') FROM (SELECT t.name FROM tags t JOIN post_tags pt ON pt.tag_id = t.id JOIN posts p ON p.id = pt.post_id WHERE p.title = 'Über Straßen')"),
   'Sea', 'post format left out of the tags');
is(sql($file, "SELECT author FROM posts WHERE slug = 'harbour-at-dawn'"),
   'Anna Berg', 'author shown by display name');
is(sql($file, "SELECT group_concat(slug || '=' || name || '=' || email, ' ') FROM (SELECT * FROM authors ORDER BY slug)"),
   'anna=Anna Berg=anna@example.org ben=Ben Ode=ben@example.org',
   'authors stored');
unlike(sql($file, "SELECT group_concat(name) FROM pragma_table_info('authors')"),
       qr/pass/i, 'authors have no password column');
is(sql($file, "SELECT count(*) FROM users"), 0, 'no sign-in account made');
is(sql($file, "SELECT description || '|' || excerpt FROM posts WHERE slug = 'harbour-at-dawn'"),
   'A morning at the harbour.|Boats, gulls & engines.',
   'Yoast description and plain excerpt');
is(sql($file, "SELECT source_format FROM posts WHERE slug = 'harbour-at-dawn'"),
   'html', 'source format is html');
is(sql($file, "SELECT count(*) FROM posts WHERE source <> html"), 0,
   'HTML source stored as sanitized');

# Served: every published post and page, at its new URL and from its old
# ones, under the base path and without it.
for my $id (101, 102, 103, 104, 110, 111) {
    my $item = $by_id{$id};
    my ($path) = $item->{link} =~ m{^https?://[^/]+(/[^?#]*)};
    (my $below = $path) =~ s{^/blog}{};
    for my $old ($path, $below, "/?p=$id") {
        my ($r, $location) = get_via_redirect($host, url_path_escape($old));
        is($r->code, 200, "item $id served from $old");
        my $title = $item->{title} eq '' ? '(no title)' : $item->{title};
        is(h1_of($r), $title, "item $id from $old has its title");
    }
}
my ($r, $location) = get_via_redirect($host, '/?page_id=104');
is($location, '/posts/team', 'page_id permalink redirects to the page');
is(blog_get($host, '/?p=999')->code, 200, 'unknown ?p= serves the index');
is(blog_get($host, '/?p=105')->code, 200, 'draft ?p= serves the index');
is(blog_get($host, '/posts/half-written')->code, 404, 'draft not served');
is(blog_get($host, '/posts/next-century')->code, 404,
   'scheduled post not served before its time');
is(blog_get($host, '/2099/01/01/next-century/')->code, 404,
   'scheduled post not redirected before its time');
is(blog_get($host, '/2021/02/01/private-thoughts/')->code, 404,
   'private post not served');

my $index = decode_utf8(blog_get($host, '/')->content);
like($index, qr/Harbour at dawn/, 'post on the index');
unlike($index, qr{/posts/about"}, 'page left off the index');

# The post's HTML: paragraphs as WordPress shows them, the caption as a
# figure, stored images linked, and nothing hostile.
my $html = decode_utf8(blog_get($host, '/posts/harbour-at-dawn')->content);
like($html, qr{<p>The boats came in before six\.<br />\nThe gulls were louder than the engines\.</p>},
     'classic content gets paragraphs and line breaks');
like($html, qr{<figure id="attachment_201" class="wp-caption alignright"><img [^>]*src="\.\./media/wp-content/uploads/2019/04/harbour\.png"},
     'caption becomes a figure with the stored image');
like($html, qr{<figcaption class="wp-caption-text">The harbour at 6 a\.m\.</figcaption>},
     'caption text kept');
like($html, qr{<a href="\.\./media/wp-content/uploads/2019/04/harbour\.png">the full picture</a>},
     'link to the full image rewritten');
like($html, qr{src="https://old\.example\.org/blog/wp-content/uploads/2019/04/lost\.png"},
     'missing image keeps its original link');
like($html, qr{<img class="featured" src="\.\./media/wp-content/uploads/2019/04/cover\.png"},
     'featured image from the stored attachment');
like($html, qr{<meta name="description" content="A morning at the harbour\.">},
     'description in the meta tag');
unlike($html, qr/<script|onclick|javascript:|alert/i, 'no script survives');
unlike($html, qr/<iframe/i, 'iframe from a host not allowed is dropped');
like($html, qr{<li>Nets</li>}, 'list kept');

my $blocks = decode_utf8(blog_get($host, url_path_escape('/posts/über-straßen'))->content);
like($blocks, qr{<p>Block two\non two lines\.</p>},
     'block content kept as written, without added breaks');
unlike($blocks, qr/<!--/, 'block comments dropped');
like($blocks, qr{<link rel="canonical" href="https://magazine\.example\.com/streets">},
     'canonical URL from Yoast');

for my $media ('cover.png', 'harbour.png') {
    my $got = blog_get($host, "/media/wp-content/uploads/2019/04/$media");
    is($got->code, 200, "$media served");
    is($got->header('Content-Type'), 'image/png', "$media is a PNG");
    open my $fh, '<:raw', "$fixtures/wxr-media/2019/04/$media" or die $!;
    local $/;
    my $bytes = <$fh>;
    ok($got->content eq $bytes, "$media has the bytes of the file");
}
is(sql($file, "SELECT count(*) FROM media"), 2, 'only found images stored');

# --private draft brings hidden items in as drafts.
my ($private_host, $private_file) = mass_blog('wxr12-private');
($rc, $out, $err) = writekit('import', $private_file, "$fixtures/wxr-1.2.xml",
                             '--private', 'draft');
is($rc, 0, 'import with --private draft');
is(sql($private_file, "SELECT group_concat(status, ',') FROM (SELECT status FROM posts WHERE title IN ('Private thoughts', 'Thrown away', 'Members only'))"),
   'draft,draft,draft', 'private, trashed and protected items are drafts');
is(blog_get($private_host, '/2021/02/03/members-only/')->code, 404,
   'protected post still not served');
like($out, qr{media file not found \(no --media folder given\): \Qhttps://old.example.org/blog/wp-content/uploads/2019/04/harbour-300x200.png\E},
     'without --media each image is reported');
($rc, $out, $err) = writekit('import', $private_file, "$fixtures/wxr-1.2.xml",
                             '--private', 'public');
is($rc, 2, '--private with another value is a usage error');
like($err, qr/--private takes 'skip' or 'draft', not 'public'/,
     'and says which values it takes');

# --- WXR 1.1 and 1.0 ----------------------------------------------------

($host, $file) = mass_blog('wxr11');
($rc, $out, $err) = writekit('import', $file, "$fixtures/wxr-1.1.xml");
is($rc, 0, 'WXR 1.1 imports') or diag("$out$err");
($r, $location) = get_via_redirect($host, '/?p=7');
is($location, '/posts/second-last', 'plain permalink of a post redirects');
is(h1_of($r), 'Second & last', 'and reaches the post');
($r, $location) = get_via_redirect($host, '/?page_id=2');
is($location, '/posts/contact', 'plain permalink of a page redirects');
like(decode_utf8($r->content), qr{<p>Write to us\.</p>}, 'page has its text');
like(decode_utf8(blog_get($host, '/posts/second-last')->content),
     qr{<blockquote><p>A quote<br />\nover two lines</p></blockquote>},
     'blockquote text gets a paragraph');
is(sql($file, "SELECT published_at FROM posts WHERE slug = 'hello-world'"),
   wxr_gmt('2011-01-10 09:00:00'), 'WXR 1.1 date in UTC');

($host, $file) = mass_blog('wxr10');
($rc, $out, $err) = writekit('import', $file, "$fixtures/wxr-1.0.xml");
is($rc, 0, 'WXR 1.0 imports') or diag("$out$err");
($r, $location) = get_via_redirect($host, '/2009/12/31/the-first-year/');
is($location, '/posts/the-first-year', 'WXR 1.0 permalink redirects');
is(h1_of($r), 'The first year', 'and reaches the post');
is(sql($file, "SELECT group_concat(name, ',') FROM (SELECT name FROM tags ORDER BY name)"),
   'Anniversary,History', 'WXR 1.0 categories and tags, once each');
is(sql($file, "SELECT author FROM posts"), 'editor',
   'creator without an author entry kept as the author');

# --- The corpus of real exports -----------------------------------------

SKIP: {
    skip "WordPress corpus not found at $corpus", 1 unless -d $corpus;
    my @exports = grep { !/malformed/ } sort glob("$corpus/*.xml");
    ok(@exports >= 4, scalar(@exports) . ' corpus exports');
    my $n = 0;
    for my $export (@exports) {
        (my $name = $export) =~ s{.*/}{};
        my ($corpus_host, $corpus_file) = mass_blog('wpcorpus' . $n++);
        ($rc, $out, $err) = writekit('import', $corpus_file, $export);
        is($rc, 0, "$name imports") or diag($err);

        my $source = wxr_read($export);
        my @published = grep {
            $_->{type} =~ /^(post|page)$/ && $_->{status} eq 'publish'
                && $_->{password} eq ''
        } @{ $source->{items} };
        my @scheduled = grep {
            $_->{type} =~ /^(post|page)$/ && $_->{status} eq 'future'
        } @{ $source->{items} };
        is(sql($corpus_file, "SELECT count(*) FROM posts WHERE status IN ('published', 'scheduled')"),
           @published + @scheduled, "$name: every published post and page stored");
        is(sql($corpus_file, "SELECT count(*) FROM posts WHERE kind = 'page'"),
           scalar(grep { $_->{type} eq 'page' && $_->{status} =~ /^(publish|future|draft|pending)$/ && $_->{password} eq '' } @{ $source->{items} }),
           "$name: pages stored as pages");

        my $count = sql($corpus_file, "SELECT count(*) FROM posts");
        ($rc, $out, $err) = writekit('import', $corpus_file, $export);
        like($out, qr/: 0 imported, 0 updated, \d+ unchanged, /,
             "$name: a second import changes nothing");
        is(sql($corpus_file, "SELECT count(*) FROM posts"), $count,
           "$name: and adds no post");

        my (@failures, $served);
        $served = 0;
        for my $item (@published) {
            my $title = $item->{title} eq '' ? '(no title)' : $item->{title};
            my @old = ("/?p=$item->{id}");
            my ($path, $query) = ($item->{link} // '')
                =~ m{^https?://[^/]+(/[^?#]*)(\?[^#]*)?};
            push @old, url_path_escape($path)
                if defined $path && $path ne '/' && !defined $query;
            for my $old (@old) {
                my ($page, $location) = get_via_redirect($corpus_host, $old);
                if (!defined $location || $page->code != 200) {
                    push @failures, "$item->{id} $old: "
                        . ($location ? "$location gave " . $page->code
                                     : 'no redirect');
                    next;
                }
                if (h1_of($page) ne $title) {
                    push @failures, "$item->{id} $old: title '"
                        . encode_utf8(h1_of($page)) . "'";
                    next;
                }
                $served++;
            }
            my $date = wxr_gmt($item->{date_gmt});
            my $stored = sql($corpus_file, "SELECT p.published_at FROM posts p JOIN redirects r ON r.post_id = p.id WHERE r.path = '?p=$item->{id}'");
            push @failures, "$item->{id}: date $stored, expected $date"
                if defined $date && $stored ne $date;
            my $tags = sql($corpus_file, "SELECT count(*) FROM post_tags pt JOIN redirects r ON r.post_id = pt.post_id WHERE r.path = '?p=$item->{id}'");
            my %distinct = map { lc($_) => 1 } @{ $item->{tags} };
            push @failures, "$item->{id}: $tags tags, expected "
                . scalar(keys %distinct)
                if $tags != keys %distinct;
        }
        ok(!@failures, "$name: every published item served from its old "
                       . "URLs with its title, date and tags ($served URLs)")
            or diag(join "\n", @failures[0 .. ($#failures > 20 ? 20 : $#failures)]);
    }
}

no_unexpected_errors($mark);
done_testing();
