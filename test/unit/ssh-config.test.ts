import { describe, expect, it } from 'vitest';
import { loadSshConfig } from '../../src/remote/ssh-config-fs.js';
import {
  memoryConfigSource,
  parseSshConfig,
  parseTargetSpec,
  resolveTarget,
  splitArgs,
  SshConfigError,
  targetKey,
  type ResolveContext,
  type SshConfig,
} from '../../src/remote/ssh-config.js';
import { parseSshG, sshGError } from '../../src/remote/ssh-g.js';

const HOME = '/home/learner';
const ctx: ResolveContext = {
  home: HOME,
  localUser: 'learner',
  uid: 1000,
  localHostName: 'jumpbox.kubernetes.local',
  env: { SSH_AUTH_SOCK: '/tmp/ssh-agent.sock', KEYDIR: '/keys' },
};

/** Parses `~/.ssh/config` (plus any other files, for Include) from memory. */
function config(text: string, others: Record<string, string> = {}): SshConfig {
  const files = { [`${HOME}/.ssh/config`]: text, ...others };
  return loadSshConfig(ctx, { source: memoryConfigSource(files), systemConfig: null });
}

function configError(fn: () => unknown): SshConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SshConfigError) return err;
    throw err;
  }
  throw new Error('expected an SshConfigError');
}

describe('defaults', () => {
  it('is root@server:22 with OpenSSH default keys and files when there is no config', () => {
    const t = resolveTarget(config(''), {}, ctx);
    expect(t).toMatchObject({
      alias: 'server',
      hostName: 'server',
      port: 22,
      user: 'root',
      identitiesOnly: false,
      identityAgent: '/tmp/ssh-agent.sock',
      strictHostKeyChecking: 'ask',
      hashKnownHosts: true,
      connectTimeoutSec: 15,
      serverAliveIntervalSec: 15,
      warnings: [],
    });
    // ssh's own default list and order (readconf.c fill_default_options).
    expect(t.identityFiles).toEqual(
      ['id_rsa', 'id_ecdsa', 'id_ecdsa_sk', 'id_ed25519', 'id_ed25519_sk', 'id_xmss', 'id_dsa'].map((k) => `${HOME}/.ssh/${k}`),
    );
    expect(t.knownHostsFiles).toEqual([`${HOME}/.ssh/known_hosts`, `${HOME}/.ssh/known_hosts2`]);
    expect(t.proxyJump).toBeUndefined();
    expect(targetKey(t)).toBe('root@server:22');
  });

  it('has no agent when SSH_AUTH_SOCK is unset', () => {
    expect(resolveTarget(config(''), {}, { ...ctx, env: {} }).identityAgent).toBeUndefined();
  });
});

describe('syntax', () => {
  it('accepts Key value, Key=value, Key = value, any keyword case, quotes and comments', () => {
    const t = resolveTarget(
      config(
        [
          '# a comment',
          'Host server',
          '  hostname=10.240.0.10',
          '  PORT = 2222   # trailing comment',
          '\tuSeR "root"',
          '  IdentityFile "~/.ssh/my key"',
          '',
        ].join('\n'),
      ),
      'server',
      ctx,
    );
    expect([t.hostName, t.port, t.user]).toEqual(['10.240.0.10', 2222, 'root']);
    expect(t.identityFiles).toEqual([`${HOME}/.ssh/my key`]);
  });

  it('splits arguments like OpenSSH argv_split', () => {
    expect(splitArgs(`a "b c" 'd e' f\\ g # comment`)).toEqual(['a', 'b c', 'd e', 'f g']);
    expect(splitArgs('x"y z"w')).toEqual(['xy zw']);
    expect(splitArgs('"open')).toBe('unterminated-quote');
  });
});

