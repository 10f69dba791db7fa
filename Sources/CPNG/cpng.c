// Every libpng and zlib call of the project lives here. libpng reports errors by longjmp, which
// Swift cannot survive; each entry point below sets its own jump buffer and turns any error
// into a status code and a message.

#define _GNU_SOURCE  // memmem
#include "cpng.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

// MARK: - Errors

typedef struct {
    jmp_buf jump;
    char *errbuf;
    size_t errbuf_len;
} cpng_error_context;

static void cpng_set_message(char *errbuf, size_t errbuf_len, const char *message) {
    if (errbuf != NULL && errbuf_len > 0) {
        snprintf(errbuf, errbuf_len, "%s", message);
    }
}

static void cpng_on_error(png_structp png, png_const_charp message) {
    cpng_error_context *context = (cpng_error_context *)png_get_error_ptr(png);
    cpng_set_message(context->errbuf, context->errbuf_len, message);
    longjmp(context->jump, 1);
}

static void cpng_on_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;  // warnings (e.g. a bad ancillary CRC) do not stop decoding
}

// MARK: - Reading

// A PNG is read from memory or from an open file. A file is read through a window of
// CPNG_READ_WINDOW bytes, so decoding a file never holds more of it than that: its size does not
// set the memory a decode takes.
#define CPNG_READ_WINDOW 65536

typedef struct {
    const uint8_t *data;  // memory input, or NULL for a file
    int fd;
    uint64_t size;        // of the data or the file
    uint64_t offset;      // the next byte to read
    uint8_t *window;      // file input: bytes [window_start, window_start + window_length)
    uint64_t window_start;
    size_t window_length;
    int error;            // errno of a failed read, 0 at the end of the data
} cpng_reader;

static cpng_status cpng_reader_open(cpng_reader *reader, const cpng_input *input, char *errbuf,
                                    size_t errbuf_len) {
    memset(reader, 0, sizeof *reader);
    reader->fd = -1;
    if (input == NULL || (input->data == NULL && input->fd < 0)) {
        cpng_set_message(errbuf, errbuf_len, "no data to read");
        return CPNG_BAD_ARGUMENT;
    }
    if (input->data != NULL) {
        reader->data = input->data;
        reader->size = input->size;
        return CPNG_OK;
    }
    struct stat status;
    if (fstat(input->fd, &status) != 0 || !S_ISREG(status.st_mode)) {
        // A FIFO or a device would block or never end: only regular files are read.
        cpng_set_message(errbuf, errbuf_len, "not a regular file");
        return CPNG_BAD_ARGUMENT;
    }
    reader->fd = input->fd;
    reader->size = (uint64_t)status.st_size;
    reader->window = malloc(CPNG_READ_WINDOW);
    if (reader->window == NULL) return CPNG_NO_MEMORY;
    return CPNG_OK;
}

static void cpng_reader_close(cpng_reader *reader) {
    free(reader->window);
    reader->window = NULL;
}

// Copies `length` bytes from the reader's offset and advances; 0 when they were all there, -1
// at the end of the data or on a read error (`error`).
static int cpng_reader_read(cpng_reader *reader, uint8_t *out, size_t length) {
    if (reader->data != NULL) {
        if (reader->offset > reader->size || length > reader->size - reader->offset) return -1;
        memcpy(out, reader->data + reader->offset, length);
        reader->offset += length;
        return 0;
    }
    while (length > 0) {
        if (reader->offset >= reader->window_start &&
            reader->offset < reader->window_start + reader->window_length) {
            size_t at = (size_t)(reader->offset - reader->window_start);
            size_t count = reader->window_length - at;
            if (count > length) count = length;
            memcpy(out, reader->window + at, count);
            out += count;
            length -= count;
            reader->offset += count;
            continue;
        }
        ssize_t got;
        do {
            got = pread(reader->fd, reader->window, CPNG_READ_WINDOW, (off_t)reader->offset);
        } while (got < 0 && errno == EINTR);
        if (got <= 0) {
            reader->error = got < 0 ? errno : 0;
            return -1;
        }
        reader->window_start = reader->offset;
        reader->window_length = (size_t)got;
    }
    return 0;
}

static void cpng_read_input(png_structp png, png_bytep out, png_size_t length) {
    cpng_reader *reader = (cpng_reader *)png_get_io_ptr(png);
    if (cpng_reader_read(reader, out, length) != 0) {
        png_error(png, reader->error != 0 ? strerror(reader->error)
                                          : "the file ends before the image data does (truncated)");
    }
}

static const png_byte cpng_text_chunks[] = {'t', 'E', 'X', 't', '\0', 'z', 'T', 'X', 't', '\0',
                                            'i', 'T', 'X', 't', '\0'};

static void cpng_configure_reader(png_structp png) {
    // Text is the metadata codec's business; skipping it here also skips its decompression.
    png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, cpng_text_chunks, 3);
    png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
}

// MARK: - Checking the declared size against the data

// zlib's greatest ratio: a deflate stream inflates to at most 1032 times its size (a 258-byte
// match coded in two bits).
#define CPNG_MAX_INFLATE_RATIO 1032u

// The bytes of filtered image data the IHDR declares: a filter byte and the packed pixels of
// each row, of each of Adam7's seven passes when interlaced.
static uint64_t cpng_declared_data_size(uint32_t width, uint32_t height, unsigned bits_per_pixel,
                                        int interlaced) {
    if (!interlaced) return (uint64_t)height * (1 + ((uint64_t)width * bits_per_pixel + 7) / 8);
    uint64_t total = 0;
    for (int pass = 0; pass < 7; pass++) {
        uint64_t columns = PNG_PASS_COLS(width, pass);
        uint64_t rows = PNG_PASS_ROWS(height, pass);
        if (columns > 0 && rows > 0) total += rows * (1 + (columns * bits_per_pixel + 7) / 8);
    }
    return total;
}

