/* The fuzzer's random numbers: xorshift64*, a stream per thread derived from the seed. */
#include "fuzz.h"

/* The next number of stream r. */
uint64_t rnd(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dULL;
}

/* A number below n (n > 0). */
uint64_t below(struct rng *r, uint64_t n)
{
	return rnd(r) % n;
}

/* Stream `stream` of the run with `seed`: splitmix64 of both, never the stuck state 0. */
void rng_seed(struct rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t z = seed + (stream + 1) * 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	r->s = (z ^ (z >> 31)) | 1;
}