describe('Host patterns and first-obtained-value wins', () => {
  const text = [
    'Host *.kubernetes.local !evil.kubernetes.local',
    '  User admin',
    '  Port 2200',
    'Host server server-?',
    '  User root',
    '  HostName %h.kubernetes.local',
    '  IdentityFile ~/.ssh/kthw',
    'Host *',
    '  User nobody',
    '  Port 2201',
    '  IdentityFile ~/.ssh/id_ed25519',
    '  IdentityFile ~/.ssh/kthw',
  ].join('\n');

  it('applies the first value for each keyword in file order', () => {
    const t = resolveTarget(config(text), 'node-0.kubernetes.local', ctx);
    expect([t.user, t.port]).toEqual(['admin', 2200]);
  });

  it('lets a later Host * fill in what earlier blocks left unset; IdentityFile accumulates without duplicates', () => {
    const t = resolveTarget(config(text), 'server', ctx);
    expect([t.user, t.port, t.hostName]).toEqual(['root', 2201, 'server.kubernetes.local']);
    expect(t.identityFiles).toEqual([`${HOME}/.ssh/kthw`, `${HOME}/.ssh/id_ed25519`]);
  });

  it('matches ? as one character and ignores the block when a negated pattern matches', () => {
    expect(resolveTarget(config(text), 'server-1', ctx).user).toBe('root');
    expect(resolveTarget(config(text), 'server-12', ctx).user).toBe('nobody');
    expect(resolveTarget(config(text), 'evil.kubernetes.local', ctx).user).toBe('nobody');
  });

  it('matches Host patterns case-sensitively against the name as typed, and lowercases HostName (as ssh -G)', () => {
    expect(resolveTarget(config(text), 'SERVER', ctx).user).toBe('nobody');
    const t = resolveTarget(config('Host Web\n  HostName %h.EXAMPLE.test'), 'Web', ctx);
    expect(t.hostName).toBe('web.example.test');
    expect(resolveTarget(config(''), { host: 'FE80::A' }, ctx).hostName).toBe('FE80::A'); // an address keeps its case
  });

  it('lets the command line user and port win over the config', () => {
    const t = resolveTarget(config(text), 'learner@server:2022', ctx);
    expect([t.user, t.port]).toEqual(['learner', 2022]);
    expect(targetKey(t)).toBe('learner@server.kubernetes.local:2022');
  });

  it('does not apply a Host line that has only negated patterns', () => {
    expect(resolveTarget(config('Host !other\n  User x'), 'server', ctx).user).toBe('root');
  });
});

describe('tokens and expansion', () => {
  it('expands ~, %d %u %h %r %p %n %% and ${VAR} in IdentityFile and UserKnownHostsFile', () => {
    const t = resolveTarget(
      config(
        [
          'Host server',
          '  HostName server.kubernetes.local',
          '  User root',
          '  IdentityFile %d/.ssh/%u-%r@%h:%p-%n-100%%',
          '  IdentityFile ${KEYDIR}/kthw',
          '  UserKnownHostsFile ~/.ssh/kh-%n /etc/kh',
        ].join('\n'),
      ),
      'server',
      ctx,
    );
    expect(t.identityFiles).toEqual([
      `${HOME}/.ssh/learner-root@server.kubernetes.local:22-server-100%`,
      '/keys/kthw',
    ]);
    expect(t.knownHostsFiles).toEqual([`${HOME}/.ssh/kh-server`, '/etc/kh']);
  });

  it('rejects an unknown token, naming the file and line', () => {
    const err = configError(() => resolveTarget(config('Host *\n  IdentityFile ~/.ssh/%Q'), 'server', ctx));
    expect([err.code, err.file, err.line, err.value]).toEqual(['bad-token', `${HOME}/.ssh/config`, 2, '%Q']);
    expect(err.message).toContain(`${HOME}/.ssh/config:2`);
  });

  it('rejects an unset environment variable', () => {
    expect(configError(() => resolveTarget(config('IdentityFile ${NOPE}/k'), 'server', ctx)).code).toBe('bad-env');
  });

  it('takes IdentityAgent none, SSH_AUTH_SOCK and a path', () => {
    expect(resolveTarget(config('IdentityAgent none'), 'server', ctx).identityAgent).toBeUndefined();
    expect(resolveTarget(config('IdentityAgent SSH_AUTH_SOCK'), 'server', ctx).identityAgent).toBe('/tmp/ssh-agent.sock');
    expect(resolveTarget(config('IdentityAgent ~/.agent.sock'), 'server', ctx).identityAgent).toBe(`${HOME}/.agent.sock`);
  });

  it('reads the flags and times', () => {
    const t = resolveTarget(
      config(
        [
          'IdentitiesOnly yes',
          'StrictHostKeyChecking accept-new',
          'HashKnownHosts no',
          'ConnectTimeout 1m30s',
          'ServerAliveInterval 0',
        ].join('\n'),
      ),
      'server',
      ctx,
    );
    expect([t.identitiesOnly, t.strictHostKeyChecking, t.hashKnownHosts, t.connectTimeoutSec, t.serverAliveIntervalSec]).toEqual([
      true,
      'accept-new',
      false,
      90,
      0,
    ]);
    expect(resolveTarget(config('StrictHostKeyChecking off'), 'server', ctx).strictHostKeyChecking).toBe('no');
  });
});