// The bytes of compressed image data (IDAT) present in the input, summed from the chunk headers
// without reading the data; stops at IEND, at the end of the data, or once `enough` is reached.
// A second reader walks the chunks, so libpng's stays where it is.
static cpng_status cpng_count_image_data(const cpng_input *input, uint64_t enough, uint64_t *out_total,
                                         char *errbuf, size_t errbuf_len) {
    cpng_reader walker;
    cpng_status status = cpng_reader_open(&walker, input, errbuf, errbuf_len);
    if (status != CPNG_OK) return status;
    uint64_t total = 0;
    uint8_t header[8];
    walker.offset = 8;
    while (total < enough && cpng_reader_read(&walker, header, sizeof header) == 0) {
        uint32_t length = (uint32_t)header[0] << 24 | (uint32_t)header[1] << 16 |
                          (uint32_t)header[2] << 8 | header[3];
        if (length > 0x7fffffffu) break;  // invalid: libpng says so when it gets there
        if (memcmp(header + 4, "IDAT", 4) == 0) {
            uint64_t remaining = walker.size > walker.offset ? walker.size - walker.offset : 0;
            total += length < remaining ? length : remaining;
        } else if (memcmp(header + 4, "IEND", 4) == 0) {
            break;
        }
        walker.offset += (uint64_t)length + 4;  // the data and the CRC
    }
    cpng_reader_close(&walker);
    *out_total = total;
    return CPNG_OK;
}

// Refuses, after the header is read and before any pixel memory is allocated, an image of more
// than `max_pixels` pixels, and one whose compressed data could not hold the pixels it declares
// even at zlib's greatest ratio: a file of a hundred bytes that declares 1x100,000,000 pixels
// would otherwise have them allocated, and its failure found only after inflating.
static cpng_status cpng_check_declared_size(png_structp png, png_infop info, const cpng_input *input,
                                            uint64_t max_pixels, char *errbuf, size_t errbuf_len) {
    png_uint_32 width = png_get_image_width(png, info);
    png_uint_32 height = png_get_image_height(png, info);
    char message[512];
    if ((uint64_t)width * (uint64_t)height > max_pixels) {
        snprintf(message, sizeof message, "%ux%u pixels is over the limit of %llu pixels",
                 (unsigned)width, (unsigned)height, (unsigned long long)max_pixels);
        cpng_set_message(errbuf, errbuf_len, message);
        return CPNG_TOO_LARGE;
    }
    unsigned bits = (unsigned)png_get_channels(png, info) * (unsigned)png_get_bit_depth(png, info);
    int interlaced = png_get_interlace_type(png, info) != PNG_INTERLACE_NONE;
    uint64_t declared = cpng_declared_data_size(width, height, bits, interlaced);
    uint64_t enough = (declared + CPNG_MAX_INFLATE_RATIO - 1) / CPNG_MAX_INFLATE_RATIO;
    uint64_t present = 0;
    cpng_status status = cpng_count_image_data(input, enough, &present, errbuf, errbuf_len);
    if (status != CPNG_OK) return status;
    if (present < enough) {
        snprintf(message, sizeof message,
                 "it declares %ux%u pixels (%llu bytes of image data) but holds %llu bytes of "
                 "compressed image data, which inflate to %llu bytes at most: a truncated file "
                 "or a decompression bomb",
                 (unsigned)width, (unsigned)height, (unsigned long long)declared,
                 (unsigned long long)present, (unsigned long long)present * CPNG_MAX_INFLATE_RATIO);
        cpng_set_message(errbuf, errbuf_len, message);
        return CPNG_CORRUPT;
    }
    return CPNG_OK;
}

// Asks libpng for 8-bit RGBA rows whatever the file holds; returns the passes to read (7 when
// interlaced, else 1).
static int cpng_set_rgba_transforms(png_structp png, png_infop info) {
    int color_type = png_get_color_type(png, info);
    png_set_expand(png);  // palette to RGB, low-bit grey to 8 bits, tRNS to alpha
    png_set_strip_16(png);
    if (color_type == PNG_COLOR_TYPE_GRAY || color_type == PNG_COLOR_TYPE_GRAY_ALPHA) {
        png_set_gray_to_rgb(png);
    }
    if (!(color_type & PNG_COLOR_MASK_ALPHA) && !png_get_valid(png, info, PNG_INFO_tRNS)) {
        png_set_add_alpha(png, 0xff, PNG_FILLER_AFTER);
    }
    int passes = png_set_interlace_handling(png);
    png_read_update_info(png, info);
    return passes;
}

// MARK: - Decoding

cpng_status cpng_read_header(const uint8_t *data, size_t size, uint32_t *out_width,
                             uint32_t *out_height, int *out_bit_depth, int *out_color_type,
                             char *errbuf, size_t errbuf_len) {
    if (data == NULL || size < 8 || png_sig_cmp(data, 0, 8) != 0) {
        cpng_set_message(errbuf, errbuf_len, "not a PNG file (bad signature)");
        return CPNG_NOT_PNG;
    }
    cpng_error_context context = {.errbuf = errbuf, .errbuf_len = errbuf_len};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &context, cpng_on_error,
                                             cpng_on_warning);
    if (png == NULL) return CPNG_NO_MEMORY;
    png_infop info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_read_struct(&png, NULL, NULL);
        return CPNG_NO_MEMORY;
    }
    if (setjmp(context.jump)) {
        png_destroy_read_struct(&png, &info, NULL);
        return CPNG_CORRUPT;
    }
    cpng_reader reader = {.data = data, .size = size, .fd = -1};
    png_set_read_fn(png, &reader, cpng_read_input);
    cpng_configure_reader(png);
    png_read_info(png, info);
    *out_width = png_get_image_width(png, info);
    *out_height = png_get_image_height(png, info);
    *out_bit_depth = png_get_bit_depth(png, info);
    *out_color_type = png_get_color_type(png, info);
    png_destroy_read_struct(&png, &info, NULL);
    return CPNG_OK;
}

