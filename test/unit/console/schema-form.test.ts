/**
 * The console's create form is built from the served OpenAPI document, not from a copy of the request schema: these
 * tests read the document the API serves (openApiDocument) and check the fields, their defaults and the body built
 * from them against what POST /clusters validates (clusterRequestSchema).
 */
import * as z from 'zod/mini';
import { clusterRequestSchema } from '../../../src/domain/parameters';
import { openApiDocument } from '../../../src/handlers/http/openapi';
import { formFields, initialValues, offersDryRun, requestBody } from '../../../src/console/schema-form';

const document = openApiDocument();

describe('the create form built from the OpenAPI document', () => {
  it('makes an enum or a choice of constants a select, an integer a bounded number, a boolean a checkbox, with the defaults shown', () => {
    const fields = Object.fromEntries(formFields(document).map((field) => [field.name, field]));

    expect(fields.name).toMatchObject({ kind: 'text', required: true, hint: 'required' });
    expect(fields.managers).toMatchObject({ kind: 'select', options: [1, 3, 5], default: 3, hint: 'default: 3' });
    expect(fields.workers).toMatchObject({ kind: 'number', integer: true, min: 0, max: 1000, default: 5 });
    expect(fields.workerInstanceType).toMatchObject({ kind: 'select', default: 't3.small' });
    expect(fields.workerInstanceType!.options).toContain('m7i.large');
    expect(fields.enableCloudWatchLogs).toMatchObject({ kind: 'checkbox', default: true });
    expect(fields.idleAction).toMatchObject({ kind: 'select', required: false, options: ['delete', 'hibernate'] });
    expect(fields['webhook.url']).toMatchObject({ kind: 'text', required: false });
  });

  it('has a field for every scalar property of the request, so a new one appears in the form without a change here', () => {
    const scalar = Object.entries((document.components!.schemas as Record<string, { properties: Record<string, { type?: string }> }>).ClusterRequest!.properties)
      .filter(([, schema]) => schema.type !== 'object')
      .map(([name]) => name);

    expect(formFields(document).map((field) => field.name)).toEqual(expect.arrayContaining(scalar));
  });

  it('turns the untouched form plus a name into a body the create request accepts, with the defaults it would apply anyway', () => {
    const fields = formFields(document);
    const body = requestBody(fields, { ...initialValues(fields), name: 'demo', managers: '1', workers: '2' });

    expect(body).toMatchObject({ name: 'demo', managers: 1, workers: 2, workerInstanceType: 't3.small', enableCloudWatchLogs: true });
    expect(body).not.toHaveProperty('idleAction');
    expect(body).not.toHaveProperty('webhook');
    expect(z.safeParse(clusterRequestSchema, body).success).toBe(true);
  });

  it('nests a dotted field into its object', () => {
    const fields = formFields(document);

    expect(requestBody(fields, { name: 'demo', 'webhook.url': 'https://hooks.example.com/x' })).toEqual({ name: 'demo', webhook: { url: 'https://hooks.example.com/x' } });
  });

  it('asks for a dry run only when the document lists the dryRun query parameter of POST /clusters', () => {
    const withDryRun = structuredClone(document) as unknown as { paths: Record<string, { post: { parameters: unknown[] } }> };
    withDryRun.paths['/clusters']!.post.parameters = [...(withDryRun.paths['/clusters']!.post.parameters ?? []), { name: 'dryRun', in: 'query', schema: { type: 'boolean' } }];

    expect(offersDryRun(withDryRun)).toBe(true);
    expect(offersDryRun({ paths: { '/clusters': { post: { parameters: [{ name: 'dryRun', in: 'header' }] } } } })).toBe(false);
    expect(offersDryRun({})).toBe(false);
  });
});
