#!/usr/bin/env bash
# Run docker/kubernetes/job.yaml once and exit with its verdict:
#   0 the check passed, 1 it failed, 2 the Job did not finish within TIMEOUT.
# Each run creates a new Job (generateName), so runs never collide; finished Jobs
# are removed by ttlSecondsAfterFinished. Needs kubectl 1.23 or later.
set -euo pipefail
namespace=${NAMESPACE:-kafka}
timeout=${TIMEOUT:-5m}
manifest=${MANIFEST:-$(dirname "$0")/job.yaml}

job=$(kubectl -n "$namespace" create -f "$manifest" -o name)
echo "listencheck: started $job in namespace $namespace" >&2

# `kubectl wait` takes one condition: wait for both and stop at whichever comes first.
kubectl -n "$namespace" wait --for=condition=complete --timeout="$timeout" "$job" >/dev/null 2>&1 &
complete=$!
kubectl -n "$namespace" wait --for=condition=failed --timeout="$timeout" "$job" >/dev/null 2>&1 &
failed=$!
finished=0
while kill -0 "$complete" 2>/dev/null && kill -0 "$failed" 2>/dev/null; do
  sleep 1
done
if ! kill -0 "$complete" 2>/dev/null && wait "$complete"; then finished=complete; fi
if [ "$finished" = 0 ] && ! kill -0 "$failed" 2>/dev/null && wait "$failed"; then finished=failed; fi
kill "$complete" "$failed" 2>/dev/null || true
wait 2>/dev/null || true

kubectl -n "$namespace" logs "$job" || true
case "$finished" in
  complete) exit 0 ;;
  failed) echo "listencheck: $job failed: the check found errors (see the report above)" >&2; exit 1 ;;
  *) echo "listencheck: $job did not finish within $timeout" >&2; exit 2 ;;
esac
