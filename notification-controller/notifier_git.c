/*
 * notifier_git.c: commit statuses for GitHub, GitLab, Gitea, Bitbucket
 * Cloud, Bitbucket Server/Data Center and Azure DevOps.
 *
 * All six follow one plan, so they share one state machine: read the
 * status already set for this context on the commit (step 0), and only when
 * it differs in state or description post the new one (step 1); identical
 * statuses are never re-posted. What differs per provider is data: the API
 * URLs, the auth header, the state names and the JSON shapes, which each
 * provider's plan_* function fills into a git_plan. Progressing events are
 * skipped (Gitea reports them as "pending", like Flux).
 */
#include "notifier.h"
#include "fc/buf.h"
#include "fc/err.h"
#include "fc/json.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct git_plan {
    char *post_url;
    json_object *post_body;
    /* duplicate check against the GET response: the kind of document and
     * the values to compare */
    int (*is_duplicate)(struct git_plan *p, json_object *resp);
    bool not_found_ok; /* a 404 on the GET means "no status yet" */
    char *ctx, *state, *desc, *name, *key, *genre;
    struct curl_slist *auth; /* headers for both requests (besides Content-Type) */
} git_plan;

static void plan_free(void *arg)
{
    git_plan *p = arg;
    if (!p) return;
    free(p->post_url);
    json_object_put(p->post_body);
    free(p->ctx);
    free(p->state);
    free(p->desc);
    free(p->name);
    free(p->key);
    free(p->genre);
    curl_slist_free_all(p->auth);
    free(p);
}

static json_object *jstr(const char *s) { return json_object_new_string(s ? s : ""); }

static bool eq(const char *a, const char *b) { return a && b && !strcmp(a, b); }

/* Percent-encode a path segment (GitLab project ids contain '/'). */
static void path_escape(fc_buf *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (isalnum(*p) || strchr("-._~", *p)) fc_buf_putc(b, (char)*p);
        else fc_buf_printf(b, "%%%02X", *p);
    }
}

static void add_auth(git_plan *p, const char *name, const char *value)
{
    fc_buf b;
    fc_buf_init(&b, 0);
    fc_buf_printf(&b, "%s: %s", name, value);
    p->auth = curl_slist_append(p->auth, b.ptr);
    fc_buf_dispose(&b);
}

static void set_request(nc_delivery *d, git_plan *p, const char *method, const char *url, json_object *body)
{
    nc__json_request(d, method, url, body);
    for (struct curl_slist *h = p->auth; h; h = h->next) d->req.headers = curl_slist_append(d->req.headers, h->data);
}

static int on_post(nc_delivery *d, long status, const char *body, size_t len)
{
    if (status >= 200 && status < 300) return 0;
    nc_delivery_fail(d, "could not create commit status: request failed with status code %ld: %.*s", status,
                     (int)(len > 512 ? 512 : len), body);
    return FC_ERR;
}

static int on_get(nc_delivery *d, long status, const char *body, size_t len)
{
    git_plan *p = d->pstate;
    bool dup = false;
    if (status >= 200 && status < 300) {
        json_object *resp = NULL;
        if (fc_json_parse(body, len, &resp)) {
            nc_delivery_fail(d, "could not read existing commit statuses: %s", fc_err_msg());
            return FC_ERR;
        }
        dup = p->is_duplicate(p, resp);
        json_object_put(resp);
    } else if (!(status == 404 && p->not_found_ok)) {
        nc_delivery_fail(d, "could not list commit statuses: request failed with status code %ld: %.*s", status,
                         (int)(len > 512 ? 512 : len), body);
        return FC_ERR;
    }
    if (dup) return 0;
    json_object *b = p->post_body;
    p->post_body = NULL;
    set_request(d, p, "POST", p->post_url, b);
    d->on_response = on_post;
    d->step = 1;
    return NC_NEXT;
}

/* ----------------------------------------------------- duplicate checks */

