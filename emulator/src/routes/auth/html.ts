/**
 * The few HTML pages Globus Auth (and the OIDC realm) show a person (consent screen,
 * native-app code page, error page), and how they are sent. Every value rendered into a
 * page goes through `escapeHtml`: client names, scopes and `state` come from the request
 * and must not become markup.
 */

import type { IRequestContext } from '../../http/router.js';

/** Escapes text for an HTML element body or a double-quoted attribute. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * A whole page. `body` must already be escaped markup.
 * @param title - plain text (escaped here)
 */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} | Globus (emulated)</title>
<style>
body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1b1b1b}
header{color:#5e6a71;font-size:.85rem;margin-bottom:1.5rem}
h1{font-size:1.4rem}
code,.code{font-family:ui-monospace,monospace;background:#f1f3f4;padding:.2rem .4rem;border-radius:3px;word-break:break-all}
ul.scopes li{margin:.3rem 0}
button{font-size:1rem;padding:.5rem 1.2rem;margin-right:.6rem;cursor:pointer}
button.primary{background:#2a62c9;color:#fff;border:0;border-radius:4px}
input.code{width:100%;font-size:1rem;padding:.4rem}
.error{color:#b00020}
</style>
</head>
<body>
<header>Globus Auth — local emulator (not the real Globus)</header>
${body}
</body>
</html>
`;
}

/**
 * Sends a page. `formTarget` is the client's redirect URI when the page holds the consent
 * form: browsers apply `form-action` to the redirect that follows the form post too, so
 * that origin must be allowed or Chromium blocks the return to the application.
 */
export function sendHtml(
  ctx: IRequestContext,
  status: number,
  html: string,
  formTarget?: string
): void {
  const data = Buffer.from(html, 'utf8');
  const formAction = formTarget ? `'self' ${new URL(formTarget).origin}` : "'self'";
  ctx.res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': String(data.length),
    'Cache-Control': 'no-store',
    'X-Frame-Options': 'DENY',
    'Content-Security-Policy': `default-src 'none'; style-src 'unsafe-inline'; form-action ${formAction}`
  });
  ctx.res.end(data);
}
