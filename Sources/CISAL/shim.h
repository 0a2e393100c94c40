#ifndef PARLEY_CISAL_SHIM_H
#define PARLEY_CISAL_SHIM_H
// Intel's ISA-L: crc32_iscsi, the CRC-32C of every log frame, snapshot and history file,
// computed with the processor's CRC32 instruction where it has one (chosen at run time).
#include <isa-l/crc.h>
#endif
