#!/usr/bin/env bash
# Offline checks of manifests/ (no cluster): the CRDs have the versions,
# names, printer columns, subresources and status defaults of the Flux API
# (shared/reference/flux-api.md 0, 1-4, 5.4), their storage-version schemas are
# complete (every field typed and described, no permissive holes) and carry
# the reference's defaults, enums, patterns and length limits; the install
# layout renders and wires ports, ServiceAccounts and RBAC like Flux's; the
# samples cover every kind and pass the CRD schemas.
#
# Everything is read from the YAML: it is parsed with kubectl (the same YAML
# decoding the API server applies) into JSON and inspected with jq. Patterns
# are exercised on sample values, and a small jq validator (type, required,
# enum, pattern, length, unknown fields) checks valid and invalid objects
# against the schemas, so a missing constraint makes a check fail.
. "$(dirname "$0")/../lib.sh"
set -uo pipefail

M=$FC_ROOT/manifests
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fc-crds.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# yaml2json SRC: every object of a YAML file, directory or '-' as one JSON
# array. `kubectl label --local` parses without contacting any server.
yaml2json() {
  KUBECONFIG=/dev/null kubectl label --local -f "$1" fc-offline-unused- -o json | jq -s .
}

AGE='Age=.metadata.creationTimestamp'
READY='Ready=.status.conditions[?(@.type=="Ready")].status'
STATUS='Status=.status.conditions[?(@.type=="Ready")].message'

# kind group plural storage deprecated shortNames(comma, - for none)
# columns of the storage version (reference 5.4), ';'-separated Name=jsonPath
KINDS=(
  "GitRepository source.toolkit.fluxcd.io gitrepositories v1 v1beta2 gitrepo URL=.spec.url;$AGE;$READY;$STATUS"
  "HelmRepository source.toolkit.fluxcd.io helmrepositories v1 v1beta2 helmrepo URL=.spec.url;$AGE;$READY;$STATUS"
  "HelmChart source.toolkit.fluxcd.io helmcharts v1 v1beta2 hc Chart=.spec.chart;Version=.spec.version;Source Kind=.spec.sourceRef.kind;Source Name=.spec.sourceRef.name;$AGE;$READY;$STATUS"
  "OCIRepository source.toolkit.fluxcd.io ocirepositories v1 v1beta2 ocirepo URL=.spec.url;$READY;$STATUS;$AGE"
  "Bucket source.toolkit.fluxcd.io buckets v1 v1beta2 - Endpoint=.spec.endpoint;$AGE;$READY;$STATUS"
  "Kustomization kustomize.toolkit.fluxcd.io kustomizations v1 v1beta2 ks $AGE;$READY;$STATUS"
  "HelmRelease helm.toolkit.fluxcd.io helmreleases v2 v2beta2 hr $AGE;$READY;$STATUS"
  "Provider notification.toolkit.fluxcd.io providers v1beta3 v1beta2 - $AGE"
  "Alert notification.toolkit.fluxcd.io alerts v1beta3 v1beta2 - $AGE"
  "Receiver notification.toolkit.fluxcd.io receivers v1 v1beta2 - $AGE;$READY;$STATUS"
)

# ---- parsing and rendering ---------------------------------------------------
if kubectl kustomize "$M" >"$tmp/render.yaml" 2>"$tmp/render.err"; then
  pass "kubectl kustomize manifests renders"
else
  fail "kubectl kustomize manifests renders" "$(head -c 400 "$tmp/render.err")"
fi
if yaml2json "$tmp/render.yaml" >"$tmp/all.json" 2>"$tmp/err" && [ "$(jq length "$tmp/all.json")" -gt 0 ]; then
  pass "rendered install parses"
else
  fail "rendered install parses" "$(head -c 400 "$tmp/err")"; echo '[]' >"$tmp/all.json"
fi