describe('Include', () => {
  it('reads relative paths under ~/.ssh, expands globs in sorted order, and applies them in place', () => {
    const t = resolveTarget(
      config('Include conf.d/*.conf\nHost *\n  User late', {
        [`${HOME}/.ssh/conf.d/20-second.conf`]: 'Host server\n  User second\n  Port 2020',
        [`${HOME}/.ssh/conf.d/10-first.conf`]: 'Host server\n  User first',
        [`${HOME}/.ssh/conf.d/notes.txt`]: 'Host server\n  User never',
      }),
      'server',
      ctx,
    );
    expect([t.user, t.port]).toEqual(['first', 2020]);
  });

  it('includes inside a Host block only for that host, and the block state returns afterwards', () => {
    const text = ['Host server', '  Include ~/.ssh/server.conf', '  Port 2022', 'Host *', '  User everyone'].join('\n');
    const files = { [`${HOME}/.ssh/server.conf`]: 'User from-include\nHost other\n  Port 1' };
    const server = resolveTarget(config(text, files), 'server', ctx);
    expect([server.user, server.port]).toEqual(['from-include', 2022]);
    const other = resolveTarget(config(text, files), 'other', ctx);
    expect([other.user, other.port]).toEqual(['everyone', 22]);
  });

  it('ignores a missing include file, as ssh does', () => {
    expect(resolveTarget(config('Include missing.conf\nUser x'), 'server', ctx).user).toBe('x');
  });

  it('names the included file and its line in an error', () => {
    const err = configError(() => config('Include bad.conf', { [`${HOME}/.ssh/bad.conf`]: '\n\nPort eighty' }));
    expect([err.code, err.file, err.line]).toEqual(['bad-port', `${HOME}/.ssh/bad.conf`, 3]);
  });

  it('stops an Include loop', () => {
    expect(configError(() => config('Include config')).code).toBe('include-depth');
  });

  it('keeps the parser pure: it only sees files through the source', () => {
    const seen: string[] = [];
    const source = memoryConfigSource({ '/etc/ssh/x.conf': 'User y' });
    parseSshConfig('Include /etc/ssh/*.conf', '/cfg', {
      source: { read: (p) => (seen.push(p), source.read(p)), glob: source.glob },
      includeBase: '/etc/ssh',
      home: HOME,
    });
    expect(seen).toEqual(['/etc/ssh/x.conf']);
  });
});

describe('Match blocks', () => {
  it('skips the block with a warning and resumes at the next Host', () => {
    const t = resolveTarget(
      config(['Match host server exec "true"', '  User from-match', 'Host server', '  User root-after'].join('\n')),
      'server',
      ctx,
    );
    expect(t.user).toBe('root-after');
    expect(t.warnings).toEqual([{ file: `${HOME}/.ssh/config`, line: 1, code: 'match-unsupported', keyword: 'Match' }]);
  });

  it('warns about options that change the connection but are not supported; harmless ones are silent', () => {
    const t = resolveTarget(config('Host server\n  CertificateFile ~/.ssh/c.pub\n  SendEnv LANG\n  ProxyCommand nc %h %p'), 'server', ctx);
    expect(t.warnings).toEqual([{ file: `${HOME}/.ssh/config`, line: 2, code: 'option-unsupported', keyword: 'CertificateFile' }]);
    expect(t.proxyCommand).toBe('nc %h %p');
  });

  it('refuses a keyword ssh does not know (unless IgnoreUnknown lists it), naming the line', () => {
    expect(configError(() => config('Host x\n  Frobnicate yes'))).toMatchObject({ code: 'bad-option', line: 2 });
    expect(resolveTarget(config('IgnoreUnknown frob*\nFrobnicate yes\n'), 'x', ctx).hostName).toBe('x');
  });
});

