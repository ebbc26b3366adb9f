/*
 * parse.c: Go's text/template parser (text/template/parse), ported state for
 * state so that the same inputs give the same trees and the same error
 * messages ("template: NAME:LINE: unexpected ..." with Go's token
 * spelling), plus the template namespace (Go's template "common": a map
 * from names to trees with define/redefine rules) and node printing.
 *
 * Tokens come from the lexer in parse_lex.c; the parser keeps Go's
 * three-token lookahead. Errors unwind with longjmp to ht_parse (Go
 * panics); all nodes live in the render arena. Byte positions are kept per
 * node so the executor can report LINE:COL like Tree.ErrorContext.
 */
#include "parse_int.h"
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --------------------------------------------------------------- parser */

typedef struct tlist {
    ht_tree *t;
    struct tlist *next;
} tlist;

typedef struct {
    ht_ctx *cx;
    lexer *lex;
    ht_tree *tree;      /* tree being built */
    item token[3];
    int peek_count;
    const char **vars;
    uint32_t nvars, capvars;
    int action_line;
    int range_depth;
    int stack_depth;
    tlist *set;         /* trees produced by this parse (Go's treeSet) */
    jmp_buf jb;
    char *err;
} parser;

static ht_node *new_node(parser *p, uint8_t type, uint32_t pos)
{
    ht_node *n = ht_cx_alloc(p->cx, sizeof *n);
    memset(n, 0, sizeof *n);
    n->type = type;
    n->pos = pos;
    n->tree = p->tree;
    return n;
}

