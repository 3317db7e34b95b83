/* The number of elements of an array (not of a pointer: that does not compile to this). */
#ifndef LIB_ARRAY_H
#define LIB_ARRAY_H

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
