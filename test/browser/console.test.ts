/**
 * The web console in a real browser: headless Chromium (Debian's `chromium` package; CHROMIUM_PATH to use another)
 * driven by playwright-core, against the local service started in this process on its own port and data folder. The
 * scenario is a person's: sign in with an API key, create a cluster through the form (seeing the dry run's estimate),
 * watch it reach READY, open its nodes, redeliver its webhook, delete it by typing its name. Selectors are roles and labels only, the ones
 * docs/console.md lists for scripts. Screenshots go to test-results/console/ (git-ignored).
 *
 * The console asks for the dry run (POST /clusters?dryRun=true) only when the served OpenAPI document offers it; this
 * service's does, so the estimate must show (test/unit/console covers a document without it).
 */
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startLocalCloud, type LocalCloud } from '../../sandbox/local-cloud';
import { offersDryRun } from '../../src/console/schema-form';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const KEY = 'console-e2e-key-0123456789abcdef';
const SCREENSHOTS = resolve(__dirname, '../../test-results/console');
/** Every wait in a step has this deadline; the cluster's own transitions get their own below. */
const STEP_MS = 15_000;
const CLUSTER_MS = 90_000;

let cloud: LocalCloud;
let browser: Browser;
let page: Page;
let dataDir: string;
/** A webhook receiver that answers 200 to anything and keeps each delivery's webhook-id and event type. */
let receiver: Server;
let receiverUrl: string;
const deliveries: { id: string; type: string }[] = [];
const offOrigin: string[] = [];
const consoleErrors: string[] = [];

/** Exists and may be executed (what scripts/system-tools.sh checks with `[ -x ]`). */
function runnable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  // Fails, not skips: a missing browser must not turn this test into one that cannot fail.
  if (!runnable(CHROMIUM)) {
    throw new Error(`No Chromium at ${CHROMIUM}: install Debian's package with \`sudo apt-get install -y chromium\` (npm test does it when run as root), or set CHROMIUM_PATH to a Chromium binary`);
  }
  dataDir = mkdtempSync(join(tmpdir(), 'console-e2e-'));
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      deliveries.push({ id: String(request.headers['webhook-id']), type: (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { type: string }).type });
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  cloud = await startLocalCloud({ port: 0, dataDir, apiKey: KEY, principal: 'console-e2e', timeScale: 0.1 });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], timeout: STEP_MS });
  const context = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'], baseURL: cloud.url, viewport: { width: 1280, height: 1400 } });
  page = await context.newPage();
  page.setDefaultTimeout(STEP_MS);
  page.on('request', (request) => {
    if (!request.url().startsWith(cloud.url) && !request.url().startsWith('data:')) offOrigin.push(request.url());
  });
  page.on('pageerror', (error) => consoleErrors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  mkdirSync(SCREENSHOTS, { recursive: true });
}, 60_000);

afterEach(async () => {
  // What the page showed when a step failed: the screenshot is the first thing to look at.
  if (page) await shot('last').catch(() => undefined);
});

