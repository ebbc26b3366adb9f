/*
 * exec.c: Go's text/template executor (text/template/exec.go) over ht_val.
 *
 * The walk mirrors Go's: pipelines thread the previous command's value in
 * as the final argument, fields are looked up method-first then by field or
 * map key, functions get their arguments converted per their declared Go
 * parameter types (the source of "wrong type for value; expected string;
 * got float64" and "invalid value; expected string"), and variables live on
 * one stack with marks. Values that Go would hold in an interface{}-typed
 * reflect.Value (map elements, list elements, interface{} results) carry
 * HT_FL_IFACE so nil lookups report "nil pointer evaluating interface {}.x"
 * exactly as Helm users know it.
 *
 * Errors: Go panics with an ExecError; here exec_errorf formats the same
 * "template: NAME:LINE:COL: executing \"NAME\" at <NODE>: MSG" text, records
 * the Unwrap chain in the context (for Helm's error rewriting) and longjmps
 * to the ht_exec that started this execution. break/continue are return
 * codes of walk().
 */
#include "ht_internal.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_EXEC_DEPTH 100000

typedef struct var {
    const char *name;
    ht_val val;
} var;

typedef struct state {
    ht_ctx *cx;
    ht_tree *tmpl;
    ht_sb *wr;
    ht_node *node;
    var *vars;
    uint32_t nvars, capvars;
    jmp_buf *jb;
} state;

/* walk results; W_ERR: an error set without longjmp (the depth limit, which
 * is hit with a very deep stack: it unwinds by returning) */
enum { W_OK = 0, W_BREAK, W_CONTINUE, W_ERR };

/* ------------------------------------------------------------- errors */

static void double_percent(const char *s, size_t n, ht_sb *out)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') ht_sb_putc(out, '%');
        ht_sb_putc(out, s[i]);
    }
}

/* the executor's error: Go builds the format string with the location and
 * then formats it; we format the message first and splice it in. */
static void exec_error_set(state *s, bool wrap, const char *msg)
{
    ht_sb sb;
    ht_sb_init(&sb, s->cx);
    sb.max = (size_t)1 << 30;
    if (!s->node) {
        ht_sb_printf(&sb, "template: %s: %s", s->tmpl->name, msg);
    } else {
        ht_sb_puts(&sb, "template: ");
        ht_node_location(s->node, &sb);
        ht_sb_puts(&sb, ": executing ");
        ht_go_quote(s->tmpl->name, strlen(s->tmpl->name), &sb);
        ht_sb_puts(&sb, " at <");
        ht_sb ctx;
        ht_sb_init(&ctx, s->cx);
        ctx.max = (size_t)1 << 30;
        ht_node_string(s->node, &ctx);
        /* Go passes the context through doublePercent and then Errorf, which
         * turns %% back into %: the net effect is the plain text */
        ht_sb_put(&sb, ctx.p ? ctx.p : "", ctx.len);
        ht_sb_puts(&sb, ">: ");
        ht_sb_puts(&sb, msg);
    }
    (void)double_percent;
    char *m = strndup(sb.p ? sb.p : "", sb.len);
    ht_err_set_chain(s->cx, m, true, wrap);
}

__attribute__((noreturn)) static void exec_fail(state *s, bool wrap, const char *msg)
{
    exec_error_set(s, wrap, msg);
    longjmp(*s->jb, 1);
}

