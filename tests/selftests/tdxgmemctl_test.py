#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# tdxgmemctl against known state, inside the test VM: every command, its
# JSON parsed and compared with what this script did (files, conversions,
# a kvmsim binding), with TDXGMEM_QUERY and debugfs; the human output's
# columns; errors and exit codes (bad arguments, no such file, permission);
# what a second uid sees; monitor's events; a listing of 10 000 files.
# Prints TAP. Needs root, tdxgmem and tdxgmem_kvmsim loaded.
import ctypes
import fcntl
import json
import os
import re
import resource
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CTL = os.path.join(HERE, '..', '..', '..', 'tools', 'tdxgmemctl', 'tdxgmemctl')
if not os.path.exists(CTL):
    CTL = os.path.join(HERE, '..', '..', 'tools', 'tdxgmemctl', 'tdxgmemctl')
CTL = os.path.realpath(CTL)

SZ_4K, SZ_2M = 4096, 2 << 20
F_MMAP, F_INIT_SHARED, F_NO_DIRECT_MAP = 1, 2, 4
ATTR_PRIVATE = 1 << 3
FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE = 1, 2
UID_A = 1000


def ioc(d, t, nr, size):
    return (d << 30) | (size << 16) | (t << 8) | nr


TDXGMEM_CREATE = ioc(1, 0xB9, 0x01, 64)
TDXGMEM_SET_ATTRIBUTES = ioc(3, 0xB9, 0x10, 64)
TDXGMEM_QUERY = ioc(3, 0xB9, 0x11, 64)
KVMSIM_CREATE_VM = ioc(0, 0xBA, 0x00, 0)
KVMSIM_BIND = ioc(3, 0xBA, 0x10, 64)

libc = ctypes.CDLL(None, use_errno=True)
libc.fallocate.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_long, ctypes.c_long]

n_test = 0
failed = 0


def ok(cond, name, diag=None):
    global n_test, failed
    n_test += 1
    if cond:
        print(f'ok {n_test} {name}')
    else:
        failed += 1
        print(f'not ok {n_test} {name}')
        if diag is not None:
            for line in str(diag).splitlines()[:40]:
                print(f'#   {line}')
    sys.stdout.flush()
    return cond


def create(dev, size, flags=0, log2=0):
    req = bytearray(struct.pack('<QQB3xi40x', size, flags, log2, -1))
    return fcntl.ioctl(dev, TDXGMEM_CREATE, req, True)


def fallocate(fd, off, length, mode=FALLOC_FL_KEEP_SIZE):
    if libc.fallocate(fd, mode, off, length):
        raise OSError(ctypes.get_errno(), 'fallocate')


def convert(fd, off, size, private):
    req = bytearray(struct.pack('<QQQQQ24x', off, size,
                                ATTR_PRIVATE if private else 0, 0, 0))
    fcntl.ioctl(fd, TDXGMEM_SET_ATTRIBUTES, req, True)


def query(fd, off, size):
    """Every extent of [off, off + size) by TDXGMEM_QUERY."""
    out, end = [], off + size
    while off < end:
        buf = ctypes.create_string_buffer(32 * 256)
        req = bytearray(struct.pack('<QQQIIQ24x', off, end - off,
                                    ctypes.addressof(buf), 256, 0, 0))
        fcntl.ioctl(fd, TDXGMEM_QUERY, req, True)
        _, _, _, nr, _, nxt = struct.unpack_from('<QQQIIQ', req)
        for i in range(nr):
            o, s, st, bl, ml = struct.unpack_from('<QQIBB2x', buf.raw, 32 * i)
            out.append({'offset': o, 'size': s, 'state': st,
                        'backing_log2': bl, 'map_log2': ml})
        off = nxt
    return out


def file_id(fd):
    with open(f'/proc/self/fdinfo/{fd}') as f:
        for line in f:
            if line.startswith('tdxgmem_id:'):
                return int(line.split()[1])
    return 0


