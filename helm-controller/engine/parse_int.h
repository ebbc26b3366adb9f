/*
 * parse_int.h: the text/template lexer's tokens and state, shared by the
 * lexer (parse_lex.c) and the parser that pulls tokens from it (parse.c).
 */
#ifndef HT_PARSE_INT_H
#define HT_PARSE_INT_H
#include "ht_internal.h"

typedef enum {
    I_ERROR, I_BOOL, I_CHAR, I_CHARCONST, I_COMMENT, I_COMPLEX, I_ASSIGN, I_DECLARE, I_EOF,
    I_FIELD, I_IDENT, I_LDELIM, I_LPAREN, I_NUMBER, I_PIPE, I_RAWSTRING, I_RDELIM, I_RPAREN,
    I_SPACE, I_STRING, I_TEXT, I_VARIABLE,
    I_KEYWORD, I_BLOCK, I_BREAK, I_CONTINUE, I_DOT, I_DEFINE, I_ELSE, I_END, I_IF, I_NIL,
    I_RANGE, I_TEMPLATE, I_WITH,
} itype;

typedef struct {
    itype typ;
    uint32_t pos;
    const char *val;
    size_t len;
    int line;
} item;

typedef struct lexer lexer;
typedef bool (*statefn)(lexer *); /* true: continue with l->state; false: item ready */

struct lexer {
    const char *input;
    size_t len;
    size_t pos, start;
    bool at_eof;
    int paren_depth;
    int line, start_line;
    item it;
    int lastw;
    uint32_t lastr;
    bool inside_action;
    statefn state;
    char errbuf[256];
};

/* the next token (Go's lexer.nextItem): runs the state machine until one
 * item is ready; an I_ERROR item carries its message in l->errbuf */
item ht_lex_next(lexer *l);

#endif
