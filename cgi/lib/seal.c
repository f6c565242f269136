/* seal.c — to be written. */
#include "config.h"

#include "seal.h"
