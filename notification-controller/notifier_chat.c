/*
 * notifier_chat.c: payloads for chat tools: Slack (incoming webhooks and
 * chat.postMessage), Discord and Rocket.Chat (Slack attachments), Microsoft
 * Teams (Workflows Adaptive Card, legacy MessageCard for connector URLs),
 * Google Chat, Webex, Telegram, Matrix and Lark.
 *
 * Each builder mirrors the Go struct notification-controller marshals, key
 * for key and in the same order; where Flux iterates a Go map (metadata) the
 * order here is sorted, which Flux's own Teams Adaptive Card already does.
 */
#include "notifier.h"
#include "fc/buf.h"
#include "fc/err.h"
#include "fc/json.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static json_object *jstr(const char *s) { return json_object_new_string(s ? s : ""); }

/* Go's url.ParseRequestURI as the providers use it: an absolute http(s) URL. */
static int require_url(const nc_delivery *d, const char *what)
{
    const char *u = d->cfg->address;
    if (!u || !*u) return fc_err_set(FC_EINVAL, "invalid %s URL: the provider has no address", what);
    if (strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) != 0)
        return fc_err_set(FC_EINVAL, "invalid %s URL %s: want an http or https URL", what, u);
    return 0;
}

static bool is_error(const nc_event *e) { return e->severity && !strcmp(e->severity, NC_SEVERITY_ERROR); }

/* ---------------------------------------------------------------- slack */

static json_object *slack_payload(const nc_delivery *d, const char *channel, const char *username, const char *color)
{
    const nc_event *e = d->event;
    json_object *p = json_object_new_object();
    json_object_object_add(p, "channel", jstr(channel));
    json_object_object_add(p, "username", jstr(username));
    json_object_object_add(p, "icon_url", jstr(""));
    json_object_object_add(p, "icon_emoji", jstr(""));
    json_object *a = json_object_new_object();
    json_object_object_add(a, "color", jstr(color));
    char *obj = nc_event_obj_name(e);
    json_object_object_add(a, "author_name", jstr(obj));
    free(obj);
    json_object_object_add(a, "text", jstr(e->message));
    json_object *mrk = json_object_new_array();
    json_object_array_add(mrk, jstr("text"));
    json_object_object_add(a, "mrkdwn_in", mrk);
    json_object *fields = json_object_new_array();
    for (size_t i = 0; i < e->nmeta; i++) {
        json_object *f = json_object_new_object();
        json_object_object_add(f, "title", jstr(e->meta[i].key));
        json_object_object_add(f, "value", jstr(e->meta[i].value));
        json_object_object_add(f, "short", json_object_new_boolean(0));
        json_object_array_add(fields, f);
    }
    json_object_object_add(a, "fields", fields);
    json_object *atts = json_object_new_array();
    json_object_array_add(atts, a);
    json_object_object_add(p, "attachments", atts);
    return p;
}

/* chat.postMessage always answers 200; success is {"ok":true}. */
static int slack_api_response(nc_delivery *d, long status, const char *body, size_t len)
{
    if (status < 200 || status > 299) {
        nc_delivery_fail(d, "request failed with status code %ld: %.*s", status, (int)(len > 512 ? 512 : len), body);
        return FC_ERR;
    }
    json_object *o = NULL;
    if (fc_json_parse(body, len, &o) || !json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        nc_delivery_fail(d, "unable to unmarshal response body: not a Slack API response");
        return FC_ERR;
    }
    bool ok = fc_json_get_bool(o, "ok", false);
    if (!ok) {
        const char *err = fc_json_key_str(o, "error");
        nc_delivery_fail(d, "Slack responded with error: %s", err ? err : "");
    }
    json_object_put(o);
    return ok ? 0 : FC_ERR;
}

int nc__build_slack(nc_delivery *d)
{
    if (require_url(d, "Slack hook")) return FC_EINVAL;
    const nc_provider_cfg *c = d->cfg;
    const char *user = c->username && *c->username ? c->username : d->event->reporting_controller;
    json_object *p = slack_payload(d, c->channel, user, is_error(d->event) ? "danger" : "good");
    nc__json_request(d, "POST", c->address, p);
    if (c->token && *c->token) {
        char *h = NULL;
        if (asprintf(&h, "Bearer %s", c->token) > 0) nc__header(d, "Authorization", h);
        free(h);
    }
    if (!strcmp(c->address, "https://slack.com/api/chat.postMessage")) d->on_response = slack_api_response;
    return 0;
}

