// Issue #18: the cells the commands insert into Python notebooks (src/model/python-snippets.ts).
// The ones that need no globus-sdk (pandas / requests / the kernel module) run in a REAL
// ipykernel started by a REAL jupyter_server against the emulator; the globus-sdk ones
// (not installable here) are compiled by that kernel's Python and their calls checked
// against globus-sdk's documented signatures. Which kernel gets which cells: cellLanguageOf.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { register } from 'node:module';
import { join } from 'node:path';
import { createEmulator, seed } from '../emulator/dist/index.js';
import { openKernel, root, startJupyterServer, executeText } from './support/notebook-runner.mjs';

assert.ok(existsSync(join(root, 'lib/model/python-snippets.js')), 'lib/ is missing: npm run setup');
register('./support/frontend-loader.mjs', import.meta.url);
const py = await import(new URL('../lib/model/python-snippets.js', import.meta.url).href);

const PUBLIC = seed.PUBLIC_COLLECTION_ID;
const GUEST = seed.GUEST_COLLECTION_ID;
const WEATHER = '/portal/catalog/dataset_las/1950.csv';
const HOSTILE = `/x/a"b'c\\d\n"); import os; os.remove("x") #.csv`;

/** globus-sdk's documented keyword arguments of each call the cells make (see the module header). */
const SIGNATURES = {
  TransferClient: ['authorizer'],
  AuthClient: ['authorizer'],
  userinfo: [],
  get_identities: ['usernames'],
  operation_ls: ['path'],
  TransferData: [
    'source_endpoint',
    'destination_endpoint',
    'label',
    'sync_level',
    'verify_checksum'
  ],
  add_item: ['recursive'],
  submit_transfer: [],
  task_wait: ['timeout', 'polling_interval'],
  get_task: [],
  add_endpoint_acl_rule: []
};

const textOf = result =>
  executeText(result, m =>
    m.msg_type === 'execute_result' ? (m.content.data['text/plain'] ?? '') : ''
  );

describe('cellLanguageOf: which cells a notebook gets', () => {
  it('should map tslab to typescript, Python kernels to python, others and none', () => {
    const cases = [
      [{ name: 'tslab', language: 'typescript' }, 'typescript'],
      [{ name: 'tslab' }, 'typescript'],
      [{ name: 'python3', language: 'python' }, 'python'],
      [{ name: 'conda-env-py', language: 'python' }, 'python'],
      [{ name: 'python3' }, 'python'],
      [{ name: 'jslab', language: 'javascript' }, 'other'],
      [{ name: 'ir', language: 'R' }, 'other'],
      [{ name: 'julia-1.10', language: 'julia' }, 'other'],
      [{}, 'none'],
      [undefined, 'none'],
      [{ name: 42, language: null }, 'none']
    ];
    for (const [spec, want] of cases)
      assert.equal(py.cellLanguageOf(spec), want, JSON.stringify(spec));
  });
});