/* GitHub combined status: {"statuses":[{context,state,description}]} */
static int dup_github(git_plan *p, json_object *resp)
{
    json_object *st = fc_json_key(resp, "statuses");
    for (size_t i = 0; st && json_object_is_type(st, json_type_array) && i < json_object_array_length(st); i++) {
        json_object *s = json_object_array_get_idx(st, i);
        if (eq(fc_json_key_str(s, "context"), p->ctx))
            return eq(fc_json_key_str(s, "state"), p->state) && eq(fc_json_key_str(s, "description"), p->desc);
    }
    return 0;
}

/* Gitea: [{context,status|state,description}], latest first */
static int dup_gitea(git_plan *p, json_object *resp)
{
    for (size_t i = 0; json_object_is_type(resp, json_type_array) && i < json_object_array_length(resp); i++) {
        json_object *s = json_object_array_get_idx(resp, i);
        const char *c = fc_json_key_str(s, "context"), *st = fc_json_key_str(s, "status");
        const char *de = fc_json_key_str(s, "description");
        if (!st) st = fc_json_key_str(s, "state");
        if (!c || !*c || !st || !*st || !de || !*de) continue;
        if (eq(c, p->ctx)) return eq(st, p->state) && eq(de, p->desc);
    }
    return 0;
}

/* GitLab: [{sha,status,name,description}] filtered by name */
static int dup_gitlab(git_plan *p, json_object *resp)
{
    for (size_t i = 0; json_object_is_type(resp, json_type_array) && i < json_object_array_length(resp); i++) {
        json_object *s = json_object_array_get_idx(resp, i);
        if (eq(fc_json_key_str(s, "sha"), p->key) && eq(fc_json_key_str(s, "status"), p->state) &&
            eq(fc_json_key_str(s, "description"), p->desc) && eq(fc_json_key_str(s, "name"), p->ctx))
            return 1;
    }
    return 0;
}

/* Bitbucket Cloud: one status object */
static int dup_bitbucket(git_plan *p, json_object *resp)
{
    return eq(fc_json_key_str(resp, "state"), p->state) && eq(fc_json_key_str(resp, "description"), p->desc);
}

/* Bitbucket Server: one build status object */
static int dup_bbserver(git_plan *p, json_object *resp)
{
    return eq(fc_json_key_str(resp, "key"), p->key) && eq(fc_json_key_str(resp, "state"), p->state) &&
           eq(fc_json_key_str(resp, "description"), p->desc) && eq(fc_json_key_str(resp, "name"), p->name);
}

/* Azure DevOps: {"value":[{state,description,context:{name,genre}}]} */
static int dup_azure(git_plan *p, json_object *resp)
{
    json_object *v = fc_json_key(resp, "value");
    for (size_t i = 0; v && json_object_is_type(v, json_type_array) && i < json_object_array_length(v); i++) {
        json_object *s = json_object_array_get_idx(v, i);
        json_object *c = fc_json_key(s, "context");
        if (eq(fc_json_key_str(c, "name"), p->ctx) && eq(fc_json_key_str(c, "genre"), p->genre))
            return eq(fc_json_key_str(s, "state"), p->state) && eq(fc_json_key_str(s, "description"), p->desc);
    }
    return 0;
}

/* --------------------------------------------------------------- plans */

static int split_owner_repo(const char *id, char **owner, char **repo)
{
    const char *slash = strchr(id, '/');
    if (!slash || strchr(slash + 1, '/') || slash == id || !slash[1])
        return fc_err_set(FC_EINVAL, "invalid repository id \"%s\"", id);
    *owner = strndup(id, (size_t)(slash - id));
    *repo = strdup(slash + 1);
    return 0;
}

static bool need_token(const nc_delivery *d, const char *what)
{
    if (d->cfg->token && *d->cfg->token) return true;
    fc_err_set(FC_EINVAL, "%s token cannot be empty", what);
    return false;
}

