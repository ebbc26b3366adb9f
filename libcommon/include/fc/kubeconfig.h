/*
 * fc/kubeconfig.h: where a controller finds its Kubernetes API server and
 * credentials. Resolution order is controller-runtime's: an explicit
 * --kubeconfig path, then $KUBECONFIG (a colon-separated list merged with the
 * first file winning per entry, like client-go), then the in-cluster service
 * account (KUBERNETES_SERVICE_HOST/PORT, token file re-read when it rotates),
 * then ~/.kube/config.
 */
#ifndef FC_KUBECONFIG_H
#define FC_KUBECONFIG_H
#include <stdbool.h>
#include <stdint.h>
#include <pthread.h>

typedef struct fc_kube_exec {
    char *command;
    char **args;     /* NULL-terminated */
    char **env;      /* NULL-terminated "NAME=VALUE" added to the environment */
    char *api_version;
    bool provide_cluster_info;
} fc_kube_exec;

typedef struct fc_kube_config {
    char *server;          /* e.g. https://127.0.0.1:6443 (no trailing slash) */
    char *ca_pem;          /* CA bundle (PEM), or NULL */
    char *ca_file;         /* CA file path, or NULL */
    bool insecure;         /* insecure-skip-tls-verify */
    char *tls_server_name;
    char *cert_pem;        /* client certificate (PEM) */
    char *key_pem;         /* client key (PEM) */
    char *token;           /* static bearer token */
    char *token_file;      /* bearer token file, re-read when it changes */
    char *username;        /* basic auth (legacy) */
    char *password;
    fc_kube_exec *exec;    /* exec credential plugin */
    char *ns;              /* namespace of the context / pod */
    char *source;          /* where the config came from, for messages */
    char *impersonate_user;
    char **impersonate_groups; /* NULL-terminated */
} fc_kube_config;

/* Resolve and load as described above; explicit_path may be NULL/"". */
int fc_kubeconfig_load(const char *explicit_path, fc_kube_config **out);
/* Load from kubeconfig YAML text (base_dir resolves relative file paths);
 * context NULL means current-context. */
int fc_kubeconfig_parse(const char *yaml, size_t len, const char *base_dir, const char *context, fc_kube_config **out);
/* In-cluster config from the service-account mount (root overridable for tests). */
int fc_kubeconfig_in_cluster(const char *sa_dir, fc_kube_config **out);
void fc_kube_config_free(fc_kube_config *c);
fc_kube_config *fc_kube_config_dup(const fc_kube_config *c);

/* Credentials for one request: the bearer token to send (re-reading the token
 * file or running the exec plugin as needed) and an exec-supplied client cert.
 * Thread-safe; results of exec plugins are cached until they expire. */
typedef struct fc_kube_creds fc_kube_creds;
fc_kube_creds *fc_kube_creds_new(const fc_kube_config *c);
void fc_kube_creds_free(fc_kube_creds *cr);
/* token, cert_pem and key_pem receive malloc'd strings or NULL. */
int fc_kube_creds_get(fc_kube_creds *cr, char **token, char **cert_pem, char **key_pem);
/* Forget cached exec credentials (after a 401). */
void fc_kube_creds_invalidate(fc_kube_creds *cr);

#endif