describe('Python cells in a real ipykernel against the emulator', () => {
  let emu;
  let server;
  let kernel;

  const run = async code => {
    const result = await kernel.execute(code, { timeoutMs: 90_000 });
    assert.equal(result.timedOut, false, `timed out: ${code}`);
    return { status: result.reply?.status, text: textOf(result) };
  };

  before(async () => {
    emu = await createEmulator({});
    server = await startJupyterServer({ env: await emu.env() });
    kernel = await openKernel(server, 'python-cells.ipynb', { kernelName: 'python3' });
  });

  after(async () => {
    await kernel?.close();
    await server?.stop();
    await emu?.close();
  });

  it('fetch: should read the CSV over HTTPS into a pandas DataFrame', async () => {
    const cell = py.pythonFetchFileCell({ collection: PUBLIC, path: WEATHER });
    assert.match(cell, /pd\.read_csv\(io\.BytesIO\(response\.content\)\)/);
    assert.match(cell, /access_token\(collection\)/);
    const r = await run(`${cell}\nprint("ROWS", len(data1950), list(data1950.columns)[:2])`);
    assert.equal(r.status, 'ok', r.text);
    const rows = Number(/ROWS (\d+)/.exec(r.text)?.[1]);
    assert.ok(rows > 10, r.text);
  });

  it('upload: should PUT the file into the folder, readable afterwards', async () => {
    const cell = py.pythonUploadCell({ collection: GUEST, path: '/' });
    const r = await run(cell);
    assert.equal(r.status, 'ok', r.text);
    assert.match(r.text, /^uploaded https?:\/\/.*\/hello-from-jupyterlab\.txt\n$/);
    const back = await run(
      [
        'import requests',
        'from jupyterlab_globus_kit.kernel import headers, https_url',
        `print(requests.get(https_url(${JSON.stringify(GUEST)}, "/hello-from-jupyterlab.txt"), headers=headers(${JSON.stringify(GUEST)}), timeout=30).text, end="")`
      ].join('\n')
    );
    assert.equal(back.text, 'Hello from JupyterLab\n');
  });

  it('link: should print the HTTPS URL and the web app link', async () => {
    const r = await run(py.pythonLinkCell({ collection: PUBLIC, path: WEATHER }));
    assert.equal(r.status, 'ok', r.text);
    assert.match(
      r.text,
      /^HTTPS: {3}http:\/\/127\.0\.0\.1:\d+\/portal\/catalog\/dataset_las\/1950\.csv\n/
    );
    assert.match(
      r.text,
      /Web app: https:\/\/app\.globus\.org\/file-manager\?origin_id=a4969b8e-36fe-4d4b-9d5e-5f1a2b3c4d01&origin_path=%2Fportal%2Fcatalog%2Fdataset_las%2F\n$/
    );
  });

  it('should keep a hostile path a string literal in every cell', async () => {
    const target = { collection: PUBLIC, path: HOSTILE };
    const cells = [
      py.pythonFetchFileCell(target),
      py.pythonLinkCell(target),
      py.pythonUploadCell(target),
      py.pythonListCell(target),
      py.pythonTransferCell(target, { collection: GUEST, path: '/in/' }),
      py.pythonShareCell(target, 'a"b@example.org')
    ];
    const r = await run(
      [
        'import ast, json',
        `cells = json.loads(${JSON.stringify(JSON.stringify(cells))})`,
        `hostile = json.loads(${JSON.stringify(JSON.stringify(HOSTILE))})`,
        'for src in cells:',
        '    tree = ast.parse(src)',
        '    assert not any(isinstance(n, ast.Import) and n.names[0].name == "os" for n in ast.walk(tree)), src',
        '    consts = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]',
        '    assert any(hostile in c or c.startswith(hostile) for c in consts), src',
        'print("OK", len(cells))'
      ].join('\n')
    );
    assert.equal(r.text, 'OK 6\n', r.text);
  });

  it('globus-sdk cells: should compile, and call only documented signatures', async () => {
    const folder = { collection: GUEST, path: '/shared/' };
    const cells = {
      whoami: py.pythonWhoamiCell(),
      ls: py.pythonListCell({ collection: PUBLIC, path: '/portal/' }),
      transfer: py.pythonTransferCell(
        { collection: PUBLIC, path: '/portal/catalog/' },
        { collection: GUEST, path: '/in' }
      ),
      transferFile: py.pythonTransferCell(
        { collection: PUBLIC, path: WEATHER },
        { collection: GUEST, path: '/in/' }
      ),
      share: py.pythonShareCell(folder, 'grace.colleague@globusid.org'),
      plot: py.pythonPlotCell({ collection: PUBLIC, path: WEATHER })
    };
    const r = await run(
      [
        'import ast, json',
        `cells = json.loads(${JSON.stringify(JSON.stringify(cells))})`,
        `signatures = json.loads(${JSON.stringify(JSON.stringify(SIGNATURES))})`,
        'seen = {}',
        'for name, src in cells.items():',
        "    compile(src, 'cell', 'exec')",
        '    calls = []',
        '    for node in ast.walk(ast.parse(src)):',
        '        if isinstance(node, ast.Call):',
        '            f = node.func',
        '            called = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")',
        '            if called in signatures:',
        '                bad = [k.arg for k in node.keywords if k.arg not in signatures[called]]',
        '                assert not bad, (name, called, bad)',
        '                calls.append(called)',
        '    seen[name] = sorted(set(calls))',
        'print(json.dumps(seen, sort_keys=True))'
      ].join('\n')
    );
    assert.equal(r.status, 'ok', r.text);
    const seen = JSON.parse(r.text);
    assert.deepEqual(seen.whoami, ['AuthClient', 'userinfo']);
    assert.deepEqual(seen.ls, ['TransferClient', 'operation_ls']);
    const transfer = [
      'TransferClient',
      'TransferData',
      'add_item',
      'get_task',
      'submit_transfer',
      'task_wait'
    ];
    assert.deepEqual(seen.transfer, transfer);
    assert.deepEqual(seen.transferFile, transfer);
    assert.deepEqual(seen.share, [
      'AuthClient',
      'TransferClient',
      'add_endpoint_acl_rule',
      'get_identities'
    ]);
    assert.deepEqual(seen.plot, []);
    assert.match(
      cells.transfer,
      /tdata\.add_item\("\/portal\/catalog\/", "\/in\/catalog\/", recursive=True\)/
    );
    assert.match(cells.transferFile, /tdata\.add_item\("[^"]+1950\.csv", "\/in\/1950\.csv"\)\n/);
    assert.match(cells.plot, /df\.plot\(x=df\.columns\[0\], y=list\(df\.columns\[1:3\]\)/);
  });
});
