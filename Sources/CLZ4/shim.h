#ifndef PARLEY_CLZ4_SHIM_H
#define PARLEY_CLZ4_SHIM_H
// liblz4's frame API: the snapshot payload is an LZ4 frame, so `lz4 -d` unpacks it.
#include <lz4frame.h>
#endif
