// Unit tests of the HTTPS-or-Globus choice between JupyterLab's files and a collection
// (issue #16, GLOBUS_LOCAL_ENDPOINT: src/model/local-route.ts) under jest; the model makes
// no request, so nothing is mocked.
import assert from 'node:assert/strict';

import { chooseRoute, humanBytes, localCollectionPath } from '../../src/model/local-route';

const LOCAL = '9d6d994a-6d04-4b8c-8fb8-1d1fd9d5a3c2';
const OTHER = 'a4969b8e-36fe-4d4b-9d5e-5f1a2b3c4d01';
const SETTINGS = {
  localCollectionRoot: '/home/me/',
  globusRouteMinFiles: 3,
  globusRouteMinMegabytes: 200
};
const plan = (files, bytes, localEndpoint = LOCAL) => ({
  files,
  bytes,
  localEndpoint,
  localEndpointName: localEndpoint ? 'Home on the hub' : null
});

describe('chooseRoute', () => {
  it('should propose Globus from the file threshold and say why', () => {
    const choice = chooseRoute(plan(3, 240e6), SETTINGS, OTHER);
    assert.equal(choice.proposeGlobus, true);
    assert.equal(choice.localCollection, LOCAL);
    assert.equal(
      `${choice.size}; ${choice.why}`,
      '3 files, 240 MB; your home is on collection Home on the hub'
    );
  });

  it('should propose Globus from the size threshold alone', () => {
    const choice = chooseRoute(plan(1, 200e6), SETTINGS, OTHER);
    assert.deepEqual(
      [choice.globusPossible, choice.proposeGlobus, choice.size],
      [true, true, '1 file, 200 MB']
    );
  });

  it('should keep HTTPS below both thresholds and say so', () => {
    const choice = chooseRoute(plan(2, 199e6), SETTINGS, OTHER);
    assert.deepEqual([choice.globusPossible, choice.proposeGlobus], [true, false]);
    assert.equal(choice.why, 'below 3 files and 200 MB');
  });

  it('should not offer Globus without a local endpoint, a root, or to the local collection itself', () => {
    const none = chooseRoute(plan(50, 1e9, null), SETTINGS, OTHER);
    assert.deepEqual([none.globusPossible, none.proposeGlobus], [false, false]);
    assert.match(none.why, /GLOBUS_LOCAL_ENDPOINT/);
    const noRoot = chooseRoute(plan(50, 1e9), { ...SETTINGS, localCollectionRoot: '' }, OTHER);
    assert.deepEqual([noRoot.globusPossible, noRoot.proposeGlobus], [false, false]);
    assert.match(noRoot.why, /localCollectionRoot/);
    const itself = chooseRoute(plan(50, 1e9), SETTINGS, LOCAL.toUpperCase());
    assert.deepEqual([itself.globusPossible, itself.proposeGlobus], [false, false]);
  });
});

describe('localCollectionPath', () => {
  it('should map Jupyter paths under the root, folders with a trailing slash', () => {
    assert.equal(localCollectionPath('/home/me/', 'data/a.csv'), '/home/me/data/a.csv');
    assert.equal(localCollectionPath('/home/me', 'results', true), '/home/me/results/');
    assert.equal(localCollectionPath('/~/', ''), '/~/');
    assert.equal(localCollectionPath('/', 'x'), '/x');
  });
});

describe('humanBytes', () => {
  it('should count in decimal units as the web app does', () => {
    assert.deepEqual(
      [humanBytes(0), humanBytes(999), humanBytes(1500), humanBytes(240e6), humanBytes(-1)],
      ['0 B', '999 B', '1.5 kB', '240 MB', '0 B']
    );
  });
});