int nc__build_discord(nc_delivery *d)
{
    if (require_url(d, "Discord hook")) return FC_EINVAL;
    const nc_provider_cfg *c = d->cfg;
    /* Discord's Slack-compatible endpoint is <webhook>/slack */
    fc_buf u;
    fc_buf_init(&u, 0);
    const char *q = strchr(c->address, '?');
    size_t pl = q ? (size_t)(q - c->address) : strlen(c->address);
    if (pl >= 6 && !strncmp(c->address + pl - 6, "/slack", 6)) {
        fc_buf_puts(&u, c->address);
    } else {
        fc_buf_put(&u, c->address, pl);
        if (pl && c->address[pl - 1] == '/') u.len--, u.ptr[u.len] = 0;
        fc_buf_puts(&u, "/slack");
        if (q) fc_buf_puts(&u, q);
    }
    const char *user = c->username && *c->username ? c->username : d->event->reporting_controller;
    json_object *p = slack_payload(d, "", user, is_error(d->event) ? "danger" : "good");
    nc__json_request(d, "POST", u.ptr, p);
    fc_buf_dispose(&u);
    return 0;
}

int nc__build_rocket(nc_delivery *d)
{
    if (require_url(d, "Rocket hook")) return FC_EINVAL;
    const nc_provider_cfg *c = d->cfg;
    json_object *p = slack_payload(d, c->channel, c->username, is_error(d->event) ? "#FF0000" : "#0076D7");
    nc__json_request(d, "POST", c->address, p);
    return 0;
}

/* -------------------------------------------------------------- msteams */

static json_object *text_block(const char *text, const char *size, const char *weight, const char *color)
{
    json_object *t = json_object_new_object();
    json_object_object_add(t, "type", jstr("TextBlock"));
    if (text && *text) json_object_object_add(t, "text", jstr(text));
    if (size) json_object_object_add(t, "size", jstr(size));
    if (weight) json_object_object_add(t, "weight", jstr(weight));
    if (color) json_object_object_add(t, "color", jstr(color));
    json_object_object_add(t, "wrap", json_object_new_boolean(1));
    return t;
}

static bool connector_host(const char *url)
{
    const char *h = strstr(url, "://");
    if (!h) return false;
    h += 3;
    const char *at = strchr(h, '@'), *sl = strchr(h, '/');
    if (at && (!sl || at < sl)) h = at + 1;
    size_t n = strcspn(h, ":/?#");
    static const char suffix[] = ".webhook.office.com";
    size_t sn = sizeof suffix - 1;
    return n > sn && !strncasecmp(h + n - sn, suffix, sn);
}

