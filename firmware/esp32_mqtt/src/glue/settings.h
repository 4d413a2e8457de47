// The board's settings: include/config.h and include/secrets.h, copied from the examples.
#pragma once

#if !__has_include("config.h")
#error "copy include/config.example.h to include/config.h and edit it"
#endif
#if !__has_include("secrets.h")
#error "copy include/secrets.example.h to include/secrets.h and fill it in"
#endif

#include "config.h"
#include "secrets.h"
