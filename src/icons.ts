import { LabIcon } from '@jupyterlab/ui-components';

/**
 * A simple globe: a circle, the equator, two latitudes and a meridian ellipse. Drawn with
 * `jp-icon3` so it follows the theme's icon colour. `fill="none"` sits on the shapes, not
 * on the group: JupyterLab's `.jp-icon3[fill]` rule would paint the group as a filled disc.
 */
const GLOBE_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" stroke="#616161" stroke-width="1.6" stroke-linecap="round">
    <circle cx="12" cy="12" r="9.2" fill="none"/>
    <ellipse cx="12" cy="12" rx="4.2" ry="9.2" fill="none"/>
    <path d="M2.8 12h18.4M4.4 7h15.2M4.4 17h15.2" fill="none"/>
  </g>
</svg>`;

/** The Globus sidebar's tab icon. */
export const globusIcon = new LabIcon({ name: 'jupyterlab-globus-kit:globe', svgstr: GLOBE_SVG });