__attribute__((noreturn, format(printf, 2, 3))) static void perrorf(parser *p, const char *fmt, ...)
{
    char m[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    char *full = NULL;
    if (asprintf(&full, "template: %s:%d: %s", p->tree->parse_name, p->token[0].line, m) < 0) full = NULL;
    p->err = full;
    longjmp(p->jb, 1);
}

static item pnext(parser *p)
{
    if (p->peek_count > 0) p->peek_count--;
    else p->token[0] = ht_lex_next(p->lex);
    return p->token[p->peek_count];
}

static void pbackup(parser *p) { p->peek_count++; }
static void pbackup2(parser *p, item t1)
{
    p->token[1] = t1;
    p->peek_count = 2;
}
static void pbackup3(parser *p, item t2, item t1)
{
    p->token[1] = t1;
    p->token[2] = t2;
    p->peek_count = 3;
}

static item ppeek(parser *p)
{
    if (p->peek_count > 0) return p->token[p->peek_count - 1];
    p->peek_count = 1;
    p->token[0] = ht_lex_next(p->lex);
    return p->token[0];
}

static item next_non_space(parser *p)
{
    item t;
    do t = pnext(p);
    while (t.typ == I_SPACE);
    return t;
}

static item peek_non_space(parser *p)
{
    item t = next_non_space(p);
    pbackup(p);
    return t;
}

/* Go's item.String() */
static void item_string(item t, char *out, size_t n)
{
    if (t.typ == I_EOF) {
        snprintf(out, n, "EOF");
    } else if (t.typ == I_ERROR) {
        snprintf(out, n, "%.*s", (int)t.len, t.val);
    } else if (t.typ > I_KEYWORD) {
        snprintf(out, n, "<%.*s>", (int)t.len, t.val);
    } else {
        /* %q, or %.10q... when longer than 10 bytes */
        size_t j = 0;
        size_t lim = t.len;
        bool dots = false;
        if (t.len > 10) {
            /* %.10q truncates to 10 runes */
            size_t runes = 0, i = 0;
            while (i < t.len && runes < 10) {
                uint32_t r;
                i += (size_t)fc_utf8_decode(t.val + i, t.len - i, &r);
                runes++;
            }
            lim = i;
            dots = true;
        }
        if (j < n) out[j++] = '"';
        for (size_t i = 0; i < lim && j + 12 < n;) {
            uint32_t r;
            int w = fc_utf8_decode(t.val + i, lim - i, &r);
            if (w == 1 && r == 0xFFFD) {
                j += (size_t)snprintf(out + j, n - j, "\\x%02x", (unsigned char)t.val[i]);
                i++;
                continue;
            }
            i += (size_t)w;
            if (r == '"' || r == '\\') { out[j++] = '\\'; out[j++] = (char)r; }
            else if (r == '\n') { out[j++] = '\\'; out[j++] = 'n'; }
            else if (r == '\t') { out[j++] = '\\'; out[j++] = 't'; }
            else if (r == '\r') { out[j++] = '\\'; out[j++] = 'r'; }
            else if (r < 0x20 || r == 0x7F) j += (size_t)snprintf(out + j, n - j, "\\x%02x", r);
            else if (!fc_u_is_print(r)) j += (size_t)snprintf(out + j, n - j, r < 0x10000 ? "\\u%04x" : "\\U%08x", r);
            else { memcpy(out + j, t.val + i - (size_t)w, (size_t)w); j += (size_t)w; }
        }
        if (j < n) out[j++] = '"';
        if (dots && j + 3 < n) { memcpy(out + j, "...", 3); j += 3; }
        out[j < n ? j : n - 1] = 0;
    }
}

__attribute__((noreturn)) static void unexpected(parser *p, item t, const char *context)
{
    char ts[512];
    item_string(t, ts, sizeof ts);
    if (t.typ == I_ERROR) {
        char extra[256] = "";
        if (p->action_line != 0 && p->action_line != t.line) {
            bool ends_action = t.len >= 7 && memcmp(t.val + t.len - 7, " action", 7) == 0;
            /* Go: " in action started at NAME:LINE", minus " in action" after "... action" */
            snprintf(extra, sizeof extra, "%s started at %s:%d", ends_action ? "" : " in action", p->tree->parse_name,
                     p->action_line);
        }
        perrorf(p, "%s%s", ts, extra);
    }
    perrorf(p, "unexpected %s in %s", ts, context);
}

static item expect(parser *p, itype expected, const char *context)
{
    item t = next_non_space(p);
    if (t.typ != expected) unexpected(p, t, context);
    return t;
}

static item expect_one_of(parser *p, itype e1, itype e2, const char *context)
{
    item t = next_non_space(p);
    if (t.typ != e1 && t.typ != e2) unexpected(p, t, context);
    return t;
}

/* strconv.Unquote for "..." and `...` string tokens and '...' chars */
static bool unquote(parser *p, const char *s, size_t n, const char **out, size_t *outn, uint32_t *rune_out);

static void list_append(parser *p, ht_node *l, ht_node *n)
{
    if (l->u.list.n == l->u.list.cap) {
        uint32_t nc = l->u.list.cap ? l->u.list.cap * 2 : 4;
        ht_node **nv = ht_cx_alloc(p->cx, nc * sizeof *nv);
        if (l->u.list.n) memcpy(nv, l->u.list.v, l->u.list.n * sizeof *nv);
        l->u.list.v = nv;
        l->u.list.cap = nc;
    }
    l->u.list.v[l->u.list.n++] = n;
}

static void cmd_append(parser *p, ht_node *c, ht_node *n)
{
    if (c->u.cmd.n == c->u.cmd.cap) {
        uint32_t nc = c->u.cmd.cap ? c->u.cmd.cap * 2 : 4;
        ht_node **nv = ht_cx_alloc(p->cx, nc * sizeof *nv);
        if (c->u.cmd.n) memcpy(nv, c->u.cmd.args, c->u.cmd.n * sizeof *nv);
        c->u.cmd.args = nv;
        c->u.cmd.cap = nc;
    }
    c->u.cmd.args[c->u.cmd.n++] = n;
}

static void pipe_append(parser *p, ht_node *pi, ht_node *c)
{
    if (pi->u.pipe.ncmds == pi->u.pipe.capc) {
        uint32_t nc = pi->u.pipe.capc ? pi->u.pipe.capc * 2 : 2;
        ht_node **nv = ht_cx_alloc(p->cx, nc * sizeof *nv);
        if (pi->u.pipe.ncmds) memcpy(nv, pi->u.pipe.cmds, pi->u.pipe.ncmds * sizeof *nv);
        pi->u.pipe.cmds = nv;
        pi->u.pipe.capc = nc;
    }
    pi->u.pipe.cmds[pi->u.pipe.ncmds++] = c;
}

static void push_var(parser *p, const char *name)
{
    if (p->nvars == p->capvars) {
        uint32_t nc = p->capvars ? p->capvars * 2 : 8;
        const char **nv = ht_cx_alloc(p->cx, nc * sizeof *nv);
        if (p->nvars) memcpy(nv, p->vars, p->nvars * sizeof *nv);
        p->vars = nv;
        p->capvars = nc;
    }
    p->vars[p->nvars++] = name;
}

static const char *pstr(parser *p, const char *s, size_t n) { return ht_cx_strndup(p->cx, s, n); }

/* split "a.b.c" on dots into an ident array */
static void split_idents(parser *p, const char *s, size_t n, const char ***out, uint32_t *cnt)
{
    uint32_t c = 1;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '.') c++;
    const char **v = ht_cx_alloc(p->cx, c * sizeof *v);
    uint32_t k = 0;
    size_t st = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == '.') {
            v[k++] = pstr(p, s + st, i - st);
            st = i + 1;
        }
    }
    *out = v;
    *cnt = k;
}

static ht_node *new_variable(parser *p, uint32_t pos, const char *s, size_t n)
{
    ht_node *v = new_node(p, N_VARIABLE, pos);
    split_idents(p, s, n, &v->u.field.ident, &v->u.field.n);
    return v;
}

static ht_node *new_field(parser *p, uint32_t pos, const char *s, size_t n)
{
    ht_node *f = new_node(p, N_FIELD, pos);
    split_idents(p, s + 1, n - 1, &f->u.field.ident, &f->u.field.n);
    return f;
}

static ht_node *item_list(parser *p, ht_node **next);
static ht_node *pipeline(parser *p, const char *context, itype end);
static ht_node *text_or_action(parser *p);
static ht_node *command(parser *p);

static ht_node *new_number(parser *p, item t);

static void use_var(parser *p, item t, ht_node **out)
{
    ht_node *v = new_variable(p, t.pos, t.val, t.len);
    const char *name = v->u.field.ident[0];
    for (uint32_t i = 0; i < p->nvars; i++)
        if (strcmp(p->vars[i], name) == 0) {
            *out = v;
            return;
        }
    perrorf(p, "undefined variable \"%s\"", name);
}

