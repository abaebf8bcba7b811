/* Functions that invite overflows or unchecked conversions. Using one is a
 * compile error (the undefined name is the message). Use snprintf, strtol
 * with checks and bounded copies instead. */
#ifndef LATCH_BASE_BANNED_H
#define LATCH_BASE_BANNED_H

#define BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef atoi
#define atoi(x) BANNED(atoi)
#undef atol
#define atol(x) BANNED(atol)
#undef gets
#define gets(x) BANNED(gets)
#undef qsort
#define qsort(a, n, s, c) BANNED(qsort) /* sort_n (macro.h): NULL with no elements */

#endif
