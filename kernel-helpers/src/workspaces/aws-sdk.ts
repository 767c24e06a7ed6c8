/**
 * AWS's S3 client, loaded at the first workspace call that needs it. The three `@aws-sdk`
 * packages are optional dependencies of kernel-helpers: a user who only wants Globus does
 * not install about 50 `@aws-sdk`/`@smithy` packages, and loading them takes about 80 ms
 * and 10 MB, which a kernel that never opens a workspace should not pay at `require`.
 */
import { WorkspaceError } from './workspace-error';

/** The AWS SDK modules the workspace verbs use. */
export interface IAwsSdk {
  s3: typeof import('@aws-sdk/client-s3');
  storage: typeof import('@aws-sdk/lib-storage');
  presigner: typeof import('@aws-sdk/s3-request-presigner');
}

/** The optional packages, as a user would name them to npm. */
export const AWS_SDK_PACKAGES = [
  '@aws-sdk/client-s3',
  '@aws-sdk/lib-storage',
  '@aws-sdk/s3-request-presigner'
] as const;

let loaded: IAwsSdk | undefined;

/**
 * The AWS SDK modules, loaded once.
 *
 * @param load - how to load a module (Node's `require`; another loader only in tests)
 * @throws WorkspaceError `S3_CLIENT_MISSING` naming the packages to install when one of
 *   them is not installed
 */
export function awsSdk(load: (id: string) => unknown = require): IAwsSdk {
  if (loaded && load === require) return loaded;
  const [s3, storage, presigner] = AWS_SDK_PACKAGES.map(id => {
    try {
      return load(id);
    } catch (err) {
      const code = (err as { code?: unknown } | null)?.code;
      if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_MODULE_NOT_FOUND') throw err;
      throw new WorkspaceError({
        code: 'S3_CLIENT_MISSING',
        message: `Workspaces need AWS's S3 client, and ${id} is not installed.`,
        remedy:
          `Install it beside the kernel helpers: npm install ${AWS_SDK_PACKAGES.join(' ')}` +
          ' (in the folder whose node_modules holds @jupyterlab-globus-kit/kernel-helpers),' +
          ' then restart the kernel.',
        cause: err
      });
    }
  });
  const modules = {
    s3: s3 as IAwsSdk['s3'],
    storage: storage as IAwsSdk['storage'],
    presigner: presigner as IAwsSdk['presigner']
  };
  if (load === require) loaded = modules;
  return modules;
}
