/** The web console's entry: esbuild bundles it (with preact and htm) into the one page served at /console/. */
import { render } from 'preact';
import { html } from 'htm/preact';
import { App } from './app';

render(html`<${App} />`, document.getElementById('app')!);
