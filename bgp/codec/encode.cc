#include "bgp/codec/codec.h"