echo '[]' >"$tmp/crds.json"
nfiles=0
for f in "$M"/crds/*.yaml; do
  [ -e "$f" ] || continue
  nfiles=$((nfiles + 1))
  name=$(basename "$f")
  if yaml2json "$f" >"$tmp/one.json" 2>"$tmp/err" &&
    [ "$(jq -r 'map(.kind) | join(",")' "$tmp/one.json")" = CustomResourceDefinition ]; then
    pass "$name parses as one CRD"
    jq -s 'add' "$tmp/crds.json" "$tmp/one.json" >"$tmp/crds2.json" && mv "$tmp/crds2.json" "$tmp/crds.json"
  else
    fail "$name parses as one CRD" "$(head -c 300 "$tmp/err")"
  fi
done
check_eq "manifests/crds holds the ten kinds" "$nfiles" 10
check_eq "every CRD file is part of the rendered install" \
  "$(jq -r '[.[] | .metadata.name] | sort | join(" ")' "$tmp/crds.json")" \
  "$(jq -r '[.[] | select(.kind == "CustomResourceDefinition") | .metadata.name] | sort | join(" ")' "$tmp/all.json")"

# ---- names, versions, columns, subresources ------------------------------------
for row in "${KINDS[@]}"; do
  read -r kind group plural storage deprecated short cols <<<"$row"
  crd=$(jq -c --arg n "$plural.$group" '.[] | select(.metadata.name == $n)' "$tmp/crds.json")
  if [ -z "$crd" ]; then
    fail "$kind: CRD $plural.$group exists" "not found in manifests/crds"
    continue
  fi
  echo "$crd" >"$tmp/crd.$kind.json"
  q() { jq -r "$@" "$tmp/crd.$kind.json"; }
  check_eq "$kind: group, kind, plural, scope" \
    "$(q '[.spec.group, .spec.names.kind, .spec.names.plural, .spec.names.listKind, .spec.scope] | join(" ")')" \
    "$group $kind $plural ${kind}List Namespaced"
  check_eq "$kind: shortNames" "$(q '.spec.names.shortNames // ["-"] | join(",")')" "$short"
  check_eq "$kind: in category flux" "$(q '.spec.names.categories // [] | index("flux") != null')" true
  check_eq "$kind: versions (served/storage/deprecated)" \
    "$(q '[.spec.versions[] | "\(.name):\(.served):\(.storage):\(.deprecated // false)"] | sort | join(" ")')" \
    "$(printf '%s\n' "$storage:true:true:false" "$deprecated:true:false:true" | sort | paste -sd' ')"
  check_eq "$kind: $storage printer columns (reference 5.4)" \
    "$(q --arg v "$storage" '.spec.versions[] | select(.name == $v) | [.additionalPrinterColumns[] | .name + "=" + .jsonPath] | join(";")')" \
    "$cols"
  # Flux serves the deprecated versions with their old columns: the same as
  # the storage version, except Alert/Provider v1beta2 which still had status.
  depcols=$cols
  [ "$storage" = v1beta3 ] && depcols="$AGE;$READY;$STATUS"
  check_eq "$kind: $deprecated printer columns" \
    "$(q --arg v "$deprecated" '.spec.versions[] | select(.name == $v) | [.additionalPrinterColumns[] | .name + "=" + .jsonPath] | join(";")')" \
    "$depcols"
  check_eq "$kind: column types (Age date, others string)" \
    "$(q '[.spec.versions[].additionalPrinterColumns[] | select((.name == "Age") != (.type == "date"))] | length')" 0
  if [ "$storage" = v1beta3 ]; then
    check_eq "$kind: $storage has no status subresource and no status field" \
      "$(q --arg v "$storage" '.spec.versions[] | select(.name == $v) | (.subresources.status != null) or (.schema.openAPIV3Schema.properties.status != null)')" false
  else
    check_eq "$kind: $storage has the status subresource" \
      "$(q --arg v "$storage" '.spec.versions[] | select(.name == $v) | .subresources.status != null')" true
  fi
  check_eq "$kind: $deprecated has the status subresource" \
    "$(q --arg v "$deprecated" '.spec.versions[] | select(.name == $v) | .subresources.status != null')" true
  check_eq "$kind: every status defaults to observedGeneration -1" \
    "$(q '[.spec.versions[].schema.openAPIV3Schema.properties.status | select(. != null) | .default == {"observedGeneration": -1}] | all')" true
  check_eq "$kind: deprecated version carries a deprecation warning" \
    "$(q --arg v "$deprecated" '.spec.versions[] | select(.name == $v) | .deprecationWarning // "" | test("deprecated")')" true
  q --arg v "$storage" '.spec.versions[] | select(.name == $v) | .schema.openAPIV3Schema' >"$tmp/schema.$kind.json"
done

# ---- storage schemas are complete --------------------------------------------
# nodes: [path, schema] for every schema node below the root.
NODES='def nodes($p):
  [$p, .],
  ((.properties // {}) | to_entries[] | .key as $k | .value | nodes($p + "." + $k)),
  (if (.items | type) == "object" then .items | nodes($p + "[]") else empty end),
  (if (.additionalProperties | type) == "object" then .additionalProperties | nodes($p + "{}") else empty end);'
for row in "${KINDS[@]}"; do
  read -r kind _ <<<"$row"
  s=$tmp/schema.$kind.json
  [ -s "$s" ] || continue
  check_eq "$kind: storage schema has spec" "$(jq -r '.properties.spec.type' "$s")" object
  undocumented=$(jq -r "$NODES"' [nodes("")] | map(select(.[0] != "" and .[0] != ".metadata"
      and ((.[0] | test("(\\[\\]|\\{\\})$")) and .[1].type != "object" | not)
      and ((.[1].description // "") | length) < 8) | .[0]) | join(" ")' "$s")
  check_eq "$kind: every field has a description (kubectl explain)" "$undocumented" ""
  untyped=$(jq -r "$NODES"' [nodes("")] | map(select(.[0] != "" and (.[1].type // "") == "" and .[0] != ".spec.values") | .[0]) | join(" ")' "$s")
  check_eq "$kind: every field has a type" "$untyped" ""
  open=$(jq -r "$NODES"' [nodes("")] | map(select(.[1]["x-kubernetes-preserve-unknown-fields"] and .[0] != ".spec.values") | .[0]) | join(" ")' "$s")
  check_eq "$kind: no unvalidated subtrees in the storage schema" "$open" ""
  dangling=$(jq -r "$NODES"' [nodes("")] | map(. as [$p, $n] | ($n.required // [])[] | select(. as $k | ($n.properties // {}) | has($k) | not) | "\($p).\(.)") | join(" ")' "$s")
  check_eq "$kind: every required field is defined" "$dangling" ""
done

# ---- reference spot checks -----------------------------------------------------
# field KIND PATH JQ: evaluate JQ on the storage-schema node at PATH
# (dot-separated, 'x[]' steps into array items).
AT='def at($p): reduce ($p | split(".")[] | select(. != "")) as $s (.;
      if ($s | endswith("[]")) then .properties[$s[:-2]].items else .properties[$s] end);'
field() { jq -c --arg p "$2" "$AT"' at($p) | '"$3" "$tmp/schema.$1.json" 2>/dev/null; }
# expect NAME KIND PATH JQ WANT
expect() { check_eq "$1" "$(field "$2" "$3" "$4")" "$5"; }
# pattern_cases KIND PATH 'accepted values' 'rejected values'
pattern_cases() {
  local kind=$1 path=$2 good=$3 bad=$4 pat v
  pat=$(field "$kind" "$path" '.pattern // ""' | jq -r .)
  if [ -z "$pat" ]; then fail "$kind: $path has a pattern" "none"; return; fi
  for v in $good; do
    check_eq "$kind: $path accepts $v" "$(jq -rn --arg p "$pat" --arg v "$v" '$v | test($p)')" true
  done
  for v in $bad; do
    check_eq "$kind: $path rejects $v" "$(jq -rn --arg p "$pat" --arg v "$v" '$v | test($p)')" false
  done
}
sorted() { jq -c 'sort'; }

# 0: durations
for k in GitRepository HelmRepository HelmChart OCIRepository Bucket Kustomization HelmRelease Receiver; do
  pattern_cases $k spec.interval "1m 1h 1h30m 500ms 1.5h 10s" "1d 5 m1 -1m 1m_"
done
for k in GitRepository OCIRepository Bucket HelmRepository Provider; do
  pattern_cases $k spec.timeout "60s 1m30s 500ms 2.5m" "1h 1h30m 30 abc"
done
for k in Kustomization HelmRelease; do
  pattern_cases $k spec.timeout "5m 1h 30s" "1d x"
done
# 1.5 GitRepository
expect "GitRepository: timeout defaults to 60s" GitRepository spec.timeout .default '"60s"'
pattern_cases GitRepository spec.url "https://github.com/o/r http://h/r ssh://git@github.com/o/r" "ftp://x git@github.com:o/r github.com/o/r"
expect "GitRepository: required" GitRepository spec '.required | sort' '["interval","url"]'
expect "GitRepository: provider enum" GitRepository spec.provider '.enum | sort' '["azure","generic","github"]'
expect "GitRepository: verify.mode enum" GitRepository spec.verify.mode '.enum | sort' '["HEAD","Tag","TagAndHEAD","head"]'
expect "GitRepository: verify.mode defaults to HEAD" GitRepository spec.verify.mode .default '"HEAD"'
expect "GitRepository: verify needs secretRef" GitRepository spec.verify .required '["secretRef"]'
expect "GitRepository: include[] needs repository" GitRepository spec.include[] .required '["repository"]'
expect "GitRepository: ref has branch tag semver name commit" GitRepository spec.ref '.properties | keys' '["branch","commit","name","semver","tag"]'
expect "GitRepository: sparseCheckout is a list of strings" GitRepository spec.sparseCheckout '[.type, .items.type]' '["array","string"]'
expect "GitRepository: serviceAccountName only with azure (CEL)" GitRepository "" '[.properties.spec["x-kubernetes-validations"][]?.rule | select(test("serviceAccountName") and test("azure"))] | length' 1
for f in artifact includedArtifacts observedIgnore observedInclude observedRecurseSubmodules observedSparseCheckout sourceVerificationMode lastHandledReconcileAt conditions observedGeneration; do
  expect "GitRepository: status.$f" GitRepository status ".properties | has(\"$f\")" true
done
# 1.6 HelmRepository
pattern_cases HelmRepository spec.url "https://charts.example.com oci://ghcr.io/org http://h" "ftp://x ghcr.io/org"
expect "HelmRepository: required" HelmRepository spec '.required' '["url"]'
expect "HelmRepository: type enum" HelmRepository spec.type '.enum | sort' '["default","oci"]'
expect "HelmRepository: provider enum and default" HelmRepository spec.provider '[(.enum | sort), .default]' '[["aws","azure","gcp","generic"],"generic"]'
expect "HelmRepository: no CRD default for timeout (code uses 60s)" HelmRepository spec.timeout 'has("default")' false
# 1.7 HelmChart
expect "HelmChart: required" HelmChart spec '.required | sort' '["chart","interval","sourceRef"]'
expect "HelmChart: version defaults to *" HelmChart spec.version .default '"*"'
expect "HelmChart: reconcileStrategy" HelmChart spec.reconcileStrategy '[(.enum | sort), .default]' '[["ChartVersion","Revision"],"ChartVersion"]'
expect "HelmChart: sourceRef.kind enum" HelmChart spec.sourceRef.kind '.enum | sort' '["Bucket","GitRepository","HelmRepository"]'
expect "HelmChart: verify.provider" HelmChart spec.verify.provider '[(.enum | sort), .default]' '[["cosign","notation"],"cosign"]'
for f in observedSourceArtifactRevision observedChartName observedValuesFiles url artifact; do
  expect "HelmChart: status.$f" HelmChart status ".properties | has(\"$f\")" true
done
# 1.8 OCIRepository
pattern_cases OCIRepository spec.url "oci://ghcr.io/org/repo" "https://ghcr.io/org ghcr.io/org"
expect "OCIRepository: timeout defaults to 60s" OCIRepository spec.timeout .default '"60s"'
expect "OCIRepository: ref fields" OCIRepository spec.ref '.properties | keys' '["digest","semver","semverFilter","tag"]'
expect "OCIRepository: layerSelector.operation enum" OCIRepository spec.layerSelector.operation '.enum | sort' '["copy","extract"]'
expect "OCIRepository: provider enum and default" OCIRepository spec.provider '[(.enum | sort), .default]' '[["aws","azure","gcp","generic"],"generic"]'
# 1.9 Bucket
expect "Bucket: required" Bucket spec '.required | sort' '["bucketName","endpoint","interval"]'
expect "Bucket: provider enum and default" Bucket spec.provider '[(.enum | sort), .default]' '[["aws","azure","gcp","generic"],"generic"]'
expect "Bucket: timeout defaults to 60s" Bucket spec.timeout .default '"60s"'
expect "Bucket: sts.provider enum" Bucket spec.sts.provider '.enum | sort' '["aws","ldap"]'
pattern_cases Bucket spec.sts.endpoint "https://sts.amazonaws.com http://ldap:9000" "sts.amazonaws.com"
expect "Bucket: STS / serviceAccountName pairing rules (CEL)" Bucket "" '[.properties.spec["x-kubernetes-validations"][]?.rule] | length' 7
# 2 Kustomization
expect "Kustomization: prune, interval, sourceRef required" Kustomization spec '.required | sort' '["interval","prune","sourceRef"]'
expect "Kustomization: prune is a boolean" Kustomization spec.prune .type '"boolean"'
expect "Kustomization: deletionPolicy enum" Kustomization spec.deletionPolicy '.enum | sort' '["Delete","MirrorPrune","Orphan","WaitForTermination"]'
expect "Kustomization: sourceRef.kind enum" Kustomization spec.sourceRef.kind '.enum | sort' '["Bucket","ExternalArtifact","GitRepository","OCIRepository"]'
expect "Kustomization: targetNamespace 1-63" Kustomization spec.targetNamespace '[.minLength, .maxLength]' '[1,63]'
expect "Kustomization: namePrefix 1-200" Kustomization spec.namePrefix '[.minLength, .maxLength]' '[1,200]'
expect "Kustomization: nameSuffix 1-200" Kustomization spec.nameSuffix '[.minLength, .maxLength]' '[1,200]'
expect "Kustomization: force defaults to false" Kustomization spec.force .default false
expect "Kustomization: substituteFrom[]" Kustomization spec.postBuild.substituteFrom[] '[(.properties.kind.enum | sort), .properties.optional.default, .properties.name.maxLength]' '[["ConfigMap","Secret"],false,253]'
expect "Kustomization: decryption.provider is sops" Kustomization spec.decryption.provider .enum '["sops"]'
expect "Kustomization: dependsOn[] has readyExpr" Kustomization spec.dependsOn[] '[.required, (.properties | keys)]' '[["name"],["name","namespace","readyExpr"]]'
expect "Kustomization: healthCheckExprs[] required" Kustomization spec.healthCheckExprs[] '.required | sort' '["apiVersion","current","kind"]'
expect "Kustomization: kubeConfig exactly one ref (CEL)" Kustomization spec.kubeConfig '[.["x-kubernetes-validations"][]?.rule | select(test("secretRef") and test("configMapRef"))] | length' 1
for f in inventory history lastAppliedRevision lastAppliedOriginRevision lastAttemptedRevision; do
  expect "Kustomization: status.$f" Kustomization status ".properties | has(\"$f\")" true
done
expect "Kustomization: inventory entries id/v" Kustomization status.inventory.entries[] '.required | sort' '["id","v"]'
# 3 HelmRelease
expect "HelmRelease: required" HelmRelease spec '.required' '["interval"]'
expect "HelmRelease: releaseName 1-53" HelmRelease spec.releaseName '[.minLength, .maxLength]' '[1,53]'
expect "HelmRelease: exactly one of chart and chartRef (CEL)" HelmRelease "" '[.properties.spec["x-kubernetes-validations"][]?.rule | select(test("chartRef") and test("chart\\)"))] | length' 1
expect "HelmRelease: chart.spec.chart 1-2048" HelmRelease spec.chart.spec.chart '[.minLength, .maxLength]' '[1,2048]'
expect "HelmRelease: chart.spec.version defaults to *" HelmRelease spec.chart.spec.version .default '"*"'
expect "HelmRelease: chart.spec.sourceRef.kind enum" HelmRelease spec.chart.spec.sourceRef.kind '.enum | sort' '["Bucket","GitRepository","HelmRepository"]'
expect "HelmRelease: chartRef.kind enum" HelmRelease spec.chartRef.kind '.enum | sort' '["ExternalArtifact","HelmChart","OCIRepository"]'
expect "HelmRelease: targetNamespace/storageNamespace 1-63" HelmRelease spec '[.properties.targetNamespace.maxLength, .properties.storageNamespace.maxLength]' '[63,63]'
expect "HelmRelease: install.crds enum" HelmRelease spec.install.crds '.enum | sort' '["Create","CreateReplace","Skip"]'
expect "HelmRelease: upgrade.crds enum" HelmRelease spec.upgrade.crds '.enum | sort' '["Create","CreateReplace","Skip"]'
expect "HelmRelease: install.strategy.name enum" HelmRelease spec.install.strategy.name '.enum | sort' '["RemediateOnFailure","RetryOnFailure"]'
expect "HelmRelease: upgrade.remediation.strategy enum" HelmRelease spec.upgrade.remediation.strategy '.enum | sort' '["rollback","uninstall"]'
expect "HelmRelease: uninstall.deletionPropagation" HelmRelease spec.uninstall.deletionPropagation '[(.enum | sort), .default]' '[["background","foreground","orphan"],"background"]'
expect "HelmRelease: driftDetection.mode enum" HelmRelease spec.driftDetection.mode '.enum | sort' '["disabled","enabled","warn"]'
expect "HelmRelease: valuesFrom[]" HelmRelease spec.valuesFrom[] '[(.properties.kind.enum | sort), .properties.name.maxLength, .properties.valuesKey.maxLength, .properties.targetPath.maxLength]' '[["ConfigMap","Secret"],253,253,250]'
pattern_cases HelmRelease spec.valuesFrom[].targetPath "a.b image.tag list[0].name" "a=b a*b"
expect "HelmRelease: values is free-form" HelmRelease spec.values '.["x-kubernetes-preserve-unknown-fields"]' true
expect "HelmRelease: test.filters[].name 1-253" HelmRelease spec.test.filters[].name '[.minLength, .maxLength]' '[1,253]'
for f in history helmChart storageNamespace lastAttemptedReleaseAction failures installFailures upgradeFailures lastAttemptedRevision lastAttemptedConfigDigest lastHandledForceAt lastHandledResetAt observedPostRenderersDigest lastAttemptedGeneration; do
  expect "HelmRelease: status.$f" HelmRelease status ".properties | has(\"$f\")" true
done
expect "HelmRelease: lastAttemptedReleaseAction enum" HelmRelease status.lastAttemptedReleaseAction '.enum | sort' '["install","upgrade"]'
# 4.1 Provider
expect "Provider: type enum (reference 4.1)" Provider spec.type '.enum | sort' "$(echo '["slack","discord","msteams","rocket","generic","generic-hmac","github","gitlab","gitea","bitbucketserver","bitbucket","azuredevops","googlechat","googlepubsub","webex","sentry","azureeventhub","telegram","lark","matrix","opsgenie","alertmanager","grafana","githubdispatch","pagerduty","datadog","nats","zulip","otel"]' | sorted)"
for t in msteams slack generic-hmac; do
  expect "Provider: type $t accepted" Provider spec.type ".enum | index(\"$t\") != null" true
done
expect "Provider: required" Provider spec '.required' '["type"]'
expect "Provider: channel/username/address max 2048" Provider spec '[.properties.channel.maxLength, .properties.username.maxLength, .properties.address.maxLength]' '[2048,2048,2048]'
expect "Provider: commitStatusExpr only for git types (CEL)" Provider "" '[.properties.spec["x-kubernetes-validations"][]?.rule | select(test("commitStatusExpr"))] | length' 1
# 4.2 Alert
expect "Alert: required" Alert spec '.required | sort' '["eventSources","providerRef"]'
expect "Alert: eventSeverity" Alert spec.eventSeverity '[(.enum | sort), .default]' '[["error","info"],"info"]'
expect "Alert: eventSources[].kind enum" Alert spec.eventSources[].kind '.enum | sort' "$(echo '["Bucket","GitRepository","Kustomization","HelmRelease","HelmChart","HelmRepository","ImageRepository","ImagePolicy","ImageUpdateAutomation","OCIRepository"]' | sorted)"
expect "Alert: summary max 255" Alert spec.summary .maxLength 255
# 4.5 Receiver
expect "Receiver: type enum (reference 4.5)" Receiver spec.type '.enum | sort' "$(echo '["generic","generic-hmac","github","gitlab","bitbucket","harbor","dockerhub","quay","gcr","nexus","acr","cdevents"]' | sorted)"
expect "Receiver: required" Receiver spec '.required | sort' '["resources","secretRef","type"]'
expect "Receiver: interval defaults to 10m" Receiver spec.interval .default '"10m"'
expect "Receiver: status.webhookPath" Receiver status '.properties | has("webhookPath")' true
expect "Receiver: resourceFilter" Receiver spec.resourceFilter .type '"string"'

# ---- schema validator: samples pass, broken objects fail -----------------------
# validate: errors of the object (input) against schema $s, one string each.
VALIDATE='def v($s; $p):
  . as $x |
  (if $s.type == null then []
   elif $s.type == "object" and ($x | type) != "object" then ["\($p): want object"]
   elif $s.type == "array" and ($x | type) != "array" then ["\($p): want array"]
   elif $s.type == "string" and ($x | type) != "string" then ["\($p): want string"]
   elif $s.type == "boolean" and ($x | type) != "boolean" then ["\($p): want boolean"]
   elif $s.type == "integer" and (($x | type) != "number" or ($x | floor) != $x) then ["\($p): want integer"]
   else [] end)
  + (if $s.enum and ([$s.enum[] | select(. == $x)] | length) == 0 then ["\($p): \($x) not in enum"] else [] end)
  + (if $s.pattern and ($x | type) == "string" and ($x | test($s.pattern) | not) then ["\($p): does not match pattern"] else [] end)
  + (if $s.maxLength and ($x | type) == "string" and ($x | length) > $s.maxLength then ["\($p): longer than maxLength"] else [] end)
  + (if $s.minLength and ($x | type) == "string" and ($x | length) < $s.minLength then ["\($p): shorter than minLength"] else [] end)
  + (if ($x | type) == "object" and ($s.properties or $s.additionalProperties) then
       [($s.required // [])[] | select(. as $k | $x | has($k) | not) | "\($p).\(.): required"]
       + ([$x | to_entries[] | .key as $k |
            if $s.properties[$k] then (.value | v($s.properties[$k]; "\($p).\($k)"))
            elif ($s.additionalProperties | type) == "object" then (.value | v($s.additionalProperties; "\($p).\($k)"))
            elif $s["x-kubernetes-preserve-unknown-fields"] then []
            else ["\($p).\($k): unknown field"] end] | add // [])
     else [] end)
  + (if ($x | type) == "array" and $s.items then ([$x[] | v($s.items; "\($p)[]")] | add // []) else [] end);'
# schema_for OBJ_JSON: the openAPIV3Schema of the object's apiVersion.
validate_obj() {
  local obj=$1 kind ver
  kind=$(jq -r .kind <<<"$obj")
  ver=$(jq -r '.apiVersion | split("/")[1]' <<<"$obj")
  [ -s "$tmp/crd.$kind.json" ] || { echo "no CRD for $kind"; return; }
  jq -r --argjson o "$obj" --arg v "$ver" "$VALIDATE"'
    (.spec.versions[] | select(.name == $v) | .schema.openAPIV3Schema) as $s |
    if $s == null then "version \($v) not served" else ($o | del(.metadata) | v($s; "")) | .[] end' \
    "$tmp/crd.$kind.json"
}

if yaml2json "$M/samples" >"$tmp/samples.json" 2>"$tmp/err"; then
  pass "samples parse"
else
  fail "samples parse" "$(head -c 300 "$tmp/err")"; echo '[]' >"$tmp/samples.json"
fi
check_eq "samples cover every kind once" \
  "$(jq -r '[.[].kind] | sort | join(" ")' "$tmp/samples.json")" \
  "$(for r in "${KINDS[@]}"; do echo "${r%% *}"; done | sort | paste -sd' ')"
for row in "${KINDS[@]}"; do
  read -r kind group _ storage _ <<<"$row"
  obj=$(jq -c --arg k "$kind" '.[] | select(.kind == $k)' "$tmp/samples.json" | head -n1)
  [ -n "$obj" ] || continue
  check_eq "sample $kind uses $group/$storage" "$(jq -r .apiVersion <<<"$obj")" "$group/$storage"
  check_eq "sample $kind passes the CRD schema" "$(validate_obj "$obj" | paste -sd';')" ""
done

# invalid KIND-YAML... : each case is a YAML object plus the error it must produce.
invalid() {
  local name=$1 want=$2 yaml=$3 obj errs
  obj=$(printf '%s\n' "$yaml" | yaml2json - 2>/dev/null | jq -c '.[0]')
  errs=$(validate_obj "$obj" | paste -sd';')
  check_contains "schema rejects $name" "$errs" "$want"
}
invalid "GitRepository url ftp://x" ".spec.url: does not match pattern" '
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: x}
spec: {url: "ftp://x", interval: 1m}'
invalid "GitRepository timeout in hours" ".spec.timeout: does not match pattern" '
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: x}
spec: {url: "https://x/y", interval: 1m, timeout: 1h}'
invalid "Kustomization without prune" ".spec.prune: required" '
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: x}
spec: {interval: 1m, sourceRef: {kind: GitRepository, name: x}}'
invalid "Kustomization deletionPolicy Keep" ".spec.deletionPolicy: Keep not in enum" '
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: x}
spec: {interval: 1m, prune: true, deletionPolicy: Keep, sourceRef: {kind: GitRepository, name: x}}'
invalid "HelmRelease releaseName of 54 characters" ".spec.releaseName: longer than maxLength" "
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: x}
spec: {interval: 1m, releaseName: $(printf 'r%.0s' $(seq 54)), chartRef: {kind: OCIRepository, name: x}}"
invalid "Provider type teams" ".spec.type: teams not in enum" '
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Provider
metadata: {name: x}
spec: {type: teams}'
invalid "Alert eventSeverity warning" ".spec.eventSeverity: warning not in enum" '
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Alert
metadata: {name: x}
spec: {eventSeverity: warning, providerRef: {name: x}, eventSources: [{kind: Kustomization, name: x}]}'
invalid "Receiver type gitea" ".spec.type: gitea not in enum" '
apiVersion: notification.toolkit.fluxcd.io/v1
kind: Receiver
metadata: {name: x}
spec: {type: gitea, secretRef: {name: x}, resources: [{kind: GitRepository, name: x}]}'
invalid "HelmChart without sourceRef" ".spec.sourceRef: required" '
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmChart
metadata: {name: x}
spec: {chart: x, interval: 1m}'
invalid "Bucket with an unknown field" ".spec.bucket: unknown field" '
apiVersion: source.toolkit.fluxcd.io/v1
kind: Bucket
metadata: {name: x}
spec: {bucketName: x, bucket: x, endpoint: x, interval: 1m}'

# ---- install layout (reference 5.1, 5.2; Flux install manifests) --------------
A=$tmp/all.json
check_eq "namespace flux-system" "$(jq -r '[.[] | select(.kind == "Namespace") | .metadata.name] | join(",")' "$A")" flux-system
check_eq "every namespaced object is in flux-system" \
  "$(jq -r '[.[] | select(.kind | IN("Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding") | not) | select(.metadata.namespace != "flux-system") | .kind + "/" + .metadata.name] | join(" ")' "$A")" ""
check_eq "one Deployment per controller" \
  "$(jq -r '[.[] | select(.kind == "Deployment") | .metadata.name] | sort | join(" ")' "$A")" \
  "helm-controller kustomize-controller notification-controller source-controller"
for c in source-controller kustomize-controller helm-controller notification-controller; do
  d=$(jq -c --arg c "$c" '.[] | select(.kind == "Deployment" and .metadata.name == $c)' "$A")
  [ -n "$d" ] || continue
  dq() { jq -r "$@" <<<"$d"; }
  check_eq "$c: image placeholder" "$(dq '.spec.template.spec.containers[0].image')" "fluxc/$c:dev"
  sa=$(dq '.spec.template.spec.serviceAccountName')
  check_eq "$c: runs as its own ServiceAccount" "$sa" "$c"
  check_eq "$c: ServiceAccount exists" \
    "$(jq -r --arg n "$sa" '[.[] | select(.kind == "ServiceAccount" and .metadata.name == $n)] | length' "$A")" 1
  args=$(dq '.spec.template.spec.containers[0].args | join(" ")')
  for a in --watch-all-namespaces --log-level=info --log-encoding=json --enable-leader-election; do
    check_contains "$c: arg $a" "$args" "$a"
  done
  if [ "$c" != notification-controller ]; then
    check_contains "$c: events go to the notification-controller" "$args" \
      "--events-addr=http://notification-controller.\$(RUNTIME_NAMESPACE).svc.cluster.local./"
  fi
  check_eq "$c: RUNTIME_NAMESPACE from the downward API" \
    "$(dq '.spec.template.spec.containers[0].env[] | select(.name == "RUNTIME_NAMESPACE") | .valueFrom.fieldRef.fieldPath')" metadata.namespace
  check_eq "$c: metrics :8080 and health :9440" \
    "$(dq '[.spec.template.spec.containers[0].ports[] | select(.name == "http-prom" or .name == "healthz") | "\(.name)=\(.containerPort)"] | sort | join(" ")')" \
    "healthz=9440 http-prom=8080"
  check_eq "$c: selector matches the pod labels" \
    "$(dq '(.spec.selector.matchLabels | to_entries) - (.spec.template.metadata.labels | to_entries) | length')" 0
done
sc_args=$(jq -r '.[] | select(.kind == "Deployment" and .metadata.name == "source-controller") | .spec.template.spec.containers[0].args | join(" ")' "$A")
check_contains "source-controller: --storage-path" "$sc_args" "--storage-path=/data"
check_contains "source-controller: --storage-adv-addr" "$sc_args" "--storage-adv-addr=source-controller.\$(RUNTIME_NAMESPACE).svc.cluster.local."
# svc_target SERVICE: "<port>-><container port number>" resolved through the
# selected Deployment's named container ports.
svc_target() {
  jq -r --arg s "$1" '
    (.[] | select(.kind == "Service" and .metadata.name == $s)) as $svc |
    (.[] | select(.kind == "Deployment") | select(. as $d | $svc.spec.selector | to_entries | all(. as $e | $d.spec.template.metadata.labels[$e.key] == $e.value))) as $dep |
    $svc.spec.ports[] | . as $p |
    "\($p.port)->\([$dep.spec.template.spec.containers[].ports[] | select(.name == $p.targetPort or .containerPort == $p.targetPort) | .containerPort][0])"' "$A"
}
check_eq "Service source-controller 80 -> 9090" "$(svc_target source-controller)" "80->9090"
check_eq "Service notification-controller 80 -> 9090" "$(svc_target notification-controller)" "80->9090"
check_eq "Service webhook-receiver 80 -> 9292" "$(svc_target webhook-receiver)" "80->9292"
# subjects BINDING: ServiceAccount subjects (namespace/name) of a ClusterRoleBinding.
subjects() {
  jq -r --arg b "$1" '[.[] | select(.kind == "ClusterRoleBinding" and .metadata.name == $b) | .subjects[] | select(.kind == "ServiceAccount") | .namespace + "/" + .name] | sort | join(" ")' "$A"
}
roleref() { jq -r --arg b "$1" '.[] | select(.kind == "ClusterRoleBinding" and .metadata.name == $b) | .roleRef.kind + "/" + .roleRef.name' "$A"; }
check_eq "cluster-reconciler binds cluster-admin" "$(roleref cluster-reconciler-flux-system)" ClusterRole/cluster-admin
check_eq "cluster-reconciler is only kustomize- and helm-controller" "$(subjects cluster-reconciler-flux-system)" \
  "flux-system/helm-controller flux-system/kustomize-controller"
check_eq "crd-controller binding covers every controller" "$(subjects crd-controller-flux-system)" \
  "flux-system/helm-controller flux-system/kustomize-controller flux-system/notification-controller flux-system/source-controller"
check_eq "crd-controller binding uses the crd-controller role" "$(roleref crd-controller-flux-system)" ClusterRole/crd-controller-flux-system
crd_rules=$(jq -c '.[] | select(.kind == "ClusterRole" and .metadata.name == "crd-controller-flux-system") | .rules' "$A")
for g in source.toolkit.fluxcd.io kustomize.toolkit.fluxcd.io helm.toolkit.fluxcd.io notification.toolkit.fluxcd.io; do
  check_eq "crd-controller role: all verbs on $g" \
    "$(jq -r --arg g "$g" '[.[] | select((.apiGroups | index($g)) and (.resources | index("*")) and (.verbs | index("*")))] | length > 0' <<<"${crd_rules:-[]}")" true
done
for r in coordination.k8s.io:leases :secrets :events :configmaps; do
  check_eq "crd-controller role: ${r#:}" \
    "$(jq -r --arg g "${r%%:*}" --arg r "${r#*:}" '[.[] | select((.apiGroups | index($g)) and (.resources | index($r)))] | length > 0' <<<"${crd_rules:-[]}")" true
done

finish
