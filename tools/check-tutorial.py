#!/usr/bin/env python3
"""check-tutorial.py SRCDIR - performs the tutorial at the top of
docs/sdk.md in a scratch copy of the (built, in-tree) tree, so that the
tutorial cannot rot: `make check-tutorial` runs it under `make check`.

The tutorial marks what a reader does with HTML comments before code blocks:
  <!-- tutorial: run -->           the sh block's commands, run in the tree
  <!-- tutorial: write PATH -->    the block is PATH's first part
  <!-- tutorial: append PATH -->   the block is PATH's next part, after a
                                   blank line
The scratch copy starts without servers/rng (the tutorial makes it), keeps
the build outputs (so only the new driver and boot images are built) and
drops boot images, disk images and logs.  Passes when every command
succeeds and the files the tutorial made are the ones in servers/rng.
"""
import os, re, shutil, subprocess, sys, tempfile

MARK = re.compile(r'^<!-- tutorial: (run|write|append)\s*(\S*)\s*-->\s*$')
DROP = re.compile(r'(\.iso|\.img|\.log|\.check)$')
DROP_DIRS = {'.git', 'module-cache', 'virtio-module-cache', 'swift-module-cache', 'autom4te.cache'}


def steps(doc):
    """(kind, path, text) for each marked block, in order."""
    lines = open(doc).read().split('\n')
    out, i = [], 0
    while i < len(lines):
        m = MARK.match(lines[i])
        i += 1
        if not m:
            continue
        while i < len(lines) and not lines[i].startswith('```'):
            i += 1
        start = i + 1
        end = start
        while end < len(lines) and lines[end] != '```':
            end += 1
        out.append((m.group(1), m.group(2), '\n'.join(lines[start:end]) + '\n'))
        i = end + 1
    return out


def copy_tree(src, dst):
    for root, dirs, files in os.walk(src):
        dirs[:] = [d for d in dirs if d not in DROP_DIRS]
        rel = os.path.relpath(root, src)
        os.makedirs(os.path.join(dst, rel), exist_ok=True)
        for f in files:
            if not DROP.search(f):
                shutil.copy2(os.path.join(root, f), os.path.join(dst, rel, f), follow_symlinks=False)


def main():
    src = os.path.abspath(sys.argv[1])
    todo = steps(os.path.join(src, 'docs', 'sdk.md'))
    if not any(k == 'run' for k, _, _ in todo) or not any(k == 'write' for k, _, _ in todo):
        print('check-tutorial: FAIL: docs/sdk.md has no marked tutorial steps')
        return 1
    if not os.path.exists(os.path.join(src, 'config.status')):
        print('check-tutorial: FAIL: run it in a configured in-tree build')
        return 1
    scratch = tempfile.mkdtemp(prefix='sm-tutorial.')
    tree = os.path.join(scratch, 'tree')
    try:
        copy_tree(src, tree)
        shutil.rmtree(os.path.join(tree, 'servers', 'rng'))
        made = set()
        for n, (kind, path, text) in enumerate(todo, 1):
            if kind == 'run':
                print(f'check-tutorial: step {n}: {text.strip()}', flush=True)
                log = os.path.join(scratch, f'step{n}.log')
                with open(log, 'w') as f:
                    r = subprocess.run(['sh', '-e', '-c', text], cwd=tree, stdout=f, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL)
                if r.returncode != 0:
                    print(f'check-tutorial: FAIL: step {n} exited with {r.returncode}; its last lines:')
                    print(''.join(open(log).readlines()[-30:]))
                    return 1
            else:
                target = os.path.join(tree, path)
                if kind == 'append' and path not in made:
                    print(f'check-tutorial: FAIL: step {n} appends to {path} before any write')
                    return 1
                with open(target, 'w' if kind == 'write' else 'a') as f:
                    f.write(text if kind == 'write' else '\n' + text)
                made.add(path)
        bad = []
        for name in sorted(os.listdir(os.path.join(src, 'servers', 'rng'))):
            if not (name.endswith('.swift') or name in ('run.conf', '.gitignore')):
                continue                    # build outputs
            ours, theirs = os.path.join(src, 'servers', 'rng', name), os.path.join(tree, 'servers', 'rng', name)
            if not os.path.exists(theirs) or open(ours, 'rb').read() != open(theirs, 'rb').read():
                bad.append(name)
        if bad:
            print(f'check-tutorial: FAIL: what the tutorial makes differs from servers/rng: {" ".join(bad)}')
            for name in bad:
                subprocess.run(['diff', '-u', os.path.join(src, 'servers', 'rng', name),
                                os.path.join(tree, 'servers', 'rng', name)])
            return 1
        print(f'check-tutorial: PASS: {len(todo)} steps of docs/sdk.md, servers/rng as the tutorial makes it')
        return 0
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
