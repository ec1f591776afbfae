import { openApiDocument } from '../../../src/handlers/http/openapi';
import { httpRoutes } from '../../../src/handlers/http/routes';

describe('the OpenAPI document', () => {
  it('documents every route the API serves, and nothing else', () => {
    const paths = openApiDocument().paths as Record<string, Record<string, unknown>>;
    const documented = Object.entries(paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`));
    expect(documented.sort()).toEqual(httpRoutes.map((route) => `${route.method} ${route.path}`).sort());
  });

  it('describes the delivery log and the redelivery answer with the schemas the handlers produce', () => {
    const document = openApiDocument();
    const delivery = document.components.schemas.Delivery as { properties: Record<string, { description?: string }>; required: string[] };
    expect(delivery.required).toEqual(expect.arrayContaining(['id', 'event', 'webhookId', 'status', 'body', 'attempts']));
    expect(Object.keys(delivery.properties)).not.toContain('secret');
    const redeliver = document.paths['/clusters/{id}/deliveries/{deliveryId}/redeliver'].post;
    expect(Object.keys(redeliver.responses)).toEqual(expect.arrayContaining(['202', '404', '409']));
  });

  it('documents the dry run of POST /clusters: the dryRun query parameter and its 200 with the plan', () => {
    const create = openApiDocument().paths['/clusters'].post;
    expect(create.parameters).toContainEqual(expect.objectContaining({ name: 'dryRun', in: 'query', schema: expect.objectContaining({ enum: ['true', 'false'] }) }));
    expect(create.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/ClusterPlan' });
    expect(openApiDocument().components.schemas.ClusterPlan).toMatchObject({ required: ['dryRun', 'cluster', 'quota', 'resources'] });
  });
});
