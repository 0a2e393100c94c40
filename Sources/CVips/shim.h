#ifndef PARLEY_CVIPS_SHIM_H
#define PARLEY_CVIPS_SHIM_H
// libvips, for image thumbnails. Its operations take NULL-terminated variadic options, which
// Swift cannot call: these inline wrappers give each call Parley makes a fixed signature.
#include <vips/vips.h>

/// Starts libvips once per process (0 on success).
static inline int parley_vips_start(void) { return VIPS_INIT("parley"); }

/// A JPEG thumbnail at most `width` pixels wide (and as tall, keeping the aspect ratio) of the
/// image in `buffer`; 0 on success, with `*out` (free it with g_free) and `*outLength` set.
static inline int parley_vips_thumbnail(const void *buffer, size_t length, int width, void **out, size_t *outLength) {
    VipsImage *image = NULL;
    if (vips_thumbnail_buffer((void *)buffer, length, &image, width, "height", width, NULL) != 0) {
        vips_error_clear();
        return -1;
    }
    int status = vips_jpegsave_buffer(image, out, outLength, "Q", 80, "strip", 1, NULL);
    g_object_unref(image);
    if (status != 0) vips_error_clear();
    return status;
}

/// Frees a buffer libvips handed out.
static inline void parley_vips_free(void *buffer) { g_free(buffer); }
#endif