__attribute__((noreturn, format(printf, 2, 3))) static void errorf(state *s, const char *fmt, ...)
{
    char m[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    exec_fail(s, false, m);
}

static const char *node_str(state *s, ht_node *n)
{
    ht_sb sb;
    ht_sb_init(&sb, s->cx);
    ht_node_string(n, &sb);
    return ht_sb_val(&sb).v.s;
}

static const char *val_str(state *s, ht_val v)
{
    ht_sb sb;
    ht_sb_init(&sb, s->cx);
    ht_fmt_value(v, &sb);
    return ht_sb_val(&sb).v.s;
}

/* the Go type name as reflect reports it for this reflect.Value */
static const char *vtype(ht_val v)
{
    if (v.fl & HT_FL_IFACE) return "interface {}";
    return ht_type_name(v);
}

static const char *ptype_name(uint8_t p)
{
    switch (p) {
    case P_STRING: return "string";
    case P_INT: return "int";
    case P_INT64: return "int64";
    case P_FLOAT64: return "float64";
    case P_BOOL: return "bool";
    case P_LIST: return "[]interface {}";
    case P_MAP: return "map[string]interface {}";
    case P_TIME: return "time.Time";
    case P_UINT64: return "uint64";
    case P_SEMVER: return "*semver.Version";
    case P_DURATION: return "time.Duration";
    case P_STRLIST: return "[]string";
    case P_UINT32: return "uint32";
    case P_CERT: return "sprig.certificate";
    default: return "interface {}";
    }
}

/* ------------------------------------------------------------ variables */

static void push(state *s, const char *name, ht_val v)
{
    if (s->nvars == s->capvars) {
        uint32_t nc = s->capvars ? s->capvars * 2 : 8;
        var *nv = ht_cx_alloc(s->cx, nc * sizeof *nv);
        if (s->nvars) memcpy(nv, s->vars, s->nvars * sizeof *nv);
        s->vars = nv;
        s->capvars = nc;
    }
    s->vars[s->nvars].name = name;
    s->vars[s->nvars].val = v;
    s->nvars++;
}

static void set_var(state *s, const char *name, ht_val v)
{
    for (uint32_t i = s->nvars; i-- > 0;)
        if (strcmp(s->vars[i].name, name) == 0) {
            s->vars[i].val = v;
            return;
        }
    errorf(s, "undefined variable: %s", name);
}

static ht_val var_value(state *s, const char *name)
{
    for (uint32_t i = s->nvars; i-- > 0;)
        if (strcmp(s->vars[i].name, name) == 0) return s->vars[i].val;
    errorf(s, "undefined variable: %s", name);
}

/* ------------------------------------------------------------ evaluation */

static ht_val eval_pipeline(state *s, ht_val dot, ht_node *pipe);
static ht_val eval_command(state *s, ht_val dot, ht_node *cmd, ht_val final, bool has_final);
static ht_val eval_arg(state *s, ht_val dot, uint8_t ptype, ht_node *n);
static ht_val eval_field_chain(state *s, ht_val dot, ht_val receiver, ht_node *node, const char **ident, uint32_t n,
                               ht_node **args, uint32_t nargs, ht_val final, bool has_final);
static ht_val eval_call(state *s, ht_val dot, const ht_funcdef *fn, bool is_method, ht_val recv, ht_node *node,
                        const char *name, ht_node **args, uint32_t nargs, ht_val final, bool has_final);
static int walk(state *s, ht_val dot, ht_node *node);

static void not_a_function(state *s, ht_node **args, uint32_t nargs, bool has_final)
{
    if (nargs > 1 || has_final) errorf(s, "can't give argument to non-function %s", node_str(s, args[0]));
}

static bool can_be_nil(uint8_t p) { return p == P_ANY || p == P_LIST || p == P_MAP || p == P_SEMVER || p == P_STRLIST; }

static ht_val zero_of(uint8_t p)
{
    ht_val v = ht_nil();
    switch (p) {
    case P_LIST: v.k = HT_LIST; v.sub = HT_L_ANY; break;
    case P_STRLIST: v.k = HT_LIST; v.sub = HT_L_STRING; break;
    case P_MAP: v.k = HT_MAP; v.sub = HT_M_ANY; break;
    default: break;
    }
    return v;
}

static bool assignable(ht_val v, uint8_t p)
{
    switch (p) {
    case P_ANY: return true;
    case P_STRING: return v.k == HT_STRING;
    case P_INT: return v.k == HT_INT;
    case P_INT64: return v.k == HT_INT64;
    case P_FLOAT64: return v.k == HT_FLOAT64;
    case P_BOOL: return v.k == HT_BOOL;
    case P_LIST: return v.k == HT_LIST && v.sub == HT_L_ANY;
    case P_STRLIST: return v.k == HT_LIST && v.sub == HT_L_STRING;
    case P_MAP: return v.k == HT_MAP && (v.sub == HT_M_ANY || v.sub == HT_M_VALUES);
    case P_TIME: return v.k == HT_TIME;
    case P_UINT64: return v.k == HT_UINT64;
    case P_DURATION: return v.k == HT_DURATION;
    case P_SEMVER: return v.k == HT_OBJ && strcmp(v.v.o->cls->type_name, "*semver.Version") == 0;
    case P_CERT: return v.k == HT_OBJ && strcmp(v.v.o->cls->type_name, "sprig.certificate") == 0;
    case P_UINT32: return false;
    }
    return false;
}

static ht_val validate_type(state *s, ht_val v, uint8_t p)
{
    if (v.k == HT_NIL && !(v.fl & HT_FL_IFACE)) {
        if (can_be_nil(p)) return zero_of(p);
        errorf(s, "invalid value; expected %s", ptype_name(p));
    }
    if (p == P_ANY) return v;
    ht_val c = ht_strip(v);
    if (v.fl & HT_FL_IFACE) {
        if (v.k != HT_NIL && assignable(c, p)) return c;
        /* a non-nil interface was unwrapped before the error */
        errorf(s, "wrong type for value; expected %s; got %s", ptype_name(p), v.k == HT_NIL ? "interface {}" : ht_type_name(c));
    }
    if (!assignable(c, p)) errorf(s, "wrong type for value; expected %s; got %s", ptype_name(p), vtype(v));
    return c;
}

static ht_val ideal_constant(state *s, ht_node *c)
{
    s->node = c;
    const char *t = c->u.num.text;
    bool is_hex = strlen(t) > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X') && !strpbrk(t, "pP");
    bool is_rune = t[0] == '\'';
    if (c->u.num.is_complex && !c->u.num.is_float) errorf(s, "complex constants are not supported");
    if (c->u.num.is_float && !is_hex && !is_rune && strpbrk(t, ".eEpP")) return ht_float(c->u.num.f);
    if (c->u.num.is_int) return ht_int(c->u.num.i);
    if (c->u.num.is_uint) errorf(s, "%s overflows int", t);
    return ht_nil();
}

static ht_val eval_empty_interface(state *s, ht_val dot, ht_node *n)
{
    s->node = n;
    switch (n->type) {
    case N_BOOL: return ht_bool(n->u.b);
    case N_DOT: return dot;
    case N_FIELD:
        return eval_field_chain(s, dot, dot, n, n->u.field.ident, n->u.field.n, NULL, 0, ht_nil(), false);
    case N_IDENT:
        return eval_call(s, dot, n->u.ident.fn, false, ht_nil(), n, n->u.ident.name, NULL, 0, ht_nil(), false);
    case N_NIL: errorf(s, "evalEmptyInterface: nil (can't happen)");
    case N_NUMBER: return ideal_constant(s, n);
    case N_STRING: return ht_str_static(n->u.str.s, n->u.str.n);
    case N_VARIABLE: {
        ht_val v = var_value(s, n->u.field.ident[0]);
        if (n->u.field.n == 1) return v;
        return eval_field_chain(s, dot, v, n, n->u.field.ident + 1, n->u.field.n - 1, NULL, 0, ht_nil(), false);
    }
    case N_PIPE: return eval_pipeline(s, dot, n);
    }
    errorf(s, "can't handle assignment of %s to empty interface argument", node_str(s, n));
}

static ht_val eval_chain(state *s, ht_val dot, ht_node *chain, ht_node **args, uint32_t nargs, ht_val final, bool has_final)
{
    s->node = chain;
    if (chain->u.chain.node->type == N_NIL) errorf(s, "indirection through explicit nil in %s", node_str(s, chain));
    ht_val pipe = eval_arg(s, dot, P_ANY, chain->u.chain.node);
    return eval_field_chain(s, dot, pipe, chain, chain->u.chain.field, chain->u.chain.n, args, nargs, final, has_final);
}

static ht_val eval_variable(state *s, ht_val dot, ht_node *v, ht_node **args, uint32_t nargs, ht_val final, bool has_final)
{
    s->node = v;
    ht_val value = var_value(s, v->u.field.ident[0]);
    if (v->u.field.n == 1) {
        not_a_function(s, args, nargs, has_final);
        return value;
    }
    return eval_field_chain(s, dot, value, v, v->u.field.ident + 1, v->u.field.n - 1, args, nargs, final, has_final);
}

static ht_val eval_arg(state *s, ht_val dot, uint8_t p, ht_node *n)
{
    s->node = n;
    switch (n->type) {
    case N_DOT: return validate_type(s, dot, p);
    case N_NIL:
        if (can_be_nil(p)) return zero_of(p);
        errorf(s, "cannot assign nil to %s", ptype_name(p));
    case N_FIELD: {
        ht_node *a[1] = {n};
        return validate_type(s, eval_field_chain(s, dot, dot, n, n->u.field.ident, n->u.field.n, a, 1, ht_nil(), false), p);
    }
    case N_VARIABLE: return validate_type(s, eval_variable(s, dot, n, NULL, 0, ht_nil(), false), p);
    case N_PIPE: return validate_type(s, eval_pipeline(s, dot, n), p);
    case N_IDENT:
        return validate_type(s, eval_call(s, dot, n->u.ident.fn, false, ht_nil(), n, n->u.ident.name, NULL, 0, ht_nil(), false), p);
    case N_CHAIN: return validate_type(s, eval_chain(s, dot, n, NULL, 0, ht_nil(), false), p);
    }
    switch (p) {
    case P_BOOL:
        if (n->type == N_BOOL) return ht_bool(n->u.b);
        errorf(s, "expected bool; found %s", node_str(s, n));
    case P_FLOAT64:
        if (n->type == N_NUMBER && n->u.num.is_float) return ht_float(n->u.num.f);
        errorf(s, "expected float; found %s", node_str(s, n));
    case P_INT: case P_INT64: case P_DURATION:
        if (n->type == N_NUMBER && n->u.num.is_int)
            return p == P_INT ? ht_int(n->u.num.i) : p == P_INT64 ? ht_int64(n->u.num.i) : ht_duration(n->u.num.i);
        errorf(s, "expected integer; found %s", node_str(s, n));
    case P_UINT64: case P_UINT32:
        if (n->type == N_NUMBER && n->u.num.is_uint) return ht_uint64(p == P_UINT32 ? (uint32_t)n->u.num.u : n->u.num.u);
        errorf(s, "expected unsigned integer; found %s", node_str(s, n));
    case P_STRING:
        if (n->type == N_STRING) return ht_str_static(n->u.str.s, n->u.str.n);
        errorf(s, "expected string; found %s", node_str(s, n));
    case P_ANY: return eval_empty_interface(s, dot, n);
    }
    errorf(s, "can't handle %s for arg of type %s", node_str(s, n), ptype_name(p));
}

/* Methods of the value types templates can reach. */
const ht_funcdef *ht_method_lookup(ht_val recv, const char *name);

static ht_val eval_field(state *s, ht_val dot, const char *field, ht_node *node, ht_node **args, uint32_t nargs,
                         ht_val final, bool has_final, ht_val receiver)
{
    if (receiver.k == HT_NIL && !(receiver.fl & HT_FL_IFACE)) {
        if (s->cx->strict) errorf(s, "nil data; no entry for key \"%s\"", field);
        return ht_nil();
    }
    const char *typ = vtype(receiver);
    if (receiver.k == HT_NIL) errorf(s, "nil pointer evaluating %s.%s", typ, field);
    ht_val r = ht_strip(receiver);
    const ht_funcdef *m = ht_method_lookup(r, field);
    if (m) return eval_call(s, dot, m, true, r, node, field, args, nargs, final, has_final);
    bool has_args = nargs > 1 || has_final;
    switch (r.k) {
    case HT_OBJ:
        if (r.v.o->cls->field) {
            ht_val out;
            if (r.v.o->cls->field(s->cx, r.v.o, field, &out)) {
                if (has_args) errorf(s, "%s has arguments but cannot be invoked as function", field);
                return out;
            }
        }
        break;
    case HT_MAP: {
        if (has_args) errorf(s, "%s is not a method but has arguments", field);
        ht_val *e = ht_map_get(r.v.m, field, strlen(field));
        bool elem_iface = r.sub == HT_M_ANY || r.sub == HT_M_VALUES;
        if (e) {
            ht_val v = *e;
            if (r.sub == HT_M_FILES) v.k = HT_BYTES;
            return elem_iface ? ht_iface(v) : v;
        }
        if (s->cx->strict) errorf(s, "map has no entry for key \"%s\"", field);
        if (elem_iface) return ht_iface(ht_nil());
        if (r.sub == HT_M_STRING) return ht_str_static("", 0);
        ht_val z = ht_nil();
        z.k = HT_BYTES;
        z.v.s = "";
        return z;
    }
    default: break;
    }
    errorf(s, "can't evaluate field %s in type %s", field, typ);
}

static ht_val eval_field_chain(state *s, ht_val dot, ht_val receiver, ht_node *node, const char **ident, uint32_t n,
                               ht_node **args, uint32_t nargs, ht_val final, bool has_final)
{
    for (uint32_t i = 0; i + 1 < n; i++) receiver = eval_field(s, dot, ident[i], node, NULL, 0, ht_nil(), false, receiver);
    return eval_field(s, dot, ident[n - 1], node, args, nargs, final, has_final, receiver);
}

static ht_val eval_call(state *s, ht_val dot, const ht_funcdef *fn, bool is_method, ht_val recv, ht_node *node,
                        const char *name, ht_node **args, uint32_t nargs, ht_val final, bool has_final)
{
    if (args) {
        args++;
        nargs--;
    }
    uint32_t num_in = nargs + (has_final ? 1 : 0);
    uint32_t num_fixed = nargs;
    if (fn->variadic) {
        num_fixed = fn->nin - 1u;
        if (num_in < num_fixed) errorf(s, "wrong number of args for %s: want at least %u got %u", name, fn->nin - 1u, nargs);
    } else if (num_in != fn->nin) {
        errorf(s, "wrong number of args for %s: want %u got %u", name, fn->nin, num_in);
    }
    if (fn->special == SP_AND || fn->special == SP_OR) {
        ht_val v = ht_nil();
        for (uint32_t i = 0; i < nargs; i++) {
            v = eval_arg(s, dot, P_ANY, args[i]);
            if (ht_truth(ht_strip(v)) == (fn->special == SP_OR)) return v;
        }
        if (has_final) v = final;
        return v;
    }
    uint32_t off = is_method ? 1 : 0;
    ht_val *argv = ht_cx_alloc(s->cx, (num_in + off + 1) * sizeof *argv);
    if (is_method) argv[0] = recv;
    uint32_t i = 0;
    for (; i < num_fixed && i < nargs; i++) argv[off + i] = eval_arg(s, dot, fn->in[i], args[i]);
    if (fn->variadic) {
        uint8_t et = fn->in[fn->nin - 1];
        for (; i < nargs; i++) argv[off + i] = eval_arg(s, dot, et, args[i]);
    }
    if (has_final) {
        uint8_t t = fn->in[fn->nin - 1];
        if (fn->variadic && num_in - 1 < num_fixed) t = fn->in[num_in - 1];
        argv[off + i] = validate_type(s, final, t);
    }
    if (fn->special == SP_CALL) {
        /* templates have no function values: call always fails like Go's */
        ht_val f = num_in ? ht_strip(argv[off]) : ht_nil();
        const char *callee = nargs ? node_str(s, args[0]) : val_str(s, final);
        if (f.k == HT_NIL) ht_errf(s->cx, "call of nil");
        else ht_errf(s->cx, "non-function %s of type %s", callee, ht_type_name(f));
        s->node = node;
        ht_sb sb;
        ht_sb_init(&sb, s->cx);
        sb.max = (size_t)1 << 30;
        ht_sb_puts(&sb, "error calling call: ");
        ht_sb_puts(&sb, s->cx->err);
        exec_fail(s, true, ht_sb_val(&sb).v.s);
    }
    ht_val out = ht_nil();
    s->cx->cur_template = s->tmpl->name;
    if (fn->fn(s->cx, (int)(num_in + off), argv, &out) != 0) {
        s->node = node;
        ht_sb sb;
        ht_sb_init(&sb, s->cx);
        sb.max = (size_t)1 << 30;
        ht_sb_printf(&sb, "error calling %s: ", name);
        ht_sb_puts(&sb, s->cx->err ? s->cx->err : "unknown error");
        exec_fail(s, true, ht_sb_val(&sb).v.s);
    }
    if (fn->ret == P_ANY) out = ht_iface(out);
    return out;
}

static ht_val eval_command(state *s, ht_val dot, ht_node *cmd, ht_val final, bool has_final)
{
    ht_node *first = cmd->u.cmd.args[0];
    ht_node **args = cmd->u.cmd.args;
    uint32_t nargs = cmd->u.cmd.n;
    switch (first->type) {
    case N_FIELD:
        s->node = first;
        return eval_field_chain(s, dot, dot, first, first->u.field.ident, first->u.field.n, args, nargs, final, has_final);
    case N_CHAIN: return eval_chain(s, dot, first, args, nargs, final, has_final);
    case N_IDENT:
        s->node = first;
        return eval_call(s, dot, first->u.ident.fn, false, ht_nil(), cmd, first->u.ident.name, args, nargs, final, has_final);
    case N_PIPE:
        not_a_function(s, args, nargs, has_final);
        return eval_pipeline(s, dot, first);
    case N_VARIABLE: return eval_variable(s, dot, first, args, nargs, final, has_final);
    }
    s->node = first;
    not_a_function(s, args, nargs, has_final);
    switch (first->type) {
    case N_BOOL: return ht_bool(first->u.b);
    case N_DOT: return dot;
    case N_NIL: errorf(s, "nil is not a command");
    case N_NUMBER: return ideal_constant(s, first);
    case N_STRING: return ht_str_static(first->u.str.s, first->u.str.n);
    }
    errorf(s, "can't evaluate command %s", node_str(s, first));
}

static ht_val eval_pipeline(state *s, ht_val dot, ht_node *pipe)
{
    if (!pipe) return ht_nil();
    s->node = pipe;
    ht_val value = ht_nil();
    bool has = false;
    for (uint32_t i = 0; i < pipe->u.pipe.ncmds; i++) {
        value = eval_command(s, dot, pipe->u.pipe.cmds[i], value, has);
        has = true;
        value = ht_strip(value);
    }
    for (uint32_t i = 0; i < pipe->u.pipe.ndecl; i++) {
        const char *vn = pipe->u.pipe.decl[i]->u.field.ident[0];
        if (pipe->u.pipe.is_assign) set_var(s, vn, value);
        else push(s, vn, value);
    }
    return value;
}

/* ---------------------------------------------------------------- walk */

static void print_value(state *s, ht_node *n, ht_val v)
{
    s->node = n;
    v = ht_strip(v);
    if (v.k == HT_NIL) {
        ht_sb_put(s->wr, "<no value>", 10);
        return;
    }
    if (v.k == HT_OBJ && v.v.o->cls->print_addressable) {
        v.v.o->cls->print_addressable(v.v.o, s->wr);
        return;
    }
    /* printableValue dereferences pointers before fmt sees them */
    if (v.k == HT_OBJ && v.v.o->cls->is_ptr && v.v.o->cls->print && !v.v.o->cls->has_string) {
        v.v.o->cls->print(v.v.o, s->wr);
        return;
    }
    ht_fmt_value(v, s->wr);
}

static int walk_range(state *s, ht_val dot, ht_node *r)
{
    s->node = r;
    uint32_t outer = s->nvars;
    ht_val val = ht_strip(eval_pipeline(s, dot, r->u.branch.pipe));
    uint32_t mark = s->nvars;
    ht_node *pipe = r->u.branch.pipe;
    uint32_t nd = pipe->u.pipe.ndecl;
    bool ran = false;
    int rc = W_OK;
#define ONE_ITERATION(index, elem)                                                                  \
    do {                                                                                           \
        if (nd > 0) {                                                                              \
            if (pipe->u.pipe.is_assign) {                                                          \
                if (nd > 1) set_var(s, pipe->u.pipe.decl[0]->u.field.ident[0], (index));           \
                else set_var(s, pipe->u.pipe.decl[0]->u.field.ident[0], (elem));                   \
            } else {                                                                               \
                s->vars[s->nvars - 1].val = (elem);                                                \
            }                                                                                      \
        }                                                                                          \
        if (nd > 1) {                                                                              \
            if (pipe->u.pipe.is_assign) set_var(s, pipe->u.pipe.decl[1]->u.field.ident[0], (elem)); \
            else s->vars[s->nvars - 2].val = (index);                                              \
        }                                                                                          \
        int w_ = walk(s, (elem), r->u.branch.list);                                                \
        s->nvars = mark;                                                                           \
        ran = true;                                                                                \
        if (w_ == W_BREAK) goto done;                                                              \
        if (w_ == W_ERR) {                                                                         \
            rc = W_ERR;                                                                            \
            goto done;                                                                             \
        }                                                                                          \
    } while (0)
    switch (val.k) {
    case HT_INT: case HT_INT64: case HT_UINT64: case HT_DURATION: {
        if (nd > 1) errorf(s, "can't use %s to iterate over more than one variable", val_str(s, val));
        int64_t n = val.k == HT_UINT64 ? (val.v.u > INT64_MAX ? INT64_MAX : (int64_t)val.v.u) : val.v.i;
        for (int64_t i = 0; i < n; i++) {
            ht_val e = val;
            if (val.k == HT_UINT64) e.v.u = (uint64_t)i;
            else e.v.i = i;
            ONE_ITERATION(ht_nil(), e);
        }
        break;
    }
    case HT_LIST: {
        uint32_t n = val.v.l ? val.v.l->n : 0;
        for (uint32_t i = 0; i < n; i++) {
            ht_val e = val.v.l->items[i];
            if (val.sub == HT_L_ANY) e = ht_iface(e);
            ONE_ITERATION(ht_int(i), e);
        }
        break;
    }
    case HT_BYTES:
        for (uint32_t i = 0; i < val.n; i++) ONE_ITERATION(ht_int(i), ht_int((unsigned char)val.v.s[i]));
        break;
    case HT_MAP: {
        uint32_t n;
        ht_mentry **es = ht_map_sorted(s->cx, val.v.m, &n);
        bool iface = val.sub == HT_M_ANY || val.sub == HT_M_VALUES;
        for (uint32_t i = 0; i < n; i++) {
            ht_val e = es[i]->val;
            if (val.sub == HT_M_FILES) e.k = HT_BYTES;
            if (iface) e = ht_iface(e);
            ONE_ITERATION(ht_str_static(es[i]->key, es[i]->klen), e);
        }
        break;
    }
    case HT_NIL: break;
    default: errorf(s, "range can't iterate over %s", val_str(s, val));
    }
#undef ONE_ITERATION
    if (!ran && r->u.branch.else_list) rc = walk(s, dot, r->u.branch.else_list);
done:
    s->nvars = outer;
    return rc == W_BREAK || rc == W_CONTINUE ? W_OK : rc;
}

static int walk_template(state *s, ht_val dot, ht_node *t)
{
    s->node = t;
    ht_tree *tmpl = ht_tset_lookup(s->cx->tset, t->u.tmpl.name);
    if (!tmpl) errorf(s, "template \"%s\" not defined", t->u.tmpl.name);
    if (s->cx->exec_depth >= MAX_EXEC_DEPTH) {
        char m[64];
        snprintf(m, sizeof m, "exceeded maximum template depth (%d)", MAX_EXEC_DEPTH);
        exec_error_set(s, false, m);
        return W_ERR;
    }
    dot = ht_strip(eval_pipeline(s, dot, t->u.tmpl.pipe));
    state ns = *s;
    ns.tmpl = tmpl;
    ns.vars = NULL;
    ns.nvars = ns.capvars = 0;
    push(&ns, "$", dot);
    s->cx->exec_depth++;
    int rc = walk(&ns, dot, tmpl->root);
    s->cx->exec_depth--;
    return rc == W_ERR ? W_ERR : W_OK;
}

static int walk(state *s, ht_val dot, ht_node *node)
{
    s->node = node;
    switch (node->type) {
    case N_ACTION: {
        ht_val v = eval_pipeline(s, dot, node->u.action.pipe);
        if (node->u.action.pipe->u.pipe.ndecl == 0) print_value(s, node, v);
        return W_OK;
    }
    case N_BREAK: return W_BREAK;
    case N_CONTINUE: return W_CONTINUE;
    case N_COMMENT: return W_OK;
    case N_IF: case N_WITH: {
        uint32_t mark = s->nvars;
        ht_val v = ht_strip(eval_pipeline(s, dot, node->u.branch.pipe));
        int rc = W_OK;
        if (ht_truth(v)) rc = walk(s, node->type == N_WITH ? v : dot, node->u.branch.list);
        else if (node->u.branch.else_list) rc = walk(s, dot, node->u.branch.else_list);
        s->nvars = mark;
        return rc;
    }
    case N_LIST:
        for (uint32_t i = 0; i < node->u.list.n; i++) {
            int rc = walk(s, dot, node->u.list.v[i]);
            if (rc != W_OK) return rc;
        }
        return W_OK;
    case N_RANGE: return walk_range(s, dot, node);
    case N_TEMPLATE: return walk_template(s, dot, node);
    case N_TEXT: ht_sb_put(s->wr, node->u.text.s, node->u.text.n); return W_OK;
    }
    errorf(s, "unknown node: %s", node_str(s, node));
}

int ht_exec(ht_ctx *cx, ht_tset *ts, const char *name, ht_val dot, ht_sb *out)
{
    ht_tree *t = ht_tset_lookup(ts, name);
    if (!t) return ht_errf(cx, "template: no template \"%s\" associated with template \"gotpl\"", name);
    if (cx->exec_depth >= MAX_EXEC_DEPTH)
        return ht_errf(cx, "template: %s: exceeded maximum template depth (%d)", name, MAX_EXEC_DEPTH);
    jmp_buf jb;
    state *s = ht_cx_alloc(cx, sizeof *s);
    memset(s, 0, sizeof *s);
    s->cx = cx;
    s->tmpl = t;
    s->wr = out;
    s->jb = &jb;
    ht_tset *saved_ts = cx->tset;
    unsigned saved_depth = cx->exec_depth;
    cx->tset = ts;
    cx->exec_depth++;
    if (setjmp(jb)) {
        cx->tset = saved_ts;
        cx->exec_depth = saved_depth;
        return -1;
    }
    dot = ht_strip(dot);
    push(s, "$", dot);
    if (!t->root) {
        s->node = NULL;
        errorf(s, "\"%s\" is an incomplete or empty template", name);
    }
    int rc = walk(s, dot, t->root);
    cx->tset = saved_ts;
    cx->exec_depth = saved_depth;
    return rc == W_ERR ? -1 : 0;
}
