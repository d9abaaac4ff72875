# Written by ./configure on 2026-12-04T20:19:12Z; rerun it to change.
CC = cc
APXS = /usr/bin/apxs
APR_CFLAGS =    -DLINUX -D_REENTRANT -D_GNU_SOURCE -I/usr/include/apr-1.0   -I/usr/include/apr-1.0 -I/usr/include
APR_LIBS =  -L/usr/lib/x86_64-linux-gnu -lapr-1   -L/usr/lib/x86_64-linux-gnu -laprutil-1   
DEP_CFLAGS = -I/usr/include/json-c 
DEP_LIBS = -lsqlite3 -ljson-c -lcmark-gfm -lcmark-gfm-extensions  -lcmark-gfm-extensions
HTTPD = /usr/sbin/apache2
HTTPD_INCLUDEDIR = /usr/include/apache2
HTTPD_LIBEXECDIR = /usr/lib/apache2/modules
