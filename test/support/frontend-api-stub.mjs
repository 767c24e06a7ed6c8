// A stand-in for the frontend's ONE HTTP module (src/api.ts → lib/api.js) in model unit
// tests: same exports, each answering from `stub.handlers[name]` and recording its calls.
// test/support/frontend-loader.mjs swaps it in for lib/api.js.

/** Calls made (name and arguments) and the handlers answering them. */
export const stub = { calls: [], handlers: {} };

/** Forget calls and handlers. */
export function resetStub() {
  stub.calls = [];
  stub.handlers = {};
}

export const API_NAMESPACE = 'globus-kit';

export class GlobusKitApiError extends Error {
  constructor(message, code, status, options = {}) {
    super(message, options);
    this.name = 'GlobusKitApiError';
    this.code = code;
    this.status = status;
    this.body = options.body ?? null;
  }
  get consentUrl() {
    return this.body?.consentUrl ?? null;
  }
}

function call(name) {
  return async (...args) => {
    stub.calls.push({ name, args });
    const handler = stub.handlers[name];
    if (!handler) throw new Error(`api.${name} was called but the test gave no handler`);
    return handler(...args);
  };
}

export const requestAPI = call('requestAPI');
export const getStatus = call('getStatus');
export const searchCollections = call('searchCollections');
export const getCollection = call('getCollection');
export const ls = call('ls');
export const mkdir = call('mkdir');
export const rename = call('rename');
export const deleteItems = call('deleteItems');
export const listBookmarks = call('listBookmarks');
export const createBookmark = call('createBookmark');
export const renameBookmark = call('renameBookmark');
export const deleteBookmark = call('deleteBookmark');
export const listAccessRules = call('listAccessRules');
export const addAccessRule = call('addAccessRule');
export const revokeAccessRule = call('revokeAccessRule');
export const lookupIdentities = call('lookupIdentities');
export const listMyGroups = call('listMyGroups');
export const listTasks = call('listTasks');
export const getTask = call('getTask');
export const cancelTask = call('cancelTask');
export const getConsents = call('getConsents');
export const getProviders = call('getProviders');
export const getOidcStatus = call('getOidcStatus');
export const startOidcLogin = call('startOidcLogin');
export const completeOidcLogin = call('completeOidcLogin');
export const oidcLogout = call('oidcLogout');
export const listWorkspaces = call('listWorkspaces');
export const lsWorkspace = call('lsWorkspace');
export const startUpload = call('startUpload');
export const startDownload = call('startDownload');
export const getLabTransfer = call('getLabTransfer');
export const cancelLabTransfer = call('cancelLabTransfer');
// Transfers and activity (#17).
export const getSubmissionId = call('getSubmissionId');
export const submitTransfer = call('submitTransfer');
export const listActivity = call('listActivity');
export const getTaskDetail = call('getTaskDetail');
export const updateTask = call('updateTask');
export const getTaskEvents = call('getTaskEvents');
export const getSkippedErrors = call('getSkippedErrors');
export const getSuccessfulTransfers = call('getSuccessfulTransfers');
export const getPauseInfo = call('getPauseInfo');
