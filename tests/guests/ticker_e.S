/* guest: load=0x8000 mode=protected */
/* ticker_e: "ticker e: tick N" every 50 ms, for ever (ticker.h; the partfault suite's partition E) */
#define TICKER_NAME "ticker e"
#define TICKER_LINES 0
#include "ticker.h"