cpng_status cpng_decode_rgba(const uint8_t *data, size_t size, uint64_t max_pixels,
                             uint8_t **out_pixels, uint32_t *out_width, uint32_t *out_height,
                             char *errbuf, size_t errbuf_len) {
    *out_pixels = NULL;
    if (data == NULL || size < 8 || png_sig_cmp(data, 0, 8) != 0) {
        cpng_set_message(errbuf, errbuf_len, "not a PNG file (bad signature)");
        return CPNG_NOT_PNG;
    }
    cpng_error_context context = {.errbuf = errbuf, .errbuf_len = errbuf_len};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &context, cpng_on_error,
                                             cpng_on_warning);
    if (png == NULL) return CPNG_NO_MEMORY;
    png_infop info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_read_struct(&png, NULL, NULL);
        return CPNG_NO_MEMORY;
    }
    // Written after setjmp, read after a longjmp: volatile keeps their values.
    uint8_t *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    if (setjmp(context.jump)) {
        free(pixels);
        free(rows);
        png_destroy_read_struct(&png, &info, NULL);
        return CPNG_CORRUPT;
    }
    cpng_input input = {.data = data, .size = size, .fd = -1};
    cpng_reader reader = {.data = data, .size = size, .fd = -1};
    png_set_read_fn(png, &reader, cpng_read_input);
    cpng_configure_reader(png);
    png_read_info(png, info);

    png_uint_32 width = png_get_image_width(png, info);
    png_uint_32 height = png_get_image_height(png, info);
    cpng_status checked = cpng_check_declared_size(png, info, &input, max_pixels, errbuf, errbuf_len);
    if (checked != CPNG_OK) {
        png_destroy_read_struct(&png, &info, NULL);
        return checked;
    }
    cpng_set_rgba_transforms(png, info);
    size_t row_bytes = png_get_rowbytes(png, info);
    if (row_bytes != (size_t)width * 4) {
        cpng_set_message(errbuf, errbuf_len, "unsupported pixel layout after conversion");
        png_destroy_read_struct(&png, &info, NULL);
        return CPNG_CORRUPT;
    }
    pixels = malloc(row_bytes * height);
    rows = malloc(sizeof(png_bytep) * height);
    if (pixels == NULL || rows == NULL) {
        free(pixels);
        free(rows);
        png_destroy_read_struct(&png, &info, NULL);
        return CPNG_NO_MEMORY;
    }
    for (png_uint_32 y = 0; y < height; y++) rows[y] = pixels + (size_t)y * row_bytes;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    *out_pixels = pixels;
    *out_width = width;
    *out_height = height;
    return CPNG_OK;
}

// MARK: - Writing to memory

typedef struct {
    uint8_t *data;
    size_t size;
    size_t capacity;
    int failed;
} cpng_memory_writer;

static void cpng_write_memory(png_structp png, png_bytep bytes, png_size_t length) {
    cpng_memory_writer *writer = (cpng_memory_writer *)png_get_io_ptr(png);
    if (writer->size + length > writer->capacity) {
        size_t capacity = writer->capacity ? writer->capacity : 65536;
        while (capacity < writer->size + length) capacity *= 2;
        uint8_t *grown = realloc(writer->data, capacity);
        if (grown == NULL) {
            writer->failed = 1;
            png_error(png, "out of memory while encoding");
        }
        writer->data = grown;
        writer->capacity = capacity;
    }
    memcpy(writer->data + writer->size, bytes, length);
    writer->size += length;
}

static void cpng_flush_memory(png_structp png) { (void)png; }

cpng_status cpng_encode_rgba(const uint8_t *pixels, uint32_t width, uint32_t height,
                             int drop_alpha, int compression_level,
                             uint8_t **out_data, size_t *out_size, char *errbuf, size_t errbuf_len) {
    *out_data = NULL;
    *out_size = 0;
    if (pixels == NULL || width == 0 || height == 0 || width > 0x7fffffff || height > 0x7fffffff) {
        cpng_set_message(errbuf, errbuf_len, "an image needs a width and height of at least 1");
        return CPNG_BAD_ARGUMENT;
    }
    cpng_error_context context = {.errbuf = errbuf, .errbuf_len = errbuf_len};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &context, cpng_on_error,
                                              cpng_on_warning);
    if (png == NULL) return CPNG_NO_MEMORY;
    png_infop info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_write_struct(&png, NULL);
        return CPNG_NO_MEMORY;
    }
    cpng_memory_writer writer = {0};
    png_bytep *volatile rows = NULL;
    if (setjmp(context.jump)) {
        free(rows);
        free(writer.data);
        png_destroy_write_struct(&png, &info);
        return writer.failed ? CPNG_NO_MEMORY : CPNG_CORRUPT;
    }
    png_set_write_fn(png, &writer, cpng_write_memory, cpng_flush_memory);
    if (compression_level < 0 || compression_level > 9) compression_level = 6;
    png_set_compression_level(png, compression_level);
    png_set_IHDR(png, info, width, height, 8,
                 drop_alpha ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_RGB_ALPHA, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    if (drop_alpha) png_set_filler(png, 0, PNG_FILLER_AFTER);  // strips the fourth byte
    rows = malloc(sizeof(png_bytep) * height);
    if (rows == NULL) {
        png_destroy_write_struct(&png, &info);
        free(writer.data);
        return CPNG_NO_MEMORY;
    }
    for (uint32_t y = 0; y < height; y++) rows[y] = (png_bytep)pixels + (size_t)y * width * 4;
    png_write_image(png, rows);
    png_write_end(png, NULL);
    free(rows);
    png_destroy_write_struct(&png, &info);
    *out_data = writer.data;
    *out_size = writer.size;
    return CPNG_OK;
}

// MARK: - Resizing

typedef struct {
    int first;       // first source index
    int count;       // number of taps
    float *weights;  // normalised weights, `count` of them
} cpng_taps;

static double cpng_sinc(double x) {
    if (x == 0) return 1;
    x *= M_PI;
    return sin(x) / x;
}