static ht_node *term(parser *p)
{
    item t = next_non_space(p);
    switch (t.typ) {
    case I_IDENT: {
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)t.len, t.val);
        const ht_funcdef *fd = ht_func_lookup(name);
        if (!fd) perrorf(p, "function \"%s\" not defined", name);
        ht_node *n = new_node(p, N_IDENT, t.pos);
        n->u.ident.name = fd->name;
        n->u.ident.fn = fd;
        return n;
    }
    case I_DOT: return new_node(p, N_DOT, t.pos);
    case I_NIL: return new_node(p, N_NIL, t.pos);
    case I_VARIABLE: {
        ht_node *v;
        use_var(p, t, &v);
        return v;
    }
    case I_FIELD: return new_field(p, t.pos, t.val, t.len);
    case I_BOOL: {
        ht_node *b = new_node(p, N_BOOL, t.pos);
        b->u.b = t.len == 4;
        return b;
    }
    case I_CHARCONST: case I_COMPLEX: case I_NUMBER: return new_number(p, t);
    case I_LPAREN: {
        if (p->stack_depth >= 10000) perrorf(p, "max expression depth exceeded");
        p->stack_depth++;
        ht_node *r = pipeline(p, "parenthesized pipeline", I_RPAREN);
        p->stack_depth--;
        return r;
    }
    case I_STRING: case I_RAWSTRING: {
        const char *s;
        size_t n;
        if (!unquote(p, t.val, t.len, &s, &n, NULL)) perrorf(p, "invalid syntax");
        ht_node *sn = new_node(p, N_STRING, t.pos);
        sn->u.str.quoted = pstr(p, t.val, t.len);
        sn->u.str.s = s;
        sn->u.str.n = (uint32_t)n;
        return sn;
    }
    default: break;
    }
    pbackup(p);
    return NULL;
}

static ht_node *operand(parser *p)
{
    ht_node *node = term(p);
    if (!node) return NULL;
    if (ppeek(p).typ == I_FIELD) {
        ht_node *chain = new_node(p, N_CHAIN, ppeek(p).pos);
        chain->u.chain.node = node;
        uint32_t cap = 0;
        while (ppeek(p).typ == I_FIELD) {
            item f = pnext(p);
            if (chain->u.chain.n == cap) {
                cap = cap ? cap * 2 : 4;
                const char **nv = ht_cx_alloc(p->cx, cap * sizeof *nv);
                if (chain->u.chain.n) memcpy(nv, chain->u.chain.field, chain->u.chain.n * sizeof *nv);
                chain->u.chain.field = nv;
            }
            chain->u.chain.field[chain->u.chain.n++] = pstr(p, f.val + 1, f.len - 1);
        }
        switch (node->type) {
        case N_FIELD: case N_VARIABLE: {
            /* merge: new node with the chain's string form */
            ht_sb sb;
            ht_sb_init(&sb, p->cx);
            ht_node_string(chain, &sb);
            ht_node *m = node->type == N_FIELD ? new_field(p, chain->pos, sb.p, sb.len)
                                               : new_variable(p, chain->pos, sb.p, sb.len);
            return m;
        }
        case N_BOOL: case N_STRING: case N_NUMBER: case N_NIL: case N_DOT: {
            ht_sb sb;
            ht_sb_init(&sb, p->cx);
            ht_node_string(node, &sb);
            ht_sb q;
            ht_sb_init(&q, p->cx);
            ht_go_quote(sb.p ? sb.p : "", sb.len, &q);
            perrorf(p, "unexpected . after term %.*s", (int)q.len, q.p);
        }
        default: return chain;
        }
    }
    return node;
}

static ht_node *command(parser *p)
{
    ht_node *cmd = new_node(p, N_COMMAND, peek_non_space(p).pos);
    for (;;) {
        peek_non_space(p);
        ht_node *op = operand(p);
        if (op) cmd_append(p, cmd, op);
        item t = pnext(p);
        if (t.typ == I_SPACE) continue;
        if (t.typ == I_RDELIM || t.typ == I_RPAREN) pbackup(p);
        else if (t.typ != I_PIPE) unexpected(p, t, "operand");
        break;
    }
    if (cmd->u.cmd.n == 0) perrorf(p, "empty command");
    return cmd;
}

static void check_pipeline(parser *p, ht_node *pipe, const char *context)
{
    if (pipe->u.pipe.ncmds == 0) perrorf(p, "missing value for %s", context);
    for (uint32_t i = 1; i < pipe->u.pipe.ncmds; i++) {
        uint8_t t = pipe->u.pipe.cmds[i]->u.cmd.args[0]->type;
        if (t == N_BOOL || t == N_DOT || t == N_NIL || t == N_NUMBER || t == N_STRING)
            perrorf(p, "non executable command in pipeline stage %u", i + 1);
    }
}

