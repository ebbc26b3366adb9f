# demo step: how to use and stop the cluster.
say "the cluster keeps running"
cat <<USAGE
Use it:    export KUBECONFIG=$KUBECONFIG
           kubectl get gitrepositories,kustomizations,helmreleases -A
Logs:      $FC_CLUSTER_DIR/logs/ (control plane), $DEMO_DIR/logs/ (controllers)
Details:   $FC_CLUSTER_DIR/env
Stop it:   make cluster-down   (or: tests/env/cluster-down.sh $FC_CLUSTER_DIR)
USAGE