static double cpng_lanczos3(double x) {
    if (x <= -3 || x >= 3) return 0;
    return cpng_sinc(x) * cpng_sinc(x / 3);
}

// Taps for resampling a line of `src` samples to `dst` samples; NULL when out of memory.
static cpng_taps *cpng_make_taps(int src, int dst) {
    double scale = (double)src / (double)dst;
    double support = 3.0 * (scale > 1 ? scale : 1);
    double stretch = scale > 1 ? scale : 1;
    int max_taps = (int)ceil(support * 2) + 2;
    cpng_taps *taps = calloc((size_t)dst, sizeof(cpng_taps));
    float *weights = malloc(sizeof(float) * (size_t)dst * (size_t)max_taps);
    if (taps == NULL || weights == NULL) {
        free(taps);
        free(weights);
        return NULL;
    }
    for (int i = 0; i < dst; i++) {
        double center = (i + 0.5) * scale - 0.5;
        int first = (int)floor(center - support) + 1;
        int last = (int)ceil(center + support) - 1;
        if (last - first + 1 > max_taps) last = first + max_taps - 1;
        float *w = weights + (size_t)i * max_taps;
        double total = 0;
        int count = 0;
        for (int j = first; j <= last; j++) {
            double value = cpng_lanczos3((j - center) / stretch);
            w[count++] = (float)value;
            total += value;
        }
        if (total != 0) {
            for (int k = 0; k < count; k++) w[k] = (float)(w[k] / total);
        }
        taps[i].first = first;
        taps[i].count = count;
        taps[i].weights = w;
    }
    return taps;
}

static void cpng_free_taps(cpng_taps *taps) {
    if (taps == NULL) return;
    free(taps[0].weights);
    free(taps);
}

static inline int cpng_clamp_index(int value, int limit) {
    return value < 0 ? 0 : (value >= limit ? limit - 1 : value);
}

// The shape of a resize: an integer box shrink of the source to `mid` (premultiplied floats),
// leaving at most a 2-3x reduction for the Lanczos filter (cheap, and exact for the
// frequencies it removes). Source rows and columns past mid * box are left out.
typedef struct {
    int box_x, box_y;
    int mid_width, mid_height;
} cpng_shrink;

static cpng_shrink cpng_shrink_for(uint32_t src_width, uint32_t src_height, uint32_t dst_width,
                                   uint32_t dst_height) {
    cpng_shrink shrink;
    shrink.box_x = (int)(src_width / (dst_width * 2u));
    shrink.box_y = (int)(src_height / (dst_height * 2u));
    if (shrink.box_x < 1) shrink.box_x = 1;
    if (shrink.box_y < 1) shrink.box_y = 1;
    shrink.mid_width = (int)src_width / shrink.box_x;
    shrink.mid_height = (int)src_height / shrink.box_y;
    return shrink;
}

// Adds one source row to the sums of the mid row it falls in (`sums`: mid_width x 4 floats).
// Rows arrive in order and each box's pixels are added row by row, left to right, as a whole
// image would add them: the result does not depend on whether the rows were streamed.
static void cpng_shrink_add_row(const cpng_shrink *shrink, const uint8_t *row, float *sums) {
    for (int x = 0; x < shrink->mid_width; x++) {
        const uint8_t *p = row + (size_t)x * shrink->box_x * 4;
        float *s = sums + (size_t)x * 4;
        for (int bx = 0; bx < shrink->box_x; bx++, p += 4) {
            float alpha = p[3];
            s[0] += p[0] * alpha;
            s[1] += p[1] * alpha;
            s[2] += p[2] * alpha;
            s[3] += alpha;
        }
    }
}

// Turns a box row's sums into a mid row of premultiplied averages and clears the sums.
static void cpng_shrink_finish_row(const cpng_shrink *shrink, float *sums, float *mid_row) {
    float box_area = (float)(shrink->box_x * shrink->box_y);
    for (int x = 0; x < shrink->mid_width; x++) {
        float *s = sums + (size_t)x * 4;
        float *m = mid_row + (size_t)x * 4;
        m[0] = s[0] / (255.0f * box_area);
        m[1] = s[1] / (255.0f * box_area);
        m[2] = s[2] / (255.0f * box_area);
        m[3] = s[3] / box_area;
        s[0] = s[1] = s[2] = s[3] = 0;
    }
}

// The separable Lanczos-3 from `mid` (premultiplied floats) to 8-bit RGBA in `dst`:
// horizontal into a buffer of dst_width x mid_height, then vertical.
static cpng_status cpng_lanczos_rgba(const float *mid, int mid_width, int mid_height, uint8_t *dst,
                                     uint32_t dst_width, uint32_t dst_height) {
    cpng_taps *taps_x = cpng_make_taps(mid_width, (int)dst_width);
    cpng_taps *taps_y = cpng_make_taps(mid_height, (int)dst_height);
    float *row_pass = malloc(sizeof(float) * 4 * (size_t)dst_width * (size_t)mid_height);
    if (taps_x == NULL || taps_y == NULL || row_pass == NULL) {
        cpng_free_taps(taps_x);
        cpng_free_taps(taps_y);
        free(row_pass);
        return CPNG_NO_MEMORY;
    }
    for (int y = 0; y < mid_height; y++) {
        const float *line = mid + (size_t)y * mid_width * 4;
        for (uint32_t x = 0; x < dst_width; x++) {
            const cpng_taps *t = &taps_x[x];
            float acc[4] = {0, 0, 0, 0};
            for (int k = 0; k < t->count; k++) {
                const float *p = line + (size_t)cpng_clamp_index(t->first + k, mid_width) * 4;
                float w = t->weights[k];
                acc[0] += p[0] * w;
                acc[1] += p[1] * w;
                acc[2] += p[2] * w;
                acc[3] += p[3] * w;
            }
            memcpy(row_pass + ((size_t)y * dst_width + x) * 4, acc, sizeof acc);
        }
    }
    for (uint32_t y = 0; y < dst_height; y++) {
        const cpng_taps *t = &taps_y[y];
        for (uint32_t x = 0; x < dst_width; x++) {
            float acc[4] = {0, 0, 0, 0};
            for (int k = 0; k < t->count; k++) {
                int row = cpng_clamp_index(t->first + k, mid_height);
                const float *p = row_pass + ((size_t)row * dst_width + x) * 4;
                float w = t->weights[k];
                acc[0] += p[0] * w;
                acc[1] += p[1] * w;
                acc[2] += p[2] * w;
                acc[3] += p[3] * w;
            }
            uint8_t *out = dst + ((size_t)y * dst_width + x) * 4;
            float alpha = acc[3];
            if (alpha <= 0.5f) {
                out[0] = out[1] = out[2] = out[3] = 0;
                continue;
            }
            for (int c = 0; c < 3; c++) {
                float value = acc[c] * 255.0f / alpha;
                value = value < 0 ? 0 : (value > 255 ? 255 : value);
                out[c] = (uint8_t)(value + 0.5f);
            }
            out[3] = (uint8_t)(alpha > 255 ? 255 : alpha + 0.5f);
        }
    }
    cpng_free_taps(taps_x);
    cpng_free_taps(taps_y);
    free(row_pass);
    return CPNG_OK;
}

