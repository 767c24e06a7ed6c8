/**
 * Child process of login-concurrency.test.ts: waits until the given start time, then
 * renews the token file's transfer token as a kernel or server would, and prints the
 * fingerprint it ended up with (never the token) and whether it called Auth.
 *
 * argv: <token file> <start epoch ms>
 */
import { RefreshAuthorizer, tokenFromStored } from '../login/refresh-authorizer';
import { TokenFile } from '../login/token-file';

async function main(): Promise<void> {
  const [path, startAt] = process.argv.slice(2);
  const file = new TokenFile(path);
  const doc = await file.read();
  const stale = tokenFromStored(doc!.tokens['transfer.api.globus.org']);
  await new Promise(resolve => setTimeout(resolve, Math.max(0, Number(startAt) - Date.now())));
  const auth = new RefreshAuthorizer({ file });
  try {
    const fresh = await auth.refresh(stale);
    process.stdout.write(
      JSON.stringify({ fingerprint: fresh.fingerprint, refreshed: auth.refreshCount })
    );
  } catch (error) {
    process.stdout.write(JSON.stringify({ error: (error as { code?: string }).code ?? 'unknown' }));
    process.exitCode = 1;
  }
}

void main();
