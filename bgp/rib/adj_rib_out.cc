#include "bgp/rib/adj_rib_out.h"