static int cpng_resize_arguments_valid(uint32_t src_width, uint32_t src_height, uint32_t dst_width,
                                       uint32_t dst_height) {
    return src_width > 0 && src_height > 0 && dst_width > 0 && dst_height > 0 &&
           src_width <= 0x7fffffff && src_height <= 0x7fffffff && dst_width <= 0x7fffffff &&
           dst_height <= 0x7fffffff;
}

cpng_status cpng_resize_rgba(const uint8_t *src, uint32_t src_width, uint32_t src_height,
                             uint8_t *dst, uint32_t dst_width, uint32_t dst_height) {
    if (src == NULL || dst == NULL ||
        !cpng_resize_arguments_valid(src_width, src_height, dst_width, dst_height)) {
        return CPNG_BAD_ARGUMENT;
    }
    cpng_shrink shrink = cpng_shrink_for(src_width, src_height, dst_width, dst_height);
    float *mid = malloc(sizeof(float) * 4 * (size_t)shrink.mid_width * (size_t)shrink.mid_height);
    float *sums = calloc((size_t)shrink.mid_width * 4, sizeof(float));
    if (mid == NULL || sums == NULL) {
        free(mid);
        free(sums);
        return CPNG_NO_MEMORY;
    }
    for (int y = 0; y < shrink.mid_height * shrink.box_y; y++) {
        cpng_shrink_add_row(&shrink, src + (size_t)y * src_width * 4, sums);
        if ((y + 1) % shrink.box_y == 0) {
            cpng_shrink_finish_row(&shrink, sums, mid + (size_t)(y / shrink.box_y) * shrink.mid_width * 4);
        }
    }
    free(sums);
    cpng_status status = cpng_lanczos_rgba(mid, shrink.mid_width, shrink.mid_height, dst, dst_width,
                                           dst_height);
    free(mid);
    return status;
}

// MARK: - Thumbnails

// The taps `cpng_make_taps(src, dst)` allocates.
static uint64_t cpng_taps_memory(int src, int dst) {
    double scale = (double)src / (double)dst;
    int max_taps = (int)ceil(3.0 * (scale > 1 ? scale : 1) * 2) + 2;
    return (uint64_t)dst * (sizeof(cpng_taps) + sizeof(float) * (uint64_t)max_taps);
}

uint64_t cpng_thumbnail_memory(const cpng_header *header, uint32_t dst_width, uint32_t dst_height) {
    uint64_t width = header->width;
    uint64_t height = header->height;
    // libpng's current and previous rows (at most 8 bytes a pixel before conversion), zlib's
    // window, and the two read windows of a file.
    uint64_t total = 2 * (width * 8 + 64) + 64 * 1024 + 2 * CPNG_READ_WINDOW;
    // Adam7 delivers no row complete before the last pass: an interlaced image is held whole.
    total += header->interlaced ? width * height * 4 + height * sizeof(png_bytep) : width * 4;
    total += (uint64_t)dst_width * dst_height * 4;
    if (dst_width != width || dst_height != height) {
        if (dst_width == 0 || dst_height == 0 || width == 0 || height == 0) return total;
        cpng_shrink shrink = cpng_shrink_for(header->width, header->height, dst_width, dst_height);
        uint64_t mid = (uint64_t)shrink.mid_width * (uint64_t)shrink.mid_height * 16;
        total += (uint64_t)shrink.mid_width * 16 + mid + (uint64_t)dst_width * shrink.mid_height * 16;
        total += cpng_taps_memory(shrink.mid_width, (int)dst_width) +
                 cpng_taps_memory(shrink.mid_height, (int)dst_height);
    }
    return total;
}

cpng_status cpng_inspect(const cpng_input *input, uint64_t max_pixels, cpng_header *out_header,
                         char *errbuf, size_t errbuf_len) {
    memset(out_header, 0, sizeof *out_header);
    cpng_reader reader;
    cpng_status status = cpng_reader_open(&reader, input, errbuf, errbuf_len);
    if (status != CPNG_OK) return status;
    uint8_t signature[8];
    if (cpng_reader_read(&reader, signature, 8) != 0 || png_sig_cmp(signature, 0, 8) != 0) {
        cpng_reader_close(&reader);
        cpng_set_message(errbuf, errbuf_len, "not a PNG file (bad signature)");
        return CPNG_NOT_PNG;
    }
    cpng_error_context context = {.errbuf = errbuf, .errbuf_len = errbuf_len};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &context, cpng_on_error,
                                             cpng_on_warning);
    png_infop info = png == NULL ? NULL : png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_read_struct(&png, NULL, NULL);
        cpng_reader_close(&reader);
        return CPNG_NO_MEMORY;
    }
    if (setjmp(context.jump)) {
        png_destroy_read_struct(&png, &info, NULL);
        cpng_reader_close(&reader);
        return CPNG_CORRUPT;
    }
    png_set_read_fn(png, &reader, cpng_read_input);
    png_set_sig_bytes(png, 8);
    cpng_configure_reader(png);
    png_read_info(png, info);
    status = cpng_check_declared_size(png, info, input, max_pixels, errbuf, errbuf_len);
    out_header->width = png_get_image_width(png, info);
    out_header->height = png_get_image_height(png, info);
    out_header->bit_depth = png_get_bit_depth(png, info);
    out_header->color_type = png_get_color_type(png, info);
    out_header->interlaced = png_get_interlace_type(png, info) != PNG_INTERLACE_NONE;
    png_destroy_read_struct(&png, &info, NULL);
    cpng_reader_close(&reader);
    return status;
}

