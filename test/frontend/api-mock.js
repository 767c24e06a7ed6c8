// The frontend's ONE HTTP module (src/api.ts) in the model tests. Each test file replaces it
// with jest's module mocking:
//
//   jest.mock('../../src/api', () =>
//     jest.requireActual('./api-mock').mockApi(jest.requireActual('../../src/api'))
//   );
//
// Every function it exports becomes a jest.fn that records its call in `stub.calls` and
// answers from `stub.handlers[name]` (a call without a handler fails the test); its
// classes (GlobusKitApiError) and constants stay the real ones. Built from the real
// module, so a renamed or new export is mocked too and nothing reaches the network.

/** Calls made (name and arguments) and the handlers answering them. */
export const stub = { calls: [], handlers: {} };

/** Forget calls and handlers. */
export function resetStub() {
  stub.calls = [];
  stub.handlers = {};
}

/** Whether an export of the api module is a function that calls the server. */
export function isCall(name, value) {
  return typeof value === 'function' && !/^[A-Z]/.test(name);
}

/** The mocked api module: the real module's exports with every call replaced. */
export function mockApi(actual) {
  const mocked = {};
  for (const [name, value] of Object.entries(actual)) {
    mocked[name] = isCall(name, value)
      ? jest.fn(async (...args) => {
          stub.calls.push({ name, args });
          const handler = stub.handlers[name];
          if (!handler) throw new Error(`api.${name} was called but the test gave no handler`);
          return handler(...args);
        })
      : value;
  }
  return mocked;
}
