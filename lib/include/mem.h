/* Memory and string primitives for freestanding code (kernel and servers). */
#ifndef LIB_MEM_H
#define LIB_MEM_H

#include <stddef.h>

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
/* Copies s into d (size bytes, always terminated when size > 0); returns strlen(s). */
size_t strlcpy(char *d, const char *s, size_t size);

#endif