describe('ProxyJump', () => {
  const text = [
    'Host server',
    '  HostName 10.240.0.10',
    '  ProxyJump admin@bastion:2222',
    'Host bastion',
    '  HostName bastion.example.test',
    '  IdentityFile ~/.ssh/bastion',
    'Host inner',
    '  ProxyJump outer',
    'Host a',
    '  ProxyJump b',
    'Host b',
    '  ProxyJump a',
  ].join('\n');

  it('resolves the jump host through the same config, with its own user and port', () => {
    const t = resolveTarget(config(text), 'server', ctx);
    expect(t.proxyJump).toMatchObject({
      alias: 'bastion',
      hostName: 'bastion.example.test',
      user: 'admin',
      port: 2222,
      identityFiles: [`${HOME}/.ssh/bastion`],
    });
    expect(t.proxyJump?.proxyJump).toBeUndefined();
  });

  it('logs into a jump host as the local user when nothing says otherwise (as ssh -J does)', () => {
    expect(resolveTarget(config('Host server\n  ProxyJump bastion'), 'server', ctx).proxyJump?.user).toBe('learner');
  });

  it('refuses a ProxyJump that also applies to the jump host itself (ssh: "jumphost loop")', () => {
    const err = configError(() => resolveTarget(config('\nProxyJump bastion'), 'server', ctx));
    expect([err.code, err.line]).toEqual(['jump-depth', 2]);
  });

  it('turns a,b into: the target through b, b through a', () => {
    const t = resolveTarget(config('Host server\n  ProxyJump one@first,second:2200'), 'server', ctx);
    expect([t.proxyJump?.alias, t.proxyJump?.port]).toEqual(['second', 2200]);
    expect([t.proxyJump?.proxyJump?.alias, t.proxyJump?.proxyJump?.user]).toEqual(['first', 'one']);
    expect(t.proxyJump?.proxyJump?.proxyJump).toBeUndefined();
  });

  it('follows a jump host that has its own ProxyJump', () => {
    const t = resolveTarget(config(text), 'inner', ctx);
    expect(t.proxyJump?.alias).toBe('outer');
  });

  it('honours ProxyJump none (first value wins over a later Host *)', () => {
    const t = resolveTarget(config('Host server\n  ProxyJump none\nHost *\n  ProxyJump bastion'), 'server', ctx);
    expect(t.proxyJump).toBeUndefined();
  });

  it('stops a jump loop with a clear error', () => {
    expect(configError(() => resolveTarget(config(text), 'a', ctx)).code).toBe('jump-depth');
  });

  it('rejects a malformed ProxyJump at its line', () => {
    const err = configError(() => config('\nProxyJump bastion:notaport'));
    expect([err.code, err.line]).toEqual(['bad-jump', 2]);
  });
});

describe('errors name the file and line', () => {
  it.each([
    ['Port 0', 'bad-port'],
    ['Port 65536', 'bad-port'],
    ['IdentitiesOnly maybe', 'bad-flag'],
    ['StrictHostKeyChecking sometimes', 'bad-choice'],
    ['ConnectTimeout soon', 'bad-time'],
    ['User "root', 'bad-quote'],
    ['HostName', 'no-argument'],
    ['Host', 'no-argument'],
  ])('%s -> %s', (line, code) => {
    // Values are checked even in a block that does not apply, as ssh does.
    const err = configError(() => config(`Host elsewhere\n  ${line}`));
    expect([err.code, err.file, err.line]).toEqual([code, `${HOME}/.ssh/config`, 2]);
  });
});

describe('parseTargetSpec', () => {
  it.each([
    ['server', { host: 'server' }],
    ['root@server', { user: 'root', host: 'server' }],
    ['root@10.240.0.10:2222', { user: 'root', host: '10.240.0.10', port: 2222 }],
    ['[::1]:2200', { host: '::1', port: 2200 }],
    ['ssh://admin@bastion:22', { user: 'admin', host: 'bastion', port: 22 }],
  ])('%s', (text, spec) => {
    expect(parseTargetSpec(text)).toEqual(spec);
  });

  it.each(['', '@server', 'server:0', 'server:abc', 'a b'])('rejects %j', (text) => {
    expect(parseTargetSpec(text)).toBeUndefined();
  });
});

