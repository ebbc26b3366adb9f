#!/usr/bin/env bash
# The CRDs and the install layout against the real local kube-apiserver
# (KUBECONFIG from tests/run.sh): the CRDs install idempotently and become
# Established; server-side validation accepts every sample and rejects broken
# objects with the expected messages (OpenAPI patterns, required fields,
# enums, length limits and the CEL rules); the API server applies the CRD
# defaults; `kubectl get` shows Flux's columns, also filled from a status
# written through the status subresource; short names and the `flux` category
# resolve; `kubectl explain` answers with our descriptions; deprecated
# versions are served and stored as the storage version; the whole install
# passes a server-side dry run.
. "$(dirname "$0")/../lib.sh"
set -uo pipefail

M=$FC_ROOT/manifests
: "${KUBECONFIG:?KUBECONFIG must point at the test cluster}"
ns=fc-crds-$$-$RANDOM
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fc-e2e-crds.XXXXXX")
cleanup() {
  kubectl delete namespace "$ns" --wait=false >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT

yaml2json() { KUBECONFIG=/dev/null kubectl label --local -f "$1" fc-e2e-unused- -o json | jq -s .; }
# squash: collapse all whitespace runs (kubectl wraps and pads its output).
squash() { tr -s ' \t\n' ' ' | sed 's/^ //; s/ $//'; }

crd_names=$(yaml2json "$M/crds" | jq -r '.[].metadata.name' | sort)
check_eq "ten CRDs in manifests/crds" "$(echo "$crd_names" | grep -c .)" 10

# ---- install, re-install, Established -------------------------------------
check "kubectl apply -f manifests/crds" kubectl apply -f "$M/crds"
for n in $crd_names; do
  check "CRD $n Established" kubectl wait --for condition=Established --timeout=60s "crd/$n"
done
again=$(kubectl apply -f "$M/crds" 2>&1)
check_eq "re-applying the CRDs changes nothing" \
  "$(echo "$again" | grep -vc ' unchanged$')" 0
check_eq "no CRD reports a schema problem (NonStructuralSchema etc.)" \
  "$(kubectl get crd $crd_names -o json | jq -r '[.items[].status.conditions[] | select(.type != "Established" and .type != "NamesAccepted") | select(.status == "True") | .type] | join(",")')" ""

kubectl create namespace "$ns" >/dev/null

# ---- samples ------------------------------------------------------------
if out=$(kubectl apply -n "$ns" --validate=strict -f "$M/samples" 2>&1); then
  pass "every sample is accepted (strict field validation)"
else
  fail "every sample is accepted (strict field validation)" "$(echo "$out" | tail -n 5 | tr '\n' ' ')"
fi
yaml2json "$M/samples" >"$tmp/samples.json"
while read -r kind name; do
  check "sample $kind/$name stored" kubectl get -n "$ns" "$kind" "$name"
done < <(jq -r '.[] | "\(.kind | ascii_downcase).\(.apiVersion | split("/")[0]) \(.metadata.name)"' "$tmp/samples.json")

# ---- server-side validation rejects broken objects ------------------------
# reject NAME WANT YAML: a server-side dry-run create must fail and its error
# must contain WANT.
reject() {
  local name=$1 want=$2 yaml=$3 out
  if out=$(printf '%s\n' "$yaml" | kubectl create -n "$ns" --dry-run=server -f - 2>&1); then
    fail "rejects $name" "accepted: $out"
  else
    check_contains "rejects $name" "$(echo "$out" | squash)" "$want"
  fi
}
reject "GitRepository url ftp://x" "spec.url: Invalid value: \"ftp://x\": spec.url in body should match '^(http|https|ssh)://" '
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: bad-url}
spec: {url: "ftp://x", interval: 1m}'
reject "GitRepository timeout in hours" "spec.timeout: Invalid value: \"1h\"" '
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: bad-timeout}
spec: {url: "https://example.com/repo", interval: 1m, timeout: 1h}'
reject "GitRepository serviceAccountName without provider azure (CEL)" "serviceAccountName can only be set when provider is 'azure'" '
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: bad-sa}
spec: {url: "https://example.com/repo", interval: 1m, serviceAccountName: sa}'
reject "Kustomization without prune" "spec.prune: Required value" '
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: no-prune}
spec: {interval: 1m, sourceRef: {kind: GitRepository, name: podinfo}}'
reject "Kustomization deletionPolicy Keep" 'spec.deletionPolicy: Unsupported value: "Keep"' '
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: bad-policy}
spec: {interval: 1m, prune: true, deletionPolicy: Keep, sourceRef: {kind: GitRepository, name: podinfo}}'
reject "Kustomization kubeConfig with both refs (CEL)" "exactly one of spec.kubeConfig.configMapRef or spec.kubeConfig.secretRef must be specified" '
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: bad-kubeconfig}
spec: {interval: 1m, prune: true, sourceRef: {kind: GitRepository, name: podinfo}, kubeConfig: {secretRef: {name: a}, configMapRef: {name: b}}}'
reject "HelmRelease with neither chart nor chartRef (CEL)" "either chart or chartRef must be set" '
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: no-chart}
spec: {interval: 1m}'
reject "HelmRelease with both chart and chartRef (CEL)" "either chart or chartRef must be set" '
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: two-charts}
spec: {interval: 1m, chartRef: {kind: OCIRepository, name: x}, chart: {spec: {chart: x, sourceRef: {kind: HelmRepository, name: x}}}}'
reject "HelmRelease releaseName of 54 characters" "spec.releaseName: Too long" "
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: long-name}
spec: {interval: 1m, releaseName: $(printf 'r%.0s' $(seq 54)), chartRef: {kind: OCIRepository, name: x}}"
reject "HelmRelease install strategy RemediateOnFailure with retryInterval (CEL)" "retryInterval cannot be set when .name is 'RemediateOnFailure'" '
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: bad-strategy}
spec: {interval: 1m, chartRef: {kind: OCIRepository, name: x}, install: {strategy: {name: RemediateOnFailure, retryInterval: 1m}}}'
reject "Bucket STS with provider gcp (CEL)" "STS configuration is only supported for the 'aws' and 'generic' Bucket providers" '
apiVersion: source.toolkit.fluxcd.io/v1
kind: Bucket
metadata: {name: bad-sts}
spec: {provider: gcp, bucketName: b, endpoint: storage.googleapis.com, interval: 1m, sts: {provider: aws, endpoint: "https://sts.amazonaws.com"}}'
reject "OCIRepository url without oci://" "spec.url in body should match '^oci://" '
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata: {name: bad-oci}
spec: {url: "https://ghcr.io/org/repo", interval: 1m}'
reject "Provider type teams" 'spec.type: Unsupported value: "teams"' '
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Provider
metadata: {name: bad-type}
spec: {type: teams}'
reject "Alert without eventSources" "spec.eventSources: Required value" '
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Alert
metadata: {name: no-sources}
spec: {providerRef: {name: slack}}'
reject "Receiver type gitea" 'spec.type: Unsupported value: "gitea"' '
apiVersion: notification.toolkit.fluxcd.io/v1
kind: Receiver
metadata: {name: bad-receiver}
spec: {type: gitea, secretRef: {name: t}, resources: [{kind: GitRepository, name: podinfo}]}'
reject "an unknown spec field (strict validation)" 'unknown field "spec.branch"' '
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: unknown-field}
spec: {url: "https://example.com/repo", interval: 1m, branch: main}'

