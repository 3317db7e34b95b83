/* guest: load=0x8000 mode=protected */
/* ticker_b: "ticker b: tick N" every 50 ms, 80 lines, then reports 0 (ticker.h; the partfault suite's partition B) */
#define TICKER_NAME "ticker b"
#define TICKER_LINES 80
#include "ticker.h"