describe('OpenSSH details the parser follows (issue 9, item 4)', () => {
  const withPasswd: ResolveContext = { ...ctx, homeOf: (u) => (u === 'root' ? '/root' : undefined), servicePort: (n) => ({ ssh: 22, http: 80 })[n] };
  const parse = (text: string) =>
    loadSshConfig(withPasswd, { source: memoryConfigSource({ [`${HOME}/.ssh/config`]: text }), systemConfig: null });

  it('an empty config is fine; Port takes service names as getservbyname does', () => {
    expect(resolveTarget(parse(''), 'x', withPasswd).port).toBe(22);
    expect(resolveTarget(parse('Port http\n'), 'x', withPasswd).port).toBe(80);
    expect(configError(() => parse('Port nosuch\n'))).toMatchObject({ code: 'bad-port', line: 1 });
  });

  it('IdentityFile none drops the defaults; ~user/ uses that user\'s passwd home; an unknown user is an error', () => {
    expect(resolveTarget(parse('IdentityFile none\n'), 'x', withPasswd).identityFiles).toEqual([]);
    expect(resolveTarget(parse('IdentityFile ~root/k\nIdentityFile none\n'), 'x', withPasswd).identityFiles).toEqual(['/root/k']);
    expect(configError(() => resolveTarget(parse('IdentityFile ~ghost/k\n'), 'x', withPasswd))).toMatchObject({ code: 'unknown-user', line: 1 });
  });

  it('ProxyJump keeps quotes and stops at the first blank or #, as parse_jump does', () => {
    // The hop is the host `"j"` (quotes and all), which ssh then refuses on its command line.
    expect(configError(() => resolveTarget(parse('Host x\n  ProxyJump "j"\n'), 'x', withPasswd))).toMatchObject({ code: 'bad-jump', line: 2 });
    expect(resolveTarget(parse('Host x\n  ProxyJump j k\n'), 'x', withPasswd).proxyJump?.alias).toBe('j');
    expect(resolveTarget(parse('Host x\n  ProxyJump i,j#k\n'), 'x', withPasswd).proxyJump).toMatchObject({ alias: 'j', proxyJump: { alias: 'i' } });
  });

  it('ProxyCommand and ProxyJump share one slot, as ssh -G shows', () => {
    const r = (text: string) => resolveTarget(parse(`Host x\n${text}`), 'x', withPasswd);
    expect(r('ProxyJump none\nProxyCommand nc %h\n').proxyCommand).toBe('nc %h');
    const pick = (t: ReturnType<typeof r>) => [t.proxyCommand, t.proxyJump?.alias];
    expect(pick(r('ProxyCommand nc\nProxyJump j\n'))).toEqual(['nc', undefined]);
    expect(pick(r('ProxyCommand none\nProxyJump j\n'))).toEqual([undefined, undefined]);
    expect(pick(r('ProxyJump j\nProxyCommand nc\n'))).toEqual([undefined, 'j']);
    expect(r('ProxyCommand  nc  %h # not a comment\n').proxyCommand).toBe('nc  %h # not a comment');
  });

  it('HostKeyAlias is lowercased', () => {
    expect(resolveTarget(parse('HostKeyAlias MyAlias\n'), 'x', withPasswd).hostKeyAlias).toBe('myalias');
  });
});

describe('ssh -G output and errors', () => {
  it('maps ssh\'s complaints to file:line', () => {
    const a = sshGError('/tmp/c line 3: Bad port \'0\'.\n/tmp/c: terminating, 1 bad configuration options\n', '~/.ssh/config', 'exit 255');
    expect(a).toMatchObject({ code: 'ssh-refused', file: '/tmp/c', line: 3, value: "Bad port '0'." });
    const b = sshGError('/tmp/c: line 7: Bad configuration option: frob\n/tmp/c: terminating, 1 bad configuration options\n', 'x', 'exit 255');
    expect(b).toMatchObject({ file: '/tmp/c', line: 7, value: 'Bad configuration option: frob' });
    const c = sshGError('vdollar_percent_expand: unknown key %z\npercent_expand: failed\n', '/tmp/c', 'exit 255');
    expect(c).toMatchObject({ file: '/tmp/c', line: 0 });
    expect(c.value).toContain('unknown key %z');
    expect(sshGError('\x1b[31mevil\x1b[0m line 1: x\n', 'f', 'exit 255').file).toBe('evil');
  });

  it('reads repeated keywords in order', () => {
    const g = parseSshG('host x\nidentityfile ~/a\nidentityfile ~/b\nproxyjump u@[10.0.0.1]:23\n');
    expect(g.get('identityfile')).toEqual(['~/a', '~/b']);
    expect(g.get('proxyjump')).toEqual(['u@[10.0.0.1]:23']);
  });
});
