/**
 * The AWS Query protocol's envelope, shared by the CloudFormation and Auto Scaling stand-ins (EC2's variant differs:
 * no `<Action>Result` wrapper, `Response/Errors/Error`). As the services answer: `<ActionResponse>` with
 * `<ActionResult>` (left out for an action that returns nothing) and `ResponseMetadata/RequestId`; errors as
 * `ErrorResponse/Error{Type,Code,Message}` with the `RequestId` beside it.
 */
import type { CloudSimulation } from '../domain/cloud';
import { CloudError } from '../domain/errors';
import type { QueryForm } from './query-form';
import { xmlDocument, type XmlObject } from './xml';

export type QueryAction = (form: QueryForm, cloud: CloudSimulation) => XmlObject | undefined;

export function queryProtocol(version: string, namespace: string, actions: Readonly<Record<string, QueryAction>>) {
  return {
    response(action: string, form: QueryForm, cloud: CloudSimulation, requestId: string): string {
      const handler = actions[action];
      if (!handler) throw new CloudError('InvalidAction', `Could not find operation ${action} for version ${version}`);
      const result = handler(form, cloud);
      return xmlDocument(`${action}Response`, namespace, {
        ...(result !== undefined ? { [`${action}Result`]: result } : {}),
        ResponseMetadata: { RequestId: requestId },
      });
    },
    error(error: CloudError, requestId: string): string {
      return xmlDocument('ErrorResponse', namespace, {
        Error: { Type: error.faultType, Code: error.code, Message: error.message },
        RequestId: requestId,
      });
    },
  };
}