static ht_node *pipeline(parser *p, const char *context, itype end)
{
    item t = peek_non_space(p);
    ht_node *pipe = new_node(p, N_PIPE, t.pos);
    ht_node *decl[2];
    uint32_t ndecl = 0;
decls:;
    item v = peek_non_space(p);
    if (v.typ == I_VARIABLE) {
        pnext(p);
        item after = ppeek(p);
        item next = peek_non_space(p);
        if (next.typ == I_ASSIGN || next.typ == I_DECLARE) {
            pipe->u.pipe.is_assign = next.typ == I_ASSIGN;
            next_non_space(p);
            ht_node *vn = new_variable(p, v.pos, v.val, v.len);
            if (ndecl < 2) decl[ndecl++] = vn;
            push_var(p, vn->u.field.ident[0]);
        } else if (next.typ == I_CHAR && next.len == 1 && next.val[0] == ',') {
            next_non_space(p);
            ht_node *vn = new_variable(p, v.pos, v.val, v.len);
            if (ndecl < 2) decl[ndecl++] = vn;
            push_var(p, vn->u.field.ident[0]);
            if (strcmp(context, "range") == 0 && ndecl < 2) {
                itype pt = peek_non_space(p).typ;
                if (pt == I_VARIABLE || pt == I_RDELIM || pt == I_RPAREN) goto decls;
                perrorf(p, "range can only initialize variables");
            }
            perrorf(p, "too many declarations in %s", context);
        } else if (after.typ == I_SPACE) {
            pbackup3(p, v, after);
        } else {
            pbackup2(p, v);
        }
    }
    if (ndecl) {
        pipe->u.pipe.decl = ht_cx_alloc(p->cx, ndecl * sizeof(ht_node *));
        memcpy(pipe->u.pipe.decl, decl, ndecl * sizeof(ht_node *));
        pipe->u.pipe.ndecl = ndecl;
    }
    for (;;) {
        item tk = next_non_space(p);
        if (tk.typ == end) {
            check_pipeline(p, pipe, context);
            return pipe;
        }
        switch (tk.typ) {
        case I_BOOL: case I_CHARCONST: case I_COMPLEX: case I_DOT: case I_FIELD: case I_IDENT:
        case I_NUMBER: case I_NIL: case I_RAWSTRING: case I_STRING: case I_VARIABLE: case I_LPAREN:
            pbackup(p);
            pipe_append(p, pipe, command(p));
            break;
        default: unexpected(p, tk, context);
        }
    }
}

static ht_node *if_control(parser *p);
static ht_node *with_control(parser *p);

static ht_node *parse_control(parser *p, const char *context, uint8_t type)
{
    uint32_t mark = p->nvars;
    ht_node *pipe = pipeline(p, context, I_RDELIM);
    bool is_range = strcmp(context, "range") == 0;
    if (is_range) p->range_depth++;
    ht_node *next;
    ht_node *list = item_list(p, &next);
    if (is_range) p->range_depth--;
    ht_node *else_list = NULL;
    if (next->type == N_ELSE) {
        if (strcmp(context, "if") == 0 && ppeek(p).typ == I_IF) {
            pnext(p);
            else_list = new_node(p, N_LIST, next->pos);
            list_append(p, else_list, if_control(p));
        } else if (strcmp(context, "with") == 0 && ppeek(p).typ == I_WITH) {
            pnext(p);
            else_list = new_node(p, N_LIST, next->pos);
            list_append(p, else_list, with_control(p));
        } else {
            else_list = item_list(p, &next);
            if (next->type != N_END) perrorf(p, "expected end; found %s", next->type == N_ELSE ? "{{else}}" : "{{end}}");
        }
    }
    p->nvars = mark;
    ht_node *n = new_node(p, type, pipe->pos);
    n->u.branch.pipe = pipe;
    n->u.branch.list = list;
    n->u.branch.else_list = else_list;
    return n;
}

static ht_node *if_control(parser *p) { return parse_control(p, "if", N_IF); }
static ht_node *with_control(parser *p) { return parse_control(p, "with", N_WITH); }

static const char *template_name(parser *p, item t, const char *context)
{
    if (t.typ != I_STRING && t.typ != I_RAWSTRING) unexpected(p, t, context);
    const char *s;
    size_t n;
    if (!unquote(p, t.val, t.len, &s, &n, NULL)) perrorf(p, "invalid syntax");
    return s;
}

static void tree_add(parser *p, ht_tree *t);

static ht_node *action(parser *p)
{
    item t = next_non_space(p);
    switch (t.typ) {
    case I_BLOCK: {
        const char *ctx = "block clause";
        item nt = next_non_space(p);
        const char *name = template_name(p, nt, ctx);
        ht_node *pipe = pipeline(p, ctx, I_RDELIM);
        ht_tree *block = ht_cx_alloc(p->cx, sizeof *block);
        memset(block, 0, sizeof *block);
        block->name = name;
        block->parse_name = p->tree->parse_name;
        block->text = p->tree->text;
        block->text_len = p->tree->text_len;
        ht_tree *saved = p->tree;
        const char **svars = p->vars;
        uint32_t snv = p->nvars, scap = p->capvars;
        p->tree = block;
        p->vars = NULL;
        p->nvars = p->capvars = 0;
        push_var(p, "$");
        ht_node *end;
        block->root = item_list(p, &end);
        if (end->type != N_END) {
            p->tree = saved;
            perrorf(p, "unexpected {{else}} in %s", ctx);
        }
        tree_add(p, block);
        p->tree = saved;
        p->vars = svars;
        p->nvars = snv;
        p->capvars = scap;
        ht_node *tn = new_node(p, N_TEMPLATE, nt.pos);
        tn->u.tmpl.name = name;
        tn->u.tmpl.pipe = pipe;
        return tn;
    }
    case I_BREAK: case I_CONTINUE: {
        const char *what = t.typ == I_BREAK ? "{{break}}" : "{{continue}}";
        item nt = next_non_space(p);
        if (nt.typ != I_RDELIM) unexpected(p, nt, what);
        if (p->range_depth == 0) perrorf(p, "%s outside {{range}}", what);
        return new_node(p, t.typ == I_BREAK ? N_BREAK : N_CONTINUE, t.pos);
    }
    case I_ELSE: {
        item pk = peek_non_space(p);
        if (pk.typ == I_IF || pk.typ == I_WITH) return new_node(p, N_ELSE, pk.pos);
        item e = expect(p, I_RDELIM, "else");
        return new_node(p, N_ELSE, e.pos);
    }
    case I_END: {
        item e = expect(p, I_RDELIM, "end");
        return new_node(p, N_END, e.pos);
    }
    case I_IF: return if_control(p);
    case I_RANGE: return parse_control(p, "range", N_RANGE);
    case I_WITH: return with_control(p);
    case I_TEMPLATE: {
        const char *ctx = "template clause";
        item nt = next_non_space(p);
        const char *name = template_name(p, nt, ctx);
        ht_node *pipe = NULL;
        if (next_non_space(p).typ != I_RDELIM) {
            pbackup(p);
            pipe = pipeline(p, ctx, I_RDELIM);
        }
        ht_node *tn = new_node(p, N_TEMPLATE, nt.pos);
        tn->u.tmpl.name = name;
        tn->u.tmpl.pipe = pipe;
        return tn;
    }
    default: break;
    }
    pbackup(p);
    item tk = ppeek(p);
    ht_node *a = new_node(p, N_ACTION, tk.pos);
    a->u.action.pipe = pipeline(p, "command", I_RDELIM);
    return a;
}

