#include "k8s/model/json.h"
