package WriteKit::Tenant;

# Reading tenant files in tests with the sqlite3 shell, a reader apart
# from the module's own code.

use strict;
use warnings;

use Exporter 'import';

our @EXPORT = qw(tenant_query tenant_dump);

# Returns the rows of sql on the tenant file, columns joined by '|' and
# rows ended by newlines, as the sqlite3 shell prints them.
sub tenant_query {
    my ($file, $sql) = @_;
    return scalar `sqlite3 -separator '|' $file "$sql"`;
}

# Returns the SQL text that rebuilds the tenant file, to compare a file
# before and after something that must not change it.
sub tenant_dump {
    my ($file) = @_;
    return scalar `sqlite3 $file .dump`;
}

1;