int nc__build_msteams(nc_delivery *d)
{
    if (require_url(d, "MS Teams webhook")) return FC_EINVAL;
    const nc_event *e = d->event;
    char *obj = nc_event_obj_name(e);
    json_object *p = json_object_new_object();
    if (connector_host(d->cfg->address)) {
        json_object_object_add(p, "@type", jstr("MessageCard"));
        json_object_object_add(p, "@context", jstr("http://schema.org/extensions"));
        json_object_object_add(p, "themeColor", jstr(is_error(e) ? "FF0000" : "0076D7"));
        json_object_object_add(p, "summary", jstr(obj));
        json_object *sec = json_object_new_object();
        json_object_object_add(sec, "activityTitle", jstr(e->message));
        json_object_object_add(sec, "activitySubtitle", jstr(obj));
        json_object *facts = json_object_new_array();
        for (size_t i = 0; i < e->nmeta; i++) {
            json_object *f = json_object_new_object();
            json_object_object_add(f, "name", jstr(e->meta[i].key));
            json_object_object_add(f, "value", jstr(e->meta[i].value));
            json_object_array_add(facts, f);
        }
        json_object_object_add(sec, "facts", facts);
        json_object *secs = json_object_new_array();
        json_object_array_add(secs, sec);
        json_object_object_add(p, "sections", secs);
    } else {
        /* "summary" first, then the rest sorted by key (e->meta is sorted) */
        json_object *facts = json_object_new_array();
        const char *summary = nc_event_meta_get(e, "summary");
        if (summary) {
            json_object *f = json_object_new_object();
            json_object_object_add(f, "title", jstr("summary"));
            json_object_object_add(f, "value", jstr(summary));
            json_object_array_add(facts, f);
        }
        for (size_t i = 0; i < e->nmeta; i++) {
            if (!strcmp(e->meta[i].key, "summary")) continue;
            json_object *f = json_object_new_object();
            json_object_object_add(f, "title", jstr(e->meta[i].key));
            json_object_object_add(f, "value", jstr(e->meta[i].value));
            json_object_array_add(facts, f);
        }
        json_object *items = json_object_new_array();
        json_object_array_add(items, text_block(obj, "large", "bolder", NULL));
        json_object_array_add(items, text_block(e->message, NULL, NULL, is_error(e) ? "attention" : NULL));
        json_object *fs = json_object_new_object();
        json_object_object_add(fs, "type", jstr("FactSet"));
        if (json_object_array_length(facts)) json_object_object_add(fs, "facts", facts);
        else json_object_put(facts);
        json_object_array_add(items, fs);
        json_object *container = json_object_new_object();
        json_object_object_add(container, "type", jstr("Container"));
        json_object_object_add(container, "items", items);
        json_object *body = json_object_new_array();
        json_object_array_add(body, container);
        json_object *content = json_object_new_object();
        json_object_object_add(content, "$schema", jstr("http://adaptivecards.io/schemas/adaptive-card.json"));
        json_object_object_add(content, "type", jstr("AdaptiveCard"));
        json_object_object_add(content, "version", jstr("1.4"));
        json_object_object_add(content, "body", body);
        json_object *ms = json_object_new_object();
        json_object_object_add(ms, "width", jstr("Full"));
        json_object_object_add(content, "msteams", ms);
        json_object *att = json_object_new_object();
        json_object_object_add(att, "contentType", jstr("application/vnd.microsoft.card.adaptive"));
        json_object_object_add(att, "content", content);
        json_object *atts = json_object_new_array();
        json_object_array_add(atts, att);
        json_object_object_add(p, "type", jstr("message"));
        json_object_object_add(p, "attachments", atts);
    }
    free(obj);
    nc__json_request(d, "POST", d->cfg->address, p);
    return 0;
}

/* ----------------------------------------------------------- googlechat */

int nc__build_googlechat(nc_delivery *d)
{
    if (require_url(d, "Google Chat hook")) return FC_EINVAL;
    const nc_event *e = d->event;
    char *obj = nc_event_obj_name(e);
    json_object *header = json_object_new_object();
    json_object_object_add(header, "title", jstr(obj));
    json_object_object_add(header, "subtitle", jstr(e->reporting_controller));
    json_object_object_add(header, "imageUrl", NULL);
    json_object_object_add(header, "imageStyle", NULL);
    free(obj);
    json_object *sections = json_object_new_array();
    fc_buf text;
    fc_buf_init(&text, 0);
    if (is_error(e)) fc_buf_printf(&text, "<font color=\"#ff0000\">%s</font>", e->message);
    else fc_buf_puts(&text, e->message);
    json_object *tp = json_object_new_object();
    json_object_object_add(tp, "text", jstr(text.ptr ? text.ptr : ""));
    fc_buf_dispose(&text);
    json_object *w = json_object_new_object();
    json_object_object_add(w, "textParagraph", tp);
    json_object_object_add(w, "keyValue", NULL);
    json_object *widgets = json_object_new_array();
    json_object_array_add(widgets, w);
    json_object *s1 = json_object_new_object();
    json_object_object_add(s1, "header", jstr(""));
    json_object_object_add(s1, "widgets", widgets);
    json_object_array_add(sections, s1);
    if (e->nmeta) {
        json_object *kvw = json_object_new_array();
        for (size_t i = 0; i < e->nmeta; i++) {
            json_object *kv = json_object_new_object();
            json_object_object_add(kv, "topLabel", jstr(e->meta[i].key));
            json_object_object_add(kv, "content", jstr(e->meta[i].value));
            json_object_object_add(kv, "contentMultiline", json_object_new_boolean(0));
            json_object_object_add(kv, "bottomLabel", NULL);
            json_object_object_add(kv, "icon", NULL);
            json_object *ww = json_object_new_object();
            json_object_object_add(ww, "textParagraph", NULL);
            json_object_object_add(ww, "keyValue", kv);
            json_object_array_add(kvw, ww);
        }
        json_object *s2 = json_object_new_object();
        json_object_object_add(s2, "header", jstr(""));
        json_object_object_add(s2, "widgets", kvw);
        json_object_array_add(sections, s2);
    }
    json_object *card = json_object_new_object();
    json_object_object_add(card, "header", header);
    json_object_object_add(card, "sections", sections);
    json_object *cards = json_object_new_array();
    json_object_array_add(cards, card);
    json_object *p = json_object_new_object();
    json_object_object_add(p, "cards", cards);
    nc__json_request(d, "POST", d->cfg->address, p);
    return 0;
}

