#ifndef CPNG_H
#define CPNG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Every function returns one of these; none of them longjmps or aborts.
typedef enum {
    CPNG_OK = 0,
    CPNG_NOT_PNG = 1,       ///< the signature is not PNG's
    CPNG_CORRUPT = 2,       ///< libpng or zlib rejected the data (message in errbuf)
    CPNG_TOO_LARGE = 3,     ///< over the caller's pixel or byte cap
    CPNG_NO_MEMORY = 4,
    CPNG_BAD_ARGUMENT = 5,
} cpng_status;

/// Decodes a PNG held in memory to 8-bit RGBA (every colour type and bit depth; interlaced too).
/// Refuses, before allocating pixels, an image of more than `max_pixels` pixels or one whose
/// compressed data cannot hold the pixels it declares (see `cpng_inspect`).
/// On success `*out_pixels` is a buffer of width*height*4 bytes to release with `cpng_free`.
cpng_status cpng_decode_rgba(const uint8_t *data, size_t size, uint64_t max_pixels,
                             uint8_t **out_pixels, uint32_t *out_width, uint32_t *out_height,
                             char *errbuf, size_t errbuf_len);

/// Reads only the header: size, bit depth and colour type, without decoding pixels.
cpng_status cpng_read_header(const uint8_t *data, size_t size, uint32_t *out_width,
                             uint32_t *out_height, int *out_bit_depth, int *out_color_type,
                             char *errbuf, size_t errbuf_len);

/// A PNG to read: bytes in memory (`data`, `size`), or, when `data` is NULL, the regular file open
/// as `fd` (read from its start with pread, through a 64 KiB window: the file's size does not set
/// the memory a decode takes; anything but a regular file is refused).
typedef struct {
    const uint8_t *data;
    size_t size;
    int fd;
} cpng_input;

/// A PNG's header, as `cpng_inspect` reads it.
typedef struct {
    uint32_t width;
    uint32_t height;
    int bit_depth;
    int color_type;
    int interlaced;
} cpng_header;

/// Reads the header and checks, before any pixel memory is allocated, that the image can be
/// decoded: at most `max_pixels` pixels (CPNG_TOO_LARGE), and enough compressed image data (IDAT)
/// present to hold the pixels it declares at zlib's greatest ratio, 1032:1 (CPNG_CORRUPT: a
/// hundred bytes declaring 1x100,000,000 pixels are refused here, at once). `cpng_decode_rgba`
/// and `cpng_decode_thumbnail` make the same checks.
cpng_status cpng_inspect(const cpng_input *input, uint64_t max_pixels, cpng_header *out_header,
                         char *errbuf, size_t errbuf_len);

/// The most bytes `cpng_decode_thumbnail` allocates for an image with this header and a thumbnail
/// of dst_width x dst_height (the thumbnail's own bytes included), so a caller can reserve them
/// from a memory budget before decoding.
uint64_t cpng_thumbnail_memory(const cpng_header *header, uint32_t dst_width, uint32_t dst_height);

/// The most bytes `cpng_decode_luma_columns` allocates for an image with this header (without
/// the caller's `out`), so a caller can reserve them from a memory budget before decoding.
uint64_t cpng_luma_columns_memory(const cpng_header *header);

/// Decodes a non-interlaced PNG row by row, never holding the whole image: each row becomes 8-bit
/// luma as Pillow's RGB to L conversion makes it ((R*19595 + G*38470 + B*7471 + 0x8000) >> 16,
/// alpha ignored), then `columns` samples, each `tap_count[c]` luma values from `tap_first[c]`
/// weighted by `weights[c * stride + k]` in fixed point of `precision_bits` bits, rounded and
/// clamped to 0-255 (Pillow's 8-bit horizontal resampling pass). Rows first_row to
/// first_row + row_count - 1 are written to `out`, `columns` bytes each; every row is still read,
/// so damage anywhere is reported. An interlaced image is CPNG_BAD_ARGUMENT (decode it whole).
cpng_status cpng_decode_luma_columns(const cpng_input *input, uint64_t max_pixels, uint32_t columns,
                                     const int32_t *tap_first, const int32_t *tap_count,
                                     const int64_t *weights, uint32_t stride, int precision_bits,
                                     uint32_t first_row, uint32_t row_count, uint8_t *out,
                                     char *errbuf, size_t errbuf_len);

