#!/usr/bin/env bash
# Run docker/kubernetes/daemonset.yaml once on every node, save one JSON report per node
# (listencheck-node-*.json in OUT, default .) and compare them. Exit status: compare's
# (0 every advertised address works from every node, 1 otherwise), 2 when the pods did
# not all finish within TIMEOUT. Needs listencheck on this machine for the comparison.
set -euo pipefail
namespace=${NAMESPACE:-kafka}
timeout=${TIMEOUT:-5m}
manifest=${MANIFEST:-$(dirname "$0")/daemonset.yaml}
out=${OUT:-.}

# An unchanged DaemonSet is not restarted by `apply`: its pods would keep the logs of an
# earlier run. Start from nothing, and wait until the old pods are gone too.
kubectl -n "$namespace" delete -f "$manifest" --ignore-not-found --cascade=foreground --wait=true
kubectl -n "$namespace" apply -f "$manifest"
trap 'kubectl -n "$namespace" delete -f "$manifest" --ignore-not-found --wait=false >/dev/null' EXIT

# Ready means the check has *finished* on that node (its report is in the pod's log),
# not that it passed: the verdict is in each report and in the comparison below.
kubectl -n "$namespace" rollout status ds/listencheck-node --timeout="$timeout" || exit 2
rm -f "$out"/listencheck-node-*.json
for pod in $(kubectl -n "$namespace" get pods -l app.kubernetes.io/name=listencheck-node -o name); do
  kubectl -n "$namespace" logs "$pod" > "$out/${pod#pod/}.json"
done
listencheck compare "$out"/listencheck-node-*.json