static int plan_github(nc_delivery *d, git_plan *p, const char *base, const char *id, const char *sha, fc_buf *get)
{
    char *owner = NULL, *repo = NULL;
    if (!need_token(d, "github")) return FC_EINVAL;
    if (split_owner_repo(id, &owner, &repo)) return FC_EINVAL;
    fc_buf api;
    fc_buf_init(&api, 0);
    const char *host = strstr(base, "://") + 3;
    if (!strcasecmp(host, "github.com") || !strcasecmp(host, "www.github.com")) fc_buf_puts(&api, "https://api.github.com");
    else fc_buf_printf(&api, "%s/api/v3", base);
    fc_buf_printf(get, "%s/repos/%s/%s/commits/%s/status?per_page=100", api.ptr, owner, repo, sha);
    fc_buf u;
    fc_buf_init(&u, 0);
    fc_buf_printf(&u, "%s/repos/%s/%s/statuses/%s", api.ptr, owner, repo, sha);
    p->post_url = fc_buf_detach(&u, NULL);
    fc_buf_dispose(&api);
    free(owner);
    free(repo);
    p->state = strdup(!strcmp(d->event->severity, NC_SEVERITY_ERROR) ? "failure" : "success");
    p->post_body = json_object_new_object();
    json_object_object_add(p->post_body, "state", jstr(p->state));
    json_object_object_add(p->post_body, "description", jstr(p->desc));
    json_object_object_add(p->post_body, "context", jstr(p->ctx));
    p->is_duplicate = dup_github;
    char *h = NULL;
    if (asprintf(&h, "Bearer %s", d->cfg->token) > 0) add_auth(p, "Authorization", h);
    free(h);
    add_auth(p, "Accept", "application/vnd.github+json");
    return 0;
}

static int plan_gitlab(nc_delivery *d, git_plan *p, const char *base, const char *id, const char *sha, fc_buf *get)
{
    if (!need_token(d, "gitlab")) return FC_EINVAL;
    fc_buf pid;
    fc_buf_init(&pid, 0);
    path_escape(&pid, id);
    fc_buf_printf(get, "%s/api/v4/projects/%s/repository/commits/%s/statuses?name=", base, pid.ptr, sha);
    path_escape(get, p->ctx);
    fc_buf u;
    fc_buf_init(&u, 0);
    fc_buf_printf(&u, "%s/api/v4/projects/%s/statuses/%s", base, pid.ptr, sha);
    p->post_url = fc_buf_detach(&u, NULL);
    fc_buf_dispose(&pid);
    p->state = strdup(!strcmp(d->event->severity, NC_SEVERITY_ERROR) ? "failed" : "success");
    p->key = strdup(sha);
    p->post_body = json_object_new_object();
    json_object_object_add(p->post_body, "state", jstr(p->state));
    json_object_object_add(p->post_body, "name", jstr(p->ctx));
    json_object_object_add(p->post_body, "description", jstr(p->desc));
    p->is_duplicate = dup_gitlab;
    add_auth(p, "PRIVATE-TOKEN", d->cfg->token);
    return 0;
}

static int plan_gitea(nc_delivery *d, git_plan *p, const char *base, const char *id, const char *sha, fc_buf *get)
{
    char *owner = NULL, *repo = NULL;
    if (!need_token(d, "gitea")) return FC_EINVAL;
    if (split_owner_repo(id, &owner, &repo)) return FC_EINVAL;
    fc_buf_printf(get, "%s/api/v1/repos/%s/%s/statuses/%s?page=0&limit=50", base, owner, repo, sha);
    fc_buf u;
    fc_buf_init(&u, 0);
    fc_buf_printf(&u, "%s/api/v1/repos/%s/%s/statuses/%s", base, owner, repo, sha);
    p->post_url = fc_buf_detach(&u, NULL);
    free(owner);
    free(repo);
    const nc_event *e = d->event;
    p->state = strdup(e->reason && !strcmp(e->reason, "Progressing")      ? "pending"
                      : !strcmp(e->severity, NC_SEVERITY_ERROR)           ? "failure"
                                                                          : "success");
    p->post_body = json_object_new_object();
    json_object_object_add(p->post_body, "state", jstr(p->state));
    json_object_object_add(p->post_body, "target_url", jstr(""));
    json_object_object_add(p->post_body, "description", jstr(p->desc));
    json_object_object_add(p->post_body, "context", jstr(p->ctx));
    p->is_duplicate = dup_gitea;
    char *h = NULL;
    if (asprintf(&h, "token %s", d->cfg->token) > 0) add_auth(p, "Authorization", h);
    free(h);
    return 0;
}