/// Decodes to a dst_width x dst_height 8-bit RGBA thumbnail in `dst` (dst_width*dst_height*4
/// bytes), never larger than the image. Rows stream from libpng into the box shrink of
/// `cpng_resize_rgba`, then its Lanczos-3: the pixels are those of decoding the whole image and
/// resizing it, without ever holding the whole image (but for an interlaced one, which Adam7
/// completes only on its last pass). An image of the thumbnail's size is copied unchanged.
cpng_status cpng_decode_thumbnail(const cpng_input *input, uint64_t max_pixels, uint32_t dst_width,
                                  uint32_t dst_height, uint8_t *dst, char *errbuf, size_t errbuf_len);

/// Encodes 8-bit RGBA to a PNG in memory. With `drop_alpha` the file is RGB (colour type 2),
/// as photographs are. `compression_level` is zlib's 0-9. Release `*out_data` with `cpng_free`.
cpng_status cpng_encode_rgba(const uint8_t *pixels, uint32_t width, uint32_t height,
                             int drop_alpha, int compression_level,
                             uint8_t **out_data, size_t *out_size, char *errbuf, size_t errbuf_len);

/// Resizes RGBA to dst_width x dst_height: an integer box pre-shrink, then a separable Lanczos-3
/// filter on premultiplied alpha (the approach of libvips' thumbnailer). `dst` holds dw*dh*4 bytes.
cpng_status cpng_resize_rgba(const uint8_t *src, uint32_t src_width, uint32_t src_height,
                             uint8_t *dst, uint32_t dst_width, uint32_t dst_height);

void cpng_free(void *pointer);

/// zlib's CRC-32 (the PNG chunk CRC), continued from `crc` (start with 0).
uint32_t cpng_crc32(uint32_t crc, const uint8_t *data, size_t length);

/// Inflates a zlib stream, refusing to produce more than `max_output` bytes (CPNG_TOO_LARGE).
/// Release `*out_data` with `cpng_free`. `*out_size` is the number of bytes inflated even when
/// the call fails (at most `max_output + 1`), so that callers can count the work done.
cpng_status cpng_inflate_bounded(const uint8_t *data, size_t size, size_t max_output,
                                 uint8_t **out_data, size_t *out_size);

/// A streaming inflater, for data too large to hold twice (zip entries).
typedef struct cpng_inflater cpng_inflater;

/// Makes an inflater for raw deflate data (`raw` non-zero: zip entries) or a zlib stream.
cpng_status cpng_inflater_create(int raw, cpng_inflater **out_inflater);

/// Inflates from `input` into `output` as far as either allows: `*input_used` and
/// `*output_made` say how far, `*finished` whether the stream ended. CPNG_OK with nothing used
/// and nothing made means more input (or room) is needed; CPNG_CORRUPT means damaged data.
cpng_status cpng_inflater_step(cpng_inflater *inflater, const uint8_t *input, size_t input_size,
                               size_t *input_used, uint8_t *output, size_t output_size,
                               size_t *output_made, int *finished);

void cpng_inflater_destroy(cpng_inflater *inflater);

/// Deflates to a zlib stream. Release `*out_data` with `cpng_free`.
cpng_status cpng_deflate(const uint8_t *data, size_t size, int level,
                         uint8_t **out_data, size_t *out_size);

/// The first occurrence of `needle` in `haystack`, or NULL (memmem).
const void *cpng_find(const void *haystack, size_t haystack_length, const void *needle, size_t needle_length);

#ifdef __cplusplus
}
#endif

#endif
