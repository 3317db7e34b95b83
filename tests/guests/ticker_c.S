/* guest: load=0x8000 mode=protected */
/* ticker_c: "ticker c: tick N" every 50 ms, for ever (ticker.h; the partfault suite's partition C) */
#define TICKER_NAME "ticker c"
#define TICKER_LINES 0
#include "ticker.h"
