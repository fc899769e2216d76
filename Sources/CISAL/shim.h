#include <isa-l/igzip_lib.h>
#include <isa-l/crc.h>
/* Compound macros are not imported by Swift: re-export the level-buffer sizes. */
static const unsigned int CISAL_LVL1_BUF_SIZE = ISAL_DEF_LVL1_DEFAULT;
static const unsigned int CISAL_LVL2_BUF_SIZE = ISAL_DEF_LVL2_DEFAULT;
static const unsigned int CISAL_LVL3_BUF_SIZE = ISAL_DEF_LVL3_DEFAULT;