static ht_node *text_or_action(parser *p)
{
    item t = next_non_space(p);
    switch (t.typ) {
    case I_TEXT: {
        ht_node *n = new_node(p, N_TEXT, t.pos);
        n->u.text.s = t.val; /* points into the arena copy of the source */
        n->u.text.n = (uint32_t)t.len;
        return n;
    }
    case I_LDELIM: {
        int saved = p->action_line;
        p->action_line = t.line;
        ht_node *a = action(p);
        p->action_line = 0;
        (void)saved;
        return a;
    }
    case I_COMMENT: {
        ht_node *n = new_node(p, N_COMMENT, t.pos);
        n->u.text.s = t.val;
        n->u.text.n = (uint32_t)t.len;
        return n;
    }
    default: unexpected(p, t, "input");
    }
}

static ht_node *item_list(parser *p, ht_node **next)
{
    ht_node *list = new_node(p, N_LIST, peek_non_space(p).pos);
    while (peek_non_space(p).typ != I_EOF) {
        ht_node *n = text_or_action(p);
        if (n->type == N_END || n->type == N_ELSE) {
            *next = n;
            return list;
        }
        list_append(p, list, n);
    }
    perrorf(p, "unexpected EOF");
}

bool ht_tree_is_empty(ht_node *n)
{
    if (!n) return true;
    switch (n->type) {
    case N_COMMENT: return true;
    case N_LIST:
        for (uint32_t i = 0; i < n->u.list.n; i++)
            if (!ht_tree_is_empty(n->u.list.v[i])) return false;
        return true;
    case N_TEXT:
        for (uint32_t i = 0; i < n->u.text.n; i++) {
            unsigned char c = (unsigned char)n->u.text.s[i];
            if (!(c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' || c == 0x85 || c == 0xA0))
                return false;
        }
        return true;
    default: return false;
    }
}

static void tree_add(parser *p, ht_tree *t)
{
    for (tlist *e = p->set; e; e = e->next) {
        if (strcmp(e->t->name, t->name) == 0) {
            if (ht_tree_is_empty(e->t->root)) {
                e->t = t;
                return;
            }
            if (!ht_tree_is_empty(t->root)) perrorf(p, "template: multiple definition of template \"%s\"", t->name);
            return;
        }
    }
    tlist *e = ht_cx_alloc(p->cx, sizeof *e);
    e->t = t;
    e->next = p->set;
    p->set = e;
}

static void parse_definition(parser *p)
{
    const char *ctx = "define clause";
    item name = expect_one_of(p, I_STRING, I_RAWSTRING, ctx);
    const char *s;
    size_t n;
    ht_tree *t = ht_cx_alloc(p->cx, sizeof *t);
    memset(t, 0, sizeof *t);
    t->parse_name = p->tree->parse_name;
    t->text = p->tree->text;
    t->text_len = p->tree->text_len;
    t->name = "definition";
    ht_tree *saved = p->tree;
    const char **svars = p->vars;
    uint32_t snv = p->nvars, scap = p->capvars;
    p->tree = t;
    p->vars = NULL;
    p->nvars = p->capvars = 0;
    push_var(p, "$");
    if (!unquote(p, name.val, name.len, &s, &n, NULL)) perrorf(p, "invalid syntax");
    t->name = s;
    expect(p, I_RDELIM, ctx);
    ht_node *end;
    t->root = item_list(p, &end);
    if (end->type != N_END) perrorf(p, "unexpected {{else}} in %s", ctx);
    tree_add(p, t);
    p->tree = saved;
    p->vars = svars;
    p->nvars = snv;
    p->capvars = scap;
}

static void parse_top(parser *p)
{
    p->tree->root = new_node(p, N_LIST, ppeek(p).pos);
    while (ppeek(p).typ != I_EOF) {
        if (ppeek(p).typ == I_LDELIM) {
            item delim = pnext(p);
            if (next_non_space(p).typ == I_DEFINE) {
                parse_definition(p);
                continue;
            }
            pbackup2(p, delim);
        }
        ht_node *n = text_or_action(p);
        if (n->type == N_END || n->type == N_ELSE)
            perrorf(p, "unexpected %s", n->type == N_END ? "{{end}}" : "{{else}}");
        list_append(p, p->tree->root, n);
    }
}

/* ------------------------------------------------------------ unquote */

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static bool unquote(parser *p, const char *s, size_t n, const char **out, size_t *outn, uint32_t *rune_out)
{
    if (n < 2) return false;
    char q = s[0];
    if (q != s[n - 1]) return false;
    const char *b = s + 1;
    size_t bn = n - 2;
    if (q == '`') {
        if (memchr(b, '`', bn)) return false;
        /* carriage returns are stripped from raw strings */
        char *o = ht_cx_alloc(p->cx, bn + 1);
        size_t j = 0;
        for (size_t i = 0; i < bn; i++)
            if (b[i] != '\r') o[j++] = b[i];
        o[j] = 0;
        *out = o;
        *outn = j;
        return true;
    }
    if (q != '"' && q != '\'') return false;
    ht_sb sb;
    ht_sb_init(&sb, p->cx);
    size_t runes = 0;
    for (size_t i = 0; i < bn;) {
        unsigned char c = (unsigned char)b[i];
        if (c == (unsigned char)q && q == '\'') return false;
        if (c == '\n') return false;
        if (c != '\\') {
            uint32_t r;
            int w = fc_utf8_decode(b + i, bn - i, &r);
            ht_sb_put(&sb, b + i, (size_t)w);
            i += (size_t)w;
            runes++;
            if (rune_out) *rune_out = r;
            continue;
        }
        if (i + 1 >= bn) return false;
        char e = b[i + 1];
        i += 2;
        uint32_t r = 0;
        switch (e) {
        case 'a': r = 7; break;
        case 'b': r = 8; break;
        case 'f': r = 12; break;
        case 'n': r = 10; break;
        case 'r': r = 13; break;
        case 't': r = 9; break;
        case 'v': r = 11; break;
        case '\\': r = '\\'; break;
        case '\'': if (q != '\'') return false; r = '\''; break;
        case '"': if (q != '"') return false; r = '"'; break;
        case 'x': case 'u': case 'U': {
            int nd = e == 'x' ? 2 : e == 'u' ? 4 : 8;
            if (i + (size_t)nd > bn) return false;
            for (int k = 0; k < nd; k++) {
                int h = hexval(b[i + (size_t)k]);
                if (h < 0) return false;
                r = r * 16 + (uint32_t)h;
            }
            i += (size_t)nd;
            if (e == 'x') {
                if (q == '\'') { if (rune_out) *rune_out = r; }
                ht_sb_putc(&sb, (char)r);
                runes++;
                continue;
            }
            if (r > 0x10FFFF || (r >= 0xD800 && r < 0xE000)) return false;
            break;
        }
        case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
            if (i + 2 > bn) return false;
            r = (uint32_t)(e - '0');
            for (int k = 0; k < 2; k++) {
                char d = b[i + (size_t)k];
                if (d < '0' || d > '7') return false;
                r = r * 8 + (uint32_t)(d - '0');
            }
            i += 2;
            if (r > 255) return false;
            ht_sb_putc(&sb, (char)r);
            runes++;
            if (rune_out) *rune_out = r;
            continue;
        }
        default: return false;
        }
        ht_sb_rune(&sb, r);
        runes++;
        if (rune_out) *rune_out = r;
    }
    if (q == '\'' && runes != 1) return false;
    ht_val v = ht_sb_val(&sb);
    *out = v.v.s;
    *outn = v.n;
    return true;
}

/* -------------------------------------------------------------- numbers */

static ht_node *new_number(parser *p, item t)
{
    bool ht_parse_int(const char *s, size_t n, int base, int64_t *out);
    bool ht_parse_float(const char *s, size_t n, double *out);
    ht_node *n = new_node(p, N_NUMBER, t.pos);
    const char *text = pstr(p, t.val, t.len);
    n->u.num.text = text;
    size_t len = t.len;
    if (t.typ == I_CHARCONST) {
        const char *s;
        size_t sn;
        uint32_t r = 0;
        if (!unquote(p, text, len, &s, &sn, &r)) perrorf(p, "invalid syntax");
        n->u.num.i = r;
        n->u.num.is_int = true;
        n->u.num.u = r;
        n->u.num.is_uint = true;
        n->u.num.f = r;
        n->u.num.is_float = true;
        return n;
    }
    if (t.typ == I_COMPLEX) {
        /* complex constants are accepted but templates have no use for them */
        n->u.num.is_complex = true;
        perrorf(p, "complex constants are not supported: %s", text);
    }
    if (len > 0 && text[len - 1] == 'i') {
        double f;
        if (ht_parse_float(text, len - 1, &f)) {
            n->u.num.is_complex = true;
            if (f == 0) {
                n->u.num.is_float = n->u.num.is_int = n->u.num.is_uint = true;
                return n;
            }
            perrorf(p, "complex constants are not supported: %s", text);
        }
    }
    /* ParseUint / ParseInt with base 0 */
    int64_t iv;
    bool neg = text[0] == '-';
    if (ht_parse_int(text, len, 0, &iv)) {
        n->u.num.is_int = true;
        n->u.num.i = iv;
        if (!neg && text[0] != '+') {
            n->u.num.is_uint = true;
            n->u.num.u = (uint64_t)iv;
        }
        if (iv == 0) {
            n->u.num.is_uint = true;
            n->u.num.u = 0;
        }
    } else if (!neg && text[0] != '+') {
        /* maybe a uint64 beyond int64 */
        const char *s = text;
        int base = 10;
        size_t k = 0;
        if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) { base = 16; k = 2; }
        else if (len > 2 && s[0] == '0' && (s[1] == 'b' || s[1] == 'B')) { base = 2; k = 2; }
        else if (len > 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'O')) { base = 8; k = 2; }
        else if (len > 1 && s[0] == '0') { base = 8; k = 1; }
        uint64_t acc = 0;
        bool ok = k < len;
        for (; k < len && ok; k++) {
            if (s[k] == '_') continue;
            int d = hexval(s[k]);
            if (d < 0 || d >= base || acc > (UINT64_MAX - (uint64_t)d) / (uint64_t)base) ok = false;
            else acc = acc * (uint64_t)base + (uint64_t)d;
        }
        if (ok) {
            n->u.num.is_uint = true;
            n->u.num.u = acc;
        }
    }
    if (n->u.num.is_int) {
        n->u.num.is_float = true;
        n->u.num.f = (double)n->u.num.i;
    } else if (n->u.num.is_uint) {
        n->u.num.is_float = true;
        n->u.num.f = (double)n->u.num.u;
    } else {
        double f;
        if (ht_parse_float(text, len, &f)) {
            if (!strpbrk(text, ".eEpP")) perrorf(p, "integer overflow: \"%s\"", text);
            n->u.num.is_float = true;
            n->u.num.f = f;
            if (!n->u.num.is_int && !isnan(f) && f >= -9223372036854775808.0 && f < 9223372036854775808.0 &&
                (double)(int64_t)f == f) {
                n->u.num.is_int = true;
                n->u.num.i = (int64_t)f;
            }
            if (!n->u.num.is_uint && f >= 0 && f < 18446744073709551616.0 && (double)(uint64_t)f == f) {
                n->u.num.is_uint = true;
                n->u.num.u = (uint64_t)f;
            }
        }
    }
    if (!n->u.num.is_int && !n->u.num.is_uint && !n->u.num.is_float)
        perrorf(p, "illegal number syntax: \"%s\"", text);
    return n;
}

