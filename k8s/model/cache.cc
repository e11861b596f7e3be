#include "k8s/model/cache.h"
