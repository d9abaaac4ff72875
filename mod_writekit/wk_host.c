/*
 * wk_host.c: Host header normalization.  Mass hosting builds a file name
 * from the result, so the check is strict: what passes can name nothing
 * outside the tenants directory.
 */
#include <apr_lib.h>

#include "wk_host.h"

/* Returns the length without a trailing :digits port, or 0 if invalid. */
static apr_size_t host_strip_port(const char *host, apr_size_t len)
{
    apr_size_t i = len;

    while (i > 0 && apr_isdigit(host[i - 1]))
        i--;
    if (i > 0 && host[i - 1] == ':')
        return i == len ? 0 : i - 1;   /* "host:" has an empty port */
    return len;
}

static int host_label_char(char c)
{
    return apr_isalnum(c) || c == '-' || c == '_';
}

apr_status_t wk_host_normalize(const char **name, const char *host,
                               apr_size_t len, apr_pool_t *pool)
{
    apr_size_t i, label = 0;
    char *out;

    len = host_strip_port(host, len);
    if (len > 0 && host[len - 1] == '.')
        len--;
    if (len == 0 || len > WK_HOST_MAX)
        return WK_EINVAL;

    out = apr_palloc(pool, len + 1);
    for (i = 0; i < len; i++) {
        char c = host[i];

        if (c == '.') {
            if (label == 0)
                return WK_EINVAL;   /* leading dot or ".." */
            label = 0;
        }
        else if (host_label_char(c)) {
            if (++label > 63)
                return WK_EINVAL;
        }
        else
            return WK_EINVAL;
        out[i] = (char)apr_tolower(c);
    }
    if (label == 0)
        return WK_EINVAL;   /* the name ended in ".." */
    out[len] = '\0';

    *name = out;
    return APR_SUCCESS;
}