/* ----------------------------------------------------------- namespace */

typedef struct tslot {
    const char *name;
    ht_tree *tree;
} tslot;

struct ht_tset {
    ht_tset *parent;
    tslot *slots;
    uint32_t n, cap; /* cap: power of two */
};

ht_tset *ht_tset_new(ht_ctx *cx, ht_tset *parent)
{
    ht_tset *ts = ht_cx_alloc(cx, sizeof *ts);
    memset(ts, 0, sizeof *ts);
    ts->parent = parent;
    return ts;
}

static uint32_t name_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 16777619u;
    }
    return h;
}

static tslot *tset_slot(ht_tset *ts, const char *name)
{
    if (!ts->cap) return NULL;
    uint32_t mask = ts->cap - 1;
    for (uint32_t i = name_hash(name) & mask;; i = (i + 1) & mask) {
        if (!ts->slots[i].name) return &ts->slots[i];
        if (strcmp(ts->slots[i].name, name) == 0) return &ts->slots[i];
    }
}

ht_tree *ht_tset_lookup(ht_tset *ts, const char *name)
{
    for (; ts; ts = ts->parent) {
        tslot *s = tset_slot(ts, name);
        if (s && s->name) return s->tree;
    }
    return NULL;
}

static void tset_put(ht_ctx *cx, ht_tset *ts, const char *name, ht_tree *t)
{
    if ((ts->n + 1) * 2 > ts->cap) {
        uint32_t nc = ts->cap ? ts->cap * 2 : 64;
        tslot *old = ts->slots;
        uint32_t oc = ts->cap;
        ts->slots = ht_cx_alloc(cx, nc * sizeof(tslot));
        memset(ts->slots, 0, nc * sizeof(tslot));
        ts->cap = nc;
        for (uint32_t i = 0; i < oc; i++)
            if (old[i].name) *tset_slot(ts, old[i].name) = old[i];
    }
    tslot *s = tset_slot(ts, name);
    if (!s->name) {
        s->name = name;
        ts->n++;
    }
    s->tree = t;
}

