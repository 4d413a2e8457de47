#if defined(EPOXY_CORE_ESP8266)

#include "Esp.h"

EspClass ESP;

#endif