/* ---------------------------------------------------------------- webex */

int nc__build_webex(nc_delivery *d)
{
    if (require_url(d, "Webex hook")) return FC_EINVAL;
    const nc_event *e = d->event;
    fc_buf md;
    fc_buf_init(&md, 0);
    char *kind = strdup(e->kind);
    for (char *q = kind; *q; q++) *q = (char)tolower((unsigned char)*q);
    fc_buf_printf(&md, "%s **%s/%s.%s**\n%s\n", is_error(e) ? "\xF0\x9F\x92\xA3" : "\xE2\x9C\x85", kind, e->name, e->ns,
                  e->message);
    free(kind);
    for (size_t i = 0; i < e->nmeta; i++) fc_buf_printf(&md, ">**%s**: %s\n", e->meta[i].key, e->meta[i].value);
    json_object *p = json_object_new_object();
    if (d->cfg->channel && *d->cfg->channel) json_object_object_add(p, "roomId", jstr(d->cfg->channel));
    if (md.len) json_object_object_add(p, "markdown", jstr(md.ptr));
    fc_buf_dispose(&md);
    nc__json_request(d, "POST", d->cfg->address, p);
    char *h = NULL;
    if (asprintf(&h, "Bearer %s", d->cfg->token ? d->cfg->token : "") > 0) nc__header(d, "Authorization", h);
    free(h);
    return 0;
}

/* ------------------------------------------------------------- telegram */

/* Telegram MarkdownV2 requires these characters escaped. */
static void tg_escape(fc_buf *b, const char *s)
{
    static const char special[] = "\\.-_[]()~>`#+=|{}!*";
    for (; *s; s++) {
        if (strchr(special, *s)) fc_buf_putc(b, '\\');
        fc_buf_putc(b, *s);
    }
}

int nc__build_telegram(nc_delivery *d)
{
    const nc_provider_cfg *c = d->cfg;
    const nc_event *e = d->event;
    if (!c->channel || !*c->channel) return fc_err_set(FC_EINVAL, "empty Telegram channel");
    if (!c->token || !*c->token) return fc_err_set(FC_EINVAL, "empty Telegram token");
    const char *base = c->address && *c->address ? c->address : "https://api.telegram.org";
    if (strncmp(base, "http://", 7) && strncmp(base, "https://", 8))
        return fc_err_set(FC_EINVAL, "invalid Telegram API URL: want an http or https URL");
    char *kind = strdup(e->kind);
    for (char *q = kind; *q; q++) *q = (char)tolower((unsigned char)*q);
    fc_buf heading, msg;
    fc_buf_init(&heading, 0);
    fc_buf_init(&msg, 0);
    fc_buf_printf(&heading, "%s %s/%s/%s", is_error(e) ? "\xF0\x9F\x9A\xA8" : "\xF0\x9F\x92\xAB", kind, e->name, e->ns);
    free(kind);
    fc_buf_putc(&msg, '*');
    tg_escape(&msg, heading.ptr);
    fc_buf_puts(&msg, "*\n");
    tg_escape(&msg, e->message);
    fc_buf_putc(&msg, '\n');
    for (size_t i = 0; i < e->nmeta; i++) {
        fc_buf_puts(&msg, "\\- *");
        tg_escape(&msg, e->meta[i].key);
        fc_buf_puts(&msg, "*: ");
        tg_escape(&msg, e->meta[i].value);
        fc_buf_putc(&msg, '\n');
    }
    json_object *p = json_object_new_object();
    const char *colon = strchr(c->channel, ':');
    char *chat = colon ? strndup(c->channel, (size_t)(colon - c->channel)) : strdup(c->channel);
    json_object_object_add(p, "chat_id", jstr(chat));
    free(chat);
    if (colon) json_object_object_add(p, "message_thread_id", jstr(colon + 1));
    json_object_object_add(p, "text", jstr(msg.ptr));
    json_object_object_add(p, "parse_mode", jstr("MarkdownV2"));
    fc_buf url;
    fc_buf_init(&url, 0);
    size_t bl = strlen(base);
    while (bl && base[bl - 1] == '/') bl--;
    fc_buf_printf(&url, "%.*s/bot%s/sendMessage", (int)bl, base, c->token);
    nc__json_request(d, "POST", url.ptr, p);
    fc_buf_dispose(&url);
    fc_buf_dispose(&heading);
    fc_buf_dispose(&msg);
    return 0;
}

