// The import rules `npm test` checks (test/architecture.test.mjs, with dependency-cruiser):
// no cycles anywhere, and no lower layer importing a higher one. Type-only imports count:
// a cycle through types still ties the modules' changes together.
const KH = '^kernel-helpers/src/';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'A cycle makes two modules one; give the shared part its own module.',
      severity: 'error',
      from: {},
      to: { circular: true }
    },
    {
      name: 'frontend-tokens-is-a-leaf',
      comment: 'src/tokens.ts (ids and tokens other extensions import) imports no local module.',
      severity: 'error',
      from: { path: '^src/tokens\\.ts$' },
      to: { path: '^src/' }
    },
    {
      name: 'frontend-models-no-views',
      comment: 'Models and the HTTP module are UI-free: they never import widgets or wiring.',
      severity: 'error',
      from: { path: '^src/(model/|api\\.ts)' },
      to: {
        path: '^src/(widgets/|index\\.ts|commands\\.ts|file-manager-commands\\.ts|activity-commands\\.ts)'
      }
    },
    {
      name: 'kernel-foundations-no-verbs',
      comment:
        'Errors, tokens, GLOBUS_DATA decoding and HTTP sit below the verbs, the session and the clients.',
      severity: 'error',
      from: { path: `${KH}(errors|tokens|globus-data|http)/` },
      to: { path: `${KH}(flow|services|workspaces|oidc|login|display|session\\.ts|index\\.ts)` }
    },
    {
      name: 'kernel-display-knows-only-the-error-base',
      comment:
        'Display renders any error through the base class (each error class names its own title and link); it never imports a domain error module or a client.',
      severity: 'error',
      from: { path: `${KH}display/` },
      to: {
        path: `${KH}(errors/(?!globus-kit-error\\.ts$)|login|oidc|workspaces|services|http|session\\.ts|index\\.ts)`
      }
    },
    {
      name: 'kernel-services-no-verbs',
      comment: 'The Globus clients do not know the notebook verbs or the session.',
      severity: 'error',
      from: { path: `${KH}services/` },
      to: { path: `${KH}(flow|workspaces|oidc|session\\.ts|index\\.ts)` }
    },
    {
      name: 'emulator-state-no-routes',
      comment: "The emulator's state/ holds the rules; routes and faults sit above it.",
      severity: 'error',
      from: { path: '^emulator/src/state/' },
      to: { path: '^emulator/src/(routes|faults|http|platform)/' }
    }
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|lib|node_modules)/|/test/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' }
  }
};
