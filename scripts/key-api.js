// The second HTTP API: the same functions as the IAM-authorized API the framework makes from the `httpApi` events,
// behind the API-key Lambda authorizer instead. An HTTP API route has exactly one authorizer, so IAM callers and
// API-key callers each get an API of their own; both reach the same functions and the same handlers.
//
// Generated from serverless.yml's own `functions`: every httpApi route with the aws_iam authorizer is mirrored here,
// so a route added to serverless.yml (one line) is on both APIs; the deployment test checks the two agree. The public
// routes of PUBLIC_FUNCTIONS are mirrored without an authorizer.

const AUTHORIZER_FUNCTION = 'authorizeApiKey';
// Routes with no authorizer on either API that belong on this one too: the web console, whose page must share its
// origin with the API its calls go to (the API-key one: a browser holds a key, not AWS credentials). Slack's route,
// also without an authorizer, stays on the IAM API only.
const PUBLIC_FUNCTIONS = ['webConsole'];

const logicalFunctionId = (name) => `${name[0].toUpperCase()}${name.slice(1).replace(/-/g, 'Dash').replace(/_/g, 'Underscore')}LambdaFunction`;
const pascal = (text) =>
  text
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => `${word[0].toUpperCase()}${word.slice(1)}`)
    .join('');
const apiRef = { Ref: 'KeysHttpApi' };
const executeApiArn = (suffix) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':execute-api:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':', apiRef, ...suffix]],
});

function iamRoutes(functions) {
  const routes = [];
  for (const [functionName, definition] of Object.entries(functions ?? {})) {
    for (const event of definition.events ?? []) {
      const httpApi = event.httpApi;
      if (httpApi && httpApi.authorizer && httpApi.authorizer.type === 'aws_iam') routes.push({ functionName, method: httpApi.method.toUpperCase(), path: httpApi.path, public: false });
      else if (httpApi && !httpApi.authorizer && PUBLIC_FUNCTIONS.includes(functionName)) routes.push({ functionName, method: httpApi.method.toUpperCase(), path: httpApi.path, public: true });
    }
  }
  return routes;
}

module.exports.resources = async ({ resolveConfigurationProperty }) => {
  const service = await resolveConfigurationProperty(['service']);
  const stage = await resolveConfigurationProperty(['provider', 'stage']);
  const routes = iamRoutes(await resolveConfigurationProperty(['functions']));

  const Resources = {
    KeysHttpApi: {
      Type: 'AWS::ApiGatewayV2::Api',
      Properties: { Name: `${service}-${stage}-keys`, ProtocolType: 'HTTP', Description: 'swarm-provisioner for API-key callers (Authorization: Bearer spk_...)' },
    },
    KeysHttpApiStage: {
      Type: 'AWS::ApiGatewayV2::Stage',
      Properties: { ApiId: apiRef, StageName: '$default', AutoDeploy: true },
    },
    // Not cached (TTL 0), so a revoked or expired key is refused on the next request; and with caching off no
    // identity source is needed, so a request without an Authorization header still reaches the authorizer and gets
    // our 401 problem+json rather than API Gateway's own {"message":"Unauthorized"}.
    KeysHttpApiAuthorizer: {
      Type: 'AWS::ApiGatewayV2::Authorizer',
      Properties: {
        ApiId: apiRef,
        Name: 'apiKeys',
        AuthorizerType: 'REQUEST',
        AuthorizerPayloadFormatVersion: '2.0',
        EnableSimpleResponses: true,
        AuthorizerResultTtlInSeconds: 0,
        AuthorizerUri: {
          'Fn::Join': [
            '',
            ['arn:', { Ref: 'AWS::Partition' }, ':apigateway:', { Ref: 'AWS::Region' }, ':lambda:path/2015-03-31/functions/', { 'Fn::GetAtt': [logicalFunctionId(AUTHORIZER_FUNCTION), 'Arn'] }, '/invocations'],
          ],
        },
      },
    },
    KeysHttpApiAuthorizerPermission: {
      Type: 'AWS::Lambda::Permission',
      Properties: {
        FunctionName: { 'Fn::GetAtt': [logicalFunctionId(AUTHORIZER_FUNCTION), 'Arn'] },
        Action: 'lambda:InvokeFunction',
        Principal: 'apigateway.amazonaws.com',
        SourceArn: executeApiArn(['/authorizers/', { Ref: 'KeysHttpApiAuthorizer' }]),
      },
    },
  };

  for (const functionName of new Set(routes.map((route) => route.functionName))) {
    const id = pascal(functionName);
    Resources[`KeysHttpApiIntegration${id}`] = {
      Type: 'AWS::ApiGatewayV2::Integration',
      Properties: {
        ApiId: apiRef,
        IntegrationType: 'AWS_PROXY',
        IntegrationUri: { 'Fn::GetAtt': [logicalFunctionId(functionName), 'Arn'] },
        PayloadFormatVersion: '2.0',
        TimeoutInMillis: 30000,
      },
    };
    Resources[`KeysHttpApiPermission${id}`] = {
      Type: 'AWS::Lambda::Permission',
      Properties: {
        FunctionName: { 'Fn::GetAtt': [logicalFunctionId(functionName), 'Arn'] },
        Action: 'lambda:InvokeFunction',
        Principal: 'apigateway.amazonaws.com',
        SourceArn: executeApiArn(['/*']),
      },
    };
  }

  for (const route of routes) {
    Resources[`KeysHttpApiRoute${pascal(`${route.method} ${route.path}`)}`] = {
      Type: 'AWS::ApiGatewayV2::Route',
      Properties: {
        ApiId: apiRef,
        RouteKey: `${route.method} ${route.path}`,
        Target: { 'Fn::Join': ['/', ['integrations', { Ref: `KeysHttpApiIntegration${pascal(route.functionName)}` }]] },
        ...(route.public ? { AuthorizationType: 'NONE' } : { AuthorizationType: 'CUSTOM', AuthorizerId: { Ref: 'KeysHttpApiAuthorizer' } }),
      },
    };
  }

  return {
    Resources,
    Outputs: {
      KeysHttpApiUrl: {
        Description: 'URL of the API-key HTTP API',
        Value: { 'Fn::Join': ['', ['https://', apiRef, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]] },
      },
    },
  };
};
