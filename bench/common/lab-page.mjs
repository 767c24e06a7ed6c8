// What the browser benchmarks do to the JupyterLab pages they measure, all in the browser
// (nothing changes on the server): expose the app object (`exposeAppInBrowser` in the
// page's config, rewritten as the page is served), optionally turn off JupyterLab's
// start-up build check, and keep the saved workspace as it is.

/**
 * Rewrite every lab page a browser context loads so `window.jupyterapp` is set.
 *
 * @param {import('playwright-core').BrowserContext} context
 * @returns {Promise<{ setBuildCheck(on: boolean): void }>} turns JupyterLab's build check
 *   (a request at start-up that keeps the server busy) off or back on for later loads
 */
export async function exposeLabApp(context) {
  let buildCheck = true;
  await context.route(/\/lab(\?|$|\/tree)/, async route => {
    const response = await route.fetch();
    let body = (await response.text()).replace(
      /"exposeAppInBrowser":\s*(false|"false")/,
      '"exposeAppInBrowser": true'
    );
    if (!buildCheck) {
      const re = /"buildCheck":\s*(true|"true")/;
      if (!re.test(body)) throw new Error('the page config has no buildCheck to turn off');
      body = body.replace(re, '"buildCheck": false');
    }
    await route.fulfill({ response, body });
  });
  return {
    setBuildCheck(on) {
      buildCheck = on;
    }
  };
}

/**
 * From now on, JupyterLab's workspace saves are answered without saving (204, as the
 * server answers), so what a measured page does is not restored by the next one.
 *
 * @param {import('playwright-core').BrowserContext} context
 */
export async function freezeWorkspace(context) {
  await context.route(
    url => url.pathname.includes('/lab/api/workspaces'),
    async route => {
      if (route.request().method() === 'PUT') await route.fulfill({ status: 204, body: '' });
      else await route.fallback();
    }
  );
}
