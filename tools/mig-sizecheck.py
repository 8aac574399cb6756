#!/usr/bin/env python3
"""Build-time size check for MIG-generated stubs.

i686-gnu-mig computes message sizes with its own idea of the layout
(GNU Mach's i386 ABI: 24-byte header, 4-byte port names, 4-byte
out-of-line pointers) and bakes the
numbers into the stubs it writes.  The C compiler lays the same messages
out from the Request/Reply structs and our headers.  When the two disagree
a message is silently mis-sized on the wire.  This tool reads one
generated stub (user or server), copies every Request/Reply struct it
defines to file scope, and writes a C file asserting

    _Static_assert(sizeof(<struct>) == N, ...);

with N read from the stub itself:
  - user Request, server Reply: the size the stub assigns to msgh_size
    (a literal, or for variable arrays the expression MIG wrote,
    evaluated with every count at its maximum), cross-checked with MIG's
    own _Static_assert(sizeof(Request) == N) when present;
  - user Reply, server Request: the size the stub's type check accepts
    (msgh_size != N), evaluated the same way;
  - an unbounded array[] of a type (GNU Mach's descriptor_list_t) goes
    inline or as a 4-byte out-of-line pointer, a union in the struct: its
    size is the inline maximum (a msgtl_number count is in msgtl_size
    units; the stub's own division gives the units per element);
  - a server Reply with no size of its own carries only a return code;
    MIG sends sizeof(mig_reply_header_t), which must be 32.

Compile the output with the stub's flags (gcc -m32 -fsyntax-only).  Anything this script cannot parse is an error
(exit status 1), never a silent skip.

usage: mig-sizecheck.py STUB.c [-o CHECK.c]
"""

import argparse
import re
import sys


class StubError(Exception):
    pass


ROUTINE_RE = re.compile(r'^/\* (Routine|SimpleRoutine) (\w+) \*/$', re.M)
STRUCT_RE = re.compile(r'^#pragma pack\(push,\s*(\d+)\)\n\s*typedef struct \{',
                       re.M)


def function_span(text, start):
    """Return (body_start, body_end) of the function after `start`:
    from its opening '{' line to its closing '}' at column 0."""
    m = re.compile(r'^\{$', re.M).search(text, start)
    if not m:
        raise StubError('no function body after the routine comment')
    end = re.compile(r'^\}$', re.M).search(text, m.end())
    if not end:
        raise StubError('unterminated function body')
    return m.end(), end.start()


def match_brace(text, open_pos):
    """Index just past the '}' matching the '{' at open_pos."""
    depth = 0
    for i in range(open_pos, len(text)):
        c = text[i]
        if c == '{':
            depth += 1
        elif c == '}':
            depth -= 1
            if depth == 0:
                return i + 1
    raise StubError('unbalanced braces in a struct definition')


def extract_structs(body):
    """Map 'Request'/'Reply' to (pack, members_text) for one function."""
    structs = {}
    for m in STRUCT_RE.finditer(body):
        brace = body.index('{', m.start())
        close = match_brace(body, brace)
        tail = re.match(r'\s*(\w+)\s*;\s*\n#pragma pack\(pop\)', body[close:])
        if not tail:
            raise StubError('typedef struct without name or #pragma pack(pop)')
        name = tail.group(1)
        if name not in ('Request', 'Reply'):
            raise StubError('unexpected struct typedef %r' % name)
        if name in structs:
            raise StubError('two %s structs in one routine' % name)
        structs[name] = (m.group(1), body[brace:close])
    # A struct typedef without the pack pragma would be laid out naturally.
    bare = len(re.findall(r'\btypedef struct \{', body))
    if bare != len(structs):
        raise StubError('struct typedef outside #pragma pack(push,N)')
    return structs


def array_max(members, name):
    """Element count of member `name` (declared `T name[N];`)."""
    found = re.findall(r'[\w\s\*]\b%s\[(\d+)\];' % re.escape(name), members)
    if len(found) != 1:
        raise StubError('cannot find array member %r to bound its count'
                        % name)
    return int(found[0])


COUNT_RE = re.compile(
    r'\b(?:In\d*P|OutP)->(\w+?)Type\.(?:msgt_number|msgtl_number)\b'
    r'|\b(\w+)Cnt\b')


INLINE_CHOICE_RE = re.compile(
    r'^\s*(\d+)\s*\+\s*\(\s*\(\s*(?:In\d*P|OutP)->(\w+)Type\.msgtl_header'
    r'\.msgt_inline\s*\)\s*\?\s*([^:]+?)\s*:\s*sizeof\(\s*[\w\s]+\*\s*\)\s*\)\s*$')


