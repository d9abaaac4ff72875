/*
 * media_test.c: wk_media_detect() on real file bytes (images, and files
 * that pretend to be images), then storing, listing and deleting uploads
 * in a real tenant file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <apr_general.h>

#include "tap.h"
#include "wk_media.h"

/* A 1x1 grey PNG and the SHA-256 of its 67 bytes. */
static const char png_bytes[] =
    "\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52"
    "\x00\x00\x00\x01\x00\x00\x00\x01\x08\x00\x00\x00\x00\x3a\x7e\x9b"
    "\x55\x00\x00\x00\x0a\x49\x44\x41\x54\x78\x9c\x63\x60\x00\x00\x00"
    "\x02\x00\x01\x48\xaf\xa4\x71\x00\x00\x00\x00\x49\x45\x4e\x44\xae"
    "\x42\x60\x82";
#define PNG_SHA256 \
    "eaa4a94ea300e0d2c775968cbe42f0b5b51ceafdeb73d64e9efddf6d4e880865"

/* The start of a JPEG as cameras write it: SOI, then an APP0 JFIF. */
static const char jpeg_bytes[] =
    "\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00";

/* A 1x1 GIF89a. */
static const char gif_bytes[] =
    "GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04"
    "\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D"
    "\x01\x00;";

/* A lossless WebP's RIFF header and first chunk header. */
static const char webp_bytes[] =
    "RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07"
    "\x10\x11\x11\x88\x88\xfe\x07\x00";

/* The ftyp box libavif writes: major brand avif, compatible mif1. */
static const char avif_bytes[] =
    "\x00\x00\x00\x1c" "ftyp" "avif" "\x00\x00\x00\x00"
    "avif" "mif1" "miaf" "\x00\x00\x00\x00" "meta";

/* An HEIC photo: ISO BMFF too, but with no AVIF brand. */
static const char heic_bytes[] =
    "\x00\x00\x00\x18" "ftyp" "heic" "\x00\x00\x00\x00"
    "mif1" "heic" "\x00\x00\x00\x00" "meta";

/* A zip archive's local file header. */
static const char zip_bytes[] =
    "PK\x03\x04\x14\x00\x00\x00\x08\x00\x00\x00!\x00\x00\x00\x00\x00"
    "\x00\x00\x00\x00\x00\x00\x00\x08\x00\x00\x00evil.php";

typedef struct detect_case {
    const char *what;
    const char *bytes;
    apr_size_t len;       /* 0: strlen(bytes) */
    const char *expected; /* NULL: rejected */
} detect_case_t;

#define BYTES(b) b, sizeof(b) - 1

static const detect_case_t detect_cases[] = {
    { "real PNG", BYTES(png_bytes), "image/png" },
    { "JPEG", BYTES(jpeg_bytes), "image/jpeg" },
    { "GIF", BYTES(gif_bytes), "image/gif" },
    { "WebP", BYTES(webp_bytes), "image/webp" },
    { "AVIF", BYTES(avif_bytes), "image/avif" },
    { "HEIC is not AVIF", BYTES(heic_bytes), NULL },
    { "PNG cut inside its signature", png_bytes, 6, NULL },
    { "PNG cut inside IHDR", png_bytes, 20, NULL },
    { "JPEG SOI alone", jpeg_bytes, 3, NULL },
    { "GIF signature alone", gif_bytes, 6, NULL },
    { "RIFF that is not WebP", "RIFF\x10\x00\x00\x00WAVEfmt \x10\x00\x00\x00",
      24, NULL },
    { "empty file", "", 0, NULL },
    { "zip archive", BYTES(zip_bytes), NULL },
    { "PHP file", "<?php system($_GET['c']); ?>\n", 0, NULL },
    { "PHP before an svg root", "<?php echo 1; ?>\n<svg></svg>", 0, NULL },
    { "HTML page", "<!DOCTYPE html><html><body><svg></svg></body></html>",
      0, NULL },
    { "HTML script", "<script>alert(1)</script>", 0, NULL },
    { "plain SVG", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>", 0,
      "image/svg+xml" },
    { "SVG with a script",
      "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script>"
      "</svg>", 0, "image/svg+xml" },
    { "SVG after BOM, declaration, comment and doctype",
      "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<!-- made by hand -->\n"
      "<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" "
      "\"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n"
      "<svg\n width=\"1\" height=\"1\"></svg>", 0, "image/svg+xml" },
    { "SVG doctype with an internal subset",
      "<!DOCTYPE svg [<!ENTITY a \"aaaa\">]><svg>&a;</svg>", 0, NULL },
    { "unterminated comment", "<!-- <svg></svg>", 0, NULL },
    { "svg prefix of another element", "<svgx></svgx>", 0, NULL },
    { "SVG with a NUL byte", "<svg>\0</svg>", 12, NULL },
    { "text naming svg", "this is not <svg>", 0, NULL },
};

static void test_detect(void)
{
    apr_size_t i;

    for (i = 0; i < sizeof(detect_cases) / sizeof(detect_cases[0]); i++) {
        const detect_case_t *c = &detect_cases[i];
        apr_size_t len = c->len || c->bytes[0] == '\0' ? c->len
                                                       : strlen(c->bytes);
        const char *type = wk_media_detect(c->bytes, len);

        if (c->expected)
            is_str(type, c->expected, "detect: %s", c->what);
        else
            ok(type == NULL, "detect rejects %s (got %s)", c->what,
               type ? type : "NULL");
    }
}