# ---- defaults applied by the API server ----------------------------------
kubectl apply -n "$ns" -f - >/dev/null <<'EOF'
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: minimal}
spec: {url: "https://example.com/repo", interval: 1m}
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata: {name: minimal}
spec: {url: "oci://example.com/repo", interval: 1m}
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmChart
metadata: {name: minimal}
spec: {chart: podinfo, interval: 1m, sourceRef: {kind: HelmRepository, name: podinfo}}
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: Bucket
metadata: {name: minimal}
spec: {bucketName: b, endpoint: "minio:9000", interval: 1m}
---
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Alert
metadata: {name: minimal}
spec: {providerRef: {name: slack}, eventSources: [{kind: GitRepository, name: "*"}]}
---
apiVersion: notification.toolkit.fluxcd.io/v1
kind: Receiver
metadata: {name: minimal}
spec: {type: generic, secretRef: {name: t}, resources: [{kind: GitRepository, name: podinfo}]}
EOF
get() { kubectl get -n "$ns" "$1" minimal -o jsonpath="$2" 2>&1; }
check_eq "default GitRepository spec.timeout is 60s" "$(get gitrepositories.source.toolkit.fluxcd.io '{.spec.timeout}')" 60s
check_eq "default GitRepository status.observedGeneration is -1" "$(get gitrepositories.source.toolkit.fluxcd.io '{.status.observedGeneration}')" -1
check_eq "default OCIRepository timeout and provider" "$(get ocirepositories.source.toolkit.fluxcd.io '{.spec.timeout} {.spec.provider}')" "60s generic"
check_eq "default HelmChart version and reconcileStrategy" "$(get helmcharts.source.toolkit.fluxcd.io '{.spec.version} {.spec.reconcileStrategy}')" "* ChartVersion"
check_eq "default Bucket provider and timeout" "$(get buckets.source.toolkit.fluxcd.io '{.spec.provider} {.spec.timeout}')" "generic 60s"
check_eq "default Alert eventSeverity" "$(get alerts.notification.toolkit.fluxcd.io '{.spec.eventSeverity}')" info
check_eq "default Receiver interval" "$(get receivers.notification.toolkit.fluxcd.io '{.spec.interval}')" 10m
check_eq "Alert v1beta3 keeps no status" "$(get alerts.notification.toolkit.fluxcd.io '{.status}')" ""

