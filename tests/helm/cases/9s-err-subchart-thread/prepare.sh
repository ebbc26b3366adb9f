# one broken subchart among ten (loaded on the second thread); Helm loads
# subcharts in Go map order, so with two broken ones its error is random
mkdir -p chart/templates
printf 'apiVersion: v2\nname: order\nversion: 1.0.0\n' > chart/Chart.yaml
for i in $(seq 10 19); do
  d=chart/charts/s$i
  mkdir -p $d/templates
  printf 'apiVersion: v2\nname: s%s\nversion: 0.1.0\n' $i > $d/Chart.yaml
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: s%s\n' $i > $d/templates/cm.yaml
done
printf 'a: [1\n' > chart/charts/s17/values.yaml
