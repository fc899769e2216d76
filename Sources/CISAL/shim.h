#include <isa-l/igzip_lib.h>
#include <isa-l/crc.h>
#include <string.h>
#include "overlay_histogram.h"
/* Compound macros are not imported by Swift: re-export the level-buffer sizes (level 1's for
 * the test that shows why camkit does not use it). */
static const unsigned int CISAL_LVL1_BUF_SIZE = ISAL_DEF_LVL1_DEFAULT;
static const unsigned int CISAL_LVL3_BUF_SIZE = ISAL_DEF_LVL3_DEFAULT;

/* The Huffman code of camkit's fast PNG level (ISA-L's level 0 with its own code instead of
 * ISA-L's default one), made from the symbol histogram of camkit's overlays; isal_create_hufftables
 * gives every symbol a code, so symbols the histogram never saw still encode. 0 on success. */
static inline int camkit_overlay_hufftables(struct isal_hufftables *tables) {
    struct isal_huff_histogram histogram;
    memset(&histogram, 0, sizeof histogram);
    for (int i = 0; i < ISAL_DEF_LIT_LEN_SYMBOLS; i++) histogram.lit_len_histogram[i] = camkit_overlay_lit_len_histogram[i];
    for (int i = 0; i < ISAL_DEF_DIST_SYMBOLS; i++) histogram.dist_histogram[i] = camkit_overlay_dist_histogram[i];
    return isal_create_hufftables(tables, &histogram);
}