def debugfs_stats():
    with open('/sys/kernel/debug/tdxgmem/stats') as f:
        return {k: int(v) for k, v in (line.split() for line in f)}


def drop_to(uid):
    def fn():
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    return fn


def ctl(*args, uid=None):
    p = subprocess.run([CTL, *args], capture_output=True, text=True,
                       preexec_fn=drop_to(uid) if uid is not None else None)
    return p.returncode, p.stdout, p.stderr


def ctl_json(*args, uid=None):
    rc, out, err = ctl('--json', *args, uid=uid)
    if rc:
        raise RuntimeError(f'tdxgmemctl {" ".join(args)}: exit {rc}: {err}')
    return json.loads(out)


def one_line_error(err):
    return len(err.strip().splitlines()) == 1 and err.startswith('tdxgmemctl: ')


def main():
    print('TAP version 13')
    if not os.path.exists(CTL):
        print(f'1..0 # SKIP {CTL} not built')
        return 0
    dev = os.open('/dev/tdxgmem', os.O_RDWR)
    try:
        vm = fcntl.ioctl(os.open('/dev/tdxgmem_kvmsim', os.O_RDWR), KVMSIM_CREATE_VM)
    except OSError:
        print('1..0 # SKIP tdxgmem_kvmsim.ko not loaded')
        return 0
    with open('/proc/self/comm') as f:
        comm = f.read().strip()

    # Known state. A: 8 MiB shared at birth, 4 MiB populated at 2 MiB,
    # [2 MiB, 4 MiB) private. B: 2 MiB private, 4 KiB backing, 3 pages,
    # bound by kvmsim.
    a = create(dev, 4 * SZ_2M, F_MMAP | F_INIT_SHARED)
    fallocate(a, 0, 2 * SZ_2M)
    convert(a, SZ_2M, SZ_2M, True)
    b = create(dev, SZ_2M, 0, 12)
    fallocate(b, 0, 3 * SZ_4K)
    fcntl.ioctl(vm, KVMSIM_BIND, bytearray(struct.pack('<iIQQQQ24x', b, 0, 0, 512,
                                                       0x80000, 0)), True)
    ida, idb = file_id(a), file_id(b)

    # status
    st = ctl_json('status')
    dbg = debugfs_stats()
    ok(st['stats'] == dbg, 'status --json: every counter as debugfs has it',
       f'{st["stats"]}\n{dbg}')
    ok(st['api_version'] == 1 and st['module_version'] ==
       open('/sys/module/tdxgmem/version').read().strip(),
       'status --json: api and module version')
    params = {p: open(f'/sys/module/tdxgmem/parameters/{p}').read().strip()
              for p in ('max_file_size', 'mem_limit_pct', 'directmap_resolve')}
    ok(st['params']['max_file_size'] == int(params['max_file_size']) and
       st['params']['mem_limit_pct'] == int(params['mem_limit_pct']) and
       st['params']['directmap_resolve'] == (params['directmap_resolve'] == 'Y'),
       'status --json: module parameters as sysfs has them', f'{st["params"]} {params}')
    ok(st['directmap'] in ('resolved', 'exported', 'none') and
       st['supported_flags'] & (F_MMAP | F_INIT_SHARED) == 3,
       'status --json: direct-map backend and flags', st)
    rc, out, err = ctl('status')
    ok(rc == 0 and 'direct map backend: ' + st['directmap'] in out and
       all(re.search(rf'^{k}\s+\d+', out, re.M) for k in dbg),
       'status: every counter in the table', out + err)

    # files
    fs = {f['id']: f for f in ctl_json('files')['files']}
    fa, fb = fs.get(ida), fs.get(idb)
    ok(fa is not None and fb is not None, 'files --json lists both files', fs)
    want_a = {'size': 4 * SZ_2M, 'flags': 3, 'flag_names': 'mmap,init_shared',
              'backing_log2': 21, 'numa_node': -1, 'uid': 0, 'pid': os.getpid(),
              'comm': comm, 'pages_populated': 1024, 'pages_private': 512,
              'pages_shared': 1536, 'pages_quarantined': 0, 'pages_hwpoison': 0,
              'backing_2m': 2, 'backing_4k': 0, 'directmap_removed': 0,
              'nr_bindings': 0}
    ok(fa and all(fa.get(k) == v for k, v in want_a.items()),
       'files --json: file A as made', fa)
    want_b = {'size': SZ_2M, 'flags': 0, 'flag_names': '-', 'backing_log2': 12,
              'pages_populated': 3, 'pages_private': 512, 'pages_shared': 0,
              'backing_2m': 0, 'backing_4k': 3, 'nr_bindings': 1}
    ok(fb and all(fb.get(k) == v for k, v in want_b.items()),
       'files --json: file B as made', fb)
    rc, out, err = ctl('files')
    lines = out.splitlines()
    col = lines[0].index('FLAGS') if lines else -1
    rows = [l for l in lines[1:] if re.match(r'\s*\d+\s', l)]
    ok(rc == 0 and len(rows) >= 2 and
       all(re.match(r'(mmap|-|init)', l[col:]) for l in rows) and
       re.search(rf'^\s*{ida}\s+8 MiB\s+4 MiB\s+2 MiB\s', out, re.M),
       'files: aligned columns, sizes in MiB', out + err)

    # file ID
    f = ctl_json('file', str(idb))
    bd = f.get('bindings', [])
    ok(f['id'] == idb and len(bd) == 1 and bd[0] ==
       {'consumer': 'tdxgmem_kvmsim', 'pid': os.getpid(), 'comm': comm,
        'offset': 0, 'size': SZ_2M, 'gfn': 0x80000},
       'file --json: the kvmsim binding', f)
    ok('memcg_id' in f and f.get('memcg_path', '').startswith('/'),
       'file --json: memcg', f)
    rc, out, err = ctl('file', str(idb))
    ok(rc == 0 and re.search(r'^\s+populated\s+12 KiB \(3 pages\)', out, re.M) and
       re.search(r'tdxgmem_kvmsim\s+\d+\s+\S+\s+0x0\s+2 MiB\s+0x80000', out),
       'file: human output', out + err)

    # extents
    e = ctl_json('extents', str(ida))
    q = query(a, 0, 4 * SZ_2M)
    ok([{k: x[k] for k in q[0]} for x in e['extents']] == q and len(q) == 3 and
       e['end'] == 4 * SZ_2M,
       'extents --json: as TDXGMEM_QUERY says', e)
    e = ctl_json('extents', str(ida), '2M', '0x200000')
    q = query(a, SZ_2M, SZ_2M)
    ok([{k: x[k] for k in q[0]} for x in e['extents']] == q and e['offset'] == SZ_2M and
       e['extents'][0]['state_names'] == 'private,populated',
       'extents --json OFFSET SIZE: a range', e)
    c = create(dev, 2 * SZ_2M, F_MMAP | F_INIT_SHARED)
    for pg in range(0, 1024, 2):
        convert(c, pg * SZ_4K, SZ_4K, True)
    e = ctl_json('extents', str(file_id(c)))
    ok(len(e['extents']) == 1024 and
       [{k: x[k] for k in ('offset', 'size', 'state')} for x in e['extents']] ==
       [{k: x[k] for k in ('offset', 'size', 'state')} for x in query(c, 0, 2 * SZ_2M)],
       'extents --json: 1024 extents over several requests', len(e['extents']))
    rc, out, err = ctl('extents', str(ida))
    ok(rc == 0 and re.search(r'^\s*0x200000\s+2 MiB\s+private,populated\s+2M\s+2M$',
                             out, re.M),
       'extents: human output', out + err)
    os.close(c)

    # errors and exit codes
    rc, out, err = ctl('file', '999999999')
    ok(rc == 5 and one_line_error(err) and 'no such file' in err and out == '',
       'no such file: exit 5, one line', err)
    rc, out, err = ctl('--json', 'file', '999999999')
    ok(rc == 5 and out == '', '--json: nothing on stdout on failure', out)
    for args in (('file', 'abc'), ('file',), ('bogus',), ('files', 'x'),
                 ('extents', '1', '1', '2', '3'), ('extents', '1', '0', '0'),
                 ('--count', '3', 'status'), ('-n', 'x', 'monitor'), ()):
        rc, out, err = ctl(*args)
        ok(rc == 2 and one_line_error(err), f'bad arguments {args}: exit 2', err)
    rc, out, err = ctl('extents', str(ida), '100', '4096')
    ok(rc == 1 and one_line_error(err) and 'page-aligned' in err,
       'a range the kernel refuses: its reason, exit 1', err)
    rc, out, err = ctl('--help')
    ok(rc == 0 and out.startswith('Usage: tdxgmemctl') and 'Exit status' in out,
       '--help', out)

    # a second uid
    fs = ctl_json('files', uid=UID_A)['files']
    ok(fs == [], 'another uid lists none of root\'s files', fs)
    rc, out, err = ctl('file', str(ida), uid=UID_A)
    ok(rc == 5, 'another uid: root\'s file does not exist for it', err)
    rc, out, err = ctl('monitor', uid=UID_A)
    ok(rc == 4 and one_line_error(err) and 'CAP_SYS_ADMIN' in err,
       'monitor without CAP_SYS_ADMIN: exit 4, says why', err)
    st = ctl_json('status', uid=UID_A)
    ok(st['stats']['files'] >= 2, 'status works for anybody', st)

    # monitor: JSON lines, then human lines
    for as_json in (True, False):
        p = subprocess.Popen([CTL, *(['--json'] if as_json else []), 'monitor',
                              '--count', '2', '--timeout', '120'],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        ready = p.stderr.readline()
        d = create(dev, 3 * SZ_2M, F_MMAP)
        idd = file_id(d)
        os.close(d)
        out, err = p.communicate(timeout=150)
        if as_json:
            ev = [json.loads(l) for l in out.splitlines()]
            ok(p.returncode == 0 and 'listening' in ready and len(ev) == 2 and
               ev[0]['event'] == 'file_created' and ev[0]['file_id'] == idd and
               ev[0]['file']['size'] == 3 * SZ_2M and ev[0]['file']['pid'] == os.getpid() and
               ev[1]['event'] == 'file_released' and ev[1]['file_id'] == idd,
               'monitor --json: one document per event', out + err)
        else:
            lines = out.splitlines()
            ok(p.returncode == 0 and len(lines) == 2 and
               re.search(rf'file_created\s+file {idd} size 6 MiB flags mmap uid 0',
                         lines[0]) and
               re.search(rf'file_released\s+file {idd} ', lines[1]),
               'monitor: one line per event', out + err)

    # 10 000 files
    resource.setrlimit(resource.RLIMIT_NOFILE, (12000, 12000))
    many = [create(dev, SZ_4K) for _ in range(10000)]
    ids = {file_id(x) for x in many}
    fs = ctl_json('files')['files']
    listed = [x['id'] for x in fs]
    ok(len(ids) == 10000 and ids <= set(listed) and listed == sorted(listed) and
       len(listed) == len(set(listed)),
       'files --json: 10 000 files, each once, in id order', len(listed))
    rc, out, err = ctl('files')
    ok(rc == 0 and len(out.splitlines()) >= 10001, 'files: 10 000 rows',
       len(out.splitlines()))
    for x in many:
        os.close(x)
    os.close(a)
    os.close(b)
    os.close(vm)
    os.close(dev)
    fs = ctl_json('files')['files']
    ok(fs == [], 'files --json: none once all are closed', fs)
    print(f'1..{n_test}')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