cpng_status cpng_decode_thumbnail(const cpng_input *input, uint64_t max_pixels, uint32_t dst_width,
                                  uint32_t dst_height, uint8_t *dst, char *errbuf, size_t errbuf_len) {
    if (dst == NULL || dst_width == 0 || dst_height == 0) {
        cpng_set_message(errbuf, errbuf_len, "a thumbnail needs a width and height of at least 1");
        return CPNG_BAD_ARGUMENT;
    }
    cpng_reader reader;
    cpng_status status = cpng_reader_open(&reader, input, errbuf, errbuf_len);
    if (status != CPNG_OK) return status;
    uint8_t signature[8];
    if (cpng_reader_read(&reader, signature, 8) != 0 || png_sig_cmp(signature, 0, 8) != 0) {
        cpng_reader_close(&reader);
        cpng_set_message(errbuf, errbuf_len, "not a PNG file (bad signature)");
        return CPNG_NOT_PNG;
    }
    cpng_error_context context = {.errbuf = errbuf, .errbuf_len = errbuf_len};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &context, cpng_on_error,
                                             cpng_on_warning);
    png_infop info = png == NULL ? NULL : png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_read_struct(&png, NULL, NULL);
        cpng_reader_close(&reader);
        return CPNG_NO_MEMORY;
    }
    // Written after setjmp, read after a longjmp: volatile keeps their values.
    uint8_t *volatile image = NULL;  // a row, or the whole image when interlaced
    png_bytep *volatile rows = NULL;
    float *volatile sums = NULL;
    float *volatile mid = NULL;
    volatile cpng_status failure = CPNG_CORRUPT;
    if (setjmp(context.jump)) {
        free(image);
        free(rows);
        free(sums);
        free(mid);
        png_destroy_read_struct(&png, &info, NULL);
        cpng_reader_close(&reader);
        return failure;
    }
    png_set_read_fn(png, &reader, cpng_read_input);
    png_set_sig_bytes(png, 8);
    cpng_configure_reader(png);
    png_read_info(png, info);
    status = cpng_check_declared_size(png, info, input, max_pixels, errbuf, errbuf_len);
    png_uint_32 width = png_get_image_width(png, info);
    png_uint_32 height = png_get_image_height(png, info);
    if (status == CPNG_OK && !cpng_resize_arguments_valid(width, height, dst_width, dst_height)) {
        cpng_set_message(errbuf, errbuf_len, "invalid thumbnail size");
        status = CPNG_BAD_ARGUMENT;
    }
    if (status != CPNG_OK) {
        png_destroy_read_struct(&png, &info, NULL);
        cpng_reader_close(&reader);
        return status;
    }
    int interlaced = png_get_interlace_type(png, info) != PNG_INTERLACE_NONE;
    cpng_set_rgba_transforms(png, info);
    size_t row_bytes = png_get_rowbytes(png, info);
    if (row_bytes != (size_t)width * 4) png_error(png, "unsupported pixel layout after conversion");
    int same_size = dst_width == width && dst_height == height;
    cpng_shrink shrink = cpng_shrink_for(width, height, dst_width, dst_height);

    if (interlaced) {
        image = malloc(row_bytes * height);
        rows = malloc(sizeof(png_bytep) * height);
        if (image == NULL || rows == NULL) {
            failure = CPNG_NO_MEMORY;
            png_error(png, "out of memory while decoding");
        }
        for (png_uint_32 y = 0; y < height; y++) rows[y] = image + (size_t)y * row_bytes;
        png_read_image(png, rows);
        png_read_end(png, NULL);
        if (same_size) {
            memcpy(dst, image, row_bytes * height);
        } else {
            status = cpng_resize_rgba(image, width, height, dst, dst_width, dst_height);
        }
    } else if (same_size) {
        // Small enough to fit already: the rows are the thumbnail.
        for (png_uint_32 y = 0; y < height; y++) png_read_row(png, dst + (size_t)y * row_bytes, NULL);
        png_read_end(png, NULL);
    } else {
        // One row at a time into the box shrink's sums: the whole image is never held.
        image = malloc(row_bytes);
        sums = calloc((size_t)shrink.mid_width * 4, sizeof(float));
        mid = malloc(sizeof(float) * 4 * (size_t)shrink.mid_width * (size_t)shrink.mid_height);
        if (image == NULL || sums == NULL || mid == NULL) {
            failure = CPNG_NO_MEMORY;
            png_error(png, "out of memory while decoding");
        }
        png_uint_32 used_rows = (png_uint_32)(shrink.mid_height * shrink.box_y);
        for (png_uint_32 y = 0; y < height; y++) {
            png_read_row(png, image, NULL);
            if (y >= used_rows) continue;  // read anyway: damage there is still reported
            cpng_shrink_add_row(&shrink, image, sums);
            if ((y + 1) % (png_uint_32)shrink.box_y == 0) {
                cpng_shrink_finish_row(&shrink, sums,
                                       mid + (size_t)(y / (png_uint_32)shrink.box_y) * shrink.mid_width * 4);
            }
        }
        png_read_end(png, NULL);
        status = cpng_lanczos_rgba(mid, shrink.mid_width, shrink.mid_height, dst, dst_width, dst_height);
    }
    free(image);
    free(rows);
    free(sums);
    free(mid);
    png_destroy_read_struct(&png, &info, NULL);
    cpng_reader_close(&reader);
    return status;
}

