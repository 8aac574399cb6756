#include "kern/ratelimit.h"

bool ratelimit_admit(struct ratelimit *r, uint32_t now_ms, uint32_t *suppressed)
{
	if (!r->started) {
		r->tokens = r->burst;
		r->last_ms = now_ms;
		r->started = true;
	}
	/* Whole lines earned since last_ms; the remainder carries over, so a
	 * steady caller gets exactly one line per ms_per_line. */
	uint32_t earned = (now_ms - r->last_ms) / r->ms_per_line;
	if (earned >= r->burst - r->tokens) {
		r->tokens = r->burst;
		r->last_ms = now_ms;               /* full: time spent full earns nothing */
	} else if (earned) {
		r->tokens += earned;
		r->last_ms += earned * r->ms_per_line;
	}
	if (r->tokens == 0) {
		if (r->suppressed != UINT32_MAX)
			r->suppressed++;
		return false;
	}
	r->tokens--;
	*suppressed = r->suppressed;
	r->suppressed = 0;
	return true;
}
