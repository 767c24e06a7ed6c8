/**
 * The few HTML pages Globus Auth shows a person (consent screen, native-app code page,
 * error page). Every value rendered into a page goes through `escapeHtml`: client names,
 * scopes and `state` come from the request and must not become markup.
 */

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
