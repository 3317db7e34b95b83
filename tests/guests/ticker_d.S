/* guest: load=0x8000 mode=protected */
/* ticker_d: "ticker d: tick N" every 50 ms, for ever (ticker.h; the partfault suite's partition D) */
#define TICKER_NAME "ticker d"
#define TICKER_LINES 0
#include "ticker.h"
