/*
 * wk_host.h: turning a Host header into a tenant name for mass hosting.
 */
#ifndef WK_HOST_H
#define WK_HOST_H

#include "wk_core.h"

/* The maximum length of a host name in DNS, in bytes. */
#define WK_HOST_MAX 253

/*
 * Normalizes the len bytes of host: lowercases it, removes a :port and
 * one trailing dot.  The result is safe to use as a file name: letters,
 * digits, '-', '_' and '.', no empty label, no label over 63 bytes, at
 * most WK_HOST_MAX bytes.  Returns WK_EINVAL for anything else (a slash,
 * "..", NUL, spaces, an IPv6 literal, an empty name).
 */
apr_status_t wk_host_normalize(const char **name, const char *host,
                               apr_size_t len, apr_pool_t *pool);

#endif
