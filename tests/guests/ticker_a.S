/* guest: load=0x8000 mode=protected */
/* ticker_a: "ticker a: tick N" every 50 ms, for ever (ticker.h; the partfault suite's partition A) */
#define TICKER_NAME "ticker a"
#define TICKER_LINES 0
#include "ticker.h"