afterAll(async () => {
  await browser?.close();
  await cloud?.stepFunctions.idle();
  await cloud?.close();
  await new Promise<void>((done) => (receiver ? receiver.close(() => done()) : done()));
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

// Not `fullPage`: Chromium's full-page capture resizes the viewport for the shot, and a click right after it was lost.
const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
/**
 * The page's globals, typed for the functions that run in the browser (this project's type check has no DOM library:
 * src/console/ is checked with its own tsconfig).
 */
type BrowserGlobals = { document: { activeElement: { id: string } | null }; navigator: { clipboard: { readText(): Promise<string> } } };
const focusedId = () => page.evaluate(() => (globalThis as unknown as BrowserGlobals).document.activeElement?.id ?? '');

describe('the web console, in headless Chromium', () => {
  it('signs in, creates a cluster through the form after its estimate, watches it reach READY, shows its nodes, redelivers its webhook and deletes it by name', async () => {
    const openApi = await (await fetch(`${cloud.url}/openapi.json`, { headers: { authorization: `Bearer ${KEY}` } })).json();
    expect(offersDryRun(openApi)).toBe(true);

    // Sign in: a wrong key is refused with the API's 401, the right one opens the clusters.
    const served = await page.goto('/console/');
    expect(served?.headers()['content-security-policy']).toContain("default-src 'none'");
    await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
    await page.getByLabel('API key').fill('spk_not_a_key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'refused this key' }).waitFor();
    await page.getByLabel('API key').fill(KEY);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Clusters', level: 1 }).waitFor();
    await page.getByRole('status').filter({ hasText: '0 clusters' }).waitFor();
    expect(await focusedId()).toBe('clusters-heading');
    await shot('1-clusters-empty');

    // The form, built from the OpenAPI schema: a select for an enum, numbers with their bounds, defaults shown.
    await page.getByRole('main').getByRole('link', { name: 'Create a cluster' }).click();
    await page.getByRole('heading', { name: 'Create a cluster', level: 1 }).waitFor();
    const workers = page.getByLabel('workers', { exact: true });
    expect([await workers.inputValue(), await workers.getAttribute('min'), await workers.getAttribute('max')]).toEqual(['5', '0', '1000']);
    expect(await page.getByLabel('managerInstanceType', { exact: true }).inputValue()).toBe('t3.small');

    // A name the API refuses: its 422 problem+json lands under the field, which takes the focus.
    await page.getByLabel('name', { exact: true }).fill('Not A Name');
    await page.getByRole('button', { name: 'Create cluster' }).click();
    await page.getByText('name: must start with a lower-case letter').waitFor();
    expect(await page.getByLabel('name', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect(await focusedId()).toBe('field-name');
    await shot('2-field-error');

    await page.getByLabel('name', { exact: true }).fill('console-demo');
    await page.getByLabel('managers', { exact: true }).selectOption('1');
    await workers.fill('1');
    await page.getByLabel('webhook.url', { exact: true }).fill(receiverUrl);
    const estimate = page.getByRole('region', { name: 'Estimated cost' }).getByRole('status');
    await estimate.filter({ hasText: /per hour.*per month/ }).waitFor();
    await shot('3-create-form-with-estimate');
    // Nothing was created by the estimate.
    const listed = (await (await fetch(`${cloud.url}/clusters`, { headers: { authorization: `Bearer ${KEY}` } })).json()) as { items: unknown[] };
    expect(listed.items).toEqual([]);

    // Create: the cluster's page, its status announced, the progress bar filling up to READY.
    await page.getByRole('button', { name: 'Create cluster' }).click();
    await page.getByRole('heading', { name: 'console-demo', level: 1 }).waitFor();
    expect(await focusedId()).toBe('cluster-heading');
    const status = page.getByRole('status').filter({ hasText: /^Status:/ });
    await status.filter({ hasText: /CREATING|READY/ }).waitFor();
    await status.filter({ hasText: 'Status: READY' }).waitFor({ timeout: CLUSTER_MS });
    // The last resource events can land a poll after the READY write (the record's progress follows the stack's events).
    const progress = page.getByRole('progressbar', { name: 'Progress' });
    await progress.evaluate(
      (bar) =>
        new Promise<void>((done, fail) => {
          const deadline = Date.now() + 15_000;
          const check = () => {
            const { value, max } = bar as unknown as { value: number; max: number };
            if (max > 1 && value === max) done();
            else if (Date.now() > deadline) fail(new Error(`progress stuck at ${value} of ${max}`));
            else setTimeout(check, 100);
          };
          check();
        }),
    );
    expect(await page.getByText(/^(\d+) of \1 resources$/).count()).toBe(1);
    await shot('4-cluster-ready');

    // Nodes per availability zone: one manager and one worker, in a table per zone captioned with its count.
    const nodes = page.getByRole('region', { name: 'Nodes' });
    await nodes.getByRole('table').first().waitFor();
    const rows = nodes.getByRole('row').filter({ has: page.getByRole('rowheader') });
    const deadline = Date.now() + STEP_MS;
    while ((await rows.count()) < 2 && Date.now() < deadline) await page.waitForTimeout(100);
    expect((await rows.allTextContents()).map((row) => (row.includes('manager') ? 'manager' : row.includes('worker') ? 'worker' : row)).sort()).toEqual(['manager', 'worker']);
    const captions = await nodes.locator('caption').allTextContents();
    expect(captions.every((caption) => /^[a-z]{2}-[a-z]+-\d[a-z]: \d+ nodes?$/.test(caption))).toBe(true);
    expect(captions.reduce((sum, caption) => sum + Number(/(\d+) nodes?$/.exec(caption)![1]), 0)).toBe(2);

    // Outputs: the DNS target is copied to the clipboard.
    const outputs = page.getByRole('region', { name: 'Outputs' });
    const dns = (await outputs.locator('#dns-target').textContent())!;
    await outputs.getByRole('button', { name: 'Copy DNS target' }).click();
    await outputs.getByRole('status').filter({ hasText: `Copied ${dns}` }).waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as BrowserGlobals).navigator.clipboard.readText())).toBe(dns);
    await page.getByRole('region', { name: 'Timeline' }).getByRole('listitem').first().waitFor();

    // Webhook deliveries: cluster.ready delivered, then sent again with the same webhook-id by Redeliver.
    const sent = page.getByRole('region', { name: 'Webhook deliveries' });
    const ready = sent.getByRole('row').filter({ hasText: 'cluster.ready' });
    await ready.filter({ hasText: 'delivered' }).waitFor();
    await ready.getByRole('button', { name: /^Redeliver cluster\.ready / }).click();
    await sent.getByRole('status').filter({ hasText: 'Redelivery of cluster.ready requested.' }).waitFor();
    const redelivered = Date.now() + STEP_MS;
    while (deliveries.filter((delivery) => delivery.type === 'cluster.ready').length < 2 && Date.now() < redelivered) await new Promise((done) => setTimeout(done, 100));
    const readies = deliveries.filter((delivery) => delivery.type === 'cluster.ready');
    expect(readies).toHaveLength(2);
    expect(readies[1]!.id).toBe(readies[0]!.id);
    await shot('5-deliveries');

    // Delete: Escape closes the dialog and gives the focus back; its button stays disabled until the name is typed.
    await page.getByRole('button', { name: 'Delete cluster…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete console-demo?' });
    await dialog.waitFor();
    expect(await focusedId()).toBe('confirm-name');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await focusedId()).toBe('delete-open');
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    expect(await focusedId()).toBe('confirm-name');
    const confirm = dialog.getByRole('button', { name: 'Delete this cluster' });
    await dialog.getByLabel('Cluster name to delete').fill('console-dem');
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel('Cluster name to delete').fill('console-demo');
    await shot('6-delete-dialog');
    await confirm.click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await focusedId()).toBe('cluster-heading');
    await status.filter({ hasText: 'Status: DELETED' }).waitFor({ timeout: CLUSTER_MS });
    await shot('7-cluster-deleted');

    // The list shows it DELETED.
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Clusters' }).click();
    await page.getByRole('row').filter({ hasText: 'console-demo' }).filter({ hasText: 'DELETED' }).waitFor();

    // The page fetched nothing from anywhere but its own origin, and its CSP refused nothing of its own.
    expect(offOrigin).toEqual([]);
    expect(consoleErrors.filter((message) => /Content Security Policy|Refused to/.test(message))).toEqual([]);
  }, 240_000);
});

describe('the web console on the open local sandbox (npm start without LOCAL_API_KEY)', () => {
  let open: LocalCloud;

  beforeAll(async () => {
    open = await startLocalCloud({ port: 0, timeScale: 0.1 });
  }, 60_000);

  afterAll(async () => {
    await open?.close();
  });

  it('offers to continue without a key, and lists the clusters as the local principal', async () => {
    const tab = await browser.newPage();
    tab.setDefaultTimeout(STEP_MS);
    try {
      await tab.goto(`${open.url}/console/`);
      await tab.getByRole('button', { name: 'Continue without a key' }).click();
      await tab.getByRole('heading', { name: 'Clusters', level: 1 }).waitFor();
      await tab.getByRole('status').filter({ hasText: '0 clusters' }).waitFor();
    } finally {
      await tab.close();
    }
  }, 60_000);
});