static int plan_bitbucket(nc_delivery *d, git_plan *p, const char *base, const char *id, const char *sha, fc_buf *get)
{
    char *owner = NULL, *repo = NULL;
    if (!need_token(d, "bitbucket")) return FC_EINVAL;
    const char *colon = strchr(d->cfg->token, ':');
    if (!colon || strchr(colon + 1, ':'))
        return fc_err_set(FC_EINVAL, "invalid token format, expected to be <user>:<password>");
    if (split_owner_repo(id, &owner, &repo)) return FC_EINVAL;
    /* bitbucket.org's API lives on api.bitbucket.org; any other host is
     * taken to serve the same API under /2.0 (a Bitbucket-compatible server
     * or a test double) */
    const char *host = strstr(base, "://") + 3;
    fc_buf api;
    fc_buf_init(&api, 0);
    if (!strcasecmp(host, "bitbucket.org") || !strcasecmp(host, "www.bitbucket.org")) fc_buf_puts(&api, "https://api.bitbucket.org/2.0");
    else fc_buf_printf(&api, "%s/2.0", base);
    char key[41];
    nc__sha1_hex(p->ctx, key);
    p->key = strdup(key);
    fc_buf_printf(get, "%s/repositories/%s/%s/commit/%s/statuses/build/%s", api.ptr, owner, repo, sha, key);
    fc_buf u;
    fc_buf_init(&u, 0);
    fc_buf_printf(&u, "%s/repositories/%s/%s/commit/%s/statuses/build", api.ptr, owner, repo, sha);
    p->post_url = fc_buf_detach(&u, NULL);
    fc_buf_dispose(&api);
    free(owner);
    free(repo);
    p->state = strdup(!strcmp(d->event->severity, NC_SEVERITY_ERROR) ? "FAILED" : "SUCCESSFUL");
    p->post_body = json_object_new_object();
    json_object_object_add(p->post_body, "description", jstr(p->desc));
    json_object_object_add(p->post_body, "key", jstr(key));
    json_object_object_add(p->post_body, "name", jstr(p->name));
    json_object_object_add(p->post_body, "state", jstr(p->state));
    json_object_object_add(p->post_body, "url", jstr("https://bitbucket.org"));
    p->is_duplicate = dup_bitbucket;
    p->not_found_ok = true;
    char *user = strndup(d->cfg->token, (size_t)(colon - d->cfg->token));
    char *h = nc__basic_auth(user, colon + 1);
    add_auth(p, "Authorization", h);
    free(h);
    free(user);
    return 0;
}