void cpng_free(void *pointer) { free(pointer); }

// MARK: - zlib

uint32_t cpng_crc32(uint32_t crc, const uint8_t *data, size_t length) {
    // zlib takes uInt lengths; feed it in pieces so buffers over 4 GiB stay correct.
    uLong value = crc;
    while (length > 0) {
        uInt piece = length > 0x40000000u ? 0x40000000u : (uInt)length;
        value = crc32(value, data, piece);
        data += piece;
        length -= piece;
    }
    return (uint32_t)value;
}

cpng_status cpng_inflate_bounded(const uint8_t *data, size_t size, size_t max_output,
                                 uint8_t **out_data, size_t *out_size) {
    *out_data = NULL;
    *out_size = 0;
    if (size > 0xffffffffu) return CPNG_TOO_LARGE;
    z_stream stream;
    memset(&stream, 0, sizeof stream);
    if (inflateInit(&stream) != Z_OK) return CPNG_NO_MEMORY;
    size_t capacity = size * 4 + 256;
    if (capacity > max_output + 1) capacity = max_output + 1;
    uint8_t *output = malloc(capacity);
    if (output == NULL) {
        inflateEnd(&stream);
        return CPNG_NO_MEMORY;
    }
    stream.next_in = (Bytef *)data;
    stream.avail_in = (uInt)size;
    size_t produced = 0;
    cpng_status status = CPNG_OK;
    for (;;) {
        if (produced == capacity) {
            if (capacity > max_output) {  // one byte past the cap has been produced
                status = CPNG_TOO_LARGE;
                break;
            }
            size_t grown_capacity = capacity * 2;
            if (grown_capacity > max_output + 1) grown_capacity = max_output + 1;
            uint8_t *grown = realloc(output, grown_capacity);
            if (grown == NULL) {
                status = CPNG_NO_MEMORY;
                break;
            }
            output = grown;
            capacity = grown_capacity;
        }
        size_t room = capacity - produced;
        if (room > 0x40000000u) room = 0x40000000u;
        stream.next_out = output + produced;
        stream.avail_out = (uInt)room;
        int result = inflate(&stream, Z_NO_FLUSH);
        produced += room - stream.avail_out;
        if (result == Z_STREAM_END) break;
        if (result == Z_OK) continue;
        if (result == Z_BUF_ERROR && stream.avail_out != 0) {
            status = CPNG_CORRUPT;  // input ended before the stream did
            break;
        }
        if (result == Z_BUF_ERROR) continue;
        status = result == Z_MEM_ERROR ? CPNG_NO_MEMORY : CPNG_CORRUPT;
        break;
    }
    inflateEnd(&stream);
    if (status == CPNG_OK && produced > max_output) status = CPNG_TOO_LARGE;
    // What was inflated is reported whatever happened, so callers can count the work done.
    *out_size = produced;
    if (status != CPNG_OK) {
        free(output);
        return status;
    }
    *out_data = output;
    return CPNG_OK;
}

struct cpng_inflater {
    z_stream stream;
};

cpng_status cpng_inflater_create(int raw, cpng_inflater **out_inflater) {
    *out_inflater = NULL;
    cpng_inflater *inflater = calloc(1, sizeof *inflater);
    if (inflater == NULL) return CPNG_NO_MEMORY;
    // A negative window size reads raw deflate data (zip entries), without a zlib header.
    if (inflateInit2(&inflater->stream, raw ? -15 : 15) != Z_OK) {
        free(inflater);
        return CPNG_NO_MEMORY;
    }
    *out_inflater = inflater;
    return CPNG_OK;
}

cpng_status cpng_inflater_step(cpng_inflater *inflater, const uint8_t *input, size_t input_size,
                               size_t *input_used, uint8_t *output, size_t output_size,
                               size_t *output_made, int *finished) {
    *input_used = 0;
    *output_made = 0;
    *finished = 0;
    if (input_size > 0x40000000u) input_size = 0x40000000u;
    if (output_size > 0x40000000u) output_size = 0x40000000u;
    z_stream *stream = &inflater->stream;
    stream->next_in = (Bytef *)input;
    stream->avail_in = (uInt)input_size;
    stream->next_out = output;
    stream->avail_out = (uInt)output_size;
    int result = inflate(stream, Z_NO_FLUSH);
    *input_used = input_size - stream->avail_in;
    *output_made = output_size - stream->avail_out;
    switch (result) {
    case Z_STREAM_END:
        *finished = 1;
        return CPNG_OK;
    case Z_OK:
    case Z_BUF_ERROR:  // no progress possible without more input or room: the caller decides
        return CPNG_OK;
    case Z_MEM_ERROR:
        return CPNG_NO_MEMORY;
    default:
        return CPNG_CORRUPT;
    }
}

void cpng_inflater_destroy(cpng_inflater *inflater) {
    if (inflater == NULL) return;
    inflateEnd(&inflater->stream);
    free(inflater);
}

cpng_status cpng_deflate(const uint8_t *data, size_t size, int level, uint8_t **out_data,
                         size_t *out_size) {
    *out_data = NULL;
    *out_size = 0;
    if (size > 0xffffffffu) return CPNG_TOO_LARGE;
    uLongf bound = compressBound((uLong)size);
    uint8_t *output = malloc(bound);
    if (output == NULL) return CPNG_NO_MEMORY;
    if (level < 0 || level > 9) level = Z_DEFAULT_COMPRESSION;
    if (compress2(output, &bound, data, (uLong)size, level) != Z_OK) {
        free(output);
        return CPNG_CORRUPT;
    }
    *out_data = output;
    *out_size = bound;
    return CPNG_OK;
}

