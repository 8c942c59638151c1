#!/bin/sh
# The container image's entrypoint: runs waggle with the container's
# arguments (`broker`, `gateway --contact-points ...`, ...).
# For `broker` without WAGGLE_BROKER_CLUSTER_NODEID, a host name that ends in
# -N (a StatefulSet pod: waggle-broker-2) makes N the node id, so that every
# pod of k8s/'s StatefulSet is the broker of its ordinal. Any other host name
# (plain `docker run`) leaves the default, node 0.
set -eu
waggle=${WAGGLE_BIN:-/usr/local/bin/waggle}
if [ "${1:-}" = broker ] && [ -z "${WAGGLE_BROKER_CLUSTER_NODEID:-}" ]; then
  host=${HOSTNAME:-$(hostname)}
  ordinal=${host##*-}
  case "$host" in
    *-*)
      case "$ordinal" in
        '' | *[!0-9]*) ;;
        *)
          WAGGLE_BROKER_CLUSTER_NODEID=$ordinal
          export WAGGLE_BROKER_CLUSTER_NODEID
          echo "entrypoint: cluster.nodeId=$ordinal (from host name $host)" >&2
          ;;
      esac
      ;;
  esac
fi
exec "$waggle" "$@"
