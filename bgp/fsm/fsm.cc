#include "bgp/fsm/fsm.h"