/* Go's (*Template).associate: an empty tree never replaces a real one */
static void tset_associate(ht_ctx *cx, ht_tset *ts, ht_tree *t)
{
    ht_tree *old = ht_tset_lookup(ts, t->name);
    if (old && ht_tree_is_empty(t->root) && old->root) return;
    tset_put(cx, ts, t->name, t);
}

int ht_parse(ht_ctx *cx, ht_tset *ts, const char *name, const char *text, size_t len)
{
    lexer *l = ht_cx_alloc(cx, sizeof *l);
    memset(l, 0, sizeof *l);
    /* the source lives in the arena: text nodes point into it */
    const char *src = ht_cx_strndup(cx, text, len);
    l->input = src;
    l->len = len;
    l->line = l->start_line = 1;
    parser *p = ht_cx_alloc(cx, sizeof *p);
    memset(p, 0, sizeof *p);
    p->cx = cx;
    p->lex = l;
    ht_tree *t = ht_cx_alloc(cx, sizeof *t);
    memset(t, 0, sizeof *t);
    t->name = ht_cx_strndup(cx, name, strlen(name));
    t->parse_name = t->name;
    t->text = src;
    t->text_len = len;
    p->tree = t;
    push_var(p, "$");
    if (setjmp(p->jb)) {
        ht_errf(cx, "%s", p->err ? p->err : "template: parse error");
        free(p->err);
        return -1;
    }
    parse_top(p);
    p->tree = t;
    tree_add(p, t);
    for (tlist *e = p->set; e; e = e->next) tset_associate(cx, ts, e->t);
    return 0;
}

