/*
 * Helm template engine: public entry points. Renders charts exactly like
 * `helm template`; no Kubernetes client inside.
 */
#ifndef HT_HELMTEMPLATE_H
#define HT_HELMTEMPLATE_H

/* `helm-controller template NAME CHART [flags]`: argv[0] is "template". */
int ht_template_cli(int argc, char **argv);

#endif
