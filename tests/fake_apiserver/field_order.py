"""Field order of the objects the fake API server emits (Go struct order, as kube-apiserver serialises them).

Derived from the key order of the round-trip fixtures in kubernetes/api testdata/HEAD
(core.v1.Service, discovery.k8s.io.v1.EndpointSlice, core.v1.Node).  Each kind maps to a tree: a dict from
field name to the subtree for that field's value (for lists: for each element), or None for leaves and maps with
free-form keys (labels, annotations, selector...).  Fields not listed keep their input order after the known ones.
"""

# metav1.ObjectMeta, the same in every kind.
ObjectMeta = {
    'name': None,
    'generateName': None,
    'namespace': None,
    'selfLink': None,
    'uid': None,
    'resourceVersion': None,
    'generation': None,
    'creationTimestamp': None,
    'deletionTimestamp': None,
    'deletionGracePeriodSeconds': None,
    'labels': None,
    'annotations': None,
    'ownerReferences': {
        'apiVersion': None,
        'kind': None,
        'name': None,
        'uid': None,
        'controller': None,
        'blockOwnerDeletion': None,
    },
    'finalizers': None,
    'managedFields': {
        'manager': None,
        'operation': None,
        'apiVersion': None,
        'time': None,
        'fieldsType': None,
        'fieldsV1': None,
        'subresource': None,
    },
}

Service = {
    'kind': None,
    'apiVersion': None,
    'metadata': ObjectMeta,
    'spec': {
        'ports': {
            'name': None,
            'protocol': None,
            'appProtocol': None,
            'port': None,
            'targetPort': None,
            'nodePort': None,
        },
        'selector': None,
        'clusterIP': None,
        'clusterIPs': None,
        'type': None,
        'externalIPs': None,
        'sessionAffinity': None,
        'loadBalancerIP': None,
        'loadBalancerSourceRanges': None,
        'externalName': None,
        'externalTrafficPolicy': None,
        'healthCheckNodePort': None,
        'publishNotReadyAddresses': None,
        'sessionAffinityConfig': {
            'clientIP': {
                'timeoutSeconds': None,
            },
        },
        'ipFamilies': None,
        'ipFamilyPolicy': None,
        'allocateLoadBalancerNodePorts': None,
        'loadBalancerClass': None,
        'internalTrafficPolicy': None,
        'trafficDistribution': None,
    },
    'status': {
        'loadBalancer': {
            'ingress': {
                'ip': None,
                'hostname': None,
                'ipMode': None,
                'ports': {
                    'port': None,
                    'protocol': None,
                    'error': None,
                },
            },
        },
        'conditions': {
            'type': None,
            'status': None,
            'observedGeneration': None,
            'lastTransitionTime': None,
            'reason': None,
            'message': None,
        },
    },
}
EndpointSlice = {
    'kind': None,
    'apiVersion': None,
    'metadata': ObjectMeta,
    'addressType': None,
    'endpoints': {
        'addresses': None,
        'conditions': {
            'ready': None,
            'serving': None,
            'terminating': None,
        },
        'hostname': None,
        'targetRef': {
            'kind': None,
            'namespace': None,
            'name': None,
            'uid': None,
            'apiVersion': None,
            'resourceVersion': None,
            'fieldPath': None,
        },
        'deprecatedTopology': None,
        'nodeName': None,
        'zone': None,
        'hints': {
            'forZones': {
                'name': None,
            },
            'forNodes': {
                'name': None,
            },
        },
    },
    'ports': {
        'name': None,
        'protocol': None,
        'port': None,
        'appProtocol': None,
    },
}
Node = {
    'kind': None,
    'apiVersion': None,
    'metadata': ObjectMeta,
    'spec': {
        'podCIDR': None,
        'podCIDRs': None,
        'providerID': None,
        'unschedulable': None,
        'taints': {
            'key': None,
            'value': None,
            'effect': None,
            'timeAdded': None,
        },
        'configSource': {
            'configMap': {
                'namespace': None,
                'name': None,
                'uid': None,
                'resourceVersion': None,
                'kubeletConfigKey': None,
            },
        },
        'externalID': None,
        'podPreemptionPolicy': {
            'disableResizePreemption': None,
        },
    },
    'status': {
        'capacity': None,
        'allocatable': None,
        'phase': None,
        'conditions': {
            'type': None,
            'status': None,
            'lastHeartbeatTime': None,
            'lastTransitionTime': None,
            'reason': None,
            'message': None,
        },
        'addresses': {
            'type': None,
            'address': None,
        },
        'daemonEndpoints': {
            'kubeletEndpoint': {
                'Port': None,
            },
        },
        'nodeInfo': {
            'machineID': None,
            'systemUUID': None,
            'bootID': None,
            'kernelVersion': None,
            'osImage': None,
            'containerRuntimeVersion': None,
            'kubeletVersion': None,
            'kubeProxyVersion': None,
            'operatingSystem': None,
            'architecture': None,
            'swap': {
                'capacity': None,
            },
        },
        'images': {
            'names': None,
            'sizeBytes': None,
        },
        'volumesInUse': None,
        'volumesAttached': {
            'name': None,
            'devicePath': None,
        },
        'config': {
            'assigned': {
                'configMap': {
                    'namespace': None,
                    'name': None,
                    'uid': None,
                    'resourceVersion': None,
                    'kubeletConfigKey': None,
                },
            },
            'active': {
                'configMap': {
                    'namespace': None,
                    'name': None,
                    'uid': None,
                    'resourceVersion': None,
                    'kubeletConfigKey': None,
                },
            },
            'lastKnownGood': {
                'configMap': {
                    'namespace': None,
                    'name': None,
                    'uid': None,
                    'resourceVersion': None,
                    'kubeletConfigKey': None,
                },
            },
            'error': None,
        },
        'runtimeHandlers': {
            'name': None,
            'features': {
                'recursiveReadOnlyMounts': None,
                'userNamespaces': None,
            },
        },
        'features': {
            'supplementalGroupsPolicy': None,
        },
        'declaredFeatures': None,
    },
}

