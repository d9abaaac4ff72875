package WriteKit::Source;

# What an export says, read with parsers other than the ones the module
# uses (expat for XML), so tests compare the import against the source
# and not against itself.

use strict;
use warnings;

use Exporter 'import';
use Time::Local qw(timegm);
use URI::Escape qw(uri_escape_utf8 uri_unescape);
use XML::Parser;

our @EXPORT = qw(wxr_read wxr_gmt url_path_escape);

# Reads a WordPress export.  Returns { base => base_blog_url or link,
# items => [ { type, status, id, title, link, name, date, date_gmt,
# password, creator, tags => [...], meta => { key => value } } ],
# authors => { login => display name } }.  Strings are Perl characters.
sub wxr_read {
    my ($file) = @_;
    my (%channel, @items, %authors, $item, $author, $meta, @path);
    my $text = '';
    my $parser = XML::Parser->new(Handlers => {
        Start => sub {
            my ($expat, $name, %attr) = @_;
            push @path, $name;
            $text = '';
            if ($name eq 'item') {
                $item = { tags => [], meta => {}, password => '',
                          type => '', status => '', name => '' };
            }
            elsif ($name eq 'wp:author') {
                $author = {};
            }
            elsif ($name eq 'wp:postmeta') {
                $meta = {};
            }
            elsif ($name eq 'category' && $item) {
                $item->{category_domain} = $attr{domain};
            }
        },
        Char => sub { $text .= $_[1] },
        End => sub {
            my ($expat, $name) = @_;
            pop @path;
            (my $value = $text) =~ s/^\s+|\s+$//g;
            $text = '';
            if ($name eq 'item') {
                push @items, $item;
                undef $item;
            }
            elsif ($name eq 'wp:author') {
                $authors{ $author->{login} } = $author->{name}
                    // $author->{login};
                undef $author;
            }
            elsif ($author && $name eq 'wp:author_login') {
                $author->{login} = $value;
            }
            elsif ($author && $name eq 'wp:author_display_name') {
                $author->{name} = $value;
            }
            elsif ($meta && $name eq 'wp:meta_key') {
                $meta->{key} = $value;
            }
            elsif ($meta && $name eq 'wp:meta_value') {
                $meta->{value} = $value;
            }
            elsif ($name eq 'wp:postmeta' && $item) {
                $item->{meta}{ $meta->{key} } = $meta->{value}
                    if defined $meta->{key};
                undef $meta;
            }
            elsif ($item && @path == 3) {
                my %fields = ('title' => 'title', 'link' => 'link',
                              'pubDate' => 'pub_date',
                              'dc:creator' => 'creator',
                              'wp:post_id' => 'id',
                              'wp:post_name' => 'name',
                              'wp:post_date' => 'date',
                              'wp:post_date_gmt' => 'date_gmt',
                              'wp:status' => 'status',
                              'wp:post_type' => 'type',
                              'wp:post_password' => 'password',
                              'wp:attachment_url' => 'attachment_url',
                              'content:encoded' => 'content');
                if ($fields{$name}) {
                    $item->{ $fields{$name} } = $value;
                }
                elsif ($name eq 'category') {
                    my $domain = $item->{category_domain} // 'category';
                    push @{ $item->{tags} }, $value
                        if $domain =~ /^(category|post_tag|tag)$/
                           && !grep { $_ eq $value } @{ $item->{tags} };
                }
            }
            elsif (@path == 2 && $name eq 'wp:base_blog_url') {
                $channel{base} = $value;
            }
            elsif (@path == 2 && $name eq 'link') {
                $channel{link} = $value;
            }
        },
    });
    $parser->parsefile($file);
    return { base => $channel{base} // $channel{link}, items => \@items,
             authors => \%authors };
}

# Returns the Unix time of a "YYYY-MM-DD HH:MM:SS" taken as UTC, or undef.
sub wxr_gmt {
    my ($value) = @_;
    my ($y, $mo, $d, $h, $mi, $s) = ($value // '')
        =~ /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)$/ or return undef;
    return undef if $y == 0;
    return timegm($s, $mi, $h, $d, $mo - 1, $y);
}

# Percent-encodes a URL path (characters or already escaped bytes) the
# way a browser sends it: '/' and unreserved characters stay.
sub url_path_escape {
    my ($path) = @_;
    my $decoded = uri_unescape($path);
    utf8::decode($decoded);
    return join '/', map { uri_escape_utf8($_, '^A-Za-z0-9\-._~') }
                     split m{/}, $decoded, -1;
}

1;
