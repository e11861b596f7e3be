#include "bgp/rib/adj_rib_in.h"