static int plan_bbserver(nc_delivery *d, git_plan *p, const char *sha, fc_buf *get)
{
    const nc_provider_cfg *c = d->cfg;
    const char *addr = c->address;
    if (strncmp(addr, "http://", 7) && strncmp(addr, "https://", 8))
        return fc_err_set(FC_EINVAL, "could not parse git address: unsupported scheme type in address. Must be http or https");
    const char *hoststart = strstr(addr, "://") + 3;
    const char *path = strchr(hoststart, '/');
    if (!path) return fc_err_set(FC_EINVAL, "could not parse git address: supplied provider address is not http(s) git clone url");
    size_t pl = strcspn(path, "?#");
    if (pl >= 4 && !strncmp(path + pl - 4, ".git", 4)) pl -= 4;
    char *pth = strndup(path, pl);
    char *scm = NULL;
    for (char *q = strstr(pth, "/scm/"); q; q = strstr(q + 1, "/scm/")) scm = q;
    if (!scm) {
        free(pth);
        return fc_err_set(FC_EINVAL, "could not parse git address: supplied provider address is not http(s) git clone url");
    }
    char *ctxpath = strndup(pth, (size_t)(scm - pth));
    char *proj = NULL, *repo = NULL;
    int rc = split_owner_repo(scm + 5, &proj, &repo);
    if (rc) {
        fc_err_set(FC_EINVAL, "could not parse git address: invalid repository id \"%s\"", scm + 5);
        free(pth);
        free(ctxpath);
        return rc;
    }
    if (!(c->token && *c->token) && !(c->username && *c->username && c->password && *c->password)) {
        free(pth);
        free(ctxpath);
        free(proj);
        free(repo);
        return fc_err_set(FC_EINVAL, "invalid credentials, expected to be one of username/password or API Token");
    }
    fc_buf u;
    fc_buf_init(&u, 0);
    fc_buf_printf(&u, "%.*s%s/rest/api/latest/projects/%s/repos/%s/commits/%s/builds", (int)(path - addr), addr,
                  ctxpath, proj, repo, sha);
    char key[41];
    nc__sha1_hex(p->ctx, key);
    p->key = strdup(key);
    fc_buf_printf(get, "%s?key=%s", u.ptr, key);
    p->post_url = fc_buf_detach(&u, NULL);
    free(pth);
    free(ctxpath);
    free(proj);
    free(repo);
    /* Bitbucket Server shows only the name, so it carries the description */
    fc_buf nm;
    fc_buf_init(&nm, 0);
    fc_buf_printf(&nm, "%s [%s]", p->name, p->desc);
    free(p->name);
    p->name = fc_buf_detach(&nm, NULL);
    p->state = strdup(!strcmp(d->event->severity, NC_SEVERITY_ERROR) ? "FAILED" : "SUCCESSFUL");
    p->post_body = json_object_new_object();
    json_object_object_add(p->post_body, "description", jstr(p->desc));
    json_object_object_add(p->post_body, "key", jstr(key));
    json_object_object_add(p->post_body, "name", jstr(p->name));
    json_object_object_add(p->post_body, "state", jstr(p->state));
    json_object_object_add(p->post_body, "url", jstr(addr));
    p->is_duplicate = dup_bbserver;
    p->not_found_ok = true;
    if (c->token && *c->token) {
        char *h = NULL;
        if (asprintf(&h, "Bearer %s", c->token) > 0) add_auth(p, "Authorization", h);
        free(h);
    } else {
        char *h = nc__basic_auth(c->username, c->password);
        add_auth(p, "Authorization", h);
        free(h);
    }
    add_auth(p, "x-atlassian-token", "no-check");
    add_auth(p, "x-requested-with", "XMLHttpRequest");
    return 0;
}