/* ------------------------------------------------------ node printing */

static void node_write(ht_node *n, ht_sb *sb)
{
    switch (n->type) {
    case N_TEXT: ht_sb_put(sb, n->u.text.s, n->u.text.n); break;
    case N_COMMENT:
        ht_sb_puts(sb, "{{");
        ht_sb_put(sb, n->u.text.s, n->u.text.n);
        ht_sb_puts(sb, "}}");
        break;
    case N_LIST:
        for (uint32_t i = 0; i < n->u.list.n; i++) node_write(n->u.list.v[i], sb);
        break;
    case N_ACTION:
        ht_sb_puts(sb, "{{");
        node_write(n->u.action.pipe, sb);
        ht_sb_puts(sb, "}}");
        break;
    case N_PIPE:
        if (n->u.pipe.ndecl) {
            for (uint32_t i = 0; i < n->u.pipe.ndecl; i++) {
                if (i) ht_sb_puts(sb, ", ");
                node_write(n->u.pipe.decl[i], sb);
            }
            ht_sb_puts(sb, n->u.pipe.is_assign ? " = " : " := ");
        }
        for (uint32_t i = 0; i < n->u.pipe.ncmds; i++) {
            if (i) ht_sb_puts(sb, " | ");
            node_write(n->u.pipe.cmds[i], sb);
        }
        break;
    case N_COMMAND:
        for (uint32_t i = 0; i < n->u.cmd.n; i++) {
            if (i) ht_sb_putc(sb, ' ');
            ht_node *a = n->u.cmd.args[i];
            if (a->type == N_PIPE) {
                ht_sb_putc(sb, '(');
                node_write(a, sb);
                ht_sb_putc(sb, ')');
            } else {
                node_write(a, sb);
            }
        }
        break;
    case N_IDENT: ht_sb_puts(sb, n->u.ident.name); break;
    case N_VARIABLE:
        for (uint32_t i = 0; i < n->u.field.n; i++) {
            if (i) ht_sb_putc(sb, '.');
            ht_sb_puts(sb, n->u.field.ident[i]);
        }
        break;
    case N_FIELD:
        for (uint32_t i = 0; i < n->u.field.n; i++) {
            ht_sb_putc(sb, '.');
            ht_sb_puts(sb, n->u.field.ident[i]);
        }
        break;
    case N_CHAIN:
        if (n->u.chain.node->type == N_PIPE) {
            ht_sb_putc(sb, '(');
            node_write(n->u.chain.node, sb);
            ht_sb_putc(sb, ')');
        } else {
            node_write(n->u.chain.node, sb);
        }
        for (uint32_t i = 0; i < n->u.chain.n; i++) {
            ht_sb_putc(sb, '.');
            ht_sb_puts(sb, n->u.chain.field[i]);
        }
        break;
    case N_DOT: ht_sb_putc(sb, '.'); break;
    case N_NIL: ht_sb_puts(sb, "nil"); break;
    case N_BOOL: ht_sb_puts(sb, n->u.b ? "true" : "false"); break;
    case N_NUMBER: ht_sb_puts(sb, n->u.num.text); break;
    case N_STRING: ht_sb_puts(sb, n->u.str.quoted); break;
    case N_END: ht_sb_puts(sb, "{{end}}"); break;
    case N_ELSE: ht_sb_puts(sb, "{{else}}"); break;
    case N_IF: case N_RANGE: case N_WITH:
        ht_sb_puts(sb, n->type == N_IF ? "{{if " : n->type == N_RANGE ? "{{range " : "{{with ");
        node_write(n->u.branch.pipe, sb);
        ht_sb_puts(sb, "}}");
        node_write(n->u.branch.list, sb);
        if (n->u.branch.else_list) {
            ht_sb_puts(sb, "{{else}}");
            node_write(n->u.branch.else_list, sb);
        }
        ht_sb_puts(sb, "{{end}}");
        break;
    case N_TEMPLATE:
        ht_sb_puts(sb, "{{template ");
        ht_go_quote(n->u.tmpl.name, strlen(n->u.tmpl.name), sb);
        if (n->u.tmpl.pipe) {
            ht_sb_putc(sb, ' ');
            node_write(n->u.tmpl.pipe, sb);
        }
        ht_sb_puts(sb, "}}");
        break;
    case N_BREAK: ht_sb_puts(sb, "{{break}}"); break;
    case N_CONTINUE: ht_sb_puts(sb, "{{continue}}"); break;
    }
}

void ht_node_string(ht_node *n, ht_sb *out) { node_write(n, out); }

void ht_node_location(ht_node *n, ht_sb *out)
{
    ht_tree *t = n->tree;
    size_t pos = n->pos;
    if (pos > t->text_len) pos = t->text_len;
    size_t line = 1, last_nl = (size_t)-1;
    for (size_t i = 0; i < pos; i++)
        if (t->text[i] == '\n') {
            line++;
            last_nl = i;
        }
    size_t col = last_nl == (size_t)-1 ? pos : pos - (last_nl + 1);
    ht_sb_printf(out, "%s:%zu:%zu", t->parse_name, line, col);
}
