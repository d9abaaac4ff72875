/*
 * tap.h: a few macros that print the Test Anything Protocol, so prove runs
 * the C unit tests next to the httpd tests.
 */
#ifndef WK_TAP_H
#define WK_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_count;
static int tap_failed;

#define ok(cond, ...)                                                   \
    do {                                                                \
        int tap_ok_ = (cond) ? 1 : 0;                                   \
        tap_count++;                                                    \
        if (!tap_ok_)                                                   \
            tap_failed++;                                               \
        printf("%s %d - ", tap_ok_ ? "ok" : "not ok", tap_count);       \
        printf(__VA_ARGS__);                                            \
        printf("\n");                                                   \
        if (!tap_ok_)                                                   \
            printf("#   failed at %s line %d\n", __FILE__, __LINE__);   \
    } while (0)

/* Compares two strings and prints both when they differ. */
#define is_str(got, expected, ...)                                      \
    do {                                                                \
        const char *tap_got_ = (got), *tap_exp_ = (expected);           \
        int tap_same_ = tap_got_ && tap_exp_                            \
                        && strcmp(tap_got_, tap_exp_) == 0;             \
        ok(tap_same_, __VA_ARGS__);                                     \
        if (!tap_same_)                                                 \
            printf("#   got:      '%s'\n#   expected: '%s'\n",          \
                   tap_got_ ? tap_got_ : "(null)",                      \
                   tap_exp_ ? tap_exp_ : "(null)");                     \
    } while (0)

#define diag(...)                                                       \
    do {                                                                \
        printf("# ");                                                   \
        printf(__VA_ARGS__);                                            \
        printf("\n");                                                   \
    } while (0)

/* Prints the plan and returns the exit status for main(). */
static inline int done_testing(void)
{
    printf("1..%d\n", tap_count);
    return tap_failed ? 1 : 0;
}

#endif