# core.v1.Secret
Secret = {
    'kind': None,
    'apiVersion': None,
    'metadata': ObjectMeta,
    'immutable': None,
    'data': None,
    'stringData': None,
    'type': None,
}

# core.v1.Event (the events svcbgpd may write about its objects)
Event = {
    'kind': None,
    'apiVersion': None,
    'metadata': ObjectMeta,
    'involvedObject': {
        'kind': None,
        'namespace': None,
        'name': None,
        'uid': None,
        'apiVersion': None,
        'resourceVersion': None,
        'fieldPath': None,
    },
    'reason': None,
    'message': None,
    'source': None,
    'firstTimestamp': None,
    'lastTimestamp': None,
    'count': None,
    'type': None,
    'eventTime': None,
    'series': None,
    'action': None,
    'related': None,
    'reportingComponent': None,
    'reportingInstance': None,
}

# coordination.k8s.io.v1.Lease
Lease = {
    'kind': None,
    'apiVersion': None,
    'metadata': ObjectMeta,
    'spec': {
        'holderIdentity': None,
        'leaseDurationSeconds': None,
        'acquireTime': None,
        'renewTime': None,
        'leaseTransitions': None,
        'strategy': None,
        'preferredHolder': None,
    },
}

# apiextensions.k8s.io.v1.CustomResourceDefinition (the schema inside stays as written)
CustomResourceDefinition = {
    'kind': None,
    'apiVersion': None,
    'metadata': ObjectMeta,
    'spec': {
        'group': None,
        'names': None,
        'scope': None,
        'versions': None,
        'conversion': None,
        'preserveUnknownFields': None,
    },
    'status': None,
}