static void test_extension(void)
{
    is_str(wk_media_extension("image/jpeg"), "jpg", "extension of JPEG");
    is_str(wk_media_extension("image/svg+xml"), "svg", "extension of SVG");
    ok(wk_media_extension("text/html") == NULL, "no extension for HTML");
    ok(wk_media_extension(NULL) == NULL, "no extension for NULL");
}

static wk_db_t *create_db(const char *dir, apr_pool_t *pool)
{
    wk_db_t *db = NULL;
    char *error = NULL;
    apr_status_t rv = wk_db_open(&db, apr_pstrcat(pool, dir, "/media.db",
                                                  NULL),
                                 WK_DB_CREATE | WK_DB_MIGRATE, &error, pool);

    ok(rv == APR_SUCCESS, "create tenant file (%s)",
       error ? error : "no error");
    return db;
}

static void test_store(wk_db_t *db, apr_pool_t *pool)
{
    const char *svg = "<svg xmlns=\"http://www.w3.org/2000/svg\"/>";
    apr_time_t now = apr_time_from_sec(1700000000);
    apr_array_header_t *list;
    wk_media_t media, second, *stored;
    char *error = NULL;
    int total = -1;

    ok(wk_media_store_upload(&media, db, png_bytes, sizeof(png_bytes) - 1,
                             "image/png", now, &error, pool) == APR_SUCCESS,
       "store a PNG (%s)", error ? error : "no error");
    is_str(media.path, "uploads/" "eaa4a94ea300e0d2" ".png",
           "path from the SHA-256");
    is_str(media.sha256, PNG_SHA256, "full SHA-256 kept");
    ok(wk_media_get(&stored, db, media.path, pool) == APR_SUCCESS
       && stored->size == sizeof(png_bytes) - 1
       && memcmp(stored->data, png_bytes, stored->size) == 0,
       "stored bytes read back");

    ok(wk_media_store_upload(&second, db, png_bytes, sizeof(png_bytes) - 1,
                             "image/png", now + 1, &error, pool)
       == APR_SUCCESS, "store the same PNG again");
    is_str(second.path, media.path, "same bytes, same path");

    ok(wk_media_store_upload(&second, db, svg, strlen(svg), "image/svg+xml",
                             now + apr_time_from_sec(5), &error, pool)
       == APR_SUCCESS, "store an SVG");
    ok(wk_media_store_upload(&second, db, "", 0, "image/png", now, &error,
                             pool) == WK_EINVAL, "empty upload rejected");
    ok(wk_media_store_upload(&second, db, "<p>", 3, "text/html", now,
                             &error, pool) == WK_EINVAL,
       "HTML type rejected");

    ok(wk_media_list(&list, &total, db, 0, 10, pool) == APR_SUCCESS,
       "list media");
    ok(total == 2, "two media stored (%d)", total);
    ok(list->nelts == 2, "both listed");
    if (list->nelts == 2) {
        const wk_media_t *first = APR_ARRAY_IDX(list, 0, wk_media_t *);

        ok(strncmp(first->path, "uploads/", 8) == 0
           && strcmp(first->path + strlen(first->path) - 4, ".svg") == 0,
           "newest first: %s", first->path);
        ok(first->data == NULL && first->size == strlen(svg),
           "listed without bytes, with size");
    }
    ok(wk_media_list(&list, &total, db, 1, 10, pool) == APR_SUCCESS
       && list->nelts == 1 && total == 2, "second page of one");

    ok(wk_media_delete(db, media.path, &error, pool) == APR_SUCCESS,
       "delete the PNG");
    ok(wk_media_get(&stored, db, media.path, pool) == APR_NOTFOUND,
       "deleted PNG is gone");
    ok(wk_media_delete(db, media.path, &error, pool) == APR_NOTFOUND,
       "deleting it again is not found");
    ok(wk_media_delete(db, "../../etc/passwd", &error, pool) == APR_NOTFOUND,
       "a path with ../ is only a key that is not found");
}

int main(int argc, const char *const *argv)
{
    apr_pool_t *pool;
    char template[] = "/tmp/wk-media-test.XXXXXX";
    const char *dir;
    wk_db_t *db;

    apr_app_initialize(&argc, &argv, NULL);
    apr_pool_create(&pool, NULL);

    test_detect();
    test_extension();

    dir = mkdtemp(template);
    if (dir == NULL) {
        ok(0, "make a temporary directory");
        return done_testing();
    }
    db = create_db(dir, pool);
    if (db != NULL)
        test_store(db, pool);

    wk_db_close(db);
    unlink(apr_pstrcat(pool, dir, "/media.db", NULL));
    unlink(apr_pstrcat(pool, dir, "/media.db-wal", NULL));
    unlink(apr_pstrcat(pool, dir, "/media.db-shm", NULL));
    rmdir(dir);
    apr_pool_destroy(pool);
    apr_terminate();
    return done_testing();
}
