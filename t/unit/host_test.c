/*
 * host_test.c: Host header normalization for mass hosting.
 */
#include <apr_general.h>

#include "tap.h"
#include "wk_host.h"

static const char *normalize(const char *host, apr_size_t len,
                             apr_pool_t *pool)
{
    const char *name = NULL;

    if (wk_host_normalize(&name, host, len, pool) != APR_SUCCESS)
        return "(invalid)";
    return name;
}

#define NORM(host) normalize(host, sizeof(host) - 1, pool)

int main(int argc, const char *const *argv)
{
    apr_pool_t *pool;
    char long_host[300];
    int i;

    apr_app_initialize(&argc, &argv, NULL);
    apr_pool_create(&pool, NULL);

    is_str(NORM("Blog.Example.COM"), "blog.example.com", "lowercased");
    is_str(NORM("blog.example.com:8080"), "blog.example.com", "port removed");
    is_str(NORM("blog.example.com."), "blog.example.com", "trailing dot removed");
    is_str(NORM("blog.example.com.:80"), "blog.example.com", "dot and port removed");
    is_str(NORM("my_blog-1.test"), "my_blog-1.test", "underscore and dash kept");
    is_str(NORM("localhost"), "localhost", "single label");

    is_str(NORM("blog.example.com.."), "(invalid)", "two trailing dots");
    is_str(NORM("../etc/passwd"), "(invalid)", "path traversal");
    is_str(NORM("a..b"), "(invalid)", "empty label");
    is_str(NORM(".example.com"), "(invalid)", "leading dot");
    is_str(NORM("a/b"), "(invalid)", "slash");
    is_str(NORM("a\\b"), "(invalid)", "backslash");
    is_str(NORM("a b"), "(invalid)", "space");
    is_str(NORM("a\0b"), "(invalid)", "NUL byte");
    is_str(NORM("[::1]:8080"), "(invalid)", "IPv6 literal");
    is_str(NORM(""), "(invalid)", "empty");
    is_str(NORM(":8080"), "(invalid)", "port only");
    is_str(NORM("host:"), "(invalid)", "empty port");
    is_str(NORM("h\xc3\xa9.test"), "(invalid)", "raw UTF-8 byte");

    for (i = 0; i < 254; i++)
        long_host[i] = (i % 50 == 49) ? '.' : 'a';
    ok(wk_host_normalize(&(const char *){ NULL }, long_host, 253, pool)
       == APR_SUCCESS, "253 bytes accepted");
    ok(wk_host_normalize(&(const char *){ NULL }, long_host, 254, pool)
       == WK_EINVAL, "254 bytes rejected");
    for (i = 0; i < 64; i++)
        long_host[i] = 'b';
    ok(wk_host_normalize(&(const char *){ NULL }, long_host, 64, pool)
       == WK_EINVAL, "64-byte label rejected");

    apr_pool_destroy(pool);
    return done_testing();
}
