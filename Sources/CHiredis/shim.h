#ifndef PARLEY_CHIREDIS_SHIM_H
#define PARLEY_CHIREDIS_SHIM_H
// Redis's own C client (Debian's libhiredis-dev): ParleyRedis uses its reply reader
// (redisReaderCreate/Feed/GetReply) and its command formatter (redisFormatCommandArgv);
// connections are SwiftNIO channels (docs/SCALING.md, "The Redis client").
#include <hiredis/hiredis.h>
#include <hiredis/read.h>
#endif