def evaluate(expr, members, env, phase=''):
    """Value of a MIG size expression with every count at its maximum."""
    if '?' in expr:
        # An unbounded array[] of a type (GNU Mach's descriptor_list_t)
        # travels inline or as a 4-byte out-of-line pointer: the struct
        # holds a union of the two, so its size is the inline maximum.
        m = INLINE_CHOICE_RE.match(expr)
        if not m:
            raise StubError(
                'dynamic inline/out-of-line array in size expression %r: '
                'not of the form N + ((X.msgt_inline) ? A : sizeof(T *))'
                % expr.strip())
        inline = evaluate(m.group(3), members, env, phase)
        return int(m.group(1)) + max(inline, 4)

    def count(m):
        name = m.group(1) or m.group(2)
        n = array_max(members, name)
        if m.group(1):
            # msgtl_number counts msgtl_size units; the routine's stub
            # divides it by the units per element to get the count.
            per = re.findall(r'\b%sType\.msgtl_number\s*/\s*(\d+)'
                             % re.escape(name), phase)
            if len(set(per)) > 1:
                raise StubError('units per element of %r disagree' % name)
            if per:
                n *= int(per[0])
        return str(n)
    e = COUNT_RE.sub(count, expr)
    for var in ('msgh_size_delta', 'msgh_size'):
        if re.search(r'\b%s\b' % var, e):
            if env.get(var) is None:
                raise StubError('%s used before it is set in %r'
                                % (var, expr.strip()))
            e = re.sub(r'\b%s\b' % var, str(env[var]), e)
    if not re.fullmatch(r'[0-9\s+*&~()]+', e):
        raise StubError('cannot evaluate size expression %r' % expr.strip())
    return eval(e, {'__builtins__': {}}, {})  # digits and + * & ~ ( ) only


def operand_after(text, pos):
    """The expression starting at pos up to ')', '||', '&&' or ';' at
    nesting depth zero."""
    depth = 0
    i = pos
    while i < len(text):
        c = text[i]
        if c == '(':
            depth += 1
        elif c == ')':
            if depth == 0:
                break
            depth -= 1
        elif depth == 0 and (text.startswith('||', i)
                             or text.startswith('&&', i) or c == ';'):
            break
        i += 1
    return text[pos:i].strip()


SEND_RE = re.compile(
    r'(?<![\w.>])(msgh_size_delta|msgh_size)\s*(=|\+=)\s*([^;]+);'
    r'|\b(?:InP|OutP)->Head\.msgh_size\s*=\s*([^;]+);')


def sender_size(phase, members, routine=''):
    """Size a stub gives a message it builds: follow the msgh_size and
    msgh_size_delta assignments up to the header store."""
    env = {}
    result = None
    for m in SEND_RE.finditer(phase):
        if m.group(4) is not None:
            if result is not None:
                raise StubError('msgh_size stored twice')
            result = evaluate(m.group(4), members, env, routine)
            continue
        var, op, rhs = m.group(1), m.group(2), m.group(3)
        if re.search(r'->Head\.msgh_size', rhs):
            continue                # reading a received size
        value = evaluate(rhs, members, env, routine)
        if op == '=':
            env[var] = value
        else:
            if env.get(var) is None:
                raise StubError('%s += before %s =' % (var, var))
            env[var] += value
    return result


RECV_RE = re.compile(
    r'(?<![\w.>])msgh_size_delta\s*=\s*([^;]+);'
    r'|(?<![\w.>])msgh_size\s*-=\s*([^;]+);'
    r'|(?<![\w.>])msgh_size\s*!=\s*'
    r'|\b(?:In\d*P|OutP)->Head\.msgh_size\s*!=\s*')


def receiver_size(phase, members, routine=''):
    """Size a stub's type check accepts for a message it receives."""
    env = {'msgh_size_delta': None}
    consumed = 0                    # bytes of earlier variable arrays
    sizes = []
    for m in RECV_RE.finditer(phase):
        if m.group(1) is not None:
            env['msgh_size_delta'] = evaluate(m.group(1), members, env, routine)
        elif m.group(2) is not None:
            consumed += evaluate(m.group(2), members, env, routine)
        else:
            expr = operand_after(phase, m.end())
            if expr == 'sizeof(mig_reply_header_t)':
                continue            # the error-reply alternative
            sizes.append(evaluate(expr, members, env, routine) + consumed)
    if not sizes:
        return None
    if len(set(sizes)) != 1:
        raise StubError('type checks disagree on the size: %s' % sorted(
            set(sizes)))
    return sizes[0]


RETCODE_ONLY = re.compile(
    r'^\{\s*mach_msg_header_t Head;\s*mach_msg_type_t RetCodeType;'
    r'\s*kern_return_t RetCode;\s*\}$')


def check_user(name, body, structs):
    call = body.find('mach_msg(&InP->Head')
    if call < 0:
        raise StubError('user stub without a mach_msg call')
    before, after = body[:call], body[call:]
    out = {}
    if 'Request' not in structs:
        raise StubError('no Request struct')
    req = structs['Request'][1]
    n = sender_size(before, req, body)
    if n is None:
        raise StubError('Request size not found')
    asserted = re.findall(r'_Static_assert\(sizeof\(Request\) == (\d+)',
                          before)
    for a in asserted:
        if int(a) != n:
            raise StubError('MIG asserts Request is %s bytes but sends %d'
                            % (a, n))
    out['Request'] = (n, 'msgh_size the user stub sends')
    if 'Reply' in structs:
        n = receiver_size(after, structs['Reply'][1], body)
        if n is None:
            raise StubError('Reply size check not found')
        out['Reply'] = (n, 'msgh_size the user stub accepts')
    return out