# ---- printer columns ------------------------------------------------------
kubectl patch -n "$ns" gitrepositories.source.toolkit.fluxcd.io podinfo --subresource=status --type=merge -p \
  '{"status":{"conditions":[{"type":"Ready","status":"True","reason":"Succeeded","message":"stored artifact for revision main@sha1:0123","lastTransitionTime":"2025-01-01T00:00:00Z"}]}}' >/dev/null 2>&1
all=$(kubectl get gitrepositories,kustomizations,helmreleases -A 2>&1)
headers=$(echo "$all" | grep '^NAMESPACE' | sed 's/  */ /g; s/ $//' | sort -u | paste -sd'|')
check_contains "kubectl get -A: GitRepository columns" "|$headers|" "|NAMESPACE NAME URL AGE READY STATUS|"
check_contains "kubectl get -A: Kustomization/HelmRelease columns" "|$headers|" "|NAMESPACE NAME AGE READY STATUS|"
row=$(echo "$all" | grep "^$ns  *gitrepository.source.toolkit.fluxcd.io/podinfo " | squash)
if [[ "$row" =~ \ https://github\.com/stefanprodan/podinfo\ [0-9smhd]+\ True\ stored\ artifact\ for\ revision\ main@sha1:0123$ ]]; then
  pass "GitRepository row shows URL, Age, Ready and Status (status subresource)"
else
  fail "GitRepository row shows URL, Age, Ready and Status (status subresource)" "row: $row"
fi
# header RESOURCE: the column header of `kubectl get RESOURCE` in our namespace.
header() { kubectl get -n "$ns" "$1" 2>&1 | head -n1 | sed 's/  */ /g; s/ $//'; }
check_eq "columns helmrepositories" "$(header helmrepositories.source.toolkit.fluxcd.io)" "NAME URL AGE READY STATUS"
check_eq "columns helmcharts" "$(header helmcharts.source.toolkit.fluxcd.io)" "NAME CHART VERSION SOURCE KIND SOURCE NAME AGE READY STATUS"
check_eq "columns ocirepositories" "$(header ocirepositories.source.toolkit.fluxcd.io)" "NAME URL READY STATUS AGE"
check_eq "columns buckets" "$(header buckets.source.toolkit.fluxcd.io)" "NAME ENDPOINT AGE READY STATUS"
check_eq "columns receivers" "$(header receivers.notification.toolkit.fluxcd.io)" "NAME AGE READY STATUS"
check_eq "columns providers" "$(header providers.notification.toolkit.fluxcd.io)" "NAME AGE"
check_eq "columns alerts" "$(header alerts.notification.toolkit.fluxcd.io)" "NAME AGE"

# ---- names: short names, category, status subresources ---------------------
check_eq "short names gitrepo,helmrepo,hc,ocirepo,ks,hr resolve" \
  "$(kubectl get -n "$ns" gitrepo,helmrepo,hc,ocirepo,ks,hr -o name 2>&1 | grep -c /podinfo)" 6
check_eq "category flux lists every sample" \
  "$(kubectl get -n "$ns" flux -o name 2>&1 | grep -cE '/(podinfo|slack|github)$')" 10
check_contains "Provider v1beta3 has no status subresource" \
  "$(kubectl get --raw "/apis/notification.toolkit.fluxcd.io/v1beta3/namespaces/$ns/providers/slack/status" 2>&1)" "NotFound"
check "Receiver v1 has a status subresource" \
  kubectl get --raw "/apis/notification.toolkit.fluxcd.io/v1/namespaces/$ns/receivers/github/status"

# ---- kubectl explain shows our descriptions -------------------------------
want=$(yaml2json "$M/crds/kustomize.toolkit.fluxcd.io_kustomizations.yaml" |
  jq -r '.[0].spec.versions[] | select(.storage) | .schema.openAPIV3Schema.properties.spec.properties.prune.description' | squash)
# The API server publishes CRD schemas to OpenAPI asynchronously: retry.
explain_has() { [[ -n "$2" && "$(kubectl explain "$1" 2>&1 | squash)" == *"$2"* ]]; }
if eventually 30 explain_has kustomization.spec.prune "$want" >/dev/null 2>&1; then
  pass "kubectl explain kustomization.spec.prune"
else
  fail "kubectl explain kustomization.spec.prune" "$(kubectl explain kustomization.spec.prune 2>&1 | squash | head -c 300) lacks: $want"
fi
check_contains "kubectl explain kustomization.spec.prune type" "$(kubectl explain kustomization.spec.prune 2>&1 | squash)" "FIELD: prune <boolean>"
want=$(yaml2json "$M/crds/helm.toolkit.fluxcd.io_helmreleases.yaml" |
  jq -r '.[0].spec.versions[] | select(.storage) | .schema.openAPIV3Schema.properties.spec.properties.releaseName.description' | squash)
if eventually 30 explain_has helmrelease.spec.releaseName "$want" >/dev/null 2>&1; then
  pass "kubectl explain helmrelease.spec.releaseName"
else
  fail "kubectl explain helmrelease.spec.releaseName" "$(kubectl explain helmrelease.spec.releaseName 2>&1 | squash | head -c 300) lacks: $want"
fi

# ---- deprecated versions ---------------------------------------------------
out=$(kubectl apply -n "$ns" -f - 2>&1 <<'EOF'
apiVersion: source.toolkit.fluxcd.io/v1beta2
kind: GitRepository
metadata: {name: old}
spec: {url: "https://example.com/repo", interval: 1m}
EOF
)
check_contains "v1beta2 GitRepository is served with a deprecation warning" "$out" "v1beta2 GitRepository is deprecated"
check_eq "v1beta2 object reads back as v1 with v1 defaults" \
  "$(kubectl get -n "$ns" gitrepositories.v1.source.toolkit.fluxcd.io old -o jsonpath='{.apiVersion} {.spec.timeout}' 2>&1)" \
  "source.toolkit.fluxcd.io/v1 60s"
check_eq "CRD stored versions are the storage versions only" \
  "$(kubectl get crd $crd_names -o json | jq -r '[.items[] | .status.storedVersions | join(",")] | unique | sort | join(" ")')" \
  "v1 v1beta3 v2"

# ---- the install layout passes a server-side dry run ------------------------
# Namespaced objects are moved to the test namespace (flux-system may not
# exist and must not be touched by this suite); nothing is persisted.
if kubectl kustomize "$M" >"$tmp/install.yaml" 2>"$tmp/err" && yaml2json "$tmp/install.yaml" >"$tmp/install.json" 2>>"$tmp/err"; then
  jq --arg ns "$ns" '{apiVersion: "v1", kind: "List", items: [.[] |
      if .metadata.namespace then .metadata.namespace = $ns else . end |
      if .subjects then .subjects |= map(.namespace = $ns) else . end |
      if .kind == "Namespace" then .metadata.name = $ns + "-install" else . end]}' "$tmp/install.json" >"$tmp/install-dry.json"
  if out=$(kubectl apply --dry-run=server --validate=strict -f "$tmp/install-dry.json" 2>&1); then
    pass "install layout passes a server-side dry run"
  else
    fail "install layout passes a server-side dry run" "$(echo "$out" | grep -iv 'dry run' | tail -n 5 | tr '\n' ' ')"
  fi
else
  fail "install layout renders" "$(head -c 300 "$tmp/err")"
fi

finish
