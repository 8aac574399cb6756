/*
 * boolean_t, TRUE and FALSE as Mach interfaces use them: a 32-bit int on
 * the wire (MACH_MSG_TYPE_BOOLEAN) and in C.
 */

#ifndef _MACH_BOOLEAN_H_
#define _MACH_BOOLEAN_H_

#ifndef __ASSEMBLER__
typedef int boolean_t;
#endif

#ifndef TRUE
#define TRUE	1
#endif
#ifndef FALSE
#define FALSE	0
#endif

#endif /* _MACH_BOOLEAN_H_ */
