#include "k8s/model/ip.h"