/* --------------------------------------------------------------- matrix */

int nc__build_matrix(nc_delivery *d)
{
    if (require_url(d, "Matrix homeserver")) return FC_EINVAL;
    const nc_provider_cfg *c = d->cfg;
    const nc_event *e = d->event;
    char *ev = nc_event_dump(e);
    char txid[41];
    nc__sha1_hex(ev, txid);
    free(ev);
    char *kind = strdup(e->kind);
    for (char *q = kind; *q; q++) *q = (char)tolower((unsigned char)*q);
    fc_buf body;
    fc_buf_init(&body, 0);
    fc_buf_printf(&body, "%s %s/%s.%s\n%s\n", is_error(e) ? "\xF0\x9F\x9A\xA8" : "\xF0\x9F\x92\xAB", kind, e->name, e->ns,
                  e->message);
    free(kind);
    for (size_t i = 0; i < e->nmeta; i++) fc_buf_printf(&body, "- %s: %s\n", e->meta[i].key, e->meta[i].value);
    json_object *p = json_object_new_object();
    json_object_object_add(p, "body", jstr(body.ptr));
    json_object_object_add(p, "msgtype", jstr("m.text"));
    fc_buf_dispose(&body);
    fc_buf url;
    fc_buf_init(&url, 0);
    fc_buf_printf(&url, "%s/_matrix/client/r0/rooms/%s/send/m.room.message/%s", c->address, c->channel ? c->channel : "",
                  txid);
    nc__json_request(d, "PUT", url.ptr, p);
    fc_buf_dispose(&url);
    char *h = NULL;
    if (asprintf(&h, "Bearer %s", c->token ? c->token : "") > 0) nc__header(d, "Authorization", h);
    free(h);
    return 0;
}

/* ----------------------------------------------------------------- lark */

int nc__build_lark(nc_delivery *d)
{
    if (require_url(d, "Lark")) return FC_EINVAL;
    const nc_event *e = d->event;
    fc_buf msg;
    fc_buf_init(&msg, 0);
    fc_buf_printf(&msg, "**%s**\n\n", e->message);
    for (size_t i = 0; i < e->nmeta; i++) fc_buf_printf(&msg, "%s: %s\n", e->meta[i].key, e->meta[i].value);
    char *kind = strdup(e->kind);
    for (char *q = kind; *q; q++) *q = (char)tolower((unsigned char)*q);
    fc_buf title;
    fc_buf_init(&title, 0);
    fc_buf_printf(&title, "%s %s/%s.%s", is_error(e) ? "\xF0\x9F\x9A\xA8" : "\xF0\x9F\x92\xAB", kind, e->name, e->ns);
    free(kind);
    json_object *text = json_object_new_object();
    json_object_object_add(text, "tag", jstr("lark_md"));
    json_object_object_add(text, "content", jstr(msg.ptr));
    json_object *el = json_object_new_object();
    json_object_object_add(el, "tag", jstr("div"));
    json_object_object_add(el, "text", text);
    json_object *els = json_object_new_array();
    json_object_array_add(els, el);
    json_object *cfg = json_object_new_object();
    json_object_object_add(cfg, "wide_screen_mode", json_object_new_boolean(1));
    json_object *t = json_object_new_object();
    json_object_object_add(t, "tag", jstr("plain_text"));
    json_object_object_add(t, "content", jstr(title.ptr));
    json_object *hdr = json_object_new_object();
    json_object_object_add(hdr, "title", t);
    json_object_object_add(hdr, "template", jstr(is_error(e) ? "red" : "turquoise"));
    json_object *card = json_object_new_object();
    json_object_object_add(card, "config", cfg);
    json_object_object_add(card, "header", hdr);
    json_object_object_add(card, "elements", els);
    json_object *p = json_object_new_object();
    json_object_object_add(p, "msg_type", jstr("interactive"));
    json_object_object_add(p, "card", card);
    fc_buf_dispose(&msg);
    fc_buf_dispose(&title);
    nc__json_request(d, "POST", d->cfg->address, p);
    return 0;
}