def check_server(name, body, structs):
    decl = re.search(r'\bmig_external\s+[\w\s\*]+?\b(\w+)\s*\n\s*\(', body)
    if not decl:
        raise StubError('server routine declaration not found')
    fn = decl.group(1)
    call = re.compile(r'\b%s\s*\(' % re.escape(fn)).search(body, decl.end())
    if not call:
        raise StubError('call of server routine %s not found' % fn)
    before, after = body[:call.start()], body[call.start():]
    out = {}
    if 'Request' not in structs:
        raise StubError('no Request struct')
    n = receiver_size(before, structs['Request'][1], body)
    if n is None:
        raise StubError('Request size check not found')
    out['Request'] = (n, 'msgh_size the server stub accepts')
    if 'Reply' in structs:
        rep = structs['Reply'][1]
        n = sender_size(after, rep, body)
        if n is not None:
            out['Reply'] = (n, 'msgh_size the server stub sends')
        elif RETCODE_ONLY.match(rep):
            out['Reply'] = (32, 'return code only: sizeof(mig_reply_header_t)')
        else:
            raise StubError('Reply size not found and the Reply carries '
                            'more than a return code')
    return out


def prologue_includes(text, first):
    return [l for l in text[:first].splitlines()
            if re.match(r'\s*#\s*include\b', l)]


def generate(path, text):
    routines = list(ROUTINE_RE.finditer(text))
    if not routines:
        raise StubError('no "/* Routine ... */" sections: not a MIG stub?')
    lines = ['/* Generated by tools/mig-sizecheck.py from %s: do not edit.' %
             path,
             ' * Every Request/Reply struct of the stub, with the size MIG',
             ' * computed for it.  Compile with the stub\'s flags. */', '']
    lines += prologue_includes(text, routines[0].start())
    lines += ['#include <mach/mig_errors.h>', '',
              '_Static_assert(sizeof(mig_reply_header_t) == 32,',
              '               "MIG assumes 32-byte return-code replies");', '']
    count = 0
    for i, r in enumerate(routines):
        kind, name = r.group(1), r.group(2)
        try:
            b0, b1 = function_span(text, r.end())
            limit = routines[i + 1].start() if i + 1 < len(routines) else None
            if limit is not None and b1 > limit:
                raise StubError('function body runs into the next routine')
            body = text[b0:b1]
            structs = extract_structs(body)
            if 'mach_msg(&InP->Head' in body:
                sizes = check_user(name, body, structs)
                side = 'user'
            elif re.search(r'mach_msg_header_t \*InHeadP', text[r.end():b0]):
                sizes = check_server(name, body, structs)
                side = 'server'
            else:
                raise StubError('neither a user nor a server stub routine')
            if kind == 'SimpleRoutine' and side == 'user' and 'Reply' in sizes:
                raise StubError('simpleroutine with a Reply')
        except StubError as e:
            raise StubError('%s %s: %s' % (kind, name, e))
        for sname in ('Request', 'Reply'):
            if sname not in sizes:
                continue
            pack, members = structs[sname]
            n, why = sizes[sname]
            cname = 'migchk_%s_%s_%s' % (side, name, sname)
            lines += ['/* %s %s %s: %s */' % (kind, name, sname, why),
                      '#pragma pack(push,%s)' % pack,
                      'typedef struct ' + members + ' ' + cname + ';',
                      '#pragma pack(pop)',
                      '_Static_assert(sizeof(%s) == %d,' % (cname, n),
                      '               "%s %s: MIG computes %d bytes");'
                      % (name, sname, n), '']
            count += 1
    lines.append('/* %d structs checked */' % count)
    return '\n'.join(lines) + '\n', count


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('stub', help='MIG-generated user or server .c file')
    ap.add_argument('-o', '--output', help='C file to write (default stdout)')
    ap.add_argument('-v', '--verbose', action='store_true',
                    help='report the number of structs on stderr')
    args = ap.parse_args()
    try:
        with open(args.stub) as f:
            text = f.read()
        out, count = generate(args.stub, text)
    except (OSError, StubError) as e:
        sys.stderr.write('mig-sizecheck: %s: %s\n' % (args.stub, e))
        return 1
    if args.output:
        with open(args.output, 'w') as f:
            f.write(out)
    else:
        sys.stdout.write(out)
    if args.verbose:
        sys.stderr.write('mig-sizecheck: %s: %d structs\n' % (args.stub, count))
    return 0


if __name__ == '__main__':
    sys.exit(main())