static int plan_azure(nc_delivery *d, git_plan *p, const char *base, const char *id, const char *sha, fc_buf *get)
{
    if (!need_token(d, "azure devops")) return FC_EINVAL;
    /* org/project/_git/repo */
    char *parts[4] = {0};
    int n = 0;
    const char *s = id;
    while (n < 4) {
        const char *slash = strchr(s, '/');
        parts[n++] = slash ? strndup(s, (size_t)(slash - s)) : strdup(s);
        if (!slash) break;
        s = slash + 1;
        if (n == 4) {
            n = 5; /* too many segments */
            break;
        }
    }
    int rc = 0;
    if (n != 4 || !*parts[0] || !*parts[1] || !*parts[3]) rc = fc_err_set(FC_EINVAL, "invalid repository id \"%s\"", id);
    if (!rc) {
        fc_buf u;
        fc_buf_init(&u, 0);
        fc_buf_printf(&u, "%s/%s/%s/_apis/git/repositories/%s/commits/%s/statuses?api-version=6.0", base, parts[0],
                      parts[1], parts[3], sha);
        fc_buf_puts(get, u.ptr);
        p->post_url = fc_buf_detach(&u, NULL);
        p->state = strdup(!strcmp(d->event->severity, NC_SEVERITY_ERROR) ? "error" : "succeeded");
        const char *summary = nc_event_meta_get(d->event, "summary");
        fc_buf g;
        fc_buf_init(&g, 0);
        fc_buf_puts(&g, "fluxcd");
        if (summary && *summary) fc_buf_printf(&g, ":%s", summary);
        p->genre = fc_buf_detach(&g, NULL);
        json_object *ctx = json_object_new_object();
        json_object_object_add(ctx, "genre", jstr(p->genre));
        json_object_object_add(ctx, "name", jstr(p->ctx));
        p->post_body = json_object_new_object();
        json_object_object_add(p->post_body, "state", jstr(p->state));
        json_object_object_add(p->post_body, "description", jstr(p->desc));
        json_object_object_add(p->post_body, "context", ctx);
        p->is_duplicate = dup_azure;
        char *h = nc__basic_auth("", d->cfg->token);
        add_auth(p, "Authorization", h);
        free(h);
    }
    for (int i = 0; i < 4; i++) free(parts[i]);
    return rc;
}

int nc__build_git(nc_delivery *d)
{
    const nc_provider_cfg *c = d->cfg;
    const nc_event *e = d->event;
    const char *type = c->type;
    bool gitea = !strcmp(type, "gitea");
    if (!gitea && e->reason && !strcmp(e->reason, "Progressing")) return NC_SKIP;
    if (!c->address || !*c->address) return fc_err_set(FC_EINVAL, "the %s provider has no address", type);
    if (!c->commit_status || !*c->commit_status) return fc_err_set(FC_EINVAL, "commit status cannot be empty");
    const char *rev = nc_event_revision(e);
    if (!rev) return fc_err_set(FC_EINVAL, "missing revision metadata");
    char *sha = NULL, *base = NULL, *id = NULL;
    if (nc__parse_revision(rev, &sha)) return FC_EINVAL;
    if (strcmp(e->severity, NC_SEVERITY_INFO) && strcmp(e->severity, NC_SEVERITY_ERROR)) {
        free(sha);
        return fc_err_set(FC_EINVAL, "can't convert severity \"%s\" to a %s state", e->severity, type);
    }
    git_plan *p = calloc(1, sizeof *p);
    p->ctx = strdup(c->commit_status);
    nc__name_and_description(e, &p->name, &p->desc);
    fc_buf get;
    fc_buf_init(&get, 0);
    int rc;
    if (!strcmp(type, "bitbucketserver")) {
        rc = plan_bbserver(d, p, sha, &get);
    } else if ((rc = nc__parse_git_address(c->address, &base, &id)) == 0) {
        if (!strcmp(type, "github")) rc = plan_github(d, p, base, id, sha, &get);
        else if (!strcmp(type, "gitlab")) rc = plan_gitlab(d, p, base, id, sha, &get);
        else if (gitea) rc = plan_gitea(d, p, base, id, sha, &get);
        else if (!strcmp(type, "bitbucket")) rc = plan_bitbucket(d, p, base, id, sha, &get);
        else if (!strcmp(type, "azuredevops")) rc = plan_azure(d, p, base, id, sha, &get);
        else rc = fc_err_set(FC_EINVAL, "provider type %s is not supported", type);
    }
    free(sha);
    free(base);
    free(id);
    if (rc) {
        fc_buf_dispose(&get);
        plan_free(p);
        return rc;
    }
    set_request(d, p, "GET", get.ptr, NULL);
    fc_buf_dispose(&get);
    d->pstate = p;
    d->pstate_free = plan_free;
    d->on_response = on_get;
    d->step = 0;
    return 0;
}