// MARK: - Searching

/// memmem(3), which Swift's Glibc module does not export (a GNU extension).
const void *cpng_find(const void *haystack, size_t haystack_length, const void *needle, size_t needle_length) {
    return memmem(haystack, haystack_length, needle, needle_length);
}

// MARK: - Luma columns (the perceptual hash's first steps)

uint64_t cpng_luma_columns_memory(const cpng_header *header) {
    uint64_t width = header->width;
    // libpng's current and previous rows (at most 8 bytes a pixel before conversion), zlib's
    // window, the two read windows of a file, an RGBA row and its luma.
    return 2 * (width * 8 + 64) + 64 * 1024 + 2 * CPNG_READ_WINDOW + width * 5;
}

cpng_status cpng_decode_luma_columns(const cpng_input *input, uint64_t max_pixels, uint32_t columns,
                                     const int32_t *tap_first, const int32_t *tap_count,
                                     const int64_t *weights, uint32_t stride, int precision_bits,
                                     uint32_t first_row, uint32_t row_count, uint8_t *out,
                                     char *errbuf, size_t errbuf_len) {
    if (out == NULL || tap_first == NULL || tap_count == NULL || weights == NULL || columns == 0 ||
        precision_bits < 1 || precision_bits > 30) {
        cpng_set_message(errbuf, errbuf_len, "invalid arguments for the luma columns");
        return CPNG_BAD_ARGUMENT;
    }
    cpng_reader reader;
    cpng_status status = cpng_reader_open(&reader, input, errbuf, errbuf_len);
    if (status != CPNG_OK) return status;
    uint8_t signature[8];
    if (cpng_reader_read(&reader, signature, 8) != 0 || png_sig_cmp(signature, 0, 8) != 0) {
        cpng_reader_close(&reader);
        cpng_set_message(errbuf, errbuf_len, "not a PNG file (bad signature)");
        return CPNG_NOT_PNG;
    }
    cpng_error_context context = {.errbuf = errbuf, .errbuf_len = errbuf_len};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &context, cpng_on_error,
                                             cpng_on_warning);
    png_infop info = png == NULL ? NULL : png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_read_struct(&png, NULL, NULL);
        cpng_reader_close(&reader);
        return CPNG_NO_MEMORY;
    }
    // Written after setjmp, read after a longjmp: volatile keeps their values.
    uint8_t *volatile row = NULL;
    uint8_t *volatile luma = NULL;
    volatile cpng_status failure = CPNG_CORRUPT;
    if (setjmp(context.jump)) {
        free(row);
        free(luma);
        png_destroy_read_struct(&png, &info, NULL);
        cpng_reader_close(&reader);
        return failure;
    }
    png_set_read_fn(png, &reader, cpng_read_input);
    png_set_sig_bytes(png, 8);
    cpng_configure_reader(png);
    png_read_info(png, info);
    status = cpng_check_declared_size(png, info, input, max_pixels, errbuf, errbuf_len);
    png_uint_32 width = png_get_image_width(png, info);
    png_uint_32 height = png_get_image_height(png, info);
    if (status == CPNG_OK && png_get_interlace_type(png, info) != PNG_INTERLACE_NONE) {
        cpng_set_message(errbuf, errbuf_len, "interlaced: decode the whole image");
        status = CPNG_BAD_ARGUMENT;
    }
    if (status == CPNG_OK && ((uint64_t)first_row + row_count > height)) {
        cpng_set_message(errbuf, errbuf_len, "rows beyond the image");
        status = CPNG_BAD_ARGUMENT;
    }
    for (uint32_t c = 0; status == CPNG_OK && c < columns; c++) {
        if (tap_first[c] < 0 || tap_count[c] < 0 || (uint32_t)tap_count[c] > stride ||
            (uint64_t)tap_first[c] + (uint64_t)tap_count[c] > width) {
            cpng_set_message(errbuf, errbuf_len, "taps beyond the image");
            status = CPNG_BAD_ARGUMENT;
        }
    }
    if (status != CPNG_OK) {
        png_destroy_read_struct(&png, &info, NULL);
        cpng_reader_close(&reader);
        return status;
    }
    cpng_set_rgba_transforms(png, info);
    size_t row_bytes = png_get_rowbytes(png, info);
    if (row_bytes != (size_t)width * 4) png_error(png, "unsupported pixel layout after conversion");
    row = malloc(row_bytes);
    luma = malloc(width);
    if (row == NULL || luma == NULL) {
        failure = CPNG_NO_MEMORY;
        png_error(png, "out of memory while decoding");
    }
    const int64_t half = (int64_t)1 << (precision_bits - 1);
    const int64_t top = (int64_t)1 << (precision_bits + 8);
    for (png_uint_32 y = 0; y < height; y++) {
        png_read_row(png, row, NULL);
        if (y < first_row || y - first_row >= row_count) continue;  // read anyway: damage is reported
        for (png_uint_32 x = 0; x < width; x++) {
            const uint8_t *p = row + (size_t)x * 4;
            luma[x] = (uint8_t)(((uint32_t)p[0] * 19595u + (uint32_t)p[1] * 38470u +
                                 (uint32_t)p[2] * 7471u + 0x8000u) >> 16);
        }
        uint8_t *line = out + (size_t)(y - first_row) * columns;
        for (uint32_t c = 0; c < columns; c++) {
            int64_t sum = half;
            const uint8_t *source = luma + tap_first[c];
            const int64_t *weight = weights + (size_t)c * stride;
            for (int32_t k = 0; k < tap_count[c]; k++) sum += (int64_t)source[k] * weight[k];
            line[c] = sum >= top ? 255 : sum <= 0 ? 0 : (uint8_t)(sum >> precision_bits);
        }
    }
    png_read_end(png, NULL);
    free(row);
    free(luma);
    png_destroy_read_struct(&png, &info, NULL);
    cpng_reader_close(&reader);
    return CPNG_OK;
}
